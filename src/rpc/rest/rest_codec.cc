#include "rpc/rest/rest_codec.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "common/json_depth.h"
#include "index/vector_index.h"
#include "schema/array_codec.h"

namespace quiver::rpc::rest {

namespace {

using schema::DataType;

std::string RowField(size_t row, const std::string& field) {
  return "row " + std::to_string(row) + ", field " + field;
}

Status WrongType(size_t row, const std::string& field, const char* expected) {
  return Status::InvalidArgument("invalid insert data: " + RowField(row, field) + ": expected " + expected);
}

Result<int64_t> Integer(const Json& v, size_t row, const std::string& field, int64_t lo, int64_t hi) {
  bool integral = v.is_number_integer();
  std::optional<int64_t> value = Int64Of(v);
  if (!value) return WrongType(row, field, integral ? "an integer in range" : "an integer");
  if (*value < lo || *value > hi) return WrongType(row, field, "an integer in range");
  return *value;
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
  size_t expected = type == DataType::kBinaryVector ? static_cast<size_t>(dim / 8) : static_cast<size_t>(dim);
  if (v.size() != expected) {
    return Status::InvalidArgument(what + ": the vector has " + std::to_string(v.size()) + " values, the field's dim is " +
                                   std::to_string(dim) + (type == DataType::kBinaryVector ? " bits" : ""));
  }
  std::string out;
  for (const auto& x : v) {
    if (!x.is_number()) return Status::InvalidArgument(what + ": vector values must be numbers");
    switch (type) {
      case DataType::kFloatVector: {
        float f = x.get<float>();
        out.append(reinterpret_cast<const char*>(&f), 4);
        break;
      }
      case DataType::kFloat16Vector: {
        uint16_t h = index::FloatToHalf(x.get<float>());
        out.append(reinterpret_cast<const char*>(&h), 2);
        break;
      }
      case DataType::kBFloat16Vector: {
        uint16_t b = index::FloatToBFloat16(x.get<float>());
        out.append(reinterpret_cast<const char*>(&b), 2);
        break;
      }
      case DataType::kBinaryVector:
      case DataType::kInt8Vector: {
        if (!x.is_number_integer()) return Status::InvalidArgument(what + ": vector values must be integers");
        int64_t i = x.get<int64_t>();
        bool binary = type == DataType::kBinaryVector;
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

// One scalar value of `type` (a field's or an Array's element type).
Result<schema::ScalarValue> ScalarOf(const Json& v, DataType type, size_t row, const std::string& name) {
  switch (type) {
    case DataType::kBool:
      if (!v.is_boolean()) return WrongType(row, name, "a boolean");
      return schema::ScalarValue(v.get<bool>());
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: {
      int64_t lo = type == DataType::kInt8 ? -128 : type == DataType::kInt16 ? -32768 : std::numeric_limits<int32_t>::min();
      int64_t hi = type == DataType::kInt8 ? 127 : type == DataType::kInt16 ? 32767 : std::numeric_limits<int32_t>::max();
      QUIVER_ASSIGN_OR_RETURN(int64_t i, Integer(v, row, name, lo, hi));
      return schema::ScalarValue(i);
    }
    case DataType::kInt64: {
      QUIVER_ASSIGN_OR_RETURN(int64_t i, Integer(v, row, name, std::numeric_limits<int64_t>::min(),
                                                 std::numeric_limits<int64_t>::max()));
      return schema::ScalarValue(i);
    }
    case DataType::kFloat:
      if (!v.is_number()) return WrongType(row, name, "a number");
      return schema::ScalarValue(static_cast<double>(v.get<float>()));
    case DataType::kDouble:
      if (!v.is_number()) return WrongType(row, name, "a number");
      return schema::ScalarValue(v.get<double>());
    case DataType::kVarChar:
    case DataType::kString:
      if (!v.is_string()) return WrongType(row, name, "a string");
      return schema::ScalarValue(v.get<std::string>());
    default:
      return Status::InvalidArgument("invalid insert data: " + RowField(row, name) + ": type " +
                                     std::string(schema::DataTypeName(type)) + " is not supported by REST yet");
  }
}

// Appends the value `v` of `field` in row `row` (present, not null) to the builder.
Status AppendValue(const schema::FieldSchema& field, const Json& v, size_t row, const proxy::RowLimits& limits,
                   schema::ColumnBuilder* b) {
  std::string what = "invalid insert data: " + RowField(row, field.name);
  DataType t = field.type;
  if (t == DataType::kSparseFloatVector) {
    QUIVER_ASSIGN_OR_RETURN(std::string bytes, SparseBytes(v, what));
    QUIVER_ASSIGN_OR_RETURN(std::string canonical, schema::CanonicalSparseRow(bytes, what));
    b->AppendBytes(canonical);
    return Status::OK();
  }
  if (schema::IsVectorType(t)) {
    QUIVER_ASSIGN_OR_RETURN(std::string bytes, DenseBytes(v, t, field.dim, what));
    if (t == DataType::kFloatVector) {
      QUIVER_RETURN_IF_ERROR(proxy::CheckFloatVector(field, reinterpret_cast<const float*>(bytes.data())));
    }
    b->AppendBytes(bytes);
    return Status::OK();
  }
  switch (t) {
    case DataType::kJson: {
      // A JSON field takes any JSON value; a string is taken as JSON text when it parses.
      std::string text;
      if (v.is_string()) {
        QUIVER_RETURN_IF_ERROR(CheckJsonNesting(v.get_ref<const std::string&>(), "JSON field " + field.name));
        Json parsed = Json::parse(v.get<std::string>(), nullptr, false);
        text = parsed.is_discarded() ? v.dump() : parsed.dump();
      } else {
        text = v.dump();
      }
      QUIVER_RETURN_IF_ERROR(proxy::CheckJsonText(field, text, limits));
      b->AppendBytes(text);
      return Status::OK();
    }
    case DataType::kArray: {
      if (!v.is_array()) return WrongType(row, field.name, "an array");
      std::vector<schema::ScalarValue> values;
      for (const auto& e : v) {
        QUIVER_ASSIGN_OR_RETURN(schema::ScalarValue value, ScalarOf(e, field.element_type, row, field.name));
        values.push_back(std::move(value));
      }
      QUIVER_RETURN_IF_ERROR(proxy::CheckArrayValues(field, values));
      std::string encoded;
      QUIVER_RETURN_IF_ERROR(schema::EncodeArray(field.element_type, values, &encoded));
      b->AppendBytes(encoded);
      return Status::OK();
    }
    default:
      break;
  }
  QUIVER_ASSIGN_OR_RETURN(schema::ScalarValue value, ScalarOf(v, t, row, field.name));
  if (const bool* x = std::get_if<bool>(&value)) {
    b->AppendBool(*x);
  } else if (const int64_t* x = std::get_if<int64_t>(&value)) {
    b->AppendInt(*x);
  } else if (const double* x = std::get_if<double>(&value)) {
    QUIVER_RETURN_IF_ERROR(proxy::CheckFinite(field, *x));
    b->AppendDouble(*x);
  } else {
    const std::string& text = std::get<std::string>(value);
    QUIVER_RETURN_IF_ERROR(proxy::CheckVarChar(field, text));
    b->AppendBytes(text);
  }
  return Status::OK();
}

Json ElementJson(const schema::ScalarValue& v, bool int64_as_number, DataType element) {
  if (const bool* x = std::get_if<bool>(&v)) return *x;
  if (const int64_t* x = std::get_if<int64_t>(&v)) return element == DataType::kInt64 ? Int64Json(*x, int64_as_number) : Json(*x);
  if (const double* x = std::get_if<double>(&v)) return element == DataType::kFloat ? Float32Json(static_cast<float>(*x)) : Json(*x);
  if (const std::string* x = std::get_if<std::string>(&v)) return *x;
  return Json();
}

// One value of a column (valid row) as REST renders it.
Json CellJson(const schema::FieldSchema& field, const schema::ColumnChunk& column, size_t row, bool int64_as_number) {
  const size_t dim = static_cast<size_t>(std::max<int64_t>(1, field.dim));
  switch (field.type) {
    case DataType::kBool: return column.data.data()[row] != 0;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: return column.IntAt(row);
    case DataType::kInt64: return Int64Json(column.Values<int64_t>()[row], int64_as_number);
    case DataType::kFloat: return Float32Json(column.Values<float>()[row]);
    case DataType::kDouble: return column.Values<double>()[row];
    case DataType::kVarChar:
    case DataType::kString:
    case DataType::kText:
    case DataType::kJson:  // Milvus 2.4/2.5 REST returns JSON fields as JSON text
      return std::string(column.VarAt(row));
    case DataType::kArray: {
      Json out = Json::array();
      auto decoded = schema::DecodeArray(field.element_type, column.VarAt(row));
      if (decoded.ok()) {
        for (const auto& v : *decoded) out.push_back(ElementJson(v, int64_as_number, field.element_type));
      }
      return out;
    }
    case DataType::kFloatVector: {
      Json out = Json::array();
      const float* v = column.Values<float>().data() + row * dim;
      for (size_t k = 0; k < dim; ++k) out.push_back(Float32Json(v[k]));
      return out;
    }
    case DataType::kBinaryVector: {
      Json out = Json::array();
      const uint8_t* v = column.RowAt(row);
      for (size_t k = 0; k < dim / 8; ++k) out.push_back(v[k]);
      return out;
    }
    case DataType::kInt8Vector: {
      Json out = Json::array();
      const uint8_t* v = column.RowAt(row);
      for (size_t k = 0; k < dim; ++k) out.push_back(static_cast<int8_t>(v[k]));
      return out;
    }
    case DataType::kFloat16Vector:
    case DataType::kBFloat16Vector: {
      Json out = Json::array();
      const uint8_t* v = column.RowAt(row);
      bool half = field.type == DataType::kFloat16Vector;
      for (size_t k = 0; k < dim; ++k) {
        uint16_t bits;
        std::memcpy(&bits, v + k * 2, 2);
        out.push_back(Float32Json(half ? index::HalfToFloat(bits) : index::BFloat16ToFloat(bits)));
      }
      return out;
    }
    case DataType::kSparseFloatVector: {
      Json sparse = Json::object();
      std::string_view pairs = column.VarAt(row);
      for (size_t p = 0; p + 8 <= pairs.size(); p += 8) {
        uint32_t index;
        float value;
        std::memcpy(&index, pairs.data() + p, 4);
        std::memcpy(&value, pairs.data() + p + 4, 4);
        sparse[std::to_string(index)] = Float32Json(value);
      }
      return sparse;
    }
    default: return Json();
  }
}

}  // namespace

std::string ParamText(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

Result<schema::DataType> DataTypeFromName(const std::string& name) {
  std::optional<DataType> type = schema::ParseDataType(name);
  if (!type || *type == DataType::kNone) return Status::InvalidArgument("unknown data type " + name);
  return *type;
}

schema::DataType QueryEncodingOf(schema::DataType field) {
  return field == DataType::kFloat16Vector || field == DataType::kBFloat16Vector ? DataType::kFloatVector : field;
}

Result<std::string> QueryVectorBytes(const Json& value, schema::DataType type, int64_t dim) {
  if (type == DataType::kSparseFloatVector) return SparseBytes(value, "search data");
  return DenseBytes(value, type, dim, "search data");
}

namespace {

Result<expr::Literal> LiteralOf(const Json& v, const std::string& name) {
  if (v.is_boolean()) return expr::Literal(v.get<bool>());
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::InvalidArgument("exprParams." + name + " is out of the int64 range");
    }
    return expr::Literal(v.get<int64_t>());
  }
  if (v.is_number()) return expr::Literal(v.get<double>());
  if (v.is_string()) return expr::Literal(v.get<std::string>());
  if (v.is_array()) {
    expr::LiteralArray out;
    for (const auto& e : v) {
      QUIVER_ASSIGN_OR_RETURN(expr::Literal l, LiteralOf(e, name));
      out.push_back(std::move(l));
    }
    return expr::Literal(std::move(out));
  }
  return Status::InvalidArgument("exprParams." + name + " must be a boolean, number, string or array");
}

}  // namespace

Result<expr::TemplateValues> TemplatesFromJson(const Json& params) {
  expr::TemplateValues out;
  if (params.is_null()) return out;
  if (!params.is_object()) return Status::InvalidArgument("exprParams must be an object of placeholder values");
  for (const auto& [key, value] : params.items()) {
    QUIVER_ASSIGN_OR_RETURN(expr::Literal literal, LiteralOf(value, key));
    out.emplace(key, std::move(literal));
  }
  return out;
}

std::optional<int64_t> Int64Of(const Json& v) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_string()) return std::nullopt;
  // Clients that cannot hold int64 in a JSON number send it as a string.
  const std::string& s = v.get_ref<const std::string&>();
  char* end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0) return std::nullopt;
  return parsed;
}

Json Float32Json(float value) {
  if (!std::isfinite(value)) return Json(value);  // rendered as null, as JSON has no such numbers
  char text[32];
  auto [end, error] = std::to_chars(text, text + sizeof(text), value);
  if (error != std::errc()) return Json(value);
  *end = '\0';
  return Json(std::strtod(text, nullptr));  // the shortest float32 digits, printed as such
}

Json PrimaryKeyJson(const segment::PrimaryKey& pk, bool as_number) {
  if (const int64_t* v = std::get_if<int64_t>(&pk)) return Int64Json(*v, as_number);
  return std::get<std::string>(pk);
}

Result<proxy::RowsIn> RowsFromJson(const schema::CollectionSchema& schema, const Json& rows, bool upsert,
                                   const std::function<Result<int64_t>(uint32_t)>& alloc_ids,
                                   const proxy::RowLimits& limits) {
  if (!rows.is_array()) return Status::InvalidArgument("data must be an array of rows");
  if (rows.empty()) return Status::InvalidArgument("data is empty");
  const schema::FieldSchema* pk = schema.PrimaryField();
  const schema::FieldSchema* dynamic = nullptr;
  std::vector<const schema::FieldSchema*> fields;  // the fields rows give values for
  std::vector<schema::ColumnBuilder> builders;
  for (const auto& f : schema.fields) {
    if (f.is_dynamic) {
      dynamic = &f;
      continue;
    }
    if ((f.primary_key && f.auto_id && !upsert) || f.function_output) continue;
    fields.push_back(&f);
    builders.emplace_back(f.type, f.dim, f.element_type, f.nullable);
  }
  std::unique_ptr<schema::ColumnBuilder> extras;
  if (dynamic != nullptr) extras = std::make_unique<schema::ColumnBuilder>(DataType::kJson);
  for (size_t r = 0; r < rows.size(); ++r) {
    const Json& row = rows[r];
    if (!row.is_object()) return Status::InvalidArgument("invalid insert data: row " + std::to_string(r) + " is not an object");
    Json extra = Json::object();
    for (const auto& [key, value] : row.items()) {
      const schema::FieldSchema* field = schema.FindField(key);
      if (field != nullptr && !field->is_dynamic) {
        if (field == pk && pk->auto_id && !upsert) {
          return Status::InvalidArgument("invalid insert data: row " + std::to_string(r) + ": the primary key " + key +
                                         " is auto-generated; leave it out");
        }
        if (field->function_output) {
          return Status::InvalidArgument("invalid insert data: row " + std::to_string(r) + ": field " + key +
                                         " is a function output");
        }
        continue;
      }
      if (dynamic == nullptr || key == schema::kDynamicFieldName) {
        return Status::InvalidArgument("invalid insert data: row " + std::to_string(r) + ": field " + key +
                                       " is not in the schema (and the collection has no dynamic field)");
      }
      extra[key] = value;
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      const schema::FieldSchema& f = *fields[i];
      bool present = row.contains(f.name) && !row[f.name].is_null();
      if (!present) {
        bool optional = f.nullable || f.default_value.has_value();
        if (!optional) return Status::InvalidArgument("invalid insert data: " + RowField(r, f.name) + " is missing");
        if (schema::IsVectorType(f.type)) return Status::InvalidArgument("vector field " + f.name + " cannot be null");
        if (f.default_value) QUIVER_RETURN_IF_ERROR(proxy::AppendDefault(f, &builders[i]));
        else builders[i].AppendNull();
        continue;
      }
      QUIVER_RETURN_IF_ERROR(AppendValue(f, row[f.name], r, limits, &builders[i]));
    }
    if (dynamic != nullptr) {
      std::string text = extra.dump();
      QUIVER_RETURN_IF_ERROR(proxy::CheckJsonText(*dynamic, text, limits));
      extras->AppendBytes(text);
    }
  }
  std::map<std::string, std::shared_ptr<const schema::ColumnChunk>, std::less<>> columns;
  for (size_t i = 0; i < fields.size(); ++i) columns.emplace(fields[i]->name, builders[i].Build());
  if (dynamic != nullptr) columns.emplace(dynamic->name, extras->Build());
  return proxy::AssembleRows(schema, std::move(columns), rows.size(), upsert, alloc_ids);
}

void AppendRow(const schema::CollectionSchema& schema, const schema::DataChunk& chunk, size_t row,
               const std::set<std::string>& dynamic_keys, bool int64_as_number, Json* out) {
  for (const auto& [field_id, column] : chunk.columns) {
    const schema::FieldSchema* f = schema.FindFieldById(field_id);
    if (f == nullptr) continue;
    bool valid = column->IsValid(row);
    if (f->is_dynamic) {
      if (!valid) continue;
      Json extra = Json::parse(column->VarAt(row), nullptr, false);
      if (!extra.is_object()) continue;
      for (const auto& [key, value] : extra.items()) {
        if (dynamic_keys.empty() || dynamic_keys.count(key)) (*out)[key] = value;
      }
      continue;
    }
    (*out)[f->name] = valid ? CellJson(*f, *column, row, int64_as_number) : Json();
  }
}

}  // namespace quiver::rpc::rest
