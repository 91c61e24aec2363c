// Umbrella header: everything jwtservice offers, nothing else.
#pragma once

#include "jwtservice/action.hpp"
#include "jwtservice/clock.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/errors.hpp"
#include "jwtservice/logger.hpp"
#include "jwtservice/options.hpp"
#include "jwtservice/result.hpp"
#include "jwtservice/revocation.hpp"
#include "jwtservice/service.hpp"
#include "jwtservice/version.hpp"
