#pragma once

// The reduce of a query: rows matched in several segments (growing and sealed, after filter,
// visibility and deletes) become one result in primary-key order. The same key can match in more
// than one segment (an insert repeated, or a segment seen both growing and sealed during a swap);
// the latest version wins. Primary-key order is what makes pk-cursor pagination exact: the
// Milvus query iterator asks for `pk > last && filter` with a limit, so each page must be the
// smallest `limit` keys, or rows are skipped.

#include <optional>
#include <vector>

#include "common/timestamp.h"
#include "segment/segment.h"

namespace quiver::exec {

// One matching row: its key, insert timestamp, and where it lives (`source` indexes the caller's
// segment list, `row` is the segment row offset).
struct QueryCandidate {
  segment::PrimaryKey pk;
  Timestamp ts = 0;
  size_t source = 0;
  size_t row = 0;
};

// Keeps one candidate per primary key (the highest ts; on equal ts the later source, then the
// later row) and returns those at positions [offset, offset + limit) of primary-key order (Int64
// numerically, VarChar bytewise); without a limit, every row from `offset` on. With a limit only
// the smallest offset + limit keys are ordered (selection, then a sort of that prefix).
std::vector<QueryCandidate> SelectByPrimaryKey(std::vector<QueryCandidate> candidates, size_t offset,
                                               std::optional<size_t> limit);

// The number of distinct primary keys among `candidates` (count(*)).
size_t CountDistinctKeys(const std::vector<QueryCandidate>& candidates);

}  // namespace quiver::exec
