# The configuration keys the library reads, for the build (examples/CMakeLists.txt clears them
# from the environment of a test). The authoritative list is jwtservice::config_keys() in
# src/config.cpp; test_config fails when this copy differs from it.
set(JWTSERVICE_CONFIG_KEYS
    SECRET_KEY
    JWTSERVICE_SECRET_KEY_FALLBACKS
    JWTSERVICE_ALGORITHM
    JWTSERVICE_ISSUER
    JWTSERVICE_AUDIENCE
    JWTSERVICE_LEEWAY
    JWTSERVICE_RATELIMIT
    JWTSERVICE_RATELIMIT_CREATE
    JWTSERVICE_RATELIMIT_VALIDATE
    JWTSERVICE_MAX_TOKEN_BYTES
    JWTSERVICE_MIN_SECRET_BYTES
    JWTSERVICE_REDIS_URL
    JWTSERVICE_REDIS_PREFIX
    JWTSERVICE_REDIS_ALLOW_EVICTION)
