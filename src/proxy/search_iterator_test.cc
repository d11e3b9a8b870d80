#include "proxy/search_iterator.h"

#include <gtest/gtest.h>

#include <bit>

namespace quiver::proxy {
namespace {

using DT = schema::DataType;

TEST(SearchIteratorTokenTest, RoundTripsIntAndStringKeys) {
  std::string id = NewSearchIteratorId();
  ASSERT_EQ(id.size(), 16u);
  EXPECT_NE(id, NewSearchIteratorId());
  for (segment::PrimaryKey pk : {segment::PrimaryKey(int64_t{-42}), segment::PrimaryKey(std::string("a.b\x01\xff")),
                                 segment::PrimaryKey(std::string())}) {
    std::string token = EncodeSearchIteratorToken(id, 0.3f, pk);
    SearchIteratorToken decoded = DecodeSearchIteratorToken(token);
    EXPECT_EQ(decoded.id, id) << token;
    ASSERT_TRUE(decoded.bound_bits.has_value()) << token;
    EXPECT_EQ(std::bit_cast<float>(*decoded.bound_bits), 0.3f);
    ASSERT_TRUE(decoded.last_pk.has_value()) << token;
    EXPECT_EQ(*decoded.last_pk, pk);
  }
  SearchIteratorToken none = DecodeSearchIteratorToken(EncodeSearchIteratorToken(id, -1.5f, std::nullopt));
  EXPECT_EQ(none.id, id);
  EXPECT_FALSE(none.last_pk.has_value());
}

TEST(SearchIteratorTokenTest, ForeignOrDamagedTokensCarryNoCursor) {
  for (std::string token : {"", "9f1c2b7e-uuid", "qi1.", "qi1.0123456789abcdef.3e99999a",
                            "qi1.0123456789abcdef.3e99999a.x1", "qi1.0123456789abcdeZ.3e99999a.i1",
                            "qi1.0123456789abcdef.3e99999a.i1x", "qi1.0123456789abcdef.3e99999a.s0"}) {
    SearchIteratorToken decoded = DecodeSearchIteratorToken(token);
    EXPECT_TRUE(decoded.id.empty()) << token;
    EXPECT_FALSE(decoded.last_pk.has_value()) << token;
  }
}

TEST(ParseSearchIteratorTest, FirstPageAndFollowingPages) {
  auto plain = ParseSearchIterator({{"topk", "10"}, {"iterator", "true"}}, DT::kInt64);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->enabled);  // v1: a plain search

  std::map<std::string, std::string> params = {{"iterator", "true"},           {"search_iter_v2", "True"},
                                               {"search_iter_batch_size", "7"}, {"guarantee_timestamp", "0"},
                                               {"collection_id", "451"}};
  auto first = ParseSearchIterator(params, DT::kInt64);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->enabled);
  EXPECT_EQ(first->batch_size, 7u);
  EXPECT_EQ(first->snapshot, 0u);
  EXPECT_EQ(first->collection_id, 451);
  EXPECT_TRUE(first->id.empty());
  EXPECT_FALSE(first->last_bound.has_value());

  // The Node SDK sends the float32 bound as a JavaScript number.
  const float bound = 0.30000001192092896f;
  params["search_iter_id"] = EncodeSearchIteratorToken("0123456789abcdef", bound, segment::PrimaryKey(int64_t{99}));
  params["search_iter_last_bound"] = "0.30000001192092896";
  params["guarantee_timestamp"] = "455000000000000001";
  auto next = ParseSearchIterator(params, DT::kInt64);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->id, "0123456789abcdef");
  EXPECT_EQ(next->last_bound, bound);
  EXPECT_EQ(next->last_pk, segment::PrimaryKey(int64_t{99}));
  EXPECT_EQ(next->snapshot, 455000000000000001u);

  // pymilvus sends its first token again: the key belongs to another bound and is dropped.
  params["search_iter_last_bound"] = "0.75";
  auto stale = ParseSearchIterator(params, DT::kInt64);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->last_bound, 0.75f);
  EXPECT_FALSE(stale->last_pk.has_value());

  // A key of the wrong type is refused; so are malformed values.
  EXPECT_TRUE(ParseSearchIterator(params, DT::kVarChar).status().IsInvalidArgument());
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"search_iter_batch_size", "0"}, {"search_iter_batch_size", "16385"}, {"search_iter_batch_size", "x"},
           {"search_iter_last_bound", "nan"}, {"search_iter_last_bound", "1e300"}, {"guarantee_timestamp", "12ab"},
           {"iterator", "maybe"}}) {
    auto bad = params;
    bad[key] = value;
    EXPECT_TRUE(ParseSearchIterator(bad, DT::kInt64).status().IsInvalidArgument()) << key << "=" << value;
  }
  // After an empty page the Node SDK sends session_ts -1: not pinned.
  params["guarantee_timestamp"] = "-1";
  auto unpinned = ParseSearchIterator(params, DT::kInt64);
  ASSERT_TRUE(unpinned.ok());
  EXPECT_EQ(unpinned->snapshot, 0u);
}

}  // namespace
}  // namespace quiver::proxy
