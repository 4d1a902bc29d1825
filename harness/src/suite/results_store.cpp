#include "suite/results_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace tinydet::suite {

namespace fs = std::filesystem;
using nlohmann::json;

void write_file_atomically(const std::string& path, const std::string& content) {
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error(tmp + ": cannot create: " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error(tmp + ": write failed: " + std::strerror(errno));
    }
    done += size_t(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": cannot replace: " + std::strerror(errno));
  }
}

ResultsStore ResultsStore::create(const std::string& dir, const json& run, const json& context) {
  ResultsStore s;
  s.dir_ = dir;
  s.path_ = (fs::path(dir) / "results.json").string();
  if (fs::exists(s.path_))
    throw std::runtime_error(s.path_ + ": already exists; resume it with --resume or choose another --out");
  s.doc_ = json{{"schema_version", kResultsSchemaVersion},
                {"run", run},
                {"context", context},
                {"cells", json::array()}};
  s.save();
  return s;
}

json read_results(const std::string& dir_or_file) {
  fs::path p(dir_or_file);
  if (fs::is_directory(p)) p /= "results.json";
  std::ifstream in(p);
  if (!in) throw std::runtime_error(p.string() + ": no results file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(p.string() + ": not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("schema_version") || !j["schema_version"].is_string())
    throw std::runtime_error(p.string() + ": not a tinydet results file (no schema_version)");
  const std::string v = j["schema_version"];
  const std::string mine = kResultsSchemaVersion;
  if (v.substr(0, v.find('.')) != mine.substr(0, mine.find('.')))
    throw std::runtime_error(p.string() + ": results schema " + v + " is not readable by this version (" +
                             mine + ")");
  if (!j.contains("cells") || !j["cells"].is_array())
    throw std::runtime_error(p.string() + ": results file has no 'cells' array");
  return j;
}

ResultsStore ResultsStore::open(const std::string& dir) {
  ResultsStore s;
  s.dir_ = dir;
  s.path_ = (fs::path(dir) / "results.json").string();
  s.doc_ = read_results(s.path_);
  return s;
}

bool ResultsStore::finished(const std::string& cell_id) const {
  for (const auto& c : doc_["cells"])
    if (c.value("id", "") == cell_id && c.value("status", "") == "ok") return true;
  return false;
}

void ResultsStore::append(const json& cell) {
  auto& cells = doc_["cells"];
  const std::string id = cell.value("id", "");
  for (auto it = cells.begin(); it != cells.end(); ++it)
    if (it->value("id", "") == id) {
      cells.erase(it);
      break;
    }
  cells.push_back(cell);
  save();
}

void ResultsStore::set_run_field(const std::string& key, const json& value) {
  doc_["run"][key] = value;
  save();
}

void ResultsStore::save() const { write_file_atomically(path_, doc_.dump(2) + "\n"); }

}  // namespace tinydet::suite
