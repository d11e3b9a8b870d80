#include "storage/object_store/s3_object_store.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/testing_dir.h"
#include "common/testing_process.h"
#include "storage/object_store/object_store_contract.h"

// The ObjectStore contract and S3's own cases (multipart, refusals, TLS, an outage) against a real
// Ceph radosgw, started once for the binary by scripts/ceph-test.sh (monitor, OSD on memstore,
// radosgw; strict SigV4 checks) on free ports. Each store works under its own root path in one bucket.

namespace quiver::storage {
namespace {

using namespace std::chrono_literals;
using quiver::testing::FreePort;

constexpr char kBucket[] = "quiver-test";
constexpr char kAccessKey[] = "QUIVERTESTACCESSKEY";
constexpr char kSecretKey[] = "quiver-test-secret-key-0123456789";

std::string Script() { return std::string(QUIVER_SOURCE_DIR) + "/scripts/ceph-test.sh"; }

class Ceph : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::make_unique<quiver::testing::TempDir>();
    rgw_port_ = FreePort();
    tls_port_ = FreePort();
    std::string command = "CEPH_TEST_TLS_PORT=" + std::to_string(tls_port_) + " " + Script() + " start " +
                          data_dir() + " " + std::to_string(FreePort()) + " " + std::to_string(rgw_port_) + " " +
                          std::to_string(getpid());
    pids_ = quiver::testing::RunStartScript(command);
    ASSERT_EQ(pids_.size(), 3u) << "cannot start Ceph with scripts/ceph-test.sh (scripts/install-deps.sh installs "
                                   "ceph-mon, ceph-osd and radosgw)";
  }
  void TearDown() override {
    for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) quiver::testing::StopProcess(*it);
    dir_.reset();
  }

  // kill -9 radosgw; RestartGateway brings it back.
  void KillGateway() {
    kill(pids_[2], SIGKILL);
    for (int i = 0; i < 100 && kill(pids_[2], 0) == 0; ++i) std::this_thread::sleep_for(20ms);
  }
  bool RestartGateway() {
    auto pids = quiver::testing::RunStartScript("CEPH_TEST_TLS_PORT=" + std::to_string(tls_port_) + " " + Script() +
                                                " restart-rgw " + data_dir() + " " + std::to_string(getpid()));
    if (pids.size() != 1) return false;
    pids_[2] = pids[0];
    return true;
  }

  S3ObjectStoreOptions Options(const std::string& root) const {
    S3ObjectStoreOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(rgw_port_);
    options.bucket = kBucket;
    options.access_key = kAccessKey;
    options.secret_key = kSecretKey;
    options.root_path = root;
    options.retry_deadline = 30s;
    return options;
  }
  S3ObjectStoreOptions VirtualHostOptions(const std::string& root) const {
    S3ObjectStoreOptions options = Options(root);
    std::string port = std::to_string(rgw_port_);
    options.endpoint = "http://s3.test:" + port;
    options.virtual_host = true;
    options.resolve = {std::string(kBucket) + ".s3.test:" + port + ":127.0.0.1", "s3.test:" + port + ":127.0.0.1"};
    return options;
  }
  S3ObjectStoreOptions TlsOptions(const std::string& root) const {
    S3ObjectStoreOptions options = Options(root);
    std::string port = std::to_string(tls_port_);
    options.endpoint = "https://s3.test:" + port;
    options.ca_file = data_dir() + "/tls/cert.pem";
    options.resolve = {"s3.test:" + port + ":127.0.0.1"};
    return options;
  }
  std::string data_dir() const { return dir_->Sub("ceph"); }

 private:
  std::unique_ptr<quiver::testing::TempDir> dir_;
  int rgw_port_ = 0;
  int tls_port_ = 0;
  std::vector<pid_t> pids_;
};

Ceph* const ceph = static_cast<Ceph*>(::testing::AddGlobalTestEnvironment(new Ceph));

// A root path no other store of this run uses.
std::string NewRoot() {
  static std::atomic<int> next{0};
  return "run" + std::to_string(getpid()) + "/s" + std::to_string(next.fetch_add(1));
}

