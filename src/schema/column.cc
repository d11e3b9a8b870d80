#include "schema/column.h"

#include <algorithm>
#include <cmath>

namespace quiver::schema {

Buffer Buffer::Own(std::string bytes) {
  auto owned = std::make_shared<std::string>(std::move(bytes));
  const uint8_t* data = reinterpret_cast<const uint8_t*>(owned->data());
  size_t size = owned->size();
  return View(std::move(owned), data, size);
}

int64_t ColumnChunk::IntAt(size_t row) const {
  switch (type) {
    case DataType::kBool:
    case DataType::kInt8:
      return static_cast<int8_t>(data.data()[row]);
    case DataType::kInt16:
      return Values<int16_t>()[row];
    case DataType::kInt32:
      return Values<int32_t>()[row];
    case DataType::kInt64:
    case DataType::kTimestamptz:
      return Values<int64_t>()[row];
    case DataType::kFloat:
      return static_cast<int64_t>(Values<float>()[row]);
    case DataType::kDouble:
      return static_cast<int64_t>(Values<double>()[row]);
    default:
      return 0;
  }
}

double ColumnChunk::DoubleAt(size_t row) const {
  switch (type) {
    case DataType::kFloat:
      return Values<float>()[row];
    case DataType::kDouble:
      return Values<double>()[row];
    default:
      return static_cast<double>(IntAt(row));
  }
}

Status ColumnChunk::ValidateShape(bool nullable_flag) const {
  if (IsVariableWidth(type)) {
    if (offsets.size() != (rows + 1) * 8) return Status::Corruption("column offsets size does not match its rows");
    auto off = offsets.As<uint64_t>();
    if (off[0] != 0 || off[rows] != data.size()) return Status::Corruption("column offsets do not match its data");
    for (size_t i = 0; i < rows; ++i) {
      if (off[i] > off[i + 1]) return Status::Corruption("column offsets not monotonic");
    }
  } else if (data.size() != rows * FixedWidth(type, dim)) {
    return Status::Corruption("column data size does not match its rows");
  }
  if (nullable_flag && valid.size() != rows) return Status::Corruption("column validity size does not match its rows");
  return Status::OK();
}

ColumnBuilder::ColumnBuilder(DataType type, int64_t dim, DataType element_type, bool nullable)
    : type_(type), dim_(dim), element_type_(element_type), nullable_(nullable),
      width_(FixedWidth(type, dim)) {}

void ColumnBuilder::MarkValid(bool valid) {
  if (nullable_) valid_.push_back(valid ? 1 : 0);
  ++rows_;
}

void ColumnBuilder::AppendBool(bool value) {
  data_.push_back(value ? 1 : 0);
  MarkValid(true);
}

void ColumnBuilder::AppendInt(int64_t value) {
  switch (type_) {
    case DataType::kBool:
    case DataType::kInt8: {
      data_.push_back(static_cast<char>(static_cast<int8_t>(value)));
      break;
    }
    case DataType::kInt16: {
      int16_t v = static_cast<int16_t>(value);
      data_.append(reinterpret_cast<const char*>(&v), 2);
      break;
    }
    case DataType::kInt32: {
      int32_t v = static_cast<int32_t>(value);
      data_.append(reinterpret_cast<const char*>(&v), 4);
      break;
    }
    case DataType::kFloat:
    case DataType::kDouble:
      AppendDouble(static_cast<double>(value));
      return;
    default: {
      data_.append(reinterpret_cast<const char*>(&value), 8);
      break;
    }
  }
  MarkValid(true);
}

void ColumnBuilder::AppendDouble(double value) {
  if (type_ == DataType::kFloat) {
    float v = static_cast<float>(value);
    data_.append(reinterpret_cast<const char*>(&v), 4);
  } else {
    data_.append(reinterpret_cast<const char*>(&value), 8);
  }
  MarkValid(true);
}

void ColumnBuilder::AppendBytes(std::string_view bytes) {
  data_.append(bytes);
  if (IsVariableWidth(type_)) offsets_.push_back(data_.size());
  MarkValid(true);
}

void ColumnBuilder::AppendNull() {
  if (IsVariableWidth(type_)) {
    offsets_.push_back(data_.size());
  } else {
    data_.append(width_, '\0');
  }
  if (nullable_) {
    valid_.push_back(0);
    ++rows_;
  } else {
    ++rows_;
  }
}

void ColumnBuilder::AppendRawFixed(std::string_view bytes, size_t rows) {
  data_.append(bytes);
  if (nullable_) valid_.append(rows, 1);
  rows_ += rows;
}

void ColumnBuilder::AppendFrom(const ColumnChunk& chunk, size_t row) {
  if (!chunk.IsValid(row)) {
    AppendNull();
    return;
  }
  if (IsVariableWidth(type_)) {
    AppendBytes(chunk.VarAt(row));
  } else {
    data_.append(reinterpret_cast<const char*>(chunk.data.data()) + row * width_, width_);
    MarkValid(true);
  }
}

std::shared_ptr<const ColumnChunk> ColumnBuilder::Build() {
  auto chunk = std::make_shared<ColumnChunk>();
  chunk->type = type_;
  chunk->element_type = element_type_;
  chunk->dim = dim_;
  chunk->rows = rows_;
  chunk->data = Buffer::Own(std::move(data_));
  if (IsVariableWidth(type_)) {
    std::string offsets(reinterpret_cast<const char*>(offsets_.data()), offsets_.size() * 8);
    chunk->offsets = Buffer::Own(std::move(offsets));
  }
  if (nullable_) chunk->valid = Buffer::Own(std::move(valid_));
  data_.clear();
  offsets_.assign(1, 0);
  valid_.clear();
  rows_ = 0;
  return chunk;
}

Result<std::shared_ptr<const DataChunk>> ConcatChunks(
    const std::vector<std::shared_ptr<const DataChunk>>& chunks) {
  auto out = std::make_shared<DataChunk>();
  if (chunks.empty()) return std::shared_ptr<const DataChunk>(out);
  if (chunks.size() == 1) return chunks[0];
  for (const auto& [field_id, first] : chunks[0]->columns) {
    ColumnBuilder builder(first->type, first->dim, first->element_type, first->nullable());
    for (const auto& chunk : chunks) {
      const ColumnChunk* column = chunk->Find(field_id);
      if (column == nullptr || column->type != first->type) {
        return Status::Internal("chunks to concatenate differ in field", std::to_string(field_id));
      }
      bool needs_null_marks = first->nullable() != column->nullable();
      if (!IsVariableWidth(column->type) && !needs_null_marks && !column->nullable()) {
        builder.AppendRawFixed(column->data.view(), column->rows);
      } else {
        for (size_t row = 0; row < column->rows; ++row) builder.AppendFrom(*column, row);
      }
    }
    out->columns.emplace_back(field_id, builder.Build());
  }
  for (const auto& chunk : chunks) out->rows += chunk->rows;
  return std::shared_ptr<const DataChunk>(out);
}

Result<std::string> CanonicalSparseRow(std::string_view pairs, const std::string& what) {
  if (pairs.size() % 8 != 0) return Status::InvalidArgument(what + " is malformed (pairs of 8 bytes expected)");
  const size_t n = pairs.size() / 8;
  std::vector<std::pair<uint32_t, float>> entries(n);
  bool sorted = true;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(&entries[i].first, pairs.data() + 8 * i, 4);
    std::memcpy(&entries[i].second, pairs.data() + 8 * i + 4, 4);
    if (entries[i].first == UINT32_MAX) {
      return Status::InvalidArgument(what + " has index 4294967295; indices must be below 2^32-1");
    }
    if (!std::isfinite(entries[i].second)) {
      return Status::InvalidArgument(what + " has a non-finite value at index " + std::to_string(entries[i].first));
    }
    if (i > 0 && entries[i].first <= entries[i - 1].first) sorted = false;
  }
  if (sorted) return std::string(pairs);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out(pairs.size(), '\0');
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && entries[i].first == entries[i - 1].first) {
      return Status::InvalidArgument(what + " has index " + std::to_string(entries[i].first) +
                                     " more than once; indices must be unique");
    }
    std::memcpy(out.data() + 8 * i, &entries[i].first, 4);
    std::memcpy(out.data() + 8 * i + 4, &entries[i].second, 4);
  }
  return out;
}

}  // namespace quiver::schema
