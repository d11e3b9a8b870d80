#pragma once

// The contract every vector index family implements (STYLE.md §3.5). An index is built from the
// vector column of one sealed segment, serialized into one index file, loaded back by the
// querynode, and searched in batches with a bitset of allowed rows (filter, visibility and
// deletes already applied by the caller). Hit ids are row offsets in the segment.
//
// Families are registered by name in index/registry.cc with their parameters, a build function
// and a load function; BuildVectorIndex / LoadVectorIndex dispatch through that table. Adapters
// around third-party code (FAISS k-means) catch its exceptions and return a Status.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bitset.h"
#include "common/status.h"
#include "common/thread_pool.h"
#include "index/distance.h"
#include "index/topk.h"
#include "schema/column.h"
#include "schema/types.h"

namespace quiver::index {

// Raw vectors of one column, as the segment stores them: FloatVector (4 bytes per element),
// Float16Vector / BFloat16Vector (2 bytes per element), BinaryVector (dim bits, dim / 8 bytes),
// or SparseFloatVector (row r is the (uint32 index, float value) pairs between offsets[r] and
// offsets[r + 1] bytes of `data`; dim is unused).
struct VectorView {
  schema::DataType type = schema::DataType::kFloatVector;
  const void* data = nullptr;
  size_t rows = 0;
  size_t dim = 0;
  const uint64_t* offsets = nullptr;  // sparse only: rows + 1 byte offsets

  // Bytes per row of the dense types (0 for sparse).
  size_t RowBytes() const;
  const uint8_t* Row(size_t r) const { return static_cast<const uint8_t*>(data) + r * RowBytes(); }
};

// The query vectors of one search, owned, as they reach the index: float32 rows for FloatVector
// fields and for float32 queries on Float16/BFloat16 fields (searched at full precision), the
// rows as the column stores them otherwise (sparse: nq + 1 byte offsets into `raw`).
struct QueryBatch {
  schema::DataType field_type = schema::DataType::kFloatVector;  // of the field searched
  size_t dim = 0;
  std::vector<float> floats;
  std::string raw;
  std::vector<uint64_t> sparse_offsets;

  size_t nq() const;
  VectorView View() const;
};

// The vectors of a column chunk (its first `rows` rows), sparse offsets included.
VectorView ColumnVectors(const schema::ColumnChunk& column, size_t rows);

// Row `row` of a SparseFloatVector view as (index, value) pairs, in stored order.
std::vector<std::pair<uint32_t, float>> SparseRow(const VectorView& view, size_t row);

// Decodes `view` (FloatVector, Float16Vector or BFloat16Vector) into floats; copies for float.
std::vector<float> ToFloats(const VectorView& view);
float HalfToFloat(uint16_t h);
float BFloat16ToFloat(uint16_t b);
uint16_t FloatToHalf(float f);
uint16_t FloatToBFloat16(float f);

// Whether queries of type `query` can search rows of type `data`: the same type, or float32
// queries on Float16/BFloat16 rows (searched at full precision).
bool QueriesFit(schema::DataType query, schema::DataType data);

// params[name], or `fallback` when absent.
double ParamOr(const std::map<std::string, double>& params, std::string_view name, double fallback);

// What a search needs besides the queries. `params` holds search-phase parameters (ef, nprobe),
// missing ones take their registered defaults.
struct SearchOptions {
  size_t k = 10;
  std::map<std::string, double> params;
  const Bitset* allowed = nullptr;  // null = every row; otherwise size() == index size()
  // Range search (Milvus semantics, see FlatSearchParams): hits outside are dropped.
  std::optional<float> radius;
  std::optional<float> range_filter;

  double Param(std::string_view name, double fallback) const { return ParamOr(params, name, fallback); }
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual std::string_view family() const = 0;
  virtual MetricType metric() const = 0;
  virtual schema::DataType vector_type() const = 0;
  virtual size_t dim() const = 0;
  virtual size_t size() const = 0;
  virtual size_t MemoryBytes() const = 0;

  // Searches `queries` (nq rows of this index's vector type, raw: COSINE queries need not be
  // normalized). (*heaps)[q] receives query q's best hits, at most its capacity; distances are
  // in the metric's own terms (L2 squared, IP, COSINE, HAMMING, JACCARD). Thread-safe.
  // InvalidArgument if the query size does not match.
  virtual Status Search(const VectorView& queries, const SearchOptions& options, std::vector<TopK>* heaps) const = 0;

  // The family's serialized payload (LoadVectorIndex reads it back through the envelope that
  // SerializeVectorIndex adds).
  virtual std::string SerializePayload() const = 0;
};

// Build parameters after validation: the family (AUTOINDEX and aliases already resolved), the
// metric, the vector type and dimension, and numeric parameters by name.
struct IndexBuildSpec {
  std::string family;
  MetricType metric = MetricType::kL2;
  schema::DataType vector_type = schema::DataType::kFloatVector;
  size_t dim = 0;
  std::map<std::string, double> params;

  double Param(std::string_view name, double fallback) const { return ParamOr(params, name, fallback); }
};

// Build progress in [0, 1], called from any build thread; may be empty. Returning false cancels
// the build, which then ends with Aborted.
using ProgressFn = std::function<bool(double)>;

// Builds an index of `spec.family` over `data` (data.type must match spec.vector_type).
// InvalidArgument for unsupported combinations; Internal if a third-party library failed.
Result<std::unique_ptr<VectorIndex>> BuildVectorIndex(const IndexBuildSpec& spec, const VectorView& data,
                                                      ThreadPool* pool, const ProgressFn& progress);

// The index file: a header naming the family, the family payload (starting 64-byte aligned), and
// a checksum. Layout in docs/design/indexes.md.
std::string SerializeVectorIndex(const VectorIndex& index);
// Corruption if the file is damaged; InvalidArgument for an unknown family. When `backing`
// keeps `file` alive (a memory-mapped object), families may reference the file in place instead
// of copying it (HNSW does: its vectors and links stay in the page cache).
Result<std::unique_ptr<VectorIndex>> LoadVectorIndex(std::string_view file,
                                                     std::shared_ptr<const void> backing = nullptr);

// Range search on top of Search: asks for more hits until the worst one falls outside the
// outer bound (radius), `options.k` of them are in range, or every allowed row was returned,
// then keeps the best `options.k` within [range_filter, radius). Either bound may be absent (an
// inner bound alone is how search iterators skip earlier pages). Works for every family; exact
// when the family is.
Status RangeSearch(const VectorIndex& index, const VectorView& queries, const SearchOptions& options,
                   std::vector<std::vector<Hit>>* out);

}  // namespace quiver::index