std::unique_ptr<ObjectStore> Open(S3ObjectStoreOptions options) {
  auto store = OpenS3ObjectStore(std::move(options));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    S3, ObjectStoreContractTest,
    ::testing::Values(ObjectStoreMaker{"PathStyle", [] { return Open(ceph->Options(NewRoot())); }},
                      ObjectStoreMaker{"VirtualHost", [] { return Open(ceph->VirtualHostOptions(NewRoot())); }},
                      ObjectStoreMaker{"Tls", [] { return Open(ceph->TlsOptions(NewRoot())); }}),
    ObjectStoreMakerName);

std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(((i + seed) * 2654435761u) >> 11);
  return out;
}

TEST(S3ObjectStoreTest, MultipartUploadsAreWholeAndReadableByRange) {
  S3ObjectStoreOptions options = ceph->Options(NewRoot());
  options.multipart_threshold = 5 << 20;
  options.part_size = 5 << 20;
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  const std::string first = Pattern((13 << 20) + 123, 1);
  const std::string second = Pattern((11 << 20) + 7, 2);
  ASSERT_TRUE(store->Put("big/object", first).ok());
  EXPECT_EQ(store->Head("big/object")->size, first.size());
  Result<std::string> got = store->Get("big/object");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == first);
  // Across the first part boundary and to the end.
  EXPECT_EQ(*store->GetRange("big/object", (5 << 20) - 10, 20), first.substr((5 << 20) - 10, 20));
  EXPECT_EQ(*store->GetRange("big/object", first.size() - 5, 100), first.substr(first.size() - 5));

  // Readers see the whole old object or the whole new one while a multipart upload replaces it.
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      Result<std::string> now = store->Get("big/object");
      if (!now.ok() || (*now != first && *now != second)) torn.fetch_add(1);
      reads.fetch_add(1);
    }
  });
  while (reads.load() < 2) std::this_thread::sleep_for(10ms);  // the reader runs before and during the upload
  Status put = store->Put("big/object", second);
  EXPECT_TRUE(put.ok()) << put.ToString();
  int after = reads.load();
  while (reads.load() < after + 2) std::this_thread::sleep_for(10ms);
  stop.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_TRUE(*store->Get("big/object") == second);
  auto listed = store->List("big/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, second.size());
}

// Object bytes are data, never read as an S3 answer: contents that look like a retryable S3 error
// come back at once.
TEST(S3ObjectStoreTest, ObjectsThatLookLikeS3ErrorsAreJustData) {
  S3ObjectStoreOptions options = ceph->Options(NewRoot());
  options.retry_deadline = 2s;
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  const std::string body = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>x</Message></Error>";
  ASSERT_TRUE(store->Put("looks/like-error", body).ok());
  Result<std::string> got = store->Get("looks/like-error");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, body);
  EXPECT_EQ(*store->GetRange("looks/like-error", 0, 40), body.substr(0, 40));
}

TEST(S3ObjectStoreTest, RootPathsKeepStoresApart) {
  std::string root = NewRoot();
  auto a = Open(ceph->Options(root + "/a"));
  auto b = Open(ceph->Options(root + "/b"));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Put("k", "from a").ok());
  ASSERT_TRUE(b->Put("k", "from b").ok());
  EXPECT_EQ(*a->Get("k"), "from a");
  EXPECT_EQ(*b->Get("k"), "from b");
  EXPECT_EQ(a->List("")->size(), 1u);
  ASSERT_TRUE(a->Delete("k").ok());
  EXPECT_EQ(*b->Get("k"), "from b");
  EXPECT_TRUE(b->Map("k").status().code() == StatusCode::kNotSupported);
}

