# CPack: Debian packages of this build (`make package`, or `cpack -G DEB` in a build directory
# configured with CMAKE_INSTALL_PREFIX=/usr, as the `package` preset is).
#
# The split follows the install components (cmake/jwtserviceInstall.cmake) and Debian's naming:
#   static build (the default): libjwtservice-dev (headers, libjwtservice.a, CMake and pkg-config
#     files) and jwtservice (the command). A static library has no runtime package: nothing loads
#     it at run time, and the command carries its own copy.
#   shared build (BUILD_SHARED_LIBS=ON): libjwtservice0 (libjwtservice.so.0*, named after the
#     soname so that a future .so.1 can be installed next to it), libjwtservice-dev (as above, with
#     the libjwtservice.so link and a Depends on libjwtservice0 of the same version) and jwtservice.
# The Depends of what holds ELF binaries (libjwtservice0, jwtservice) are computed by
# dpkg-shlibdeps; the -dev package's are the Debian -dev packages that jwtserviceConfig.cmake's
# find_dependency calls and the pkg-config file need, listed below by back end.

set(CPACK_PACKAGE_NAME jwtservice)
set(CPACK_PACKAGE_VENDOR "The jwtservice authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# CPackDeb puts CPACK_PACKAGE_DESCRIPTION_SUMMARY (by default the project's DESCRIPTION) before
# each package's description unless it is CPack's own default: so, that default, and each
# component below starts its description with a summary line of its own.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
# The project has no published contact address: a packager sets one, e.g.
# -DCPACK_PACKAGE_CONTACT="Jane Doe <jane@example.org>" (lintian reports the missing address).
set(CPACK_PACKAGE_CONTACT "The jwtservice authors" CACHE STRING "Maintainer field of the Debian packages")
# No Homepage field: the project has no public URL yet.

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # Debian ships stripped binaries (lintian: unstripped-binary-or-object)
# Intra-package Depends (libjwtservice-dev and jwtservice on libjwtservice0) from the component
# dependencies below, with the exact version.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

string(CONCAT _jwtservice_pkg_long
    "A C++20 library for JSON Web Tokens whose purpose (the action claim) is part\n"
    "of the contract: HS256 only, strict decoding, the signature verified before\n"
    "the payload is read, audiences, rate limits and revocation\n"
    "(in memory")
if(JWTSERVICE_WITH_SQLITE)
  string(APPEND _jwtservice_pkg_long ", SQLite")
endif()
if(JWTSERVICE_WITH_REDIS)
  string(APPEND _jwtservice_pkg_long ", Redis")
endif()
string(APPEND _jwtservice_pkg_long ").")

# -dev: the Debian packages a consumer's find_package(jwtservice) or pkg-config needs.
set(_jwtservice_dev_depends "libssl-dev (>= 3.0)" "nlohmann-json3-dev (>= 3.10)")
if(JWTSERVICE_WITH_SQLITE)
  list(APPEND _jwtservice_dev_depends libsqlite3-dev)
endif()
if(JWTSERVICE_WITH_REDIS)
  # jwtserviceConfig.cmake finds hiredis through pkg-config.
  list(APPEND _jwtservice_dev_depends libhiredis-dev pkg-config)
endif()
list(JOIN _jwtservice_dev_depends ", " CPACK_DEBIAN_JWTSERVICE_DEVELOPMENT_PACKAGE_DEPENDS)
set(CPACK_DEBIAN_JWTSERVICE_DEVELOPMENT_PACKAGE_NAME libjwtservice-dev)
set(CPACK_DEBIAN_JWTSERVICE_DEVELOPMENT_PACKAGE_SECTION libdevel)
string(CONCAT CPACK_COMPONENT_JWTSERVICE_DEVELOPMENT_DESCRIPTION
    "purpose-tagged JSON Web Tokens for C++20 (development files)\n${_jwtservice_pkg_long}\n\n"
    "This package holds the headers, the library to link with, the CMake package\n"
    "(find_package(jwtservice)) and the pkg-config file.")

set(CPACK_DEBIAN_JWTSERVICE_CLI_PACKAGE_NAME jwtservice)
set(CPACK_DEBIAN_JWTSERVICE_CLI_PACKAGE_SECTION utils)
string(CONCAT CPACK_COMPONENT_JWTSERVICE_CLI_DESCRIPTION
    "purpose-tagged JSON Web Tokens from the command line\n${_jwtservice_pkg_long}\n\n"
    "This package holds the jwtservice command: create, validate, revoke and consume\n"
    "tokens from a shell.")

set(CPACK_COMPONENTS_ALL jwtservice_development)
if(_jwtservice_type STREQUAL "SHARED_LIBRARY")
  list(PREPEND CPACK_COMPONENTS_ALL jwtservice_runtime)
  set(CPACK_DEBIAN_JWTSERVICE_RUNTIME_PACKAGE_NAME libjwtservice${PROJECT_VERSION_MAJOR})
  set(CPACK_DEBIAN_JWTSERVICE_RUNTIME_PACKAGE_SECTION libs)
  string(CONCAT CPACK_COMPONENT_JWTSERVICE_RUNTIME_DESCRIPTION
      "purpose-tagged JSON Web Tokens for C++20 (shared library)\n${_jwtservice_pkg_long}\n\n"
      "This package holds the shared library.")
  # A shlibs file (only packages with a shared object get one), so that dpkg-shlibdeps resolves
  # libjwtservice.so.0 for the packages built on it, and the ldconfig trigger that lintian asks
  # of a shared-library package (CPack also calls ldconfig from postinst/postrm, which lintian
  # calls obsolete but harmless: CPackDeb 3.25 has no switch for it).
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
  set(CPACK_DEBIAN_JWTSERVICE_RUNTIME_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/cmake/debian/triggers")
  set(CPACK_COMPONENT_JWTSERVICE_DEVELOPMENT_DEPENDS jwtservice_runtime)
  set(CPACK_COMPONENT_JWTSERVICE_CLI_DEPENDS jwtservice_runtime)
  # dpkg-shlibdeps fails on the command unless it finds libjwtservice.so.0: it is in the runtime
  # package's staging tree, CPack's <build>/_CPack_Packages/<system>/DEB/<file name>/<component>
  # (CPACK_TEMPORARY_DIRECTORY, only known while cpack runs).
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
      "${CMAKE_BINARY_DIR}/_CPack_Packages/${CMAKE_SYSTEM_NAME}/DEB/${CPACK_PACKAGE_NAME}-${CPACK_PACKAGE_VERSION}-${CMAKE_SYSTEM_NAME}/jwtservice_runtime${CMAKE_INSTALL_FULL_LIBDIR}")
endif()
if(JWTSERVICE_BUILD_CLI)
  list(APPEND CPACK_COMPONENTS_ALL jwtservice_cli)
endif()

# Every Debian package carries its license as /usr/share/doc/<package>/copyright. Installed for
# the packages' component installs only (EXCLUDE_FROM_ALL), not by a plain `cmake --install`.
foreach(_jwtservice_component IN LISTS CPACK_COMPONENTS_ALL)
  string(TOUPPER "${_jwtservice_component}" _jwtservice_upper)
  install(FILES "${PROJECT_SOURCE_DIR}/LICENSE"
          DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/${CPACK_DEBIAN_${_jwtservice_upper}_PACKAGE_NAME}"
          RENAME copyright COMPONENT ${_jwtservice_component} EXCLUDE_FROM_ALL)
endforeach()

include(CPack)
