// BIN_FLAT and BIN_IVF_FLAT for BinaryVector fields, with HAMMING (differing bits) and JACCARD
// (1 - |a & b| / |a | b|) distances; both are smaller-is-better.
//
// BIN_IVF_FLAT trains its cells by k-means on the bits expanded to 0/1 floats (squared L2 on
// 0/1 vectors is the Hamming distance), rounds the centroids back to bits, and assigns each
// vector to the centroid nearest by the index metric. Search probes the nprobe nearest cells
// (more while a filter leaves the top k short; all of them for a filter passing fewer rows than
// that) and scans their codes with the popcount kernels.

#include <algorithm>
#include <cstring>
#include <numeric>

#include "common/coding.h"
#include "index/families.h"
#include "index/ivf/kmeans.h"

namespace quiver::index {

namespace {

class BinaryIndex final : public VectorIndex {
 public:
  BinaryIndex(bool ivf, MetricType metric, size_t dim)
      : ivf_(ivf), metric_(metric), dim_(dim), bytes_(dim / 8), kernels_(&Kernels()) {}

  std::string_view family() const override { return ivf_ ? "BIN_IVF_FLAT" : "BIN_FLAT"; }
  MetricType metric() const override { return metric_; }
  schema::DataType vector_type() const override { return schema::DataType::kBinaryVector; }
  size_t dim() const override { return dim_; }
  size_t size() const override { return rows_; }
  size_t MemoryBytes() const override { return codes_.size() + centroids_.size() + ids_.size() * 4 + starts_.size() * 8; }

  float Distance(const uint8_t* a, const uint8_t* b) const { return BinaryDistance(*kernels_, metric_, a, b, bytes_); }

  Status Build(const VectorView& data, size_t nlist, ThreadPool* pool, const ProgressFn& progress) {
    rows_ = data.rows;
    const uint8_t* in = static_cast<const uint8_t*>(data.data);
    if (!ivf_ || rows_ == 0) {
      codes_.assign(in, in + rows_ * bytes_);
      ids_.resize(rows_);
      std::iota(ids_.begin(), ids_.end(), 0);
      starts_ = {0, rows_};
      centroids_.assign(bytes_, 0);
      if (progress && !progress(1.0)) return Status::Aborted("binary index build cancelled");
      return Status::OK();
    }
    size_t k = std::min(nlist, rows_);
    std::vector<float> bits(rows_ * dim_);
    for (size_t i = 0; i < rows_; ++i) {
      for (size_t b = 0; b < dim_; ++b) bits[i * dim_ + b] = static_cast<float>((in[i * bytes_ + b / 8] >> (b % 8)) & 1);
    }
    QUIVER_ASSIGN_OR_RETURN(std::vector<float> centroids, TrainKMeans(bits.data(), rows_, dim_, k, 4321));
    if (progress && !progress(0.5)) return Status::Aborted("binary index build cancelled");
    centroids_.assign(k * bytes_, 0);
    for (size_t c = 0; c < k; ++c) {
      for (size_t b = 0; b < dim_; ++b) {
        if (centroids[c * dim_ + b] > 0.5f) centroids_[c * bytes_ + b / 8] |= static_cast<uint8_t>(1u << (b % 8));
      }
    }
    std::vector<uint32_t> assign(rows_);
    auto run = [&](size_t i) {
      float best = 0;
      for (size_t c = 0; c < k; ++c) {
        float d = Distance(in + i * bytes_, centroids_.data() + c * bytes_);
        if (c == 0 || d < best) {
          best = d;
          assign[i] = static_cast<uint32_t>(c);
        }
      }
    };
    if (pool != nullptr) {
      pool->ParallelFor(rows_, run);
    } else {
      for (size_t i = 0; i < rows_; ++i) run(i);
    }
    starts_.assign(k + 1, 0);
    for (uint32_t a : assign) ++starts_[a + 1];
    std::partial_sum(starts_.begin(), starts_.end(), starts_.begin());
    std::vector<size_t> fill(starts_.begin(), starts_.end() - 1);
    ids_.resize(rows_);
    codes_.resize(rows_ * bytes_);
    for (size_t i = 0; i < rows_; ++i) {
      size_t slot = fill[assign[i]]++;
      ids_[slot] = static_cast<uint32_t>(i);
      std::memcpy(codes_.data() + slot * bytes_, in + i * bytes_, bytes_);
    }
    if (progress && !progress(1.0)) return Status::Aborted("binary index build cancelled");
    return Status::OK();
  }

