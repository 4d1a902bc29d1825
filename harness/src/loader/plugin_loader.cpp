#include "loader/plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace tinydet {

namespace fs = std::filesystem;

struct PluginRegistry::Entry {
  std::shared_ptr<void> library;  // dlopen handle, dlclose'd when the last user goes
  const tinydet_plugin_descriptor* descriptor = nullptr;
  LoadedPlugin info;
};

namespace {

constexpr const char* kFilePrefix = "libtinydet_";
constexpr const char* kFileSuffix = ".so";

std::string quoted(const fs::path& file) {
  std::string text = "'";
  text += file.string();
  text += '\'';
  return text;
}

bool valid_plugin_name(const char* name) {
  if (name == nullptr || *name == '\0') return false;
  for (const char* c = name; *c; ++c) {
    const bool ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string dl_error_text() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

fs::path canonical_or_same(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p : c;
}

// Checks a descriptor's fields. Returns the cause of refusal, or "" when it is usable.
// The ABI version is checked first: with another version, the rest of the layout cannot
// be trusted.
std::string descriptor_problem(const tinydet_plugin_descriptor* d) {
  if (d == nullptr) return std::string(TINYDET_PLUGIN_ENTRY_SYMBOL) + "() returned a null descriptor";
  if (d->abi_version != TINYDET_PLUGIN_ABI_VERSION) {
    return "ABI version mismatch: the plugin was built for plugin ABI version " +
           std::to_string(d->abi_version) + ", this tinydet uses version " +
           std::to_string(TINYDET_PLUGIN_ABI_VERSION) + " (rebuild the plugin against this SDK)";
  }
  if (d->struct_size < sizeof(tinydet_plugin_descriptor)) {
    return "bad descriptor: struct_size is " + std::to_string(d->struct_size) +
           " bytes, at least " + std::to_string(sizeof(tinydet_plugin_descriptor)) +
           " are needed for ABI version " + std::to_string(TINYDET_PLUGIN_ABI_VERSION);
  }
  if (d->kind != TINYDET_PLUGIN_ARCHITECTURE && d->kind != TINYDET_PLUGIN_EXECUTOR) {
    return "bad descriptor: unknown kind " + std::to_string(d->kind) +
           " (1 = architecture, 2 = executor)";
  }
  if (d->name == nullptr) return "bad descriptor: name is null";
  if (!valid_plugin_name(d->name)) {
    return "bad descriptor: name '" + std::string(d->name) +
           "' is not made of [a-z0-9_] characters only";
  }
  if (d->create == nullptr) return "bad descriptor: the factory (create) is null";
  if (d->destroy == nullptr) return "bad descriptor: destroy is null";
  return "";
}

// Makes one instance with the plugin's factory. Throws std::runtime_error with the
// factory's own message (or a description of what went wrong) on failure.
void* create_with_factory(const tinydet_plugin_descriptor* d) {
  char err[512] = {0};
  void* instance = nullptr;
  int rc = 0;
  try {
    rc = d->create(&instance, err, sizeof err);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("the factory threw an exception: ") + e.what());
  } catch (...) {
    throw std::runtime_error("the factory threw an unknown exception");
  }
  err[sizeof err - 1] = '\0';
  if (rc != 0) {
    throw std::runtime_error("the factory failed (code " + std::to_string(rc) +
                             "): " + (err[0] ? err : "no message given"));
  }
  if (instance == nullptr) {
    throw std::runtime_error("the factory reported success but returned no instance");
  }
  return instance;
}

PluginKind kind_of(const tinydet_plugin_descriptor* d) {
  return d->kind == TINYDET_PLUGIN_EXECUTOR ? PluginKind::Executor : PluginKind::Architecture;
}

}  // namespace

const char* to_string(PluginKind kind) {
  return kind == PluginKind::Executor ? "executor" : "architecture";
}

bool is_plugin_file_name(const std::string& n) {
  const std::string prefix = kFilePrefix, suffix = kFileSuffix;
  return n.size() > prefix.size() + suffix.size() && n.compare(0, prefix.size(), prefix) == 0 &&
         n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
}

PluginRegistry::PluginRegistry() = default;
PluginRegistry::~PluginRegistry() = default;
PluginRegistry::PluginRegistry(PluginRegistry&&) noexcept = default;
PluginRegistry& PluginRegistry::operator=(PluginRegistry&&) noexcept = default;

const std::vector<LoadedPlugin>& PluginRegistry::list() const { return plugins_; }
const std::vector<PluginFailure>& PluginRegistry::failures() const { return failures_; }

bool PluginRegistry::load_file(const fs::path& file) {
  const fs::path canonical = canonical_or_same(file);
  if (std::find(seen_files_.begin(), seen_files_.end(), canonical) != seen_files_.end()) {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const auto& e) { return canonical_or_same(e->info.file) == canonical; });
  }
  seen_files_.push_back(canonical);

  auto refuse = [&](const std::string& cause) {
    failures_.push_back({file, "plugin " + quoted(file) + " refused: " + cause});
    return false;
  };

  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return refuse("it is not a regular file");

  dlerror();  // clear any stale error
  void* raw = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (raw == nullptr) return refuse("not a loadable shared object: " + dl_error_text());
  std::shared_ptr<void> library(raw, [](void* h) { dlclose(h); });

  dlerror();
  void* symbol = dlsym(raw, TINYDET_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    return refuse(std::string("missing entry symbol '") + TINYDET_PLUGIN_ENTRY_SYMBOL +
                  "' (not a tinydet plugin, or built without TINYDET_DECLARE_PLUGIN)");
  }
  auto entry = reinterpret_cast<tinydet_plugin_entry_fn>(symbol);

  const tinydet_plugin_descriptor* d = nullptr;
  try {
    d = entry();
  } catch (const std::exception& e) {
    return refuse(std::string(TINYDET_PLUGIN_ENTRY_SYMBOL) + "() threw: " + e.what());
  } catch (...) {
    return refuse(std::string(TINYDET_PLUGIN_ENTRY_SYMBOL) + "() threw an unknown exception");
  }
  if (const std::string problem = descriptor_problem(d); !problem.empty()) return refuse(problem);

  for (const auto& e : entries_) {
    if (e->info.name == d->name) {
      return refuse("duplicate plugin name '" + e->info.name + "': already loaded from " +
                    quoted(e->info.file) + " (the first one found in the search order wins)");
    }
  }

  // Try the factory once now, so a plugin that cannot make an instance is reported at
  // load time rather than in the middle of a benchmark run.
  try {
    void* probe = create_with_factory(d);
    d->destroy(probe);
  } catch (const std::exception& e) {
    return refuse(e.what());
  }

  auto added = std::make_unique<Entry>();
  added->library = std::move(library);
  added->descriptor = d;
  added->info.kind = kind_of(d);
  added->info.name = d->name;
  added->info.version = d->version ? d->version : "";
  added->info.description = d->description ? d->description : "";
  added->info.file = file;
  plugins_.push_back(added->info);
  entries_.push_back(std::move(added));
  return true;
}

