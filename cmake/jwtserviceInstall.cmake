# Install rules: headers, the library, its CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

set(JWTSERVICE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/jwtservice")

install(TARGETS jwtservice EXPORT jwtserviceTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/jwtservice DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT jwtserviceTargets NAMESPACE jwtservice:: DESTINATION ${JWTSERVICE_CMAKE_DIR})

configure_package_config_file(cmake/jwtserviceConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfig.cmake"
  INSTALL_DESTINATION ${JWTSERVICE_CMAKE_DIR})
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/jwtserviceConfigVersion.cmake"
        DESTINATION ${JWTSERVICE_CMAKE_DIR})

configure_file(cmake/jwtservice.pc.in "${CMAKE_CURRENT_BINARY_DIR}/jwtservice.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/jwtservice.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
