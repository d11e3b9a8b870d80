// SPARSE_INVERTED_INDEX for SparseFloatVector fields with IP: one posting list per dimension
// (row ids and values). A query accumulates value products over the posting lists of its own
// non-zero dimensions; only rows sharing a dimension with the query can score, as in Milvus.
// drop_ratio_build drops each row's smallest |values| (that fraction of them) at build;
// drop_ratio_search does the same to the query.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "common/coding.h"
#include "index/families.h"

namespace quiver::index {

namespace {

using Pair = std::pair<uint32_t, float>;  // (dimension, value)

// Keeps the largest |value|s, dropping `ratio` of the pairs.
void Drop(std::vector<Pair>* pairs, double ratio) {
  size_t drop = static_cast<size_t>(static_cast<double>(pairs->size()) * ratio);
  if (drop == 0) return;
  std::sort(pairs->begin(), pairs->end(), [](const Pair& a, const Pair& b) { return std::fabs(a.second) > std::fabs(b.second); });
  pairs->resize(pairs->size() - drop);
}

class SparseIndex final : public VectorIndex {
 public:
  std::string_view family() const override { return "SPARSE_INVERTED_INDEX"; }
  MetricType metric() const override { return MetricType::kIP; }
  schema::DataType vector_type() const override { return schema::DataType::kSparseFloatVector; }
  size_t dim() const override { return 0; }
  size_t size() const override { return rows_; }
  size_t MemoryBytes() const override {
    size_t bytes = 0;
    for (const auto& [dim, list] : postings_) bytes += 16 + list.rows.size() * 4 + list.values.size() * 4;
    return bytes;
  }

  void Build(const VectorView& data, double drop_ratio) {
    rows_ = data.rows;
    for (size_t r = 0; r < data.rows; ++r) {
      std::vector<Pair> pairs = SparseRow(data, r);
      Drop(&pairs, drop_ratio);
      for (const Pair& p : pairs) {
        Posting& list = postings_[p.first];
        list.rows.push_back(static_cast<uint32_t>(r));
        list.values.push_back(p.second);
      }
    }
  }

  Status Search(const VectorView& queries, const SearchOptions& options, std::vector<TopK>* heaps) const override {
    QUIVER_RETURN_IF_ERROR(CheckQueries(*this, queries, *heaps));
    if (options.allowed != nullptr && options.allowed->size() != rows_) {
      return Status::InvalidArgument("filter bitset does not match the index size");
    }
    thread_local std::vector<float> scores;
    thread_local std::vector<uint8_t> touched_mark;
    std::vector<uint32_t> touched;
    scores.assign(rows_, 0.0f);
    touched_mark.assign(rows_, 0);
    for (size_t q = 0; q < queries.rows; ++q) {
      std::vector<Pair> pairs = SparseRow(queries, q);
      Drop(&pairs, options.Param("drop_ratio_search", 0));
      touched.clear();
      for (const Pair& p : pairs) {
        auto it = postings_.find(p.first);
        if (it == postings_.end()) continue;
        const Posting& list = it->second;
        for (size_t i = 0; i < list.rows.size(); ++i) {
          uint32_t row = list.rows[i];
          if (!touched_mark[row]) {
            touched_mark[row] = 1;
            touched.push_back(row);
          }
          scores[row] += p.second * list.values[i];
        }
      }
      for (uint32_t row : touched) {
        if (options.allowed == nullptr || options.allowed->Test(row)) (*heaps)[q].Push(scores[row], row);
        scores[row] = 0;
        touched_mark[row] = 0;
      }
    }
    return Status::OK();
  }

  std::string SerializePayload() const override {
    std::string out;
    PutVarint64(&out, rows_);
    PutVarint64(&out, postings_.size());
    for (const auto& [dim, list] : postings_) {
      PutVarint64(&out, dim);
      PutVarint64(&out, list.rows.size());
      out.append(reinterpret_cast<const char*>(list.rows.data()), list.rows.size() * 4);
      out.append(reinterpret_cast<const char*>(list.values.data()), list.values.size() * 4);
    }
    return out;
  }

  Status Parse(std::string_view payload) {
    Decoder in(payload);
    uint64_t rows, lists;
    auto fail = [] { return Status::Corruption("sparse index payload malformed"); };
    if (!in.GetVarint64(&rows) || !in.GetVarint64(&lists) || lists > payload.size()) return fail();
    rows_ = rows;
    for (uint64_t l = 0; l < lists; ++l) {
      uint64_t dim, count;
      std::string_view ids, values;
      if (!in.GetVarint64(&dim) || dim > 0xFFFFFFFFu || !in.GetVarint64(&count) || count > payload.size() ||
          !in.GetBytes(count * 4, &ids) || !in.GetBytes(count * 4, &values)) {
        return fail();
      }
      Posting& list = postings_[static_cast<uint32_t>(dim)];
      list.rows.resize(count);
      list.values.resize(count);
      if (count > 0) {
        std::memcpy(list.rows.data(), ids.data(), ids.size());
        std::memcpy(list.values.data(), values.data(), values.size());
      }
      for (uint32_t r : list.rows) {
        if (r >= rows_) return fail();
      }
    }
    return Status::OK();
  }

 private:
  struct Posting {
    std::vector<uint32_t> rows;
    std::vector<float> values;
  };
  size_t rows_ = 0;
  std::unordered_map<uint32_t, Posting> postings_;
};

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildSparseInverted(const IndexBuildSpec& spec, const VectorView& data, ThreadPool*,
                                                         const ProgressFn& progress) {
  if (data.offsets == nullptr && data.rows > 0) return Status::InvalidArgument("sparse vectors need row offsets");
  auto index = std::make_unique<SparseIndex>();
  index->Build(data, spec.Param("drop_ratio_build", 0));
  if (progress && !progress(1.0)) return Status::Aborted("index build cancelled");
  return std::unique_ptr<VectorIndex>(std::move(index));
}

Result<std::unique_ptr<VectorIndex>> LoadSparseInverted(std::string_view payload, MetricType, schema::DataType, size_t,
    const std::shared_ptr<const void>& backing) {
  auto index = std::make_unique<SparseIndex>();
  QUIVER_RETURN_IF_ERROR(index->Parse(payload));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

}  // namespace quiver::index
