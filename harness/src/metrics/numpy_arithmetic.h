// Bit-exact re-implementations of the few numpy operations whose rounding shows up in
// pycocotools' numbers: np.linspace and np.mean (pairwise summation).
//
// Why: users compare our COCO figures with pycocotools to the last digit, so the IoU and
// recall thresholds must be the very same doubles, and means must be summed in the same
// order. This file must be compiled without floating-point contraction (no FMA): the
// metrics library is built with -ffp-contract=off (see harness/CMakeLists.txt).
#pragma once

#include <cstddef>
#include <vector>

namespace tinydet::metrics::numpy {

/// np.linspace(start, stop, num) with endpoint=True: value i = i * step + start with
/// step = (stop - start) / (num - 1), and the last value set to `stop` exactly.
std::vector<double> linspace(double start, double stop, std::size_t num);

/// np.add.reduce of a contiguous 1-D float64 array: numpy's pairwise summation (blocks of
/// 8 partial sums below 128 elements, recursive halving above). Returns 0 for n == 0.
double pairwise_sum(const double* values, std::size_t n);

/// np.add.reduce / np.sum of a contiguous 1-D float64 array: numpy's reduction iterator
/// hands the inner loop blocks of at most 8192 elements (its buffer size), each summed
/// pairwise and added in turn to the running result (which starts at 0). Verified against
/// numpy 1.24 on random arrays up to 40000 elements.
double reduce_add(const double* values, std::size_t n);

/// np.mean of a contiguous 1-D float64 array: reduce_add / n. n must be > 0.
double mean(const std::vector<double>& values);

}  // namespace tinydet::metrics::numpy
