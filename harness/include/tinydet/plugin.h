/* The plugin entry point: frozen.
 *
 * Every plugin is a shared object that exports exactly one C symbol,
 *
 *     const tinydet_plugin_descriptor* tinydet_plugin_entry(void);
 *
 * The name of that symbol, and the first two fields of the descriptor (abi_version,
 * struct_size), never change. Everything else is versioned by TINYDET_PLUGIN_ABI_VERSION:
 * the loader refuses a plugin whose abi_version differs from its own. The ABI version is
 * bumped whenever the descriptor or any interface a plugin implements or calls (the C++
 * headers in tinydet/) changes incompatibly. The C++ interfaces assume the same compiler
 * family and C++ standard library as the harness (as for any C++ plugin system).
 *
 * Errors cross the boundary as status codes: the factory never throws. Inside a plugin,
 * methods of the created object may throw C++ exceptions; the harness catches them.
 */
#ifndef TINYDET_PLUGIN_H
#define TINYDET_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define TINYDET_PLUGIN_ABI_VERSION 1u
#define TINYDET_PLUGIN_ENTRY_SYMBOL "tinydet_plugin_entry"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tinydet_plugin_kind {
  TINYDET_PLUGIN_ARCHITECTURE = 1, /* instance is a tinydet::Architecture* */
  TINYDET_PLUGIN_EXECUTOR = 2      /* instance is a tinydet::Executor* */
} tinydet_plugin_kind;

typedef struct tinydet_plugin_descriptor {
  uint32_t abi_version; /* TINYDET_PLUGIN_ABI_VERSION the plugin was built against */
  uint32_t struct_size; /* sizeof(tinydet_plugin_descriptor) */
  uint32_t kind;        /* tinydet_plugin_kind */
  const char* name;     /* unique among loaded plugins, [a-z0-9_]+ */
  const char* version;  /* the plugin's own version, e.g. "1.0.0" */
  const char* description; /* one line */
  /* Creates an instance. Returns 0 and sets *out on success; on failure returns non-zero
   * and writes a NUL-terminated message of at most err_size bytes into err. */
  int (*create)(void** out, char* err, size_t err_size);
  /* Destroys an instance made by create. */
  void (*destroy)(void* instance);
} tinydet_plugin_descriptor;

typedef const tinydet_plugin_descriptor* (*tinydet_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
#include <cstdio>
#include <exception>

/* Declares a plugin in one line, in one .cpp file of the plugin:
 *
 *   TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_ARCHITECTURE, tinydet::Architecture, FomoArch,
 *                          "fomo", "1.0.0", "FOMO: MobileNetV2 cut at stride 8, centroids")
 *
 * BASE is the interface (tinydet::Architecture or tinydet::Executor), CLASS the
 * default-constructible implementation. */
#define TINYDET_DECLARE_PLUGIN(KIND, BASE, CLASS, NAME, VERSION, DESCRIPTION)              \
  extern "C" {                                                                               \
  static int tinydet_plugin_create_(void** out, char* err, size_t err_size) {               \
    try {                                                                                    \
      *out = static_cast<void*>(static_cast<BASE*>(new CLASS()));                           \
      return 0;                                                                              \
    } catch (const std::exception& e) {                                                     \
      if (err && err_size) std::snprintf(err, err_size, "%s", e.what());                    \
    } catch (...) {                                                                          \
      if (err && err_size) std::snprintf(err, err_size, "unknown exception");               \
    }                                                                                        \
    return 1;                                                                                \
  }                                                                                          \
  static void tinydet_plugin_destroy_(void* p) { delete static_cast<BASE*>(p); }             \
  __attribute__((visibility("default"))) const tinydet_plugin_descriptor*                   \
  tinydet_plugin_entry(void) {                                                               \
    static const tinydet_plugin_descriptor d = {                                            \
        TINYDET_PLUGIN_ABI_VERSION, sizeof(tinydet_plugin_descriptor), (uint32_t)(KIND),    \
        NAME, VERSION, DESCRIPTION, &tinydet_plugin_create_, &tinydet_plugin_destroy_};     \
    return &d;                                                                               \
  }                                                                                          \
  }
#endif

#endif /* TINYDET_PLUGIN_H */
