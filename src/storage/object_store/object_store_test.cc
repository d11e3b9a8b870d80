#include "storage/object_store/object_store.h"

#include <gtest/gtest.h>

#include "common/testing_dir.h"
#include "storage/fault_injection.h"
#include "storage/object_store/object_store_contract.h"

namespace quiver::storage {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Stores, ObjectStoreContractTest,
    ::testing::Values(ObjectStoreMaker{"Local",
                                       [] {
                                         static auto fs = NewPosixFileSystem();
                                         static quiver::testing::TempDir dir;
                                         static int n = 0;
                                         return NewLocalObjectStore(fs.get(), dir.Sub("objects" + std::to_string(n++)));
                                       }},
                      ObjectStoreMaker{"Memory", [] { return NewMemoryObjectStore(); }}),
    ObjectStoreMakerName);

// A crash at any step of Put leaves the old object or the new one, never a mix or a prefix.
TEST(LocalObjectStoreCrashTest, PutIsAtomicAtEveryCrashPoint) {
  std::string old_value(10000, 'o');
  std::string new_value(20000, 'n');
  for (int64_t fail_at = 0; fail_at < 12; ++fail_at) {
    for (CrashTail tail : {CrashTail::kDropUnsynced, CrashTail::kKeepPartial}) {
      quiver::testing::TempDir dir;
      auto base = NewPosixFileSystem();
      {
        auto store = NewLocalObjectStore(base.get(), dir.Sub("o"));
        ASSERT_TRUE(store->Put("a/b", old_value).ok());
      }
      FaultInjectionFileSystem faulty(base.get(), static_cast<uint64_t>(fail_at));
      auto store = NewLocalObjectStore(&faulty, dir.Sub("o"));
      faulty.FailAfter(fail_at);
      Status put = store->Put("a/b", new_value);
      ASSERT_TRUE(faulty.SimulateCrash(tail).ok());
      auto reopened = NewLocalObjectStore(base.get(), dir.Sub("o"));
      Result<std::string> value = reopened->Get("a/b");
      ASSERT_TRUE(value.ok()) << value.status().ToString();
      if (put.ok()) {
        EXPECT_EQ(*value, new_value) << "acknowledged put lost at step " << fail_at;
      } else {
        EXPECT_TRUE(*value == old_value || *value == new_value) << "torn object at step " << fail_at;
      }
      EXPECT_EQ(reopened->List("a/")->size(), 1u);  // no temp files visible
    }
  }
}

// kill -9 between the write of a Put's temp file and its rename leaves "<key>.tmp.<pid>.<n>"
// behind; opening the store removes those at any depth and nothing else.
TEST(LocalObjectStoreTest, OpenRemovesOrphanedTempFiles) {
  quiver::testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  std::string root = dir.Sub("objects");
  {
    auto store = NewLocalObjectStore(fs.get(), root);
    ASSERT_TRUE(store->Put("top", "t").ok());
    ASSERT_TRUE(store->Put("c/1/seg/10/data", "segment").ok());
    ASSERT_TRUE(store->Put("c/1/seg/10/index/hnsw", "index").ok());
  }
  const std::vector<std::string> orphans = {
      "top.tmp.123.0", "c/1/seg/10/data.tmp.4242.7", "c/1/seg/10/index/hnsw.tmp.1.99",
      "c/2/seg/11/new.tmp.77.3",  // in a directory created for a Put that never finished
  };
  for (const std::string& orphan : orphans) {
    std::string path = JoinPath(root, orphan);
    ASSERT_TRUE(fs->CreateDirs(DirName(path)).ok());
    ASSERT_TRUE(WriteFileAtomic(fs.get(), path, "partial").ok());
    ASSERT_TRUE(fs->Exists(path));
  }
  auto store = NewLocalObjectStore(fs.get(), root);
  for (const std::string& orphan : orphans) {
    EXPECT_FALSE(fs->Exists(JoinPath(root, orphan))) << orphan;
  }
  EXPECT_EQ(*store->Get("top"), "t");
  EXPECT_EQ(*store->Get("c/1/seg/10/data"), "segment");
  EXPECT_EQ(*store->Get("c/1/seg/10/index/hnsw"), "index");
  auto listed = store->List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
}

// A second store on a root already open in this process must not remove the temp file of a Put
// in flight through the first; the first open after all stores closed cleans up.
TEST(LocalObjectStoreTest, RootOpenTwiceKeepsTempFilesUntilReopened) {
  quiver::testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  std::string root = dir.Sub("objects");
  std::string in_flight = JoinPath(root, "a/b.tmp.1.0");
  auto first = NewLocalObjectStore(fs.get(), root);
  ASSERT_TRUE(fs->CreateDirs(DirName(in_flight)).ok());
  ASSERT_TRUE(WriteFileAtomic(fs.get(), in_flight, "being written").ok());
  {
    auto second = NewLocalObjectStore(fs.get(), root + "/");
    EXPECT_TRUE(fs->Exists(in_flight));
  }
  EXPECT_TRUE(fs->Exists(in_flight));
  first.reset();
  auto reopened = NewLocalObjectStore(fs.get(), root);
  EXPECT_FALSE(fs->Exists(in_flight));
}

}  // namespace
}  // namespace quiver::storage
