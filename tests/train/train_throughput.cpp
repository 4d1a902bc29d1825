// Training throughput of an architecture plugin's graph (not a test: a measuring tool).
//
//   train_throughput PLUGIN.so RES [BATCH] [STEPS] [THREADS] [NUM_CLASSES]
//
// Trains the plugin's graph on random images (no augmentation, no validation) and prints
// images/s of forward + loss + backward + optimizer step, and the graph's MACs. Also runs
// the finite-difference check of the plugin's loss gradient (check_loss_gradient).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "loader/plugin_loader.h"
#include "train/gradient_check.h"
#include "train/trainer.h"
#include "train_test_util.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PLUGIN.so RES [BATCH] [STEPS] [THREADS] [NUM_CLASSES]\n", argv[0]);
    return 2;
  }
  try {
    const int res = std::atoi(argv[2]);
    const int batch = argc > 3 ? std::atoi(argv[3]) : 32;
    const int steps = argc > 4 ? std::atoi(argv[4]) : 10;
    const int threads = argc > 5 ? std::atoi(argv[5]) : 0;
    const int classes = argc > 6 ? std::atoi(argv[6]) : 3;
    tinydet::PluginRegistry registry;
    if (!registry.load_file(argv[1])) {
      std::fprintf(stderr, "%s\n", registry.failures().back().reason.c_str());
      return 1;
    }
    auto arch = registry.find_architecture(registry.list().back().name);
    tinydet::ArchConfig cfg{res, res, classes, {}};
    arch->configure(cfg);
    const tinydet::Graph g = arch->build_graph();
    const auto check = tinydet::check_loss_gradient(*arch, cfg);
    std::printf("%s\n", check.summary.c_str());
    tinydet::InMemorySource data(tinydet::test::random_examples(batch * steps, res, res, 1),
                                 "random");
    tinydet::TrainRecipe r;
    r.batch_size = batch;
    r.epochs = 1;
    r.threads = threads;
    r.augment = tinydet::Augmentation{1.f, 1.f, 0.f, 0.f, 0.f, 0.f};
    tinydet::TrainOptions opt;
    opt.progress = 2;
    const auto t = tinydet::train_graph(*arch, g, data, nullptr, r, opt);
    std::printf("%s @%d: %.1f MMACs/image, %lld params, batch %d, %lld steps: %.1f images/s "
                "(%.2f s total)\n",
                registry.list().back().name.c_str(), res, double(g.total_stats().macs) / 1e6,
                (long long)g.total_stats().params, batch, (long long)t.steps_run,
                t.images_per_second, t.seconds);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
