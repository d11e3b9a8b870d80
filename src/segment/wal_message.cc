#include "segment/wal_message.h"

#include "common/coding.h"
#include "segment/column_codec.h"

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
  EncodeColumns(chunk, out, BufferCodec{[](std::string* o, const schema::Buffer& b) { PutAlignedBuffer(o, b.view()); }, {}});
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
  // Encoding pads every buffer to 8 bytes from the message start, so views are aligned when the
  // payload string is; copy only if a caller hands in a payload at an odd address.
  BufferCodec codec;
  codec.get = [&owner](Decoder* d, schema::FieldId, schema::Buffer* buffer) -> Status {
    std::string_view bytes;
    if (!GetAlignedBuffer(d, &bytes)) return Status::Corruption("bad chunk column");
    if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) {
      *buffer = schema::Buffer::Own(std::string(bytes));
    } else {
      *buffer = schema::Buffer::View(owner, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    return Status::OK();
  };
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<schema::DataChunk> chunk, DecodeColumns(in, codec, "WAL chunk"));
  return std::shared_ptr<const schema::DataChunk>(std::move(chunk));
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

Result<std::shared_ptr<const schema::DataChunk>> DecodeChunkPayload(std::shared_ptr<const std::string> payload) {
  Decoder in(*payload);
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<const schema::DataChunk> chunk, DecodeChunk(&in, payload));
  if (!in.empty()) return Status::Corruption("bytes after the chunk");
  return chunk;
}

}  // namespace quiver::segment
