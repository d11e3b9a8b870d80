#pragma once

// TopK keeps the best k hits of one query. A binary heap with the worst kept hit on top, so a new
// candidate is rejected with one comparison (WouldAccept) in the common case. Ties break on the
// smaller id so results are deterministic. Not thread-safe: one heap per query per thread.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace quiver::index {

struct Hit {
  float distance = 0;
  int64_t id = -1;
};

class TopK {
 public:
  TopK(size_t k, bool higher_is_better) : k_(k), higher_(higher_is_better) { heap_.reserve(k); }

  // a is strictly better than b.
  bool Better(const Hit& a, const Hit& b) const {
    if (a.distance != b.distance) return higher_ ? a.distance > b.distance : a.distance < b.distance;
    return a.id < b.id;
  }
  bool full() const { return heap_.size() >= k_; }
  bool WouldAccept(float distance) const {
    if (!full()) return k_ > 0;
    const float worst = heap_.front().distance;
    return higher_ ? distance >= worst : distance <= worst;
  }
  void Push(float distance, int64_t id) {
    if (k_ == 0) return;
    Hit hit{distance, id};
    auto worse_on_top = [this](const Hit& a, const Hit& b) { return Better(a, b); };
    if (!full()) {
      heap_.push_back(hit);
      std::push_heap(heap_.begin(), heap_.end(), worse_on_top);
    } else if (Better(hit, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), worse_on_top);
      heap_.back() = hit;
      std::push_heap(heap_.begin(), heap_.end(), worse_on_top);
    }
  }
  // Best first.
  std::vector<Hit> Sorted() const {
    std::vector<Hit> out = heap_;
    std::sort(out.begin(), out.end(), [this](const Hit& a, const Hit& b) { return Better(a, b); });
    return out;
  }
  size_t size() const { return heap_.size(); }
  size_t k() const { return k_; }
  bool higher_is_better() const { return higher_; }

 private:
  size_t k_;
  bool higher_;
  std::vector<Hit> heap_;
};

}  // namespace quiver::index
