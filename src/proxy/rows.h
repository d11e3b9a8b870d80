#pragma once

// Rows of an insert or upsert as the proxy writes them (decoded from a front door's wire format),
// and the per-value limits every front door checks them against.

#include <memory>
#include <vector>

#include "schema/column.h"
#include "segment/segment.h"

namespace quiver::proxy {

struct RowsIn {
  std::shared_ptr<const schema::DataChunk> chunk;  // every schema field, in schema order
  std::vector<segment::PrimaryKey> pks;             // row order
  bool generated_ids = false;
};

// Per-value limits of an insert.
struct RowLimits {
  // Largest JSON value (a JSON field's or the dynamic field's row), as Milvus's
  // common.JSONMaxLength (64 KiB by default). Config: proxy.max_json_bytes.
  size_t max_json_bytes = 64 << 10;
};

}  // namespace quiver::proxy
