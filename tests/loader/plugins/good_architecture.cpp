// A well-formed architecture plugin.
#include "stub_plugins.h"
#include "tinydet/plugin.h"

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_ARCHITECTURE, tinydet::Architecture,
                       loader_test::StubArchitecture, "ltest_arch", "1.2.3",
                       "loader test: a good architecture")
