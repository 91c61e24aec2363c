# vcpkg overlay port for jwtservice, built from this source tree:
#   vcpkg install jwtservice --overlay-ports=<this repository>/ports
#   vcpkg install "jwtservice[redis]" --overlay-ports=...         (Redis: not on Windows)
# The project has no published release archive yet, so the port takes its sources from the tree it
# sits in instead of vcpkg_from_github (REPO, REF and SHA512 would replace the line below then).
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        sqlite JWTSERVICE_WITH_SQLITE
        redis  JWTSERVICE_WITH_REDIS
)
if("redis" IN_LIST FEATURES)
    # jwtservice finds hiredis through pkg-config (hiredis.pc of vcpkg's hiredis port).
    vcpkg_find_acquire_program(PKGCONFIG)
    list(APPEND FEATURE_OPTIONS "-DPKG_CONFIG_EXECUTABLE=${PKGCONFIG}")
endif()

# Library, headers, CMake and pkg-config files and the command; no tests, examples or -Werror
# (vcpkg's compilers are not ours to police).
vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DJWTSERVICE_BUILD_TESTS=OFF
        -DJWTSERVICE_BUILD_EXAMPLES=OFF
        -DJWTSERVICE_BUILD_BENCHMARKS=OFF
        -DJWTSERVICE_BUILD_CLI=ON
        -DJWTSERVICE_INSTALL=ON
        -DJWTSERVICE_WARNINGS_AS_ERRORS=OFF
)
vcpkg_cmake_install()
vcpkg_copy_pdbs()

vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/jwtservice)
vcpkg_fixup_pkgconfig()

# The command goes to tools/jwtservice; AUTO_CLEAN drops bin/ (and debug/bin/) when nothing else
# (a DLL) is left in it.
vcpkg_copy_tools(TOOL_NAMES jwtservice AUTO_CLEAN)

file(REMOVE_RECURSE
    "${CURRENT_PACKAGES_DIR}/debug/include"
    "${CURRENT_PACKAGES_DIR}/debug/share"
)

vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
