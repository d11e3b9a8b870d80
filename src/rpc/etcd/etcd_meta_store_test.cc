#include "rpc/etcd/etcd_meta_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "cluster/testing/session_contract.h"
#include "common/testing_dir.h"
#include "common/testing_process.h"
#include "storage/meta/prefixed_meta_store.h"

// The MetaStore contract (storage/meta/meta_store_test.cc runs it on LocalMetaStore) against a
// real etcd started by scripts/etcd-test.sh on free ports. etcd revisions start at 1 and a shared
// cluster moves on, so revisions are checked relative to the one read first.

namespace quiver::rpc::etcd {
namespace {

using namespace std::chrono_literals;
using storage::Compare;
using storage::TxnOp;
using storage::TxnRequest;

using quiver::testing::FreePort;

class EtcdServer {
 public:
  // `tls`: TLS on the client port, with a self-signed certificate in `dir`/tls/cert.pem.
  bool Start(const std::string& dir, bool tls = false) {
    port_ = FreePort();
    std::string cmd = std::string(QUIVER_SOURCE_DIR) + "/scripts/etcd-test.sh " + (tls ? "start-tls " : "start ") + dir +
                      " " + std::to_string(port_) +
                      " " + std::to_string(FreePort()) + " " + std::to_string(getpid());
    auto pids = quiver::testing::RunStartScript(cmd);
    pid_ = pids.size() == 1 ? pids[0] : 0;
    return pid_ > 0;
  }
  // A new single-member etcd from a snapshot file (etcdctl snapshot restore checks its hash).
  bool Restore(const std::string& snapshot, const std::string& dir) {
    port_ = FreePort();
    std::string cmd = std::string(QUIVER_SOURCE_DIR) + "/scripts/etcd-test.sh restore " + snapshot + " " + dir + " " +
                      std::to_string(port_) + " " + std::to_string(FreePort()) + " " + std::to_string(getpid());
    auto pids = quiver::testing::RunStartScript(cmd);
    pid_ = pids.size() == 1 ? pids[0] : 0;
    return pid_ > 0;
  }
  void Stop() {
    quiver::testing::StopProcess(pid_);
    pid_ = 0;
  }
  ~EtcdServer() { Stop(); }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_ = 0;
  pid_t pid_ = 0;
};

class EtcdMetaStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new quiver::testing::TempDir();
    server_ = new EtcdServer();
    ASSERT_TRUE(server_->Start(dir_->Sub("etcd")))
        << "cannot start etcd with scripts/etcd-test.sh (scripts/install-deps.sh installs etcd-server)";
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  void SetUp() override {
    EtcdOptions options;
    options.endpoints = {server_->endpoint()};
    auto store = OpenEtcdMetaStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    // Each test under its own prefix: the cluster is shared by the suite.
    prefix_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/";
  }
  std::string K(const std::string& key) const { return prefix_ + key; }

