#pragma once

// Columnar data in one layout shared by insert batches, growing segments, sealed segments (as
// views into a memory-mapped file) and query results:
//   - fixed-width types: `data` holds rows * width bytes (vectors: rows * dim values);
//   - variable-width types (VarChar, JSON, Array, SparseFloatVector): `offsets` holds rows + 1
//     uint64 byte offsets into `data`;
//   - nullable columns: `valid` holds one byte per row (1 = value present); empty = all valid.
// Row encodings of the variable-width types are in docs/format/segment.md (JSON as UTF-8 text,
// Array per schema/array_codec.h, sparse vectors as (uint32 index, float value) pairs).
//
// ColumnChunk and DataChunk are immutable once built and safe to share between threads.

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "schema/types.h"

namespace quiver::schema {

// A byte range that keeps its backing storage alive (an owned string or a file mapping).
class Buffer {
 public:
  Buffer() = default;
  static Buffer Own(std::string bytes);
  // `owner` keeps `data` valid.
  static Buffer View(std::shared_ptr<const void> owner, const uint8_t* data, size_t size) {
    Buffer b;
    b.owner_ = std::move(owner);
    b.data_ = data;
    b.size_ = size;
    return b;
  }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  template <typename T>
  std::span<const T> As() const {
    return {reinterpret_cast<const T*>(data_), size_ / sizeof(T)};
  }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  // What keeps the bytes alive (a mapping or an owned string).
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  std::shared_ptr<const void> owner_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

struct ColumnChunk {
  DataType type = DataType::kNone;
  DataType element_type = DataType::kNone;
  int64_t dim = 0;
  size_t rows = 0;
  Buffer data;
  Buffer offsets;
  Buffer valid;

  bool nullable() const { return !valid.empty(); }
  bool IsValid(size_t row) const { return valid.empty() || valid.data()[row] != 0; }
  template <typename T>
  std::span<const T> Values() const { return data.As<T>(); }
  // Variable-width row bytes.
  std::string_view VarAt(size_t row) const {
    const uint64_t* off = reinterpret_cast<const uint64_t*>(offsets.data());
    return {reinterpret_cast<const char*>(data.data()) + off[row], off[row + 1] - off[row]};
  }
  // Fixed-width row bytes (vectors).
  const uint8_t* RowAt(size_t row) const { return data.data() + row * FixedWidth(type, dim); }
  // Integer value of row `row` for any integer type (widened).
  int64_t IntAt(size_t row) const;
  // Floating or integer value widened to double.
  double DoubleAt(size_t row) const;
  size_t MemoryBytes() const { return data.size() + offsets.size() + valid.size(); }
  // Checks that the buffers match `rows` and the type (sizes, monotonic offsets ending at the
  // data size), so readers never index past a buffer. Corruption otherwise. For decoders of
  // stored or received columns.
  Status ValidateShape(bool nullable_flag) const;
};

// Builds a ColumnChunk row by row. Not thread-safe.
class ColumnBuilder {
 public:
  ColumnBuilder(DataType type, int64_t dim = 0, DataType element_type = DataType::kNone,
                bool nullable = false);

  void AppendBool(bool value);
  void AppendInt(int64_t value);       // any integer type (narrowed to the column width)
  void AppendDouble(double value);     // Float or Double
  // Variable-width bytes (string, JSON text, encoded array, sparse pairs) or one fixed-width
  // vector row of exactly FixedWidth() bytes.
  void AppendBytes(std::string_view bytes);
  void AppendNull();
  // Appends a run of fixed-width rows from raw bytes (size must be a multiple of the width).
  void AppendRawFixed(std::string_view bytes, size_t rows);
  // Copies row `row` of `chunk` (same type).
  void AppendFrom(const ColumnChunk& chunk, size_t row);

  size_t rows() const { return rows_; }
  std::shared_ptr<const ColumnChunk> Build();

 private:
  void MarkValid(bool valid);
  DataType type_;
  int64_t dim_;
  DataType element_type_;
  bool nullable_;
  size_t width_;
  size_t rows_ = 0;
  std::string data_;
  std::vector<uint64_t> offsets_{0};
  std::string valid_;
};

// A batch of rows: one ColumnChunk per field, all with `rows` rows.
struct DataChunk {
  size_t rows = 0;
  std::vector<std::pair<FieldId, std::shared_ptr<const ColumnChunk>>> columns;

  const ColumnChunk* Find(FieldId id) const {
    for (const auto& [field_id, column] : columns) {
      if (field_id == id) return column.get();
    }
    return nullptr;
  }
  size_t MemoryBytes() const {
    size_t total = 0;
    for (const auto& [id, column] : columns) total += column->MemoryBytes();
    return total;
  }
};

// Concatenates chunks column by column (same fields, same types). Used when sealing.
Result<std::shared_ptr<const DataChunk>> ConcatChunks(
    const std::vector<std::shared_ptr<const DataChunk>>& chunks);

// Checks one sparse vector row (pairs of uint32 LE index, float32 LE value) as Milvus does —
// indices below 2^32-1 and unique, values finite — and returns it in canonical form, sorted by
// index, so every path (growing exact search, flushed segments, indexes) sees the same row.
// `what` names the vector in errors.
Result<std::string> CanonicalSparseRow(std::string_view pairs, const std::string& what);

}  // namespace quiver::schema
