#include "exec/search.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "expr/binder.h"
#include "index/registry.h"
#include "segment/random_data.h"

namespace quiver::exec {
namespace {

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = std::make_shared<schema::CollectionSchema>(segment::testing::AllTypesSchema());
    ASSERT_TRUE(schema::NormalizeSchema(s.get(), {.max_vector_fields = 8}).ok());
    schema_ = s;
    vec_ = schema_->FindField("vec");
    // A sealed segment (pks 0..499, ts 1000..) and a growing one (pks 1000..1299).
    auto sealed_data = segment::testing::RandomChunk(*schema_, 500, {.seed = 3, .first_pk = 0, .first_ts = 1000});
    auto sealed = segment::SealedSegment::Open(
        schema::Buffer::Own(segment::SerializeSegment({1, 1, 1, "c"}, *sealed_data)), schema_);
    ASSERT_TRUE(sealed.ok());
    segments_.push_back(*sealed);
    auto growing = std::make_shared<segment::GrowingSegment>(segment::SegmentMeta{2, 1, 1, "c"}, schema_);
    ASSERT_TRUE(growing->Insert(segment::testing::RandomChunk(*schema_, 150, {.seed = 4, .first_pk = 1000, .first_ts = 5000})).ok());
    ASSERT_TRUE(growing->Insert(segment::testing::RandomChunk(*schema_, 150, {.seed = 5, .first_pk = 1150, .first_ts = 5150})).ok());
    segments_.push_back(growing);
    // Gather every row for the brute-force oracle.
    for (const auto& seg : segments_) {
      for (const auto& ref : seg->Chunks()) {
        const auto* v = ref.chunk->Find(vec_->id);
        const auto* pk = ref.chunk->Find(schema_->PrimaryField()->id);
        const auto* ts = ref.chunk->Find(schema::kTimestampField);
        const auto* i8 = ref.chunk->Find(schema_->FindField("i8")->id);
        for (size_t r = 0; r < ref.chunk->rows; ++r) {
          const float* x = reinterpret_cast<const float*>(v->RowAt(r));
          all_.push_back({std::vector<float>(x, x + 16), pk->IntAt(r),
                          static_cast<Timestamp>(ts->IntAt(r)), i8->IntAt(r)});
        }
      }
    }
  }

  struct Row {
    std::vector<float> vec;
    int64_t pk;
    Timestamp ts;
    int64_t i8;
  };

  std::vector<std::pair<float, int64_t>> Oracle(const std::vector<float>& q, index::MetricType metric,
                                                Timestamp ts, const std::set<int64_t>& deleted,
                                                bool filter_i8_positive) {
    std::vector<std::pair<float, int64_t>> out;
    for (const Row& row : all_) {
      if (row.ts > ts || deleted.count(row.pk) || (filter_i8_positive && row.i8 <= 0)) continue;
      double l2 = 0, ip = 0, qn = 0, xn = 0;
      for (size_t d = 0; d < 16; ++d) {
        l2 += double(q[d] - row.vec[d]) * (q[d] - row.vec[d]);
        ip += double(q[d]) * row.vec[d];
        qn += double(q[d]) * q[d];
        xn += double(row.vec[d]) * row.vec[d];
      }
      double value = metric == index::MetricType::kL2 ? l2 : metric == index::MetricType::kIP ? ip : ip / std::sqrt(qn * xn);
      out.push_back({static_cast<float>(value), row.pk});
    }
    bool higher = index::HigherIsBetter(metric);
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
      return higher ? a.first > b.first : a.first < b.first;
    });
    return out;
  }

  std::shared_ptr<const schema::CollectionSchema> schema_;
  const schema::FieldSchema* vec_ = nullptr;
  std::vector<std::shared_ptr<const segment::Segment>> segments_;
  std::vector<Row> all_;
};

