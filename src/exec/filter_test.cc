#include "exec/filter.h"

#include <gtest/gtest.h>

#include <random>

#include "exec/naive_eval.h"
#include "expr/binder.h"
#include "segment/random_data.h"

namespace quiver::exec {
namespace {

class FilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = std::make_shared<schema::CollectionSchema>(segment::testing::AllTypesSchema());
    ASSERT_TRUE(schema::NormalizeSchema(s.get(), {.max_vector_fields = 8}).ok());
    schema_ = s;
    segment_ = std::make_unique<segment::GrowingSegment>(segment::SegmentMeta{1, 1, 1, "c"}, schema_);
    for (int b = 0; b < 3; ++b) {
      segment::testing::RandomDataOptions options{.seed = uint64_t(17 + b), .first_pk = b * 1000};
      ASSERT_TRUE(segment_->Insert(segment::testing::RandomChunk(*schema_, 300 + b * 7, options)).ok());
    }
    chunks_ = segment_->Chunks();
    for (const auto& ref : chunks_) {
      for (size_t r = 0; r < ref.chunk->rows; ++r) rows_.push_back(testing::RowToJson(*schema_, *ref.chunk, r));
    }
    // The same rows as one chunk (a sealed segment) with a scalar index on every indexable column.
    auto merged = segment_->Consolidate();
    ASSERT_TRUE(merged.ok());
    single_ = {{*merged, 0}};
    for (const auto& field : schema_->fields) {
      const schema::ColumnChunk* column = (*merged)->Find(field.id);
      if (column == nullptr) continue;
      if (auto index = ScalarIndex::Build(*column)) indexes_[field.id] = index;
    }
  }

  // Evaluates `text` both ways and compares row by row. Returns the number of matches.
  size_t Check(const std::string& text, const expr::TemplateValues& templates = {}) {
    auto plan = expr::CompileFilter(text, *schema_, templates);
    EXPECT_TRUE(plan.ok()) << text << ": " << plan.status().ToString();
    if (!plan.ok()) return 0;
    auto fast = EvaluateFilter(plan->get(), chunks_, rows_.size());
    EXPECT_TRUE(fast.ok()) << text;
    if (!fast.ok()) return 0;
    // Scalar indexes answer exactly as the scans do.
    auto indexed = EvaluateFilter(plan->get(), single_, rows_.size(), &indexes_);
    EXPECT_TRUE(indexed.ok()) << text;
    if (indexed.ok()) {
      EXPECT_TRUE(*indexed == *fast) << text << ": indexed " << indexed->Count() << " rows, scanned " << fast->Count();
    }
    size_t mismatches = 0;
    for (size_t r = 0; r < rows_.size(); ++r) {
      bool expected = !*plan || testing::NaiveEvaluator::Truth(rows_[r], **plan) == std::optional<bool>(true);
      if (fast->Test(r) != expected && ++mismatches <= 3) {
        ADD_FAILURE() << text << ": row " << r << " vectorised=" << fast->Test(r) << " naive=" << expected
                      << " row=" << rows_[r].dump();
      }
    }
    return fast->Count();
  }

  std::shared_ptr<const schema::CollectionSchema> schema_;
  std::unique_ptr<segment::GrowingSegment> segment_;
  std::vector<segment::ChunkRef> chunks_;
  std::vector<segment::ChunkRef> single_;
  ScalarIndexMap indexes_;
  std::vector<nlohmann::json> rows_;
};

TEST_F(FilterTest, ScalarIndexesCoverScalarColumns) {
  for (const char* name : {"i8", "i16", "i32", "pk", "f", "d", "s", "n_i32", "n_s", "b"}) {
    const schema::FieldSchema* field = schema_->FindField(name);
    ASSERT_NE(field, nullptr) << name;
    EXPECT_TRUE(indexes_.count(field->id)) << name << " has no scalar index";
  }
  const schema::FieldSchema* js = schema_->FindField("js");
  EXPECT_FALSE(indexes_.count(js->id)) << "JSON columns are not indexed";
  // An index answers a range directly: i32 < 0 equals the scan.
  const schema::FieldSchema* i32 = schema_->FindField("i32");
  auto below = indexes_[i32->id]->Compare(expr::BinaryOp::kLt, expr::Literal(int64_t{0}));
  ASSERT_TRUE(below.has_value());
  EXPECT_EQ(below->Count(), Check("i32 < 0"));
  // A float constant against an integer column is left to the scan (exact semantics differ).
  EXPECT_FALSE(indexes_[i32->id]->Compare(expr::BinaryOp::kLt, expr::Literal(0.5)).has_value());
}