TEST(S3ObjectStoreTest, RefusesBadOptionsAndCredentials) {
  auto refused = [](S3ObjectStoreOptions options) { return OpenS3ObjectStore(std::move(options)).status(); };
  S3ObjectStoreOptions good = ceph->Options(NewRoot());
  auto with = [&](auto change) {
    S3ObjectStoreOptions options = good;
    change(options);
    return refused(options);
  };
  EXPECT_TRUE(with([](auto& o) { o.endpoint = "127.0.0.1:9000"; }).IsInvalidArgument());
  EXPECT_TRUE(with([](auto& o) { o.endpoint = "ftp://127.0.0.1:9000"; }).IsInvalidArgument());
  EXPECT_TRUE(with([](auto& o) { o.endpoint += "/path"; }).IsInvalidArgument());
  EXPECT_TRUE(with([](auto& o) { o.bucket = "Upper_Case"; }).IsInvalidArgument());
  EXPECT_TRUE(with([](auto& o) { o.bucket = "ab"; }).IsInvalidArgument());
  EXPECT_TRUE(with([](auto& o) { o.secret_key.clear(); }).IsInvalidArgument());
  EXPECT_TRUE(with([](auto& o) { o.root_path = "a/../b"; }).IsInvalidArgument());
  EXPECT_TRUE(with([](auto& o) { o.part_size = 1 << 20; }).IsInvalidArgument());

  // radosgw checks every signature: a wrong secret or an unknown key is refused with S3's code.
  Status wrong_secret = with([](auto& o) { o.secret_key = "not-the-secret"; });
  EXPECT_TRUE(wrong_secret.code() == StatusCode::kPermissionDenied) << wrong_secret.ToString();
  EXPECT_NE(wrong_secret.ToString().find("SignatureDoesNotMatch"), std::string::npos) << wrong_secret.ToString();
  Status wrong_key = with([](auto& o) { o.access_key = "NOSUCHACCESSKEY"; });
  EXPECT_TRUE(wrong_key.code() == StatusCode::kPermissionDenied) << wrong_key.ToString();
  EXPECT_NE(wrong_key.ToString().find("InvalidAccessKeyId"), std::string::npos) << wrong_key.ToString();
  Status no_bucket = with([](auto& o) {
    o.bucket = "quiver-absent";
    o.create_bucket = false;
  });
  EXPECT_TRUE(no_bucket.IsNotFound()) << no_bucket.ToString();

  S3ObjectStoreOptions created = good;
  created.bucket = "quiver-created";
  EXPECT_NE(Open(created), nullptr);  // create_bucket makes a new bucket

  // Nothing listening: Unavailable once the retry deadline passes.
  Status unreachable = with([](auto& o) {
    o.endpoint = "http://127.0.0.1:" + std::to_string(FreePort());
    o.retry_deadline = 1s;
  });
  EXPECT_TRUE(unreachable.IsUnavailable()) << unreachable.ToString();

  // TLS with a certificate the client does not trust fails at once, not after retries.
  Status untrusted = refused([&] {
    S3ObjectStoreOptions o = ceph->TlsOptions(NewRoot());
    o.ca_file.clear();  // the system CAs do not know the test certificate
    return o;
  }());
  EXPECT_TRUE(untrusted.code() == StatusCode::kFailedPrecondition) << untrusted.ToString();
}

// radosgw killed for ~3 s under a loop of puts and gets: requests wait and succeed; none fails.
TEST(S3ObjectStoreTest, RequestsWaitThroughAGatewayRestart) {
  auto store = Open(ceph->Options(NewRoot()));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("outage/0", "v0").ok());
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  std::chrono::steady_clock::duration longest{};
  constexpr int kOps = 60;
  std::thread client([&] {
    for (int i = 1; i <= kOps; ++i) {
      auto start = std::chrono::steady_clock::now();
      std::string key = "outage/" + std::to_string(i);
      Status put = store->Put(key, "v" + std::to_string(i));
      Result<std::string> got = store->Get(key);
      longest = std::max(longest, std::chrono::steady_clock::now() - start);
      if (!put.ok() || !got.ok() || *got != "v" + std::to_string(i)) {
        failed.fetch_add(1);
        ADD_FAILURE() << put.ToString() << " / " << got.status().ToString();
      }
      done.fetch_add(1);
      std::this_thread::sleep_for(50ms);
    }
  });
  while (done.load() < 5) std::this_thread::sleep_for(5ms);
  ceph->KillGateway();
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(ceph->RestartGateway()) << "cannot restart radosgw";
  client.join();
  EXPECT_EQ(failed.load(), 0);
  std::printf("radosgw down ~3 s: %d put+get pairs, %d failed, longest %lld ms\n", kOps, failed.load(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(longest).count()));
  auto listed = store->List("outage/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), static_cast<size_t>(kOps + 1));
}

}  // namespace
}  // namespace quiver::storage