TEST_F(SearchTest, MultiSegmentSearchWithFilterDeletesMvccAndOffset) {
  segment::DeleteLog deletes;
  std::set<int64_t> deleted = {7, 1003, 1200};
  for (int64_t pk : deleted) deletes.Add(pk, 9000);
  auto plan = expr::CompileFilter("i8 > 0", *schema_);
  ASSERT_TRUE(plan.ok());
  std::mt19937 rng(1);
  std::normal_distribution<float> gauss;
  ThreadPool pool("search", 2, 16);
  for (auto metric : {index::MetricType::kL2, index::MetricType::kIP, index::MetricType::kCosine}) {
    for (Timestamp ts : {Timestamp{1200}, Timestamp{5200}, Timestamp{10000}}) {
      VectorSearchRequest request;
      request.field_id = vec_->id;
      request.metric = metric;
      request.queries.dim = 16;
      for (int i = 0; i < 3 * 16; ++i) request.queries.floats.push_back(gauss(rng));
      request.topk = 5;
      request.offset = 3;
      request.filter = plan->get();
      request.timestamp = ts;
      auto hits = SearchSegments(request, segments_, &deletes, &pool);
      ASSERT_TRUE(hits.ok()) << hits.status().ToString();
      auto merged = MergeSearchHits({*hits}, 3, 5, 3, index::HigherIsBetter(metric));
      for (size_t q = 0; q < 3; ++q) {
        std::vector<float> query(request.queries.floats.begin() + q * 16, request.queries.floats.begin() + (q + 1) * 16);
        auto want = Oracle(query, metric, ts, ts >= 9000 ? deleted : std::set<int64_t>{}, true);
        ASSERT_EQ(merged[q].size(), std::min<size_t>(5, want.size() > 3 ? want.size() - 3 : 0));
        for (size_t i = 0; i < merged[q].size(); ++i) {
          EXPECT_EQ(std::get<int64_t>(merged[q][i].pk), want[i + 3].second)
              << index::MetricName(metric) << " ts " << ts << " q " << q << " rank " << i;
          EXPECT_NEAR(merged[q][i].distance, want[i + 3].first, 1e-3 * (1 + std::abs(want[i + 3].first)));
        }
      }
    }
  }
}

// Pages through a search the way the search iterator does: each page asks for `batch` hits after
// the previous page's last (distance, pk); `with_pk` false keeps only the distance (strict bound).
std::vector<SearchHit> IterateAll(VectorSearchRequest request,
                                  const std::vector<std::shared_ptr<const segment::Segment>>& segments,
                                  const segment::DeleteLog* deletes, size_t batch, bool with_pk = true,
                                  size_t max_hits = 100000) {
  std::vector<SearchHit> all;
  request.topk = batch;
  request.window.iterator = true;
  while (all.size() < max_hits) {
    auto hits = SearchSegments(request, segments, deletes);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    if (!hits.ok()) break;
    auto page = MergeSearchHits({*hits}, 1, batch, 0, index::HigherIsBetter(request.metric));
    if (page[0].empty()) break;
    EXPECT_LE(page[0].size(), batch);
    all.insert(all.end(), page[0].begin(), page[0].end());
    request.window.after_distance = page[0].back().distance;
    if (with_pk) request.window.after_pk = page[0].back().pk;
  }
  return all;
}

