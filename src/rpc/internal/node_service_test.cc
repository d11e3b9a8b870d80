#include "rpc/internal/node_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "cluster/testing/fake_coord.h"
#include "cluster/testing/wal_rows.h"
#include "common/metrics.h"
#include "common/thread_pool.h"
#include "datanode/datanode.h"
#include "expr/binder.h"
#include "querynode/querynode.h"
#include "coord/replicas.h"
#include "rpc/internal/plan_codec.h"
#include "rpc/internal/replica_router.h"
#include "storage/meta/forwarding_meta_store.h"
#include "storage/meta/meta_store.h"
#include "segment/wal_message.h"

// The datanode and querynode contracts over gRPC: a DataNode and a QueryNode served by their
// services on a loopback port answer through the gRPC clients exactly as when called in
// process — the same hits, distances, rows (compared as encoded chunks) and statuses.

namespace quiver::rpc {
namespace {

using namespace std::chrono_literals;
using cluster::testing::InsertRows;

std::string Bytes(const std::shared_ptr<const schema::DataChunk>& chunk) {
  std::string out;
  if (chunk) segment::EncodeChunk(*chunk, &out);
  return out;
}

std::unique_ptr<grpc::Server> Serve(std::initializer_list<grpc::Service*> services, std::string* address) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  for (grpc::Service* s : services) builder.RegisterService(s);
  auto server = builder.BuildAndStart();
  *address = "127.0.0.1:" + std::to_string(port);
  return server;
}

class NodeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = coord_.AddCollection(wal_.get(), "c", cluster::testing::VectorSchema(4));
    auto loaded = std::make_shared<cluster::CollectionInfo>(*c);
    loaded->loaded_partitions = {c->partitions[0].id};
    coord_.Put(loaded);
    collection_ = loaded;
    rows_ = InsertRows(wal_.get(), *collection_, 0, 300, *coord_.AllocTimestamp(1));
    ASSERT_TRUE(datanode_.Start().ok());
    ASSERT_TRUE(querynode_.Start().ok());
    data_service_ = NewDataNodeService(&datanode_);
    query_service_ = NewQueryNodeService(&querynode_);
    server_ = Serve({data_service_.get(), query_service_.get()}, &address_);
    ASSERT_NE(server_, nullptr);
    NodeClientOptions options;
    options.address = address_;
    options.timeout = 10s;
    remote_data_ = NewGrpcDataNodeClient(options);
    remote_query_ = NewGrpcQueryNodeClient(options);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    querynode_.Stop();
    datanode_.Stop();
  }
  std::map<std::string, storage::Lsn> Ends() {
    std::map<std::string, storage::Lsn> positions;
    for (const auto& ch : collection_->channels) positions[ch.name] = *wal_->LastLsn(ch.name);
    return positions;
  }
  // An L2 search for the vectors of inserted rows [first, first + nq), with two output fields.
  cluster::SearchRequest SearchRows(size_t first, size_t nq, size_t limit) {
    const auto& vectors = *rows_->Find(collection_->schema->fields[1].id);
    const float* data = reinterpret_cast<const float*>(vectors.data.data());
    cluster::SearchRequest search;
    search.collection_id = collection_->id;
    search.field_id = collection_->schema->fields[1].id;
    search.metric = index::MetricType::kL2;
    search.queries.field_type = schema::DataType::kFloatVector;
    search.queries.dim = 4;
    search.queries.floats.assign(data + first * 4, data + (first + nq) * 4);
    search.limit = limit;
    search.output_fields = {collection_->schema->fields[2].id, collection_->schema->fields[1].id};
    return search;
  }
  std::shared_ptr<const expr::PlanNode> Filter(const std::string& text) {
    auto plan = expr::CompileFilter(text, *collection_->schema, {});
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return std::shared_ptr<const expr::PlanNode>(std::move(*plan));
  }
  void ExpectSame(const Result<cluster::SearchResult>& local, const Result<cluster::SearchResult>& remote) {
    ASSERT_EQ(local.status().ToString(), remote.status().ToString());
    if (!local.ok()) return;
    EXPECT_EQ(local->nq, remote->nq);
    EXPECT_EQ(local->counts, remote->counts);
    EXPECT_EQ(local->distances, remote->distances);
    EXPECT_EQ(local->pks, remote->pks);
    EXPECT_EQ(Bytes(local->fields), Bytes(remote->fields));
  }
  void ExpectSame(const Result<cluster::QueryResult>& local, const Result<cluster::QueryResult>& remote) {
    ASSERT_EQ(local.status().ToString(), remote.status().ToString());
    if (!local.ok()) return;
    EXPECT_EQ(local->count, remote->count);
    EXPECT_EQ(Bytes(local->rows), Bytes(remote->rows));
  }

  cluster::testing::FakeCoord coord_;
  std::unique_ptr<storage::Wal> wal_ = storage::NewMemoryWal();
  std::unique_ptr<storage::ObjectStore> objects_ = storage::NewMemoryObjectStore();
  segment::ConsumerPool pool_{wal_.get(), {}};
  ThreadPool search_pool_{"search", 2, 64};
  MetricsRegistry metrics_;
  datanode::DataNode datanode_{&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {}};
  querynode::QueryNode querynode_{&coord_, wal_.get(), objects_.get(), &search_pool_, &pool_, &metrics_};
  cluster::CollectionPtr collection_;
  std::shared_ptr<const schema::DataChunk> rows_;
  std::unique_ptr<grpc::Service> data_service_, query_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<cluster::DataNodeClient> remote_data_;
  std::unique_ptr<cluster::QueryNodeClient> remote_query_;
};

