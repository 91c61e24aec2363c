# ctest -P script: a consumer whose nlohmann/json is configured unlike the library's must fail
# to link, never link and crash (the rule in include/jwtservice/detail/engine.hpp).
# -DBUILD_DIR=<the build tree> -DCONTROL_EXE=<path of abi_json_default>
function(build target)
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target ${target}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  set(rc "${rc}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
endfunction()

# The control: the same source with the library's json configuration links and runs.
build(abi_json_default)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the control consumer (json configured as the library) did not build:\n${out}")
endif()
execute_process(COMMAND "${CONTROL_EXE}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the control consumer failed at run time (exit ${rc}): ${err}")
endif()

# The mismatch: JSON_DIAGNOSTICS=1 changes json's layout and its inline namespace.
build(abi_json_diagnostics)
if(rc EQUAL 0)
  message(FATAL_ERROR "a consumer built with JSON_DIAGNOSTICS=1 linked against a library built "
                      "without it: json crosses the boundary unmangled, and it would crash at run time")
endif()
if(NOT out MATCHES "undefined (reference|symbol)[^\n]*json_abi_diag")
  message(FATAL_ERROR "the JSON_DIAGNOSTICS=1 consumer failed, but not at link time on the json ABI "
                      "tag (expected an undefined reference naming json_abi_diag):\n${out}")
endif()
message(STATUS "JSON_DIAGNOSTICS=1 consumer refused at link time, as it must")
