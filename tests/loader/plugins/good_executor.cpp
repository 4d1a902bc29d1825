// A well-formed executor plugin.
#include "stub_plugins.h"
#include "tinydet/plugin.h"

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_EXECUTOR, tinydet::Executor, loader_test::StubExecutor,
                       "ltest_exec", "0.9.0", "loader test: a good executor")
