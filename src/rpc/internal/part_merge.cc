#include "rpc/internal/part_merge.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "exec/reduce.h"
#include "index/distance.h"

namespace quiver::rpc {

namespace {

// The columns `fields` of rows (source, row) picked from `sources`, in pick order. A column takes
// its type from the first source that has it; a source without it gives nulls; a field no source
// has is left out, as a node leaves out a field it does not know.
std::shared_ptr<const schema::DataChunk> GatherRows(const std::vector<std::pair<size_t, size_t>>& picks,
                                                    const std::vector<const schema::DataChunk*>& sources,
                                                    const std::vector<schema::FieldId>& fields) {
  auto out = std::make_shared<schema::DataChunk>();
  out->rows = picks.size();
  for (schema::FieldId field : fields) {
    const schema::ColumnChunk* model = nullptr;
    bool nullable = false;
    for (const schema::DataChunk* source : sources) {
      const schema::ColumnChunk* column = source != nullptr ? source->Find(field) : nullptr;
      if (column == nullptr) continue;
      if (model == nullptr) model = column;
      nullable = nullable || column->nullable();
    }
    if (model == nullptr) continue;
    schema::ColumnBuilder builder(model->type, model->dim, model->element_type, nullable);
    for (const auto& [source, row] : picks) {
      const schema::ColumnChunk* column = sources[source] != nullptr ? sources[source]->Find(field) : nullptr;
      if (column == nullptr) {
        builder.AppendNull();
      } else {
        builder.AppendFrom(*column, row);
      }
    }
    out->columns.emplace_back(field, builder.Build());
  }
  return out;
}

}  // namespace

Result<cluster::SearchResult> MergeSearchParts(std::vector<cluster::SearchResult> parts,
                                               const cluster::SearchRequest& request) {
  if (parts.size() == 1) return std::move(parts[0]);
  const size_t nq = parts.empty() ? 0 : parts[0].nq;
  std::vector<exec::ResultHits> ranked;
  std::vector<const schema::DataChunk*> sources;
  for (size_t p = 0; p < parts.size(); ++p) {
    if (parts[p].nq != nq) return Status::InvalidArgument("query nodes of one replica answered different numbers of queries");
    ranked.push_back(exec::HitsOf(parts[p].counts, parts[p].distances, parts[p].pks, p));
    sources.push_back(parts[p].fields.get());
  }
  exec::ResultHits merged =
      exec::MergeRanked(std::move(ranked), nq, request.limit, 0, index::HigherIsBetter(request.metric));
  cluster::SearchResult out;
  out.nq = nq;
  std::vector<std::pair<size_t, size_t>> picks;
  for (const auto& hits : merged) {
    out.counts.push_back(hits.size());
    for (const exec::ResultHit& hit : hits) {
      out.distances.push_back(hit.distance);
      out.pks.push_back(hit.pk);
      picks.emplace_back(hit.source, hit.index);
    }
  }
  out.fields = GatherRows(picks, sources, request.output_fields);
  return out;
}

cluster::QueryRequest QueryForPart(const cluster::QueryRequest& request) {
  cluster::QueryRequest part = request;
  part.offset = 0;
  if (request.limit) part.limit = *request.limit + request.offset;
  return part;
}

Result<cluster::QueryResult> MergeQueryParts(std::vector<cluster::QueryResult> parts, const cluster::QueryRequest& request) {
  cluster::QueryResult out;
  if (request.count_only) {
    for (const auto& part : parts) out.count += part.count;
    return out;
  }
  // Every key's latest version over all parts (each part has a key at most once).
  struct Pick {
    Timestamp ts;
    size_t source;
    size_t row;
  };
  std::unordered_map<segment::PrimaryKey, Pick, segment::PrimaryKeyHash> latest;
  std::vector<const schema::DataChunk*> sources;
  for (size_t p = 0; p < parts.size(); ++p) {
    const cluster::QueryResult& part = parts[p];
    const size_t rows = part.rows ? part.rows->rows : 0;
    if (part.pks.size() != rows || part.timestamps.size() != rows) {
      return Status::InvalidArgument("a query node's answer has keys or timestamps not matching its rows");
    }
    sources.push_back(part.rows.get());
    for (size_t r = 0; r < rows; ++r) {
      auto [it, fresh] = latest.try_emplace(part.pks[r], Pick{part.timestamps[r], p, r});
      if (!fresh && part.timestamps[r] > it->second.ts) it->second = Pick{part.timestamps[r], p, r};
    }
  }
  std::vector<std::pair<segment::PrimaryKey, Pick>> ordered(latest.begin(), latest.end());
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const size_t from = std::min(request.offset, ordered.size());
  const size_t to = request.limit ? std::min(ordered.size(), from + *request.limit) : ordered.size();
  std::vector<std::pair<size_t, size_t>> picks;
  for (size_t i = from; i < to; ++i) {
    picks.emplace_back(ordered[i].second.source, ordered[i].second.row);
    out.pks.push_back(ordered[i].first);
    out.timestamps.push_back(ordered[i].second.ts);
  }
  out.count = picks.size();
  out.rows = GatherRows(picks, sources, request.output_fields);
  return out;
}

}  // namespace quiver::rpc
