#include "proxy/search.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>

#include "cluster/testing/fake_coord.h"
#include "cluster/testing/wal_rows.h"
#include "index/vector_index.h"
#include "proxy/proxy.h"

namespace quiver::proxy {
namespace {

using cluster::testing::FakeCoord;
using cluster::testing::VectorSchema;

// A querynode that answers searches with scripted results and records what it was asked.
class ScriptedQueryNode final : public cluster::QueryNodeClient {
 public:
  std::vector<cluster::SearchResult> results;  // answers, one per Search call, in order
  std::vector<cluster::SearchRequest> searches;
  cluster::QueryResult query_result;
  std::vector<cluster::QueryRequest> queries;

  Status LoadCollection(const cluster::CollectionPtr&, const cluster::ReplicaShare&) override { return Status::OK(); }
  Status ReleaseCollection(int64_t) override { return Status::OK(); }
  Result<int64_t> LoadingProgress(int64_t, int64_t) override { return 100; }
  Status LoadError(int64_t) override { return Status::OK(); }
  Status WaitConsumed(const std::map<std::string, storage::Lsn>&, std::chrono::milliseconds) override {
    return Status::OK();
  }
  Result<cluster::SearchResult> Search(const cluster::SearchRequest& request) override {
    searches.push_back(request);
    if (searches.size() > results.size()) return Status::Internal("no scripted result left");
    return results[searches.size() - 1];
  }
  Result<cluster::QueryResult> Query(const cluster::QueryRequest& request) override {
    queries.push_back(request);
    return query_result;
  }
};

// A result of `nq` queries with the given (pk, distance) hits each, and column n = pk * 10.
cluster::SearchResult ResultOf(const std::vector<std::vector<std::pair<int64_t, float>>>& hits, schema::FieldId n) {
  cluster::SearchResult r;
  r.nq = hits.size();
  schema::ColumnBuilder column(schema::DataType::kInt64);
  for (const auto& query : hits) {
    r.counts.push_back(query.size());
    for (const auto& [pk, distance] : query) {
      r.pks.emplace_back(pk);
      r.distances.push_back(distance);
      column.AppendInt(pk * 10);
    }
  }
  auto chunk = std::make_shared<schema::DataChunk>();
  chunk->columns.emplace_back(n, column.Build());
  chunk->rows = r.pks.size();
  r.fields = chunk;
  return r;
}

std::string Floats(std::vector<float> v) {
  std::string out(v.size() * 4, '\0');
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

class ProxySearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
    auto info = std::make_shared<cluster::CollectionInfo>(*c);
    const schema::FieldSchema* v = info->schema->FindField("v");
    cluster::IndexInfo index;
    index.id = 1;
    index.name = "v_index";
    index.field_id = v->id;
    index.field_name = "v";
    index.index_type = "FLAT";
    index.metric_type = "L2";
    info->indexes.push_back(index);
    info->loaded_partitions = {info->partitions[0].id};
    coord_.Put(info);
    collection_ = info;
    n_ = info->schema->FindField("n")->id;
  }

  SearchArgs Args(size_t nq, std::map<std::string, std::string> params) {
    SearchArgs args;
    args.collection = collection_;
    args.output_fields = {"n"};
    args.ann.params = std::move(params);
    args.ann.vectors.type = schema::DataType::kFloatVector;
    args.ann.vectors.wire_type = 101;
    for (size_t q = 0; q < nq; ++q) {
      held_.push_back(Floats({1.0f + static_cast<float>(q), 2, 3, 4}));
    }
    for (size_t q = 0; q < nq; ++q) args.ann.vectors.values.emplace_back(held_[held_.size() - nq + q]);
    args.wait.consistency_level = 3;  // Eventually: no wait
    return args;
  }

