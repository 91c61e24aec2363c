# Install rules: headers, the library, its CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

# Three install components, so that a package can be split (cmake/jwtservicePackage.cmake):
# jwtservice_runtime (a shared library: libjwtservice.so.0*), jwtservice_development (headers,
# static library or the .so link, CMake and pkg-config files) and jwtservice_cli (the command).
# `cmake --install` without --component still installs all three.

set(JWTSERVICE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/jwtservice")

install(TARGETS jwtservice EXPORT jwtserviceTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT jwtservice_development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT jwtservice_runtime
          NAMELINK_COMPONENT jwtservice_development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT jwtservice_runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(JWTSERVICE_BUILD_CLI)
  # A shared build's bin/jwtservice finds lib/libjwtservice.so.0 next to itself, wherever the
  # prefix is moved: an install RPATH relative to the executable. Not when the library goes to a
  # directory the dynamic linker searches anyway (a Debian package's /usr/lib/<triplet>), where
  # an RPATH is only noise (lintian: custom-library-search-path).
  set(_jwtservice_system_libdir OFF)
  if(CMAKE_INSTALL_FULL_LIBDIR IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
    set(_jwtservice_system_libdir ON)
  endif()
  if(_jwtservice_type STREQUAL "SHARED_LIBRARY" AND NOT WIN32 AND NOT _jwtservice_system_libdir)
    file(RELATIVE_PATH _jwtservice_bin_to_lib "/${CMAKE_INSTALL_FULL_BINDIR}" "/${CMAKE_INSTALL_FULL_LIBDIR}")
    if(APPLE)
      set_target_properties(jwtservice_cli PROPERTIES INSTALL_RPATH "@loader_path/${_jwtservice_bin_to_lib}")
    else()
      set_target_properties(jwtservice_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_jwtservice_bin_to_lib}")
    endif()
  endif()
  install(TARGETS jwtservice_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT jwtservice_cli)
endif()
install(DIRECTORY include/jwtservice DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT jwtservice_development)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/include/jwtservice/features.hpp"
              "${CMAKE_CURRENT_BINARY_DIR}/include/jwtservice/export.hpp"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/jwtservice COMPONENT jwtservice_development)
install(EXPORT jwtserviceTargets NAMESPACE jwtservice:: DESTINATION ${JWTSERVICE_CMAKE_DIR}
        COMPONENT jwtservice_development)

configure_package_config_file(cmake/jwtserviceConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfig.cmake"
  INSTALL_DESTINATION ${JWTSERVICE_CMAKE_DIR})
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfigVersion.cmake"
        DESTINATION ${JWTSERVICE_CMAKE_DIR} COMPONENT jwtservice_development)

# pkg-config. The prefix is found from the .pc file's own place, so that `cmake --install --prefix`
# (which cannot re-run configure_file) still yields a correct file. libcrypto, sqlite3 (and
# hiredis, below) are private: no public header includes them, and a static libjwtservice is
# linked with `pkg-config --static --libs`, which adds them.
file(RELATIVE_PATH JWTSERVICE_PC_PREFIX_FROM_PCFILEDIR "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" JWTSERVICE_PC_PREFIX_FROM_PCFILEDIR "${JWTSERVICE_PC_PREFIX_FROM_PCFILEDIR}")
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(JWTSERVICE_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(JWTSERVICE_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(_jwtservice_pc_linked "libcrypto >= 3.0")
if(JWTSERVICE_WITH_SQLITE)
  string(APPEND _jwtservice_pc_linked ", sqlite3")
endif()
# hiredis goes in Libs.private, not Requires.private: pkg-config adds the Cflags of
# Requires.private modules to every `--cflags` (-I/usr/include/hiredis, -D_FILE_OFFSET_BITS=64),
# and no public header of jwtservice includes hiredis.
set(JWTSERVICE_PC_LIBS_PRIVATE "")
if(JWTSERVICE_WITH_REDIS)
  list(JOIN JWTSERVICE_HIREDIS_LDFLAGS " " JWTSERVICE_PC_LIBS_PRIVATE)
  string(APPEND _jwtservice_pc_linked ", libssl >= 3.0")  # TLS for rediss://
endif()
set(JWTSERVICE_PC_REQUIRES "nlohmann_json >= 3.10")
set(JWTSERVICE_PC_REQUIRES_PRIVATE "${_jwtservice_pc_linked}")
set(JWTSERVICE_PC_CFLAGS "")
if(_jwtservice_type STREQUAL "STATIC_LIBRARY")
  set(JWTSERVICE_PC_CFLAGS " -DJWTSERVICE_STATIC_DEFINE")
endif()
configure_file(cmake/jwtservice.pc.in "${CMAKE_CURRENT_BINARY_DIR}/jwtservice.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/jwtservice.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT jwtservice_development)

# `make uninstall` / `cmake --build . --target uninstall`: removes what the last `make install`
# (install_manifest.txt) put in place. The packaging tests install elsewhere without touching it.
if(NOT TARGET uninstall)
  configure_file(cmake/jwtserviceUninstall.cmake.in "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceUninstall.cmake" @ONLY)
  add_custom_target(uninstall COMMAND ${CMAKE_COMMAND} -P "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceUninstall.cmake"
                    COMMENT "Removing the files listed in install_manifest.txt")
endif()
