#include "metrics/numpy_arithmetic.h"

#include <algorithm>
#include <stdexcept>

namespace tinydet::metrics::numpy {

std::vector<double> linspace(double start, double stop, std::size_t num) {
  std::vector<double> out(num);
  if (num == 0) return out;
  if (num == 1) {
    out[0] = start;
    return out;
  }
  const double step = (stop - start) / static_cast<double>(num - 1);
  for (std::size_t i = 0; i < num; ++i) {
    const double scaled = static_cast<double>(i) * step;  // separate statement: no FMA
    out[i] = scaled + start;
  }
  out[num - 1] = stop;
  return out;
}

double pairwise_sum(const double* a, std::size_t n) {
  constexpr std::size_t kBlock = 128;  // numpy's PW_BLOCKSIZE
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= kBlock) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

double reduce_add(const double* values, std::size_t n) {
  constexpr std::size_t kBufferSize = 8192;  // NPY_BUFSIZE
  double result = 0.0;
  for (std::size_t start = 0; start < n; start += kBufferSize)
    result += pairwise_sum(values + start, std::min(kBufferSize, n - start));
  return result;
}

double mean(const std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("numpy::mean: empty array");
  return reduce_add(values.data(), values.size()) / static_cast<double>(values.size());
}

}  // namespace tinydet::metrics::numpy
