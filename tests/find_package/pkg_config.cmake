# Script (cmake -P) for the packaging.pkg_config test: builds main.cpp with nothing but the flags
# `pkg-config --cflags --libs jwtservice` gives for the install prefix, then runs it.
# Inputs: PKG_CONFIG_EXECUTABLE, PC_DIR (the installed pkgconfig folder), CXX, CXX_FLAGS,
# LINKER_FLAGS, SOURCE, OUTPUT; STATIC (true for a static libjwtservice).
foreach(var PKG_CONFIG_EXECUTABLE PC_DIR CXX SOURCE OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "pkg_config.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${PC_DIR}/jwtservice.pc")
  message(FATAL_ERROR "${PC_DIR}/jwtservice.pc was not installed")
endif()

# Only the scratch prefix: a jwtservice.pc installed elsewhere on the machine must not be used.
set(ENV{PKG_CONFIG_PATH} "${PC_DIR}")
# A static libjwtservice needs its Requires.private (libcrypto, sqlite3, hiredis) on the link line.
set(static_arg "")
if(STATIC)
  set(static_arg --static)
endif()
execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --cflags --libs ${static_arg} jwtservice
                OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs jwtservice failed (${rc})")
endif()
message(STATUS "pkg-config --cflags --libs ${static_arg} jwtservice: ${pc_flags}")

# A shared libjwtservice in a scratch prefix is found at run time through an RPATH of the test's own.
if(NOT STATIC)
  execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --variable=libdir jwtservice
                  OUTPUT_VARIABLE pc_libdir OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(APPEND LINKER_FLAGS " -Wl,-rpath,${pc_libdir}")
endif()

get_filename_component(output_dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${output_dir}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(linker_flags UNIX_COMMAND "${LINKER_FLAGS}")
execute_process(COMMAND "${CXX}" ${cxx_flags} -Wall -Wextra -Werror "${SOURCE}" -o "${OUTPUT}"
                        ${pc_flags} ${linker_flags}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling ${SOURCE} with the pkg-config flags failed (${rc})")
endif()

execute_process(COMMAND "${OUTPUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OUTPUT} failed (${rc})")
endif()
