#pragma once

// Which hits of a vector search count besides "the best k": a distance range and the bound of a
// search iterator page. One type from the proxy's request (cluster::SearchRequest) through the
// querynode to the execution of each segment (exec::VectorSearchRequest).

#include <optional>

#include "segment/segment.h"

namespace quiver::segment {

struct SearchWindow {
  // Range search: hits within [range_filter, radius) by the metric's order; either may be absent.
  std::optional<float> radius;
  std::optional<float> range_filter;
  // A search iterator page: hits in exact (distance, primary key) order, ties at equal distance
  // included, and only those after (after_distance, after_pk) in that order; without after_pk
  // every hit at exactly after_distance is left out. Consecutive pages of an exact search then
  // neither repeat nor skip a hit.
  bool iterator = false;
  std::optional<float> after_distance;
  std::optional<PrimaryKey> after_pk;
};

}  // namespace quiver::segment
