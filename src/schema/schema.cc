#include "schema/schema.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <set>

namespace quiver::schema {

const FieldSchema* CollectionSchema::FindField(std::string_view field_name) const {
  for (const auto& field : fields) {
    if (field.name == field_name) return &field;
  }
  return nullptr;
}

const FieldSchema* CollectionSchema::FindFieldById(FieldId id) const {
  for (const auto& field : fields) {
    if (field.id == id) return &field;
  }
  return nullptr;
}

const FieldSchema* CollectionSchema::PrimaryField() const {
  for (const auto& field : fields) {
    if (field.primary_key) return &field;
  }
  return nullptr;
}

const FieldSchema* CollectionSchema::DynamicField() const {
  for (const auto& field : fields) {
    if (field.is_dynamic) return &field;
  }
  return nullptr;
}

std::vector<const FieldSchema*> CollectionSchema::VectorFields() const {
  std::vector<const FieldSchema*> out;
  for (const auto& field : fields) {
    if (IsVectorType(field.type)) out.push_back(&field);
  }
  return out;
}

Status ValidateName(std::string_view name, std::string_view what) {
  std::string label(what);
  if (name.empty()) return Status::InvalidArgument(label + " should not be empty");
  if (name.size() > 255) {
    return Status::InvalidArgument(label + " exceeds 255 characters", name);
  }
  auto head = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(head) || head == '_')) {
    return Status::InvalidArgument(
        label + " must start with a letter or an underscore", name);
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || u == '_')) {
      return Status::InvalidArgument(
          label + " can only contain letters, digits and underscores", name);
    }
  }
  return Status::OK();
}

namespace {

Result<int64_t> ParamInt(const FieldSchema& field, const std::string& key) {
  auto it = field.type_params.find(key);
  if (it == field.type_params.end()) {
    return Status::InvalidArgument("type param " + key + " missing for field", field.name);
  }
  int64_t value = 0;
  const std::string& text = it->second;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("type param " + key + " of field " + field.name +
                                   " is not an integer", text);
  }
  return value;
}

bool IsScalarElementType(DataType type) {
  return type == DataType::kBool || IsIntegerType(type) || IsFloatingType(type) ||
         type == DataType::kVarChar || type == DataType::kString;
}

}  // namespace

Status NormalizeSchema(CollectionSchema* schema, const SchemaLimits& limits) {
  QUIVER_RETURN_IF_ERROR(ValidateName(schema->name, "collection name"));
  // Drop any $meta a client sent; we add our own below.
  std::erase_if(schema->fields, [](const FieldSchema& f) { return f.is_dynamic; });
  if (schema->fields.empty()) return Status::InvalidArgument("schema has no fields");
  if (static_cast<int64_t>(schema->fields.size()) > limits.max_fields) {
    return Status::InvalidArgument("too many fields: at most " + std::to_string(limits.max_fields));
  }
  std::set<std::string> names;
  int primary_count = 0;
  int vector_count = 0;
  int partition_keys = 0;
  FieldId next_id = kFirstUserField;
  for (auto& field : schema->fields) {
    QUIVER_RETURN_IF_ERROR(ValidateName(field.name, "field name"));
    if (!names.insert(field.name).second) {
      return Status::InvalidArgument("duplicated field name", field.name);
    }
    if (field.type == DataType::kNone || !IsKnownDataType(static_cast<int32_t>(field.type))) {
      return Status::InvalidArgument("field data type is not set or unknown", field.name);
    }
    field.id = next_id++;
    if (field.primary_key) {
      ++primary_count;
      if (field.type != DataType::kInt64 && field.type != DataType::kVarChar) {
        return Status::InvalidArgument("primary key must be Int64 or VarChar", field.name);
      }
      if (field.nullable) return Status::InvalidArgument("primary key cannot be nullable", field.name);
    } else if (field.auto_id) {
      return Status::InvalidArgument("only the primary key can be auto id", field.name);
    }
    if (field.partition_key) {
      ++partition_keys;
      if (field.primary_key) return Status::InvalidArgument("partition key cannot be the primary key", field.name);
      if (field.type != DataType::kInt64 && field.type != DataType::kVarChar) {
        return Status::InvalidArgument("partition key must be Int64 or VarChar", field.name);
      }
    }
    if (IsVectorType(field.type)) {
      ++vector_count;
      if (field.nullable) return Status::InvalidArgument("vector field cannot be nullable", field.name);
      if (field.type != DataType::kSparseFloatVector) {
        QUIVER_ASSIGN_OR_RETURN(field.dim, ParamInt(field, "dim"));
        if (field.dim < 1 || field.dim > limits.max_dim) {
          return Status::InvalidArgument("invalid dimension " + std::to_string(field.dim) +
                                         " of field " + field.name + ": must be in [1, " +
                                         std::to_string(limits.max_dim) + "]");
        }
        if (field.type == DataType::kBinaryVector && field.dim % 8 != 0) {
          return Status::InvalidArgument("binary vector dimension must be a multiple of 8", field.name);
        }
      }
    }
    if (field.type == DataType::kVarChar || field.type == DataType::kString ||
        (field.type == DataType::kArray &&
         (field.element_type == DataType::kVarChar || field.element_type == DataType::kString))) {
      QUIVER_ASSIGN_OR_RETURN(field.max_length, ParamInt(field, "max_length"));
      if (field.max_length < 1 || field.max_length > limits.max_varchar_length) {
        return Status::InvalidArgument("invalid max_length " + std::to_string(field.max_length) +
                                       " of field " + field.name + ": must be in [1, " +
                                       std::to_string(limits.max_varchar_length) + "]");
      }
    }
    if (field.type == DataType::kArray) {
      if (!IsScalarElementType(field.element_type)) {
        return Status::InvalidArgument("array element type must be a scalar type", field.name);
      }
      QUIVER_ASSIGN_OR_RETURN(field.max_capacity, ParamInt(field, "max_capacity"));
      if (field.max_capacity < 1 || field.max_capacity > limits.max_array_capacity) {
        return Status::InvalidArgument("invalid max_capacity " + std::to_string(field.max_capacity) +
                                       " of field " + field.name + ": must be in [1, " +
                                       std::to_string(limits.max_array_capacity) + "]");
      }
    }
  }
  if (primary_count == 0) return Status::InvalidArgument("schema has no primary key field");
  if (primary_count > 1) return Status::InvalidArgument("schema has more than one primary key field");
  if (vector_count == 0) return Status::InvalidArgument("schema has no vector field");
  if (vector_count > limits.max_vector_fields) {
    return Status::InvalidArgument("too many vector fields: at most " +
                                   std::to_string(limits.max_vector_fields));
  }
  if (partition_keys > 1) return Status::InvalidArgument("more than one partition key field");
  if (schema->enable_dynamic_field) {
    FieldSchema meta;
    meta.id = next_id;
    meta.name = std::string(kDynamicFieldName);
    meta.type = DataType::kJson;
    meta.is_dynamic = true;
    meta.description = "dynamic schema";
    schema->fields.push_back(std::move(meta));
  }
  return Status::OK();
}

