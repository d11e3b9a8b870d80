#include "storage/wal/jetstream_wal.h"

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "common/testing_dir.h"
#include "common/testing_process.h"

// The Wal contract (wal_test.cc runs it on FileWal and MemoryWal) on real NATS servers started by
// scripts/nats-test.sh on free ports: one server for the contract, a three-node JetStream cluster
// for a stream leader killed under appends.

namespace quiver::storage {
namespace {

using namespace std::chrono_literals;
using quiver::testing::FreePort;

std::string Script() { return std::string(QUIVER_SOURCE_DIR) + "/scripts/nats-test.sh"; }

std::string Payload(int writer, int i, size_t size = 64) {
  std::string out = "w" + std::to_string(writer) + "-" + std::to_string(i) + "-";
  while (out.size() < size) out.push_back(static_cast<char>('a' + (i + out.size()) % 26));
  return out;
}

class JetStreamWalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new quiver::testing::TempDir();
    port_ = FreePort();
    auto pids = quiver::testing::RunStartScript(Script() + " start " + dir_->Sub("nats") + " " + std::to_string(port_) +
                                                " " + std::to_string(FreePort()) + " " + std::to_string(getpid()));
    ASSERT_EQ(pids.size(), 1u) << "cannot start nats-server with scripts/nats-test.sh (scripts/install-deps.sh installs it)";
    pid_ = pids[0];
  }
  static void TearDownTestSuite() {
    quiver::testing::StopProcess(pid_);
    delete dir_;
  }
  // Each test under its own stream prefix: the server is shared by the suite.
  std::unique_ptr<Wal> Open(const std::string& prefix_suffix = "", JetStreamWalOptions options = {}) {
    options.servers = {"127.0.0.1:" + std::to_string(port_)};
    options.stream_prefix = Prefix() + prefix_suffix;
    auto wal = OpenJetStreamWal(options);
    EXPECT_TRUE(wal.ok()) << wal.status().ToString();
    return wal.ok() ? std::move(wal).value() : nullptr;
  }
  static std::string Prefix() {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string out = "t";
    for (char c : name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '-');
    return out;
  }
  static inline quiver::testing::TempDir* dir_ = nullptr;
  static inline int port_ = 0;
  static inline pid_t pid_ = 0;
};

TEST_F(JetStreamWalTest, AppendAssignsLsnsAndReadsBack) {
  auto wal = Open();
  ASSERT_NE(wal, nullptr);
  ASSERT_TRUE(wal->CreateChannel("c1").ok());
  ASSERT_TRUE(wal->CreateChannel("c1").ok()) << "idempotent";
  EXPECT_EQ(*wal->LastLsn("c1"), 0u);
  EXPECT_EQ(*wal->FirstLsn("c1"), 1u);
  EXPECT_EQ(*wal->Append("c1", {"a", "b"}), 1u);
  EXPECT_EQ(*wal->Append("c1", {"c"}), 3u);
  EXPECT_EQ(*wal->LastLsn("c1"), 3u);
  auto records = wal->Read("c1", 2, 10, 1 << 20);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].lsn, 2u);
  EXPECT_EQ((*records)[0].payload, "b");
  EXPECT_EQ((*records)[1].lsn, 3u);
  EXPECT_EQ((*records)[1].payload, "c");
  // The reader continues where the caller stopped; nothing new yet.
  auto more = wal->Read("c1", 4, 10, 1 << 20);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
  ASSERT_TRUE(wal->Append("c1", {"d"}).ok());
  more = wal->Read("c1", 4, 10, 1 << 20);
  ASSERT_TRUE(more.ok());
  ASSERT_EQ(more->size(), 1u);
  EXPECT_EQ((*more)[0].payload, "d");
  // Reading again from an earlier point opens another reader.
  auto again = wal->Read("c1", 1, 2, 1 << 20);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].payload, "a");

  EXPECT_TRUE(wal->Append("missing", {"x"}).status().IsNotFound());
  EXPECT_TRUE(wal->LastLsn("missing").status().IsNotFound());
  EXPECT_TRUE(wal->Read("missing", 1, 10, 1 << 20).status().IsNotFound());
  EXPECT_TRUE(wal->CreateChannel("bad/name").IsInvalidArgument());
  EXPECT_TRUE(wal->Append("c1", {}).status().IsInvalidArgument());
}