TEST_F(NodeServiceTest, QueryNodeAnswersAsInProcess) {
  ASSERT_TRUE(remote_query_->LoadCollection(collection_, {}).ok());
  ASSERT_TRUE(remote_query_->WaitConsumed(Ends(), 20s).ok());
  EXPECT_EQ(*remote_query_->LoadingProgress(collection_->id, {}), 100);
  EXPECT_TRUE(remote_query_->LoadError(collection_->id).ok());

  cluster::SearchRequest search = SearchRows(17, 2, 5);  // rows 17 and 18: nq = 2
  ExpectSame(querynode_.Search(search), remote_query_->Search(search));
  auto hits = remote_query_->Search(search);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_EQ(hits->counts, (std::vector<size_t>{5, 5}));
  EXPECT_EQ(std::get<int64_t>(hits->pks[0]), 17);
  ASSERT_NE(hits->fields, nullptr);
  EXPECT_EQ(hits->fields->rows, 10u);

  // Filters, a range window and an iterator bound cross intact.
  search.filter = Filter("(id > 10 and n % 2 == 0) or id in [17, 18, 250] or not (id < 280)");
  ExpectSame(querynode_.Search(search), remote_query_->Search(search));
  search.window.radius = 100.0f;
  search.window.range_filter = 0.0001f;
  ExpectSame(querynode_.Search(search), remote_query_->Search(search));
  search.window = {};
  search.window.iterator = true;
  search.window.after_distance = 0.0f;
  search.window.after_pk = segment::PrimaryKey{int64_t{17}};
  ExpectSame(querynode_.Search(search), remote_query_->Search(search));

  cluster::QueryRequest query;
  query.collection_id = collection_->id;
  query.filter = Filter("id >= 100 and id < 150");
  query.output_fields = {collection_->schema->fields[2].id};
  query.limit = 20;
  query.offset = 5;
  ExpectSame(querynode_.Query(query), remote_query_->Query(query));
  auto rows = remote_query_->Query(query);
  ASSERT_TRUE(rows.ok());
  ASSERT_NE(rows->rows, nullptr);
  EXPECT_EQ(rows->rows->rows, 20u);
  query.count_only = true;
  query.limit.reset();
  query.offset = 0;
  ExpectSame(querynode_.Query(query), remote_query_->Query(query));
  EXPECT_EQ(remote_query_->Query(query)->count, 50u);

  // Errors keep code, message and detail.
  cluster::SearchRequest unknown = search;
  unknown.collection_id = collection_->id + 99;
  ExpectSame(querynode_.Search(unknown), remote_query_->Search(unknown));
  EXPECT_FALSE(remote_query_->Search(unknown).ok());
  EXPECT_EQ(remote_query_->LoadingProgress(collection_->id + 99, {}).status().ToString(),
            querynode_.LoadingProgress(collection_->id + 99, {}).status().ToString());

  ASSERT_TRUE(remote_query_->ReleaseCollection(collection_->id).ok());
  EXPECT_FALSE(querynode_.LoadingProgress(collection_->id, {}).ok());
}

