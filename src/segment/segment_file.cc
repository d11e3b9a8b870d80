// Segment file encoding and decoding. Byte layout: docs/format/segment.md.

#include "common/coding.h"
#include "common/crc32c.h"
#include "segment/column_codec.h"
#include "segment/segment.h"

namespace quiver::segment {
namespace {

constexpr std::string_view kHeaderMagic = "QVRSEG01";
constexpr std::string_view kTrailerMagic = "QVRSEGND";
constexpr size_t kTrailerSize = 8 + 4 + 4 + 8;
constexpr size_t kAlignment = 64;
constexpr uint64_t kFormatVersion = 1;

struct BlockRef {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t crc = 0;
};

BlockRef WriteBlock(std::string* out, const schema::Buffer& buffer) {
  while (out->size() % kAlignment != 0) out->push_back('\0');
  BlockRef ref;
  ref.offset = out->size();
  ref.length = buffer.size();
  ref.crc = crc32c::Mask(crc32c::Value(buffer.data(), buffer.size()));
  out->append(buffer.view());
  return ref;
}

void PutBlockRef(std::string* out, const BlockRef& ref) {
  PutVarint64(out, ref.offset);
  PutVarint64(out, ref.length);
  PutFixed32(out, ref.crc);
}

bool GetBlockRef(Decoder* in, BlockRef* ref) {
  return in->GetVarint64(&ref->offset) && in->GetVarint64(&ref->length) && in->GetFixed32(&ref->crc);
}

}  // namespace

std::string SerializeSegment(const SegmentMeta& meta, const schema::DataChunk& data) {
  std::string out(kHeaderMagic);
  std::string footer;
  PutVarint64(&footer, kFormatVersion);
  PutVarint64(&footer, static_cast<uint64_t>(meta.segment_id));
  PutVarint64(&footer, static_cast<uint64_t>(meta.collection_id));
  PutVarint64(&footer, static_cast<uint64_t>(meta.partition_id));
  PutLengthPrefixed(&footer, meta.channel);
  EncodeColumns(data, &footer, BufferCodec{[&out](std::string* refs, const schema::Buffer& buffer) {
                  PutBlockRef(refs, WriteBlock(&out, buffer));
                }, {}});
  uint64_t footer_offset = out.size();
  out.append(footer);
  PutFixed64(&out, footer_offset);
  PutFixed32(&out, static_cast<uint32_t>(footer.size()));
  PutFixed32(&out, crc32c::Mask(crc32c::Value(footer)));
  out.append(kTrailerMagic);
  return out;
}

Result<std::shared_ptr<SealedSegment>> SealedSegment::Open(
    schema::Buffer file, std::shared_ptr<const schema::CollectionSchema> collection_schema) {
  std::string_view bytes = file.view();
  if (bytes.size() < kHeaderMagic.size() + kTrailerSize || bytes.substr(0, 8) != kHeaderMagic) {
    return Status::Corruption("not a segment file (bad header)");
  }
  std::string_view trailer = bytes.substr(bytes.size() - kTrailerSize);
  if (trailer.substr(16) != kTrailerMagic) return Status::Corruption("segment file truncated (bad trailer)");
  uint64_t footer_offset = DecodeFixed64(trailer.data());
  uint32_t footer_length = DecodeFixed32(trailer.data() + 8);
  uint32_t footer_crc = crc32c::Unmask(DecodeFixed32(trailer.data() + 12));
  if (footer_offset < kHeaderMagic.size() ||
      footer_offset + footer_length != bytes.size() - kTrailerSize) {
    return Status::Corruption("segment footer out of bounds");
  }
  std::string_view footer = bytes.substr(footer_offset, footer_length);
  if (crc32c::Value(footer) != footer_crc) return Status::Corruption("segment footer checksum mismatch");

  Decoder in(footer);
  uint64_t version, segment_id, collection_id, partition_id;
  std::string_view channel;
  if (!in.GetVarint64(&version) || !in.GetVarint64(&segment_id) || !in.GetVarint64(&collection_id) ||
      !in.GetVarint64(&partition_id) || !in.GetLengthPrefixed(&channel)) {
    return Status::Corruption("segment footer malformed");
  }
  if (version != kFormatVersion) {
    return Status::NotSupported("segment format version " + std::to_string(version));
  }
  auto segment = std::shared_ptr<SealedSegment>(new SealedSegment());
  segment->meta_ = {static_cast<SegmentId>(segment_id), static_cast<int64_t>(collection_id),
                    static_cast<int64_t>(partition_id), std::string(channel)};
  segment->schema_ = collection_schema;
  // Columns view the file; `file` (captured in each Buffer's owner) keeps the bytes alive.
  auto owner = std::make_shared<schema::Buffer>(file);
  BufferCodec codec;
  codec.get = [&](Decoder* d, schema::FieldId field, schema::Buffer* buffer) -> Status {
    BlockRef ref;
    if (!GetBlockRef(d, &ref)) return Status::Corruption("segment column descriptor malformed");
    if (ref.offset > footer_offset || ref.length > footer_offset - ref.offset) {
      return Status::Corruption("segment block out of bounds", std::to_string(field));
    }
    const uint8_t* start = file.data() + ref.offset;
    if (crc32c::Value(start, ref.length) != crc32c::Unmask(ref.crc)) {
      return Status::Corruption("segment block checksum mismatch", "field " + std::to_string(field));
    }
    *buffer = schema::Buffer::View(owner, start, ref.length);
    return Status::OK();
  };
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<schema::DataChunk> data, DecodeColumns(&in, codec, "segment"));
  const size_t rows = data->rows;
  for (const auto& [field_id, column] : data->columns) {
    if (field_id == schema::kTimestampField) continue;
    const schema::FieldSchema* field = collection_schema->FindFieldById(field_id);
    if (field == nullptr || field->type != column->type) {
      return Status::InvalidArgument("segment column does not match the schema", std::to_string(field_id));
    }
  }
  const schema::ColumnChunk* ts_column = data->Find(schema::kTimestampField);
  if (ts_column == nullptr) return Status::Corruption("segment has no timestamp column");
  for (int64_t ts : ts_column->Values<int64_t>()) segment->max_ts_ = std::max(segment->max_ts_, static_cast<Timestamp>(ts));
  segment->data_ = data;
  const schema::FieldSchema* pk = collection_schema->PrimaryField();
  if (pk != nullptr) {
    const schema::ColumnChunk* pk_column = data->Find(pk->id);
    if (pk_column == nullptr) return Status::Corruption("segment has no primary key column");
    for (size_t row = 0; row < rows; ++row) {
      segment->pk_index_.Add(PrimaryKeyAt(*pk_column, row), static_cast<uint32_t>(row));
    }
  }
  return segment;
}

const std::vector<float>* SealedSegment::CachedRowFloats(schema::FieldId field_id,
                                                         const std::function<std::vector<float>()>& compute) const {
  MutexLock lock(&cache_mu_);
  auto& slot = row_floats_[field_id];
  if (slot == nullptr) slot = std::make_unique<std::vector<float>>(compute());
  return slot.get();
}

Result<schema::Buffer> ReadStoredObject(storage::ObjectStore* objects, const std::string& key) {
  Result<std::shared_ptr<MappedFile>> mapped = objects->Map(key);
  if (mapped.ok()) {
    auto mapping = *mapped;
    auto span = mapping->data();
    return schema::Buffer::View(mapping, span.data(), span.size());
  }
  QUIVER_ASSIGN_OR_RETURN(std::string bytes, objects->Get(key));
  return schema::Buffer::Own(std::move(bytes));
}

Result<std::shared_ptr<SealedSegment>> OpenStoredSegment(storage::ObjectStore* objects, const std::string& key,
                                                         std::shared_ptr<const schema::CollectionSchema> schema) {
  QUIVER_ASSIGN_OR_RETURN(schema::Buffer file, ReadStoredObject(objects, key));
  return SealedSegment::Open(file, std::move(schema));
}

}  // namespace quiver::segment
