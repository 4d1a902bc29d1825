// Plugin loader: good plugins load and make instances; each defective plugin is refused
// with a reason naming its file and the cause, without stopping the others; search order,
// duplicates, --strict and instance lifetime.
#include "loader/plugin_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using tinydet::PluginKind;
using tinydet::PluginRegistry;

namespace {

const fs::path kBuiltPlugins = LTEST_PLUGIN_DIR;

std::string plugin_file(const std::string& target) { return "libtinydet_" + target + ".so"; }

// A fresh temporary folder holding copies of the chosen test plugins; removed at the end.
class PluginFolder {
 public:
  PluginFolder() {
    std::string pattern = (fs::temp_directory_path() / "tinydet_loader_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  ~PluginFolder() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PluginFolder(const PluginFolder&) = delete;
  PluginFolder& operator=(const PluginFolder&) = delete;

  fs::path add(const std::string& target) {
    const fs::path from = kBuiltPlugins / plugin_file(target);
    if (!fs::exists(from)) throw std::runtime_error("test plugin not built: " + from.string());
    fs::copy_file(from, dir_ / from.filename());
    return dir_ / from.filename();
  }
  fs::path add_garbage() {
    const fs::path file = dir_ / "libtinydet_garbage.so";
    std::ofstream(file) << "this is not an ELF shared object\n";
    return file;
  }
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
};

// Loads only `dir` (no environment, no default folder).
PluginRegistry load_only(const fs::path& dir, bool strict = false) {
  tinydet::PluginSearchOptions options;
  options.plugin_dirs = {dir};
  options.use_environment = false;
  options.strict = strict;
  return tinydet::load_plugins(options);
}

// The one failure of a folder holding `bad` and the good architecture: the good one still
// loads, and the reason names the file.
tinydet::PluginFailure single_failure(const std::string& bad) {
  PluginFolder folder;
  const fs::path bad_file = bad == "garbage" ? folder.add_garbage() : folder.add(bad);
  folder.add("ltest_arch");
  const PluginRegistry registry = load_only(folder.path());
  EXPECT_EQ(registry.list().size(), 1u) << "the good plugin must load beside " << bad;
  EXPECT_EQ(registry.failures().size(), 1u);
  if (registry.failures().size() != 1u) return {};
  const tinydet::PluginFailure failure = registry.failures().front();
  EXPECT_EQ(failure.file, bad_file);
  EXPECT_NE(failure.reason.find(bad_file.string()), std::string::npos) << failure.reason;
  return failure;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(PluginLoader, GoodPluginsAreListedWithTheirDescriptor) {
  PluginFolder folder;
  const fs::path arch_file = folder.add("ltest_arch");
  const fs::path exec_file = folder.add("ltest_exec");
  const PluginRegistry registry = load_only(folder.path());

  EXPECT_TRUE(registry.failures().empty());
  ASSERT_EQ(registry.list().size(), 2u);
  const tinydet::LoadedPlugin& arch = registry.list()[0];
  EXPECT_EQ(arch.kind, PluginKind::Architecture);
  EXPECT_EQ(arch.name, "ltest_arch");
  EXPECT_EQ(arch.version, "1.2.3");
  EXPECT_EQ(arch.description, "loader test: a good architecture");
  EXPECT_EQ(arch.file, arch_file);
  const tinydet::LoadedPlugin& exec = registry.list()[1];
  EXPECT_EQ(exec.kind, PluginKind::Executor);
  EXPECT_EQ(exec.name, "ltest_exec");
  EXPECT_EQ(exec.file, exec_file);
  EXPECT_STREQ(tinydet::to_string(exec.kind), "executor");
}

TEST(PluginLoader, MakesWorkingInstancesOfEachKind) {
  PluginFolder folder;
  folder.add("ltest_arch");
  folder.add("ltest_exec");
  const PluginRegistry registry = load_only(folder.path());

  tinydet::ArchitectureHandle arch = registry.find_architecture("ltest_arch");
  ASSERT_NE(arch, nullptr);
  EXPECT_EQ(arch->default_resolution({}), 96);
  EXPECT_EQ(arch->options().at(0).name, "marker");
  tinydet::ExecutorHandle exec = registry.find_executor("ltest_exec");
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ(exec->memory().arena_bytes, 1234u);
  EXPECT_EQ(exec->describe_plan(), "stub plan");

  ASSERT_NE(registry.find(PluginKind::Executor, "ltest_exec"), nullptr);
  EXPECT_EQ(registry.find(PluginKind::Architecture, "ltest_exec"), nullptr);
}

TEST(PluginLoader, UnknownNameOrWrongKindThrowsListingTheKnownNames) {
  PluginFolder folder;
  folder.add("ltest_arch");
  folder.add("ltest_exec");
  const PluginRegistry registry = load_only(folder.path());
  try {
    (void)registry.find_architecture("no_such_arch");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "no_such_arch")) << e.what();
    EXPECT_TRUE(contains(e.what(), "ltest_arch")) << e.what();
  }
  EXPECT_THROW((void)registry.find_architecture("ltest_exec"), std::invalid_argument);
  EXPECT_THROW((void)registry.find_executor("ltest_arch"), std::invalid_argument);
}

TEST(PluginLoader, InstanceOutlivesTheRegistry) {
  tinydet::ExecutorHandle exec;
  {
    PluginFolder folder;
    folder.add("ltest_exec");
    PluginRegistry registry = load_only(folder.path());
    exec = registry.find_executor("ltest_exec");
  }  // registry and folder gone; the instance keeps its library open
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ(exec->describe_plan(), "stub plan");
  exec.reset();  // runs the plugin's destroy, then closes the library
}

TEST(PluginLoader, RefusesAFileThatIsNotASharedObject) {
  const auto failure = single_failure("garbage");
  EXPECT_TRUE(contains(failure.reason, "libtinydet_garbage.so")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "not a loadable shared object")) << failure.reason;
}

TEST(PluginLoader, RefusesASharedObjectWithoutTheEntrySymbol) {
  const auto failure = single_failure("ltest_no_entry");
  EXPECT_TRUE(contains(failure.reason, "missing entry symbol 'tinydet_plugin_entry'"))
      << failure.reason;
}

TEST(PluginLoader, RefusesAnotherAbiVersionNamingBothVersions) {
  const auto failure = single_failure("ltest_wrong_abi");
  EXPECT_TRUE(contains(failure.reason, "ABI version mismatch")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "version 999")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "version " + std::to_string(TINYDET_PLUGIN_ABI_VERSION)))
      << failure.reason;
}