// A MetaStore whose Gets can be held, as while etcd elects a leader.
class HeldGets final : public storage::ForwardingMetaStore {
 public:
  explicit HeldGets(storage::MetaStore* base) : ForwardingMetaStore(base) {}
  void Hold(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = on;
    cv_.notify_all();
  }
  int gets() const { return gets_.load(); }

  Result<std::optional<storage::KeyValue>> Get(const std::string& key) override {
    ++gets_;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !held_; });
    lock.unlock();
    return ForwardingMetaStore::Get(key);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  std::atomic<int> gets_{0};
};

// The router re-reads a placement in the background once its copy is older than cache_age:
// while the store cannot answer, reads go on to the replicas it knows.
TEST_F(NodeServiceTest, RoutedReadsDoNotWaitForAPlacementReRead) {
  querynode_.SetNodeId(1);
  ASSERT_TRUE(querynode_.LoadCollection(collection_, {1, {1}, {}}).ok());  // its share of a one-node replica
  ASSERT_TRUE(querynode_.WaitConsumed(Ends(), 20s).ok());
  auto base = std::move(storage::OpenLocalMetaStore({})).value();
  coord::CollectionReplicas placement;
  placement.collection_id = collection_->id;
  placement.replicas.push_back({1, {{1, address_}}, true, 0, coord::kDefaultResourceGroup, {}});
  ASSERT_TRUE(base->Put(coord::ReplicasKey(collection_->id), coord::EncodeReplicas(placement)).ok());
  HeldGets meta(base.get());
  ReplicaRouterOptions options;
  options.meta = &meta;
  options.node.timeout = 10s;
  options.cache_age = 1ms;
  auto router = NewReplicaRouter(options);

  cluster::QueryRequest count;
  count.collection_id = collection_->id;
  count.count_only = true;
  auto first = router->Query(count);  // the first read of the placement waits for it
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->count, 300u);

  meta.Hold(true);
  const int before = meta.gets();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(2ms);  // past cache_age: a re-read starts (and is held)
    auto answer = std::async(std::launch::async, [&] { return router->Query(count); });
    if (answer.wait_for(5s) != std::future_status::ready) {
      meta.Hold(false);  // lets the waiting read finish before the test fails
      FAIL() << "a read waited for the held store";
    }
    auto got = answer.get();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->count, 300u);
  }
  EXPECT_GT(meta.gets(), before) << "the placement was being re-read";
  meta.Hold(false);
  router.reset();  // joins the refresher
}

