#pragma once

// The reduce of search results, written once: the querynode merges per-segment hits with it
// (exec/search.h), the proxy merges the querynodes' results, applies the offset, fuses the
// sub-searches of a hybrid search and gathers the output columns of the hits it keeps.

#include <algorithm>
#include <memory>
#include <unordered_set>
#include <vector>

#include "index/distance.h"
#include "schema/column.h"
#include "schema/schema.h"
#include "segment/segment.h"

namespace quiver::exec {

// Merges result sets of the same queries (`Hit` has `distance` and `pk`; each part holds, per
// query, hits best first): per query, orders by distance (higher first for similarity metrics),
// then primary key ascending, keeps the first hit of each primary key, skips `offset` hits and
// keeps `topk`.
template <typename Hit>
std::vector<std::vector<Hit>> MergeRanked(std::vector<std::vector<std::vector<Hit>>> parts, size_t nq, size_t topk,
                                          size_t offset, bool higher_is_better) {
  std::vector<std::vector<Hit>> out(nq);
  for (size_t q = 0; q < nq; ++q) {
    std::vector<Hit> all;
    for (auto& part : parts) {
      if (q < part.size()) {
        for (auto& hit : part[q]) all.push_back(std::move(hit));
      }
    }
    std::stable_sort(all.begin(), all.end(), [higher_is_better](const Hit& a, const Hit& b) {
      if (a.distance != b.distance) return higher_is_better ? a.distance > b.distance : a.distance < b.distance;
      return a.pk < b.pk;
    });
    std::unordered_set<segment::PrimaryKey, segment::PrimaryKeyHash> seen;
    size_t skipped = 0;
    for (auto& hit : all) {
      if (out[q].size() >= topk) break;
      if (!seen.insert(hit.pk).second) continue;
      if (skipped < offset) {
        ++skipped;
        continue;
      }
      out[q].push_back(std::move(hit));
    }
  }
  return out;
}

// The page [offset, offset + topk) of each query's hits of one result set that is already ranked
// and unique by primary key (one querynode's merged answer): what MergeRanked gives for that
// single part, without sorting it again.
template <typename Hit>
std::vector<std::vector<Hit>> PageOfRanked(std::vector<std::vector<Hit>> ranked, size_t topk, size_t offset) {
  for (auto& hits : ranked) {
    size_t from = std::min(offset, hits.size());
    size_t to = std::min(hits.size(), from + topk);
    hits.erase(hits.begin() + static_cast<std::ptrdiff_t>(to), hits.end());
    hits.erase(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(from));
  }
  return ranked;
}

// A hit of a flattened result set (per query counts, then distances and keys in query order):
// which set (`source`) and where in it (`index`), with the score to report.
struct ResultHit {
  float distance = 0;
  segment::PrimaryKey pk;
  size_t source = 0;
  size_t index = 0;
};
using ResultHits = std::vector<std::vector<ResultHit>>;  // per query, best first

// The hits of one flattened result set, per query.
ResultHits HitsOf(const std::vector<size_t>& counts, const std::vector<float>& distances,
                  const std::vector<segment::PrimaryKey>& pks, size_t source);

// How a hybrid search ranks the union of its sub-searches' hits.
struct Fusion {
  enum class Kind { kRrf, kWeighted };
  Kind kind = Kind::kRrf;
  double k = 60;                          // RRF: score = sum of 1 / (k + rank)
  std::vector<double> weights;            // weighted: one per sub-search
  std::vector<index::MetricType> metrics; // weighted: the metric of each sub-search (normalises scores)
};

// Fuses sub-search results (each per query, best first) into one ranking per query: scores are
// summed per primary key, ties keep first-seen order; skips `offset` and keeps `limit`. Each
// hit keeps the source and index of its first occurrence.
ResultHits Fuse(const std::vector<ResultHits>& subs, size_t nq, const Fusion& fusion, size_t limit, size_t offset);

// The columns `fields` of `hits`, in hit order, copied from the hits' sources (a missing column
// yields nulls).
std::shared_ptr<schema::DataChunk> GatherColumns(const ResultHits& hits,
                                                 const std::vector<const schema::DataChunk*>& sources,
                                                 const std::vector<schema::FieldId>& fields,
                                                 const schema::CollectionSchema& schema);

}  // namespace quiver::exec