TEST_F(JetStreamWalTest, ChannelsAreListedDroppedAndKeptApartByPrefix) {
  auto wal = Open();
  auto other = Open("-other");
  ASSERT_NE(wal, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(wal->CreateChannel("quiver-dml_1_0v0").ok());
  ASSERT_TRUE(wal->CreateChannel("with.dots").ok());
  ASSERT_TRUE(other->CreateChannel("theirs").ok());
  ASSERT_TRUE(other->Append("theirs", {"their record"}).ok());
  EXPECT_EQ(*wal->ListChannels(), (std::vector<std::string>{"quiver-dml_1_0v0", "with.dots"}));
  EXPECT_EQ(*other->ListChannels(), (std::vector<std::string>{"theirs"}));
  ASSERT_TRUE(wal->Append("with.dots", {"x"}).ok());
  EXPECT_EQ(*wal->LastLsn("with.dots"), 1u);
  EXPECT_TRUE(other->LastLsn("with.dots").status().IsNotFound());
  ASSERT_TRUE(wal->DropChannel("with.dots").ok());
  ASSERT_TRUE(wal->DropChannel("with.dots").ok()) << "dropping a missing channel is OK";
  EXPECT_EQ(*wal->ListChannels(), (std::vector<std::string>{"quiver-dml_1_0v0"}));
  EXPECT_TRUE(wal->Append("with.dots", {"x"}).status().IsNotFound());
  EXPECT_GT(other->TotalBytes(), 0u);
}

TEST_F(JetStreamWalTest, ReopenedWalContinuesNumbering) {
  {
    auto wal = Open();
    ASSERT_TRUE(wal->CreateChannel("c1").ok());
    for (int i = 1; i <= 20; ++i) ASSERT_EQ(*wal->Append("c1", {Payload(0, i)}), static_cast<Lsn>(i));
  }
  auto wal = Open();
  EXPECT_EQ(*wal->ListChannels(), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(*wal->LastLsn("c1"), 20u);
  EXPECT_EQ(*wal->Append("c1", {Payload(0, 21)}), 21u);
  auto records = wal->Read("c1", 1, 100, 64 << 20);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 21u);
  for (int i = 0; i < 21; ++i) EXPECT_EQ((*records)[i].payload, Payload(0, i + 1));
}

// Writers in two processes' worth of clients (two WAL instances) and several threads each: every
// record stored once, Lsns distinct and increasing in each writer's order.
TEST_F(JetStreamWalTest, ConcurrentWritersFromTwoInstances) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a->CreateChannel("c").ok());
  constexpr int kThreads = 4, kEach = 40;
  std::vector<std::vector<Lsn>> lsns(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Wal* wal = t % 2 == 0 ? a.get() : b.get();
      for (int i = 0; i < kEach; ++i) {
        auto lsn = wal->Append("c", {Payload(t, i)});
        ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
        lsns[t].push_back(*lsn);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<Lsn> all;
  for (const auto& mine : lsns) {
    for (size_t i = 1; i < mine.size(); ++i) EXPECT_LT(mine[i - 1], mine[i]);
    all.insert(mine.begin(), mine.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  std::map<std::string, int> seen;
  for (Lsn from = 1;;) {
    auto records = b->Read("c", from, 50, 1 << 20);
    ASSERT_TRUE(records.ok());
    if (records->empty()) break;
    for (const auto& record : *records) {
      ++seen[record.payload];
      EXPECT_TRUE(all.count(record.lsn)) << record.lsn;
    }
    from = records->back().lsn + 1;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kEach));
  for (const auto& [payload, count] : seen) EXPECT_EQ(count, 1) << payload;
}

// Records above the chunk size travel as several messages and come back whole; a reader started
// inside a chunked record backs up to its first chunk.
TEST_F(JetStreamWalTest, LargeRecordsAreChunkedAndReassembled) {
  JetStreamWalOptions options;
  options.max_chunk_bytes = 1000;
  auto wal = Open("", options);
  ASSERT_TRUE(wal->CreateChannel("big").ok());
  std::string large = Payload(1, 1, 10'500);  // 11 chunks
  Lsn small1 = *wal->Append("big", {"small-1"});
  Lsn big = *wal->Append("big", {large});
  Lsn small2 = *wal->Append("big", {"small-2"});
  EXPECT_EQ(small1, 1u);
  EXPECT_EQ(big, 12u) << "a chunked record takes the Lsn of its last chunk";
  EXPECT_EQ(small2, 13u);
  EXPECT_EQ(*wal->LastLsn("big"), 13u);
  auto all = wal->Read("big", 1, 10, 64 << 20);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].lsn, big);
  EXPECT_EQ((*all)[1].payload, large);
  for (Lsn from : {Lsn{2}, Lsn{7}, Lsn{12}}) {
    auto records = wal->Read("big", from, 10, 64 << 20);
    ASSERT_TRUE(records.ok());
    ASSERT_EQ(records->size(), 2u) << "from " << from;
    EXPECT_EQ((*records)[0].payload, large) << "from " << from;
    EXPECT_EQ((*records)[1].payload, "small-2");
  }
  auto last = wal->Read("big", 13, 10, 64 << 20);
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].payload, "small-2");
}

