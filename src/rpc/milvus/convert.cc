#include "rpc/milvus/convert.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "common/json_depth.h"
#include "rpc/milvus/options.h"
#include "schema/array_codec.h"

namespace quiver::rpc::milvus {

using schema::DataType;
using Json = nlohmann::json;

namespace {

std::string Dt(DataType t) { return std::string(schema::DataTypeName(t)); }

Result<schema::ScalarValue> DefaultFromProto(const pb::schema::ValueField& v) {
  switch (v.data_case()) {
    case pb::schema::ValueField::kBoolData: return schema::ScalarValue(v.bool_data());
    case pb::schema::ValueField::kIntData: return schema::ScalarValue(static_cast<int64_t>(v.int_data()));
    case pb::schema::ValueField::kLongData: return schema::ScalarValue(static_cast<int64_t>(v.long_data()));
    case pb::schema::ValueField::kFloatData: return schema::ScalarValue(static_cast<double>(v.float_data()));
    case pb::schema::ValueField::kDoubleData: return schema::ScalarValue(v.double_data());
    case pb::schema::ValueField::kStringData: return schema::ScalarValue(v.string_data());
    default: return Status::InvalidArgument("unsupported default value type");
  }
}

void DefaultToProto(const schema::ScalarValue& v, DataType type, pb::schema::ValueField* out) {
  if (const bool* b = std::get_if<bool>(&v)) out->set_bool_data(*b);
  else if (const int64_t* i = std::get_if<int64_t>(&v)) {
    if (type == DataType::kInt64) out->set_long_data(*i);
    else out->set_int_data(static_cast<int32_t>(*i));
  } else if (const double* d = std::get_if<double>(&v)) {
    if (type == DataType::kFloat) out->set_float_data(static_cast<float>(*d));
    else out->set_double_data(*d);
  } else if (const std::string* s = std::get_if<std::string>(&v)) out->set_string_data(*s);
}

}  // namespace

Result<schema::CollectionSchema> SchemaFromProto(const pb::schema::CollectionSchema& proto) {
  schema::CollectionSchema s;
  s.name = proto.name();
  s.description = proto.description();
  s.enable_dynamic_field = proto.enable_dynamic_field();
  // Options the schema can carry that Quiver does not implement are refused, never dropped
  // (docs/design/options.md): struct_array_fields and other newer fields, functions, properties.
  QUIVER_RETURN_IF_ERROR(CheckKnownFields(proto));
  if (proto.functions_size() > 0) {
    return Status::NotSupported("schema functions (BM25, text embedding, rerank) are not supported yet")
        .WithDetail(ErrorDetail::kUnimplemented);
  }
  if (proto.properties_size() > 0) {
    return Status::NotSupported("schema properties are not supported; set properties on the CreateCollection request")
        .WithDetail(ErrorDetail::kUnimplemented);
  }
  for (const auto& f : proto.fields()) {
    if (f.is_dynamic()) {
      if (!proto.enable_dynamic_field()) {
        return Status::InvalidArgument("field " + f.name() + " is marked is_dynamic but the schema does not enable the dynamic field");
      }
      continue;  // we add our own $meta
    }
    schema::FieldSchema field;
    field.name = f.name();
    field.description = f.description();
    if (!schema::IsKnownDataType(f.data_type())) {
      if (f.data_type() == 106 || f.data_type() == 201) {  // ArrayOfVector, Struct (Milvus 2.6)
        return Status::NotSupported("field " + f.name() + ": Array of Struct and ArrayOfVector fields are not supported yet")
            .WithDetail(ErrorDetail::kUnimplemented);
      }
      return Status::InvalidArgument("field " + f.name() + " has an unknown data type " + std::to_string(f.data_type()));
    }
    if (f.is_function_output()) {
      return Status::NotSupported("field " + f.name() + " is a function output; schema functions are not supported yet")
          .WithDetail(ErrorDetail::kUnimplemented);
    }
    if (f.index_params_size() > 0) {
      return Status::NotSupported("index_params in the schema of field " + f.name() +
                                  " are not supported; create indexes with CreateIndex")
          .WithDetail(ErrorDetail::kUnimplemented);
    }
    if (f.state() != pb::schema::FieldCreated) {
      return Status::InvalidArgument("field " + f.name() + " has state " + std::to_string(f.state()) +
                                     "; a field's state is set by the server");
    }
    field.type = static_cast<DataType>(f.data_type());
    field.element_type = static_cast<DataType>(f.element_type());
    field.primary_key = f.is_primary_key();
    field.auto_id = f.autoid() || (f.is_primary_key() && proto.autoid());
    field.nullable = f.nullable();
    field.partition_key = f.is_partition_key();
    field.clustering_key = f.is_clustering_key();
    field.function_output = f.is_function_output();
    for (const auto& kv : f.type_params()) field.type_params[kv.key()] = kv.value();
    if (f.has_default_value() && f.default_value().data_case() != pb::schema::ValueField::DATA_NOT_SET) {
      QUIVER_ASSIGN_OR_RETURN(field.default_value, DefaultFromProto(f.default_value()));
    }
    s.fields.push_back(std::move(field));
  }
  return s;
}

void SchemaToProto(const schema::CollectionSchema& s, pb::schema::CollectionSchema* out) {
  out->set_name(s.name);
  out->set_description(s.description);
  out->set_enable_dynamic_field(s.enable_dynamic_field);
  for (const auto& field : s.fields) {
    if (field.is_dynamic) continue;
    auto* f = out->add_fields();
    f->set_fieldid(field.id);
    f->set_name(field.name);
    f->set_description(field.description);
    f->set_data_type(static_cast<pb::schema::DataType>(field.type));
    f->set_element_type(static_cast<pb::schema::DataType>(field.element_type));
    f->set_is_primary_key(field.primary_key);
    f->set_autoid(field.auto_id);
    f->set_nullable(field.nullable);
    f->set_is_partition_key(field.partition_key);
    f->set_is_clustering_key(field.clustering_key);
    f->set_is_function_output(field.function_output);
    for (const auto& [k, v] : field.type_params) {
      auto* kv = f->add_type_params();
      kv->set_key(k);
      kv->set_value(v);
    }
    if (field.default_value) DefaultToProto(*field.default_value, field.type, f->mutable_default_value());
  }
}

namespace {

// One input column: where row r's value is, given nulls and packed data.
struct Input {
  const pb::schema::FieldData* data = nullptr;
  size_t values = 0;        // number of values present in the data array
  std::vector<bool> valid;  // per row (empty = all valid)
  bool packed = false;      // data holds only the valid rows
  // Index into the data array for row r (only for valid rows).
  std::vector<size_t> index;
};

size_t ScalarCount(const pb::schema::FieldData& f) {
  const auto& s = f.scalars();
  switch (s.data_case()) {
    case pb::schema::ScalarField::kBoolData: return s.bool_data().data_size();
    case pb::schema::ScalarField::kIntData: return s.int_data().data_size();
    case pb::schema::ScalarField::kLongData: return s.long_data().data_size();
    case pb::schema::ScalarField::kFloatData: return s.float_data().data_size();
    case pb::schema::ScalarField::kDoubleData: return s.double_data().data_size();
    case pb::schema::ScalarField::kStringData: return s.string_data().data_size();
    case pb::schema::ScalarField::kBytesData: return s.bytes_data().data_size();
    case pb::schema::ScalarField::kArrayData: return s.array_data().data_size();
    case pb::schema::ScalarField::kJsonData: return s.json_data().data_size();
    default: return 0;
  }
}

Result<size_t> VectorRows(const schema::FieldSchema& field, const pb::schema::FieldData& f) {
  const auto& v = f.vectors();
  int64_t dim = field.dim;
  auto check_dim = [&]() -> Status {
    if (v.dim() != 0 && v.dim() != dim) {
      return Status::InvalidArgument("the dim (" + std::to_string(v.dim()) + ") of field data(" + field.name +
                                     ") is not equal to schema dim (" + std::to_string(dim) + ")");
    }
    return Status::OK();
  };
  switch (field.type) {
    case DataType::kFloatVector: {
      QUIVER_RETURN_IF_ERROR(check_dim());
      size_t n = static_cast<size_t>(v.float_vector().data_size());
      if (n % static_cast<size_t>(dim) != 0) {
        return Status::InvalidArgument("the length (" + std::to_string(n) + ") of float data of field " + field.name +
                                       " is not a multiple of its dim (" + std::to_string(dim) + ")");
      }
      return n / static_cast<size_t>(dim);
    }
    case DataType::kBinaryVector:
    case DataType::kFloat16Vector:
    case DataType::kBFloat16Vector:
    case DataType::kInt8Vector: {
      QUIVER_RETURN_IF_ERROR(check_dim());
      const std::string& bytes = field.type == DataType::kBinaryVector    ? v.binary_vector()
                                 : field.type == DataType::kFloat16Vector ? v.float16_vector()
                                 : field.type == DataType::kBFloat16Vector ? v.bfloat16_vector()
                                                                           : v.int8_vector();
      size_t width = schema::FixedWidth(field.type, dim);
      if (bytes.size() % width != 0) return Status::InvalidArgument("vector bytes of field " + field.name + " do not match its dim");
      return bytes.size() / width;
    }
    case DataType::kSparseFloatVector:
      return static_cast<size_t>(v.sparse_float_vector().contents_size());
    default:
      return Status::InvalidArgument("not a vector field", field.name);
  }
}

Status CheckScalarCase(const schema::FieldSchema& field, const pb::schema::FieldData& f) {
  using C = pb::schema::ScalarField;
  C::DataCase want;
  switch (field.type) {
    case DataType::kBool: want = C::kBoolData; break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: want = C::kIntData; break;
    case DataType::kInt64: want = C::kLongData; break;
    case DataType::kFloat: want = C::kFloatData; break;
    case DataType::kDouble: want = C::kDoubleData; break;
    case DataType::kVarChar:
    case DataType::kString:
    case DataType::kText: want = C::kStringData; break;
    case DataType::kJson: want = C::kJsonData; break;
    case DataType::kArray: want = C::kArrayData; break;
    default: return Status::InvalidArgument("unsupported field type " + Dt(field.type), field.name);
  }
  if (!f.has_scalars() || f.scalars().data_case() != want) {
    if (f.has_scalars() && f.scalars().data_case() == C::DATA_NOT_SET) return Status::OK();  // empty column
    return Status::InvalidArgument("field " + field.name + " expects " + Dt(field.type) + " data");
  }
  return Status::OK();
}

Status ValidateArrayRow(const schema::FieldSchema& field, const pb::schema::ScalarField& row,
                        std::vector<schema::ScalarValue>* out) {
  using C = pb::schema::ScalarField;
  DataType e = field.element_type;
  auto wrong = [&]() { return Status::InvalidArgument("array field " + field.name + " expects " + Dt(e) + " elements"); };
  switch (row.data_case()) {
    case C::kBoolData:
      if (e != DataType::kBool) return wrong();
      for (bool b : row.bool_data().data()) out->emplace_back(b);
      break;
    case C::kIntData:
      if (!schema::IsIntegerType(e)) return wrong();
      for (int32_t v : row.int_data().data()) out->emplace_back(static_cast<int64_t>(v));
      break;
    case C::kLongData:
      if (!schema::IsIntegerType(e)) return wrong();
      for (int64_t v : row.long_data().data()) out->emplace_back(v);
      break;
    case C::kFloatData:
      if (!schema::IsFloatingType(e)) return wrong();
      for (float v : row.float_data().data()) out->emplace_back(static_cast<double>(v));
      break;
    case C::kDoubleData:
      if (!schema::IsFloatingType(e)) return wrong();
      for (double v : row.double_data().data()) out->emplace_back(v);
      break;
    case C::kStringData:
      if (!schema::IsStringType(e)) return wrong();
      for (const auto& v : row.string_data().data()) out->emplace_back(v);
      break;
    case C::DATA_NOT_SET:
      break;
    default:
      return wrong();
  }
  return proxy::CheckArrayValues(field, *out);
}

// Appends row value `i` (index into the data array) of scalar field data to the builder.
Status AppendScalar(const schema::FieldSchema& field, const RowLimits& limits, const pb::schema::FieldData& f, size_t i,
                    schema::ColumnBuilder* b) {
  const auto& s = f.scalars();
  switch (field.type) {
    case DataType::kBool: b->AppendBool(s.bool_data().data(static_cast<int>(i))); break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: {
      int64_t v = s.int_data().data(static_cast<int>(i));
      QUIVER_RETURN_IF_ERROR(proxy::CheckIntRange(field, v));
      b->AppendInt(v);
      break;
    }
    case DataType::kInt64: b->AppendInt(s.long_data().data(static_cast<int>(i))); break;
    case DataType::kFloat: {
      float v = s.float_data().data(static_cast<int>(i));
      QUIVER_RETURN_IF_ERROR(proxy::CheckFinite(field, v));
      b->AppendDouble(v);
      break;
    }
    case DataType::kDouble: {
      double v = s.double_data().data(static_cast<int>(i));
      QUIVER_RETURN_IF_ERROR(proxy::CheckFinite(field, v));
      b->AppendDouble(v);
      break;
    }
    case DataType::kVarChar:
    case DataType::kText: {
      const std::string& v = s.string_data().data(static_cast<int>(i));
      QUIVER_RETURN_IF_ERROR(proxy::CheckVarChar(field, v));
      b->AppendBytes(v);
      break;
    }
    case DataType::kJson: {
      const std::string& v = s.json_data().data(static_cast<int>(i));
      if (v.empty() && !field.is_dynamic) {
        return Status::InvalidArgument("JSON field " + field.name + " got an empty (null) value but is not nullable");
      }
      std::string_view text = v.empty() ? std::string_view("{}") : std::string_view(v);
      QUIVER_RETURN_IF_ERROR(proxy::CheckJsonText(field, text, limits));
      b->AppendBytes(text);
      break;
    }
    case DataType::kArray: {
      std::vector<schema::ScalarValue> values;
      QUIVER_RETURN_IF_ERROR(ValidateArrayRow(field, s.array_data().data(static_cast<int>(i)), &values));
      std::string encoded;
      QUIVER_RETURN_IF_ERROR(schema::EncodeArray(field.element_type, values, &encoded));
      b->AppendBytes(encoded);
      break;
    }
    default:
      return Status::InvalidArgument("unsupported field type", field.name);
  }
  return Status::OK();
}

Status AppendVector(const schema::FieldSchema& field, const pb::schema::FieldData& f, size_t row,
                    schema::ColumnBuilder* b) {
  const auto& v = f.vectors();
  size_t width = schema::FixedWidth(field.type, field.dim);
  switch (field.type) {
    case DataType::kFloatVector: {
      const float* data = v.float_vector().data().data() + row * static_cast<size_t>(field.dim);
      QUIVER_RETURN_IF_ERROR(proxy::CheckFloatVector(field, data));
      b->AppendBytes(std::string_view(reinterpret_cast<const char*>(data), width));
      break;
    }
    case DataType::kBinaryVector: b->AppendBytes(std::string_view(v.binary_vector()).substr(row * width, width)); break;
    case DataType::kFloat16Vector: b->AppendBytes(std::string_view(v.float16_vector()).substr(row * width, width)); break;
    case DataType::kBFloat16Vector: b->AppendBytes(std::string_view(v.bfloat16_vector()).substr(row * width, width)); break;
    case DataType::kInt8Vector: b->AppendBytes(std::string_view(v.int8_vector()).substr(row * width, width)); break;
    case DataType::kSparseFloatVector: {
      const std::string& pairs = v.sparse_float_vector().contents(static_cast<int>(row));
      QUIVER_ASSIGN_OR_RETURN(std::string canonical,
                              CanonicalSparseRow(pairs, "sparse vector row " + std::to_string(row) + " of field " + field.name));
      b->AppendBytes(canonical);
      break;
    }
    default:
      return Status::InvalidArgument("unsupported vector type", field.name);
  }
  return Status::OK();
}

}  // namespace

Result<RowsIn> RowsFromFieldData(const schema::CollectionSchema& s,
                                 const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields,
                                 uint32_t num_rows, bool upsert,
                                 const std::function<Result<int64_t>(uint32_t)>& alloc_ids,
                                 const RowLimits& limits) {
  std::map<std::string, const pb::schema::FieldData*, std::less<>> by_name;
  for (const auto& f : fields) {
    std::string name = f.is_dynamic() ? std::string(schema::kDynamicFieldName) : f.field_name();
    const schema::FieldSchema* field = s.FindField(name);
    if (field == nullptr) {
      if (s.enable_dynamic_field) {
        return Status::InvalidArgument("field " + name + " is not in the schema; send dynamic keys inside $meta")
            .WithDetail(ErrorDetail::kFieldNotFound);
      }
      return Status::InvalidArgument("the field (" + name + ") does not exist in the collection schema and the collection does not enable dynamic fields")
          .WithDetail(ErrorDetail::kFieldNotFound);
    }
    if (!by_name.emplace(name, &f).second) return Status::InvalidArgument("duplicated field " + name + " in insert data");
  }
  // Row count: from the request, else from the first column.
  size_t rows = num_rows;
  for (const auto& [name, f] : by_name) {
    const schema::FieldSchema* field = s.FindField(name);
    size_t count;
    if (schema::IsVectorType(field->type)) {
      QUIVER_ASSIGN_OR_RETURN(count, VectorRows(*field, *f));
    } else {
      QUIVER_RETURN_IF_ERROR(CheckScalarCase(*field, *f));
      count = ScalarCount(*f);
      if (f->valid_data_size() > 0) count = static_cast<size_t>(f->valid_data_size());
    }
    if (rows == 0) rows = count;
    if (count != rows) {
      return Status::InvalidArgument("the number of rows (" + std::to_string(count) + ") of field " + name +
                                     " does not match the number of rows (" + std::to_string(rows) + ")");
    }
  }
  if (rows == 0) return Status::InvalidArgument("no rows to insert");
  std::map<std::string, std::shared_ptr<const schema::ColumnChunk>, std::less<>> columns;
  for (const schema::FieldSchema& field : s.fields) {  // checked in schema order
    auto found = by_name.find(field.name);
    if (found == by_name.end()) continue;
    const pb::schema::FieldData* given = found->second;
    if (field.primary_key && field.auto_id && !upsert) {
      return Status::InvalidArgument("the primary key field " + field.name + " is auto id; do not insert values for it");
    }
    schema::ColumnBuilder b(field.type, field.dim, field.element_type, field.nullable);
    if (schema::IsVectorType(field.type)) {
      for (size_t r = 0; r < rows; ++r) QUIVER_RETURN_IF_ERROR(AppendVector(field, *given, r, &b));
    } else {
      const pb::schema::FieldData& f = *given;
      size_t values = ScalarCount(f);
      bool has_valid = f.valid_data_size() > 0;
      if (has_valid && !field.nullable && !field.default_value) {
        for (bool v : f.valid_data()) {
          if (!v) return Status::InvalidArgument("field " + field.name + " is not nullable but null values were given");
        }
      }
      size_t valid_count = 0;
      if (has_valid) {
        for (bool v : f.valid_data()) valid_count += v ? 1 : 0;
      }
      bool packed = has_valid && values == valid_count && values != rows;
      if (!has_valid && values != rows) return Status::InvalidArgument("row count mismatch in field " + field.name);
      if (has_valid && !packed && values != rows) return Status::InvalidArgument("row count mismatch in field " + field.name);
      size_t next = 0;
      for (size_t r = 0; r < rows; ++r) {
        bool valid = !has_valid || f.valid_data(static_cast<int>(r));
        size_t index = packed ? next : r;
        // The Node SDK sends a null (or absent) JSON value as empty bytes marked valid: in a
        // nullable JSON field, empty bytes are null.
        if (valid && field.type == DataType::kJson && field.nullable && !field.is_dynamic &&
            index < values && f.scalars().json_data().data(static_cast<int>(index)).empty()) {
          valid = false;
          if (packed) ++next;  // the empty value took a slot in the packed data
        }
        if (!valid) {
          if (field.default_value) QUIVER_RETURN_IF_ERROR(proxy::AppendDefault(field, &b));
          else b.AppendNull();
          continue;
        }
        QUIVER_RETURN_IF_ERROR(AppendScalar(field, limits, f, index, &b));
        ++next;
      }
    }
    columns.emplace(field.name, b.Build());
  }
  return proxy::AssembleRows(s, std::move(columns), rows, upsert, alloc_ids);
}

void ColumnToFieldData(const schema::FieldSchema& field, const schema::ColumnChunk& column,
                       const std::set<std::string>& dynamic_keys, pb::schema::FieldData* out) {
  out->set_type(static_cast<pb::schema::DataType>(field.type));
  out->set_field_name(field.name);
  out->set_field_id(field.id);
  out->set_is_dynamic(field.is_dynamic);
  const size_t rows = column.rows;
  if (column.nullable()) {
    for (size_t r = 0; r < rows; ++r) out->add_valid_data(column.IsValid(r));
  }
  if (schema::IsVectorType(field.type)) {
    auto* v = out->mutable_vectors();
    v->set_dim(field.dim);
    switch (field.type) {
      case DataType::kFloatVector: {
        auto values = column.Values<float>();
        v->mutable_float_vector()->mutable_data()->Add(values.begin(), values.end());
        break;
      }
      case DataType::kBinaryVector: v->set_binary_vector(std::string(column.data.view())); break;
      case DataType::kFloat16Vector: v->set_float16_vector(std::string(column.data.view())); break;
      case DataType::kBFloat16Vector: v->set_bfloat16_vector(std::string(column.data.view())); break;
      case DataType::kInt8Vector: v->set_int8_vector(std::string(column.data.view())); break;
      case DataType::kSparseFloatVector: {
        auto* sparse = v->mutable_sparse_float_vector();
        int64_t max_index = 0;
        for (size_t r = 0; r < rows; ++r) {
          std::string_view pairs = column.VarAt(r);
          sparse->add_contents(std::string(pairs));
          for (size_t k = 0; k + 8 <= pairs.size(); k += 8) {
            uint32_t index;
            std::memcpy(&index, pairs.data() + k, 4);
            max_index = std::max<int64_t>(max_index, index + 1);
          }
        }
        sparse->set_dim(max_index);
        v->set_dim(max_index);
        break;
      }
      default: break;
    }
    return;
  }
  auto* s = out->mutable_scalars();
  switch (field.type) {
    case DataType::kBool: {
      auto* d = s->mutable_bool_data();
      for (size_t r = 0; r < rows; ++r) d->add_data(column.data.data()[r] != 0);
      break;
    }
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: {
      auto* d = s->mutable_int_data();
      for (size_t r = 0; r < rows; ++r) d->add_data(static_cast<int32_t>(column.IntAt(r)));
      break;
    }
    case DataType::kInt64: {
      auto values = column.Values<int64_t>();
      s->mutable_long_data()->mutable_data()->Add(values.begin(), values.end());
      break;
    }
    case DataType::kFloat: {
      auto values = column.Values<float>();
      s->mutable_float_data()->mutable_data()->Add(values.begin(), values.end());
      break;
    }
    case DataType::kDouble: {
      auto values = column.Values<double>();
      s->mutable_double_data()->mutable_data()->Add(values.begin(), values.end());
      break;
    }
    case DataType::kVarChar:
    case DataType::kString:
    case DataType::kText: {
      auto* d = s->mutable_string_data();
      for (size_t r = 0; r < rows; ++r) d->add_data(std::string(column.VarAt(r)));
      break;
    }
    case DataType::kJson: {
      auto* d = s->mutable_json_data();
      for (size_t r = 0; r < rows; ++r) {
        std::string_view text = column.IsValid(r) ? column.VarAt(r) : std::string_view();
        if (field.is_dynamic && !dynamic_keys.empty() && !text.empty()) {
          Json parsed = Json::parse(text, nullptr, false);
          Json kept = Json::object();
          if (parsed.is_object()) {
            for (const auto& key : dynamic_keys) {
              auto it = parsed.find(key);
              if (it != parsed.end()) kept[key] = *it;
            }
          }
          d->add_data(kept.dump());
        } else {
          d->add_data(std::string(text));
        }
      }
      break;
    }
    case DataType::kArray: {
      auto* arrays = s->mutable_array_data();
      arrays->set_element_type(static_cast<pb::schema::DataType>(field.element_type));
      for (size_t r = 0; r < rows; ++r) {
        auto* row = arrays->add_data();
        if (!column.IsValid(r)) continue;
        auto decoded = schema::DecodeArray(field.element_type, column.VarAt(r));
        if (!decoded.ok()) continue;
        DataType e = field.element_type;
        for (const auto& v : *decoded) {
          if (e == DataType::kBool) row->mutable_bool_data()->add_data(std::get<bool>(v));
          else if (e == DataType::kInt64) row->mutable_long_data()->add_data(std::get<int64_t>(v));
          else if (schema::IsIntegerType(e)) row->mutable_int_data()->add_data(static_cast<int32_t>(std::get<int64_t>(v)));
          else if (e == DataType::kFloat) row->mutable_float_data()->add_data(static_cast<float>(std::get<double>(v)));
          else if (e == DataType::kDouble) row->mutable_double_data()->add_data(std::get<double>(v));
          else row->mutable_string_data()->add_data(std::get<std::string>(v));
        }
        // An empty row still needs its type set so clients decode it as an empty array.
        if (decoded->empty()) {
          if (e == DataType::kBool) row->mutable_bool_data();
          else if (e == DataType::kInt64) row->mutable_long_data();
          else if (schema::IsIntegerType(e)) row->mutable_int_data();
          else if (e == DataType::kFloat) row->mutable_float_data();
          else if (e == DataType::kDouble) row->mutable_double_data();
          else row->mutable_string_data();
        }
      }
      break;
    }
    default:
      break;
  }
}

void PrimaryKeysToIds(const std::vector<segment::PrimaryKey>& pks, bool varchar, pb::schema::IDs* out) {
  if (varchar) {
    auto* ids = out->mutable_str_id();
    for (const auto& pk : pks) ids->add_data(std::get<std::string>(pk));
  } else {
    auto* ids = out->mutable_int_id();
    for (const auto& pk : pks) ids->add_data(std::get<int64_t>(pk));
  }
}

cluster::KeyValues KeyValuesFromProto(const google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>& kvs) {
  cluster::KeyValues out;
  for (const auto& kv : kvs) out.emplace_back(kv.key(), kv.value());
  return out;
}

void KeyValuesToProto(const cluster::KeyValues& kvs, google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>* out) {
  for (const auto& [k, v] : kvs) {
    auto* kv = out->Add();
    kv->set_key(k);
    kv->set_value(v);
  }
}

Result<expr::Literal> LiteralFromTemplate(const pb::schema::TemplateValue& value) {
  using V = pb::schema::TemplateValue;
  switch (value.val_case()) {
    case V::kBoolVal: return expr::Literal(value.bool_val());
    case V::kInt64Val: return expr::Literal(value.int64_val());
    case V::kFloatVal: return expr::Literal(value.float_val());
    case V::kStringVal: return expr::Literal(value.string_val());
    case V::kArrayVal: {
      std::function<Result<expr::Literal>(const pb::schema::TemplateArrayValue&)> convert =
          [&](const pb::schema::TemplateArrayValue& a) -> Result<expr::Literal> {
        expr::LiteralArray out;
        using A = pb::schema::TemplateArrayValue;
        switch (a.data_case()) {
          case A::kBoolData: for (bool b : a.bool_data().data()) out.emplace_back(b); break;
          case A::kLongData: for (int64_t v : a.long_data().data()) out.emplace_back(v); break;
          case A::kDoubleData: for (double v : a.double_data().data()) out.emplace_back(v); break;
          case A::kStringData: for (const auto& v : a.string_data().data()) out.emplace_back(v); break;
          case A::kArrayData:
            for (const auto& inner : a.array_data().data()) {
              QUIVER_ASSIGN_OR_RETURN(expr::Literal l, convert(inner));
              out.push_back(std::move(l));
            }
            break;
          default: return Status::InvalidArgument("unsupported template array value");
        }
        return expr::Literal(std::move(out));
      };
      return convert(value.array_val());
    }
    default: return Status::InvalidArgument("empty template value");
  }
}

Result<expr::TemplateValues> TemplatesFromProto(const google::protobuf::Map<std::string, pb::schema::TemplateValue>& values) {
  expr::TemplateValues out;
  for (const auto& [name, value] : values) {
    QUIVER_ASSIGN_OR_RETURN(expr::Literal literal, LiteralFromTemplate(value));
    out.emplace(name, std::move(literal));
  }
  return out;
}

}  // namespace quiver::rpc::milvus
