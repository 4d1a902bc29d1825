// A well-formed plugin that reuses the name of good_architecture.cpp's plugin.
#include "stub_plugins.h"
#include "tinydet/plugin.h"

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_ARCHITECTURE, tinydet::Architecture,
                       loader_test::StubArchitecture, "ltest_arch", "2.0.0",
                       "loader test: same name as ltest_arch")
