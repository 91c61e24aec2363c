# The API reference: `cmake --build <dir> --target docs` runs Doxygen over the public headers
# into <dir>/html (`make docs` uses the docs preset, so build/docs/html). Warnings are errors.
find_package(Doxygen)
if(NOT DOXYGEN_FOUND)
  message(STATUS "jwtservice: Doxygen not found, so the docs target is not defined (Debian: doxygen)")
  return()
endif()

set(JWTSERVICE_DOCS_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/docs/api/Doxyfile.in ${CMAKE_CURRENT_BINARY_DIR}/Doxyfile @ONLY)
# A page of a removed class must not survive in the output: start from an empty html/.
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${JWTSERVICE_DOCS_OUTPUT_DIR}/html
  COMMAND Doxygen::doxygen ${CMAKE_CURRENT_BINARY_DIR}/Doxyfile
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
  COMMENT "Doxygen: API reference in ${JWTSERVICE_DOCS_OUTPUT_DIR}/html (warnings are errors)"
  VERBATIM)
