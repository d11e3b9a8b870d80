#pragma once

// JSON rows of REST v2 <-> the proxy's columns, following Milvus's REST encodings: vectors as
// JSON arrays (binary vectors as byte arrays), sparse vectors as {"index": value} objects, JSON
// fields as JSON strings on output, dynamic-field keys flattened into the row, int64 values as
// strings unless the client sent Accept-Type-Allow-Int64: true.

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "common/status.h"
#include "expr/binder.h"
#include "proxy/rows.h"
#include "schema/column.h"
#include "schema/schema.h"
#include "segment/segment.h"

namespace quiver::rpc::rest {

using Json = nlohmann::ordered_json;

// The rows of an insert (upsert = false) or upsert from `rows` (a JSON array of objects) for
// `schema`. Auto-id primary keys are left out of an insert; keys that are no field go to the
// dynamic field when the schema has one (an error otherwise). InvalidArgument naming the row and
// field for any value of the wrong type.
Result<proxy::RowsIn> RowsFromJson(const schema::CollectionSchema& schema, const Json& rows, bool upsert,
                                   const std::function<Result<int64_t>(uint32_t)>& alloc_ids,
                                   const proxy::RowLimits& limits);

// Row `row` of `chunk` (output columns of `schema`'s fields) into `out`, an object: the dynamic
// field's keys flattened into the row (only `dynamic_keys` when not empty), null for null
// values. `int64_as_number` false renders int64 values as strings.
void AppendRow(const schema::CollectionSchema& schema, const schema::DataChunk& chunk, size_t row,
               const std::set<std::string>& dynamic_keys, bool int64_as_number, Json* out);

Json PrimaryKeyJson(const segment::PrimaryKey& pk, bool as_number);
// An int64 from a JSON integer or a decimal string (clients that cannot hold int64 in a JSON
// number send strings); nullopt for anything else or out of range.
std::optional<int64_t> Int64Of(const Json& v);
// A float32 value with the shortest digits that read back as the same float32 (0.73, never
// 0.7300000190734863), as Milvus's Go encoder writes float32 values.
Json Float32Json(float value);
inline Json Int64Json(int64_t v, bool as_number) { return as_number ? Json(v) : Json(std::to_string(v)); }

// One query vector of a search body for a field of `type` with `dim`, as placeholder bytes.
Result<std::string> QueryVectorBytes(const Json& value, schema::DataType type, int64_t dim);
// How REST sends search data for a vector field: FloatVector for Float16/BFloat16 fields (JSON
// numbers, kept at float32), the field's own type otherwise.
schema::DataType QueryEncodingOf(schema::DataType field);

// A data type by its Milvus name ("Int64", "FloatVector"…; schema::DataTypeName is the way back).
Result<schema::DataType> DataTypeFromName(const std::string& name);

// Values of a filter's {placeholders} (exprParams): booleans, integers, floats, strings and
// arrays of them.
Result<expr::TemplateValues> TemplatesFromJson(const Json& params);

// A JSON scalar as the string Milvus's key-value params carry (strings unquoted).
std::string ParamText(const Json& value);

}  // namespace quiver::rpc::rest
