#include "proxy/proxy.h"

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "cluster/testing/fake_coord.h"
#include "cluster/testing/wal_rows.h"

namespace quiver::proxy {
namespace {

using cluster::testing::FakeCoord;
using cluster::testing::RandomRows;
using cluster::testing::VectorSchema;

// Every message appended to `channel`, decoded.
std::vector<segment::WalMessage> Messages(storage::Wal* wal, const std::string& channel) {
  std::vector<segment::WalMessage> out;
  auto records = wal->Read(channel, 1, 1000, 64 << 20);
  EXPECT_TRUE(records.ok());
  for (const auto& r : *records) {
    auto message = segment::DecodeWalMessage(std::make_shared<const std::string>(r.payload));
    EXPECT_TRUE(message.ok());
    out.push_back(*message);
  }
  return out;
}

class ProxyTest : public ::testing::Test {
 protected:
  FakeCoord coord_;
  std::unique_ptr<storage::Wal> wal_ = storage::NewMemoryWal();
  MetricsRegistry metrics_;
  Proxy proxy_{&coord_, nullptr, nullptr, wal_.get(), &metrics_, {}};
};

TEST_F(ProxyTest, WritesRouteEveryRowToTheShardOfItsKey) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4), /*shards=*/2, {"_default", "p1"});
  RowsIn rows;
  rows.chunk = RandomRows(*c->schema, 0, 100);
  for (int64_t pk = 0; pk < 100; ++pk) rows.pks.emplace_back(pk);
  auto written = proxy_.Write(*c, "p1", rows, /*upsert=*/false);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->count, 100u);
  size_t total = 0;
  for (size_t shard = 0; shard < 2; ++shard) {
    for (const auto& m : Messages(wal_.get(), c->channels[shard].name)) {
      EXPECT_EQ(m.type, segment::WalMessage::Type::kInsert);
      EXPECT_EQ(m.partition_id, c->partitions[1].id);
      EXPECT_EQ(m.timestamp, written->timestamp);
      const schema::ColumnChunk* pk = m.rows->Find(c->schema->fields[0].id);
      ASSERT_NE(pk, nullptr);
      for (size_t r = 0; r < m.rows->rows; ++r) {
        EXPECT_EQ(Proxy::ShardOf(segment::PrimaryKeyAt(*pk, r), 2), shard);
      }
      total += m.rows->rows;
    }
  }
  EXPECT_EQ(total, 100u);
  // Both shards got rows (100 keys do not all hash to one shard).
  EXPECT_FALSE(Messages(wal_.get(), c->channels[0].name).empty());
  EXPECT_FALSE(Messages(wal_.get(), c->channels[1].name).empty());
}

TEST_F(ProxyTest, UpsertsDeleteTheirKeysAndDeletesGoPerShard) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4), /*shards=*/2);
  RowsIn rows;
  rows.chunk = RandomRows(*c->schema, 10, 4);
  for (int64_t pk = 10; pk < 14; ++pk) rows.pks.emplace_back(pk);
  ASSERT_TRUE(proxy_.Write(*c, "", rows, /*upsert=*/true).ok());
  std::vector<segment::PrimaryKey> keys = {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{4}, int64_t{5}};
  auto deleted = proxy_.Delete(*c, keys);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->count, 5u);
  size_t upserted_keys = 0;
  size_t deleted_keys = 0;
  for (size_t shard = 0; shard < 2; ++shard) {
    for (const auto& m : Messages(wal_.get(), c->channels[shard].name)) {
      for (const auto& pk : m.deletes) EXPECT_EQ(Proxy::ShardOf(pk, 2), shard);
      if (m.type == segment::WalMessage::Type::kUpsert) {
        EXPECT_EQ(m.deletes.size(), m.rows->rows) << "an upsert deletes exactly the keys it writes";
        upserted_keys += m.deletes.size();
      } else {
        EXPECT_EQ(m.type, segment::WalMessage::Type::kDelete);
        deleted_keys += m.deletes.size();
      }
    }
  }
  EXPECT_EQ(upserted_keys, 4u);
  EXPECT_EQ(deleted_keys, 5u);
}

