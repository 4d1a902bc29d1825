# cmake -DBUILD_DIR=... -DEXAMPLE_SOURCE_DIR=... -DWORK_DIR=... -DCXX_COMPILER=...
#       -DPLUGIN_INSTALL_DIR=lib/tinydet/plugins -P check_out_of_tree.cmake
# Fails (FATAL_ERROR, non-zero exit) with the step and its output when anything is wrong.

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "out-of-tree: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(STEP_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(example_build ${WORK_DIR}/example_build)
file(REMOVE_RECURSE ${WORK_DIR})

run_step("installing the build into ${prefix}"
         ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f bin/tinydet include/tinydet/plugin.h lib/cmake/tinydet/tinydetConfig.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "out-of-tree: the install lacks ${prefix}/${f}")
  endif()
endforeach()

run_step("configuring the example plugin against the install"
         ${CMAKE_COMMAND} -S ${EXAMPLE_SOURCE_DIR} -B ${example_build}
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
         -DCMAKE_BUILD_TYPE=Release)
run_step("building the example plugin" ${CMAKE_COMMAND} --build ${example_build})
if(NOT EXISTS ${example_build}/libtinydet_example_null.so)
  message(FATAL_ERROR "out-of-tree: no ${example_build}/libtinydet_example_null.so")
endif()

# The installed binary, with a clean environment for the plugin path.
run_step("running the installed tinydet list"
         ${CMAKE_COMMAND} -E env --unset=TINYDET_PLUGIN_PATH
         ${prefix}/bin/tinydet list --plugin-dir ${example_build} --json)
set(json "${STEP_OUTPUT}")

string(JSON n_plugins LENGTH "${json}" plugins)
set(found FALSE)
if(n_plugins GREATER 0)
  math(EXPR last "${n_plugins} - 1")
  foreach(i RANGE ${last})
    string(JSON name GET "${json}" plugins ${i} name)
    string(JSON kind GET "${json}" plugins ${i} kind)
    if(name STREQUAL "example_null" AND kind STREQUAL "executor")
      set(found TRUE)
    endif()
  endforeach()
endif()
if(NOT found)
  message(FATAL_ERROR "out-of-tree: example_null is not in the installed tinydet's list:\n${json}")
endif()

# Installed, the binary's default plugin folder is inside its own prefix (relocatable).
string(JSON n_dirs LENGTH "${json}" search_path)
math(EXPR last_dir "${n_dirs} - 1")
string(JSON default_dir GET "${json}" search_path ${last_dir})
file(REAL_PATH "${prefix}/${PLUGIN_INSTALL_DIR}" expected_dir)
file(REAL_PATH "${default_dir}" default_dir)
if(NOT default_dir STREQUAL expected_dir)
  message(FATAL_ERROR "out-of-tree: the installed tinydet searches ${default_dir}, "
                      "not its own ${expected_dir}")
endif()
message(STATUS "out-of-tree: example_null built against ${prefix} and listed by the installed tinydet")
