#pragma once

// The column codec shared by WAL messages and segment files: varint rows, varint column count,
// then per column varint field id, type, element type, dim, a u8 nullable flag and its three
// buffers (data, offsets, validity). Where the buffers' bytes go is the format's choice
// (BufferCodec): WAL messages inline and 8-byte aligned, segment files as checksummed 64-byte
// aligned blocks referenced from the footer (docs/format/segment.md).

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/coding.h"
#include "common/status.h"
#include "schema/column.h"

namespace quiver::segment {

struct BufferCodec {
  // Appends a buffer (or its reference) to `out`.
  std::function<void(std::string* out, const schema::Buffer& buffer)> put;
  // Reads what `put` wrote; Corruption if malformed.
  std::function<Status(Decoder* in, schema::FieldId field, schema::Buffer* buffer)> get;
};

void EncodeColumns(const schema::DataChunk& chunk, std::string* out, const BufferCodec& codec);

// Reads what EncodeColumns wrote; every column's shape is validated. `what` names the container
// in errors ("WAL chunk", "segment").
Result<std::shared_ptr<schema::DataChunk>> DecodeColumns(Decoder* in, const BufferCodec& codec, std::string_view what);

}  // namespace quiver::segment
