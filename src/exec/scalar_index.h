#pragma once

// Scalar indexes of one sealed segment's column, used by the filter engine (filter.h) in place of
// a column scan. Milvus's INVERTED, STL_SORT and Trie (and scalar AUTOINDEX / BITMAP) are all
// served by one structure: the valid rows ordered by value, with the sorted keys beside them.
// Equality and IN become equal ranges, comparisons become one range, a prefix LIKE ("abc%")
// becomes the range [abc, abd) — what a trie answers, with binary search on the sorted strings.
// Results cost O(log n + matches) instead of a pass over the column.
//
// Semantics equal the scan's exactly (filter_test checks every expression both ways): integer
// columns compare exactly with integer constants (other constants fall back to the scan), floats
// compare as doubles, strings bytewise; null rows are neither true nor false. A float column
// holding NaN is not indexed (its order is partial). Immutable and thread-safe once built.

#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bitset.h"
#include "expr/ast.h"
#include "schema/column.h"

namespace quiver::exec {

class ScalarIndex {
 public:
  // Null for columns it cannot index (JSON, arrays, vectors, NaN floats). The index views the
  // column's string bytes: the column must outlive it.
  static std::shared_ptr<const ScalarIndex> Build(const schema::ColumnChunk& column);

  size_t rows() const { return rows_; }
  const Bitset& valid() const { return valid_; }

  // Rows where `column op constant` holds; nullopt when the index cannot answer exactly (the
  // caller scans instead).
  std::optional<Bitset> Compare(expr::BinaryOp op, const expr::Literal& constant) const;
  // Rows whose value is one of `values`.
  std::optional<Bitset> In(const std::vector<expr::Literal>& values) const;
  // Rows whose string starts with `prefix`.
  std::optional<Bitset> Prefix(std::string_view prefix) const;
  size_t MemoryBytes() const;

 private:
  enum class Kind { kInt, kFloat, kString };
  // Sorted-key positions [lo, hi) of keys equal to / below / ... the constant, by kind.
  template <typename K>
  std::pair<size_t, size_t> EqualRange(const std::vector<K>& keys, const K& key) const;
  Bitset RowsOf(size_t lo, size_t hi) const;
  template <typename K>
  Bitset Range(const std::vector<K>& keys, expr::BinaryOp op, const K& key) const;

  Kind kind_ = Kind::kInt;
  size_t rows_ = 0;
  Bitset valid_;
  std::vector<uint32_t> order_;          // valid rows by ascending value
  std::vector<int64_t> ints_;            // kInt (bools as 0/1): sorted keys
  std::vector<double> doubles_;          // kFloat
  std::vector<std::string_view> strings_;  // kString
  bool bool_column_ = false;
};

// Scalar indexes of one segment, by field.
using ScalarIndexMap = std::map<schema::FieldId, std::shared_ptr<const ScalarIndex>>;

}  // namespace quiver::exec
