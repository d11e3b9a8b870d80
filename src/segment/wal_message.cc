#include "segment/wal_message.h"

#include "common/coding.h"

namespace quiver::segment {

namespace {

// varint length, u8 pad count, pad zero bytes, then the bytes: the bytes start at a multiple of 8
// from the start of the message, so a decoder can view int64/float columns in place.
void PutAlignedBuffer(std::string* out, std::string_view bytes) {
  PutVarint64(out, bytes.size());
  size_t pad = (8 - (out->size() + 1) % 8) % 8;
  out->push_back(static_cast<char>(pad));
  out->append(pad, '\0');
  out->append(bytes);
}

bool GetAlignedBuffer(Decoder* in, std::string_view* out) {
  uint64_t size;
  std::string_view pad, skipped;
  if (!in->GetVarint64(&size) || !in->GetBytes(1, &pad) || static_cast<uint8_t>(pad[0]) > 7 ||
      !in->GetBytes(static_cast<uint8_t>(pad[0]), &skipped)) {
    return false;
  }
  return in->GetBytes(size, out);
}

}  // namespace

void EncodeChunk(const schema::DataChunk& chunk, std::string* out) {
  PutVarint64(out, chunk.rows);
  PutVarint64(out, chunk.columns.size());
  for (const auto& [field_id, column] : chunk.columns) {
    PutVarint64(out, static_cast<uint64_t>(field_id));
    PutVarint64(out, static_cast<uint64_t>(column->type));
    PutVarint64(out, static_cast<uint64_t>(column->element_type));
    PutVarint64(out, static_cast<uint64_t>(column->dim));
    out->push_back(column->nullable() ? 1 : 0);
    PutAlignedBuffer(out, column->data.view());
    PutAlignedBuffer(out, column->offsets.view());
    PutAlignedBuffer(out, column->valid.view());
  }
}

namespace {

void PutKeys(std::string* out, const std::vector<PrimaryKey>& keys) {
  PutVarint64(out, keys.size());
  for (const PrimaryKey& pk : keys) {
    if (const int64_t* i = std::get_if<int64_t>(&pk)) {
      out->push_back(0);
      PutFixed64(out, static_cast<uint64_t>(*i));
    } else {
      out->push_back(1);
      PutLengthPrefixed(out, std::get<std::string>(pk));
    }
  }
}

bool GetKeys(Decoder* in, std::vector<PrimaryKey>* keys) {
  uint64_t count;
  if (!in->GetVarint64(&count) || count > in->remaining().size()) return false;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view kind;
    if (!in->GetBytes(1, &kind)) return false;
    if (kind[0] == 0) {
      uint64_t value;
      if (!in->GetFixed64(&value)) return false;
      keys->emplace_back(static_cast<int64_t>(value));
    } else {
      std::string_view key;
      if (!in->GetLengthPrefixed(&key)) return false;
      keys->emplace_back(std::string(key));
    }
  }
  return true;
}

Result<std::shared_ptr<const schema::DataChunk>> DecodeChunk(Decoder* in,
                                                             const std::shared_ptr<const std::string>& owner) {
  uint64_t rows, columns;
  if (!in->GetVarint64(&rows) || !in->GetVarint64(&columns)) return Status::Corruption("bad chunk header");
  auto chunk = std::make_shared<schema::DataChunk>();
  chunk->rows = rows;
  for (uint64_t c = 0; c < columns; ++c) {
    uint64_t field_id, type, element_type, dim;
    std::string_view nullable, data, offsets, valid;
    if (!in->GetVarint64(&field_id) || !in->GetVarint64(&type) || !in->GetVarint64(&element_type) ||
        !in->GetVarint64(&dim) || !in->GetBytes(1, &nullable) || !GetAlignedBuffer(in, &data) ||
        !GetAlignedBuffer(in, &offsets) || !GetAlignedBuffer(in, &valid)) {
      return Status::Corruption("bad chunk column");
    }
    auto column = std::make_shared<schema::ColumnChunk>();
    column->type = static_cast<schema::DataType>(type);
    column->element_type = static_cast<schema::DataType>(element_type);
    column->dim = static_cast<int64_t>(dim);
    column->rows = rows;
    // Encoding pads every buffer to 8 bytes from the message start, so views are aligned when the
    // payload string is; copy only if a caller hands in a payload at an odd address.
    auto view = [&](std::string_view bytes) {
      if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) return schema::Buffer::Own(std::string(bytes));
      return schema::Buffer::View(owner, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    };
    column->data = view(data);
    column->offsets = view(offsets);
    column->valid = view(valid);
    QUIVER_RETURN_IF_ERROR(column->ValidateShape(nullable[0] != 0));
    chunk->columns.emplace_back(static_cast<schema::FieldId>(field_id), std::move(column));
  }
  return std::shared_ptr<const schema::DataChunk>(chunk);
}

}  // namespace

std::string EncodeWalMessage(const WalMessage& message) {
  std::string out;
  out.push_back(static_cast<char>(message.type));
  PutVarint64(&out, static_cast<uint64_t>(message.collection_id));
  PutVarint64(&out, static_cast<uint64_t>(message.partition_id));
  PutVarint64(&out, message.partition_slot);
  PutFixed64(&out, message.timestamp);
  if (message.type == WalMessage::Type::kDelete || message.type == WalMessage::Type::kUpsert) {
    PutKeys(&out, message.deletes);
  }
  if (message.type == WalMessage::Type::kInsert || message.type == WalMessage::Type::kUpsert) {
    EncodeChunk(*message.rows, &out);
  }
  return out;
}

Result<WalMessage> DecodeWalMessage(std::shared_ptr<const std::string> payload) {
  Decoder in(*payload);
  std::string_view type;
  WalMessage message;
  uint64_t collection, partition, slot, ts;
  if (!in.GetBytes(1, &type) || !in.GetVarint64(&collection) || !in.GetVarint64(&partition) ||
      !in.GetVarint64(&slot) || !in.GetFixed64(&ts)) {
    return Status::Corruption("bad WAL message header");
  }
  message.type = static_cast<WalMessage::Type>(type[0]);
  message.collection_id = static_cast<int64_t>(collection);
  message.partition_id = static_cast<int64_t>(partition);
  message.partition_slot = static_cast<uint32_t>(slot);
  message.timestamp = ts;
  switch (message.type) {
    case WalMessage::Type::kInsert:
      break;
    case WalMessage::Type::kDelete:
    case WalMessage::Type::kUpsert:
      if (!GetKeys(&in, &message.deletes)) return Status::Corruption("bad WAL delete keys");
      break;
    case WalMessage::Type::kSeal:
      return message;
    default:
      return Status::Corruption("unknown WAL message type");
  }
  if (message.type != WalMessage::Type::kDelete) {
    QUIVER_ASSIGN_OR_RETURN(message.rows, DecodeChunk(&in, payload));
  }
  return message;
}

}  // namespace quiver::segment
