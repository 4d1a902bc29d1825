// `tinydet_kernel_bench --tinydet_sqnr MODEL.tdm...`: how much int8 costs a trained model,
// and how much of that is the network's own sensitivity (see docs/engine.md).
#pragma once

#include <string>
#include <vector>

namespace tinydet::bench {

/// For each model file: per-output SQNR of its int8 version (MinMax and Percentile
/// observers, bias correction off and on) on held-out synthetic scenes, then the float
/// network's response to white noise 40 dB below the signal added after its first op.
/// Returns a process exit code.
int sqnr_diagnostics(const std::vector<std::string>& model_files);

}  // namespace tinydet::bench
