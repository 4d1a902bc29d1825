// A plugin whose class constructor throws: the macro's factory turns that into an error
// code and message, which the loader must report at load time.
#include "stub_plugins.h"
#include "tinydet/plugin.h"

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_ARCHITECTURE, tinydet::Architecture,
                       loader_test::ThrowingArchitecture, "ltest_throwing", "1.0.0",
                       "loader test: factory fails")
