#pragma once

// CRC-32C (Castagnoli), the checksum of every WAL record and segment block. Uses the SSE4.2 crc32
// instruction when the CPU has it (checked once at run time) and a table otherwise.
// Masked() follows LevelDB: a CRC stored next to data that may itself contain CRCs is rotated and
// offset so that a CRC of a CRC does not look valid.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace quiver::crc32c {

// Extends `crc` (the CRC of some prefix) with `data`. Extend(0, data) is the CRC of `data`.
uint32_t Extend(uint32_t crc, const void* data, size_t size);
inline uint32_t Value(const void* data, size_t size) { return Extend(0, data, size); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

constexpr uint32_t kMaskDelta = 0xa282ead8ul;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// True when the hardware path is in use (for tests and logs).
bool HardwareAccelerated();

}  // namespace quiver::crc32c
