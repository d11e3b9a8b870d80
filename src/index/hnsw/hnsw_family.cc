// The HNSW family behind the VectorIndex contract. Float16/BFloat16 vectors are widened to
// float at build time and per query, so the graph and the kernels are the float ones.

#include "index/families.h"
#include "index/hnsw/hnsw.h"

namespace quiver::index {

namespace {

class HnswFamily final : public VectorIndex {
 public:
  HnswFamily(schema::DataType type, std::unique_ptr<HnswIndex> impl) : type_(type), impl_(std::move(impl)) {}

  std::string_view family() const override { return "HNSW"; }
  MetricType metric() const override { return impl_->metric(); }
  schema::DataType vector_type() const override { return type_; }
  size_t dim() const override { return impl_->dim(); }
  size_t size() const override { return impl_->size(); }
  size_t MemoryBytes() const override { return impl_->MemoryBytes(); }

  Status Search(const VectorView& queries, const SearchOptions& options, std::vector<TopK>* heaps) const override {
    QUIVER_RETURN_IF_ERROR(CheckQueries(*this, queries, *heaps));
    if (options.allowed != nullptr && options.allowed->size() != size()) {
      return Status::InvalidArgument("filter bitset does not match the index size");
    }
    size_t ef = static_cast<size_t>(options.Param("ef", 64));
    if (queries.type == schema::DataType::kFloatVector) {
      const float* q = static_cast<const float*>(queries.data);
      for (size_t i = 0; i < queries.rows; ++i) {
        impl_->Search(q + i * dim(), (*heaps)[i].k(), ef, options.allowed, &(*heaps)[i]);
      }
      return Status::OK();
    }
    std::vector<float> q = ToFloats(queries);
    for (size_t i = 0; i < queries.rows; ++i) {
      impl_->Search(q.data() + i * dim(), (*heaps)[i].k(), ef, options.allowed, &(*heaps)[i]);
    }
    return Status::OK();
  }

  std::string SerializePayload() const override { return impl_->Serialize(); }

 private:
  schema::DataType type_;
  std::unique_ptr<HnswIndex> impl_;
};

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildHnsw(const IndexBuildSpec& spec, const VectorView& data, ThreadPool* pool,
                                               const ProgressFn& progress) {
  HnswParams params;
  params.m = static_cast<size_t>(spec.Param("M", 16));
  params.ef_construction = static_cast<size_t>(spec.Param("efConstruction", 200));
  QUIVER_ASSIGN_OR_RETURN(auto impl, HnswIndex::Create(spec.metric, spec.dim, params));
  if (data.type == schema::DataType::kFloatVector) {
    QUIVER_RETURN_IF_ERROR(impl->Build(static_cast<const float*>(data.data), data.rows, pool, progress));
  } else {
    std::vector<float> floats = ToFloats(data);
    QUIVER_RETURN_IF_ERROR(impl->Build(floats.data(), data.rows, pool, progress));
  }
  return std::unique_ptr<VectorIndex>(std::make_unique<HnswFamily>(spec.vector_type, std::move(impl)));
}

Result<std::unique_ptr<VectorIndex>> LoadHnsw(std::string_view payload, MetricType metric, schema::DataType type,
                                              size_t dim,
    const std::shared_ptr<const void>& backing) {
  QUIVER_ASSIGN_OR_RETURN(auto impl, HnswIndex::Deserialize(payload, backing));
  if (impl->metric() != metric || impl->dim() != dim) return Status::Corruption("HNSW payload disagrees with its header");
  return std::unique_ptr<VectorIndex>(std::make_unique<HnswFamily>(type, std::move(impl)));
}

}  // namespace quiver::index
