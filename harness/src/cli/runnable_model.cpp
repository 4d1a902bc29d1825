#include "cli/runnable_model.h"

#include <iostream>
#include <stdexcept>

#include "cli/model_meta.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/datasets/synthetic.h"
#include "tinydet/model_file.h"
#include "tinydet/quantize.h"

namespace tinydet::cli {

namespace {

std::string shape_text(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

/// The file's graph must be the network the plugin builds for the recorded configuration:
/// the decoder reads the outputs by position and shape.
void check_matches_plugin(const Graph& file_graph, const Graph& built, const std::string& path,
                          const std::string& plugin) {
  const auto mismatch = [&](const std::string& what) {
    return std::runtime_error("model file '" + path + "' does not match what plugin '" + plugin +
                              "' builds for its recorded configuration: " + what);
  };
  if (file_graph.input_shape() != built.input_shape())
    throw mismatch("input " + shape_text(file_graph.input_shape()) + " vs " +
                   shape_text(built.input_shape()));
  if (file_graph.outputs.size() != built.outputs.size())
    throw mismatch(std::to_string(file_graph.outputs.size()) + " outputs vs " +
                   std::to_string(built.outputs.size()));
  for (size_t i = 0; i < built.outputs.size(); ++i) {
    const Shape& a = file_graph.shape(file_graph.outputs[i].tensor);
    const Shape& b = built.shape(built.outputs[i].tensor);
    if (a != b)
      throw mismatch("output " + std::to_string(i) + " '" + built.outputs[i].name + "' is " +
                     shape_text(a) + " vs " + shape_text(b));
  }
}

}  // namespace

std::string RunnableModel::class_name(int cls) const {
  if (cls >= 0 && size_t(cls) < class_names.size()) return class_names[size_t(cls)];
  return "class" + std::to_string(cls);
}

RunnableModel load_runnable_model(const PluginRegistry& registry, const std::string& path) {
  Graph g = load_model(path);
  const std::string plugin = plugin_from_meta(g, path);
  RunnableModel m;
  m.source = path;
  m.trained = true;
  m.arch.arch = registry.find_architecture(plugin);
  m.arch.plugin = registry.find(PluginKind::Architecture, plugin);
  m.arch.config = arch_config_from_meta(g, path);
  try {
    m.arch.arch->configure(m.arch.config);
  } catch (const std::exception& e) {
    throw std::runtime_error("model file '" + path + "': plugin '" + plugin +
                             "' refuses the recorded configuration: " + e.what());
  }
  const auto recorded = g.meta.find("plugin_version");
  if (m.arch.plugin && recorded != g.meta.end() && recorded->second != m.arch.plugin->version)
    std::cerr << "tinydet: warning: " << path << " was trained with " << plugin << " "
              << recorded->second << ", loaded plugin is " << m.arch.plugin->version << "\n";
  check_matches_plugin(g, fold_for_inference(m.arch.arch->build_graph()), path, plugin);
  m.class_names = class_names_from_meta(g);
  if (g.quantized) {
    m.int8_graph = g;
    m.has_int8 = true;
    m.quantization = {{"source", "quantised in the model file"}};
    m.weights = "trained, int8 (quantised in the file)";
  } else {
    m.weights = "trained";
  }
  m.float_graph = std::move(g);
  return m;
}

RunnableModel untrained_model(const PluginRegistry& registry, const std::string& architecture,
                              int resolution, int num_classes,
                              const std::map<std::string, std::string>& options, uint64_t seed) {
  if (resolution <= 0) {
    ArchConfig probe;
    probe.num_classes = num_classes;
    probe.options = options;
    resolution = registry.find_architecture(architecture)->default_resolution(probe);
  }
  RunnableModel m;
  m.source = architecture;
  m.arch = suite::configure_architecture(registry, architecture, resolution, num_classes, options);
  m.training_graph = m.arch.arch->build_graph();
  init_weights(m.training_graph, seed);
  m.float_graph = fold_for_inference(m.training_graph);
  m.weights = "untrained (He-initialised, seed " + std::to_string(seed) + ")";
  return m;
}

std::vector<data::SourceImage> synthetic_sources(int count) {
  std::vector<data::SourceImage> sources;
  for (int i = 0; i < count; ++i) sources.push_back({data::render_synthetic_scene(0, i).rgb, 1.f, 1.f});
  return sources;
}

void ensure_int8(RunnableModel& m, suite::DatasetHandle* dataset, int calibration_images) {
  if (m.has_int8) return;
  QuantizeReport report;
  if (dataset) {
    m.int8_graph = suite::quantize_model(m.float_graph, m.arch, *dataset, calibration_images, &report);
    m.quantization = {{"source", "train split of " + dataset->dataset.spec}};
  } else {
    const Shape& in = m.float_graph.input_shape();
    std::vector<std::vector<float>> calibration;
    for (const auto& src : synthetic_sources(calibration_images)) {
      const auto t = data::make_resize_transform(src.rgb.cols, src.rgb.rows, in.w, in.h,
                                                 m.arch.arch->resize_mode());
      const cv::Mat net = data::apply_resize(src.rgb, t);
      std::vector<float> input(size_t(in.elements()));
      pixels_to_float_input(net.ptr<uint8_t>(), input.size(), input.data());
      calibration.push_back(std::move(input));
    }
    m.int8_graph = quantize(m.float_graph, calibration, {}, &report);
    m.quantization = {{"source", "synthetic scenes (no dataset given: fine for memory and "
                                 "latency, not for accuracy)"}};
  }
  m.has_int8 = true;
  m.quantization["observer"] = "minmax";
  m.quantization["calibration_images"] = report.calibration_images;
  nlohmann::json sqnr = nlohmann::json::object();
  for (const auto& o : report.outputs) sqnr[o.name] = o.sqnr_db;
  m.quantization["output_sqnr_db"] = sqnr;
}

}  // namespace tinydet::cli