  static quiver::testing::TempDir* dir_;
  static EtcdServer* server_;
  std::unique_ptr<EtcdMetaStore> store_;
  std::string prefix_;
};

quiver::testing::TempDir* EtcdMetaStoreTest::dir_ = nullptr;
EtcdServer* EtcdMetaStoreTest::server_ = nullptr;

TEST(PrefixRangeEndTest, IncrementsTheLastByteBelow0xff) {
  EXPECT_EQ(PrefixRangeEnd("a/"), "a0");
  EXPECT_EQ(PrefixRangeEnd("ab"), "ac");
  EXPECT_EQ(PrefixRangeEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixRangeEnd(""), std::string(1, '\0'));
  EXPECT_EQ(PrefixRangeEnd(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

TEST_F(EtcdMetaStoreTest, PutGetDeleteRangeWithRevisions) {
  storage::Revision base = store_->CurrentRevision();
  ASSERT_GT(base, 0);
  EXPECT_EQ(*store_->Put(K("a/1"), "x"), base + 1);
  EXPECT_EQ(*store_->Put(K("a/2"), "y"), base + 2);
  EXPECT_EQ(*store_->Put(K("b/1"), "z"), base + 3);
  EXPECT_EQ(*store_->Put(K("a/1"), "x2"), base + 4);
  auto kv = store_->Get(K("a/1"));
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->value, "x2");
  EXPECT_EQ((*kv)->create_revision, base + 1);
  EXPECT_EQ((*kv)->mod_revision, base + 4);
  EXPECT_EQ((*kv)->version, 2);
  auto range = store_->Range(K("a/"));
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->kvs.size(), 2u);
  EXPECT_EQ(range->kvs[0].key, K("a/1"));
  EXPECT_EQ(range->kvs[1].key, K("a/2"));
  EXPECT_EQ(range->revision, base + 4);
  EXPECT_EQ(store_->Range(K("a/"), 1)->kvs.size(), 1u);
  EXPECT_EQ(*store_->Delete(K("a/2")), base + 5);
  EXPECT_EQ(*store_->Delete(K("a/2")), base + 5);  // absent: no new revision
  EXPECT_FALSE(store_->Get(K("a/2"))->has_value());
  EXPECT_EQ(*store_->DeletePrefix(K("a/")), base + 6);
  EXPECT_TRUE(store_->Range(K("a/"))->kvs.empty());
  EXPECT_EQ(store_->Range(prefix_)->kvs.size(), 1u);
  // Binary keys and values pass through unchanged.
  std::string binary("k\0\xff", 3);
  ASSERT_TRUE(store_->Put(K(binary), std::string("\0v\xfe", 3)).ok());
  EXPECT_EQ((*store_->Get(K(binary)))->value, std::string("\0v\xfe", 3));
}

TEST_F(EtcdMetaStoreTest, TransactionsCompareAndSwap) {
  TxnRequest create;
  create.compares.push_back(Compare::Absent(K("lock")));
  create.success.push_back(TxnOp::Put(K("lock"), "owner-1"));
  create.failure.push_back(TxnOp::Put(K("lost"), "1"));
  auto first = store_->Txn(create);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->succeeded);
  auto second = store_->Txn(create);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->succeeded);
  EXPECT_EQ((*store_->Get(K("lost")))->value, "1");  // the failure branch ran
  // Compare by value and by mod revision; delete a prefix in the same transaction.
  ASSERT_TRUE(store_->Put(K("p/1"), "a").ok());
  ASSERT_TRUE(store_->Put(K("p/2"), "b").ok());
  auto lock = *store_->Get(K("lock"));
  TxnRequest swap;
  swap.compares.push_back(Compare::Value(K("lock"), Compare::Op::kEqual, "owner-1"));
  swap.compares.push_back(Compare::ModRevision(K("lock"), Compare::Op::kEqual, lock->mod_revision));
  swap.success.push_back(TxnOp::Put(K("lock"), "owner-2"));
  swap.success.push_back(TxnOp::DeletePrefix(K("p/")));
  auto swapped = store_->Txn(swap);
  ASSERT_TRUE(swapped.ok());
  EXPECT_TRUE(swapped->succeeded);
  EXPECT_EQ((*store_->Get(K("lock")))->value, "owner-2");
  EXPECT_TRUE(store_->Range(K("p/"))->kvs.empty());
  auto stale = store_->Txn(swap);  // the value and revision moved on
  EXPECT_FALSE(stale->succeeded);
  TxnRequest newer;
  newer.compares.push_back(Compare::ModRevision(K("lock"), Compare::Op::kGreater, lock->mod_revision));
  newer.success.push_back(TxnOp::Delete(K("lock")));
  EXPECT_TRUE(store_->Txn(newer)->succeeded);
  EXPECT_FALSE(store_->Get(K("lock"))->has_value());
}

TEST_F(EtcdMetaStoreTest, ConcurrentCasIncrementsAreNotLost) {
  ASSERT_TRUE(store_->Put(K("n"), "0").ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        for (int attempt = 0; attempt < 1000; ++attempt) {  // bounded retries
          auto kv = *store_->Get(K("n"));
          TxnRequest inc;
          inc.compares.push_back(Compare::ModRevision(K("n"), Compare::Op::kEqual, kv->mod_revision));
          inc.success.push_back(TxnOp::Put(K("n"), std::to_string(std::stoi(kv->value) + 1)));
          auto r = store_->Txn(inc);
          if (r.ok() && r->succeeded) break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*store_->Get(K("n")))->value, std::to_string(kThreads * kEach));
}

