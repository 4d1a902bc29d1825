#include "hard_negative_mining.h"

#include <algorithm>

namespace tinydet::ssdlite {

std::vector<int> mine_hard_negatives(std::span<const double> classification_loss,
                                     std::span<const char> is_candidate, int num_positives,
                                     int max_negatives_per_positive, int min_negatives) {
  std::vector<int> candidates;
  for (size_t a = 0; a < is_candidate.size(); ++a)
    if (is_candidate[a]) candidates.push_back(int(a));
  const size_t wanted = size_t(
      std::max<long long>(min_negatives, (long long)max_negatives_per_positive * num_positives));
  const size_t keep = std::min(wanted, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                    [&](int x, int y) {
                      if (classification_loss[x] != classification_loss[y])
                        return classification_loss[x] > classification_loss[y];
                      return x < y;
                    });
  candidates.resize(keep);
  return candidates;
}

}  // namespace tinydet::ssdlite
