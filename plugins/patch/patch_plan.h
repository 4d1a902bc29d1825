// Patch-based inference planning (MCUNetV2, Lin et al. 2021).
//
// The graph is cut after one op (the "split"). The first stage, ops 0..split, runs once
// per output patch on an n×n grid of the split tensor; each patch's input region comes
// from walking the receptive field backwards through the stage (kernel, stride, padding),
// so overlapping halos are recomputed. Where a patch touches the image border, padding is
// exactly what the whole-image run applies; inside the image a patch reads real pixels.
// The rest of the graph then runs layer by layer on the filled split tensor.
//
// Memory: one arena serves both phases, planned together on one timeline (patch_arena.h):
// the graph input (when in the arena) and the split tensor sit at fixed offsets, cut into
// row bands that are freed (input) or taken (split tensor) as the patches advance; the
// working buffers of one patch at a time, each step's kernel scratch, and the later
// phase's buffers (grouped as the layer-by-layer plan_arena groups them) are placed around
// them by the greedy planner.
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
  size_t scratch_bytes = 0;   // Run: kernel scratch (the in-place form when it runs in place)
  size_t scratch_offset = 0;  // its place in the arena
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

/// The storage a program needs: buffers written in place share their alias root's
/// storage. Returns per buffer its root, and writes per root the storage (as large as the
/// chain's largest member, alive from the root's first step to the chain's last); entries
/// of non-roots are left empty.
std::vector<int> storage_roots(const PatchProgram& p, std::vector<BufferLifetime>* storage);

/// The most bytes one patch has live at one step: its storage plus the step's scratch.
size_t working_set_bytes(const PatchProgram& p);

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
  std::vector<int> program_order;      // indices into programs, in execution order

  Graph later;             // ops split_op+1.. as a graph whose input is the split tensor
  ArenaPlan later_plan;    // its layer-by-layer plan as plan_arena made it (buffers, lifetimes)
  std::vector<size_t> later_buffer_offset;  // per later_plan buffer: its offset in this arena
  size_t split_offset = 0;  // the split tensor's offset in both phases
  size_t split_bytes = 0;   // its size
  bool input_in_arena = true;  // as planned (PatchPlanOptions::input_in_arena)
  size_t input_offset = 0;  // the graph input's offset during the patch phase
  size_t scratch_bytes = 0;  // largest kernel scratch of any patch step
  // Every buffer of the arena on one timeline (patch steps in execution order, then the
  // later ops) with its offset: what the placement guarantees, for checks and reports.
  std::vector<BufferLifetime> arena_buffers;
  std::vector<size_t> arena_buffer_offset;
  int later_phase_start = 0;  // the timeline index of the later phase's first op

  size_t arena_bytes = 0;            // both phases, scratch included
  size_t lower_bound_bytes = 0;      // largest sum of bytes alive at one step
  size_t patch_phase_bytes = 0;      // highest arena byte used during the patch phase
  size_t later_phase_bytes = 0;      // same, during the later phase
  size_t layer_by_layer_bytes = 0;   // plan_arena of the whole graph, for comparison
  int64_t stage_macs = 0;            // MACs of ops 0..split run once on the whole image
  int64_t stage_macs_patched = 0;    // MACs of those ops summed over all patches
  int64_t total_macs = 0;            // whole inference with patches

  size_t later_tensor_offset(int t) const {
    return later_buffer_offset.at(size_t(later_plan.tensor_buffer.at(size_t(t))));
  }
  /// The scratch of later op `i`: its offset, 0 when it has none (size in later_plan).
  size_t later_scratch_offset(int i) const {
    const int b = later_plan.op_scratch_buffer.at(size_t(i));
    return b < 0 ? 0 : later_buffer_offset.at(size_t(b));
  }
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

/// Human-readable summary: split, grid, per-phase peaks, reduction, MAC overhead. With
/// `detailed`, also the buffers of the patch that reaches highest in the arena and the
/// later phase's layer table.
std::string describe(const Graph& g, const PatchPlan& plan, bool detailed = false);

}  // namespace tinydet::patch
