#include "rpc/rest/rest_codec.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "common/json_depth.h"
#include "index/vector_index.h"

namespace quiver::rpc::rest {

namespace {

using pb::schema::DataType;

std::string RowField(size_t row, const std::string& field) {
  return "row " + std::to_string(row) + ", field " + field;
}

Status WrongType(size_t row, const std::string& field, const char* expected) {
  return Status::InvalidArgument("invalid insert data: " + RowField(row, field) + ": expected " + expected);
}

int64_t Dim(const pb::schema::FieldSchema& f) {
  for (const auto& kv : f.type_params()) {
    if (kv.key() == "dim") return std::atoll(kv.value().c_str());
  }
  return 0;
}

bool IsVector(DataType t) {
  return t == DataType::FloatVector || t == DataType::BinaryVector || t == DataType::Float16Vector ||
         t == DataType::BFloat16Vector || t == DataType::SparseFloatVector || t == DataType::Int8Vector;
}

Result<int64_t> Integer(const Json& v, size_t row, const std::string& field, int64_t lo, int64_t hi) {
  int64_t value = 0;
  if (v.is_number_integer()) {
    value = v.get<int64_t>();
  } else if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return WrongType(row, field, "an integer in range");
    }
    value = static_cast<int64_t>(v.get<uint64_t>());
  } else if (v.is_string()) {
    // Clients that cannot hold int64 in a JSON number send it as a string.
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    long long parsed = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0) return WrongType(row, field, "an integer");
    value = parsed;
  } else {
    return WrongType(row, field, "an integer");
  }
  if (value < lo || value > hi) return WrongType(row, field, "an integer in range");
  return value;
}

void AppendLe32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }

// A sparse row as Milvus's wire pairs (uint32 index, float32 value), from {"idx": value} or
// {"indices": [...], "values": [...]}.
Result<std::string> SparseBytes(const Json& v, const std::string& what) {
  if (!v.is_object()) return Status::InvalidArgument(what + ": a sparse vector is an object of index: value");
  std::vector<std::pair<uint32_t, float>> pairs;
  if (v.contains("indices") && v.contains("values")) {
    const Json& idx = v["indices"];
    const Json& val = v["values"];
    if (!idx.is_array() || !val.is_array() || idx.size() != val.size()) {
      return Status::InvalidArgument(what + ": indices and values must be arrays of one length");
    }
    for (size_t i = 0; i < idx.size(); ++i) {
      if (!idx[i].is_number_unsigned() || !val[i].is_number()) return Status::InvalidArgument(what + ": bad sparse entry");
      pairs.emplace_back(static_cast<uint32_t>(idx[i].get<uint64_t>()), val[i].get<float>());
    }
  } else {
    for (const auto& [key, value] : v.items()) {
      char* end = nullptr;
      unsigned long long index = std::strtoull(key.c_str(), &end, 10);
      if (key.empty() || *end != '\0' || index >= 0xffffffffULL) {
        return Status::InvalidArgument(what + ": sparse index " + key + " is not an integer below 2^32-1");
      }
      if (!value.is_number()) return Status::InvalidArgument(what + ": sparse value of " + key + " is not a number");
      pairs.emplace_back(static_cast<uint32_t>(index), value.get<float>());
    }
  }
  std::string out;
  for (const auto& [index, value] : pairs) {
    AppendLe32(&out, index);
    out.append(reinterpret_cast<const char*>(&value), 4);
  }
  return out;
}

// Dense vector bytes of one row.
Result<std::string> DenseBytes(const Json& v, DataType type, int64_t dim, const std::string& what) {
  if (!v.is_array()) return Status::InvalidArgument(what + ": a vector is a JSON array");
  size_t expected = type == DataType::BinaryVector ? static_cast<size_t>(dim / 8) : static_cast<size_t>(dim);
  if (v.size() != expected) {
    return Status::InvalidArgument(what + ": the vector has " + std::to_string(v.size()) + " values, the field's dim is " +
                                   std::to_string(dim) + (type == DataType::BinaryVector ? " bits" : ""));
  }
  std::string out;
  for (const auto& x : v) {
    if (!x.is_number()) return Status::InvalidArgument(what + ": vector values must be numbers");
    switch (type) {
      case DataType::FloatVector: {
        float f = x.get<float>();
        out.append(reinterpret_cast<const char*>(&f), 4);
        break;
      }
      case DataType::Float16Vector: {
        uint16_t h = index::FloatToHalf(x.get<float>());
        out.append(reinterpret_cast<const char*>(&h), 2);
        break;
      }
      case DataType::BFloat16Vector: {
        uint16_t b = index::FloatToBFloat16(x.get<float>());
        out.append(reinterpret_cast<const char*>(&b), 2);
        break;
      }
      case DataType::BinaryVector:
      case DataType::Int8Vector: {
        if (!x.is_number_integer()) return Status::InvalidArgument(what + ": vector values must be integers");
        int64_t i = x.get<int64_t>();
        bool binary = type == DataType::BinaryVector;
        if (binary ? (i < 0 || i > 255) : (i < -128 || i > 127)) {
          return Status::InvalidArgument(what + (binary ? ": binary vector bytes are 0..255" : ": int8 values are -128..127"));
        }
        out.push_back(static_cast<char>(i));
        break;
      }
      default:
        return Status::InvalidArgument(what + ": not a dense vector field");
    }
  }
  return out;
}