// A replica split over two query nodes, each serving its share of the segments (growing and
// sealed), answers through the router exactly as one node holding the whole collection; a third
// node joining takes a share, and the first two let go of what moved.
TEST_F(NodeServiceTest, ASplitReplicaAnswersAsOneWholeNode) {
  // Six flushed segments and growing rows; a key inserted again later (its newer version must
  // win), and deletes.
  for (int batch = 1; batch < 6; ++batch) {
    ASSERT_TRUE(datanode_.Flush(collection_->id, 20s).ok());
    InsertRows(wal_.get(), *collection_, batch * 300, 300, *coord_.AllocTimestamp(1), batch + 1);
  }
  ASSERT_TRUE(datanode_.Flush(collection_->id, 20s).ok());
  InsertRows(wal_.get(), *collection_, 5000, 80, *coord_.AllocTimestamp(1), 9);
  InsertRows(wal_.get(), *collection_, 17, 1, *coord_.AllocTimestamp(1), 10);  // pk 17 again
  cluster::testing::DeleteRows(wal_.get(), *collection_, {int64_t{5}, int64_t{700}, int64_t{5010}},
                               *coord_.AllocTimestamp(1));
  const auto segments = coord_.GetSegments(collection_->id)->segments;
  ASSERT_EQ(segments.size(), 6u);

  ASSERT_TRUE(querynode_.LoadCollection(collection_, {}).ok());  // the whole collection
  struct Member {
    int64_t id;
    MetricsRegistry metrics;
    std::unique_ptr<querynode::QueryNode> node;
    std::unique_ptr<grpc::Service> service;
    std::unique_ptr<grpc::Server> server;
    std::string address;
    double Sealed() { return metrics.GetGauge("quiver_querynode_sealed_segments", "")->value(); }
  };
  std::vector<std::unique_ptr<Member>> members;
  for (int64_t id : {11, 12, 13}) {
    auto m = std::make_unique<Member>();
    m->id = id;
    m->node = std::make_unique<querynode::QueryNode>(&coord_, wal_.get(), objects_.get(), &search_pool_, &pool_, &m->metrics);
    m->node->SetNodeId(id);
    ASSERT_TRUE(m->node->Start().ok());
    m->service = NewQueryNodeService(m->node.get());
    m->server = Serve({m->service.get()}, &m->address);
    members.push_back(std::move(m));
  }
  // Replica 7 over two nodes with the sealed segments pinned (three each: equal rows), replica 8
  // over three by hashing alone.
  std::vector<coord::SegmentRows> rows;
  for (const auto& seg : segments) rows.push_back({seg.id, seg.rows});
  const cluster::ReplicaShare two{7, {11, 12}, coord::DivideSegments({11, 12}, rows, {})};
  const cluster::ReplicaShare three{8, {11, 12, 13}, {}};
  EXPECT_EQ(coord::RowsPerNode(two, rows), (std::map<int64_t, size_t>{{11, 900}, {12, 900}}));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(members[i]->node->LoadCollection(collection_, two).ok());
  for (auto* node : {&querynode_, members[0]->node.get(), members[1]->node.get()}) {
    ASSERT_TRUE(node->WaitConsumed(Ends(), 20s).ok());
  }
  // Each member holds its own share of the sealed segments, together all of them.
  EXPECT_EQ(members[0]->Sealed() + members[1]->Sealed(), 6.0);
  size_t owned_by_first = 0;
  for (const auto& seg : segments) owned_by_first += two.OwnerOf(seg.id) == 11 ? 1 : 0;
  EXPECT_EQ(owned_by_first, 3u);
  EXPECT_EQ(members[0]->Sealed(), 3.0);
  EXPECT_EQ(*members[0]->node->LoadingProgress(collection_->id, 7), 100);
  EXPECT_FALSE(members[0]->node->LoadingProgress(collection_->id, 8).ok());
  // A share never changes under its id.
  cluster::ReplicaShare other = two;
  other.pinned.clear();
  EXPECT_EQ(members[0]->node->LoadCollection(collection_, other).code(), StatusCode::kFailedPrecondition);

  auto base = std::move(storage::OpenLocalMetaStore({})).value();
  auto place = [&](const cluster::ReplicaShare& share, const std::vector<Member*>& nodes) {
    coord::CollectionReplicas placement;
    placement.collection_id = collection_->id;
    coord::Replica replica{share.replica_id, {}, true, 0, coord::kDefaultResourceGroup, share.pinned};
    for (Member* m : nodes) replica.nodes.push_back({m->id, m->address});
    placement.replicas.push_back(replica);
    ASSERT_TRUE(base->Put(coord::ReplicasKey(collection_->id), coord::EncodeReplicas(placement)).ok());
  };
  place(two, {members[0].get(), members[1].get()});
  ReplicaRouterOptions options;
  options.meta = base.get();
  options.node.timeout = 10s;
  options.cache_age = 0ms;
  auto router = NewReplicaRouter(options);
  // The router's shares are the placement's: naming one is refused, not ignored.
  EXPECT_TRUE(router->LoadingProgress(collection_->id, 7).status().IsInvalidArgument());
  EXPECT_TRUE(router->LoadCollection(collection_, two).IsInvalidArgument());

  auto same_answers = [&](const std::string& when) {
    SCOPED_TRACE(when);
    cluster::SearchRequest search = SearchRows(17, 3, 12);
    ExpectSame(querynode_.Search(search), router->Search(search));
    search.filter = Filter("n % 3 != 1 or id > 4000");
    ExpectSame(querynode_.Search(search), router->Search(search));
    search.metric = index::MetricType::kIP;
    ExpectSame(querynode_.Search(search), router->Search(search));

    cluster::QueryRequest query;
    query.collection_id = collection_->id;
    query.filter = Filter("id < 1000 or id >= 5000");
    query.output_fields = {collection_->schema->fields[0].id, collection_->schema->fields[2].id};
    query.limit = 40;
    query.offset = 9;
    ExpectSame(querynode_.Query(query), router->Query(query));
    query.filter = Filter("id > 290 and id < 320");  // a page across two segments
    query.limit.reset();
    query.offset = 0;
    ExpectSame(querynode_.Query(query), router->Query(query));
    query.filter = Filter("id == 17");  // the newer version of key 17
    ExpectSame(querynode_.Query(query), router->Query(query));
  };
  same_answers("two members");

  // count(*) sums the members' distinct keys: key 17, inserted twice, counts twice when its two
  // copies are in segments of different members.
  cluster::QueryRequest count;
  count.collection_id = collection_->id;
  count.count_only = true;
  auto whole = querynode_.Query(count);
  auto split = router->Query(count);
  ASSERT_TRUE(whole.ok() && split.ok());
  EXPECT_EQ(whole->count, 6 * 300 + 80 - 3u);
  segment::SegmentId first_segment = segments[0].id;  // holds the first key 17
  for (const auto& seg : segments) first_segment = std::min(first_segment, seg.id);
  const segment::SegmentId growing = segment::SegmentIdFor(collection_->channels[0].uid, 6, collection_->partitions[0].slot);
  const bool apart = two.OwnerOf(first_segment) != two.OwnerOf(growing);
  EXPECT_EQ(split->count, whole->count + (apart ? 1 : 0));

  // A share this node was not asked to serve is refused, so the router reads the placement again.
  cluster::QueryRequest wrong = count;
  wrong.replica_id = 8;
  auto refused = members[0]->node->Query(wrong);
  EXPECT_EQ(refused.status().detail(), ErrorDetail::kCollectionNotLoaded) << refused.status().ToString();

  // A third node joins: every member loads its share among three, the placement moves, and the
  // first two let go of the segments that moved.
  for (auto& m : members) ASSERT_TRUE(m->node->LoadCollection(collection_, three).ok());
  ASSERT_TRUE(members[2]->node->WaitConsumed(Ends(), 20s).ok());
  place(three, {members[0].get(), members[1].get(), members[2].get()});
  same_answers("three members, the old shares still held");
  for (auto& m : members) ASSERT_TRUE(m->node->RetainShares(collection_->id, {8}).ok());
  same_answers("three members");
  EXPECT_EQ(members[0]->Sealed() + members[1]->Sealed() + members[2]->Sealed(), 6.0);
  EXPECT_EQ(members[0]->node->Shares(collection_->id), std::set<int64_t>{8});
  EXPECT_EQ(members[0]->node->LoadingProgress(collection_->id, 7).status().detail(), ErrorDetail::kCollectionNotLoaded);

  router.reset();
  for (auto& m : members) {
    m->server->Shutdown();
    m->node->Stop();
  }
}

