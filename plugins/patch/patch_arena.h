// One arena for both phases of a patch plan (internal to the patch plugin).
//
// The patch phase (every patch's steps, one patch after another) and the later phase (the
// ops after the split, layer by layer) are laid on one timeline and placed by one greedy
// planner, so nothing is reserved for a phase that is not running. Two tensors sit at
// fixed offsets because they must stay whole and contiguous, and each is cut into row
// bands with their own lifetimes:
//   - the graph input (when it is in the arena): a band dies after the last patch that
//     reads it, and its bytes then serve later patches;
//   - the split tensor: a band is born when the first patch writes into it, so the rows
//     not yet written serve the earlier patches' working buffers.
// Everything else (patch working buffers, per-step kernel scratch, and the later phase's
// buffers as plan_arena groups them) is placed around them.
//
// Where the two tensors go decides how well the rest packs, and the greedy planner is a
// heuristic, so a few layouts are planned and the smallest arena wins:
//   - the later phase re-placed together with the patch phase, the split tensor at 0 or
//     where the later phase's own plan put it, the input just below or above it;
//   - the later phase kept exactly as plan_arena placed it (so it never gets worse than
//     run alone), or mirrored so that the split tensor sits high and the input fits below
//     it; then the patch rows run bottom to top, which keeps the split tensor's unwritten
//     rows next to the free bytes above the input.
#pragma once

#include <cstddef>
#include <vector>

#include "patch_plan.h"

namespace tinydet::patch {

/// One candidate arrangement of the two phases.
struct PhaseLayout {
  bool keep_later_plan = false;  // the later buffers stay at plan_arena's offsets...
  bool mirror_later_plan = false;  // ...mirrored top to bottom
  size_t split_offset = 0;  // the split tensor (derived from the later plan when kept)
  size_t input_offset = 0;  // the graph input; ignored when it is external
  bool bottom_up = false;   // patch rows run from the bottom row to the top one
};

/// The result of placing a plan's buffers for one layout.
struct JointPlacement {
  PhaseLayout layout;
  size_t arena_bytes = 0;
  size_t lower_bound_bytes = 0;  // largest sum of bytes alive at one step
  size_t patch_phase_bytes = 0;  // highest end of any buffer alive during the patch phase
  size_t later_phase_bytes = 0;  // same, for the later phase
  std::vector<int> program_order;  // indices into plan.programs, in execution order
  std::vector<std::vector<size_t>> patch_buffer_offset;  // [program][buffer]
  std::vector<std::vector<size_t>> step_scratch_offset;  // [program][step]
  std::vector<size_t> later_buffer_offset;               // per later_plan buffer
  std::vector<BufferLifetime> buffers;                   // every planned buffer...
  std::vector<size_t> buffer_offset;                     // ...and where it went
  int later_phase_start = 0;
};

/// The layouts worth trying for `plan` (programs row-major, later graph and its
/// layer-by-layer plan built).
std::vector<PhaseLayout> candidate_layouts(const Graph& g, const PatchPlan& plan, const PatchPlanOptions& opt);

/// Places the buffers of `plan` for one layout (programs, later graph and later_plan
/// built; offsets and order, if already set, are ignored).
JointPlacement place_jointly(const Graph& g, const PatchPlan& plan, const PhaseLayout& layout,
                             const PatchPlanOptions& opt);

/// Writes a placement into the plan: program order, every offset, and the memory figures.
/// A plan may be placed again with another layout.
void apply_placement(const JointPlacement& placement, PatchPlan& plan);

}  // namespace tinydet::patch