// Every construct of the grammar, each compared with the naive evaluator on random data with
// nulls, JSON documents with missing keys, arrays and several chunks.
TEST_F(FilterTest, EveryConstructMatchesNaiveEvaluator) {
  struct Case {
    std::string text;
    bool expect_some;  // the data is built so that these select at least one row...
    bool expect_not_all;  // ...and not every row
  };
  const std::vector<Case> cases = {
      // comparisons on every scalar type, both operand orders
      {"i8 > 10", true, true}, {"i16 <= -5", true, true}, {"i32 == i32", true, false},
      {"i64 != 0", true, false}, {"f < 0.5", true, true}, {"d >= 100", true, true},
      {"10 < i8", true, true}, {"b == true", true, true}, {"b != false", true, true},
      {"s == \"apple3\"", false, true}, {"s > \"c\"", true, true}, {"pk < 50", true, true},
      {"i32 > 2.5", true, true}, {"f == 3", false, true},
      // chained ranges
      {"-10 < i8 < 10", true, true}, {"100 >= i16 > -100", true, true}, {"0 <= f <= 50", true, true},
      // in / not in
      {"i8 in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", true, true}, {"s in [\"apple1\", \"date7\", \"cherry9\"]", true, true},
      {"i32 not in [1, 2]", true, false}, {"s not in []", true, false}, {"pk in [5, 2005, 9999]", true, true},
      {"i8 in [1.5, 2]", true, true}, {"js[\"color\"] in [\"red\", \"blue\"]", true, true},
      {"js[\"n\"] not in [1, 2, 3]", true, true},
      // and / or / not in every spelling
      {"i8 > 0 and i16 > 0", true, true}, {"i8 > 0 && i16 > 0 || b", true, true},
      {"i8 > 0 AND (i16 > 0 OR NOT b)", true, true}, {"!(i8 > 0)", true, true}, {"not not (i8 > 0)", true, true},
      // arithmetic
      {"i8 * 2 + 1 > 10", true, true}, {"pk % 7 == 3", true, true}, {"i16 / 3 == 10", false, true},
      {"f * 0.5 - 1 < 0", true, true}, {"i32 ** 2 > 1e9", true, true}, {"-i8 > 5", true, true},
      {"i64 / 0 == 1", false, true}, {"i8 % 0 == 0", false, true}, {"d / 0.0 > 1", false, true},
      {"i8 + i16 > i32", true, true}, {"js[\"n\"] * 2 > 50", true, true}, {"js[\"f\"] + js[\"n\"] < 30", true, true},
      // bitwise
      {"(pk & 1) == 1", true, true}, {"(pk | 2) == 3", true, true}, {"(pk ^ 1) == 0", true, true},
      {"(pk << 2) == 8", true, true}, {"(pk >> 1) == 5", true, true}, {"~i8 > 0", true, true},
      // like
      {"s like \"ap%\"", true, true}, {"s like \"%an%\"", true, true}, {"s like \"%3\"", true, true},
      {"s like \"d_te%\"", true, true}, {"s like \"a\\_b\\%c%\"", true, true}, {"js[\"color\"] like \"gr%\"", true, true},
      // JSON paths and dynamic keys
      {"js[\"n\"] > 10", true, true}, {"js[\"nested\"][\"k\"] == 3", true, true}, {"js[\"arr\"][0] == 2", true, true},
      {"js[\"flag\"] == true", true, true}, {"js[\"flag\"]", true, true}, {"js[\"color\"] == \"red\"", true, true},
      {"js[\"missing\"] == 1", false, true}, {"js[\"missing\"] != 1", false, true}, {"js[\"color\"] > 5", false, true},
      {"js[\"rare\"] >= 0", true, true}, {"not (js[\"rare\"] >= 0)", false, true},
      {"dyn == 3", true, true}, {"$meta[\"dyn\"] < 5", true, true}, {"unknown_key == 1", false, true},
      // array functions
      {"array_contains(arr_i, 3)", true, true}, {"array_contains_all(arr_s, [\"t1\", \"t2\"])", true, true},
      {"array_contains_any(arr_s, [\"t1\", \"t5\"])", true, true}, {"array_length(arr_i) == 2", true, true},
      {"arr_i[0] == 4", true, true}, {"arr_s[1] != \"t0\"", true, true}, {"arr_i == [1, 2]", false, true},
      {"json_contains(js[\"arr\"], 3)", true, true}, {"json_contains_all(js[\"arr\"], [1, 2])", true, true},
      {"json_contains_any(js[\"arr\"], [0, 4])", true, true}, {"array_length(js[\"arr\"]) == 2", true, false},
      {"json_contains(js[\"color\"], 1)", false, true},
      // null tests
      {"n_i32 is null", true, true}, {"n_i32 is not null", true, true}, {"n_s IS NULL or n_i32 > 0", true, true},
      {"n_i32 > 0", true, true}, {"not (n_i32 > 0)", true, true}, {"n_i32 in [1, 2]", false, true},
      {"n_s like \"a%\"", true, true}, {"js[\"rare\"] is null", true, true}, {"js is null", false, true},
      // exists
      {"exists js[\"rare\"]", true, true}, {"exists js[\"nested\"][\"k\"]", true, false},
      {"exists js[\"nope\"]", false, true},
      // constants
      {"true", true, false}, {"1 == 2", false, true},
  };
  for (const Case& c : cases) {
    size_t matched = Check(c.text);
    if (c.expect_some) {
      EXPECT_GT(matched, 0u) << c.text << " selected nothing (weak case)";
    }
    if (c.expect_not_all) {
      EXPECT_LT(matched, rows_.size()) << c.text << " selected everything (weak case)";
    }
  }
}

