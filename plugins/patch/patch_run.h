// Runs a patch plan inside one arena (internal to the patch plugin; tests use it too).
//
// The patch phase runs the programs in plan.program_order, step by step, at the offsets
// the plan gives; the later phase then runs its ops layer by layer. No allocation per
// invoke except for ops with more than 4 inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "patch_plan.h"

namespace tinydet::patch {

/// Kernel parameters prepared once per plan (int8 requantisation; empty for float).
struct PreparedKernels {
  std::vector<Int8OpParams> stage, later;  // per stage op (full graph), per later op
  std::vector<OpGeometry> later_geometry;  // per later op
};

PreparedKernels prepare_kernels(const Graph& g, const PatchPlan& plan, DType dtype);

/// Called after each step of the timeline (plan.arena_buffers' time: patch steps in
/// execution order, then the later ops) with its index.
using StepObserver = std::function<void(int step)>;

/// One inference. `arena` holds plan.arena_bytes bytes; `input` is the caller's graph
/// input, copied to plan.input_offset first when the input is in the arena. Outputs are
/// left at plan.later_tensor_offset(later output tensor).
void run_patch_plan(const Graph& g, const PatchPlan& plan, DType dtype, const PreparedKernels& kernels,
                    const KernelContext& ctx, uint8_t* arena, const void* input,
                    const StepObserver& after_step = {});

}  // namespace tinydet::patch
