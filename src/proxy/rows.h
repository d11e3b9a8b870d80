#pragma once

// Rows of an insert or upsert as the proxy writes them, and how a front door builds them: the
// door decodes the columns the client sent (checking each value with the checks below, which
// every door shares), then AssembleRows completes the row set the same way for every door.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/column.h"
#include "schema/schema.h"
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

// Checks of one value of `field` (InvalidArgument naming the field):
// an Int8/Int16/Int32 value within its type's range;
Status CheckIntRange(const schema::FieldSchema& field, int64_t value);
// a Float/Double value finite;
Status CheckFinite(const schema::FieldSchema& field, double value);
// a VarChar value within max_length;
Status CheckVarChar(const schema::FieldSchema& field, std::string_view value);
// JSON text (a JSON field's or the dynamic field's value): within the size limit, nested within
// bounds, valid JSON, and an object for the dynamic field;
Status CheckJsonText(const schema::FieldSchema& field, std::string_view text, const RowLimits& limits);
// the elements of an Array value (already of the element type): within max_capacity, strings
// within max_length;
Status CheckArrayValues(const schema::FieldSchema& field, const std::vector<schema::ScalarValue>& values);
// a dense vector row of a FloatVector field: every value finite.
Status CheckFloatVector(const schema::FieldSchema& field, const float* values);

// Appends the field's default value (the field has one).
Status AppendDefault(const schema::FieldSchema& field, schema::ColumnBuilder* builder);

// Completes the rows of an insert (upsert = false) or upsert from the columns a door decoded
// (`given`: by field name, each with `rows` rows, checked value by value): auto-id primary keys
// are allocated (`alloc_ids` returns the first of `count` consecutive ids) and may not be given
// on insert; a field not given gets its default, null (nullable fields) or {} (the dynamic
// field), else the insert is refused; the primary keys are read out.
Result<RowsIn> AssembleRows(const schema::CollectionSchema& schema,
                            std::map<std::string, std::shared_ptr<const schema::ColumnChunk>, std::less<>> given,
                            size_t rows, bool upsert, const std::function<Result<int64_t>(uint32_t)>& alloc_ids);

}  // namespace quiver::proxy
