#include "exec/search.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "expr/binder.h"
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
      request.dim = 16;
      for (int i = 0; i < 3 * 16; ++i) request.queries.push_back(gauss(rng));
      request.topk = 5;
      request.offset = 3;
      request.filter = plan->get();
      request.timestamp = ts;
      auto hits = SearchSegments(request, segments_, &deletes, &pool);
      ASSERT_TRUE(hits.ok()) << hits.status().ToString();
      auto merged = MergeSearchHits({*hits}, 3, 5, 3, index::HigherIsBetter(metric));
      for (size_t q = 0; q < 3; ++q) {
        std::vector<float> query(request.queries.begin() + q * 16, request.queries.begin() + (q + 1) * 16);
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
  request.dim = 4;
  request.queries = {1, 2, 3};
  EXPECT_TRUE(SearchSegments(request, {}, nullptr).status().IsInvalidArgument());
}

}  // namespace
}  // namespace quiver::exec
