#include "segment/channel_buffer.h"

#include <gtest/gtest.h>

#include "segment/random_data.h"

namespace quiver::segment {
namespace {

std::shared_ptr<const schema::CollectionSchema> Schema() {
  auto s = std::make_shared<schema::CollectionSchema>(testing::AllTypesSchema());
  EXPECT_TRUE(schema::NormalizeSchema(s.get(), {.max_vector_fields = 8}).ok());
  return s;
}

// Rows of a random chunk without the timestamp column (WAL messages carry rows only).
std::shared_ptr<const schema::DataChunk> Rows(const schema::CollectionSchema& s, size_t n, int64_t first_pk) {
  auto chunk = std::make_shared<schema::DataChunk>(*testing::RandomChunk(s, n, {.seed = uint64_t(first_pk + 1), .first_pk = first_pk}));
  chunk->columns.erase(chunk->columns.begin());
  return chunk;
}

TEST(WalMessageTest, RoundTripsEveryType) {
  auto s = Schema();
  WalMessage upsert;
  upsert.type = WalMessage::Type::kUpsert;
  upsert.collection_id = 7;
  upsert.partition_id = 9;
  upsert.partition_slot = 3;
  upsert.timestamp = 123456;
  upsert.rows = Rows(*s, 20, 100);
  upsert.deletes = {int64_t{1}, std::string("k")};
  auto payload = std::make_shared<const std::string>(EncodeWalMessage(upsert));
  auto decoded = DecodeWalMessage(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->type, WalMessage::Type::kUpsert);
  EXPECT_EQ(decoded->collection_id, 7);
  EXPECT_EQ(decoded->partition_slot, 3u);
  EXPECT_EQ(decoded->timestamp, 123456u);
  ASSERT_EQ(decoded->deletes.size(), 2u);
  EXPECT_EQ(std::get<std::string>(decoded->deletes[1]), "k");
  ASSERT_EQ(decoded->rows->rows, 20u);
  for (const auto& [id, column] : upsert.rows->columns) {
    const schema::ColumnChunk* back = decoded->rows->Find(id);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(back->data.view(), column->data.view());
    EXPECT_EQ(back->offsets.view(), column->offsets.view());
    EXPECT_EQ(back->valid.view(), column->valid.view());
    // Buffers are padded to 8 bytes in the message: decoding views them in place, no copy.
    if (!back->data.empty()) {
      const char* p = reinterpret_cast<const char*>(back->data.data());
      EXPECT_TRUE(p >= payload->data() && p < payload->data() + payload->size()) << "field " << id << " was copied";
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
    }
  }
  // Truncated or damaged payloads are errors, never crashes.
  for (size_t cut = 0; cut < payload->size(); cut += 7) {
    auto truncated = std::make_shared<const std::string>(payload->substr(0, cut));
    EXPECT_FALSE(DecodeWalMessage(truncated).ok()) << cut;
  }
}

TEST(ChannelBufferTest, EpochsCutSegmentsIdenticallyForEveryConsumer) {
  auto s = Schema();
  auto make = [&](uint64_t epoch) {
    return std::make_unique<ChannelBuffer>(s, 7, "ch", 5, epoch, std::make_shared<DeleteLog>());
  };
  std::vector<std::pair<storage::Lsn, WalMessage>> stream;
  auto insert = [&](uint32_t slot, int64_t first_pk, size_t n) {
    WalMessage m;
    m.type = WalMessage::Type::kInsert;
    m.collection_id = 7;
    m.partition_id = 100 + slot;
    m.partition_slot = slot;
    m.timestamp = 1000 + stream.size();
    m.rows = Rows(*s, n, first_pk);
    stream.emplace_back(stream.size() + 1, m);
  };
  auto seal = [&] {
    WalMessage m;
    m.type = WalMessage::Type::kSeal;
    m.collection_id = 7;
    stream.emplace_back(stream.size() + 1, m);
  };
  insert(0, 0, 10);
  insert(1, 100, 5);
  WalMessage del;
  del.type = WalMessage::Type::kDelete;
  del.collection_id = 7;
  del.timestamp = 5000;
  del.deletes = {int64_t{3}};
  stream.emplace_back(stream.size() + 1, del);
  seal();
  insert(0, 200, 7);

  auto a = make(0), b = make(0);
  for (auto& [lsn, m] : stream) {
    ASSERT_TRUE(a->Apply(lsn, m).ok());
    ASSERT_TRUE(b->Apply(lsn, m).ok());
  }
  EXPECT_TRUE(a->Apply(2, stream[1].second).ok());  // replayed lsn: ignored
  EXPECT_EQ(a->epoch(), 1u);
  EXPECT_EQ(a->growing_rows(), 7u);
  auto closed = a->TakeSealedEpochs();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].epoch, 0u);
  EXPECT_EQ(closed[0].seal_lsn, 4u);
  ASSERT_EQ(closed[0].segments.size(), 2u);
  EXPECT_EQ(closed[0].segments[0]->rows(), 10u);
  EXPECT_EQ(closed[0].segments[0]->meta().segment_id, SegmentIdFor(5, 0, 0));
  EXPECT_EQ(closed[0].segments[1]->meta().segment_id, SegmentIdFor(5, 0, 1));
  ASSERT_EQ(closed[0].deletes.size(), 1u);
  EXPECT_EQ(a->deletes()->LatestDelete(int64_t{3}, kMaxTimestamp), 5000u);
  // The other consumer saw the same segments; its held epoch can be dropped by id.
  auto segments = b->Segments();
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_EQ(segments[2]->meta().segment_id, SegmentIdFor(5, 1, 0));
  b->DropSegments({SegmentIdFor(5, 0, 0), SegmentIdFor(5, 0, 1)});
  EXPECT_EQ(b->Segments().size(), 1u);
  // A consumer resuming from the checkpoint after the seal numbers the next epoch the same.
  auto c = make(1);
  ASSERT_TRUE(c->Apply(stream[4].first, stream[4].second).ok());
  EXPECT_EQ(c->Segments()[0]->meta().segment_id, SegmentIdFor(5, 1, 0));
}

}  // namespace
}  // namespace quiver::segment