TEST_F(EtcdMetaStoreTest, WatchFromRevisionSeesOrderedChanges) {
  storage::Revision start = *store_->Put(K("w/0"), "before");
  ASSERT_TRUE(store_->Put(K("w/1"), "a").ok());
  ASSERT_TRUE(store_->Put(K("other"), "ignored").ok());
  auto watcher = store_->Watch(K("w/"), start + 1);
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
  ASSERT_TRUE(store_->Delete(K("w/1")).ok());
  ASSERT_TRUE(store_->Put(K("w/2"), "b").ok());
  std::vector<storage::WatchEvent> seen;
  for (int i = 0; i < 50 && seen.size() < 3; ++i) {
    auto events = (*watcher)->Next(200ms);
    ASSERT_TRUE(events.ok()) << events.status().ToString();
    seen.insert(seen.end(), events->begin(), events->end());
  }
  ASSERT_EQ(seen.size(), 3u);  // w/1 put (history), w/1 delete, w/2 put; never "other"
  EXPECT_EQ(seen[0].type, storage::WatchEvent::Type::kPut);
  EXPECT_EQ(seen[0].kv.key, K("w/1"));
  EXPECT_EQ(seen[0].kv.value, "a");
  EXPECT_EQ(seen[1].type, storage::WatchEvent::Type::kDelete);
  EXPECT_EQ(seen[1].kv.key, K("w/1"));
  EXPECT_EQ(seen[2].kv.key, K("w/2"));
  EXPECT_LT(seen[0].kv.mod_revision, seen[1].kv.mod_revision);
  EXPECT_LT(seen[1].kv.mod_revision, seen[2].kv.mod_revision);
  EXPECT_TRUE((*watcher)->Next(50ms)->empty());  // a timeout is an empty batch
  (*watcher)->Cancel();
  EXPECT_EQ((*watcher)->Next(50ms).status().code(), StatusCode::kAborted);
}

TEST_F(EtcdMetaStoreTest, WatchBehindCompactedHistoryFails) {
  storage::Revision old = *store_->Put(K("c/1"), "a");
  storage::Revision now = *store_->Put(K("c/1"), "b");
  ASSERT_TRUE(store_->Compact(now).ok());
  auto watcher = store_->Watch(K("c/"), old);
  ASSERT_FALSE(watcher.ok());
  EXPECT_EQ(watcher.status().code(), StatusCode::kNotFound);
  EXPECT_NE(watcher.status().message().find("compacted"), std::string_view::npos) << watcher.status().ToString();
  // The recovery: re-list, then watch from the listed revision + 1.
  auto listed = store_->Range(K("c/"));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->kvs[0].value, "b");
  auto resumed = store_->Watch(K("c/"), listed->revision + 1);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  ASSERT_TRUE(store_->Put(K("c/1"), "c").ok());
  std::vector<storage::WatchEvent> seen;
  for (int i = 0; i < 50 && seen.empty(); ++i) seen = *(*resumed)->Next(200ms);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kv.value, "c");
}

TEST_F(EtcdMetaStoreTest, LeaseExpiryAndRevocationDeleteAttachedKeys) {
  // etcd raises TTLs below its minimum (about 2 s) to that minimum.
  auto lease = store_->GrantLease(2s);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  ASSERT_TRUE(store_->Put(K("session/a"), "alive", *lease).ok());
  EXPECT_EQ((*store_->Get(K("session/a")))->lease, *lease);
  EXPECT_TRUE(store_->KeepAlive(*lease).ok());
  bool expired = false;
  for (int i = 0; i < 100 && !expired; ++i) {  // at most 10 s
    std::this_thread::sleep_for(100ms);
    expired = !store_->Get(K("session/a"))->has_value();
  }
  EXPECT_TRUE(expired);
  EXPECT_EQ(store_->KeepAlive(*lease).code(), StatusCode::kNotFound);
  // A put with an unknown lease is refused.
  EXPECT_EQ(store_->Put(K("session/b"), "x", *lease).status().code(), StatusCode::kNotFound);
  // Revoking deletes at once.
  auto other = store_->GrantLease(30s);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->Put(K("session/c"), "alive", *other).ok());
  ASSERT_TRUE(store_->RevokeLease(*other).ok());
  EXPECT_FALSE(store_->Get(K("session/c"))->has_value());
}

