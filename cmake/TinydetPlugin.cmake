# tinydet_add_plugin(NAME SOURCES...): builds a tinydet plugin (a MODULE library that
# exports only `tinydet_plugin_entry`) against the SDK. Works in the source tree and,
# through find_package(tinydet), out of tree.
function(tinydet_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  set(srcs ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  add_library(${name} MODULE ${srcs})
  target_link_libraries(${name} PRIVATE tinydet::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX "libtinydet_"
    OUTPUT_NAME "${name}"
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED TINYDET_BUILD_PLUGIN_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${TINYDET_BUILD_PLUGIN_DIR}")
    # In-tree plugins (TINYDET_BUILD_PLUGIN_DIR is set only by this project) are installed
    # beside the SDK; test plugins (OUTPUT_DIRECTORY) and out-of-tree plugins are not.
    # RPATH: <prefix>/lib/tinydet/plugins -> <prefix>/lib for libtinydet_sdk.
    set_target_properties(${name} PROPERTIES INSTALL_RPATH "$ORIGIN/../..")
    install(TARGETS ${name} LIBRARY DESTINATION ${TINYDET_PLUGIN_INSTALL_DIR})
  endif()
  if(COMMAND tinydet_set_warnings)
    tinydet_set_warnings(${name})
  endif()
endfunction()
