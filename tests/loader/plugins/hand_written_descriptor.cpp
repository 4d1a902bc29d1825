// Plugins with hand-written descriptors, one defect each, chosen by a compile definition:
//   LTEST_WRONG_ABI     abi_version 999
//   LTEST_NULL_NAME     name == nullptr
//   LTEST_NULL_FACTORY  create == nullptr
//   LTEST_SMALL_STRUCT  struct_size smaller than the descriptor
//   LTEST_RAW_THROW     a create() that lets a C++ exception escape (breaking the contract)
#include <cstddef>
#include <stdexcept>

#include "stub_plugins.h"
#include "tinydet/plugin.h"

namespace {

int create_stub(void** out, char*, size_t) {
#ifdef LTEST_RAW_THROW
  (void)out;
  throw std::runtime_error("raw factory exploded");
#else
  *out = static_cast<void*>(static_cast<tinydet::Architecture*>(new loader_test::StubArchitecture()));
  return 0;
#endif
}

void destroy_stub(void* p) { delete static_cast<tinydet::Architecture*>(p); }

tinydet_plugin_descriptor make_descriptor() {
  tinydet_plugin_descriptor d = {TINYDET_PLUGIN_ABI_VERSION,
                                 sizeof(tinydet_plugin_descriptor),
                                 TINYDET_PLUGIN_ARCHITECTURE,
                                 "ltest_hand_written",
                                 "1.0.0",
                                 "loader test: hand-written descriptor",
                                 &create_stub,
                                 &destroy_stub};
#if defined(LTEST_WRONG_ABI)
  d.abi_version = 999;
#elif defined(LTEST_NULL_NAME)
  d.name = nullptr;
#elif defined(LTEST_NULL_FACTORY)
  d.create = nullptr;
#elif defined(LTEST_SMALL_STRUCT)
  d.struct_size = 8;
#endif
  return d;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const tinydet_plugin_descriptor*
tinydet_plugin_entry(void) {
  static const tinydet_plugin_descriptor d = make_descriptor();
  return &d;
}
