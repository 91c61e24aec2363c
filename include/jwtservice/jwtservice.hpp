// Umbrella header: everything jwtservice offers, nothing else.
#pragma once

#include "jwtservice/action.hpp"
#include "jwtservice/clock.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/errors.hpp"
#include "jwtservice/features.hpp"
#include "jwtservice/logger.hpp"
#include "jwtservice/memory_store.hpp"
#include "jwtservice/observer.hpp"
#include "jwtservice/options.hpp"
#include "jwtservice/rate_limiter.hpp"
#include "jwtservice/result.hpp"
#include "jwtservice/revocation.hpp"
#include "jwtservice/service.hpp"
#include "jwtservice/validate_options.hpp"
#include "jwtservice/version.hpp"

#if JWTSERVICE_WITH_SQLITE
#include "jwtservice/sqlite_store.hpp"
#endif

#if JWTSERVICE_WITH_REDIS
#include "jwtservice/redis_options.hpp"
#include "jwtservice/redis_rate_limiter.hpp"
#include "jwtservice/redis_store.hpp"
#endif
