#include "exec/reduce.h"

#include <gtest/gtest.h>

#include <cmath>

namespace quiver::exec {
namespace {

ResultHits OneQuery(std::vector<std::pair<int64_t, float>> hits, size_t source) {
  ResultHits out(1);
  size_t index = 0;
  for (const auto& [pk, distance] : hits) out[0].push_back({distance, segment::PrimaryKey(pk), source, index++});
  return out;
}

TEST(ReduceTest, MergeRankedOrdersByDistanceThenKeyAndKeepsTheBestOfEachKey) {
  ResultHits a = OneQuery({{1, 0.5f}, {2, 0.7f}}, 0);
  ResultHits b = OneQuery({{2, 0.6f}, {3, 0.5f}, {4, 0.9f}}, 1);
  ResultHits merged = MergeRanked<ResultHit>({a, b}, 1, 3, 1, /*higher_is_better=*/false);
  ASSERT_EQ(merged[0].size(), 3u);
  // Order: 1 (0.5), 3 (0.5, larger key), 2 (0.6 from b; its 0.7 in a is dropped), 4; offset 1.
  EXPECT_EQ(merged[0][0].pk, segment::PrimaryKey(int64_t{3}));
  EXPECT_EQ(merged[0][1].pk, segment::PrimaryKey(int64_t{2}));
  EXPECT_EQ(merged[0][1].source, 1u);
  EXPECT_EQ(merged[0][1].distance, 0.6f);
  EXPECT_EQ(merged[0][2].pk, segment::PrimaryKey(int64_t{4}));
  // Similarity metrics: higher first.
  ResultHits best = MergeRanked<ResultHit>({a, b}, 1, 1, 0, /*higher_is_better=*/true);
  EXPECT_EQ(best[0][0].pk, segment::PrimaryKey(int64_t{4}));
}

TEST(ReduceTest, PageOfRankedCutsWhatMergeRankedWouldForOneRankedPart) {
  ResultHits ranked = MergeRanked<ResultHit>({OneQuery({{5, 0.1f}, {1, 0.2f}, {3, 0.2f}, {2, 0.4f}}, 0)}, 1, 10, 0, false);
  for (size_t offset : {0, 1, 3, 4, 7}) {
    for (size_t topk : {1, 2, 10}) {
      ResultHits merged = MergeRanked<ResultHit>({ranked}, 1, topk, offset, false);
      ResultHits paged = PageOfRanked(ranked, topk, offset);
      ASSERT_EQ(paged[0].size(), merged[0].size()) << offset << " " << topk;
      for (size_t i = 0; i < paged[0].size(); ++i) EXPECT_EQ(paged[0][i].pk, merged[0][i].pk);
    }
  }
}

TEST(ReduceTest, WeightedFusionNormalisesEachMetricAndKeepsFirstOccurrence) {
  ResultHits ip = OneQuery({{1, 2.0f}, {2, 0.0f}}, 0);
  ResultHits l2 = OneQuery({{2, 0.0f}, {1, 10.0f}}, 1);
  Fusion fusion;
  fusion.kind = Fusion::Kind::kWeighted;
  fusion.weights = {1.0, 0.5};
  fusion.metrics = {index::MetricType::kIP, index::MetricType::kL2};
  ResultHits fused = Fuse({ip, l2}, 1, fusion, 10, 0);
  ASSERT_EQ(fused[0].size(), 2u);
  double one = 0.5 + std::atan(2.0) / M_PI + 0.5 * (1.0 - 2.0 * std::atan(10.0) / M_PI);
  double two = 0.5 + 0.5 * 1.0;
  // Key 2: 0.5 + 0.5 = 1.0; key 1: 0.852 + 0.032 = 0.884.
  EXPECT_EQ(fused[0][0].pk, segment::PrimaryKey(int64_t{2}));
  EXPECT_FLOAT_EQ(fused[0][0].distance, static_cast<float>(two));
  EXPECT_EQ(fused[0][0].source, 0u);  // first seen in the IP result
  EXPECT_EQ(fused[0][0].index, 1u);
  EXPECT_FLOAT_EQ(fused[0][1].distance, static_cast<float>(one));
  // Offset and limit apply after fusion.
  ResultHits page = Fuse({ip, l2}, 1, fusion, 1, 1);
  ASSERT_EQ(page[0].size(), 1u);
  EXPECT_EQ(page[0][0].pk, segment::PrimaryKey(int64_t{1}));
}

TEST(ReduceTest, GatherCopiesEachHitsRowFromItsSourceAndNullsMissingColumns) {
  schema::CollectionSchema s;
  schema::FieldSchema n;
  n.name = "n";
  n.id = 101;
  n.type = schema::DataType::kInt64;
  n.nullable = true;
  s.fields = {n};
  auto chunk_of = [](std::vector<int64_t> values) {
    schema::ColumnBuilder b(schema::DataType::kInt64, 0, schema::DataType::kNone, true);
    for (int64_t v : values) b.AppendInt(v);
    auto chunk = std::make_shared<schema::DataChunk>();
    chunk->columns.emplace_back(101, b.Build());
    chunk->rows = values.size();
    return chunk;
  };
  auto first = chunk_of({10, 11, 12});
  schema::DataChunk empty;  // a source without the column
  ResultHits hits(2);
  hits[0] = {{0, int64_t{1}, 0, 2}, {0, int64_t{2}, 1, 0}};
  hits[1] = {{0, int64_t{3}, 0, 0}};
  auto gathered = GatherColumns(hits, {first.get(), &empty}, {101}, s);
  EXPECT_EQ(gathered->rows, 3u);
  const schema::ColumnChunk* column = gathered->Find(101);
  ASSERT_NE(column, nullptr);
  EXPECT_EQ(column->IntAt(0), 12);
  EXPECT_FALSE(column->IsValid(1));
  EXPECT_EQ(column->IntAt(2), 10);
}

}  // namespace
}  // namespace quiver::exec