TEST_F(NodeServiceTest, DataNodeAnswersAsInProcess) {
  ASSERT_TRUE(querynode_.LoadCollection(collection_, {}).ok());
  ASSERT_TRUE(querynode_.WaitConsumed(Ends(), 20s).ok());
  // The datanode consumes the same channel: wait until it has buffered the rows.
  std::map<int64_t, size_t> buffered;
  for (int i = 0; i < 400; ++i) {
    buffered = *remote_data_->BufferedRows(collection_->id);
    if (!buffered.empty() && buffered.begin()->second == 300u) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(buffered, *datanode_.BufferedRows(collection_->id));
  EXPECT_EQ(buffered.at(collection_->partitions[0].id), 300u);
  auto flushed = remote_data_->Flush(collection_->id, 20s, [] { return false; });
  ASSERT_TRUE(flushed.ok()) << flushed.status().ToString();
  EXPECT_EQ(flushed->size(), 1u);
  EXPECT_EQ(*flushed, *datanode_.Flush(collection_->id, 20s));  // nothing new: the same list
  EXPECT_EQ(coord_.GetSegments(collection_->id)->segments.size(), 1u);
  EXPECT_EQ(remote_data_->BufferedRows(collection_->id + 99).status().ToString(),
            datanode_.BufferedRows(collection_->id + 99).status().ToString());
}

// A datanode whose flush never finishes until the call is cancelled.
class EndlessFlush final : public cluster::DataNodeClient {
 public:
  Result<std::vector<segment::SegmentId>> Flush(int64_t, std::chrono::milliseconds timeout,
                                                const std::function<bool()>& cancelled) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (cancelled && cancelled()) {
        saw_cancel = true;
        return Status::Unavailable("cancelled");
      }
      std::this_thread::sleep_for(10ms);
    }
    return Status::Timeout("flush timed out");
  }
  Result<std::map<int64_t, size_t>> BufferedRows(int64_t) override { return std::map<int64_t, size_t>{}; }
  std::atomic<bool> saw_cancel{false};
};

