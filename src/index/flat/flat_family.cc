// The FLAT family behind the VectorIndex contract: a copy of the vectors (as floats) searched
// exactly by FlatSearch. Sealed segments normally search their own column instead (FLAT needs no
// index file); this family serves the contract, the recall suite and the benchmarks.

#include <cstring>

#include "common/coding.h"
#include "index/families.h"
#include "index/flat/flat_search.h"

namespace quiver::index {

namespace {

class FlatIndex final : public VectorIndex {
 public:
  FlatIndex(MetricType metric, schema::DataType type, size_t dim, std::vector<float> data)
      : metric_(metric), type_(type), dim_(dim), data_(std::move(data)) {
    if (metric_ == MetricType::kCosine) inverse_norms_ = InverseNorms(data_.data(), size(), dim_);
  }

  std::string_view family() const override { return "FLAT"; }
  MetricType metric() const override { return metric_; }
  schema::DataType vector_type() const override { return type_; }
  size_t dim() const override { return dim_; }
  size_t size() const override { return dim_ == 0 ? 0 : data_.size() / dim_; }
  size_t MemoryBytes() const override { return (data_.size() + inverse_norms_.size()) * sizeof(float); }

  Status Search(const VectorView& queries, const SearchOptions& options, std::vector<TopK>* heaps) const override {
    QUIVER_RETURN_IF_ERROR(CheckQueries(*this, queries, *heaps));
    FlatSearchParams params{metric_, dim_, options.radius, options.range_filter};
    if (metric_ == MetricType::kCosine) params.inverse_norms = inverse_norms_.data();
    std::vector<float> raw = ToFloats(queries);
    std::vector<float> prepared = PrepareQueries(params, raw);
    return FlatSearch(params, prepared, data_.data(), size(), options.allowed, 0, 0, heaps);
  }

  std::string SerializePayload() const override {
    std::string out;
    PutVarint64(&out, size());
    out.append(reinterpret_cast<const char*>(data_.data()), data_.size() * sizeof(float));
    return out;
  }

 private:
  MetricType metric_;
  schema::DataType type_;
  size_t dim_;
  std::vector<float> data_;
  std::vector<float> inverse_norms_;
};

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildFlat(const IndexBuildSpec& spec, const VectorView& data, ThreadPool*,
                                               const ProgressFn& progress) {
  auto index = std::make_unique<FlatIndex>(spec.metric, spec.vector_type, spec.dim, ToFloats(data));
  if (progress && !progress(1.0)) return Status::Aborted("index build cancelled");
  return std::unique_ptr<VectorIndex>(std::move(index));
}

Result<std::unique_ptr<VectorIndex>> LoadFlat(std::string_view payload, MetricType metric, schema::DataType type,
                                              size_t dim,
    const std::shared_ptr<const void>& backing) {
  Decoder in(payload);
  uint64_t rows;
  std::string_view raw;
  if (dim == 0 || !in.GetVarint64(&rows) || rows > payload.size() || !in.GetBytes(rows * dim * sizeof(float), &raw)) {
    return Status::Corruption("FLAT index payload malformed");
  }
  std::vector<float> data(rows * dim);
  if (!raw.empty()) std::memcpy(data.data(), raw.data(), raw.size());
  return std::unique_ptr<VectorIndex>(std::make_unique<FlatIndex>(metric, type, dim, std::move(data)));
}

}  // namespace quiver::index
