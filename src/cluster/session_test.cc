#include "cluster/session.h"

#include <gtest/gtest.h>

#include "cluster/testing/session_contract.h"

// Sessions and elections on the embedded MetaStore (etcd_test runs the same contract on etcd).

namespace quiver::cluster {
namespace {

using namespace std::chrono_literals;

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::LocalMetaStoreOptions options;
    options.sync = false;
    options.lease_check_interval = 20ms;
    store_ = std::move(storage::OpenLocalMetaStore(options)).value();
  }
  std::unique_ptr<storage::MetaStore> store_;
};

TEST_F(SessionTest, RegisterListWatchAndExpire) { testing::SessionsRegisterListWatchAndExpire(store_.get(), "", 1s); }
TEST_F(SessionTest, NoticeALostLease) { testing::SessionsNoticeALostLease(store_.get(), "", 1s); }
TEST_F(SessionTest, NodeIdsAreUniqueUnderConcurrency) { testing::NodeIdsAreUniqueUnderConcurrency(store_.get(), ""); }
TEST_F(SessionTest, ElectionHasOneLeaderAndStandbysTakeOver) {
  testing::ElectionHasOneLeaderAndStandbysTakeOver(store_.get(), "", 1s);
}

TEST_F(SessionTest, RecordsRoundTripAndBadInputIsRefused) {
  SessionInfo info = testing::Node("querynode", "127.0.0.1:1");
  info.node_id = 7;
  info.registered_unix_ms = 123;
  info.labels = {{"zone", "b"}, {"gpu", "a100"}};
  auto decoded = DecodeSession(EncodeSession(info));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, info);
  EXPECT_TRUE(DecodeSession("{").status().IsCorruption());
  EXPECT_TRUE(DecodeSession(R"({"role":"x"})").status().IsCorruption());
  EXPECT_EQ(SessionKey("querynode", 7), "quiver/session/querynode/7");
  EXPECT_TRUE(Session::Register(store_.get(), testing::Node("a/b", "x"), {}).status().IsInvalidArgument());
  EXPECT_TRUE(Session::Register(store_.get(), testing::Node("", "x"), {}).status().IsInvalidArgument());
  SessionOptions zero;
  zero.ttl = 0s;
  EXPECT_TRUE(Session::Register(store_.get(), testing::Node("proxy", "x"), zero).status().IsInvalidArgument());
  EXPECT_TRUE(Election::Join(store_.get(), "a/b", "v", {}).status().IsInvalidArgument());
}

TEST(ServerLabelsTest, ReadsMilvusServerLabelVariablesOnly) {
  std::string a = "MILVUS_SERVER_LABEL_zone=b", b = "MILVUS_SERVER_LABEL_GPU=a100=x", c = "MILVUS_SERVER_LABEL_=v",
              d = "MILVUS_SERVER_LABEL_flag", e = "PATH=/bin", f = "MILVUS_SERVER_LABEL_empty=";
  char* env[] = {a.data(), b.data(), c.data(), d.data(), e.data(), f.data(), nullptr};
  EXPECT_EQ(ServerLabels(env), (std::map<std::string, std::string>{{"zone", "b"}, {"GPU", "a100=x"}, {"empty", ""}}));
  EXPECT_TRUE(ServerLabels(nullptr).empty());
}

TEST_F(SessionTest, WatchAfterCompactionRelistsTheDifference) {
  storage::LocalMetaStoreOptions options;
  options.sync = false;
  options.history_max_revisions = 2;
  auto store = std::move(storage::OpenLocalMetaStore(options)).value();
  auto watch = std::move(SessionWatch::Start(store.get(), "querynode")).value();
  auto kept = std::move(Session::Register(store.get(), testing::Node("querynode", "q:1"), {})).value();
  auto gone = std::move(Session::Register(store.get(), testing::Node("querynode", "q:2"), {})).value();
  ASSERT_TRUE(gone->Close().ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Put("other/" + std::to_string(i), "x").ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return storage::TEST_GetLocalMetaStoreHistory(store.get()).compacted_revision > 3; }));
  // Whether the watch reads its events or re-lists, the result is the same: q:1 up, q:2 not there.
  std::map<int64_t, SessionInfo> seen;
  for (int i = 0; i < 5; ++i) {
    auto events = watch->Next(50ms);
    ASSERT_TRUE(events.ok()) << events.status().ToString();
  }
  seen = watch->current();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.begin()->second.address, "q:1");
  ASSERT_TRUE(kept->Close().ok());
}

}  // namespace
}  // namespace quiver::cluster
