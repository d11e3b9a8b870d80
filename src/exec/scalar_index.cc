#include "exec/scalar_index.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace quiver::exec {

using expr::BinaryOp;
using expr::Literal;
using schema::DataType;

std::shared_ptr<const ScalarIndex> ScalarIndex::Build(const schema::ColumnChunk& column) {
  auto index = std::shared_ptr<ScalarIndex>(new ScalarIndex());
  const size_t n = column.rows;
  index->rows_ = n;
  index->valid_ = Bitset(n);
  std::vector<uint32_t> rows;
  for (size_t r = 0; r < n; ++r) {
    if (column.IsValid(r)) {
      index->valid_.Set(r);
      rows.push_back(static_cast<uint32_t>(r));
    }
  }
  if (schema::IsIntegerType(column.type) || column.type == DataType::kBool) {
    index->kind_ = Kind::kInt;
    index->bool_column_ = column.type == DataType::kBool;
    auto key = [&](uint32_t r) -> int64_t {
      return column.type == DataType::kBool ? column.Values<uint8_t>()[r] : column.IntAt(r);
    };
    std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
    for (uint32_t r : rows) index->ints_.push_back(key(r));
  } else if (column.type == DataType::kFloat || column.type == DataType::kDouble) {
    index->kind_ = Kind::kFloat;
    for (uint32_t r : rows) {
      if (std::isnan(column.DoubleAt(r))) return nullptr;
    }
    std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) { return column.DoubleAt(a) < column.DoubleAt(b); });
    for (uint32_t r : rows) index->doubles_.push_back(column.DoubleAt(r));
  } else if (schema::IsStringType(column.type)) {
    index->kind_ = Kind::kString;
    std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) { return column.VarAt(a) < column.VarAt(b); });
    for (uint32_t r : rows) index->strings_.push_back(column.VarAt(r));
  } else {
    return nullptr;
  }
  index->order_ = std::move(rows);
  return index;
}

size_t ScalarIndex::MemoryBytes() const {
  return order_.size() * 4 + ints_.size() * 8 + doubles_.size() * 8 + strings_.size() * sizeof(std::string_view) +
         valid_.word_count() * 8;
}

Bitset ScalarIndex::RowsOf(size_t lo, size_t hi) const {
  Bitset out(rows_);
  for (size_t i = lo; i < hi; ++i) out.Set(order_[i]);
  return out;
}

template <typename K>
std::pair<size_t, size_t> ScalarIndex::EqualRange(const std::vector<K>& keys, const K& key) const {
  auto [lo, hi] = std::equal_range(keys.begin(), keys.end(), key);
  return {static_cast<size_t>(lo - keys.begin()), static_cast<size_t>(hi - keys.begin())};
}

template <typename K>
Bitset ScalarIndex::Range(const std::vector<K>& keys, BinaryOp op, const K& key) const {
  auto [lo, hi] = EqualRange(keys, key);
  switch (op) {
    case BinaryOp::kEq: return RowsOf(lo, hi);
    case BinaryOp::kNe: {
      Bitset out = valid_;
      out.AndNot(RowsOf(lo, hi));
      return out;
    }
    case BinaryOp::kLt: return RowsOf(0, lo);
    case BinaryOp::kLe: return RowsOf(0, hi);
    case BinaryOp::kGt: return RowsOf(hi, keys.size());
    case BinaryOp::kGe: return RowsOf(lo, keys.size());
    default: return Bitset(rows_);
  }
}

std::optional<Bitset> ScalarIndex::Compare(BinaryOp op, const Literal& constant) const {
  switch (op) {
    case BinaryOp::kEq: case BinaryOp::kNe: case BinaryOp::kLt:
    case BinaryOp::kLe: case BinaryOp::kGt: case BinaryOp::kGe: break;
    default: return std::nullopt;
  }
  switch (kind_) {
    case Kind::kInt:
      if (bool_column_) {
        if (!constant.is_bool()) return std::nullopt;
        return Range<int64_t>(ints_, op, std::get<bool>(constant.value) ? 1 : 0);
      }
      if (!constant.is_int()) return std::nullopt;
      return Range<int64_t>(ints_, op, std::get<int64_t>(constant.value));
    case Kind::kFloat:
      if (!constant.is_number()) return std::nullopt;
      return Range<double>(doubles_, op, constant.AsDouble());
    case Kind::kString:
      if (!constant.is_string()) return std::nullopt;
      return Range<std::string_view>(strings_, op, std::string_view(std::get<std::string>(constant.value)));
  }
  return std::nullopt;
}

std::optional<Bitset> ScalarIndex::In(const std::vector<Literal>& values) const {
  Bitset out(rows_);
  for (const Literal& v : values) {
    std::pair<size_t, size_t> range{0, 0};
    if (kind_ == Kind::kInt && !bool_column_) {
      if (v.is_int()) {
        range = EqualRange<int64_t>(ints_, std::get<int64_t>(v.value));
      } else if (v.is_float()) {
        double d = std::get<double>(v.value);
        if (std::floor(d) == d && d >= -9.2e18 && d <= 9.2e18) range = EqualRange<int64_t>(ints_, static_cast<int64_t>(d));
      }
    } else if (kind_ == Kind::kString) {
      if (v.is_string()) range = EqualRange<std::string_view>(strings_, std::get<std::string>(v.value));
    } else {
      return std::nullopt;  // the scan handles IN only on integer and string columns
    }
    out |= RowsOf(range.first, range.second);
  }
  return out;
}

std::optional<Bitset> ScalarIndex::Prefix(std::string_view prefix) const {
  if (kind_ != Kind::kString) return std::nullopt;
  auto lo = std::lower_bound(strings_.begin(), strings_.end(), prefix);
  auto hi = lo;
  while (hi != strings_.end() && hi->substr(0, prefix.size()) == prefix) ++hi;  // matches are contiguous
  return RowsOf(static_cast<size_t>(lo - strings_.begin()), static_cast<size_t>(hi - strings_.begin()));
}

}  // namespace quiver::exec
