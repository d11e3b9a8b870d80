#pragma once

// Deterministic random rows for tests and benchmarks: a batch with every field of a schema plus
// the timestamp column. Used by segment, expression and search tests.

#include <random>
#include <string>

#include "schema/array_codec.h"
#include "schema/column.h"
#include "schema/schema.h"

namespace quiver::segment::testing {

struct RandomDataOptions {
  uint64_t seed = 1;
  int64_t first_pk = 0;       // Int64 primary keys are first_pk, first_pk + 1, ...
  uint64_t first_ts = 1000;   // row i has timestamp first_ts + i
  double null_ratio = 0.2;    // for nullable fields
};

inline std::string RandomJson(std::mt19937_64& rng, int64_t row) {
  static const char* kColors[] = {"red", "green", "blue"};
  std::string json = "{\"n\":" + std::to_string(static_cast<int64_t>(rng() % 100) - 20);
  json += ",\"f\":" + std::to_string(static_cast<double>(rng() % 1000) / 10.0);
  json += ",\"color\":\"" + std::string(kColors[rng() % 3]) + "\"";
  json += ",\"flag\":" + std::string(rng() % 2 ? "true" : "false");
  json += ",\"arr\":[" + std::to_string(rng() % 5) + "," + std::to_string(rng() % 5) + "]";
  json += ",\"nested\":{\"k\":" + std::to_string(rng() % 10) + "}";
  if (rng() % 4 == 0) json += ",\"rare\":" + std::to_string(row);
  json += "}";
  return json;
}

inline std::shared_ptr<const schema::DataChunk> RandomChunk(const schema::CollectionSchema& s,
                                                            size_t rows,
                                                            const RandomDataOptions& options = {}) {
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto chunk = std::make_shared<schema::DataChunk>();
  chunk->rows = rows;
  schema::ColumnBuilder ts(schema::DataType::kInt64);
  for (size_t i = 0; i < rows; ++i) ts.AppendInt(static_cast<int64_t>(options.first_ts + i));
  chunk->columns.emplace_back(schema::kTimestampField, ts.Build());
  for (const auto& field : s.fields) {
    schema::ColumnBuilder b(field.type, field.dim, field.element_type, field.nullable);
    for (size_t i = 0; i < rows; ++i) {
      if (field.nullable && unit(rng) < options.null_ratio) {
        b.AppendNull();
        continue;
      }
      int64_t row = static_cast<int64_t>(i);
      switch (field.type) {
        case schema::DataType::kBool: b.AppendBool(rng() % 2); break;
        case schema::DataType::kInt8: b.AppendInt(static_cast<int64_t>(rng() % 200) - 100); break;
        case schema::DataType::kInt16: b.AppendInt(static_cast<int64_t>(rng() % 2000) - 1000); break;
        case schema::DataType::kInt32: b.AppendInt(static_cast<int64_t>(rng() % 100000) - 50000); break;
        case schema::DataType::kInt64:
          b.AppendInt(field.primary_key ? options.first_pk + row
                                        : static_cast<int64_t>(rng() % 1000000) - 500000);
          break;
        case schema::DataType::kFloat: b.AppendDouble(unit(rng) * 200 - 100); break;
        case schema::DataType::kDouble: b.AppendDouble(unit(rng) * 2000 - 1000); break;
        case schema::DataType::kVarChar:
        case schema::DataType::kString:
          if (field.primary_key) {
            b.AppendBytes("pk" + std::to_string(options.first_pk + row));
          } else {
            static const char* kWords[] = {"apple", "apricot", "banana", "cherry", "date", "a_b%c"};
            b.AppendBytes(std::string(kWords[rng() % 6]) + std::to_string(rng() % 50));
          }
          break;
        case schema::DataType::kJson:
          b.AppendBytes(field.is_dynamic ? "{\"dyn\":" + std::to_string(rng() % 10) + "}"
                                         : RandomJson(rng, row));
          break;
        case schema::DataType::kArray: {
          std::vector<schema::ScalarValue> values;
          size_t n = rng() % 4;
          for (size_t k = 0; k < n; ++k) {
            if (schema::IsStringType(field.element_type)) values.emplace_back("t" + std::to_string(rng() % 6));
            else if (schema::IsFloatingType(field.element_type)) values.emplace_back(static_cast<double>(rng() % 10) / 2);
            else if (field.element_type == schema::DataType::kBool) values.emplace_back(rng() % 2 == 0);
            else values.emplace_back(static_cast<int64_t>(rng() % 10));
          }
          std::string encoded;
          (void)schema::EncodeArray(field.element_type, values, &encoded).ok();
          b.AppendBytes(encoded);
          break;
        }
        case schema::DataType::kSparseFloatVector: {
          std::string pairs;
          uint32_t index = 0;
          for (size_t k = 0; k < 1 + rng() % 5; ++k) {
            index += 1 + static_cast<uint32_t>(rng() % 100);
            float value = static_cast<float>(unit(rng));
            pairs.append(reinterpret_cast<const char*>(&index), 4);
            pairs.append(reinterpret_cast<const char*>(&value), 4);
          }
          b.AppendBytes(pairs);
          break;
        }
        default: {
          size_t width = schema::FixedWidth(field.type, field.dim);
          std::string bytes(width, '\0');
          if (field.type == schema::DataType::kFloatVector) {
            float* v = reinterpret_cast<float*>(bytes.data());
            for (int64_t d = 0; d < field.dim; ++d) v[d] = static_cast<float>(unit(rng) * 2 - 1);
          } else {
            for (auto& c : bytes) c = static_cast<char>(rng());
          }
          b.AppendBytes(bytes);
          break;
        }
      }
    }
    chunk->columns.emplace_back(field.id, b.Build());
  }
  return chunk;
}

// A schema with every supported column type, for round-trip tests.
inline schema::CollectionSchema AllTypesSchema(bool varchar_pk = false) {
  using schema::DataType;
  schema::CollectionSchema s;
  s.name = "all_types";
  s.enable_dynamic_field = true;
  auto add = [&](std::string name, DataType type, std::map<std::string, std::string> params = {}) -> schema::FieldSchema& {
    schema::FieldSchema f;
    f.name = std::move(name);
    f.type = type;
    f.type_params = std::move(params);
    s.fields.push_back(std::move(f));
    return s.fields.back();
  };
  if (varchar_pk) add("pk", DataType::kVarChar, {{"max_length", "32"}}).primary_key = true;
  else add("pk", DataType::kInt64).primary_key = true;
  add("b", DataType::kBool);
  add("i8", DataType::kInt8);
  add("i16", DataType::kInt16);
  add("i32", DataType::kInt32);
  add("i64", DataType::kInt64);
  add("f", DataType::kFloat);
  add("d", DataType::kDouble);
  add("s", DataType::kVarChar, {{"max_length", "64"}});
  add("js", DataType::kJson);
  add("arr_i", DataType::kArray, {{"max_capacity", "8"}}).element_type = DataType::kInt64;
  add("arr_s", DataType::kArray, {{"max_capacity", "8"}, {"max_length", "8"}}).element_type = DataType::kVarChar;
  add("n_i32", DataType::kInt32).nullable = true;
  add("n_s", DataType::kVarChar, {{"max_length", "64"}}).nullable = true;
  add("vec", DataType::kFloatVector, {{"dim", "16"}});
  add("bvec", DataType::kBinaryVector, {{"dim", "64"}});
  add("hvec", DataType::kFloat16Vector, {{"dim", "8"}});
  add("svec", DataType::kSparseFloatVector);
  return s;
}

}  // namespace quiver::segment::testing