TEST(DataNodeClientTest, CancellingAFlushEndsTheWaitOnBothSides) {
  EndlessFlush node;
  auto service = NewDataNodeService(&node);
  std::string address;
  auto server = Serve({service.get()}, &address);
  NodeClientOptions options;
  options.address = address;
  auto client = NewGrpcDataNodeClient(options);
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  auto flushed = client->Flush(1, 60s, [&] { return cancel.load(); });
  canceller.join();
  EXPECT_TRUE(flushed.status().IsUnavailable()) << flushed.status().ToString();
  // The server's wait ends too (it polls the call's cancellation), well before its 60 s.
  for (int i = 0; i < 500 && !node.saw_cancel; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(node.saw_cancel.load());
  server->Shutdown();
}

TEST(DataNodeClientTest, NoNodeIsUnavailableNamingTheCallAndAddress) {
  std::string address;
  {
    // A port that was just freed.
    EndlessFlush node;
    auto service = NewDataNodeService(&node);
    auto server = Serve({service.get()}, &address);
    server->Shutdown();
  }
  NodeClientOptions options;
  options.address = address;
  options.timeout = 300ms;
  Status status = NewGrpcQueryNodeClient(options)->LoadError(1);
  EXPECT_TRUE(status.IsUnavailable()) << status.ToString();
  EXPECT_NE(status.ToString().find("querynode call LoadError"), std::string::npos) << status.ToString();
  EXPECT_NE(status.ToString().find(address), std::string::npos) << status.ToString();
}

// Plans as deep as the parser allows (200 levels, twice protobuf's nesting limit) cross whole;
// malformed ones are refused.
TEST(PlanCodecTest, DeepPlansRoundTripAndBadOnesAreRefused) {
  schema::CollectionSchema s = cluster::testing::VectorSchema(4);
  ASSERT_TRUE(schema::NormalizeSchema(&s).ok());
  // Left-associative arithmetic: one tree level per term.
  std::string text = "id";
  for (int i = 0; i < 150; ++i) text += " + " + std::to_string(i % 7);
  text += " > 3 and n in [1, 2, 3] and id not in [4] and n != 2.5";
  auto plan = expr::CompileFilter(text, s, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  quiver::internal::Plan encoded;
  EncodePlan(**plan, &encoded);
  quiver::internal::Plan parsed;
  ASSERT_TRUE(parsed.ParseFromString(encoded.SerializeAsString()));  // flat: no nesting limit
  auto decoded = DecodePlan(parsed);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ((*decoded)->ToString(), (*plan)->ToString());
  std::function<int(const expr::PlanNode&)> height = [&](const expr::PlanNode& n) {
    int h = 0;
    for (const auto& c : n.children) h = std::max(h, height(*c));
    return h + 1;
  };
  EXPECT_GT(height(**decoded), 100);  // deeper than protobuf would nest

  EXPECT_EQ(*DecodePlan(quiver::internal::Plan()), nullptr);  // no filter
  quiver::internal::Plan truncated = encoded;
  truncated.mutable_nodes()->RemoveLast();
  EXPECT_TRUE(DecodePlan(truncated).status().IsCorruption());
  quiver::internal::Plan bad_kind = encoded;
  bad_kind.mutable_nodes(0)->set_kind(999);
  EXPECT_TRUE(DecodePlan(bad_kind).status().IsCorruption());
  quiver::internal::Plan extra = encoded;
  extra.add_literals();
  EXPECT_TRUE(DecodePlan(extra).status().IsCorruption());
  quiver::internal::Plan bad_literal = encoded;
  bad_literal.mutable_literals(0)->set_kind(77);
  EXPECT_TRUE(DecodePlan(bad_literal).status().IsCorruption());
}

}  // namespace
}  // namespace quiver::rpc
