#include "schema/types.h"

#include "common/ascii.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace quiver::schema {
namespace {

struct TypeName {
  DataType type;
  std::string_view name;
};

constexpr std::array<TypeName, 21> kNames = {{
    {DataType::kNone, "None"},
    {DataType::kBool, "Bool"},
    {DataType::kInt8, "Int8"},
    {DataType::kInt16, "Int16"},
    {DataType::kInt32, "Int32"},
    {DataType::kInt64, "Int64"},
    {DataType::kFloat, "Float"},
    {DataType::kDouble, "Double"},
    {DataType::kString, "String"},
    {DataType::kVarChar, "VarChar"},
    {DataType::kArray, "Array"},
    {DataType::kJson, "JSON"},
    {DataType::kGeometry, "Geometry"},
    {DataType::kText, "Text"},
    {DataType::kTimestamptz, "Timestamptz"},
    {DataType::kBinaryVector, "BinaryVector"},
    {DataType::kFloatVector, "FloatVector"},
    {DataType::kFloat16Vector, "Float16Vector"},
    {DataType::kBFloat16Vector, "BFloat16Vector"},
    {DataType::kSparseFloatVector, "SparseFloatVector"},
    {DataType::kInt8Vector, "Int8Vector"},
}};


}  // namespace

std::string_view DataTypeName(DataType type) {
  for (const auto& entry : kNames) {
    if (entry.type == type) return entry.name;
  }
  return "Unknown";
}

std::optional<DataType> ParseDataType(std::string_view name) {
  for (const auto& entry : kNames) {
    if (EqualsIgnoreCase(entry.name, name)) return entry.type;
  }
  return std::nullopt;
}

bool IsKnownDataType(int32_t value) {
  for (const auto& entry : kNames) {
    if (static_cast<int32_t>(entry.type) == value) return true;
  }
  return false;
}

bool IsVectorType(DataType type) {
  switch (type) {
    case DataType::kBinaryVector:
    case DataType::kFloatVector:
    case DataType::kFloat16Vector:
    case DataType::kBFloat16Vector:
    case DataType::kSparseFloatVector:
    case DataType::kInt8Vector:
      return true;
    default:
      return false;
  }
}

bool IsIntegerType(DataType type) {
  return type == DataType::kInt8 || type == DataType::kInt16 || type == DataType::kInt32 ||
         type == DataType::kInt64;
}

bool IsFloatingType(DataType type) { return type == DataType::kFloat || type == DataType::kDouble; }

bool IsStringType(DataType type) {
  return type == DataType::kString || type == DataType::kVarChar || type == DataType::kText;
}

bool IsVariableWidth(DataType type) {
  switch (type) {
    case DataType::kString:
    case DataType::kVarChar:
    case DataType::kText:
    case DataType::kJson:
    case DataType::kArray:
    case DataType::kGeometry:
    case DataType::kSparseFloatVector:
      return true;
    default:
      return false;
  }
}

size_t FixedWidth(DataType type, int64_t dim) {
  switch (type) {
    case DataType::kBool:
    case DataType::kInt8:
      return 1;
    case DataType::kInt16:
      return 2;
    case DataType::kInt32:
    case DataType::kFloat:
      return 4;
    case DataType::kInt64:
    case DataType::kDouble:
    case DataType::kTimestamptz:
      return 8;
    case DataType::kFloatVector:
      return 4 * static_cast<size_t>(dim);
    case DataType::kBinaryVector:
      return static_cast<size_t>(dim) / 8;
    case DataType::kFloat16Vector:
    case DataType::kBFloat16Vector:
      return 2 * static_cast<size_t>(dim);
    case DataType::kInt8Vector:
      return static_cast<size_t>(dim);
    default:
      return 0;
  }
}

}  // namespace quiver::schema
