// Patch-based inference planning (MCUNetV2, Lin et al. 2021).
//
// The graph is cut after one op (the "split"). The first stage, ops 0..split, runs once
// per output patch on an n×n grid of the split tensor; each patch's input region comes
// from walking the receptive field backwards through the stage (kernel, stride, padding),
// so overlapping halos are recomputed. Where a patch touches the image border, padding is
// exactly what the whole-image run applies; inside the image a patch reads real pixels.
// The rest of the graph then runs layer by layer on the filled split tensor.
//
// Memory: one arena serves both phases. The later phase is planned as the layer-by-layer
// executor plans it (plan_arena on the later subgraph). The patch phase holds the graph
// input, the split tensor being filled (at the offset the later phase expects it), and
// the working buffers of one patch at a time, planned greedily by size.
//
// Units: bytes, and elements where named. Pure planning: no memory is allocated here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tinydet/graph.h"
#include "tinydet/kernels.h"
#include "tinydet/planner.h"

namespace tinydet::patch {

/// Half-open rectangle of rows [r0, r1) and columns [c0, c1) of a tensor.
struct Region {
  int r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  int rows() const { return r1 - r0; }
  int cols() const { return c1 - c0; }
  bool empty() const { return r1 <= r0 || c1 <= c0; }
  bool operator==(const Region&) const = default;
};

/// One step of a patch program.
struct PatchStep {
  enum class Kind : uint8_t {
    Crop,   // copy `src_region` of buffer src (tensor coordinates) into buffer dst
    Run,    // run `op` on patch buffers with `geometry`
    Store,  // copy the split tensor's patch into the full split tensor
  };
  Kind kind = Kind::Run;
  int op = -1;
  OpGeometry geometry;
  std::vector<int> inputs;  // patch buffer ids; -1 = the full graph input
  int output = -1;          // patch buffer id; -1 = the full split tensor (Store)
  Region src_region;        // Crop / Store: the window to copy, in tensor coordinates
  Region src_buffer_region; // Crop / Store: the region the source buffer holds
  int channels = 0;         // Crop / Store
  int64_t macs = 0;         // Run
};

/// A buffer of one patch: a region of one tensor, or a crop of it.
struct PatchBuffer {
  int tensor = -1;
  Region region;
  size_t bytes = 0;
  int first_step = 0, last_step = 0;  // within its patch program
  size_t offset = 0;                  // in the arena
  int alias = -1;  // >= 0: written in place over that buffer (same storage)
};

struct PatchProgram {
  Region output_region;  // of the split tensor
  std::vector<PatchStep> steps;
  std::vector<PatchBuffer> buffers;
  size_t scratch_bytes = 0;  // largest kernel scratch of any Run step
};

struct PatchPlanOptions {
  int patches = 0;              // n for an n×n grid; 0: choose 2..4 by lowest peak
  std::string split;            // op (or tensor) name; empty: choose automatically
  DType dtype = DType::Int8;
  KernelImpl impl = KernelImpl::Fast;
  size_t alignment = 16;
  // Where the graph input lives during the patch phase: in the arena (as TFLite Micro
  // keeps it), or outside it, read patch by patch from the caller's buffer (a camera
  // frame buffer; MCUNetV2's accounting).
  bool input_in_arena = true;
  // Automatic choice: plans whose recomputed halos add more than this share of the whole
  // network's MACs are taken only when no plan stays under it.
  double max_mac_overhead_percent = 20.0;
};

struct PatchPlan {
  int split_op = -1;      // last op of the patch stage
  int split_tensor = -1;  // its output, in the full graph
  int patches = 0;        // n
  std::vector<PatchProgram> programs;  // n×n, row-major

  Graph later;             // ops split_op+1.. as a graph whose input is the split tensor
  ArenaPlan later_plan;    // its layer-by-layer plan
  size_t split_offset = 0;  // the split tensor's offset (later_plan's input offset)
  size_t input_offset = 0;  // the graph input's offset during the patch phase
  size_t scratch_offset = 0;  // patch-phase kernel scratch
  size_t scratch_bytes = 0;   // its size

  size_t arena_bytes = 0;            // both phases, scratch included
  size_t lower_bound_bytes = 0;      // max of the phases' lower bounds
  size_t patch_phase_bytes = 0;      // peak of the patch phase as planned
  size_t later_phase_bytes = 0;      // later_plan.arena_bytes
  size_t layer_by_layer_bytes = 0;   // plan_arena of the whole graph, for comparison
  int64_t stage_macs = 0;            // MACs of ops 0..split run once on the whole image
  int64_t stage_macs_patched = 0;    // MACs of those ops summed over all patches
  int64_t total_macs = 0;            // whole inference with patches

  double reduction_factor() const {
    return arena_bytes ? double(layer_by_layer_bytes) / double(arena_bytes) : 0.0;
  }
  double mac_overhead_percent() const {
    return stage_macs ? 100.0 * double(stage_macs_patched - stage_macs) / double(total_macs - stage_macs_patched + stage_macs) : 0.0;
  }
};

/// Ops 0..s form a valid patch stage: every op is spatially local (Conv2D, pools, Add,
/// Activation, Concat) and nothing after s reads a stage tensor other than op s's output.
bool is_valid_split(const Graph& g, int s);

/// Plans patch-based inference of an inference graph (folded; quantised for int8).
/// Throws std::invalid_argument naming the setting when the split or n is impossible.
PatchPlan plan_patches(const Graph& g, const PatchPlanOptions& opt);

/// Human-readable summary: split, grid, per-phase peaks, reduction, MAC overhead.
std::string describe(const Graph& g, const PatchPlan& plan);

}  // namespace tinydet::patch
