# Packaging tests: install this build tree into a scratch prefix, then build the consumer in
# tests/find_package/ against it, through find_package (CMake) and through pkg-config.
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
         COMMAND ${CMAKE_COMMAND} --install ${CMAKE_BINARY_DIR} --prefix ${_jwtservice_prefix}
                 "${_jwtservice_config_args}"
         COMMAND_EXPAND_LISTS)
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
add_test(NAME packaging.find_package
         COMMAND ${CMAKE_CTEST_COMMAND} "${_jwtservice_ctest_config_args}"
                 --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/find_package ${_jwtservice_consumer_build}
                 ${_jwtservice_generator_args}
                 --build-options
                   -DCMAKE_PREFIX_PATH=${_jwtservice_prefix}
                   -DJWTSERVICE_EXPECTED_PREFIX=${_jwtservice_prefix}
                   -DCMAKE_BUILD_TYPE=$<CONFIG>
                   -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
                   "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}"
                   "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
                 --test-command find_package_consumer
         COMMAND_EXPAND_LISTS)
set_tests_properties(packaging.find_package PROPERTIES FIXTURES_REQUIRED jwtservice_installed
                                                       LABELS packaging)

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND AND NOT MSVC)
  add_test(NAME packaging.pkg_config
           COMMAND ${CMAKE_COMMAND}
                   -DPKG_CONFIG_EXECUTABLE=${PKG_CONFIG_EXECUTABLE}
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