  FakeCoord coord_;
  std::unique_ptr<storage::Wal> wal_ = storage::NewMemoryWal();
  MetricsRegistry metrics_;
  ScriptedQueryNode querynode_;
  Proxy proxy_{&coord_, nullptr, &querynode_, wal_.get(), &metrics_, {}};
  cluster::CollectionPtr collection_;
  schema::FieldId n_ = 0;
  std::deque<std::string> held_;  // query vector bytes the args view
};

TEST_F(ProxySearchTest, AppliesOffsetAndTopkAndGathersOutputColumns) {
  querynode_.results.push_back(ResultOf({{{5, 0.1f}, {6, 0.2f}, {7, 0.3f}, {8, 0.4f}},
                                         {{9, 1.0f}, {10, 2.0f}}},
                                        n_));
  auto outcome = proxy_.Search(Args(2, {{"anns_field", "v"}, {"topk", "2"}, {"offset", "1"}}));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(querynode_.searches.size(), 1u);
  const cluster::SearchRequest& sent = querynode_.searches[0];
  EXPECT_EQ(sent.limit, 3u);  // topk + offset: the proxy applies the offset
  EXPECT_EQ(sent.queries.floats.size(), 8u);
  EXPECT_EQ(sent.queries.floats[4], 2.0f);
  const cluster::SearchResult& r = outcome->result;
  EXPECT_EQ(r.counts, (std::vector<size_t>{2, 1}));
  EXPECT_EQ(r.pks, (std::vector<segment::PrimaryKey>{int64_t{6}, int64_t{7}, int64_t{10}}));
  EXPECT_EQ(r.distances, (std::vector<float>{0.2f, 0.3f, 2.0f}));
  const schema::ColumnChunk* n = r.fields->Find(n_);
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->rows, 3u);
  EXPECT_EQ(n->IntAt(0), 60);
  EXPECT_EQ(n->IntAt(1), 70);
  EXPECT_EQ(n->IntAt(2), 100);
  EXPECT_EQ(outcome->topk, 2u);
  EXPECT_EQ(outcome->session_ts, 0u);  // Eventually reads no snapshot
}

TEST_F(ProxySearchTest, RefusesBadParametersBeforeSearching) {
  struct Case {
    std::map<std::string, std::string> params;
    std::string message;
  };
  std::vector<Case> cases = {
      {{{"topk", "0"}}, "topk [0] is invalid"},
      {{{"topk", "10"}, {"offset", "16380"}}, "topk+offset should be in range"},
      {{{"topk", "10"}, {"metric_type", "IP"}}, "metric type not match"},
      {{{"topk", "10"}, {"anns_field", "n"}}, "fieldName(n) not found"},
      {{{"topk", "10"}, {"params", "{\"nprobe\": 8}"}}, "nprobe"},
      {{{"topk", "10"}, {"round_decimal", "7"}}, "round_decimal 7 is invalid"},
      {{{"topk", "10"}, {"group_by_field", "n"}}, "not supported"},
      {{{"topk", "10"}, {"radius", "nan"}}, "finite number"},
  };
  for (const Case& c : cases) {
    auto outcome = proxy_.Search(Args(1, c.params));
    ASSERT_FALSE(outcome.ok()) << c.message;
    EXPECT_NE(outcome.status().message().find(c.message), std::string::npos)
        << c.message << " not in " << outcome.status().ToString();
  }
  EXPECT_TRUE(querynode_.searches.empty());
  // Wrong dimension and declared nq.
  SearchArgs args = Args(1, {{"topk", "1"}});
  held_.push_back(Floats({1, 2, 3}));
  args.ann.vectors.values = {held_.back()};
  EXPECT_NE(proxy_.Search(args).status().message().find("dimension of the query vector (3)"), std::string::npos);
  args = Args(2, {{"topk", "1"}});
  args.ann.nq = 3;
  EXPECT_NE(proxy_.Search(args).status().message().find("nq (3) does not match"), std::string::npos);
  EXPECT_TRUE(querynode_.searches.empty());
}

TEST_F(ProxySearchTest, Float32QueriesOnFloat16FieldsReachTheQueryNodeUnnarrowed) {
  schema::CollectionSchema s = VectorSchema(4);
  s.fields[1].type = schema::DataType::kFloat16Vector;
  auto c = coord_.AddCollection(wal_.get(), "half", s);
  auto info = std::make_shared<cluster::CollectionInfo>(*c);
  cluster::IndexInfo index;
  index.id = 2;
  index.field_id = info->schema->FindField("v")->id;
  index.index_type = "FLAT";
  index.metric_type = "L2";
  info->indexes.push_back(index);
  info->loaded_partitions = {info->partitions[0].id};
  querynode_.results.push_back(ResultOf({{}}, n_));
  SearchArgs args = Args(1, {{"topk", "1"}});
  args.collection = info;
  held_.push_back(Floats({1.0009765625f + 1e-4f, 2, 3, 4}));  // not representable in 16 bits
  args.ann.vectors.values = {held_.back()};
  ASSERT_TRUE(proxy_.Search(args).ok());
  ASSERT_EQ(querynode_.searches.size(), 1u);
  EXPECT_EQ(querynode_.searches[0].queries.field_type, schema::DataType::kFloat16Vector);
  EXPECT_TRUE(querynode_.searches[0].queries.raw.empty());
  ASSERT_EQ(querynode_.searches[0].queries.floats.size(), 4u);
  EXPECT_EQ(querynode_.searches[0].queries.floats[0], 1.0009765625f + 1e-4f);
  // Binary queries do not fit a Float16 field.
  args.ann.vectors.type = schema::DataType::kBinaryVector;
  args.ann.vectors.wire_type = 100;
  EXPECT_NE(proxy_.Search(args).status().message().find("placeholder type 100"), std::string::npos);
}