TEST_F(ProxyTest, AnUnknownPartitionIsRefusedAndNothingIsWritten) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  RowsIn rows;
  rows.chunk = RandomRows(*c->schema, 0, 3);
  for (int64_t pk = 0; pk < 3; ++pk) rows.pks.emplace_back(pk);
  auto written = proxy_.Write(*c, "nope", rows, false);
  EXPECT_EQ(written.status().detail(), ErrorDetail::kPartitionNotFound);
  EXPECT_TRUE(Messages(wal_.get(), c->channels[0].name).empty());
}

TEST_F(ProxyTest, LoadingWithoutAVectorIndexIsRefused) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  Status loaded = proxy_.LoadPartitions(c, {c->partitions[0].id});
  EXPECT_EQ(loaded.detail(), ErrorDetail::kIndexNotFound);
  EXPECT_NE(loaded.message().find("there is no vector index on field: [v]"), std::string::npos) << loaded.ToString();
}

TEST_F(ProxyTest, OutputFields) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  auto all = proxy_.ResolveOutputFields(*c->schema, {"*"}, /*include_pk=*/true);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->field_ids.size(), 3u);
  auto one = proxy_.ResolveOutputFields(*c->schema, {"n"}, /*include_pk=*/true);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->field_ids.size(), 2u);  // n and the primary key
  auto unknown = proxy_.ResolveOutputFields(*c->schema, {"nope"}, true);
  EXPECT_EQ(unknown.status().detail(), ErrorDetail::kFieldNotFound);
}

// A querynode whose LoadCollection waits until the test opens the gate; it records what it
// serves.
class GatedQueryNode final : public cluster::QueryNodeClient {
 public:
  std::promise<void> entered;  // a LoadCollection is waiting at the gate
  std::promise<void> gate;
  std::set<int64_t> Loaded() {
    std::lock_guard<std::mutex> lock(mu_);
    return loaded_;
  }

  Status LoadCollection(const cluster::CollectionPtr& c, const cluster::ReplicaShare&) override {
    entered.set_value();
    gate.get_future().wait();
    std::lock_guard<std::mutex> lock(mu_);
    loaded_.insert(c->id);
    return Status::OK();
  }
  Status ReleaseCollection(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    loaded_.erase(id);
    return Status::OK();
  }
  Result<int64_t> LoadingProgress(int64_t, int64_t) override { return 100; }
  Status LoadError(int64_t) override { return Status::OK(); }
  Status WaitConsumed(const std::map<std::string, storage::Lsn>&, std::chrono::milliseconds) override {
    return Status::OK();
  }
  Result<cluster::SearchResult> Search(const cluster::SearchRequest&) override { return Status::Internal("unused"); }
  Result<cluster::QueryResult> Query(const cluster::QueryRequest&) override { return Status::Internal("unused"); }

 private:
  std::mutex mu_;
  std::set<int64_t> loaded_;
};

TEST_F(ProxyTest, ADropRacingALoadLeavesTheQueryNodeServingNothing) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  auto indexed = std::make_shared<cluster::CollectionInfo>(*c);
  cluster::IndexInfo index;
  index.id = 1;
  index.name = "v";
  index.field_id = c->schema->FindField("v")->id;
  index.field_name = "v";
  indexed->indexes.push_back(index);
  coord_.Put(indexed);
  GatedQueryNode querynode;
  Proxy proxy(&coord_, nullptr, &querynode, wal_.get(), &metrics_, {});
  std::future<Status> loaded = std::async(std::launch::async, [&] { return proxy.LoadCollection("default", "c"); });
  querynode.entered.get_future().wait();  // the load set the load state and is loading the querynode
  std::future<Status> dropped = std::async(std::launch::async, [&] { return proxy.DropCollection("default", "c"); });
  // The drop waits for the load (without the collection's load lock it would finish here, and
  // the load would then leave the querynode serving a dropped collection).
  dropped.wait_for(std::chrono::milliseconds(200));
  querynode.gate.set_value();
  EXPECT_TRUE(loaded.get().ok());
  EXPECT_TRUE(dropped.get().ok());
  EXPECT_TRUE(querynode.Loaded().empty());
  EXPECT_EQ(coord_.DescribeCollection("default", "c").status().detail(), ErrorDetail::kCollectionNotFound);
  // A load after the drop finds the collection gone and loads nothing.
  EXPECT_EQ(proxy.LoadCollection("default", "c").detail(), ErrorDetail::kCollectionNotFound);
}

// A querynode that has consumed everything; it keeps the positions the last read waited for.
class ConsumedQueryNode final : public cluster::QueryNodeClient {
 public:
  std::map<std::string, storage::Lsn> waited;