// Sessions and elections (cluster/session.h) on etcd's leases and watches, under this test's root.
TEST_F(EtcdMetaStoreTest, SessionsAndElections) {
  EtcdOptions options;
  options.endpoints = {server_->endpoint()};
  auto store = storage::NewPrefixedMetaStore(std::move(OpenEtcdMetaStore(options)).value(), K(""));
  // etcd's minimum TTL is about 2 s.
  cluster::testing::SessionsRegisterListWatchAndExpire(store.get(), "", 2s);
  cluster::testing::SessionsNoticeALostLease(store.get(), "", 2s);
  cluster::testing::NodeIdsAreUniqueUnderConcurrency(store.get(), "");
  cluster::testing::ElectionHasOneLeaderAndStandbysTakeOver(store.get(), "", 2s);
}

TEST_F(EtcdMetaStoreTest, FailsOverToTheNextEndpoint) {
  // The first endpoint has nothing listening: calls move on to the live one.
  EtcdOptions options;
  options.endpoints = {"127.0.0.1:" + std::to_string(FreePort()), server_->endpoint()};
  options.request_timeout = 2000ms;
  auto store = OpenEtcdMetaStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put(K("f"), "1").ok());
  EXPECT_EQ((*(*store)->Get(K("f")))->value, "1");
  // With no live endpoint at all, a call fails Unavailable within the failover timeout.
  EtcdOptions dead;
  dead.endpoints = {"127.0.0.1:" + std::to_string(FreePort())};
  dead.failover_timeout = 500ms;
  dead.request_timeout = 300ms;
  auto none = OpenEtcdMetaStore(dead);
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.status().code() == StatusCode::kUnavailable || none.status().code() == StatusCode::kTimeout)
      << none.status().ToString();
}

// A snapshot (Maintenance.Snapshot) restores into a new cluster holding every key, with progress
// reported up to the whole size; a snapshot that cannot be written leaves no file behind.
TEST_F(EtcdMetaStoreTest, SnapshotRestoresIntoANewClusterWithEveryKey) {
  constexpr int kKeys = 300;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(store_->Put(K("key" + std::to_string(i)), std::string(1000, static_cast<char>('a' + i % 26))).ok());
  }
  quiver::testing::TempDir dir;
  std::unique_ptr<FileSystem> fs = NewPosixFileSystem();
  const std::string path = dir.Sub("etcd.snapshot");
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  auto info = store_->Snapshot(fs.get(), path, [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto size = fs->FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(info->bytes, *size);
  EXPECT_GT(*size, static_cast<uint64_t>(kKeys) * 1000);
  EXPECT_EQ(info->endpoint, server_->endpoint());
  EXPECT_FALSE(fs->Exists(path + ".partial"));
  ASSERT_FALSE(progress.empty());
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_GT(progress[i].first, progress[i - 1].first);
  EXPECT_EQ(progress.back().first, *size);
  EXPECT_EQ(progress.back().second, *size);

  EtcdServer restored;
  ASSERT_TRUE(restored.Restore(path, dir.Sub("restored")));
  EtcdOptions options;
  options.endpoints = {restored.endpoint()};
  auto copy = OpenEtcdMetaStore(options);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto range = (*copy)->Range(K("key"));
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  ASSERT_EQ(range->kvs.size(), static_cast<size_t>(kKeys));
  for (const auto& kv : range->kvs) {
    int i = std::stoi(kv.key.substr(K("key").size()));
    EXPECT_EQ(kv.value, std::string(1000, static_cast<char>('a' + i % 26))) << kv.key;
  }

  const std::string unwritable = dir.Sub("missing-dir/etcd.snapshot");
  auto refused = store_->Snapshot(fs.get(), unwritable, nullptr);
  EXPECT_FALSE(refused.ok());
  EXPECT_FALSE(fs->Exists(unwritable + ".partial"));
  EXPECT_FALSE(fs->Exists(unwritable));
}

TEST_F(EtcdMetaStoreTest, RootsKeepDeploymentsApart) {
  auto open = [&](const std::string& root) {
    EtcdOptions options;
    options.endpoints = {server_->endpoint()};
    auto store = OpenEtcdMetaStore(options);
    EXPECT_TRUE(store.ok());
    return storage::NewPrefixedMetaStore(std::move(store).value(), K(root));
  };
  auto a = open("a/");
  auto b = open("b/");
  ASSERT_TRUE(a->Put("collections/1", "x").ok());
  ASSERT_TRUE(b->Put("collections/1", "y").ok());
  auto watcher = a->Watch("collections/", a->CurrentRevision() + 1);
  ASSERT_TRUE(watcher.ok());
  EXPECT_EQ((*a->Get("collections/1"))->value, "x");
  EXPECT_EQ((*b->Get("collections/1"))->value, "y");
  auto listed = a->Range("");
  ASSERT_EQ(listed->kvs.size(), 1u);
  EXPECT_EQ(listed->kvs[0].key, "collections/1");  // without the root
  TxnRequest txn;
  txn.compares.push_back(Compare::Value("collections/1", Compare::Op::kEqual, "x"));
  txn.success.push_back(TxnOp::DeletePrefix("collections/"));
  EXPECT_TRUE(a->Txn(txn)->succeeded);
  EXPECT_FALSE(a->Get("collections/1")->has_value());
  EXPECT_EQ((*b->Get("collections/1"))->value, "y");  // the other root is untouched
  std::vector<storage::WatchEvent> seen;
  for (int i = 0; i < 50 && seen.empty(); ++i) seen = *(*watcher)->Next(200ms);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].type, storage::WatchEvent::Type::kDelete);
  EXPECT_EQ(seen[0].kv.key, "collections/1");
}

