#pragma once

// A fixed-size bitset over segment rows: filter results, delete bitmaps, visibility. Bit i set
// means row i is selected. Word-wise operations so the compiler vectorises them.
// Not thread-safe for writes; concurrent reads are fine.

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace quiver {

class Bitset {
 public:
  Bitset() = default;
  explicit Bitset(size_t size, bool value = false)
      : size_(size), words_((size + 63) / 64, value ? ~uint64_t{0} : 0) {
    ClearTail();
  }

  size_t size() const { return size_; }
  bool Test(size_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void Set(size_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  void Reset(size_t i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  void Assign(size_t i, bool value) { value ? Set(i) : Reset(i); }
  void SetAll() {
    std::fill(words_.begin(), words_.end(), ~uint64_t{0});
    ClearTail();
  }
  void ResetAll() { std::fill(words_.begin(), words_.end(), 0); }

  size_t Count() const {
    size_t total = 0;
    for (uint64_t w : words_) total += static_cast<size_t>(std::popcount(w));
    return total;
  }
  bool None() const {
    for (uint64_t w : words_) {
      if (w) return false;
    }
    return true;
  }

  // In-place boolean algebra; sizes must match.
  Bitset& operator&=(const Bitset& other) {
    for (size_t i = 0; i < words_.size(); ++i) words_[i] &= other.words_[i];
    return *this;
  }
  Bitset& operator|=(const Bitset& other) {
    for (size_t i = 0; i < words_.size(); ++i) words_[i] |= other.words_[i];
    return *this;
  }
  // this &= ~other
  Bitset& AndNot(const Bitset& other) {
    for (size_t i = 0; i < words_.size(); ++i) words_[i] &= ~other.words_[i];
    return *this;
  }
  void Flip() {
    for (uint64_t& w : words_) w = ~w;
    ClearTail();
  }

  // Index of the first set bit at or after `from`, or size() if none.
  size_t NextSet(size_t from) const {
    if (from >= size_) return size_;
    size_t word = from >> 6;
    uint64_t bits = words_[word] & (~uint64_t{0} << (from & 63));
    while (true) {
      if (bits) return (word << 6) + static_cast<size_t>(std::countr_zero(bits));
      if (++word >= words_.size()) return size_;
      bits = words_[word];
    }
  }

  const uint64_t* words() const { return words_.data(); }
  uint64_t* mutable_words() { return words_.data(); }
  size_t word_count() const { return words_.size(); }

  bool operator==(const Bitset& other) const = default;

 private:
  void ClearTail() {
    if (size_ & 63) words_.back() &= (uint64_t{1} << (size_ & 63)) - 1;
  }
  size_t size_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace quiver