// Appends one scalar value of `type` to `scalars` (created on first use).
Status AppendScalar(const Json& v, DataType type, size_t row, const std::string& name, pb::schema::ScalarField* s) {
  switch (type) {
    case DataType::Bool:
      if (!v.is_boolean()) return WrongType(row, name, "a boolean");
      s->mutable_bool_data()->add_data(v.get<bool>());
      return Status::OK();
    case DataType::Int8:
    case DataType::Int16:
    case DataType::Int32: {
      int64_t lo = type == DataType::Int8 ? -128 : type == DataType::Int16 ? -32768 : std::numeric_limits<int32_t>::min();
      int64_t hi = type == DataType::Int8 ? 127 : type == DataType::Int16 ? 32767 : std::numeric_limits<int32_t>::max();
      QUIVER_ASSIGN_OR_RETURN(int64_t i, Integer(v, row, name, lo, hi));
      s->mutable_int_data()->add_data(static_cast<int32_t>(i));
      return Status::OK();
    }
    case DataType::Int64: {
      QUIVER_ASSIGN_OR_RETURN(int64_t i, Integer(v, row, name, std::numeric_limits<int64_t>::min(),
                                                 std::numeric_limits<int64_t>::max()));
      s->mutable_long_data()->add_data(i);
      return Status::OK();
    }
    case DataType::Float:
      if (!v.is_number()) return WrongType(row, name, "a number");
      s->mutable_float_data()->add_data(v.get<float>());
      return Status::OK();
    case DataType::Double:
      if (!v.is_number()) return WrongType(row, name, "a number");
      s->mutable_double_data()->add_data(v.get<double>());
      return Status::OK();
    case DataType::VarChar:
    case DataType::String:
      if (!v.is_string()) return WrongType(row, name, "a string");
      s->mutable_string_data()->add_data(v.get<std::string>());
      return Status::OK();
    case DataType::JSON:
      // A JSON field takes any JSON value; a string is taken as JSON text when it parses.
      if (v.is_string()) {
        QUIVER_RETURN_IF_ERROR(CheckJsonNesting(v.get_ref<const std::string&>(), "JSON field " + name));
        Json parsed = Json::parse(v.get<std::string>(), nullptr, false);
        s->mutable_json_data()->add_data(parsed.is_discarded() ? v.dump() : parsed.dump());
      } else {
        s->mutable_json_data()->add_data(v.dump());
      }
      return Status::OK();
    default:
      return Status::InvalidArgument("invalid insert data: " + RowField(row, name) + ": type " +
                                     DataTypeName(type) + " is not supported by REST yet");
  }
}

// An empty array element still names its type (the oneof case).
void MarkEmpty(DataType type, pb::schema::ScalarField* s) {
  switch (type) {
    case DataType::Bool: s->mutable_bool_data(); break;
    case DataType::Int8:
    case DataType::Int16:
    case DataType::Int32: s->mutable_int_data(); break;
    case DataType::Int64: s->mutable_long_data(); break;
    case DataType::Float: s->mutable_float_data(); break;
    case DataType::Double: s->mutable_double_data(); break;
    default: s->mutable_string_data(); break;
  }
}

// The zero value a null row holds in its column.
void AppendZero(DataType type, pb::schema::FieldData* column, DataType element) {
  Json zero;
  switch (type) {
    case DataType::Bool: zero = false; break;
    case DataType::VarChar:
    case DataType::String: zero = ""; break;
    case DataType::JSON: column->mutable_scalars()->mutable_json_data()->add_data("{}"); return;
    case DataType::Array: {
      auto* array = column->mutable_scalars()->mutable_array_data();
      array->set_element_type(element);
      array->add_data();
      return;
    }
    default: zero = 0; break;
  }
  (void)AppendScalar(zero, type, 0, column->field_name(), column->mutable_scalars()).ok();
}

}  // namespace