// Two writers append chunked records at once: their chunks interleave in the stream and still
// come back as whole records, each once.
TEST_F(JetStreamWalTest, InterleavedChunkedRecords) {
  JetStreamWalOptions options;
  options.max_chunk_bytes = 500;
  auto a = Open("", options);
  auto b = Open("", options);
  ASSERT_TRUE(a->CreateChannel("mix").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) ASSERT_TRUE((t == 0 ? a : b)->Append("mix", {Payload(t, i, 2'600)}).ok());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> seen;
  size_t records_read = 0;
  for (Lsn from = 1;;) {
    auto records = a->Read("mix", from, 3, 1 << 20);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    if (records->empty()) break;
    for (const auto& record : *records) seen.insert(record.payload);
    records_read += records->size();
    from = records->back().lsn + 1;
  }
  EXPECT_EQ(records_read, 20u);
  EXPECT_EQ(seen.size(), 20u);
  for (int t = 0; t < 2; ++t) {
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(seen.count(Payload(t, i, 2'600))) << t << "/" << i;
  }
}

// With the server's own max_payload (8 MiB in nats-test.sh) a 9 MiB record is chunked too.
TEST_F(JetStreamWalTest, RecordAboveServerMaxPayload) {
  auto wal = Open();
  ASSERT_TRUE(wal->CreateChannel("huge").ok());
  std::string huge = Payload(2, 2, 9 << 20);
  auto lsn = wal->Append("huge", {huge});
  ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
  EXPECT_EQ(*lsn, 2u);
  auto records = wal->Read("huge", 1, 10, 1);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u) << "at least one record even above max_bytes";
  EXPECT_EQ((*records)[0].payload, huge);
}

TEST_F(JetStreamWalTest, MaxBytesLimitsButReturnsAtLeastOne) {
  auto wal = Open();
  ASSERT_TRUE(wal->CreateChannel("c").ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(wal->Append("c", {Payload(0, i, 1000)}).ok());
  auto records = wal->Read("c", 1, 100, 2500);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), 3u);
  auto one = wal->Read("c", 4, 100, 1);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].lsn, 4u);
}

TEST_F(JetStreamWalTest, TruncateDropsTheHeadOnly) {
  auto wal = Open();
  ASSERT_TRUE(wal->CreateChannel("c").ok());
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(wal->Append("c", {Payload(0, i)}).ok());
  ASSERT_TRUE(wal->Truncate("c", 6).ok());
  EXPECT_EQ(*wal->FirstLsn("c"), 6u);
  EXPECT_EQ(*wal->LastLsn("c"), 10u);
  auto records = wal->Read("c", 1, 100, 1 << 20);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ((*records)[0].lsn, 6u);
  // Past the end: everything goes, but numbering continues where it was.
  ASSERT_TRUE(wal->Truncate("c", 1000).ok());
  EXPECT_EQ(*wal->FirstLsn("c"), 11u);
  EXPECT_EQ(*wal->LastLsn("c"), 10u);
  EXPECT_EQ(*wal->Append("c", {"next"}), 11u);
}

// Appends through one instance wake WaitFor and the append listeners of another (another process
// in a cluster), through the announcements on <prefix>.walnote.*.
TEST_F(JetStreamWalTest, OtherInstancesSeeAppends) {
  auto writer = Open();
  auto reader = Open();
  ASSERT_TRUE(writer->CreateChannel("c").ok());
  std::atomic<int> heard{0};
  uint64_t id = reader->AddAppendListener([&](const std::string& channel) {
    if (channel == "c") heard.fetch_add(1);
  });
  std::thread append([&] {
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(writer->Append("c", {"x"}).ok());
  });
  auto last = reader->WaitFor("c", 1, 10s);
  append.join();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 1u);
  for (int i = 0; i < 100 && heard.load() == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_GE(heard.load(), 1);
  reader->RemoveAppendListener(id);
  // A wait that nothing satisfies returns the last Lsn at its timeout.
  EXPECT_EQ(*reader->WaitFor("c", 5, 300ms), 1u);
}

TEST(JetStreamWalOpenTest, RefusesBadOptionsAndUnreachableServers) {
  JetStreamWalOptions options;
  EXPECT_TRUE(OpenJetStreamWal(options).status().IsInvalidArgument()) << "no servers";
  options.servers = {"127.0.0.1:" + std::to_string(FreePort())};
  options.stream_prefix = "bad.prefix";
  EXPECT_TRUE(OpenJetStreamWal(options).status().IsInvalidArgument());
  options.stream_prefix = "ok";
  options.replicas = 7;
  EXPECT_TRUE(OpenJetStreamWal(options).status().IsInvalidArgument());
  options.replicas = 1;
  auto wal = OpenJetStreamWal(options);
  EXPECT_TRUE(wal.status().IsUnavailable()) << wal.status().ToString();
  EXPECT_NE(wal.status().ToString().find("cannot connect to NATS"), std::string::npos) << wal.status().ToString();
}

// ---------------------------------------------------------------------------------------------
// A three-node cluster: the stream leader SIGKILLed while appends run.

class NatsCluster {
 public:
  bool Start(const std::string& dir) {
    dir_ = dir;
    std::string cmd = Script() + " cluster " + dir;
    for (int n = 0; n < 3; ++n) {
      clients_[n] = FreePort();
      cmd += " " + std::to_string(clients_[n]) + " " + std::to_string(FreePort()) + " " + std::to_string(FreePort());
    }
    cmd += " " + std::to_string(getpid());
    auto pids = quiver::testing::RunStartScript(cmd);
    if (pids.size() != 3) return false;
    for (int n = 0; n < 3; ++n) pids_[n] = pids[n];
    return true;
  }
  ~NatsCluster() {
    for (pid_t pid : pids_) quiver::testing::StopProcess(pid);
  }
  std::vector<std::string> servers() const {
    std::vector<std::string> out;
    for (int port : clients_) out.push_back("nats://127.0.0.1:" + std::to_string(port));
    return out;
  }
  // The node leading `stream` (from its stream info), or -1.
  int Leader(const std::string& stream) const {
    int leader = -1;
    for (int n = 0; n < 3 && leader < 0; ++n) {
      if (pids_[n] == 0) continue;
      natsConnection* nc = nullptr;
      if (natsConnection_ConnectTo(&nc, servers()[n].c_str()) != NATS_OK) continue;
      jsCtx* js = nullptr;
      jsStreamInfo* info = nullptr;
      if (natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
          js_GetStreamInfo(&info, js, stream.c_str(), nullptr, nullptr) == NATS_OK) {
        if (info->Cluster != nullptr && info->Cluster->Leader != nullptr) {
          std::string name = info->Cluster->Leader;  // n0..n2
          if (name.size() == 2 && name[0] == 'n') leader = name[1] - '0';
        }
        jsStreamInfo_Destroy(info);
      }
      if (js != nullptr) jsCtx_Destroy(js);
      natsConnection_Destroy(nc);
    }
    return leader;
  }
  void Kill(int n) {
    kill(pids_[n], SIGKILL);
    pids_[n] = 0;
  }
  bool Restart(int n) {
    auto pids = quiver::testing::RunStartScript(Script() + " restart " + dir_ + " " + std::to_string(n) + " " +
                                                std::to_string(getpid()));
    if (pids.size() != 1) return false;
    pids_[n] = pids[0];
    return true;
  }

 private:
  std::string dir_;
  int clients_[3] = {0, 0, 0};
  pid_t pids_[3] = {0, 0, 0};
};

TEST(JetStreamClusterTest, AppendsSurviveTheLossOfTheStreamLeader) {
  quiver::testing::TempDir dir;
  NatsCluster cluster;
  ASSERT_TRUE(cluster.Start(dir.Sub("nats"))) << "cannot start a NATS cluster with scripts/nats-test.sh";
  JetStreamWalOptions options;
  options.servers = cluster.servers();
  options.stream_prefix = "drill";
  options.replicas = 3;
  auto opened = OpenJetStreamWal(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto wal = std::move(opened).value();
  ASSERT_TRUE(wal->CreateChannel("c").ok());
  ASSERT_TRUE(wal->Append("c", {"before"}).ok());
  int leader = cluster.Leader(JetStreamStreamName("drill", "c"));
  ASSERT_GE(leader, 0);

  constexpr int kAppends = 60;
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  std::chrono::steady_clock::duration longest{};
  std::thread writer([&] {
    for (int i = 0; i < kAppends; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto lsn = wal->Append("c", {Payload(0, i)});
      longest = std::max(longest, std::chrono::steady_clock::now() - start);
      if (!lsn.ok()) {
        failed.fetch_add(1);
        ADD_FAILURE() << lsn.status().ToString();
      }
      done.fetch_add(1);
      std::this_thread::sleep_for(20ms);
    }
  });
  while (done.load() < 10) std::this_thread::sleep_for(5ms);
  cluster.Kill(leader);
  writer.join();
  EXPECT_EQ(failed.load(), 0);
  std::printf("stream leader n%d killed: %d appends, %d failed, longest %lld ms\n", leader, kAppends, failed.load(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(longest).count()));
  // Every acknowledged record once, in order.
  std::vector<std::string> payloads;
  for (Lsn from = 1;;) {
    auto records = wal->Read("c", from, 100, 1 << 20);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    if (records->empty()) break;
    for (const auto& record : *records) payloads.push_back(record.payload);
    from = records->back().lsn + 1;
  }
  ASSERT_EQ(payloads.size(), static_cast<size_t>(kAppends + 1));
  EXPECT_EQ(payloads[0], "before");
  for (int i = 0; i < kAppends; ++i) EXPECT_EQ(payloads[i + 1], Payload(0, i));
  // The killed node comes back and catches up; the stream keeps taking appends.
  ASSERT_TRUE(cluster.Restart(leader));
  EXPECT_TRUE(wal->Append("c", {"after"}).ok());
  EXPECT_EQ(*wal->LastLsn("c"), static_cast<Lsn>(kAppends + 2));
}

}  // namespace
}  // namespace quiver::storage