TEST_F(SearchTest, IteratorPagesConcatenateToTheExactOrder) {
  segment::DeleteLog deletes;
  std::set<int64_t> deleted = {7, 1003, 1200};
  for (int64_t pk : deleted) deletes.Add(pk, 9000);
  std::mt19937 rng(2);
  std::normal_distribution<float> gauss;
  for (auto metric : {index::MetricType::kL2, index::MetricType::kIP, index::MetricType::kCosine}) {
    VectorSearchRequest request;
    request.field_id = vec_->id;
    request.metric = metric;
    request.queries.dim = 16;
    for (int i = 0; i < 16; ++i) request.queries.floats.push_back(gauss(rng));
    request.timestamp = 10000;
    for (size_t batch : {size_t{1}, size_t{7}, size_t{64}}) {
      auto all = IterateAll(request, segments_, &deletes, batch);
      auto want = Oracle(request.queries.floats, metric, 10000, deleted, false);
      ASSERT_EQ(all.size(), want.size()) << index::MetricName(metric) << " batch " << batch;
      std::set<int64_t> pks;
      for (size_t i = 0; i < all.size(); ++i) {
        pks.insert(std::get<int64_t>(all[i].pk));
        EXPECT_NEAR(all[i].distance, want[i].first, 1e-3 * (1 + std::abs(want[i].first))) << i;
        if (i > 0) {
          bool ordered = index::HigherIsBetter(metric) ? all[i].distance <= all[i - 1].distance
                                                       : all[i].distance >= all[i - 1].distance;
          EXPECT_TRUE(ordered) << index::MetricName(metric) << " at " << i;
        }
      }
      EXPECT_EQ(pks.size(), all.size()) << "a hit came back twice";
    }
  }
}

// A collection whose vectors take 4 values only: every page boundary falls inside a tie group,
// and keys are not in row order, so only the (distance, pk) cursor can page through exactly.
class IteratorTieTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = std::make_shared<schema::CollectionSchema>();
    s->name = "ties";
    schema::FieldSchema pk_field, vector_field;
    pk_field.name = "pk";
    pk_field.type = schema::DataType::kInt64;
    pk_field.primary_key = true;
    vector_field.name = "v";
    vector_field.type = schema::DataType::kFloatVector;
    vector_field.type_params = {{"dim", "2"}};
    s->fields = {pk_field, vector_field};
    ASSERT_TRUE(schema::NormalizeSchema(s.get()).ok());
    schema_ = s;
    std::mt19937_64 rng(11);
    std::vector<int64_t> keys(kRows);
    for (size_t i = 0; i < kRows; ++i) keys[i] = static_cast<int64_t>(i) * 3;
    std::shuffle(keys.begin(), keys.end(), rng);
    auto chunk = [&](size_t from, size_t to) {
      auto out = std::make_shared<schema::DataChunk>();
      out->rows = to - from;
      schema::ColumnBuilder ts(schema::DataType::kInt64), pk(schema::DataType::kInt64),
          v(schema::DataType::kFloatVector, 2);
      for (size_t i = from; i < to; ++i) {
        ts.AppendInt(100 + static_cast<int64_t>(i));
        pk.AppendInt(keys[i]);
        float x[2] = {static_cast<float>(keys[i] % 4), 0.5f};
        v.AppendBytes(std::string_view(reinterpret_cast<const char*>(x), sizeof(x)));
        expected_.push_back({static_cast<float>(keys[i] % 4), keys[i]});
      }
      out->columns.emplace_back(schema::kTimestampField, ts.Build());
      out->columns.emplace_back(schema_->FindField("pk")->id, pk.Build());
      out->columns.emplace_back(schema_->FindField("v")->id, v.Build());
      return out;
    };
    auto sealed = segment::SealedSegment::Open(
        schema::Buffer::Own(segment::SerializeSegment({1, 1, 1, "c"}, *chunk(0, 120))), schema_);
    ASSERT_TRUE(sealed.ok());
    segments_.push_back(*sealed);
    auto growing = std::make_shared<segment::GrowingSegment>(segment::SegmentMeta{2, 1, 1, "c"}, schema_);
    ASSERT_TRUE(growing->Insert(chunk(120, 160)).ok());
    ASSERT_TRUE(growing->Insert(chunk(160, kRows)).ok());
    segments_.push_back(growing);
    // Query (0, 0.5): the L2 distance of row x is x^2, so the groups are 0, 1, 4, 9.
    std::sort(expected_.begin(), expected_.end());
  }

  VectorSearchRequest Request() const {
    VectorSearchRequest request;
    request.field_id = schema_->FindField("v")->id;
    request.metric = index::MetricType::kL2;
    request.queries.dim = 2;
    request.queries.floats = {0, 0.5f};
    return request;
  }

  static constexpr size_t kRows = 200;
  std::shared_ptr<const schema::CollectionSchema> schema_;
  std::vector<std::shared_ptr<const segment::Segment>> segments_;
  std::vector<std::pair<float, int64_t>> expected_;  // (group, pk) in result order
};