std::string ParamText(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

Result<pb::schema::DataType> DataTypeFromName(const std::string& name) {
  DataType type;
  if (!pb::schema::DataType_Parse(name, &type) || type == DataType::None) {
    return Status::InvalidArgument("unknown data type " + name);
  }
  return type;
}

std::string DataTypeName(pb::schema::DataType type) { return pb::schema::DataType_Name(type); }

pb::common::PlaceholderType PlaceholderTypeOf(pb::schema::DataType type) {
  switch (type) {
    case DataType::BinaryVector: return pb::common::PlaceholderType::BinaryVector;
    case DataType::Float16Vector: return pb::common::PlaceholderType::Float16Vector;
    case DataType::BFloat16Vector: return pb::common::PlaceholderType::BFloat16Vector;
    case DataType::SparseFloatVector: return pb::common::PlaceholderType::SparseFloatVector;
    case DataType::Int8Vector: return pb::common::PlaceholderType::Int8Vector;
    default: return pb::common::PlaceholderType::FloatVector;
  }
}

pb::schema::DataType QueryEncodingOf(pb::schema::DataType field) {
  return field == DataType::Float16Vector || field == DataType::BFloat16Vector ? DataType::FloatVector : field;
}

Result<std::string> QueryVectorBytes(const Json& value, pb::schema::DataType type, int64_t dim) {
  if (type == DataType::SparseFloatVector) return SparseBytes(value, "search data");
  return DenseBytes(value, type, dim, "search data");
}

Status RowsToFieldData(const pb::schema::CollectionSchema& schema, const Json& rows, bool upsert,
                       google::protobuf::RepeatedPtrField<pb::schema::FieldData>* out, uint32_t* num_rows) {
  if (!rows.is_array()) return Status::InvalidArgument("data must be an array of rows");
  if (rows.empty()) return Status::InvalidArgument("data is empty");
  std::map<std::string, pb::schema::FieldData*> columns;
  std::set<std::string> names;
  pb::schema::FieldData* dynamic = nullptr;
  const pb::schema::FieldSchema* pk = nullptr;
  for (const auto& f : schema.fields()) {
    names.insert(f.name());
    if (f.is_primary_key()) pk = &f;
    if (f.is_dynamic()) continue;
    if (f.is_primary_key() && f.autoid() && !upsert) continue;
    if (f.is_function_output()) continue;
    auto* column = out->Add();
    column->set_field_name(f.name());
    column->set_type(f.data_type());
    if (IsVector(f.data_type())) column->mutable_vectors()->set_dim(Dim(f));
    columns[f.name()] = column;
  }
  if (schema.enable_dynamic_field()) {
    dynamic = out->Add();
    dynamic->set_field_name("$meta");
    dynamic->set_type(DataType::JSON);
    dynamic->set_is_dynamic(true);
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const Json& row = rows[r];
    if (!row.is_object()) return Status::InvalidArgument("invalid insert data: row " + std::to_string(r) + " is not an object");
    Json extra = Json::object();
    for (const auto& [key, value] : row.items()) {
      if (columns.count(key)) continue;
      if (pk != nullptr && key == pk->name() && pk->autoid() && !upsert) {
        return Status::InvalidArgument("invalid insert data: row " + std::to_string(r) + ": the primary key " + key +
                                       " is auto-generated; leave it out");
      }
      if (names.count(key)) continue;  // a function output or the dynamic field itself
      if (dynamic == nullptr) {
        return Status::InvalidArgument("invalid insert data: row " + std::to_string(r) + ": field " + key +
                                       " is not in the schema (and the collection has no dynamic field)");
      }
      extra[key] = value;
    }
    for (const auto& f : schema.fields()) {
      auto it = columns.find(f.name());
      if (it == columns.end()) continue;
      pb::schema::FieldData* column = it->second;
      bool present = row.contains(f.name()) && !row[f.name()].is_null();
      bool optional = f.nullable() || f.has_default_value();
      if (optional) column->add_valid_data(present);
      if (!present) {
        if (!optional) {
          return Status::InvalidArgument("invalid insert data: " + RowField(r, f.name()) + " is missing");
        }
        if (IsVector(f.data_type())) return Status::InvalidArgument("vector field " + f.name() + " cannot be null");
        AppendZero(f.data_type(), column, f.element_type());
        continue;
      }
      const Json& v = row[f.name()];
      std::string what = "invalid insert data: " + RowField(r, f.name());
      DataType t = f.data_type();
      if (t == DataType::SparseFloatVector) {
        QUIVER_ASSIGN_OR_RETURN(std::string bytes, SparseBytes(v, what));
        column->mutable_vectors()->mutable_sparse_float_vector()->add_contents(bytes);
      } else if (IsVector(t)) {
        QUIVER_ASSIGN_OR_RETURN(std::string bytes, DenseBytes(v, t, Dim(f), what));
        auto* vectors = column->mutable_vectors();
        switch (t) {
          case DataType::FloatVector: {
            auto* data = vectors->mutable_float_vector()->mutable_data();
            const float* p = reinterpret_cast<const float*>(bytes.data());
            data->Add(p, p + bytes.size() / 4);
            break;
          }
          case DataType::BinaryVector: vectors->mutable_binary_vector()->append(bytes); break;
          case DataType::Float16Vector: vectors->mutable_float16_vector()->append(bytes); break;
          case DataType::BFloat16Vector: vectors->mutable_bfloat16_vector()->append(bytes); break;
          default: vectors->mutable_int8_vector()->append(bytes); break;
        }
      } else if (t == DataType::Array) {
        if (!v.is_array()) return WrongType(r, f.name(), "an array");
        auto* array = column->mutable_scalars()->mutable_array_data();
        array->set_element_type(f.element_type());
        auto* element = array->add_data();
        for (const auto& e : v) QUIVER_RETURN_IF_ERROR(AppendScalar(e, f.element_type(), r, f.name(), element));
        if (v.empty()) MarkEmpty(f.element_type(), element);
      } else {
        QUIVER_RETURN_IF_ERROR(AppendScalar(v, t, r, f.name(), column->mutable_scalars()));
      }
    }
    if (dynamic != nullptr) dynamic->mutable_scalars()->mutable_json_data()->add_data(extra.dump());
  }
  *num_rows = static_cast<uint32_t>(rows.size());
  return Status::OK();
}

size_t ColumnRows(const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields) {
  size_t rows = 0;
  for (const auto& f : fields) {
    size_t n = 0;
    if (f.has_scalars()) {
      const auto& s = f.scalars();
      n = std::max({static_cast<size_t>(s.bool_data().data_size()), static_cast<size_t>(s.int_data().data_size()),
                    static_cast<size_t>(s.long_data().data_size()), static_cast<size_t>(s.float_data().data_size()),
                    static_cast<size_t>(s.double_data().data_size()), static_cast<size_t>(s.string_data().data_size()),
                    static_cast<size_t>(s.json_data().data_size()), static_cast<size_t>(s.array_data().data_size())});
    } else if (f.has_vectors()) {
      const auto& v = f.vectors();
      size_t dim = static_cast<size_t>(std::max<int64_t>(1, v.dim()));
      switch (v.data_case()) {
        case pb::schema::VectorField::kFloatVector: n = v.float_vector().data_size() / dim; break;
        case pb::schema::VectorField::kBinaryVector: n = v.binary_vector().size() / std::max<size_t>(1, dim / 8); break;
        case pb::schema::VectorField::kFloat16Vector: n = v.float16_vector().size() / (2 * dim); break;
        case pb::schema::VectorField::kBfloat16Vector: n = v.bfloat16_vector().size() / (2 * dim); break;
        case pb::schema::VectorField::kInt8Vector: n = v.int8_vector().size() / dim; break;
        case pb::schema::VectorField::kSparseFloatVector: n = v.sparse_float_vector().contents_size(); break;
        default: break;
      }
    }
    rows = std::max(rows, std::max(n, static_cast<size_t>(f.valid_data_size())));
  }
  return rows;
}

namespace {

Json Int64Value(int64_t v, bool as_number) { return as_number ? Json(v) : Json(std::to_string(v)); }

// Value `i` of a scalar column (dense index: nullable columns hold a slot for every row).
Json ScalarValue(const pb::schema::ScalarField& s, DataType type, int i, bool int64_as_number) {
  switch (s.data_case()) {
    case pb::schema::ScalarField::kBoolData: return i < s.bool_data().data_size() ? Json(s.bool_data().data(i)) : Json();
    case pb::schema::ScalarField::kIntData: return i < s.int_data().data_size() ? Json(s.int_data().data(i)) : Json();
    case pb::schema::ScalarField::kLongData:
      return i < s.long_data().data_size() ? Int64Value(s.long_data().data(i), int64_as_number) : Json();
    case pb::schema::ScalarField::kFloatData: return i < s.float_data().data_size() ? Json(s.float_data().data(i)) : Json();
    case pb::schema::ScalarField::kDoubleData:
      return i < s.double_data().data_size() ? Json(s.double_data().data(i)) : Json();
    case pb::schema::ScalarField::kStringData:
      return i < s.string_data().data_size() ? Json(s.string_data().data(i)) : Json();
    case pb::schema::ScalarField::kJsonData:
      // Milvus 2.4/2.5 REST returns JSON fields as JSON text.
      return i < s.json_data().data_size() ? Json(s.json_data().data(i)) : Json();
    case pb::schema::ScalarField::kArrayData: {
      if (i >= s.array_data().data_size()) return Json();
      Json out = Json::array();
      const auto& element = s.array_data().data(i);
      size_t n = ColumnRows([&] {
        google::protobuf::RepeatedPtrField<pb::schema::FieldData> one;
        *one.Add()->mutable_scalars() = element;
        return one;
      }());
      for (size_t k = 0; k < n; ++k) out.push_back(ScalarValue(element, s.array_data().element_type(), static_cast<int>(k), int64_as_number));
      return out;
    }
    default: return Json();
  }
  (void)type;
}

Json VectorValue(const pb::schema::VectorField& v, size_t row) {
  size_t dim = static_cast<size_t>(std::max<int64_t>(1, v.dim()));
  Json out = Json::array();
  switch (v.data_case()) {
    case pb::schema::VectorField::kFloatVector:
      for (size_t k = 0; k < dim; ++k) out.push_back(v.float_vector().data(static_cast<int>(row * dim + k)));
      return out;
    case pb::schema::VectorField::kBinaryVector:
      for (size_t k = 0; k < dim / 8; ++k) out.push_back(static_cast<uint8_t>(v.binary_vector()[row * (dim / 8) + k]));
      return out;
    case pb::schema::VectorField::kInt8Vector:
      for (size_t k = 0; k < dim; ++k) out.push_back(static_cast<int8_t>(v.int8_vector()[row * dim + k]));
      return out;
    case pb::schema::VectorField::kFloat16Vector:
    case pb::schema::VectorField::kBfloat16Vector: {
      bool half = v.data_case() == pb::schema::VectorField::kFloat16Vector;
      const std::string& bytes = half ? v.float16_vector() : v.bfloat16_vector();
      for (size_t k = 0; k < dim; ++k) {
        uint16_t bits;
        std::memcpy(&bits, bytes.data() + (row * dim + k) * 2, 2);
        out.push_back(half ? index::HalfToFloat(bits) : index::BFloat16ToFloat(bits));
      }
      return out;
    }
    case pb::schema::VectorField::kSparseFloatVector: {
      Json sparse = Json::object();
      const std::string& pairs = v.sparse_float_vector().contents(static_cast<int>(row));
      for (size_t p = 0; p + 8 <= pairs.size(); p += 8) {
        uint32_t index;
        float value;
        std::memcpy(&index, pairs.data() + p, 4);
        std::memcpy(&value, pairs.data() + p + 4, 4);
        sparse[std::to_string(index)] = value;
      }
      return sparse;
    }
    default: return Json();
  }
}

}  // namespace

void AppendRowFields(const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields, size_t row,
                     bool int64_as_number, Json* out) {
  for (const auto& f : fields) {
    bool valid = f.valid_data_size() == 0 || (static_cast<int>(row) < f.valid_data_size() && f.valid_data(static_cast<int>(row)));
    if (f.is_dynamic()) {
      if (!valid || !f.has_scalars() || static_cast<int>(row) >= f.scalars().json_data().data_size()) continue;
      Json extra = Json::parse(f.scalars().json_data().data(static_cast<int>(row)), nullptr, false);
      if (extra.is_object()) {
        for (const auto& [key, value] : extra.items()) (*out)[key] = value;
      }
      continue;
    }
    if (!valid) {
      (*out)[f.field_name()] = nullptr;
      continue;
    }
    if (f.has_vectors()) {
      (*out)[f.field_name()] = VectorValue(f.vectors(), row);
    } else if (f.has_scalars()) {
      (*out)[f.field_name()] = ScalarValue(f.scalars(), f.type(), static_cast<int>(row), int64_as_number);
    }
  }
}

}  // namespace quiver::rpc::rest
