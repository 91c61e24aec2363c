# Warnings for jwtservice's own targets only; third-party headers come in as SYSTEM includes.
function(jwtservice_set_warnings target)
  if(MSVC)
    # C4251/C4275: a JWTSERVICE_API class with standard-library members or bases; both sides of
    # a DLL boundary use the same standard library here, which is what the warnings are about.
    target_compile_options(${target} PRIVATE /W4 /permissive- /wd4251 /wd4275)
    if(JWTSERVICE_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wold-style-cast -Wcast-align -Woverloaded-virtual)
    if(JWTSERVICE_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    # GCC 12 reports std::string assignments as overlapping memcpy at -O2 (GCC bug 105651).
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      target_compile_options(${target} PRIVATE -Wno-restrict)
    endif()
  endif()
endfunction()
