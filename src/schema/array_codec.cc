#include "schema/array_codec.h"

#include "common/coding.h"

namespace quiver::schema {

Status EncodeArray(DataType element_type, const std::vector<ScalarValue>& values, std::string* out) {
  PutVarint64(out, values.size());
  for (const ScalarValue& value : values) {
    if (element_type == DataType::kBool) {
      if (!std::holds_alternative<bool>(value)) return Status::InvalidArgument("array element is not a bool");
      out->push_back(std::get<bool>(value) ? 1 : 0);
    } else if (IsIntegerType(element_type)) {
      if (!std::holds_alternative<int64_t>(value)) {
        return Status::InvalidArgument("array element is not an integer");
      }
      PutFixed64(out, static_cast<uint64_t>(std::get<int64_t>(value)));
    } else if (IsFloatingType(element_type)) {
      double d;
      if (std::holds_alternative<double>(value)) d = std::get<double>(value);
      else if (std::holds_alternative<int64_t>(value)) d = static_cast<double>(std::get<int64_t>(value));
      else return Status::InvalidArgument("array element is not a number");
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      PutFixed64(out, bits);
    } else if (IsStringType(element_type)) {
      if (!std::holds_alternative<std::string>(value)) {
        return Status::InvalidArgument("array element is not a string");
      }
      PutLengthPrefixed(out, std::get<std::string>(value));
    } else {
      return Status::InvalidArgument("unsupported array element type");
    }
  }
  return Status::OK();
}

Result<std::vector<ScalarValue>> DecodeArray(DataType element_type, std::string_view bytes) {
  Decoder in(bytes);
  uint64_t count;
  if (!in.GetVarint64(&count) || count > bytes.size()) return Status::Corruption("bad array row");
  std::vector<ScalarValue> values;
  values.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (element_type == DataType::kBool) {
      std::string_view b;
      if (!in.GetBytes(1, &b)) return Status::Corruption("bad array row");
      values.emplace_back(b[0] != 0);
    } else if (IsIntegerType(element_type)) {
      uint64_t v;
      if (!in.GetFixed64(&v)) return Status::Corruption("bad array row");
      values.emplace_back(static_cast<int64_t>(v));
    } else if (IsFloatingType(element_type)) {
      uint64_t bits;
      if (!in.GetFixed64(&bits)) return Status::Corruption("bad array row");
      double d;
      std::memcpy(&d, &bits, 8);
      values.emplace_back(d);
    } else if (IsStringType(element_type)) {
      std::string_view s;
      if (!in.GetLengthPrefixed(&s)) return Status::Corruption("bad array row");
      values.emplace_back(std::string(s));
    } else {
      return Status::Corruption("unsupported array element type");
    }
  }
  return values;
}

size_t ArrayLength(std::string_view bytes) {
  Decoder in(bytes);
  uint64_t count = 0;
  if (!in.GetVarint64(&count)) return 0;
  return static_cast<size_t>(count);
}

}  // namespace quiver::schema
