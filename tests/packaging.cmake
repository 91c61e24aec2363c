# Packaging tests: install this build tree into a scratch prefix, then build the consumer in
# tests/find_package/ against it, through find_package (CMake) and through pkg-config. A static
# build also builds, installs and consumes a shared variant of itself (packaging.shared_*).
if(NOT JWTSERVICE_INSTALL)
  message(STATUS "jwtservice: JWTSERVICE_INSTALL is OFF, so the packaging tests are not defined")
  return()
endif()

set(_jwtservice_prefix "${CMAKE_BINARY_DIR}/find_package_prefix")
set(_jwtservice_consumer_build "${CMAKE_BINARY_DIR}/find_package_build")
set(_jwtservice_pkg_config_build "${CMAKE_BINARY_DIR}/pkg_config_build")
# Multi-config generators install and build nothing without a configuration; single-config ones may have none.
set(_jwtservice_config_args "$<$<BOOL:$<CONFIG>>:--config;$<CONFIG>>")
set(_jwtservice_ctest_config_args "$<$<BOOL:$<CONFIG>>:-C;$<CONFIG>>")

# A stale prefix could hide a file that is no longer installed: start from nothing each run.
add_test(NAME packaging.clean
         COMMAND ${CMAKE_COMMAND} -E rm -rf ${_jwtservice_prefix} ${_jwtservice_consumer_build}
                 ${_jwtservice_pkg_config_build})
add_test(NAME packaging.install
         COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR} -DPREFIX=${_jwtservice_prefix}
                 -DCONFIG=$<CONFIG> -P ${CMAKE_CURRENT_SOURCE_DIR}/packaging_install.cmake)
set_tests_properties(packaging.clean PROPERTIES FIXTURES_SETUP jwtservice_installed LABELS packaging)
set_tests_properties(packaging.install PROPERTIES FIXTURES_SETUP jwtservice_installed DEPENDS packaging.clean
                                                  LABELS packaging)

# The consumer gets the same compiler and flags, so that it links against a sanitized library.
set(_jwtservice_generator_args --build-generator ${CMAKE_GENERATOR})
if(CMAKE_GENERATOR_PLATFORM)
  list(APPEND _jwtservice_generator_args --build-generator-platform ${CMAKE_GENERATOR_PLATFORM})
endif()
if(CMAKE_GENERATOR_TOOLSET)
  list(APPEND _jwtservice_generator_args --build-generator-toolset ${CMAKE_GENERATOR_TOOLSET})
endif()
if(CMAKE_MAKE_PROGRAM)
  list(APPEND _jwtservice_generator_args --build-makeprogram ${CMAKE_MAKE_PROGRAM})
endif()
# A ctest that configures, builds and runs tests/find_package against the install at PREFIX,
# expecting a library of TYPE (STATIC_LIBRARY or SHARED_LIBRARY).
function(jwtservice_add_consumer_test name build_dir prefix type)
  add_test(NAME ${name}
           COMMAND ${CMAKE_CTEST_COMMAND} "${_jwtservice_ctest_config_args}"
                   --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/find_package ${build_dir}
                   ${_jwtservice_generator_args}
                   --build-options
                     -DCMAKE_PREFIX_PATH=${prefix}
                     -DJWTSERVICE_EXPECTED_PREFIX=${prefix}
                     -DJWTSERVICE_EXPECTED_TYPE=${type}
                     -DCMAKE_BUILD_TYPE=$<CONFIG>
                     -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
                     "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}"
                     "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
                   --test-command find_package_consumer
           COMMAND_EXPAND_LISTS)
endfunction()
jwtservice_add_consumer_test(packaging.find_package ${_jwtservice_consumer_build} ${_jwtservice_prefix}
                             ${_jwtservice_type})
set_tests_properties(packaging.find_package PROPERTIES FIXTURES_REQUIRED jwtservice_installed
                                                       LABELS packaging)

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND AND NOT MSVC)
  add_test(NAME packaging.pkg_config
           COMMAND ${CMAKE_COMMAND}
                   -DPKG_CONFIG_EXECUTABLE=${PKG_CONFIG_EXECUTABLE}
                   -DSTATIC=$<STREQUAL:${_jwtservice_type},STATIC_LIBRARY>
                   -DPC_DIR=${_jwtservice_prefix}/${CMAKE_INSTALL_LIBDIR}/pkgconfig
                   -DCXX=${CMAKE_CXX_COMPILER}
                   "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}"
                   "-DLINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
                   -DSOURCE=${CMAKE_CURRENT_SOURCE_DIR}/find_package/main.cpp
                   -DOUTPUT=${_jwtservice_pkg_config_build}/pkg_config_consumer
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/find_package/pkg_config.cmake)
  set_tests_properties(packaging.pkg_config PROPERTIES FIXTURES_REQUIRED jwtservice_installed
                                                       LABELS packaging)
