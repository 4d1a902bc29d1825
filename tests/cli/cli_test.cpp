// The `tinydet` binary as a user sees it: exit codes (0 ok, 1 failed, 2 usage), --help of
// every subcommand, --version, and `list` (text and JSON) over the loader's test plugins.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "run_cli.h"

namespace {

using clitest::contains;

clitest::CliResult tinydet(const std::string& args, bool with_stderr = true) {
  return clitest::run_tinydet(args, with_stderr);
}

const std::string kTestPlugins = std::string("--plugin-dir '") + LTEST_PLUGIN_DIR + "'";

}  // namespace

TEST(Cli, VersionNamesTheBuildAndLibraries) {
  const auto r = tinydet("--version");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, std::string("tinydet ") + TINYDET_EXPECTED_VERSION)) << r.out;
  for (const char* fact : {"git revision:", "build type:", "compiler:", "opencv:", "libtorch:",
                           "plugin ABI:"}) {
    EXPECT_TRUE(contains(r.out, fact)) << "missing '" << fact << "' in\n" << r.out;
  }
  EXPECT_TRUE(contains(r.out, "tbb")) << r.out;
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(tinydet("").exit_code, 2);
  EXPECT_EQ(tinydet("no_such_command").exit_code, 2);
  EXPECT_EQ(tinydet("list --no-such-option").exit_code, 2);
  EXPECT_EQ(tinydet("train").exit_code, 2);         // ARCH and --dataset missing
  EXPECT_EQ(tinydet("dataset").exit_code, 2);       // stats or show missing
  EXPECT_EQ(tinydet("info fomo --res -3").exit_code, 2);
  EXPECT_EQ(tinydet("eval m.tdm --dataset d --precision int4").exit_code, 2);
}

TEST(Cli, EverySubcommandHasHelp) {
  const auto top = tinydet("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* sub : {"list", "info", "dataset", "train", "eval", "bench", "run", "plot",
                          "report", "detect"}) {
    EXPECT_TRUE(contains(top.out, sub)) << sub;
    const auto r = tinydet(std::string(sub) + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub << ":\n" << r.out;
    EXPECT_TRUE(contains(r.out, "--help")) << sub;
  }
  EXPECT_EQ(tinydet("dataset stats --help").exit_code, 0);
  EXPECT_EQ(tinydet("dataset show --help").exit_code, 0);
}

TEST(Cli, ListShowsLoadedAndRefusedPluginsAsJson) {
  const auto r = tinydet(kTestPlugins + " list --json", /*with_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  bool arch = false, exec = false;
  for (const auto& p : j.at("plugins")) {
    if (p.at("name") == "ltest_arch") {
      arch = true;
      EXPECT_EQ(p.at("kind"), "architecture");
      EXPECT_EQ(p.at("version"), "1.2.3");
      EXPECT_TRUE(contains(p.at("file").get<std::string>(), "libtinydet_ltest_arch.so"));
    }
    if (p.at("name") == "ltest_exec") exec = true;
  }
  EXPECT_TRUE(arch && exec) << r.out;
  bool abi = false;
  for (const auto& f : j.at("failures")) {
    const std::string reason = f.at("reason");
    if (contains(reason, "ABI version mismatch")) {
      abi = true;
      EXPECT_TRUE(contains(f.at("file").get<std::string>(), "libtinydet_ltest_wrong_abi.so"));
    }
  }
  EXPECT_TRUE(abi) << r.out;
  EXPECT_EQ(j.at("search_path").at(0), LTEST_PLUGIN_DIR);
}

TEST(Cli, ListAsTextAndStrict) {
  const auto text = tinydet(kTestPlugins + " list");
  EXPECT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "ltest_arch")) << text.out;
  EXPECT_TRUE(contains(text.out, "Refused plugins")) << text.out;
  EXPECT_TRUE(contains(text.out, "missing entry symbol")) << text.out;

  // --strict before or after the subcommand: refused plugins make it fail.
  EXPECT_EQ(tinydet("--strict " + kTestPlugins + " list").exit_code, 1);
  EXPECT_EQ(tinydet(kTestPlugins + " list --strict").exit_code, 1);
}

TEST(Cli, PluginDirIsRepeatable) {
  const auto r =
      tinydet("--plugin-dir /nonexistent/a list --json --plugin-dir /nonexistent/b", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_GE(j.at("search_path").size(), 3u);
  EXPECT_EQ(j.at("search_path").at(0), "/nonexistent/a");
  EXPECT_EQ(j.at("search_path").at(1), "/nonexistent/b");
  int missing = 0;  // both named folders are reported missing
  for (const auto& f : j.at("failures")) {
    missing += contains(f.at("reason").get<std::string>(), "does not exist") ? 1 : 0;
  }
  EXPECT_EQ(missing, 2) << r.out;
}
