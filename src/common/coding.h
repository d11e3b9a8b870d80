#pragma once

// Little-endian fixed-width and varint encodings used by the on-disk formats (WAL records, segment
// files, metadata values). See docs/format/*.md for the layouts built from them.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace quiver {

inline void PutFixed32(std::string* dst, uint32_t value) {
  char buf[4];
  std::memcpy(buf, &value, 4);  // x86-64 and aarch64 Linux are little-endian
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t value) {
  char buf[8];
  std::memcpy(buf, &value, 8);
  dst->append(buf, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t value;
  std::memcpy(&value, p, 4);
  return value;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t value;
  std::memcpy(&value, p, 8);
  return value;
}
inline void EncodeFixed32(char* p, uint32_t value) { std::memcpy(p, &value, 4); }
inline void EncodeFixed64(char* p, uint64_t value) { std::memcpy(p, &value, 8); }

inline void PutVarint64(std::string* dst, uint64_t value) {
  while (value >= 0x80) {
    dst->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  dst->push_back(static_cast<char>(value));
}
inline void PutLengthPrefixed(std::string* dst, std::string_view value) {
  PutVarint64(dst, value.size());
  dst->append(value);
}

// A cursor over encoded bytes; every Get* returns false (and leaves the output alone) when the
// input is too short or malformed, so decoders never read past the end of a corrupt buffer.
class Decoder {
 public:
  explicit Decoder(std::string_view input) : input_(input) {}

  bool GetFixed32(uint32_t* out) {
    if (input_.size() < 4) return false;
    *out = DecodeFixed32(input_.data());
    input_.remove_prefix(4);
    return true;
  }
  bool GetFixed64(uint64_t* out) {
    if (input_.size() < 8) return false;
    *out = DecodeFixed64(input_.data());
    input_.remove_prefix(8);
    return true;
  }
  bool GetVarint64(uint64_t* out) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && !input_.empty(); shift += 7) {
      uint8_t byte = static_cast<uint8_t>(input_.front());
      input_.remove_prefix(1);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *out = result;
        return true;
      }
    }
    return false;
  }
  bool GetLengthPrefixed(std::string_view* out) {
    uint64_t size;
    if (!GetVarint64(&size) || size > input_.size()) return false;
    *out = input_.substr(0, size);
    input_.remove_prefix(size);
    return true;
  }
  bool GetBytes(size_t size, std::string_view* out) {
    if (size > input_.size()) return false;
    *out = input_.substr(0, size);
    input_.remove_prefix(size);
    return true;
  }
  bool empty() const { return input_.empty(); }
  std::string_view remaining() const { return input_; }

 private:
  std::string_view input_;
};

}  // namespace quiver
