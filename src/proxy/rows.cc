#include "proxy/rows.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>

#include "common/json_depth.h"

namespace quiver::proxy {

using schema::DataType;

namespace {

std::string Dt(DataType t) { return std::string(schema::DataTypeName(t)); }

}  // namespace

Status CheckIntRange(const schema::FieldSchema& field, int64_t value) {
  int64_t lo = INT64_MIN;
  int64_t hi = INT64_MAX;
  if (field.type == DataType::kInt8) lo = -128, hi = 127;
  if (field.type == DataType::kInt16) lo = -32768, hi = 32767;
  if (field.type == DataType::kInt32) lo = INT32_MIN, hi = INT32_MAX;
  if (value < lo || value > hi) {
    return Status::InvalidArgument("value " + std::to_string(value) + " of field " + field.name +
                                   " is out of range of " + Dt(field.type));
  }
  return Status::OK();
}

Status CheckFinite(const schema::FieldSchema& field, double value) {
  if (!std::isfinite(value)) {
    return Status::InvalidArgument("value of " + std::string(field.type == DataType::kFloat ? "float" : "double") +
                                   " field " + field.name + " is not a finite number");
  }
  return Status::OK();
}

Status CheckVarChar(const schema::FieldSchema& field, std::string_view value) {
  if (field.type == DataType::kVarChar && static_cast<int64_t>(value.size()) > field.max_length) {
    return Status::InvalidArgument("the length (" + std::to_string(value.size()) + ") of varchar field " + field.name +
                                   " exceeds max length (" + std::to_string(field.max_length) + ")");
  }
  return Status::OK();
}

Status CheckJsonText(const schema::FieldSchema& field, std::string_view text, const RowLimits& limits) {
  if (text.size() > limits.max_json_bytes) {
    return Status::InvalidArgument("the length (" + std::to_string(text.size()) + ") of JSON field " + field.name +
                                   " exceeds max length (" + std::to_string(limits.max_json_bytes) + ")");
  }
  // Measured before parsing: no walk of a value (parse, copy, dump) may recurse without bound.
  QUIVER_RETURN_IF_ERROR(CheckJsonNesting(text, "value of JSON field " + field.name));
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return Status::InvalidArgument("value of JSON field " + field.name + " is not valid JSON");
  if (field.is_dynamic && !parsed.is_object()) return Status::InvalidArgument("dynamic field values must be JSON objects");
  return Status::OK();
}

Status CheckArrayValues(const schema::FieldSchema& field, const std::vector<schema::ScalarValue>& values) {
  for (const auto& v : values) {
    const std::string* s = std::get_if<std::string>(&v);
    if (s != nullptr && static_cast<int64_t>(s->size()) > field.max_length) {
      return Status::InvalidArgument("the length (" + std::to_string(s->size()) + ") of element of array field " +
                                     field.name + " exceeds max length (" + std::to_string(field.max_length) + ")");
    }
  }
  if (static_cast<int64_t>(values.size()) > field.max_capacity) {
    return Status::InvalidArgument("the number of elements (" + std::to_string(values.size()) + ") of array field " +
                                   field.name + " exceeds max capacity (" + std::to_string(field.max_capacity) + ")");
  }
  return Status::OK();
}

Status CheckFloatVector(const schema::FieldSchema& field, const float* values) {
  for (int64_t d = 0; d < field.dim; ++d) {
    if (!std::isfinite(values[d])) return Status::InvalidArgument("vector of field " + field.name + " has a non-finite value");
  }
  return Status::OK();
}

Status AppendDefault(const schema::FieldSchema& field, schema::ColumnBuilder* b) {
  const schema::ScalarValue& v = *field.default_value;
  if (const bool* x = std::get_if<bool>(&v)) b->AppendBool(*x);
  else if (const int64_t* x = std::get_if<int64_t>(&v)) b->AppendInt(*x);
  else if (const double* x = std::get_if<double>(&v)) b->AppendDouble(*x);
  else if (const std::string* x = std::get_if<std::string>(&v)) b->AppendBytes(*x);
  else return Status::InvalidArgument("bad default value", field.name);
  return Status::OK();
}

Result<RowsIn> AssembleRows(const schema::CollectionSchema& s,
                            std::map<std::string, std::shared_ptr<const schema::ColumnChunk>, std::less<>> given,
                            size_t rows, bool upsert, const std::function<Result<int64_t>(uint32_t)>& alloc_ids) {
  if (rows == 0) return Status::InvalidArgument("no rows to insert");
  RowsIn out;
  auto chunk = std::make_shared<schema::DataChunk>();
  chunk->rows = rows;
  for (const auto& field : s.fields) {
    std::shared_ptr<const schema::ColumnChunk> column;
    auto it = given.find(field.name);
    if (field.primary_key && field.auto_id && !upsert) {
      if (it != given.end()) {
        return Status::InvalidArgument("the primary key field " + field.name + " is auto id; do not insert values for it");
      }
      schema::ColumnBuilder b(field.type, field.dim, field.element_type, field.nullable);
      QUIVER_ASSIGN_OR_RETURN(int64_t first, alloc_ids(static_cast<uint32_t>(rows)));
      for (size_t r = 0; r < rows; ++r) {
        if (field.type == DataType::kInt64) b.AppendInt(first + static_cast<int64_t>(r));
        else b.AppendBytes(std::to_string(first + static_cast<int64_t>(r)));
      }
      column = b.Build();
      out.generated_ids = true;
    } else if (it != given.end()) {
      column = std::move(it->second);
      if (column->rows != rows) {
        return Status::InvalidArgument("the number of rows (" + std::to_string(column->rows) + ") of field " + field.name +
                                       " does not match the number of rows (" + std::to_string(rows) + ")");
      }
    } else {
      schema::ColumnBuilder b(field.type, field.dim, field.element_type, field.nullable);
      if (field.is_dynamic) {
        for (size_t r = 0; r < rows; ++r) b.AppendBytes("{}");
      } else if (field.default_value) {
        for (size_t r = 0; r < rows; ++r) QUIVER_RETURN_IF_ERROR(AppendDefault(field, &b));
      } else if (field.nullable) {
        for (size_t r = 0; r < rows; ++r) b.AppendNull();
      } else {
        return Status::InvalidArgument("field " + field.name + " is missing from the insert data")
            .WithDetail(ErrorDetail::kParameterMissing);
      }
      column = b.Build();
    }
    if (field.primary_key) {
      out.pks.reserve(rows);
      for (size_t r = 0; r < rows; ++r) out.pks.push_back(segment::PrimaryKeyAt(*column, r));
    }
    chunk->columns.emplace_back(field.id, std::move(column));
  }
  out.chunk = std::move(chunk);
  return out;
}

}  // namespace quiver::proxy
