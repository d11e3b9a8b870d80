#include "segment/segment.h"

#include <gtest/gtest.h>

#include "common/testing_dir.h"
#include "segment/random_data.h"
#include "storage/object_store/object_store.h"

namespace quiver::segment {
namespace {

using schema::CollectionSchema;
using schema::DataType;

std::shared_ptr<const CollectionSchema> MakeSchema(bool varchar_pk = false) {
  auto s = std::make_shared<CollectionSchema>(testing::AllTypesSchema(varchar_pk));
  Status st = schema::NormalizeSchema(s.get(), {.max_vector_fields = 8});
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

void ExpectColumnsEqual(const schema::ColumnChunk& a, const schema::ColumnChunk& b) {
  ASSERT_EQ(a.type, b.type);
  ASSERT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.data.view(), b.data.view());
  EXPECT_EQ(a.offsets.view(), b.offsets.view());
  EXPECT_EQ(a.valid.view(), b.valid.view());
}

class SealedRoundTripTest : public ::testing::TestWithParam<bool> {};

// Every column type survives growing -> seal -> segment file -> object store -> mmap load.
TEST_P(SealedRoundTripTest, EveryTypeRoundTripsThroughObjectStore) {
  auto s = MakeSchema(GetParam());
  GrowingSegment growing({7, 1, 2, "ch-0"}, s);
  std::vector<std::shared_ptr<const schema::DataChunk>> batches;
  for (int b = 0; b < 3; ++b) {
    testing::RandomDataOptions options{.seed = uint64_t(b + 1), .first_pk = b * 100, .first_ts = 1000 + b * 100u};
    batches.push_back(testing::RandomChunk(*s, 40 + b, options));
    ASSERT_TRUE(growing.Insert(batches.back()).ok());
  }
  EXPECT_EQ(growing.rows(), 40u + 41 + 42);
  auto consolidated = growing.Consolidate();
  ASSERT_TRUE(consolidated.ok());
  std::string file = SerializeSegment(growing.meta(), **consolidated);

  quiver::testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  auto store = storage::NewLocalObjectStore(fs.get(), dir.path());
  ASSERT_TRUE(store->Put("segments/7", file).ok());
  auto mapped = store->Map("segments/7");
  ASSERT_TRUE(mapped.ok());
  auto mapping = *mapped;
  auto span = mapping->data();
  auto sealed = SealedSegment::Open(schema::Buffer::View(mapping, span.data(), span.size()), s);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ((*sealed)->meta().segment_id, 7);
  EXPECT_EQ((*sealed)->meta().channel, "ch-0");
  ASSERT_EQ((*sealed)->rows(), growing.rows());
  for (const auto& [field_id, column] : (*consolidated)->columns) {
    const schema::ColumnChunk* loaded = (*sealed)->data().Find(field_id);
    ASSERT_NE(loaded, nullptr) << field_id;
    ExpectColumnsEqual(*column, *loaded);
  }
  // Row-level spot checks against the original batches.
  const auto* pk = s->PrimaryField();
  const schema::ColumnChunk* loaded_pk = (*sealed)->data().Find(pk->id);
  EXPECT_EQ(PrimaryKeyAt(*loaded_pk, 41), PrimaryKeyAt(*batches[1]->Find(pk->id), 1));
  const auto* js = s->FindField("js");
  EXPECT_EQ((*sealed)->data().Find(js->id)->VarAt(100), batches[2]->Find(js->id)->VarAt(100 - 81));
  EXPECT_EQ((*sealed)->pk_index().Lookup(PrimaryKeyAt(*loaded_pk, 5)), std::vector<uint32_t>{5});
}

INSTANTIATE_TEST_SUITE_P(PkTypes, SealedRoundTripTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "VarCharPk" : "Int64Pk"; });

TEST(SealedSegmentTest, DetectsCorruptionAnywhere) {
  auto s = MakeSchema();
  auto chunk = testing::RandomChunk(*s, 50);
  std::string file = SerializeSegment({1, 1, 1, "c"}, *chunk);
  ASSERT_TRUE(SealedSegment::Open(schema::Buffer::Own(file), s).ok());
  // Flip bytes across the whole file: every flip must be caught, none may crash.
  for (size_t pos = 0; pos < file.size(); pos += std::max<size_t>(1, file.size() / 397)) {
    std::string damaged = file;
    damaged[pos] ^= 0x20;
    auto opened = SealedSegment::Open(schema::Buffer::Own(damaged), s);
    // Padding between 64-byte aligned blocks is not covered by a checksum; everything else is.
    if (opened.ok()) {
      EXPECT_EQ(file[pos], '\0') << "undetected change at byte " << pos;
    }
  }
  EXPECT_FALSE(SealedSegment::Open(schema::Buffer::Own(file.substr(0, file.size() - 3)), s).ok());
  EXPECT_FALSE(SealedSegment::Open(schema::Buffer::Own(""), s).ok());
}

TEST(GrowingSegmentTest, RejectsBatchesThatDoNotMatchTheSchema) {
  auto s = MakeSchema();
  GrowingSegment growing({1, 1, 1, "c"}, s);
  auto chunk = testing::RandomChunk(*s, 5);
  auto missing = std::make_shared<schema::DataChunk>(*chunk);
  missing->columns.pop_back();
  EXPECT_TRUE(growing.Insert(missing).IsInvalidArgument());
  auto no_ts = std::make_shared<schema::DataChunk>(*chunk);
  no_ts->columns.erase(no_ts->columns.begin());
  EXPECT_TRUE(growing.Insert(no_ts).IsInvalidArgument());
  EXPECT_EQ(growing.rows(), 0u);
}

TEST(MvccTest, VisibilityFollowsTimestampsDeletesAndUpserts) {
  auto s = MakeSchema();
  GrowingSegment growing({1, 1, 1, "c"}, s);
  // pks 0..9 at ts 1000..1009
  ASSERT_TRUE(growing.Insert(testing::RandomChunk(*s, 10, {.first_pk = 0, .first_ts = 1000})).ok());
  // upsert of pk 3 at ts 2000: delete at 2000 + insert at 2000
  DeleteLog deletes;
  deletes.Add(int64_t{3}, 2000);
  ASSERT_TRUE(growing.Insert(testing::RandomChunk(*s, 1, {.first_pk = 3, .first_ts = 2000})).ok());
  deletes.Add(int64_t{5}, 1500);
  deletes.Add(int64_t{99}, 1200);  // unknown key: no effect

  auto chunks = growing.Chunks();
  auto at = [&](Timestamp ts) { return growing.VisibleRows(chunks, growing.rows(), ts, &deletes); };
  Bitset early = at(1004);
  EXPECT_EQ(early.Count(), 5u);  // rows 0..4
  Bitset mid = at(1600);
  EXPECT_EQ(mid.Count(), 9u);  // pk 5 deleted
  EXPECT_FALSE(mid.Test(5));
  EXPECT_TRUE(mid.Test(3));     // old pk 3 still visible before the upsert
  EXPECT_FALSE(mid.Test(10));   // the upserted row is in the future
  Bitset late = at(3000);
  EXPECT_EQ(late.Count(), 9u);
  EXPECT_FALSE(late.Test(3));   // old version deleted by the upsert
  EXPECT_TRUE(late.Test(10));   // new version survives its own delete
}

TEST(DeleteLogTest, DeltaFileRoundTripAndChecksum) {
  DeleteLog log;
  log.Add(int64_t{1}, 10);
  log.Add(int64_t{1}, 30);
  log.Add(std::string("abc"), 20);
  std::string bytes = log.Serialize();
  auto parsed = DeleteLog::Parse(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)->size(), 3u);
  EXPECT_EQ((*parsed)->LatestDelete(int64_t{1}, 25), 10u);
  EXPECT_EQ((*parsed)->LatestDelete(int64_t{1}, 35), 30u);
  EXPECT_EQ((*parsed)->LatestDelete(std::string("abc"), 19), std::nullopt);
  bytes[10] ^= 1;
  EXPECT_TRUE(DeleteLog::Parse(bytes).status().IsCorruption());
}

}  // namespace
}  // namespace quiver::segment
