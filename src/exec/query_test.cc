#include "exec/query.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace quiver::exec {
namespace {

// The reference: the latest version of each key (ts, then source, then row), in key order.
std::vector<QueryCandidate> Naive(const std::vector<QueryCandidate>& candidates, size_t offset,
                                  std::optional<size_t> limit) {
  std::map<segment::PrimaryKey, QueryCandidate> latest;
  for (const auto& c : candidates) {
    auto [it, inserted] = latest.try_emplace(c.pk, c);
    const QueryCandidate& kept = it->second;
    if (!inserted && std::tie(c.ts, c.source, c.row) > std::tie(kept.ts, kept.source, kept.row)) it->second = c;
  }
  std::vector<QueryCandidate> out;
  size_t position = 0;
  for (auto& [pk, c] : latest) {
    if (limit && out.size() >= *limit) break;
    if (position++ >= offset) out.push_back(c);
  }
  return out;
}

void ExpectSame(const std::vector<QueryCandidate>& got, const std::vector<QueryCandidate>& want,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].pk, want[i].pk) << what << " at " << i;
    EXPECT_EQ(got[i].ts, want[i].ts) << what << " at " << i;
    EXPECT_EQ(got[i].source, want[i].source) << what << " at " << i;
  }
}

TEST(SelectByPrimaryKeyTest, MatchesNaiveReduceForInt64Keys) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 40; ++round) {
    // Keys drawn from a small range so that many repeat (across and within sources).
    const size_t n = 1 + rng() % 3000;
    const int64_t range = 1 + static_cast<int64_t>(rng() % (round % 2 ? 100 : 100000));
    std::vector<QueryCandidate> candidates;
    for (size_t i = 0; i < n; ++i) {
      candidates.push_back({static_cast<int64_t>(rng() % range) - range / 2, rng() % 50, rng() % 4, i});
    }
    for (auto [offset, limit] : std::vector<std::pair<size_t, std::optional<size_t>>>{
             {0, std::nullopt}, {0, 1}, {0, 10}, {3, 17}, {0, 1000}, {50, 5000}, {n, 5}, {0, 0}, {7, std::nullopt}}) {
      ExpectSame(SelectByPrimaryKey(candidates, offset, limit), Naive(candidates, offset, limit),
                 "round " + std::to_string(round) + " offset " + std::to_string(offset));
    }
  }
}

TEST(SelectByPrimaryKeyTest, OrdersVarCharKeysBytewise) {
  std::vector<QueryCandidate> candidates;
  const std::vector<std::string> keys = {"b", "a", "\xc3\xa9", "ab", "", "B", "a"};
  for (size_t i = 0; i < keys.size(); ++i) candidates.push_back({keys[i], 10 + i, 0, i});
  auto all = SelectByPrimaryKey(candidates, 0, std::nullopt);
  std::vector<std::string> order;
  for (const auto& c : all) order.push_back(std::get<std::string>(c.pk));
  EXPECT_EQ(order, (std::vector<std::string>{"", "B", "a", "ab", "b", "\xc3\xa9"}));
  EXPECT_EQ(all[2].row, 6u);  // the later version of "a"
  auto page = SelectByPrimaryKey(candidates, 1, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(std::get<std::string>(page[0].pk), "B");
  EXPECT_EQ(std::get<std::string>(page[1].pk), "a");
}

// What the query iterator does: pages of `pk > last` with a limit return every key once.
TEST(SelectByPrimaryKeyTest, CursorPagesReturnEveryKeyOnce) {
  std::mt19937_64 rng(9);
  std::vector<QueryCandidate> candidates;
  for (size_t i = 0; i < 5000; ++i) candidates.push_back({static_cast<int64_t>(rng() % 4000), rng() % 9, i % 3, i});
  const size_t distinct = CountDistinctKeys(candidates);
  std::vector<int64_t> seen;
  std::optional<int64_t> last;
  while (true) {
    std::vector<QueryCandidate> page_input;
    for (const auto& c : candidates) {
      if (!last || std::get<int64_t>(c.pk) > *last) page_input.push_back(c);
    }
    auto page = SelectByPrimaryKey(std::move(page_input), 0, 333);
    if (page.empty()) break;
    for (const auto& c : page) seen.push_back(std::get<int64_t>(c.pk));
    last = std::get<int64_t>(page.back().pk);
  }
  EXPECT_EQ(seen.size(), distinct);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

}  // namespace
}  // namespace quiver::exec
