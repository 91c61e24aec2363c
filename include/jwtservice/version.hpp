// The library version, for code that must check it at compile time.
#pragma once

#define JWTSERVICE_VERSION_MAJOR 0
#define JWTSERVICE_VERSION_MINOR 1
#define JWTSERVICE_VERSION_PATCH 0
#define JWTSERVICE_VERSION_STRING "0.1.0"
