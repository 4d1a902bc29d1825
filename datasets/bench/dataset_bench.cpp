// tinydet_dataset_bench: one-shot timings of the data pipeline (not a unit test).
//   tinydet_dataset_bench synthetic [N]        generate N synthetic images into a fresh cache
//   tinydet_dataset_bench load SPEC [SIDE]     load SPEC (headers only), then decode+resize
//                                              every image to SIDE x SIDE (letterbox) in parallel,
//                                              then fetch them again from the cache
// Named SPECs are resolved as usual ($TINYDET_DATA_DIR, ../shared/datasets).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <unistd.h>

#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/datasets/synthetic.h"

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace tinydet::data;
  const std::string what = argc > 1 ? argv[1] : "";
  try {
    if (what == "synthetic") {
      SyntheticOptions o;
      o.count = argc > 2 ? std::atoi(argv[2]) : 2000;
      o.seed = 12345;
      const auto dir = std::filesystem::temp_directory_path() /
                       ("tinydet-dataset-bench-" + std::to_string(::getpid()));
      o.cache_dir = dir.string();
      const SyntheticCache c = ensure_synthetic_cache(o);
      std::printf("synthetic: generated %d images (render + JPEG encode + JSON) in %.2f s\n",
                  o.count, c.seconds);
      const auto t0 = std::chrono::steady_clock::now();
      const SyntheticCache again = ensure_synthetic_cache(o);
      std::printf("synthetic: cache check on reuse %.3f s (generated again: %s)\n", since(t0),
                  again.generated ? "yes" : "no");
      std::filesystem::remove_all(dir);
      return 0;
    }
    if (what == "load" && argc > 2) {
      const int side = argc > 3 ? std::atoi(argv[3]) : 96;
      auto t0 = std::chrono::steady_clock::now();
      const Dataset ds = load_dataset(argv[2]);
      std::printf("%s: loaded %zu images, %zu boxes, %zu skipped in %.3f s (headers only)\n",
                  argv[2], ds.samples.size(), ds.num_boxes(), ds.skipped, since(t0));
      ImageCache cache(ds);
      std::vector<size_t> all(ds.samples.size());
      std::iota(all.begin(), all.end(), size_t(0));
      t0 = std::chrono::steady_clock::now();
      cache.prefetch(all, side, side, tinydet::ResizeMode::Letterbox);
      std::printf("%s: decoded + resized all to %dx%d in %.3f s (%zu decodes, %.1f MiB cached)\n",
                  argv[2], side, side, since(t0), cache.decodes(), cache.bytes() / 1048576.0);
      t0 = std::chrono::steady_clock::now();
      for (size_t i : all) (void)cache.get(i, side, side, tinydet::ResizeMode::Letterbox);
      std::printf("%s: second pass from the cache %.4f s (%zu decodes total)\n", argv[2], since(t0),
                  cache.decodes());
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tinydet_dataset_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: tinydet_dataset_bench synthetic [N] | load SPEC [SIDE]\n");
  return 2;
}
