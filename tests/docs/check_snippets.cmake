# The test docs.snippets: builds every documentation snippet (tests/docs/CMakeLists.txt) and,
# when that fails, builds each one alone to name the file and line of every snippet that does
# not compile or link. -DBUILD_DIR, -DCONFIG, -DSNIPPETS (target=page:line,...), -DSKIPPED (page:line,...).
string(REPLACE "," ";" SNIPPETS "${SNIPPETS}")
string(REPLACE "," ";" SKIPPED "${SKIPPED}")
if(NOT SNIPPETS AND NOT SKIPPED)
  message(FATAL_ERROR "no documentation snippet found: tests/docs/extract_snippets.py found no ```cpp block "
                      "in README.md or docs/*.md (its fence pattern no longer matches?)")
endif()
foreach(skipped IN LISTS SKIPPED)
  message(STATUS "skipped (its back end is configured off): ${skipped}")
endforeach()

set(_config)
if(CONFIG)
  set(_config --config ${CONFIG})
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} ${_config} --target docs_snippets --parallel 2
                RESULT_VARIABLE _all)
if(_all EQUAL 0)
  list(LENGTH SNIPPETS _count)
  message(STATUS "${_count} documentation snippets compile and link")
  return()
endif()

set(_failed)
foreach(entry IN LISTS SNIPPETS)
  string(REPLACE "=" ";" entry "${entry}")
  list(GET entry 0 target)
  list(GET entry 1 where)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} ${_config} --target ${target}
                  RESULT_VARIABLE _one)
  if(NOT _one EQUAL 0)
    list(APPEND _failed "${where}")
  endif()
endforeach()
if(NOT _failed)
  message(FATAL_ERROR "building docs_snippets failed, yet every snippet builds alone (see the output above)")
endif()
foreach(where IN LISTS _failed)
  message(STATUS "${where}: this C++ snippet does not compile or link (the compiler's messages above name it too)")
endforeach()
message(FATAL_ERROR "documentation snippets that do not build: ${_failed}")