void PluginRegistry::load_directory(const fs::path& dir, bool must_exist) {
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    if (must_exist) {
      failures_.push_back({dir, "plugin directory " + quoted(dir) + " does not exist"});
    }
    return;
  }
  if (!fs::is_directory(status)) {
    failures_.push_back({dir, "plugin directory " + quoted(dir) + " is not a directory"});
    return;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_plugin_file_name(it->path().filename().string())) files.push_back(it->path());
  }
  if (ec) {
    failures_.push_back({dir, "plugin directory " + quoted(dir) + " cannot be read: " + ec.message()});
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) load_file(f);
}

const LoadedPlugin* PluginRegistry::find(PluginKind kind, const std::string& name) const {
  for (const auto& p : plugins_) {
    if (p.kind == kind && p.name == name) return &p;
  }
  return nullptr;
}

void* PluginRegistry::create_instance(PluginKind kind, const std::string& name,
                                      PluginInstanceDeleter& deleter) const {
  for (const auto& e : entries_) {
    if (e->info.kind != kind || e->info.name != name) continue;
    void* instance = nullptr;
    try {
      instance = create_with_factory(e->descriptor);
    } catch (const std::exception& ex) {
      throw std::runtime_error(std::string(to_string(kind)) + " plugin '" + name + "' (" +
                               e->info.file.string() + "): " + ex.what());
    }
    deleter.destroy = e->descriptor->destroy;
    deleter.library = e->library;
    return instance;
  }
  std::string known;
  for (const auto& p : plugins_) {
    if (p.kind != kind) continue;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw std::invalid_argument("no " + std::string(to_string(kind)) + " plugin named '" + name +
                              "' is loaded (loaded: " + (known.empty() ? "none" : known) +
                              "; see `tinydet list`)");
}

ArchitectureHandle PluginRegistry::find_architecture(const std::string& name) const {
  PluginInstanceDeleter deleter;
  void* p = create_instance(PluginKind::Architecture, name, deleter);
  return ArchitectureHandle(static_cast<Architecture*>(p), std::move(deleter));
}

ExecutorHandle PluginRegistry::find_executor(const std::string& name) const {
  PluginInstanceDeleter deleter;
  void* p = create_instance(PluginKind::Executor, name, deleter);
  return ExecutorHandle(static_cast<Executor*>(p), std::move(deleter));
}

std::vector<fs::path> split_path_list(const std::string& colon_separated) {
  std::vector<fs::path> dirs;
  size_t start = 0;
  while (start <= colon_separated.size()) {
    size_t colon = colon_separated.find(':', start);
    if (colon == std::string::npos) colon = colon_separated.size();
    if (colon > start) dirs.emplace_back(colon_separated.substr(start, colon - start));
    start = colon + 1;
  }
  return dirs;
}

std::vector<fs::path> plugin_search_path(const PluginSearchOptions& options) {
  std::vector<fs::path> dirs = options.plugin_dirs;
  if (options.use_environment) {
    if (const char* env = std::getenv("TINYDET_PLUGIN_PATH"); env != nullptr) {
      for (auto& d : split_path_list(env)) dirs.push_back(std::move(d));
    }
  }
  dirs.insert(dirs.end(), options.default_dirs.begin(), options.default_dirs.end());
  return dirs;
}

PluginRegistry load_plugins(const PluginSearchOptions& options) {
  PluginRegistry registry;
  const auto dirs = plugin_search_path(options);
  for (size_t i = 0; i < dirs.size(); ++i) {
    const bool named_by_user = i < options.plugin_dirs.size();
    registry.load_directory(dirs[i], named_by_user);
  }
  if (options.strict && !registry.failures().empty()) {
    std::string message = "--strict: " + std::to_string(registry.failures().size()) +
                          " plugin problem(s):";
    for (const auto& f : registry.failures()) message += "\n  " + f.reason;
    throw std::runtime_error(message);
  }
  return registry;
}

}  // namespace tinydet