TEST_F(IteratorTieTest, PagesInsideTieGroupsFollowPrimaryKeys) {
  for (size_t batch : {size_t{1}, size_t{3}, size_t{17}, size_t{50}, size_t{199}}) {
    auto all = IterateAll(Request(), segments_, nullptr, batch);
    ASSERT_EQ(all.size(), expected_.size()) << "batch " << batch;
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(std::get<int64_t>(all[i].pk), expected_[i].second) << "batch " << batch << " at " << i;
      EXPECT_EQ(all[i].distance, expected_[i].first * expected_[i].first);
    }
  }
}

TEST_F(IteratorTieTest, StrictBoundSkipsTheRestOfATieGroupButNeverRepeats) {
  auto all = IterateAll(Request(), segments_, nullptr, 7, /*with_pk=*/false);
  // One page per group: each page ends inside its group and the next starts past it.
  ASSERT_EQ(all.size(), 4u * 7u);
  std::set<int64_t> pks;
  for (const auto& hit : all) EXPECT_TRUE(pks.insert(std::get<int64_t>(hit.pk)).second);
}

TEST_F(IteratorTieTest, IndexedSegmentsPageThroughEveryRowOnce) {
  const auto* field = schema_->FindField("v");
  for (std::string family : {"FLAT", "HNSW"}) {
    auto spec = index::IndexRegistry::Builtin().ResolveBuild(family, schema::DataType::kFloatVector, 2,
                                                             index::MetricType::kL2, {});
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    const auto& data = static_cast<const segment::SealedSegment&>(*segments_[0]).data();
    auto built = index::BuildVectorIndex(*spec, index::ColumnVectors(*data.Find(field->id), data.rows), nullptr, nullptr);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    std::shared_ptr<const index::VectorIndex> shared = std::move(*built);
    VectorSearchRequest request = Request();
    request.index_for = [&](const segment::Segment& seg) {
      return seg.sealed() ? shared : std::shared_ptr<const index::VectorIndex>();
    };
    auto all = IterateAll(request, segments_, nullptr, 9);
    std::set<int64_t> pks;
    for (const auto& hit : all) EXPECT_TRUE(pks.insert(std::get<int64_t>(hit.pk)).second) << family;
    // Four distinct vectors: even HNSW finds every row of its groups.
    EXPECT_EQ(pks.size(), kRows) << family;
  }
}

TEST(MergeSearchHitsTest, DeduplicatesByPrimaryKeyAndAppliesOffset) {
  auto hit = [](float d, int64_t pk) { return SearchHit{d, pk, nullptr, 0}; };
  SearchHits a = {{hit(0.1f, 1), hit(0.3f, 2), hit(0.5f, 3)}};
  SearchHits b = {{hit(0.2f, 4), hit(0.3f, 2), hit(0.4f, 5)}};
  SearchHits merged = MergeSearchHits({a, b}, 1, 3, 1, false);
  ASSERT_EQ(merged[0].size(), 3u);
  EXPECT_EQ(std::get<int64_t>(merged[0][0].pk), 4);
  EXPECT_EQ(std::get<int64_t>(merged[0][1].pk), 2);
  EXPECT_EQ(std::get<int64_t>(merged[0][2].pk), 5);
}

TEST(SearchSegmentsTest, RejectsBadQueries) {
  VectorSearchRequest request;
  request.queries.dim = 4;
  request.queries.floats = {1, 2, 3};
  EXPECT_TRUE(SearchSegments(request, {}, nullptr).status().IsInvalidArgument());
}

}  // namespace
}  // namespace quiver::exec
