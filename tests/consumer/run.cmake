# Installs the built project into a scratch prefix, then configures, builds and runs the
# consumer project against it. Invoked by ctest with -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=...
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(expected "o1 2026-03-01T11:00:00Z 29.985 29\n")
function(build_and_run name)
  step(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/${name}"
       -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release ${ARGN})
  step(${CMAKE_COMMAND} --build "${WORK_DIR}/${name}")
  step("${WORK_DIR}/${name}/consumer")
  if(NOT step_output STREQUAL expected)
    message(FATAL_ERROR "${name} consumer printed '${step_output}', expected '${expected}'")
  endif()
  message(STATUS "${name} consumer: ${step_output}")
endfunction()

# 1. find_package against an installed copy.
step(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
build_and_run(installed "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
# 2. add_subdirectory of the source tree (tests, benchmarks and CLI off as for any sub-project).
build_and_run(subdirectory "-DLOYALTY_SOURCE_DIR=${SOURCE_DIR}" -DLOYALTY_BUILD_CLI=OFF)
