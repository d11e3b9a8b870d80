// IVF_FLAT, IVF_SQ8 and IVF_PQ: an inverted file over k-means cells.
//
// Build: coarse centroids by FAISS k-means (kmeans.h); every vector goes to its best cell by the
// index metric (COSINE vectors are normalized first and then treated as IP). Each cell keeps its
// row ids and codes contiguously:
//   - IVF_FLAT: the float vectors;
//   - IVF_SQ8:  one byte per element of the residual x - centroid, decoded as
//               vmin[d] + code * vscale[d] with per-dimension ranges of the segment's residuals;
//   - IVF_PQ:   m sub-quantizer codes (nbits <= 8, one byte each) of the residual x - centroid,
//               each sub-quantizer trained by k-means on its slice of the residuals.
// Search: the nprobe best cells by the query (Quiver kernels), then a scan of their codes with
// Quiver's SIMD kernels (FLAT: l2/ip batch; SQ8: sq8 kernels; PQ: table lookups, the query's
// table built once with the batch kernels plus, for L2, per-cell terms computed at build as
// FAISS's precomputed tables do). With a filter, cells keep being probed
// in order until k allowed rows were found, so a selective filter still fills the top k, and a
// filter passing fewer rows than the probed cells hold visits every cell (comparing only the
// allowed rows), which costs no more and misses nothing.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "common/coding.h"
#include "index/families.h"
#include "index/ivf/kmeans.h"

namespace quiver::index {

namespace {

enum class Codec : uint8_t { kFlat = 0, kSq8 = 1, kPq = 2 };

struct Cell {
  std::vector<uint32_t> ids;
  std::vector<float> floats;   // IVF_FLAT
  std::vector<uint8_t> codes;  // IVF_SQ8 (dim bytes per row), IVF_PQ (m bytes per row)
};

class IvfIndex final : public VectorIndex {
 public:
  IvfIndex(Codec codec, MetricType metric, schema::DataType type, size_t dim)
      : codec_(codec), metric_(metric), type_(type), dim_(dim), kernels_(&Kernels()) {}

  std::string_view family() const override {
    return codec_ == Codec::kFlat ? "IVF_FLAT" : codec_ == Codec::kSq8 ? "IVF_SQ8" : "IVF_PQ";
  }
  MetricType metric() const override { return metric_; }
  schema::DataType vector_type() const override { return type_; }
  size_t dim() const override { return dim_; }
  size_t size() const override { return rows_; }
  size_t MemoryBytes() const override {
    size_t bytes = (centroids_.size() + vmin_.size() + vscale_.size() + pq_centroids_.size() + cell_terms_.size()) * sizeof(float);
    for (const Cell& c : cells_) bytes += c.ids.size() * 4 + c.floats.size() * 4 + c.codes.size();
    return bytes;
  }

  Status Build(const VectorView& data, size_t nlist, size_t m, size_t nbits, ThreadPool* pool, const ProgressFn& progress);
  Status Search(const VectorView& queries, const SearchOptions& options, std::vector<TopK>* heaps) const override;
  std::string SerializePayload() const override;
  Status Parse(std::string_view payload);

 private:
  // Coarse and fine comparisons: L2, or IP for IP and (normalized) COSINE.
  MetricType inner_metric() const { return metric_ == MetricType::kL2 ? MetricType::kL2 : MetricType::kIP; }
  size_t nlist() const { return cells_.size(); }
  size_t ksub() const { return size_t{1} << nbits_; }
  size_t dsub() const { return dim_ / m_; }
  void ScanCell(const float* q, uint32_t cell, const Bitset* allowed, std::vector<float>* table, TopK* heap) const;
  void TrainPq(const std::vector<float>& residuals, size_t n, uint64_t seed, Status* status);
  // L2 PQ: |r|^2 + 2<c, r> per cell, sub-quantizer and code, when that table stays small.
  void PrecomputeCellTerms();

