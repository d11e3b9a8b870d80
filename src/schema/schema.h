#pragma once

// Collection schema: fields with stable ids, as Milvus defines them. Validation rules follow
// Milvus (spec §4 CreateCollection, §10 limits). The catalog stores schemas as JSON
// (ToJson/FromJson); the RPC layer converts between these types and the wire messages.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "schema/types.h"

namespace quiver::schema {

// Name of the hidden JSON field holding dynamic keys.
inline constexpr std::string_view kDynamicFieldName = "$meta";

struct FieldSchema {
  FieldId id = 0;
  std::string name;
  std::string description;
  DataType type = DataType::kNone;
  DataType element_type = DataType::kNone;  // for Array
  bool primary_key = false;
  bool auto_id = false;
  bool nullable = false;
  bool is_dynamic = false;        // the hidden $meta field
  bool partition_key = false;
  bool clustering_key = false;
  bool function_output = false;
  int64_t dim = 0;                // vectors
  int64_t max_length = 0;         // VarChar, and VarChar elements of Array
  int64_t max_capacity = 0;       // Array
  std::optional<ScalarValue> default_value;
  // Every type param as given (dim, max_length, ... and any others such as mmap.enabled), echoed
  // back by DescribeCollection.
  std::map<std::string, std::string> type_params;
};

struct CollectionSchema {
  std::string name;
  std::string description;
  bool enable_dynamic_field = false;
  std::vector<FieldSchema> fields;  // user fields in declaration order (+ $meta when dynamic)

  const FieldSchema* FindField(std::string_view name) const;
  const FieldSchema* FindFieldById(FieldId id) const;
  const FieldSchema* PrimaryField() const;
  const FieldSchema* DynamicField() const;
  // Vector fields in declaration order.
  std::vector<const FieldSchema*> VectorFields() const;
};

struct SchemaLimits {
  int64_t max_fields = 64;
  int64_t max_vector_fields = 4;
  int64_t max_dim = 32768;
  int64_t max_varchar_length = 65535;
  int64_t max_array_capacity = 4096;
};

// Checks a name against Milvus's rules (^[A-Za-z_][A-Za-z0-9_]*$, at most 255 chars).
// `what` names the thing in the error ("collection name", "field name").
Status ValidateName(std::string_view name, std::string_view what);

// Validates a user-supplied schema, fills field ids from kFirstUserField, parses dim /
// max_length / max_capacity from type_params, and appends the $meta field when dynamic fields are
// enabled. Returns InvalidArgument naming the offending field.
Status NormalizeSchema(CollectionSchema* schema, const SchemaLimits& limits = {});

std::string SchemaToJson(const CollectionSchema& schema);
Result<CollectionSchema> SchemaFromJson(std::string_view json);

}  // namespace quiver::schema