// etcdctl against `endpoint` (as `user` when given); true on success.
bool Etcdctl(const std::string& endpoint, const std::string& user, const std::string& args) {
  std::string cmd = "etcdctl --endpoints " + endpoint + (user.empty() ? "" : " --user " + user) + " " + args +
                    " > /dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(EtcdAuthTest, TokensFromUserAndPasswordAndPermissionsPerPrefix) {
  quiver::testing::TempDir dir;
  EtcdServer server;
  ASSERT_TRUE(server.Start(dir.Sub("etcd")));
  const std::string e = server.endpoint();
  // root (etcd 3.4 needs the root role before auth is enabled), and a user limited to q/.
  ASSERT_TRUE(Etcdctl(e, "", "user add root:root-pw --interactive=false"));
  ASSERT_TRUE(Etcdctl(e, "", "role add root"));
  ASSERT_TRUE(Etcdctl(e, "", "user grant-role root root"));
  ASSERT_TRUE(Etcdctl(e, "", "user add quiver:quiver-pw --interactive=false"));
  ASSERT_TRUE(Etcdctl(e, "", "role add quiver-rw"));
  ASSERT_TRUE(Etcdctl(e, "", "role grant-permission quiver-rw --prefix=true readwrite q/"));
  ASSERT_TRUE(Etcdctl(e, "", "user grant-role quiver quiver-rw"));
  ASSERT_TRUE(Etcdctl(e, "", "auth enable"));

  auto open = [&](const std::string& user, const std::string& password) {
    EtcdOptions options;
    options.endpoints = {e};
    options.user = user;
    options.password = password;
    return OpenEtcdMetaStore(options);
  };
  auto store = open("quiver", "quiver-pw");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("q/a", "1").ok());
  EXPECT_EQ((*(*store)->Get("q/a"))->value, "1");
  auto prefixed = storage::NewPrefixedMetaStore(std::move(store).value(), "q/");
  EXPECT_TRUE(prefixed->Put("b", "2").ok());
  EXPECT_EQ(prefixed->Range("")->kvs.size(), 2u);
  // Outside its prefix the user has no permission.
  auto other = open("quiver", "quiver-pw");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->Put("elsewhere", "x").status().code(), StatusCode::kPermissionDenied);
  // A wrong password, or none at all, is an authentication failure that names the settings.
  auto wrong = open("quiver", "nope");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated) << wrong.status().ToString();
  auto anonymous = open("", "");  // connects (Status needs no credentials); every key access is refused
  ASSERT_TRUE(anonymous.ok());
  Status refused = (*anonymous)->Put("q/c", "3").status();
  EXPECT_EQ(refused.code(), StatusCode::kUnauthenticated) << refused.ToString();
  EXPECT_NE(refused.message().find("etcd.auth"), std::string_view::npos);
  // The restricted user watches its prefix (the compaction probe reads only that prefix).
  auto mine = open("quiver", "quiver-pw");
  ASSERT_TRUE(mine.ok());
  storage::Revision now = (*mine)->CurrentRevision();
  ASSERT_GT(now, 0);
  auto watcher = (*mine)->Watch("q/", now);
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
}

