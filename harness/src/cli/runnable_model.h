// The network a command runs: a model file written by `tinydet train` (trained weights),
// or an architecture plugin with He-initialised weights (for shapes, memory and latency,
// which do not depend on the weights' values), with its configured architecture (resize
// mode, decoder) and its float and int8 inference graphs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loader/plugin_loader.h"
#include "suite/pipeline.h"
#include "tinydet/graph.h"

namespace tinydet::cli {

struct RunnableModel {
  suite::ArchHandle arch;  // configured as the graph was built
  Graph training_graph;    // untrained models only (BatchNorm kept): the trainable params
  Graph float_graph;       // inference graph (folded)
  Graph int8_graph;        // valid when has_int8
  bool has_int8 = false;
  bool trained = false;
  std::string source;      // the model file, or the architecture name
  std::string weights;     // how the weights came about, for the output
  std::vector<std::string> class_names;  // may be empty (then "class<k>")
  nlohmann::json quantization;           // how int8_graph was made (null: not yet)

  const Graph& graph(DType dtype) const { return dtype == DType::Int8 ? int8_graph : float_graph; }
  std::string class_name(int cls) const;
};

/// Loads a model file and configures its architecture plugin from the file's metadata.
/// A file that is already quantised provides the int8 graph too. Throws
/// std::runtime_error naming the file when it cannot be read, names no loaded plugin, or
/// does not match what the plugin builds for that configuration.
RunnableModel load_runnable_model(const PluginRegistry& registry, const std::string& path);

/// An architecture at `resolution` (0: the plugin's default) with He-initialised weights.
RunnableModel untrained_model(const PluginRegistry& registry, const std::string& architecture,
                              int resolution, int num_classes,
                              const std::map<std::string, std::string>& options, uint64_t seed);

/// Makes `m.int8_graph` unless the model already has one, calibrating on `dataset`'s train
/// images when given, else on `calibration_images` synthetic scenes (good enough for
/// memory and latency; accuracy needs the real data). Records how in m.quantization.
void ensure_int8(RunnableModel& m, suite::DatasetHandle* dataset, int calibration_images);

/// Network inputs rendered from the synthetic scene generator (seed 0, scenes 0..count-1)
/// at full size, for timing preprocessing and calibrating without a dataset.
std::vector<data::SourceImage> synthetic_sources(int count);

}  // namespace tinydet::cli
