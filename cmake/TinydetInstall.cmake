# Installs the binary, the SDK library and headers, the in-tree plugins (their rule is in
# tinydet_add_plugin), the suites, and a CMake package so that `find_package(tinydet)`
# gives tinydet::sdk and tinydet_add_plugin() to out-of-tree plugins.
#
#   cmake --install build --prefix P
#     P/bin/tinydet                         RPATH $ORIGIN/../lib finds the SDK
#     P/lib/libtinydet_sdk.so*
#     P/include/tinydet/*.h                 the plugin SDK headers
#     P/lib/tinydet/plugins/libtinydet_*.so found by the installed binary, relative to it
#     P/share/tinydet/suites/*.json
#     P/lib/cmake/tinydet/                  tinydetConfig.cmake & co.
include(CMakePackageConfigHelpers)

# The binary finds the build tree's plugins when it runs from the build tree, and otherwise
# <its prefix>/${TINYDET_PLUGIN_INSTALL_DIR}, so an install to any prefix is relocatable.
target_compile_definitions(tinydet PRIVATE
  TINYDET_BUILD_EXE_DIR="$<TARGET_FILE_DIR:tinydet>"
  TINYDET_PLUGIN_INSTALL_RELDIR="${TINYDET_PLUGIN_INSTALL_DIR}")

install(TARGETS tinydet_sdk EXPORT tinydetTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/harness/include/tinydet
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS tinydet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/harness/suites/ DESTINATION ${TINYDET_SUITE_INSTALL_DIR}
        OPTIONAL FILES_MATCHING PATTERN "*.json")
install(EXPORT tinydetTargets NAMESPACE tinydet::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinydet)
# The plugin ABI version, read from the frozen header so it has one source of truth.
file(STRINGS ${CMAKE_SOURCE_DIR}/harness/include/tinydet/plugin.h _abi_line
     REGEX "^#define TINYDET_PLUGIN_ABI_VERSION [0-9]+")
string(REGEX MATCH "[0-9]+" TINYDET_ABI_VERSION "${_abi_line}")
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/tinydetConfig.cmake.in
  ${CMAKE_BINARY_DIR}/tinydetConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinydet
  PATH_VARS TINYDET_PLUGIN_INSTALL_DIR CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/tinydetConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/tinydetConfig.cmake
              ${CMAKE_BINARY_DIR}/tinydetConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/TinydetPlugin.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinydet)
