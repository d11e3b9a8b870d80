#pragma once

// JSON rows of REST v2 <-> Milvus column data (schema.FieldData), following Milvus's REST
// encodings: vectors as JSON arrays (binary vectors as byte arrays), sparse vectors as
// {"index": value} objects, JSON fields as JSON strings on output, dynamic-field keys flattened
// into the row, int64 values as strings unless the client sent Accept-Type-Allow-Int64: true.

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "milvus/milvus.pb.h"

namespace quiver::rpc::rest {

namespace pb = ::milvus::proto;
using Json = nlohmann::ordered_json;

// Columns of `rows` (a JSON array of objects) for `schema`. Auto-id primary keys are left out of
// an insert; keys that are no field go to the dynamic field when the schema has one (an error
// otherwise). InvalidArgument naming the row and field for any value of the wrong type.
Status RowsToFieldData(const pb::schema::CollectionSchema& schema, const Json& rows, bool upsert,
                       google::protobuf::RepeatedPtrField<pb::schema::FieldData>* out, uint32_t* num_rows);

// Row `row` of every column into `out` (an object). `int64_as_number` false renders int64 values
// as strings.
void AppendRowFields(const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields, size_t row,
                     bool int64_as_number, Json* out);
// Rows in the columns (the longest column).
size_t ColumnRows(const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields);

// One query vector of a search body for a field of `type` with `dim`, as placeholder bytes.
Result<std::string> QueryVectorBytes(const Json& value, pb::schema::DataType type, int64_t dim);
pb::common::PlaceholderType PlaceholderTypeOf(pb::schema::DataType type);
// How REST sends search data for a vector field: FloatVector for Float16/BFloat16 fields (JSON
// numbers, kept at float32), the field's own type otherwise.
pb::schema::DataType QueryEncodingOf(pb::schema::DataType field);

// Milvus's data type names ("Int64", "FloatVector"…) and back.
Result<pb::schema::DataType> DataTypeFromName(const std::string& name);
std::string DataTypeName(pb::schema::DataType type);

// A JSON scalar as the string Milvus's KeyValuePair params carry (strings unquoted).
std::string ParamText(const Json& value);

}  // namespace quiver::rpc::rest