  Status LoadCollection(const cluster::CollectionPtr&, const cluster::ReplicaShare&) override { return Status::OK(); }
  Status ReleaseCollection(int64_t) override { return Status::OK(); }
  Result<int64_t> LoadingProgress(int64_t, int64_t) override { return 100; }
  Status LoadError(int64_t) override { return Status::OK(); }
  Status WaitConsumed(const std::map<std::string, storage::Lsn>& positions, std::chrono::milliseconds) override {
    waited = positions;
    return Status::OK();
  }
  Result<cluster::SearchResult> Search(const cluster::SearchRequest&) override { return Status::Internal("unused"); }
  Result<cluster::QueryResult> Query(const cluster::QueryRequest&) override { return Status::Internal("unused"); }
};

// Each level waits for the WAL position it promises: Strong for every acknowledged write, Bounded
// for what this proxy wrote or saw within the graceful time (the WAL asked only when that is older),
// Session for what this proxy wrote or saw, Eventually for nothing.
TEST(ProxyConsistencyTest, EachLevelWaitsForTheWritesItPromises) {
  FakeCoord coord;
  std::unique_ptr<storage::Wal> wal = storage::NewMemoryWal();
  MetricsRegistry metrics;
  ConsumedQueryNode querynode;
  ProxyOptions patient;
  patient.graceful_time = std::chrono::hours(1);
  Proxy proxy(&coord, nullptr, &querynode, wal.get(), &metrics, patient);
  ProxyOptions strict;
  strict.graceful_time = std::chrono::milliseconds(0);
  Proxy other(&coord, nullptr, &querynode, wal.get(), &metrics, strict);
  auto c = coord.AddCollection(wal.get(), "c", VectorSchema(4));
  const std::string channel = c->channels[0].name;
  constexpr storage::Lsn kNotWaited = ~0ull;
  auto waited = [&](Proxy& p, int32_t level) -> storage::Lsn {
    ReadWait wait;
    wait.consistency_level = level;
    cluster::ReadAfter after;
    querynode.waited.clear();
    auto ts = p.ReadTimestamp(*c, wait, &after);
    EXPECT_TRUE(ts.ok()) << ts.status().ToString();
    EXPECT_EQ(after.positions, querynode.waited);
    return querynode.waited.count(channel) ? querynode.waited.at(channel) : kNotWaited;
  };

  RowsIn rows;
  rows.chunk = RandomRows(*c->schema, 0, 3);
  for (int64_t pk = 0; pk < 3; ++pk) rows.pks.emplace_back(pk);
  ASSERT_TRUE(proxy.Write(*c, "", rows, /*upsert=*/false).ok());
  auto own = wal->LastLsn(channel);
  ASSERT_TRUE(own.ok());
  // A write through another proxy, straight to the WAL.
  auto foreign = wal->Append(channel, {"another proxy's write"});
  ASSERT_TRUE(foreign.ok());
  ASSERT_GT(*foreign, *own);

  EXPECT_EQ(waited(proxy, 1), *own);      // Session: its own write
  EXPECT_EQ(waited(proxy, 2), *own);      // Bounded: its own write is fresh enough, the WAL is not asked
  EXPECT_EQ(waited(proxy, 0), *foreign);  // Strong: everything acknowledged
  EXPECT_EQ(waited(proxy, 2), *foreign);  // Bounded: what Strong saw is fresh too
  EXPECT_EQ(waited(proxy, 3), kNotWaited);  // Eventually: waits for nothing
  ReadWait eventually;
  eventually.consistency_level = 3;
  cluster::ReadAfter after;
  EXPECT_EQ(*proxy.ReadTimestamp(*c, eventually, &after), kMaxTimestamp);

  // With no graceful time, a Bounded read asks the WAL every time, as Strong does.
  EXPECT_EQ(waited(other, 1), 0u);  // Session: this proxy wrote nothing and saw nothing yet
  EXPECT_EQ(waited(other, 2), *foreign);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto later = wal->Append(channel, {"a later write"});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(waited(other, 2), *later);
  EXPECT_EQ(waited(other, 1), *later);  // Session: what it saw
  EXPECT_EQ(waited(proxy, 2), *foreign);  // the patient proxy has not seen the later write
}

}  // namespace
}  // namespace quiver::proxy
