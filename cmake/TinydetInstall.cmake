# Installs the binary, the SDK library and headers, the plugins' folder and the suites, and
# a CMake package so `find_package(tinydet)` gives tinydet::sdk and tinydet_add_plugin().
include(CMakePackageConfigHelpers)

install(TARGETS tinydet_sdk EXPORT tinydetTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/harness/include/tinydet
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS tinydet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/harness/suites/ DESTINATION ${TINYDET_SUITE_INSTALL_DIR}
        FILES_MATCHING PATTERN "*.json")
install(EXPORT tinydetTargets NAMESPACE tinydet::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinydet)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/tinydetConfig.cmake.in
  ${CMAKE_BINARY_DIR}/tinydetConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinydet
  PATH_VARS TINYDET_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/tinydetConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/tinydetConfig.cmake
              ${CMAKE_BINARY_DIR}/tinydetConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/TinydetPlugin.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinydet)
