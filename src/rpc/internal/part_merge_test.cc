#include "rpc/internal/part_merge.h"

#include <gtest/gtest.h>

namespace quiver::rpc {
namespace {

constexpr schema::FieldId kValue = 101;

// A column of Int64 values.
std::shared_ptr<const schema::DataChunk> Values(const std::vector<int64_t>& values) {
  auto chunk = std::make_shared<schema::DataChunk>();
  schema::ColumnBuilder builder(schema::DataType::kInt64);
  for (int64_t v : values) builder.AppendInt(v);
  chunk->rows = values.size();
  chunk->columns.emplace_back(kValue, builder.Build());
  return chunk;
}

std::vector<int64_t> ValuesOf(const schema::DataChunk& chunk) {
  std::vector<int64_t> out;
  const schema::ColumnChunk* column = chunk.Find(kValue);
  for (size_t r = 0; r < chunk.rows; ++r) out.push_back(column->IntAt(r));
  return out;
}

std::vector<int64_t> Keys(const std::vector<segment::PrimaryKey>& pks) {
  std::vector<int64_t> out;
  for (const auto& pk : pks) out.push_back(std::get<int64_t>(pk));
  return out;
}

// One part's answer to nq = 2: per query, (pk, distance) best first; each hit's value is pk * 10
// plus the part number.
cluster::SearchResult Part(const std::vector<std::vector<std::pair<int64_t, float>>>& hits, int part) {
  cluster::SearchResult r;
  r.nq = hits.size();
  std::vector<int64_t> values;
  for (const auto& query : hits) {
    r.counts.push_back(query.size());
    for (const auto& [pk, distance] : query) {
      r.pks.emplace_back(pk);
      r.distances.push_back(distance);
      values.push_back(pk * 10 + part);
    }
  }
  r.fields = Values(values);
  return r;
}

TEST(MergeSearchPartsTest, KeepsTheBestHitsOfAllPartsWithTheirFields) {
  cluster::SearchRequest request;
  request.metric = index::MetricType::kL2;
  request.limit = 3;
  request.output_fields = {kValue};
  std::vector<cluster::SearchResult> parts;
  parts.push_back(Part({{{1, 0.1f}, {2, 0.5f}, {3, 0.9f}}, {{7, 0.2f}}}, 1));
  // Key 2 again (inserted twice, in a segment of the other member) at a better distance; a tie
  // at 0.5 is ordered by key.
  parts.push_back(Part({{{2, 0.3f}, {4, 0.5f}, {5, 0.6f}}, {}}, 2));
  auto merged = MergeSearchParts(std::move(parts), request);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->nq, 2u);
  EXPECT_EQ(merged->counts, (std::vector<size_t>{3, 1}));
  EXPECT_EQ(Keys(merged->pks), (std::vector<int64_t>{1, 2, 4, 7}));
  EXPECT_EQ(merged->distances, (std::vector<float>{0.1f, 0.3f, 0.5f, 0.2f}));
  EXPECT_EQ(ValuesOf(*merged->fields), (std::vector<int64_t>{11, 22, 42, 71}));

  // Similarity metrics rank higher first.
  request.metric = index::MetricType::kIP;
  parts.clear();
  parts.push_back(Part({{{1, 0.1f}}, {}}, 1));
  parts.push_back(Part({{{2, 0.3f}}, {}}, 2));
  merged = MergeSearchParts(std::move(parts), request);
  EXPECT_EQ(Keys(merged->pks), (std::vector<int64_t>{2, 1}));

  parts.clear();
  parts.push_back(Part({{}}, 1));
  parts.push_back(Part({{}, {}}, 2));
  EXPECT_TRUE(MergeSearchParts(std::move(parts), request).status().IsInvalidArgument());
}

cluster::QueryResult Rows(const std::vector<std::pair<int64_t, Timestamp>>& rows, int part) {
  cluster::QueryResult r;
  std::vector<int64_t> values;
  for (const auto& [pk, ts] : rows) {
    r.pks.emplace_back(pk);
    r.timestamps.push_back(ts);
    values.push_back(pk * 10 + part);
  }
  r.rows = Values(values);
  r.count = rows.size();
  return r;
}

TEST(MergeQueryPartsTest, PagesThroughTheKeysOfAllPartsKeepingTheLatestVersion) {
  cluster::QueryRequest request;
  request.output_fields = {kValue};
  request.limit = 3;
  request.offset = 1;
  const cluster::QueryRequest part = QueryForPart(request);
  EXPECT_EQ(part.offset, 0u);
  EXPECT_EQ(*part.limit, 4u);

  std::vector<cluster::QueryResult> parts;
  parts.push_back(Rows({{1, 10}, {3, 50}, {5, 10}, {8, 10}}, 1));
  parts.push_back(Rows({{2, 10}, {3, 20}, {4, 10}}, 2));  // key 3's older version
  auto merged = MergeQueryParts(std::move(parts), request);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(Keys(merged->pks), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(ValuesOf(*merged->rows), (std::vector<int64_t>{22, 31, 42}));
  EXPECT_EQ(merged->timestamps, (std::vector<Timestamp>{10, 50, 10}));
  EXPECT_EQ(merged->count, 3u);

  // Without a limit: every key from the offset on.
  request.limit.reset();
  parts.clear();
  parts.push_back(Rows({{1, 10}, {3, 50}}, 1));
  parts.push_back(Rows({{2, 10}}, 2));
  merged = MergeQueryParts(std::move(parts), request);
  EXPECT_EQ(Keys(merged->pks), (std::vector<int64_t>{2, 3}));

  // count(*) is the sum of the parts' counts.
  request.count_only = true;
  parts.clear();
  parts.push_back(cluster::QueryResult{40, nullptr, {}, {}});
  parts.push_back(cluster::QueryResult{2, nullptr, {}, {}});
  EXPECT_EQ(MergeQueryParts(std::move(parts), request)->count, 42u);

  // A part whose keys do not match its rows is refused.
  request.count_only = false;
  parts.clear();
  cluster::QueryResult broken = Rows({{1, 10}}, 1);
  broken.timestamps.clear();
  parts.push_back(broken);
  EXPECT_TRUE(MergeQueryParts(std::move(parts), request).status().IsInvalidArgument());
}

}  // namespace
}  // namespace quiver::rpc
