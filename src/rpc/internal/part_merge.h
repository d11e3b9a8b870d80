#pragma once

// The answers of a replica split over several query nodes (cluster/replica_parts.h), merged into
// the answer one node holding the whole collection gives. Each member answers for the segments
// it serves, ranked and reduced as a whole node reduces its channels; the merge repeats that
// reduce over the members, so a read does not depend on how a replica is split. The one
// exception is count(*): it sums the members' distinct keys, so a key inserted twice (without
// upsert) into segments of two members counts twice, as Milvus always counts it.

#include <vector>

#include "cluster/read_types.h"

namespace quiver::rpc {

// Per query, the best `request.limit` hits of all parts (distance order per metric, then primary
// key; a key two members found is kept once, at its best hit), with the output fields of the
// part each hit came from. InvalidArgument if the parts disagree on the number of queries.
Result<cluster::SearchResult> MergeSearchParts(std::vector<cluster::SearchResult> parts,
                                               const cluster::SearchRequest& request);

// The query each member answers: from the first row, up to offset + limit rows (the merge cuts
// the page).
cluster::QueryRequest QueryForPart(const cluster::QueryRequest& request);

// count(*): the sum of the parts' counts. Rows: primary-key order, the latest version (highest
// insert timestamp) of each key, rows [offset, offset + limit) of `request`. InvalidArgument if a
// part's keys or timestamps do not match its rows.
Result<cluster::QueryResult> MergeQueryParts(std::vector<cluster::QueryResult> parts, const cluster::QueryRequest& request);

}  // namespace quiver::rpc