else()
  message(STATUS "jwtservice: pkg-config not found, packaging.pkg_config is not defined")
endif()

# The Debian packages (`make package`), built, unpacked with dpkg-deb and consumed from the
# unpacked root; shared or static as this build is. Off by default: it builds the library and
# the command once more (about a minute); .ci/run turns it on in its shared-library stage.
option(JWTSERVICE_TEST_DEB_PACKAGE "Also build, unpack and consume the Debian packages in the packaging tests" OFF)
if(JWTSERVICE_TEST_DEB_PACKAGE)
  find_program(JWTSERVICE_DPKG_DEB dpkg-deb)
  find_program(JWTSERVICE_DPKG_SHLIBDEPS dpkg-shlibdeps)
  if(NOT JWTSERVICE_DPKG_DEB OR NOT JWTSERVICE_DPKG_SHLIBDEPS)
    message(WARNING "jwtservice: JWTSERVICE_TEST_DEB_PACKAGE is ON but dpkg-deb or dpkg-shlibdeps is "
                    "missing (Debian: apt-get install dpkg-dev): packaging.deb_* are not defined")
  else()
    set(_jwtservice_deb_root "${CMAKE_BINARY_DIR}/deb_root")
    add_test(NAME packaging.deb_build
             COMMAND ${CMAKE_COMMAND}
                     -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                     -DBINARY_DIR=${CMAKE_BINARY_DIR}/deb_build
                     -DROOT=${_jwtservice_deb_root}
                     -DGENERATOR=${CMAKE_GENERATOR}
                     -DCXX=${CMAKE_CXX_COMPILER}
                     -DCPACK=${CMAKE_CPACK_COMMAND}
                     -DSHARED=$<STREQUAL:${_jwtservice_type},SHARED_LIBRARY>
                     -DWITH_SQLITE=${JWTSERVICE_WITH_SQLITE}
                     -DWITH_REDIS=${JWTSERVICE_WITH_REDIS}
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/packaging_deb.cmake)
    set_tests_properties(packaging.deb_build PROPERTIES FIXTURES_SETUP jwtservice_deb_unpacked
                                                        LABELS packaging TIMEOUT 600)
    jwtservice_add_consumer_test(packaging.deb_find_package ${CMAKE_BINARY_DIR}/deb_consumer
                                 ${_jwtservice_deb_root}/usr ${_jwtservice_type})
    set_tests_properties(packaging.deb_find_package PROPERTIES FIXTURES_REQUIRED jwtservice_deb_unpacked
                                                               LABELS packaging)
  endif()
endif()

# The shared variant, from a static build only (a shared build is checked by the tests above).
# It builds the library and the CLI once more (about a minute); the sanitizer presets turn it off.
# Not on Windows, where the consumer would also need the DLL's folder in PATH.
option(JWTSERVICE_TEST_SHARED_VARIANT "Also build, install and consume a shared variant in the packaging tests" ON)
if(NOT JWTSERVICE_TEST_SHARED_VARIANT OR NOT _jwtservice_type STREQUAL "STATIC_LIBRARY" OR WIN32)
  return()
endif()
set(_jwtservice_shared_prefix "${CMAKE_BINARY_DIR}/shared_variant_prefix")
set(_jwtservice_shared_consumer_build "${CMAKE_BINARY_DIR}/shared_variant_consumer")
add_test(NAME packaging.shared_install
         COMMAND ${CMAKE_COMMAND}
                 -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -DBINARY_DIR=${CMAKE_BINARY_DIR}/shared_variant_build
                 -DPREFIX=${_jwtservice_shared_prefix}
                 -DGENERATOR=${CMAKE_GENERATOR}
                 -DCXX=${CMAKE_CXX_COMPILER}
                 "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}"
                 "-DLINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
                 -DCONFIG=$<CONFIG>
                 -DWITH_SQLITE=${JWTSERVICE_WITH_SQLITE}
                 -DWITH_REDIS=${JWTSERVICE_WITH_REDIS}
                 -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
                 -DBINDIR=${CMAKE_INSTALL_BINDIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/packaging_shared.cmake)
set_tests_properties(packaging.shared_install PROPERTIES FIXTURES_SETUP jwtservice_shared_installed
                                                         LABELS packaging TIMEOUT 600)
jwtservice_add_consumer_test(packaging.shared_find_package ${_jwtservice_shared_consumer_build}
                             ${_jwtservice_shared_prefix} SHARED_LIBRARY)
set_tests_properties(packaging.shared_find_package PROPERTIES FIXTURES_REQUIRED jwtservice_shared_installed
                                                              LABELS packaging)
