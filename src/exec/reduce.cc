#include "exec/reduce.h"

#include <cmath>
#include <unordered_map>

namespace quiver::exec {

ResultHits HitsOf(const std::vector<size_t>& counts, const std::vector<float>& distances,
                  const std::vector<segment::PrimaryKey>& pks, size_t source) {
  ResultHits out(counts.size());
  size_t flat = 0;
  for (size_t q = 0; q < counts.size(); ++q) {
    out[q].reserve(counts[q]);
    for (size_t i = 0; i < counts[q]; ++i, ++flat) out[q].push_back({distances[flat], pks[flat], source, flat});
  }
  return out;
}

namespace {

// A sub-search score mapped to [0, 1], higher better, so that weights compare like with like:
// arctan for the unbounded metrics, (1 + x) / 2 for COSINE.
double NormalisedScore(index::MetricType metric, double x) {
  switch (metric) {
    case index::MetricType::kIP: return 0.5 + std::atan(x) / M_PI;
    case index::MetricType::kCosine: return (1.0 + x) / 2.0;
    default: return 1.0 - 2.0 * std::atan(x) / M_PI;
  }
}

}  // namespace

ResultHits Fuse(const std::vector<ResultHits>& subs, size_t nq, const Fusion& fusion, size_t limit, size_t offset) {
  ResultHits out(nq);
  for (size_t q = 0; q < nq; ++q) {
    std::unordered_map<segment::PrimaryKey, size_t, segment::PrimaryKeyHash> position;
    std::vector<std::pair<double, const ResultHit*>> fused;  // first-seen order
    for (size_t s = 0; s < subs.size(); ++s) {
      if (q >= subs[s].size()) continue;
      const auto& hits = subs[s][q];
      for (size_t rank = 0; rank < hits.size(); ++rank) {
        const ResultHit& hit = hits[rank];
        double contribution = fusion.kind == Fusion::Kind::kRrf
                                  ? 1.0 / (fusion.k + static_cast<double>(rank + 1))
                                  : fusion.weights[s] * NormalisedScore(fusion.metrics[s], hit.distance);
        auto [it, inserted] = position.try_emplace(hit.pk, fused.size());
        if (inserted) fused.emplace_back(0.0, &hit);
        fused[it->second].first += contribution;
      }
    }
    std::stable_sort(fused.begin(), fused.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = offset; i < fused.size() && out[q].size() < limit; ++i) {
      ResultHit hit = *fused[i].second;
      hit.distance = static_cast<float>(fused[i].first);
      out[q].push_back(std::move(hit));
    }
  }
  return out;
}

std::shared_ptr<schema::DataChunk> GatherColumns(const ResultHits& hits,
                                                 const std::vector<const schema::DataChunk*>& sources,
                                                 const std::vector<schema::FieldId>& fields,
                                                 const schema::CollectionSchema& schema) {
  auto chunk = std::make_shared<schema::DataChunk>();
  std::vector<std::unique_ptr<schema::ColumnBuilder>> builders;
  for (schema::FieldId id : fields) {
    const schema::FieldSchema* f = schema.FindFieldById(id);
    builders.push_back(std::make_unique<schema::ColumnBuilder>(f->type, f->dim, f->element_type, f->nullable));
  }
  size_t rows = 0;
  for (const auto& query : hits) {
    for (const ResultHit& hit : query) {
      ++rows;
      const schema::DataChunk* source = hit.source < sources.size() ? sources[hit.source] : nullptr;
      for (size_t f = 0; f < fields.size(); ++f) {
        const schema::ColumnChunk* column = source != nullptr ? source->Find(fields[f]) : nullptr;
        if (column == nullptr) builders[f]->AppendNull();
        else builders[f]->AppendFrom(*column, hit.index);
      }
    }
  }
  for (size_t f = 0; f < fields.size(); ++f) chunk->columns.emplace_back(fields[f], builders[f]->Build());
  chunk->rows = rows;
  return chunk;
}

}  // namespace quiver::exec