// Output of a shell command (empty if it fails).
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// etcd's tokens expire when unused for --auth-token-ttl (300 s by default; 1 s here, set through
// the ETCD_AUTH_TOKEN_TTL variable etcd reads). A store idle for longer is refused its old token
// and authenticates again, invisibly to the caller.
TEST(EtcdAuthTest, AnExpiredTokenIsRenewed) {
  quiver::testing::TempDir dir;
  EtcdServer server;
  setenv("ETCD_AUTH_TOKEN_TTL", "1", 1);
  bool started = server.Start(dir.Sub("etcd"));
  unsetenv("ETCD_AUTH_TOKEN_TTL");
  ASSERT_TRUE(started);
  const std::string e = server.endpoint();
  ASSERT_TRUE(Etcdctl(e, "", "user add root:root-pw --interactive=false"));
  ASSERT_TRUE(Etcdctl(e, "", "role add root"));
  ASSERT_TRUE(Etcdctl(e, "", "user grant-role root root"));
  ASSERT_TRUE(Etcdctl(e, "", "auth enable"));

  // That tokens do expire here: one from the HTTP gateway is refused after 2.5 s unused.
  std::string login = Output("curl -s -X POST http://" + e + "/v3/auth/authenticate -d '{\"name\":\"root\",\"password\":\"root-pw\"}'");
  size_t at = login.find("\"token\":\"");
  ASSERT_NE(at, std::string::npos) << login;
  std::string token = login.substr(at + 9, login.find('"', at + 9) - at - 9);
  std::string range = "curl -s -X POST http://" + e + "/v3/kv/range -H 'Authorization: " + token + "' -d '{\"key\":\"YQ==\"}'";
  EXPECT_EQ(Output(range).find("invalid auth token"), std::string::npos) << Output(range);
  std::this_thread::sleep_for(2500ms);
  EXPECT_NE(Output(range).find("invalid auth token"), std::string::npos) << Output(range);

  EtcdOptions options;
  options.endpoints = {e};
  options.user = "root";
  options.password = "root-pw";
  auto store = OpenEtcdMetaStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("a", "1").ok());
  std::this_thread::sleep_for(2500ms);  // the store's token has expired
  auto put = (*store)->Put("a", "2");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto got = (*store)->Get("a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)->value, "2");
  std::this_thread::sleep_for(2500ms);
  auto watcher = (*store)->Watch("a", (*got)->mod_revision);
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
  auto seen = (*watcher)->Next(2000ms);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].kv.value, "2");
}

// TLS on etcd's client port: with the server's CA the store works (calls, watch and lease
// streams); without TLS, trusting only the system's roots, or with an unreadable CA file it is
// refused with an error.
TEST(EtcdTlsTest, ConnectsWithTheServersCaAndIsRefusedOtherwise) {
  quiver::testing::TempDir dir;
  EtcdServer server;
  ASSERT_TRUE(server.Start(dir.Sub("etcd"), /*tls=*/true));
  EtcdOptions options;
  options.endpoints = {server.endpoint()};
  options.tls = true;
  options.ca_file = dir.Sub("etcd/tls/cert.pem");
  options.request_timeout = 2000ms;
  options.failover_timeout = 2000ms;
  auto store = OpenEtcdMetaStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("k", "v").ok());
  EXPECT_EQ((*(*store)->Get("k"))->value, "v");
  auto lease = (*store)->GrantLease(5s);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_TRUE((*store)->KeepAlive(*lease).ok());
  auto watcher = (*store)->Watch("k", (*store)->CurrentRevision() + 1);
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
  ASSERT_TRUE((*store)->Put("k", "w", *lease).ok());
  std::vector<storage::WatchEvent> seen;
  for (int i = 0; i < 20 && seen.empty(); ++i) seen = *(*watcher)->Next(200ms);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kv.value, "w");

  EtcdOptions plain = options;
  plain.tls = false;
  EXPECT_FALSE(OpenEtcdMetaStore(plain).ok());
  EtcdOptions system_roots = options;
  system_roots.ca_file = "";
  EXPECT_FALSE(OpenEtcdMetaStore(system_roots).ok());
  EtcdOptions missing_ca = options;
  missing_ca.ca_file = dir.Sub("no-such-ca.pem");
  auto refused = OpenEtcdMetaStore(missing_ca);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kIOError) << refused.status().ToString();
}

