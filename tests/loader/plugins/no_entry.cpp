// A shared object that is not a tinydet plugin: it exports a function, but not
// tinydet_plugin_entry.
extern "C" __attribute__((visibility("default"))) int ltest_something_else(void) { return 42; }
