// Internal: what a format reader hands to the assembler in dataset.cpp, and helpers that
// every reader shares (image header check, box clipping, number parsing, directory lists).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_io.h"

namespace tinydet::data::detail {

/// One candidate sample as read by a format reader. Boxes carry the class NAME; the
/// assembler maps names to indices (class list, --classes filter).
struct ItemResult {
  Sample sample;
  std::vector<std::string> box_class;  // parallel to sample.boxes
  std::vector<Problem> problems;       // in the order found
  bool skip = false;                   // set with a Skipped problem explaining why
  size_t image_bytes = 0;
};

struct RawData {
  std::string format, root;
  std::vector<std::string> classes;  // the data's class list, in index order
  bool classes_known = false;        // false: discover names from the boxes (sorted)
  bool has_split = false;            // samples' split fields come from the data
  std::vector<ItemResult> items;
  std::vector<Problem> problems;     // not tied to a sample (orphan labels, ...)
};

/// Reads the image header into item.sample (width/height); on a bad image marks the item
/// skipped with a "corrupt_image" problem. Notes a format/extension mismatch as Info.
/// With verify_pixels, also decodes the image fully.
void read_image_info(ItemResult& item, bool verify_pixels);

/// Clips boxes to the image; boxes partly outside are clipped ("box_clipped" warning),
/// boxes with no area inside are removed ("box_dropped" warning). Needs width/height.
void clip_boxes_to_image(ItemResult& item);

void add_problem(ItemResult& item, Problem::Severity sev, std::string kind, std::string msg);
void skip_item(ItemResult& item, std::string kind, std::string msg);

/// Strict decimal parse of the whole string (whitespace trimmed); nullopt when malformed.
std::optional<double> parse_number(const std::string& s);

bool is_image_extension(const std::filesystem::path& p);
/// Regular files of a directory, sorted by name ("" when the directory does not exist).
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir);
std::string read_text_file(const std::filesystem::path& p);  // throws runtime_error

RawData read_voc(const std::filesystem::path& dir, const LoadOptions& opt);
RawData read_coco(const std::filesystem::path& json, const std::filesystem::path& image_dir,
                  const LoadOptions& opt);
RawData read_yolo(const std::filesystem::path& dir, const LoadOptions& opt);

/// Runs fn(i) for i in [0, n) in parallel (oneTBB).
void parallel_for_each_index(size_t n, const std::function<void(size_t)>& fn);

}  // namespace tinydet::data::detail