// A three-member cluster from scripts/etcd-test.sh; members stopped by PID.
class EtcdCluster {
 public:
  bool Start(const std::string& dir) {
    std::string cmd = std::string(QUIVER_SOURCE_DIR) + "/scripts/etcd-test.sh cluster " + dir;
    for (int m = 0; m < 3; ++m) {
      clients_[m] = FreePort();
      cmd += " " + std::to_string(clients_[m]) + " " + std::to_string(FreePort());
    }
    cmd += " " + std::to_string(getpid());
    auto pids = quiver::testing::RunStartScript(cmd);
    if (pids.size() != 3) return false;
    for (int m = 0; m < 3; ++m) pids_[m] = pids[m];
    return true;
  }
  ~EtcdCluster() {
    for (pid_t pid : pids_) {
      if (pid > 0) kill(pid, SIGTERM);
    }
  }
  std::string endpoint(int m) const { return "127.0.0.1:" + std::to_string(clients_[m]); }
  // The member etcd reports as leader (etcdctl endpoint status), or -1.
  int Leader() const {
    std::string cmd = "etcdctl endpoint status --endpoints " + endpoint(0) + "," + endpoint(1) + "," + endpoint(2) + " 2>/dev/null";
    FILE* out = popen(cmd.c_str(), "r");
    if (out == nullptr) return -1;
    char line[512];
    int leader = -1;
    while (fgets(line, sizeof(line), out) != nullptr) {
      std::string text(line);  // "host:port, id, version, db size, is leader, ..."
      size_t field = 0;
      size_t start = 0;
      std::string ep;
      for (size_t comma; (comma = text.find(", ", start)) != std::string::npos; start = comma + 2, ++field) {
        std::string value = text.substr(start, comma - start);
        if (field == 0) ep = value;
        if (field == 4 && value == "true") {
          for (int m = 0; m < 3; ++m) {
            if (endpoint(m) == ep) leader = m;
          }
        }
      }
    }
    pclose(out);
    return leader;
  }
  void Kill(int m) {
    kill(pids_[m], SIGKILL);
    pids_[m] = 0;
  }

 private:
  int clients_[3] = {0, 0, 0};
  pid_t pids_[3] = {0, 0, 0};
};

TEST(EtcdClusterTest, WritesSurviveTheLossOfTheLeader) {
  quiver::testing::TempDir dir;
  EtcdCluster cluster;
  ASSERT_TRUE(cluster.Start(dir.Sub("cluster")));
  int leader = cluster.Leader();
  ASSERT_GE(leader, 0);
  EtcdOptions options;
  options.endpoints.push_back(cluster.endpoint(leader));  // the client starts on the leader
  for (int m = 0; m < 3; ++m) {
    if (m != leader) options.endpoints.push_back(cluster.endpoint(m));
  }
  options.request_timeout = 2000ms;
  auto store = OpenEtcdMetaStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("k/before", "1").ok());
  cluster.Kill(leader);
  // Every write blocks through the election and succeeds on a surviving member; none fails.
  std::chrono::milliseconds longest{0};
  constexpr int kWrites = 40;  // bounded
  for (int i = 0; i < kWrites; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto put = (*store)->Put("k/" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(put.ok()) << "write " << i << " after the leader was killed: " << put.status().ToString();
    longest = std::max(longest, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start));
  }
  auto all = (*store)->Range("k/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->kvs.size(), static_cast<size_t>(kWrites + 1));
  ::testing::Test::RecordProperty("longest_write_ms_after_leader_loss", static_cast<int>(longest.count()));
  std::printf("longest write after the leader was killed: %lld ms\n", static_cast<long long>(longest.count()));
}

}  // namespace
}  // namespace quiver::rpc::etcd