  Codec codec_;
  MetricType metric_;
  schema::DataType type_;
  size_t dim_;
  const DistanceKernels* kernels_;
  size_t rows_ = 0;
  std::vector<float> centroids_;      // nlist * dim
  std::vector<Cell> cells_;
  std::vector<float> vmin_, vscale_;  // SQ8
  size_t m_ = 0, nbits_ = 0;          // PQ
  std::vector<float> pq_centroids_;   // m * ksub * dsub
  std::vector<float> cell_terms_;     // nlist * m * ksub (L2 PQ), derived, not serialized
};

Status IvfIndex::Build(const VectorView& data, size_t nlist, size_t m, size_t nbits, ThreadPool* pool,
                       const ProgressFn& progress) {
  auto report = [&](double f) { return !progress || progress(f); };
  auto cancelled = [] { return Status::Aborted("IVF build cancelled"); };
  std::vector<float> x = ToFloats(data);
  size_t n = data.rows;
  rows_ = n;
  if (metric_ == MetricType::kCosine) {
    for (size_t i = 0; i < n; ++i) NormalizeInPlace(x.data() + i * dim_, dim_);
  }
  if (codec_ == Codec::kPq) {
    if (m == 0) {  // default: 4 dimensions per sub-quantizer, or the nearest divisor below
      size_t dsub = 4;
      while (dim_ % dsub != 0) --dsub;
      m = dim_ / dsub;
    }
    if (dim_ % m != 0) return Status::InvalidArgument("IVF_PQ needs dim % m == 0");
    m_ = m;
    nbits_ = nbits;
  }
  if (n == 0) {
    cells_.resize(1);
    centroids_.assign(dim_, 0.0f);
    if (codec_ == Codec::kSq8) {
      vmin_.assign(dim_, 0.0f);
      vscale_.assign(dim_, 0.0f);
    }
    if (codec_ == Codec::kPq) pq_centroids_.assign(m_ * ksub() * dsub(), 0.0f);
    return report(1.0) ? Status::OK() : cancelled();
  }
  size_t k = std::min(nlist, n);
  QUIVER_ASSIGN_OR_RETURN(centroids_, TrainKMeans(x.data(), n, dim_, k, 1234));
  if (!report(0.3)) return cancelled();
  std::vector<uint32_t> assign = AssignToCentroids(centroids_.data(), k, x.data(), n, dim_, inner_metric(), pool);
  if (!report(0.5)) return cancelled();
  cells_.assign(k, {});
  std::vector<size_t> counts(k, 0);
  for (uint32_t a : assign) ++counts[a];
  for (size_t c = 0; c < k; ++c) cells_[c].ids.reserve(counts[c]);
  for (size_t i = 0; i < n; ++i) cells_[assign[i]].ids.push_back(static_cast<uint32_t>(i));

  if (codec_ == Codec::kFlat) {
    for (Cell& cell : cells_) {
      cell.floats.resize(cell.ids.size() * dim_);
      for (size_t j = 0; j < cell.ids.size(); ++j) {
        std::memcpy(cell.floats.data() + j * dim_, x.data() + static_cast<size_t>(cell.ids[j]) * dim_, dim_ * 4);
      }
    }
  } else if (codec_ == Codec::kSq8) {
    // Residuals against the cell centroid span a much smaller range than the vectors, so the
    // same 8 bits quantize them several times more finely.
    for (size_t i = 0; i < n; ++i) {
      for (size_t d = 0; d < dim_; ++d) x[i * dim_ + d] -= centroids_[assign[i] * dim_ + d];
    }
    vmin_.assign(dim_, INFINITY);
    std::vector<float> vmax(dim_, -INFINITY);
    for (size_t i = 0; i < n; ++i) {
      for (size_t d = 0; d < dim_; ++d) {
        vmin_[d] = std::min(vmin_[d], x[i * dim_ + d]);
        vmax[d] = std::max(vmax[d], x[i * dim_ + d]);
      }
    }
    vscale_.resize(dim_);
    for (size_t d = 0; d < dim_; ++d) vscale_[d] = (vmax[d] - vmin_[d]) / 255.0f;
    for (Cell& cell : cells_) {
      cell.codes.resize(cell.ids.size() * dim_);
      for (size_t j = 0; j < cell.ids.size(); ++j) {
        const float* v = x.data() + static_cast<size_t>(cell.ids[j]) * dim_;
        uint8_t* code = cell.codes.data() + j * dim_;
        for (size_t d = 0; d < dim_; ++d) {
          float level = vscale_[d] > 0 ? std::round((v[d] - vmin_[d]) / vscale_[d]) : 0.0f;
          code[d] = static_cast<uint8_t>(std::clamp(level, 0.0f, 255.0f));
        }
      }
    }
  } else {
    // Residuals against each vector's cell, then one k-means per sub-space.
    std::vector<float> residuals(x.size());
    for (size_t i = 0; i < n; ++i) {
      for (size_t d = 0; d < dim_; ++d) residuals[i * dim_ + d] = x[i * dim_ + d] - centroids_[assign[i] * dim_ + d];
    }
    Status trained = Status::OK();
    TrainPq(residuals, n, 99, &trained);
    QUIVER_RETURN_IF_ERROR(trained);
    if (!report(0.75)) return cancelled();
    // Encode: nearest sub-centroid per slice, in parallel blocks.
    std::vector<uint8_t> codes(n * m_);
    constexpr size_t kBlock = 1024;
    size_t blocks = (n + kBlock - 1) / kBlock;
    auto encode = [&](size_t b) {
      std::vector<float> d(ksub());
      for (size_t i = b * kBlock; i < std::min(n, (b + 1) * kBlock); ++i) {
        for (size_t j = 0; j < m_; ++j) {
          kernels_->l2_batch(residuals.data() + i * dim_ + j * dsub(), pq_centroids_.data() + j * ksub() * dsub(), ksub(),
                             dsub(), d.data());
          codes[i * m_ + j] = static_cast<uint8_t>(std::min_element(d.begin(), d.end()) - d.begin());
        }
      }
    };
    if (pool != nullptr && blocks > 1) {
      pool->ParallelFor(blocks, encode);
    } else {
      for (size_t b = 0; b < blocks; ++b) encode(b);
    }
    for (Cell& cell : cells_) {
      cell.codes.resize(cell.ids.size() * m_);
      for (size_t j = 0; j < cell.ids.size(); ++j) {
        std::memcpy(cell.codes.data() + j * m_, codes.data() + static_cast<size_t>(cell.ids[j]) * m_, m_);
      }
    }
    PrecomputeCellTerms();
  }
  return report(1.0) ? Status::OK() : cancelled();
}

void IvfIndex::PrecomputeCellTerms() {
  cell_terms_.clear();
  if (codec_ != Codec::kPq || m_ == 0 || inner_metric() != MetricType::kL2) return;
  const size_t ks = ksub(), ds = dsub();
  if (nlist() * m_ * ks > (size_t{1} << 25)) return;
  cell_terms_.resize(nlist() * m_ * ks);
  for (size_t c = 0; c < nlist(); ++c) {
    const float* centroid = centroids_.data() + c * dim_;
    for (size_t j = 0; j < m_; ++j) {
      for (size_t k = 0; k < ks; ++k) {
        const float* r = pq_centroids_.data() + (j * ks + k) * ds;
        cell_terms_[(c * m_ + j) * ks + k] = kernels_->ip(r, r, ds) + 2 * kernels_->ip(centroid + j * ds, r, ds);
      }
    }
  }
}

void IvfIndex::TrainPq(const std::vector<float>& residuals, size_t n, uint64_t seed, Status* status) {
  const size_t ks = ksub(), ds = dsub();
  pq_centroids_.assign(m_ * ks * ds, 0.0f);
  size_t sample = std::min(n, ks * 64);  // FAISS's guidance is at least 39 points per centroid
  size_t stride = std::max<size_t>(1, n / sample);
  std::vector<float> slice(sample * ds);
  for (size_t j = 0; j < m_; ++j) {
    size_t rows = 0;
    for (size_t i = 0; i < n && rows < sample; i += stride, ++rows) {
      std::memcpy(slice.data() + rows * ds, residuals.data() + i * dim_ + j * ds, ds * 4);
    }
    size_t k = std::min(ks, rows);
    Result<std::vector<float>> trained = TrainKMeans(slice.data(), rows, ds, k, seed + j, 10);
    if (!trained.ok()) {
      *status = trained.status();
      return;
    }
    float* out = pq_centroids_.data() + j * ks * ds;
    std::copy(trained->begin(), trained->end(), out);
    // Fewer rows than codes: repeat the last centroid (never strictly nearer than the original).
    for (size_t c = k; c < ks; ++c) std::memcpy(out + c * ds, out + (k - 1) * ds, ds * 4);
  }
}

void IvfIndex::ScanCell(const float* q, uint32_t c, const Bitset* allowed, std::vector<float>* table, TopK* heap) const {
  const Cell& cell = cells_[c];
  const size_t count = cell.ids.size();
  if (count == 0) return;
  const bool l2 = inner_metric() == MetricType::kL2;
  auto offer = [&](size_t j, float distance) {
    uint32_t id = cell.ids[j];
    if (allowed != nullptr && !allowed->Test(id)) return;
    if (heap->WouldAccept(distance)) heap->Push(distance, id);
  };
  if (codec_ == Codec::kFlat && allowed != nullptr) {
    for (size_t j = 0; j < count; ++j) {
      if (!allowed->Test(cell.ids[j])) continue;
      const float* v = cell.floats.data() + j * dim_;
      offer(j, l2 ? kernels_->l2(q, v, dim_) : kernels_->ip(q, v, dim_));
    }
  } else if (codec_ == Codec::kFlat) {
    thread_local std::vector<float> d;
    d.resize(count);
    if (l2) {
      kernels_->l2_batch(q, cell.floats.data(), count, dim_, d.data());
    } else {
      kernels_->ip_batch(q, cell.floats.data(), count, dim_, d.data());
    }
    for (size_t j = 0; j < count; ++j) offer(j, d[j]);
  } else if (codec_ == Codec::kSq8) {
    // Codes hold residuals: L2 compares (q - centroid) with them; IP adds <q, centroid>.
    const float* centroid = centroids_.data() + static_cast<size_t>(c) * dim_;
    thread_local std::vector<float> shifted;
    const float* target = q;
    float base = 0;
    if (l2) {
      shifted.resize(dim_);
      for (size_t d = 0; d < dim_; ++d) shifted[d] = q[d] - centroid[d];
      target = shifted.data();
    } else {
      base = kernels_->ip(q, centroid, dim_);
    }
    auto kernel = l2 ? kernels_->sq8_l2 : kernels_->sq8_ip;
    for (size_t j = 0; j < count; ++j) {
      if (allowed != nullptr && !allowed->Test(cell.ids[j])) continue;
      offer(j, base + kernel(target, cell.codes.data() + j * dim_, vmin_.data(), vscale_.data(), dim_));
    }
  } else {
    const size_t ks = ksub(), ds = dsub();
    float base = 0;
    const float* centroid = centroids_.data() + static_cast<size_t>(c) * dim_;
    const float* lookup = table->data();  // m * ksub distances summed per code
    if (l2 && !cell_terms_.empty()) {
      // |q - c - r|^2 = |q - c|^2 + (|r|^2 + 2<c, r>) - 2<q, r>: the middle term per cell and
      // code was computed at build, the last one once per query (in `table`).
      base = kernels_->l2(q, centroid, dim_);
      const float* terms = cell_terms_.data() + static_cast<size_t>(c) * m_ * ks;
      if (count * 2 < ks) {
        // A small cell: two lookups per code cost less than adding the tables.
        for (size_t j = 0; j < count; ++j) {
          if (allowed != nullptr && !allowed->Test(cell.ids[j])) continue;
          const uint8_t* code = cell.codes.data() + j * m_;
          float sum = base;
          for (size_t s = 0; s < m_; ++s) sum += terms[s * ks + code[s]] + lookup[s * ks + code[s]];
          offer(j, sum);
        }
        return;
      }
      thread_local std::vector<float> merged;
      merged.resize(m_ * ks);
      for (size_t i = 0; i < m_ * ks; ++i) merged[i] = terms[i] + lookup[i];
      lookup = merged.data();
    } else if (l2) {
      // Table of |(q - centroid)_j - sub-centroid|^2 for this cell.
      thread_local std::vector<float> residual;
      residual.resize(dim_);
      for (size_t d = 0; d < dim_; ++d) residual[d] = q[d] - centroid[d];
      for (size_t j = 0; j < m_; ++j) {
        kernels_->l2_batch(residual.data() + j * ds, pq_centroids_.data() + j * ks * ds, ks, ds, table->data() + j * ks);
      }
    } else {
      base = kernels_->ip(q, centroid, dim_);  // the query's table was built once (cell-independent)
    }
    for (size_t j = 0; j < count; ++j) {
      if (allowed != nullptr && !allowed->Test(cell.ids[j])) continue;
      const uint8_t* code = cell.codes.data() + j * m_;
      float sum = base;
      for (size_t s = 0; s < m_; ++s) sum += lookup[s * ks + code[s]];
      offer(j, sum);
    }
  }
}

Status IvfIndex::Search(const VectorView& queries, const SearchOptions& options, std::vector<TopK>* heaps) const {
  QUIVER_RETURN_IF_ERROR(CheckQueries(*this, queries, *heaps));
  if (options.allowed != nullptr && options.allowed->size() != rows_) {
    return Status::InvalidArgument("filter bitset does not match the index size");
  }
  if (rows_ == 0) return Status::OK();
  std::vector<float> q = ToFloats(queries);
  size_t nprobe = std::clamp<size_t>(static_cast<size_t>(options.Param("nprobe", 8)), 1, nlist());
  // A filter passing fewer rows than nprobe cells hold on average: visiting every cell costs
  // about as many distances (only allowed rows are compared) and is exact for the codes.
  if (options.allowed != nullptr && options.allowed->Count() * nlist() <= rows_ * nprobe) nprobe = nlist();
  std::vector<float> table(codec_ == Codec::kPq ? m_ * ksub() : 0);
  for (size_t i = 0; i < queries.rows; ++i) {
    float* query = q.data() + i * dim_;
    if (metric_ == MetricType::kCosine) NormalizeInPlace(query, dim_);
    if (codec_ == Codec::kPq && inner_metric() == MetricType::kL2 && !cell_terms_.empty()) {
      for (size_t j = 0; j < m_; ++j) {
        float* row = table.data() + j * ksub();
        kernels_->ip_batch(query + j * dsub(), pq_centroids_.data() + j * ksub() * dsub(), ksub(), dsub(), row);
        for (size_t k = 0; k < ksub(); ++k) row[k] *= -2.0f;
      }
    }
    if (codec_ == Codec::kPq && inner_metric() == MetricType::kIP) {
      for (size_t j = 0; j < m_; ++j) {
        kernels_->ip_batch(query + j * dsub(), pq_centroids_.data() + j * ksub() * dsub(), ksub(), dsub(),
                           table.data() + j * ksub());
      }
    }
    TopK& heap = (*heaps)[i];
    // With a filter every cell is ordered once, so probing can go on past nprobe (nearest first)
    // while the filter leaves the probed cells short of k rows.
    std::vector<uint32_t> order = NearestCentroids(centroids_.data(), nlist(), query, dim_, inner_metric(),
                                                   options.allowed != nullptr ? nlist() : nprobe);
    for (size_t r = 0; r < order.size(); ++r) {
      if (r >= nprobe && heap.full()) break;
      ScanCell(query, order[r], options.allowed, &table, &heap);
    }
  }
  return Status::OK();
}

std::string IvfIndex::SerializePayload() const {
  std::string out;
  auto put_floats = [&out](const std::vector<float>& v) {
    PutVarint64(&out, v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  };
  out.push_back(static_cast<char>(codec_));
  PutVarint64(&out, rows_);
  PutVarint64(&out, m_);
  PutVarint64(&out, nbits_);
  put_floats(centroids_);
  put_floats(vmin_);
  put_floats(vscale_);
  put_floats(pq_centroids_);
  PutVarint64(&out, cells_.size());
  for (const Cell& cell : cells_) {
    PutVarint64(&out, cell.ids.size());
    out.append(reinterpret_cast<const char*>(cell.ids.data()), cell.ids.size() * 4);
    out.append(reinterpret_cast<const char*>(cell.floats.data()), cell.floats.size() * 4);
    out.append(reinterpret_cast<const char*>(cell.codes.data()), cell.codes.size());
  }
  return out;
}

Status IvfIndex::Parse(std::string_view payload) {
  Decoder in(payload);
  auto fail = [] { return Status::Corruption("IVF index payload malformed"); };
  auto get_floats = [&](std::vector<float>* v) {
    uint64_t count;
    std::string_view raw;
    if (!in.GetVarint64(&count) || count > payload.size() || !in.GetBytes(count * 4, &raw)) return false;
    v->resize(count);
    if (count > 0) std::memcpy(v->data(), raw.data(), raw.size());
    return true;
  };
  std::string_view codec;
  uint64_t rows, m, nbits, ncells;
  if (!in.GetBytes(1, &codec) || static_cast<uint8_t>(codec[0]) != static_cast<uint8_t>(codec_) || !in.GetVarint64(&rows) ||
      !in.GetVarint64(&m) || !in.GetVarint64(&nbits) || nbits > 8 || !get_floats(&centroids_) || !get_floats(&vmin_) ||
      !get_floats(&vscale_) || !get_floats(&pq_centroids_) || !in.GetVarint64(&ncells) || ncells == 0 ||
      ncells * dim_ != centroids_.size()) {
    return fail();
  }
  rows_ = rows;
  m_ = m;
  nbits_ = nbits;
  if (codec_ == Codec::kSq8 && (vmin_.size() != dim_ || vscale_.size() != dim_)) return fail();
  if (codec_ == Codec::kPq && (m_ == 0 || dim_ % m_ != 0 || pq_centroids_.size() != m_ * ksub() * dsub())) return fail();
  size_t code_bytes = codec_ == Codec::kSq8 ? dim_ : codec_ == Codec::kPq ? m_ : 0;
  size_t float_count = codec_ == Codec::kFlat ? dim_ : 0;
  cells_.assign(ncells, {});
  size_t total = 0;
  for (Cell& cell : cells_) {
    uint64_t count;
    std::string_view ids, floats, codes;
    if (!in.GetVarint64(&count) || count > rows_ || !in.GetBytes(count * 4, &ids) ||
        !in.GetBytes(count * float_count * 4, &floats) || !in.GetBytes(count * code_bytes, &codes)) {
      return fail();
    }
    cell.ids.resize(count);
    cell.floats.resize(count * float_count);
    cell.codes.resize(count * code_bytes);
    if (count > 0) {
      std::memcpy(cell.ids.data(), ids.data(), ids.size());
      if (!floats.empty()) std::memcpy(cell.floats.data(), floats.data(), floats.size());
      if (!codes.empty()) std::memcpy(cell.codes.data(), codes.data(), codes.size());
    }
    for (uint32_t id : cell.ids) {
      if (id >= rows_) return fail();
    }
    total += count;
  }
  if (total != rows_) return fail();
  PrecomputeCellTerms();
  return Status::OK();
}

Codec CodecOf(std::string_view family) {
  return family == "IVF_FLAT" ? Codec::kFlat : family == "IVF_SQ8" ? Codec::kSq8 : Codec::kPq;
}

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildIvf(const IndexBuildSpec& spec, const VectorView& data, ThreadPool* pool,
                                              const ProgressFn& progress) {
  auto index = std::make_unique<IvfIndex>(CodecOf(spec.family), spec.metric, spec.vector_type, spec.dim);
  QUIVER_RETURN_IF_ERROR(index->Build(data, static_cast<size_t>(spec.Param("nlist", 128)),
                                      static_cast<size_t>(spec.Param("m", 0)), static_cast<size_t>(spec.Param("nbits", 8)),
                                      pool, progress));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

Result<std::unique_ptr<VectorIndex>> LoadIvf(std::string_view payload, MetricType metric, schema::DataType type,
                                             size_t dim,
    const std::shared_ptr<const void>& backing) {
  if (payload.empty() || static_cast<uint8_t>(payload[0]) > 2 || dim == 0) {
    return Status::Corruption("IVF index payload malformed");
  }
  auto index = std::make_unique<IvfIndex>(static_cast<Codec>(payload[0]), metric, type, dim);
  QUIVER_RETURN_IF_ERROR(index->Parse(payload));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

}  // namespace quiver::index