TEST_F(FilterTest, TemplateParametersBind) {
  expr::TemplateValues templates{{"low", expr::Literal(int64_t{-10})},
                                 {"high", expr::Literal(10.5)},
                                 {"names", expr::Literal(expr::LiteralArray{expr::Literal("apple1"), expr::Literal("date2")})}};
  size_t ranged = Check("{low} < i8 < {high}", templates);
  EXPECT_GT(ranged, 0u);
  EXPECT_EQ(ranged, Check("-10 < i8 < 10.5"));
  Check("s in {names} or i8 > {high}", templates);
}

TEST_F(FilterTest, EmptyFilterMatchesAll) {
  auto all = EvaluateFilter(nullptr, chunks_, rows_.size());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->Count(), rows_.size());
  // A row limit smaller than the segment (a snapshot) is respected.
  auto some = EvaluateFilter(nullptr, chunks_, 10);
  EXPECT_EQ(some->Count(), 10u);
}

// Random expressions from a small grammar: both evaluators must agree on every one that binds.
TEST_F(FilterTest, RandomExpressionsMatchNaiveEvaluator) {
  std::mt19937 rng(2024);
  const std::vector<std::string> numeric = {"i8", "i16", "i32", "pk", "f", "d", "n_i32", "js[\"n\"]",
                                            "js[\"f\"]", "dyn", "arr_i[0]", "js[\"arr\"][1]", "js[\"rare\"]"};
  const std::vector<std::string> strings = {"s", "n_s", "js[\"color\"]", "arr_s[0]"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto number = [&] {
    return rng() % 3 == 0 ? std::to_string(static_cast<double>(rng() % 2000) / 10.0 - 50)
                          : std::to_string(static_cast<int64_t>(rng() % 200) - 100);
  };
  const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
  const char* ariths[] = {"+", "-", "*", "/", "%"};
  std::function<std::string(int)> pred = [&](int depth) -> std::string {
    int choice = depth > 2 ? static_cast<int>(rng() % 6) : static_cast<int>(rng() % 10);
    switch (choice) {
      case 0: return pick(numeric) + " " + ops[rng() % 6] + " " + number();
      case 1: return pick(numeric) + " " + ariths[rng() % 5] + " " + std::to_string(1 + rng() % 5) + " " + ops[rng() % 6] + " " + number();
      case 2: return pick(strings) + (rng() % 2 ? " like \"" : " == \"") + std::string(rng() % 2 ? "ap" : "t1") + (rng() % 2 ? "%\"" : "\"");
      case 3: return pick(numeric) + (rng() % 2 ? " in [" : " not in [") + number() + ", " + number() + ", " + std::to_string(rng() % 10) + "]";
      case 4: return pick(numeric) + (rng() % 2 ? " is null" : " is not null");
      case 5: return number() + " < " + pick(numeric) + " <= " + number();
      case 6: return "(" + pred(depth + 1) + (rng() % 2 ? " and " : " or ") + pred(depth + 1) + ")";
      case 7: return "not (" + pred(depth + 1) + ")";
      case 8: return "array_contains_any(arr_i, [" + std::to_string(rng() % 6) + ", " + std::to_string(rng() % 6) + "])";
      default: return "json_contains(js[\"arr\"], " + std::to_string(rng() % 6) + ")";
    }
  };
  int checked = 0;
  for (int i = 0; i < 400; ++i) {
    std::string text = pred(0);
    auto plan = expr::CompileFilter(text, *schema_);
    if (!plan.ok()) continue;  // e.g. `%` on a float field: a type error, which is right
    Check(text);
    ++checked;
  }
  EXPECT_GT(checked, 300);
}

// A filter of 26,000 or'ed terms (a client-generated id list) binds into one n-ary node and
// evaluates exactly; a 16,000-term arithmetic chain is refused instead of overflowing the stack.
TEST_F(FilterTest, LongLogicChainsEvaluateAndDeepArithmeticIsRefused) {
  std::string ors;
  for (int i = 0; i < 26000; ++i) ors += (i ? " or pk == " : "pk == ") + std::to_string(3 * i);
  auto plan = expr::CompileFilter(ors, *schema_, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ((*plan)->kind, expr::PlanNode::Kind::kOr);
  EXPECT_EQ((*plan)->children.size(), 26000u);
  auto matched = EvaluateFilter(plan->get(), chunks_, rows_.size());
  ASSERT_TRUE(matched.ok());
  size_t expected = 0;
  const std::string pk_key = std::to_string(schema_->PrimaryField()->id);  // rows_ are keyed by field id
  for (size_t r = 0; r < rows_.size(); ++r) {
    bool want = rows_[r][pk_key].get<int64_t>() % 3 == 0;
    expected += want;
    EXPECT_EQ(matched->Test(r), want) << "row " << r;
  }
  EXPECT_EQ(matched->Count(), expected);
  EXPECT_GT(expected, 0u);

  std::string sums = "i64";
  for (int i = 0; i < 16000; ++i) sums += " + 1";
  auto refused = expr::CompileFilter(sums + " > 0", *schema_, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  // Within the budget the same chain evaluates as it reads.
  std::string shallow = "i8";
  for (int i = 0; i < 100; ++i) shallow += " + 1";
  EXPECT_EQ(Check(shallow + " > i8 + 99"), rows_.size());
  EXPECT_EQ(Check(shallow + " == i8 + 101"), 0u);
}

TEST(LikeMatchTest, Wildcards) {
  EXPECT_TRUE(LikeMatch("Product", "Prod%"));
  EXPECT_TRUE(LikeMatch("Product", "%duct"));
  EXPECT_TRUE(LikeMatch("Product", "%odu%"));
  EXPECT_TRUE(LikeMatch("Product", "P_oduct"));
  EXPECT_FALSE(LikeMatch("Product", "P_duct"));
  EXPECT_TRUE(LikeMatch("", "%"));
  EXPECT_FALSE(LikeMatch("", "_"));
  EXPECT_TRUE(LikeMatch("a%b", "a\\%b"));
  EXPECT_FALSE(LikeMatch("axb", "a\\%b"));
  EXPECT_TRUE(LikeMatch("aaab", "%a%b"));
  EXPECT_FALSE(LikeMatch("aaac", "%a%b"));
}

}  // namespace
}  // namespace quiver::exec
