// In-place depthwise convolution (TinyEngine-style): the output overwrites the input.
//
// Output rows are computed in order into a ring of row buffers in scratch. Output row r
// occupies elements [r*Wo*C, (r+1)*Wo*C) of the shared buffer; it is copied there only
// once every output row still to be computed reads input rows that start at or after
// that range's end (input row i starts at element i*Wi*C). Rows read by later outputs
// start at max(0, oy*stride - pad.top), which only grows with oy, so a written-back row is
// never needed again. The ring holds the rows computed but not yet written back; its size
// is found by running the same schedule without data (in_place_ring_rows).
#include <cstring>
#include <limits>

#include "kernel_internal.h"

namespace tinydet::kernels {

namespace {

// First element of the input that output rows >= next_oy may still read.
int64_t first_needed_element(const Op& op, const OpGeometry& geo, int next_oy) {
  const Shape& x = geo.inputs[0];
  if (next_oy >= geo.output.h) return std::numeric_limits<int64_t>::max();
  const int first_row = std::max(0, next_oy * op.stride_h - geo.pad.top);
  if (first_row >= x.h) return std::numeric_limits<int64_t>::max();
  return int64_t(first_row) * x.w * x.c;
}

// The write-back schedule: calls on_compute(oy) then on_flush(r) for each row r written
// back after computing oy. Returns the largest number of rows held at once.
template <typename Compute, typename Flush>
int schedule(const Op& op, const OpGeometry& geo, Compute&& on_compute, Flush&& on_flush) {
  const Shape& y = geo.output;
  const int64_t row_elements = int64_t(y.w) * y.c;
  int flushed = 0, most_pending = 0;
  for (int oy = 0; oy < y.h; ++oy) {
    most_pending = std::max(most_pending, oy - flushed + 1);
    on_compute(oy);
    const int64_t boundary = first_needed_element(op, geo, oy + 1);
    while (flushed <= oy && (flushed + 1) * row_elements <= boundary) on_flush(flushed++);
  }
  return most_pending;
}

}  // namespace

int in_place_ring_rows(const Op& op, const OpGeometry& geo) {
  return schedule(op, geo, [](int) {}, [](int) {});
}

void run_depthwise_in_place(const Op& op, const OpGeometry& geo, DType dtype, void* buffer,
                            uint8_t* scratch, size_t scratch_bytes, size_t row_scratch_bytes,
                            const DepthwiseRowFn& row_fn) {
  const int ring_rows = in_place_ring_rows(op, geo);
  const size_t row_bytes = size_t(geo.output.w) * geo.output.c * dtype_bytes(dtype);
  const size_t need = size_t(ring_rows) * row_bytes + row_scratch_bytes;
  if (scratch == nullptr || scratch_bytes < need)
    fail(op, "in-place depthwise needs " + std::to_string(need) + " scratch bytes, got " +
                 std::to_string(scratch == nullptr ? 0 : scratch_bytes));
  uint8_t* ring = scratch;
  uint8_t* row_scratch = scratch + size_t(ring_rows) * row_bytes;
  auto* out = static_cast<uint8_t*>(buffer);
  auto slot = [&](int row) { return ring + size_t(row % ring_rows) * row_bytes; };
  schedule(
      op, geo, [&](int oy) { row_fn(oy, slot(oy), row_scratch); },
      [&](int r) { std::memcpy(out + size_t(r) * row_bytes, slot(r), row_bytes); });
}

}  // namespace tinydet::kernels
