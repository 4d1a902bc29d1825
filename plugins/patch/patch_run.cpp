#include "patch_run.h"

#include <cstring>

namespace tinydet::patch {

namespace {

/// Copies window `want` (tensor coordinates) out of a buffer holding region `have` into a
/// buffer whose rows are `dst_row_width` pixels wide and whose origin is (dst_r0, dst_c0).
void copy_window(const uint8_t* src, const Region& have, uint8_t* dst, const Region& want, int channels,
                 size_t elem, int dst_row_width, int dst_c0, int dst_r0) {
  const size_t px = size_t(channels) * elem;
  const size_t row_bytes = size_t(want.cols()) * px;
  for (int r = want.r0; r < want.r1; ++r) {
    const uint8_t* s = src + (size_t(r - have.r0) * size_t(have.cols()) + size_t(want.c0 - have.c0)) * px;
    uint8_t* d = dst + (size_t(r - dst_r0) * size_t(dst_row_width) + size_t(want.c0 - dst_c0)) * px;
    std::memcpy(d, s, row_bytes);
  }
}

/// Input pointers of one op without allocating (up to 8 inputs; more spill to the heap).
class InputPointers {
 public:
  template <class OffsetOf>
  InputPointers(const std::vector<int>& ids, uint8_t* arena, OffsetOf offset_of) {
    if (ids.size() > kInline) spill_.resize(ids.size());
    const void** out = ids.size() > kInline ? spill_.data() : inline_;
    for (size_t k = 0; k < ids.size(); ++k) out[k] = arena + offset_of(ids[k]);
    data_ = out;
  }
  const void* const* data() const { return data_; }

 private:
  static constexpr size_t kInline = 8;
  const void* inline_[kInline] = {};
  std::vector<const void*> spill_;
  const void* const* data_ = nullptr;
};

}  // namespace

PreparedKernels prepare_kernels(const Graph& g, const PatchPlan& plan, DType dtype) {
  PreparedKernels k;
  if (dtype == DType::Int8) {
    for (int i = 0; i <= plan.split_op; ++i) k.stage.push_back(prepare_int8(g, i));
    for (size_t i = 0; i < plan.later.ops.size(); ++i) k.later.push_back(prepare_int8(plan.later, int(i)));
  }
  for (size_t i = 0; i < plan.later.ops.size(); ++i) k.later_geometry.push_back(geometry_of(plan.later, int(i)));
  return k;
}

void run_patch_plan(const Graph& g, const PatchPlan& plan, DType dtype, const PreparedKernels& kernels,
                    const KernelContext& ctx_in, uint8_t* a, const void* input, const StepObserver& after_step) {
  const size_t elem = size_t(dtype_bytes(dtype));
  const Shape& in_shape = g.input_shape();
  const uint8_t* full_input = static_cast<const uint8_t*>(input);
  if (plan.input_in_arena) {
    std::memcpy(a + plan.input_offset, input, size_t(in_shape.elements()) * elem);
    full_input = a + plan.input_offset;
  }
  const Region whole_input{0, in_shape.h, 0, in_shape.w};
  const Shape& split_shape = g.shape(plan.split_tensor);
  const bool int8 = dtype == DType::Int8;

  int step = 0;
  KernelContext ctx = ctx_in;
  for (int k : plan.program_order) {
    const PatchProgram& p = plan.programs[size_t(k)];
    auto at = [&](int buffer) { return a + p.buffers[size_t(buffer)].offset; };
    for (const PatchStep& st : p.steps) {
      switch (st.kind) {
        case PatchStep::Kind::Crop: {
          const bool from_input = st.inputs[0] < 0;
          copy_window(from_input ? full_input : at(st.inputs[0]),
                      from_input ? whole_input : p.buffers[size_t(st.inputs[0])].region, at(st.output),
                      st.src_region, st.channels, elem, st.src_region.cols(), st.src_region.c0, st.src_region.r0);
          break;
        }
        case PatchStep::Kind::Run: {
          const InputPointers ins(st.inputs, a, [&](int b) { return p.buffers[size_t(b)].offset; });
          ctx.scratch = st.scratch_bytes ? a + st.scratch_offset : nullptr;
          ctx.scratch_bytes = st.scratch_bytes;
          run_op(g.ops[size_t(st.op)], st.geometry, dtype, ins.data(), at(st.output), ctx,
                 int8 ? &kernels.stage[size_t(st.op)] : nullptr);
          break;
        }
        case PatchStep::Kind::Store:
          copy_window(at(st.inputs[0]), p.buffers[size_t(st.inputs[0])].region, a + plan.split_offset,
                      st.src_region, st.channels, elem, split_shape.w, 0, 0);
          break;
      }
      if (after_step) after_step(step);
      ++step;
    }
  }

  const Graph& later = plan.later;
  for (size_t i = 0; i < later.ops.size(); ++i) {
    const Op& op = later.ops[i];
    const InputPointers ins(op.inputs, a, [&](int t) { return plan.later_tensor_offset(t); });
    ctx.scratch_bytes = plan.later_plan.op_scratch_size[i];
    ctx.scratch = ctx.scratch_bytes ? a + plan.later_scratch_offset(int(i)) : nullptr;
    run_op(op, kernels.later_geometry[i], dtype, ins.data(), a + plan.later_tensor_offset(op.output), ctx,
           int8 ? &kernels.later[i] : nullptr);
    if (after_step) after_step(step);
    ++step;
  }
}

}  // namespace tinydet::patch
