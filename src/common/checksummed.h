#pragma once

// Files written as [magic][body][fixed32 masked CRC32C of magic + body] (index files, HNSW
// payloads): one check for the magic, the length and the checksum.

#include <string>
#include <string_view>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/status.h"

namespace quiver {

// The body of a checksummed record (after the magic, before the checksum). Corruption naming
// `what` if the magic, the size or the checksum is wrong.
inline Result<std::string_view> UnwrapChecksummed(std::string_view bytes, std::string_view magic, std::string_view what) {
  if (bytes.size() < magic.size() + 4 || bytes.substr(0, magic.size()) != magic) {
    return Status::Corruption("not " + std::string(what));
  }
  std::string_view covered = bytes.substr(0, bytes.size() - 4);
  if (crc32c::Value(covered) != crc32c::Unmask(DecodeFixed32(bytes.data() + covered.size()))) {
    return Status::Corruption(std::string(what) + " checksum mismatch");
  }
  return covered.substr(magic.size());
}

// Appends the masked checksum of everything in `out`.
inline void SealChecksummed(std::string* out) { PutFixed32(out, crc32c::Mask(crc32c::Value(*out))); }

}  // namespace quiver
