#include "exec/query.h"

#include <algorithm>
#include <unordered_set>

namespace quiver::exec {

namespace {

// Primary key ascending; within a key the version that wins first.
bool KeyOrder(const QueryCandidate& a, const QueryCandidate& b) {
  if (a.pk != b.pk) return a.pk < b.pk;
  if (a.ts != b.ts) return a.ts > b.ts;
  if (a.source != b.source) return a.source > b.source;
  return a.row > b.row;
}

size_t DistinctPrefix(const std::vector<QueryCandidate>& sorted, size_t prefix) {
  size_t distinct = 0;
  for (size_t i = 0; i < prefix; ++i) {
    if (i == 0 || sorted[i].pk != sorted[i - 1].pk) ++distinct;
  }
  return distinct;
}

}  // namespace

std::vector<QueryCandidate> SelectByPrimaryKey(std::vector<QueryCandidate> candidates, size_t offset,
                                               std::optional<size_t> limit) {
  const size_t n = candidates.size();
  // The first `want` distinct keys are needed (all of them without a limit).
  const size_t want = !limit || offset >= n ? n : std::min(n, offset + std::min(*limit, n));
  if (want >= n) {
    std::sort(candidates.begin(), candidates.end(), KeyOrder);
  } else {
    // The `prefix` smallest candidates hold the first `want` distinct keys unless repeated keys
    // take some of its places; then widen it. Each pass is linear (nth_element) plus a sort of
    // the prefix, so a page of a large result costs O(n + limit log limit).
    size_t prefix = want;
    while (true) {
      if (prefix < n) std::nth_element(candidates.begin(), candidates.begin() + prefix, candidates.end(), KeyOrder);
      std::sort(candidates.begin(), candidates.begin() + prefix, KeyOrder);
      if (prefix == n || DistinctPrefix(candidates, prefix) >= want) break;
      prefix = std::min(n, prefix * 2);
    }
    candidates.resize(prefix);
  }
  // Sorted: the first candidate of each key is its winning version.
  auto keys_end = std::unique(candidates.begin(), candidates.end(),
                              [](const QueryCandidate& a, const QueryCandidate& b) { return a.pk == b.pk; });
  candidates.erase(keys_end, candidates.end());
  const size_t begin = std::min(offset, candidates.size());
  const size_t end = limit ? begin + std::min(*limit, candidates.size() - begin) : candidates.size();
  candidates.erase(candidates.begin() + static_cast<ptrdiff_t>(end), candidates.end());
  candidates.erase(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(begin));
  return candidates;
}

size_t CountDistinctKeys(const std::vector<QueryCandidate>& candidates) {
  std::unordered_set<segment::PrimaryKey, segment::PrimaryKeyHash> keys;
  keys.reserve(candidates.size());
  for (const auto& c : candidates) keys.insert(c.pk);
  return keys.size();
}

}  // namespace quiver::exec