TEST_F(ProxySearchTest, HybridSearchFusesRanksAcrossSubSearches) {
  // Sub-search A ranks 1, 2, 3; B ranks 3, 4. RRF (k = 60): 3 scores 1/63 + 1/61, then 1 (1/61),
  // 2 and 4 (1/62 each, 2 first: first seen).
  querynode_.results.push_back(ResultOf({{{1, 0.1f}, {2, 0.2f}, {3, 0.3f}}}, n_));
  querynode_.results.push_back(ResultOf({{{3, 0.5f}, {4, 0.6f}}}, n_));
  HybridSearchArgs args;
  args.collection = collection_;
  args.output_fields = {"n"};
  args.subs = {Args(1, {{"topk", "3"}}).ann, Args(1, {{"topk", "3"}}).ann};
  args.rank_params = {{"strategy", "rrf"}, {"params", "{\"k\": 60}"}, {"limit", "3"}};
  args.wait.consistency_level = 3;
  auto outcome = proxy_.HybridSearch(args);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const cluster::SearchResult& r = outcome->result;
  EXPECT_EQ(r.pks, (std::vector<segment::PrimaryKey>{int64_t{3}, int64_t{1}, int64_t{2}}));
  EXPECT_FLOAT_EQ(r.distances[0], static_cast<float>(1.0 / 63 + 1.0 / 61));
  EXPECT_FLOAT_EQ(r.distances[1], static_cast<float>(1.0 / 61));
  EXPECT_EQ(r.fields->Find(n_)->IntAt(0), 30);
  // Weighted with the wrong number of weights is refused.
  querynode_.results.push_back(ResultOf({{{1, 0.1f}}}, n_));
  querynode_.results.push_back(ResultOf({{{1, 0.1f}}}, n_));
  args.rank_params = {{"strategy", "weighted"}, {"params", "{\"weights\": [1]}"}, {"limit", "3"}};
  EXPECT_NE(proxy_.HybridSearch(args).status().message().find("number of weights (1)"), std::string::npos);
  // Weights outside [0, 1] are refused, as Milvus does (before any search is sent).
  for (const char* weights : {"[1.5, 0.5]", "[-0.1, 0.5]"}) {
    args.rank_params = {{"strategy", "weighted"}, {"params", std::string("{\"weights\": ") + weights + "}"}, {"limit", "3"}};
    Status refused = proxy_.HybridSearch(args).status();
    EXPECT_NE(refused.message().find("in [0, 1]"), std::string::npos) << weights << ": " << refused.ToString();
  }
}

TEST_F(ProxySearchTest, QueryValidatesItsWindowAndCountsAlone) {
  QueryArgs args;
  args.collection = collection_;
  args.wait.consistency_level = 3;
  args.output_fields = {"n"};
  EXPECT_NE(proxy_.Query(args).status().message().find("empty expression should be used with limit"), std::string::npos);
  args.params = {{"limit", "16000"}, {"offset", "1000"}};
  EXPECT_NE(proxy_.Query(args).status().message().find("max query result window"), std::string::npos);
  args.params = {{"limit", "1"}, {"bogus", "1"}};
  EXPECT_NE(proxy_.Query(args).status().message().find("query param bogus is not supported"), std::string::npos);
  args.params = {};
  args.output_fields = {"count(*)", "n"};
  EXPECT_NE(proxy_.Query(args).status().message().find("count(*) cannot be mixed"), std::string::npos);
  args.output_fields = {"count(*)"};
  args.params = {{"limit", "5"}};
  EXPECT_NE(proxy_.Query(args).status().message().find("count entities with pagination"), std::string::npos);
  args.params = {{"offset", "2"}};
  EXPECT_NE(proxy_.Query(args).status().message().find("count entities with pagination"), std::string::npos);
  args.params = {};
  EXPECT_TRUE(querynode_.queries.empty());
  args.output_fields = {"COUNT(*)"};
  args.filter = "n > 3";
  querynode_.query_result.count = 42;
  auto outcome = proxy_.Query(args);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->count_only);
  EXPECT_EQ(outcome->count, 42u);
  ASSERT_EQ(querynode_.queries.size(), 1u);
  EXPECT_TRUE(querynode_.queries[0].count_only);
  EXPECT_NE(querynode_.queries[0].filter, nullptr);
}

}  // namespace
}  // namespace quiver::proxy
