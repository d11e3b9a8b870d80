#pragma once

// Field data types. The numeric values are Milvus's schema.DataType values, so the RPC layer maps
// them one to one; nothing below rpc/ depends on the wire types themselves.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace quiver::schema {

using FieldId = int64_t;

// System fields present in every segment (never shown to users).
constexpr FieldId kRowIdField = 0;
constexpr FieldId kTimestampField = 1;
// User fields are numbered from here (as Milvus does).
constexpr FieldId kFirstUserField = 100;

enum class DataType : int32_t {
  kNone = 0,
  kBool = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kFloat = 10,
  kDouble = 11,
  kString = 20,
  kVarChar = 21,
  kArray = 22,
  kJson = 23,
  kGeometry = 24,
  kText = 25,
  kTimestamptz = 26,
  kBinaryVector = 100,
  kFloatVector = 101,
  kFloat16Vector = 102,
  kBFloat16Vector = 103,
  kSparseFloatVector = 104,
  kInt8Vector = 105,
};

std::string_view DataTypeName(DataType type);
// Accepts Milvus names ("Int64", "FloatVector", ...), case-insensitively. nullopt if unknown.
std::optional<DataType> ParseDataType(std::string_view name);
// True for a value of DataType we know.
bool IsKnownDataType(int32_t value);

bool IsVectorType(DataType type);
bool IsIntegerType(DataType type);   // Int8..Int64
bool IsFloatingType(DataType type);  // Float, Double
inline bool IsNumericType(DataType type) { return IsIntegerType(type) || IsFloatingType(type); }
bool IsStringType(DataType type);    // String, VarChar, Text
// Columns stored as offsets + bytes rather than fixed-width values.
bool IsVariableWidth(DataType type);
// Bytes per row of a fixed-width column (vectors need `dim`); 0 for variable-width types.
size_t FixedWidth(DataType type, int64_t dim);

// A scalar value (defaults, literals, single cells). Integers of every width are int64.
using ScalarValue = std::variant<std::monostate, bool, int64_t, double, std::string>;

}  // namespace quiver::schema
