// Suite files: a bad suite fails fast with one clear error naming the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "suite/suite_file.h"

using namespace tinydet::suite;
using nlohmann::json;

namespace {

json minimal() {
  return json::parse(R"({
    "name": "t", "datasets": ["synthetic:20@1"],
    "architectures": [{"name": "fomo", "options": {"alpha": 0.35}}],
    "resolutions": [64, 96], "executors": ["layer", {"name": "patch", "settings": {"patches": 2}}],
    "precisions": ["float", "int8"], "recipe": {"epochs": 1}
  })");
}

std::string error_of(const json& j) {
  try {
    parse_suite(j, "suite.json");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SuiteFile, ParsesAMinimalSuite) {
  const SuiteSpec s = parse_suite(minimal(), "suite.json");
  EXPECT_EQ(s.name, "t");
  ASSERT_EQ(s.architectures.size(), 1u);
  EXPECT_EQ(s.architectures[0].options.at("alpha"), "0.35");  // numbers become strings
  EXPECT_EQ(s.architectures[0].label, "fomo");
  ASSERT_EQ(s.executors.size(), 2u);
  EXPECT_EQ(s.executors[1].settings.at("patches"), "2");
  EXPECT_EQ(s.resolutions, (std::vector<int>{64, 96}));
  EXPECT_EQ(s.latency.repetitions, 5);
  EXPECT_EQ(s.recipe["epochs"], 1);
}

TEST(SuiteFile, UnknownKeyIsNamedWithItsPath) {
  json j = minimal();
  j["architectures"][0]["optoins"] = json::object();
  const std::string e = error_of(j);
  EXPECT_NE(e.find("suite.json: /architectures/0/optoins: unknown key"), std::string::npos) << e;
}

TEST(SuiteFile, WrongTypeIsNamed) {
  json j = minimal();
  j["resolutions"] = "96";
  std::string e = error_of(j);
  EXPECT_NE(e.find("/resolutions: expected an array"), std::string::npos) << e;
  j = minimal();
  j["resolutions"][1] = 96.5;
  e = error_of(j);
  EXPECT_NE(e.find("/resolutions/1: expected an integer"), std::string::npos) << e;
  j = minimal();
  j["latency"] = {{"repetitions", 2}};
  e = error_of(j);
  EXPECT_NE(e.find("/latency/repetitions: must be between 5"), std::string::npos) << e;
}

TEST(SuiteFile, MissingAndBadValuesAreNamed) {
  json j = minimal();
  j.erase("executors");
  EXPECT_NE(error_of(j).find("missing key 'executors'"), std::string::npos);
  j = minimal();
  j["precisions"][0] = "fp16";
  EXPECT_NE(error_of(j).find("/precisions/0: unknown precision 'fp16'"), std::string::npos);
  j = minimal();
  j.erase("resolutions");
  EXPECT_NE(error_of(j).find("/architectures/0: no resolutions"), std::string::npos);
}

TEST(SuiteFile, LoadsByNameAndReportsUnknownNamesAndBadJson) {
  const auto dir = std::filesystem::temp_directory_path() / "tinydet_suite_file_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "mine.json") << minimal().dump();
    std::ofstream(dir / "broken.json") << "{ \"name\": ";
  }
  EXPECT_EQ(load_suite("mine", {dir.string()}).name, "t");
  try {
    load_suite("nope", {dir.string()});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no suite named 'nope'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("mine"), std::string::npos);  // lists known suites
  }
  try {
    load_suite((dir / "broken.json").string(), {});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json: not valid JSON"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(SuiteFile, ShippedSuitesParse) {
  const auto dir = std::filesystem::path(TINYDET_SOURCE_DIR) / "harness" / "suites";
  int n = 0;
  for (const auto& name : list_suites({dir.string()})) {
    EXPECT_NO_THROW(load_suite(name, {dir.string()})) << name;
    ++n;
  }
  EXPECT_GE(n, 5);  // quick, fruit, coco128, resolution, full
}
