#pragma once

// Hybrid timestamps, as Milvus uses them: (unix_ms << 18) | logical. The 18 low bits count events
// within one millisecond, so one clock issues up to 262,144 timestamps per millisecond.

#include <cstdint>
#include <functional>

#include "common/mutex.h"

namespace quiver {

using Timestamp = uint64_t;

constexpr int kLogicalBits = 18;
constexpr uint64_t kLogicalMask = (1ull << kLogicalBits) - 1;
constexpr Timestamp kMaxTimestamp = ~0ull;

constexpr Timestamp ComposeTimestamp(uint64_t physical_ms, uint64_t logical) {
  return (physical_ms << kLogicalBits) | (logical & kLogicalMask);
}
constexpr uint64_t PhysicalMs(Timestamp ts) { return ts >> kLogicalBits; }
constexpr uint64_t LogicalPart(Timestamp ts) { return ts & kLogicalMask; }

// Current wall-clock time in milliseconds since the epoch.
uint64_t WallClockMs();

// Issues strictly increasing hybrid timestamps. Survives wall-clock steps backwards by holding the
// physical part until the clock catches up. `clock_ms` is injectable for tests.
// Thread-safe.
class HybridClock {
 public:
  explicit HybridClock(std::function<uint64_t()> clock_ms = WallClockMs);

  // Returns a timestamp greater than every earlier return value.
  Timestamp Now();
  // Reserves `count` consecutive timestamps and returns the first.
  Timestamp Allocate(uint32_t count);
  // Ensures later timestamps exceed `ts` (after recovery from persisted state).
  void AdvanceTo(Timestamp ts);

 private:
  std::function<uint64_t()> clock_ms_;
  Mutex mu_;
  Timestamp last_ QUIVER_GUARDED_BY(mu_) = 0;
};

}  // namespace quiver
