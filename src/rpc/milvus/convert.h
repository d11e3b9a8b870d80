#pragma once

// Conversions between the Milvus wire messages and Quiver's domain types: schemas, column data
// (insert / output), template values. Every check of user data on the way in (dimensions,
// lengths, capacities, ranges, JSON validity, missing and unknown fields) happens here and comes
// back as InvalidArgument with a message naming the field.

#include <functional>
#include <set>

#include "cluster/catalog_types.h"
#include "proxy/rows.h"
#include "common/status.h"
#include "expr/ast.h"
#include "expr/binder.h"
#include "milvus/milvus.pb.h"
#include "schema/column.h"
#include "schema/schema.h"

namespace quiver::rpc::milvus {

namespace pb = ::milvus::proto;

using proxy::RowLimits;
using proxy::RowsIn;

Result<schema::CollectionSchema> SchemaFromProto(const pb::schema::CollectionSchema& proto);
// User-visible schema: without $meta and system fields.
void SchemaToProto(const schema::CollectionSchema& schema, pb::schema::CollectionSchema* out);

// Builds the rows of an insert (upsert = false) or upsert. `num_rows` may be 0 (then taken from
// the data). `alloc_ids` provides `count` consecutive ids for auto-id Int64 primary keys.
Result<RowsIn> RowsFromFieldData(const schema::CollectionSchema& schema,
                                 const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields,
                                 uint32_t num_rows, bool upsert,
                                 const std::function<Result<int64_t>(uint32_t)>& alloc_ids,
                                 const RowLimits& limits = {});

// Appends column `column` (rows of field `field`) as a FieldData named `name`. For the dynamic
// field, `dynamic_keys` (if non-empty) keeps only those keys of each row's object.
void ColumnToFieldData(const schema::FieldSchema& field, const schema::ColumnChunk& column,
                       const std::set<std::string>& dynamic_keys, pb::schema::FieldData* out);

using schema::CanonicalSparseRow;  // schema/column.h

void PrimaryKeysToIds(const std::vector<segment::PrimaryKey>& pks, bool varchar, pb::schema::IDs* out);

cluster::KeyValues KeyValuesFromProto(const google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>& kvs);
void KeyValuesToProto(const cluster::KeyValues& kvs, google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>* out);

Result<expr::Literal> LiteralFromTemplate(const pb::schema::TemplateValue& value);
Result<expr::TemplateValues> TemplatesFromProto(
    const google::protobuf::Map<std::string, pb::schema::TemplateValue>& values);

}  // namespace quiver::rpc::milvus
