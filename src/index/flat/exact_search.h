#pragma once

// Exact search for every vector type: the search path of growing segments and of sealed segments
// without a built index. FloatVector goes through FlatSearch; Float16/BFloat16 are widened to
// float; BinaryVector uses the popcount kernels (HAMMING, JACCARD); SparseFloatVector computes
// the inner product of the shared dimensions (rows sharing none do not score, as in the index).

#include "index/vector_index.h"

namespace quiver::index {

// Row r of `base` is considered only if `allowed` is null or has bit `allowed_offset + r`; its
// hit id is `id_base + r`. (*heaps)[q] receives query q's hits. Range bounds in `options` are
// applied; options.k and options.params are not used (the heaps carry k).
// InvalidArgument if the types, dimensions or metric do not fit together.
Status ExactSearch(MetricType metric, const VectorView& base, const VectorView& queries, const SearchOptions& options,
                   size_t allowed_offset, int64_t id_base, std::vector<TopK>* heaps);

}  // namespace quiver::index