  Status Search(const VectorView& queries, const SearchOptions& options, std::vector<TopK>* heaps) const override {
    QUIVER_RETURN_IF_ERROR(CheckQueries(*this, queries, *heaps));
    if (options.allowed != nullptr && options.allowed->size() != rows_) {
      return Status::InvalidArgument("filter bitset does not match the index size");
    }
    size_t cells = starts_.size() - 1;
    size_t nprobe = ivf_ ? std::clamp<size_t>(static_cast<size_t>(options.Param("nprobe", 8)), 1, cells) : cells;
    // As in IVF: a filter passing fewer rows than nprobe cells hold visits every cell.
    if (options.allowed != nullptr && options.allowed->Count() * cells <= rows_ * nprobe) nprobe = cells;
    for (size_t q = 0; q < queries.rows; ++q) {
      const uint8_t* query = queries.Row(q);
      TopK& heap = (*heaps)[q];
      std::vector<std::pair<float, uint32_t>> order(cells);
      for (size_t c = 0; c < cells; ++c) {
        order[c] = {ivf_ ? Distance(query, centroids_.data() + c * bytes_) : 0.0f, static_cast<uint32_t>(c)};
      }
      std::sort(order.begin(), order.end());
      for (size_t r = 0; r < cells; ++r) {
        if (r >= nprobe && (options.allowed == nullptr || heap.full())) break;
        uint32_t c = order[r].second;
        for (size_t slot = starts_[c]; slot < starts_[c + 1]; ++slot) {
          uint32_t id = ids_[slot];
          if (options.allowed != nullptr && !options.allowed->Test(id)) continue;
          float d = Distance(query, codes_.data() + slot * bytes_);
          if (heap.WouldAccept(d)) heap.Push(d, id);
        }
      }
    }
    return Status::OK();
  }

  std::string SerializePayload() const override {
    std::string out;
    out.push_back(ivf_ ? 1 : 0);
    PutVarint64(&out, rows_);
    PutVarint64(&out, starts_.size());
    for (size_t s : starts_) PutVarint64(&out, s);
    PutLengthPrefixed(&out, std::string_view(reinterpret_cast<const char*>(centroids_.data()), centroids_.size()));
    out.append(reinterpret_cast<const char*>(ids_.data()), ids_.size() * 4);
    out.append(reinterpret_cast<const char*>(codes_.data()), codes_.size());
    return out;
  }

  Status Parse(std::string_view payload) {
    Decoder in(payload.substr(1));
    uint64_t rows, nstarts;
    std::string_view centroids, ids, codes;
    auto fail = [] { return Status::Corruption("binary index payload malformed"); };
    if (bytes_ == 0 || !in.GetVarint64(&rows) || !in.GetVarint64(&nstarts) || nstarts < 2 || nstarts > payload.size()) {
      return fail();
    }
    starts_.resize(nstarts);
    for (auto& s : starts_) {
      uint64_t v;
      if (!in.GetVarint64(&v) || v > rows) return fail();
      s = v;
    }
    if (starts_.front() != 0 || starts_.back() != rows || !std::is_sorted(starts_.begin(), starts_.end())) return fail();
    if (!in.GetLengthPrefixed(&centroids) || centroids.size() != (nstarts - 1) * bytes_ || rows > payload.size() ||
        !in.GetBytes(rows * 4, &ids) || !in.GetBytes(rows * bytes_, &codes)) {
      return fail();
    }
    rows_ = rows;
    centroids_.assign(centroids.begin(), centroids.end());
    ids_.resize(rows);
    if (rows > 0) std::memcpy(ids_.data(), ids.data(), ids.size());
    codes_.assign(codes.begin(), codes.end());
    for (uint32_t id : ids_) {
      if (id >= rows_) return fail();
    }
    return Status::OK();
  }

 private:
  bool ivf_;
  MetricType metric_;
  size_t dim_, bytes_;
  const DistanceKernels* kernels_;
  size_t rows_ = 0;
  std::vector<uint8_t> centroids_;  // cells * bytes
  std::vector<size_t> starts_;      // cells + 1 slot offsets
  std::vector<uint32_t> ids_;       // by slot
  std::vector<uint8_t> codes_;      // by slot
};

Result<std::unique_ptr<VectorIndex>> BuildBinary(bool ivf, const IndexBuildSpec& spec, const VectorView& data,
                                                 ThreadPool* pool, const ProgressFn& progress) {
  if (spec.dim == 0 || spec.dim % 8 != 0) return Status::InvalidArgument("binary vector dimension must be a multiple of 8");
  auto index = std::make_unique<BinaryIndex>(ivf, spec.metric, spec.dim);
  QUIVER_RETURN_IF_ERROR(index->Build(data, static_cast<size_t>(spec.Param("nlist", 128)), pool, progress));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

Result<std::unique_ptr<VectorIndex>> LoadBinary(std::string_view payload, MetricType metric, size_t dim) {
  if (payload.empty() || dim % 8 != 0) return Status::Corruption("binary index payload malformed");
  auto index = std::make_unique<BinaryIndex>(payload[0] == 1, metric, dim);
  QUIVER_RETURN_IF_ERROR(index->Parse(payload));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildBinaryFlat(const IndexBuildSpec& spec, const VectorView& data, ThreadPool* pool,
                                                     const ProgressFn& progress) {
  return BuildBinary(false, spec, data, pool, progress);
}
Result<std::unique_ptr<VectorIndex>> BuildBinaryIvf(const IndexBuildSpec& spec, const VectorView& data, ThreadPool* pool,
                                                    const ProgressFn& progress) {
  return BuildBinary(true, spec, data, pool, progress);
}
Result<std::unique_ptr<VectorIndex>> LoadBinaryFlat(std::string_view payload, MetricType metric, schema::DataType,
                                                    size_t dim,
    const std::shared_ptr<const void>& backing) {
  return LoadBinary(payload, metric, dim);
}
Result<std::unique_ptr<VectorIndex>> LoadBinaryIvf(std::string_view payload, MetricType metric, schema::DataType,
                                                   size_t dim,
    const std::shared_ptr<const void>& backing) {
  return LoadBinary(payload, metric, dim);
}

}  // namespace quiver::index
