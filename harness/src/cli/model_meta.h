// What a model file's metadata says about how to use it (Graph::meta, written by the
// trainer's model cache and by `tinydet train --out`): the architecture plugin, its
// configuration and the class names.
#pragma once

#include <string>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/graph.h"

namespace tinydet::cli {

/// The architecture configuration recorded in `g.meta` ("input_h", "input_w",
/// "num_classes", "option.<name>"). Throws std::runtime_error naming `file` and the
/// missing or malformed key.
ArchConfig arch_config_from_meta(const Graph& g, const std::string& file);

/// meta["plugin"]. Throws std::runtime_error naming `file` when it is missing.
std::string plugin_from_meta(const Graph& g, const std::string& file);

/// Class names kept in meta["classes"] (a JSON array); empty when the file has none.
std::vector<std::string> class_names_from_meta(const Graph& g);
void set_class_names(Graph& g, const std::vector<std::string>& names);

}  // namespace tinydet::cli
