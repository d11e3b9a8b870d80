#pragma once

// Vectorised evaluation of a filter plan (expr/plan.h) over segment chunks, producing a bitset of
// matching rows. Each predicate yields two bitsets per chunk — rows where it is definitely true
// and rows where it is definitely false — so SQL three-valued logic (unknown for nulls and
// missing JSON keys) costs two word-wise operations per and/or/not.
//
// Common shapes run as tight typed loops over the column (compare a numeric column with a
// constant, in-lists on numeric and string columns, like on string columns); everything else
// (JSON paths, arithmetic, arrays) evaluates row by row on a small tagged value type.
//
// Thread-safe: evaluation keeps its state on the stack; plans and chunks are read-only.

#include <vector>

#include "common/bitset.h"
#include "common/status.h"
#include "exec/scalar_index.h"
#include "expr/plan.h"
#include "segment/segment.h"

namespace quiver::exec {

// Rows of the first `rows` rows of `chunks` for which `plan` is true. A null plan matches all.
// `indexes` (may be null): scalar indexes of a single-chunk (sealed) segment's columns, used for
// comparisons, IN and prefix LIKE on those columns instead of scanning them.
Result<Bitset> EvaluateFilter(const expr::PlanNode* plan, const std::vector<segment::ChunkRef>& chunks,
                              size_t rows, const ScalarIndexMap* indexes = nullptr);

// LIKE matching with % (any run) and _ (one character); a backslash escapes % and _ .
bool LikeMatch(std::string_view text, std::string_view pattern);

}  // namespace quiver::exec
