#pragma once

// The ObjectStore contract as value-parameterized tests, run by every implementation's test
// binary: object_store_test (local directory, memory) and s3_object_store_test (S3 on Ceph radosgw,
// path and virtual-host style, TLS). A binary instantiates ObjectStoreContractTest with
// ObjectStoreMakers; each test gets a new, empty store from its maker.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/object_store/object_store.h"

namespace quiver::storage {

struct ObjectStoreMaker {
  std::string name;
  std::function<std::unique_ptr<ObjectStore>()> make;  // a new, empty store
};

inline std::string ObjectStoreMakerName(const ::testing::TestParamInfo<ObjectStoreMaker>& info) {
  return info.param.name;
}

class ObjectStoreContractTest : public ::testing::TestWithParam<ObjectStoreMaker> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreContractTest, PutGetRangeHeadListDelete) {
  ASSERT_TRUE(store_->Put("c/1/seg/10", "hello world").ok());
  ASSERT_TRUE(store_->Put("c/1/seg/11", "x").ok());
  ASSERT_TRUE(store_->Put("c/2/seg/12", "yy").ok());
  EXPECT_EQ(*store_->Get("c/1/seg/10"), "hello world");
  EXPECT_EQ(*store_->GetRange("c/1/seg/10", 6, 5), "world");
  EXPECT_EQ(*store_->GetRange("c/1/seg/10", 6, 100), "world");
  EXPECT_FALSE(store_->GetRange("c/1/seg/10", 100, 1).ok());
  EXPECT_EQ(store_->Head("c/2/seg/12")->size, 2u);

  auto listed = store_->List("c/1/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "c/1/seg/10");
  EXPECT_EQ((*listed)[1].key, "c/1/seg/11");
  EXPECT_EQ((*listed)[1].size, 1u);
  EXPECT_EQ(store_->List("c/")->size(), 3u);
  EXPECT_EQ(store_->List("c/1/seg/1")->size(), 2u);
  EXPECT_EQ(store_->List("nothing/")->size(), 0u);

  ASSERT_TRUE(store_->Put("c/1/seg/10", "replaced").ok());
  EXPECT_EQ(*store_->Get("c/1/seg/10"), "replaced");
  ASSERT_TRUE(store_->Delete("c/1/seg/10").ok());
  EXPECT_TRUE(store_->Get("c/1/seg/10").status().IsNotFound());
  EXPECT_TRUE(store_->Delete("c/1/seg/10").ok());  // idempotent
}

TEST_P(ObjectStoreContractTest, RejectsBadKeys) {
  for (const char* key : {"", "/abs", "a/../b", "a//b", "a/", "./a", "x.tmp.1"}) {
    EXPECT_TRUE(store_->Put(key, "v").IsInvalidArgument()) << key;
  }
}

TEST_P(ObjectStoreContractTest, MissingObjectsAndRangeEdges) {
  EXPECT_TRUE(store_->Get("no/such").status().IsNotFound());
  EXPECT_TRUE(store_->Head("no/such").status().IsNotFound());
  EXPECT_TRUE(store_->GetRange("no/such", 0, 4).status().IsNotFound());
  ASSERT_TRUE(store_->Put("edge/empty", "").ok());
  EXPECT_EQ(*store_->Get("edge/empty"), "");
  EXPECT_EQ(store_->Head("edge/empty")->size, 0u);
  EXPECT_EQ(*store_->GetRange("edge/empty", 0, 10), "");
  EXPECT_TRUE(store_->GetRange("edge/empty", 1, 1).status().IsInvalidArgument());
  ASSERT_TRUE(store_->Put("edge/abc", "abc").ok());
  EXPECT_EQ(*store_->GetRange("edge/abc", 3, 5), "");  // at the end: empty, not an error
  EXPECT_EQ(*store_->GetRange("edge/abc", 1, 0), "");
  EXPECT_EQ(*store_->GetRange("edge/abc", 0, UINT64_MAX), "abc");
  EXPECT_TRUE(store_->GetRange("edge/abc", 4, 1).status().IsInvalidArgument());
  EXPECT_TRUE(store_->GetRange("edge/abc", 4, 0).status().IsInvalidArgument());
}

TEST_P(ObjectStoreContractTest, BinaryContentAndUnusualKeys) {
  std::string binary(3 << 20, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::vector<std::string> keys = {"bin/data", "k/a b+c=d$e&f%g", "k/\xc3\xa9t\xc3\xa9", "k/x~y_z-w.v"};
  for (const std::string& key : keys) ASSERT_TRUE(store_->Put(key, binary).ok()) << key;
  for (const std::string& key : keys) {
    Result<std::string> got = store_->Get(key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    EXPECT_TRUE(*got == binary) << key;
  }
  EXPECT_EQ(*store_->GetRange("bin/data", 1000000, 7), binary.substr(1000000, 7));
  auto listed = store_->List("k/");
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> names;
  for (const auto& info : *listed) names.push_back(info.key);
  std::vector<std::string> expected(keys.begin() + 1, keys.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

// More objects than one S3 list page (1,000) holds.
TEST_P(ObjectStoreContractTest, ListsManyObjectsInKeyOrder) {
  constexpr int kCount = 1100;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kCount; i += 4) {
        char key[32];
        std::snprintf(key, sizeof(key), "many/%05d", i);
        EXPECT_TRUE(store_->Put(key, std::to_string(i)).ok()) << key;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  ASSERT_TRUE(store_->Put("many-other", "outside the prefix").ok());
  auto listed = store_->List("many/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "many/%05d", i);
    ASSERT_EQ((*listed)[i].key, key);
    ASSERT_EQ((*listed)[i].size, std::to_string(i).size());
  }
}

TEST_P(ObjectStoreContractTest, ConcurrentReadersSeeWholeObjects) {
  const std::string a(100000, 'a');
  const std::string b(200000, 'b');
  ASSERT_TRUE(store_->Put("swap/x", a).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop.load()) {
      Result<std::string> got = store_->Get("swap/x");
      if (!got.ok() || (*got != a && *got != b)) torn.fetch_add(1);
    }
  });
  for (int i = 0; i < 20; ++i) {
    Status put = store_->Put("swap/x", i % 2 ? a : b);
    EXPECT_TRUE(put.ok()) << put.ToString();
    if (!put.ok()) break;
  }
  stop.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace quiver::storage
