#pragma once

// Parser for Milvus boolean filter expressions (spec §8): comparisons and chained ranges,
// in / not in, and/or/not (in every spelling), arithmetic and bitwise operators, like, JSON and
// array subscripts, function calls (json_contains*, array_contains*, array_length), is [not] null,
// exists, and {name} template placeholders.
//
// Errors are InvalidArgument with the byte position: "syntax error at position 7: ...".
// The input is bounded (kMaxExpressionBytes, kMaxDepth) so hostile input cannot exhaust the stack.

#include <string_view>

#include "common/status.h"
#include "expr/ast.h"

namespace quiver::expr {

constexpr size_t kMaxExpressionBytes = 1 << 20;
constexpr int kMaxDepth = 200;

Result<NodePtr> Parse(std::string_view text);

}  // namespace quiver::expr
