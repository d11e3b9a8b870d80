#include "common/timestamp.h"

#include <chrono>

namespace quiver {

uint64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HybridClock::HybridClock(std::function<uint64_t()> clock_ms) : clock_ms_(std::move(clock_ms)) {}

Timestamp HybridClock::Now() { return Allocate(1); }

Timestamp HybridClock::Allocate(uint32_t count) {
  if (count == 0) count = 1;
  MutexLock lock(&mu_);
  Timestamp wall = ComposeTimestamp(clock_ms_(), 0);
  Timestamp first = std::max(wall, last_ + 1);
  // Never let the logical part of a batch wrap into the next millisecond's range unnoticed: a
  // batch may run past the end of the millisecond, which keeps ordering (values stay increasing).
  last_ = first + count - 1;
  return first;
}

void HybridClock::AdvanceTo(Timestamp ts) {
  MutexLock lock(&mu_);
  if (ts > last_) last_ = ts;
}

}  // namespace quiver
