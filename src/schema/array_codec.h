#pragma once

// Row encoding of Array columns (docs/format/segment.md, "Array rows"):
//   varint element count, then each element:
//     Bool -> 1 byte; Int8..Int64 -> 8-byte little-endian int64; Float/Double -> 8-byte double;
//     VarChar/String -> varint length + UTF-8 bytes.
// All integer element types share one width so predicates compare without per-type code.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "schema/types.h"

namespace quiver::schema {

// Appends the encoding of `values` (each must match `element_type`) to `out`.
Status EncodeArray(DataType element_type, const std::vector<ScalarValue>& values, std::string* out);

// Decodes one row. Corruption if the bytes are malformed.
Result<std::vector<ScalarValue>> DecodeArray(DataType element_type, std::string_view bytes);

// Number of elements without decoding them (0 on malformed input).
size_t ArrayLength(std::string_view bytes);

}  // namespace quiver::schema