namespace {

nlohmann::json ScalarToJson(const ScalarValue& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
        else return v;
      },
      value);
}

ScalarValue ScalarFromJson(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return std::monostate{};
}

}  // namespace

std::string SchemaToJson(const CollectionSchema& schema) {
  nlohmann::json j;
  j["name"] = schema.name;
  j["description"] = schema.description;
  j["enable_dynamic_field"] = schema.enable_dynamic_field;
  j["fields"] = nlohmann::json::array();
  for (const auto& f : schema.fields) {
    nlohmann::json jf;
    jf["id"] = f.id;
    jf["name"] = f.name;
    jf["description"] = f.description;
    jf["type"] = static_cast<int32_t>(f.type);
    jf["element_type"] = static_cast<int32_t>(f.element_type);
    jf["primary_key"] = f.primary_key;
    jf["auto_id"] = f.auto_id;
    jf["nullable"] = f.nullable;
    jf["is_dynamic"] = f.is_dynamic;
    jf["partition_key"] = f.partition_key;
    jf["clustering_key"] = f.clustering_key;
    jf["function_output"] = f.function_output;
    jf["dim"] = f.dim;
    jf["max_length"] = f.max_length;
    jf["max_capacity"] = f.max_capacity;
    if (f.default_value) jf["default_value"] = ScalarToJson(*f.default_value);
    jf["type_params"] = f.type_params;
    j["fields"].push_back(std::move(jf));
  }
  return j.dump();
}

Result<CollectionSchema> SchemaFromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("stored schema is not JSON");
  try {
    CollectionSchema schema;
    schema.name = j.at("name").get<std::string>();
    schema.description = j.value("description", "");
    schema.enable_dynamic_field = j.value("enable_dynamic_field", false);
    for (const auto& jf : j.at("fields")) {
      FieldSchema f;
      f.id = jf.at("id").get<int64_t>();
      f.name = jf.at("name").get<std::string>();
      f.description = jf.value("description", "");
      f.type = static_cast<DataType>(jf.at("type").get<int32_t>());
      f.element_type = static_cast<DataType>(jf.value("element_type", 0));
      f.primary_key = jf.value("primary_key", false);
      f.auto_id = jf.value("auto_id", false);
      f.nullable = jf.value("nullable", false);
      f.is_dynamic = jf.value("is_dynamic", false);
      f.partition_key = jf.value("partition_key", false);
      f.clustering_key = jf.value("clustering_key", false);
      f.function_output = jf.value("function_output", false);
      f.dim = jf.value("dim", int64_t{0});
      f.max_length = jf.value("max_length", int64_t{0});
      f.max_capacity = jf.value("max_capacity", int64_t{0});
      if (jf.contains("default_value")) f.default_value = ScalarFromJson(jf["default_value"]);
      if (jf.contains("type_params")) {
        f.type_params = jf["type_params"].get<std::map<std::string, std::string>>();
      }
      schema.fields.push_back(std::move(f));
    }
    return schema;
  } catch (const std::exception& e) {
    return Status::Corruption("stored schema is malformed", e.what());
  }
}

}  // namespace quiver::schema
