#pragma once

// WAL record framing, shared by the writer, the recovery scan and tools/wal_dump.
// Byte layout (docs/format/wal.md):
//   0  u32  masked CRC-32C of bytes [4, 16 + length)
//   4  u32  payload length
//   8  u64  lsn
//   16 ...  payload

#include <cstdint>
#include <string>
#include <string_view>

#include "common/coding.h"
#include "common/crc32c.h"

namespace quiver::storage {

constexpr size_t kWalHeaderSize = 16;
constexpr uint32_t kWalMaxPayload = 512u << 20;

inline void AppendWalRecord(std::string* out, uint64_t lsn, std::string_view payload) {
  size_t start = out->size();
  PutFixed32(out, 0);  // checksum placeholder
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  PutFixed64(out, lsn);
  out->append(payload);
  uint32_t crc = crc32c::Value(out->data() + start + 4, out->size() - start - 4);
  EncodeFixed32(out->data() + start, crc32c::Mask(crc));
}

}  // namespace quiver::storage
