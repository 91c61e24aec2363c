# Script (cmake -P) for the packaging tests: `cmake --install BUILD_DIR --prefix PREFIX` that leaves
# BUILD_DIR/install_manifest.txt as it was, so that `make uninstall` still removes what the last
# real `make install` put in place, not the scratch prefix.
# Inputs: BUILD_DIR, PREFIX; CONFIG (optional, for multi-config generators).
foreach(var BUILD_DIR PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "packaging_install.cmake: -D${var}=... is required")
  endif()
endforeach()
set(manifest "${BUILD_DIR}/install_manifest.txt")
set(kept "${BUILD_DIR}/install_manifest.txt.packaging-test")
file(REMOVE "${kept}")
if(EXISTS "${manifest}")
  file(RENAME "${manifest}" "${kept}")
endif()
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args}
                RESULT_VARIABLE rc)
file(REMOVE "${manifest}")
if(EXISTS "${kept}")
  file(RENAME "${kept}" "${manifest}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed (${rc})")
endif()