TEST(PluginLoader, RefusesBadDescriptors) {
  EXPECT_TRUE(contains(single_failure("ltest_null_name").reason, "bad descriptor: name is null"));
  EXPECT_TRUE(contains(single_failure("ltest_null_factory").reason,
                       "bad descriptor: the factory (create) is null"));
  const auto small = single_failure("ltest_small_struct");
  EXPECT_TRUE(contains(small.reason, "bad descriptor: struct_size is 8 bytes")) << small.reason;
}

TEST(PluginLoader, RefusesAFailingFactoryWithItsMessage) {
  const auto failure = single_failure("ltest_throwing");
  EXPECT_TRUE(contains(failure.reason, "the factory failed")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "stub calibration table missing")) << failure.reason;
}

TEST(PluginLoader, RefusesAFactoryThatThrowsThroughTheCBoundary) {
  const auto failure = single_failure("ltest_raw_throw");
  EXPECT_TRUE(contains(failure.reason, "the factory threw an exception: raw factory exploded"))
      << failure.reason;
}

TEST(PluginLoader, RefusesADuplicateNameNamingBothFiles) {
  PluginFolder folder;
  const fs::path first = folder.add("ltest_arch");
  const fs::path second = folder.add("ltest_zz_duplicate");
  const PluginRegistry registry = load_only(folder.path());
  ASSERT_EQ(registry.list().size(), 1u);
  EXPECT_EQ(registry.list()[0].file, first);
  EXPECT_EQ(registry.list()[0].version, "1.2.3");
  ASSERT_EQ(registry.failures().size(), 1u);
  const std::string& reason = registry.failures()[0].reason;
  EXPECT_TRUE(contains(reason, "duplicate plugin name 'ltest_arch'")) << reason;
  EXPECT_TRUE(contains(reason, first.string())) << reason;
  EXPECT_TRUE(contains(reason, second.string())) << reason;
}

TEST(PluginLoader, OneFolderWithEveryDefectStillLoadsTheGoodOnes) {
  PluginFolder folder;
  const std::vector<std::string> bad = {"ltest_no_entry",     "ltest_wrong_abi",
                                        "ltest_null_name",    "ltest_null_factory",
                                        "ltest_small_struct", "ltest_throwing",
                                        "ltest_raw_throw",    "ltest_zz_duplicate"};
  for (const auto& b : bad) folder.add(b);
  folder.add("ltest_arch");
  folder.add("ltest_exec");
  folder.add_garbage();
  const PluginRegistry registry = load_only(folder.path());

  ASSERT_EQ(registry.list().size(), 2u);
  EXPECT_EQ(registry.list()[0].name, "ltest_arch");
  EXPECT_EQ(registry.list()[1].name, "ltest_exec");
  EXPECT_EQ(registry.failures().size(), bad.size() + 1);
  for (const auto& f : registry.failures()) {
    EXPECT_TRUE(contains(f.reason, f.file.string())) << f.reason;
  }
}

