#pragma once

// Build and load functions of the implemented index families, registered by name in
// registry.cc. Each pair lives beside its family (flat/, hnsw/, ivf/, binary/, sparse/).

#include "index/vector_index.h"

namespace quiver::index {

#define QUIVER_DECLARE_FAMILY(Name)                                                                           \
  Result<std::unique_ptr<VectorIndex>> Build##Name(const IndexBuildSpec& spec, const VectorView& data,       \
                                                   ThreadPool* pool, const ProgressFn& progress);           \
  Result<std::unique_ptr<VectorIndex>> Load##Name(std::string_view payload, MetricType metric,              \
                                                  schema::DataType type, size_t dim,                        \
                                                  const std::shared_ptr<const void>& backing);

QUIVER_DECLARE_FAMILY(Flat)
QUIVER_DECLARE_FAMILY(Hnsw)
QUIVER_DECLARE_FAMILY(Ivf)
QUIVER_DECLARE_FAMILY(BinaryFlat)
QUIVER_DECLARE_FAMILY(BinaryIvf)
QUIVER_DECLARE_FAMILY(SparseInverted)

#undef QUIVER_DECLARE_FAMILY

// Checks that `queries` match an index's vector type and dimension (and that there is one heap
// per query). InvalidArgument otherwise.
Status CheckQueries(const VectorIndex& index, const VectorView& queries, const std::vector<TopK>& heaps);

}  // namespace quiver::index
