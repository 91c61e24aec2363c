# Script (cmake -P) for the packaging.shared_install test: configures, builds and installs a shared
# variant (BUILD_SHARED_LIBS=ON, library and CLI only) of the source tree into a scratch prefix,
# then checks the soname and that the installed command starts (its install RPATH).
# Inputs: SOURCE_DIR, BINARY_DIR, PREFIX, GENERATOR, CXX, CXX_FLAGS, LINKER_FLAGS, CONFIG,
# WITH_SQLITE, WITH_REDIS, LIBDIR, BINDIR.
foreach(var SOURCE_DIR BINARY_DIR PREFIX GENERATOR CXX LIBDIR BINDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "packaging_shared.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${command}")
  endif()
endfunction()

file(REMOVE_RECURSE "${BINARY_DIR}" "${PREFIX}")
run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${BINARY_DIR}" -G "${GENERATOR}"
    -DCMAKE_BUILD_TYPE=${CONFIG} "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}" "-DCMAKE_SHARED_LINKER_FLAGS=${LINKER_FLAGS}"
    -DBUILD_SHARED_LIBS=ON -DJWTSERVICE_BUILD_TESTS=OFF -DJWTSERVICE_BUILD_EXAMPLES=OFF
    -DJWTSERVICE_BUILD_CLI=ON -DJWTSERVICE_WITH_SQLITE=${WITH_SQLITE} -DJWTSERVICE_WITH_REDIS=${WITH_REDIS})
run("${CMAKE_COMMAND}" --build "${BINARY_DIR}" --config ${CONFIG} --parallel 2)
run("${CMAKE_COMMAND}" --install "${BINARY_DIR}" --config ${CONFIG} --prefix "${PREFIX}")

if(NOT WIN32)
  if(NOT EXISTS "${PREFIX}/${LIBDIR}/libjwtservice.so.0" AND NOT EXISTS "${PREFIX}/${LIBDIR}/libjwtservice.0.dylib")
    message(FATAL_ERROR "the shared library was not installed with its soname (libjwtservice.so.0)")
  endif()
  # The installed command must find the library through its RPATH, not LD_LIBRARY_PATH.
  set(ENV{LD_LIBRARY_PATH} "")
  run("${PREFIX}/${BINDIR}/jwtservice" --version)
endif()