TEST(PluginLoader, StrictThrowsListingEveryRefusedFile) {
  PluginFolder folder;
  folder.add("ltest_arch");
  folder.add("ltest_no_entry");
  folder.add_garbage();
  try {
    (void)load_only(folder.path(), /*strict=*/true);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "2 plugin problem(s)")) << e.what();
    EXPECT_TRUE(contains(e.what(), "libtinydet_ltest_no_entry.so")) << e.what();
    EXPECT_TRUE(contains(e.what(), "libtinydet_garbage.so")) << e.what();
  }
  EXPECT_NO_THROW((void)load_only(folder.path(), /*strict=*/false));
}

TEST(PluginLoader, SearchOrderIsPluginDirsThenEnvironmentThenDefault) {
  PluginFolder user, env_a, env_b, fallback;
  const fs::path from_user = user.add("ltest_arch");
  const fs::path from_env = env_a.add("ltest_zz_duplicate");  // same name, later: refused
  env_b.add("ltest_exec");
  const fs::path from_default = fallback.add("ltest_throwing");

  const std::string env = env_a.path().string() + "::" + env_b.path().string();
  ASSERT_EQ(setenv("TINYDET_PLUGIN_PATH", env.c_str(), 1), 0);
  tinydet::PluginSearchOptions options;
  options.plugin_dirs = {user.path()};
  options.default_dirs = {fallback.path()};
  const auto order = tinydet::plugin_search_path(options);
  const PluginRegistry registry = tinydet::load_plugins(options);
  unsetenv("TINYDET_PLUGIN_PATH");

  const std::vector<fs::path> expected = {user.path(), env_a.path(), env_b.path(),
                                          fallback.path()};
  EXPECT_EQ(order, expected);
  ASSERT_EQ(registry.list().size(), 2u);
  EXPECT_EQ(registry.list()[0].file, from_user);
  EXPECT_EQ(registry.list()[1].name, "ltest_exec");
  ASSERT_EQ(registry.failures().size(), 2u);
  EXPECT_EQ(registry.failures()[0].file, from_env);  // the duplicate
  EXPECT_EQ(registry.failures()[1].file, from_default);
}

TEST(PluginLoader, WithoutEnvironmentTheVariableIsIgnored) {
  ASSERT_EQ(setenv("TINYDET_PLUGIN_PATH", "/somewhere", 1), 0);
  tinydet::PluginSearchOptions options;
  options.use_environment = false;
  EXPECT_TRUE(tinydet::plugin_search_path(options).empty());
  unsetenv("TINYDET_PLUGIN_PATH");
}

TEST(PluginLoader, AMissingUserFolderIsAFailureAMissingDefaultIsNot) {
  tinydet::PluginSearchOptions options;
  options.use_environment = false;
  options.plugin_dirs = {"/nonexistent/tinydet/user_plugins"};
  options.default_dirs = {"/nonexistent/tinydet/default_plugins"};
  const PluginRegistry registry = tinydet::load_plugins(options);
  ASSERT_EQ(registry.failures().size(), 1u);
  EXPECT_TRUE(contains(registry.failures()[0].reason, "/nonexistent/tinydet/user_plugins"));
  EXPECT_TRUE(contains(registry.failures()[0].reason, "does not exist"));
}

TEST(PluginLoader, TheSameFileReachedTwiceLoadsOnce) {
  PluginFolder folder;
  folder.add("ltest_arch");
  tinydet::PluginSearchOptions options;
  options.use_environment = false;
  options.plugin_dirs = {folder.path(), folder.path() / "." };
  const PluginRegistry registry = tinydet::load_plugins(options);
  EXPECT_EQ(registry.list().size(), 1u);
  EXPECT_TRUE(registry.failures().empty());
}

TEST(PluginLoader, OnlyLibtinydetSharedObjectsArePickedUp) {
  EXPECT_TRUE(tinydet::is_plugin_file_name("libtinydet_fomo.so"));
  EXPECT_FALSE(tinydet::is_plugin_file_name("libtinydet_.so"));
  EXPECT_FALSE(tinydet::is_plugin_file_name("libtinydet_sdk.so.1"));
  EXPECT_FALSE(tinydet::is_plugin_file_name("libfomo.so"));
  EXPECT_FALSE(tinydet::is_plugin_file_name("libtinydet_fomo.so.txt"));

  PluginFolder folder;
  folder.add("ltest_arch");
  std::ofstream(folder.path() / "README.txt") << "not a plugin";
  std::ofstream(folder.path() / "libother.so") << "not a plugin either";
  const PluginRegistry registry = load_only(folder.path());
  EXPECT_EQ(registry.list().size(), 1u);
  EXPECT_TRUE(registry.failures().empty());
}

TEST(PluginLoader, SplitsColonSeparatedPaths) {
  const std::vector<fs::path> expected = {"/a", "b/c", "/d"};
  EXPECT_EQ(tinydet::split_path_list("/a::b/c:/d:"), expected);
  EXPECT_TRUE(tinydet::split_path_list("").empty());
}
