#include "segment/column_codec.h"

namespace quiver::segment {

void EncodeColumns(const schema::DataChunk& chunk, std::string* out, const BufferCodec& codec) {
  PutVarint64(out, chunk.rows);
  PutVarint64(out, chunk.columns.size());
  for (const auto& [field_id, column] : chunk.columns) {
    PutVarint64(out, static_cast<uint64_t>(field_id));
    PutVarint64(out, static_cast<uint64_t>(column->type));
    PutVarint64(out, static_cast<uint64_t>(column->element_type));
    PutVarint64(out, static_cast<uint64_t>(column->dim));
    out->push_back(column->nullable() ? 1 : 0);
    codec.put(out, column->data);
    codec.put(out, column->offsets);
    codec.put(out, column->valid);
  }
}

Result<std::shared_ptr<schema::DataChunk>> DecodeColumns(Decoder* in, const BufferCodec& codec, std::string_view what) {
  uint64_t rows, columns;
  if (!in->GetVarint64(&rows) || !in->GetVarint64(&columns) || columns > in->remaining().size()) {
    return Status::Corruption(std::string(what) + " column header malformed");
  }
  auto chunk = std::make_shared<schema::DataChunk>();
  chunk->rows = rows;
  for (uint64_t c = 0; c < columns; ++c) {
    uint64_t field_id, type, element_type, dim;
    std::string_view nullable;
    if (!in->GetVarint64(&field_id) || !in->GetVarint64(&type) || !in->GetVarint64(&element_type) ||
        !in->GetVarint64(&dim) || !in->GetBytes(1, &nullable)) {
      return Status::Corruption(std::string(what) + " column descriptor malformed");
    }
    const auto field = static_cast<schema::FieldId>(field_id);
    auto column = std::make_shared<schema::ColumnChunk>();
    column->type = static_cast<schema::DataType>(type);
    column->element_type = static_cast<schema::DataType>(element_type);
    column->dim = static_cast<int64_t>(dim);
    column->rows = rows;
    QUIVER_RETURN_IF_ERROR(codec.get(in, field, &column->data));
    QUIVER_RETURN_IF_ERROR(codec.get(in, field, &column->offsets));
    QUIVER_RETURN_IF_ERROR(codec.get(in, field, &column->valid));
    QUIVER_RETURN_IF_ERROR(column->ValidateShape(nullable[0] != 0).Annotate(std::string(what) + " field " + std::to_string(field_id)));
    chunk->columns.emplace_back(field, std::move(column));
  }
  return chunk;
}

}  // namespace quiver::segment
