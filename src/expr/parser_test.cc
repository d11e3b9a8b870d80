#include "expr/parser.h"

#include <gtest/gtest.h>

#include <random>

namespace quiver::expr {
namespace {

std::string Canon(std::string_view text) {
  auto node = Parse(text);
  if (!node.ok()) return "ERROR: " + node.status().ToString();
  return (*node)->ToString();
}

TEST(ParserTest, EveryConstructParsesToTheExpectedTree) {
  struct Case {
    const char* input;
    const char* tree;
  };
  const Case cases[] = {
      {"a > 1", "(a > 1)"},
      {"a >= 1 and b < 2", "((a >= 1) and (b < 2))"},
      {"a == 1 && b != 2 || c <= 3", "(((a == 1) and (b != 2)) or (c <= 3))"},
      {"a == 1 AND b == 2 OR c == 3", "(((a == 1) and (b == 2)) or (c == 3))"},
      {"not a > 1", "(not (a > 1))"},
      {"NOT (a > 1)", "(not (a > 1))"},
      {"!(a > 1)", "(not (a > 1))"},
      {"1 < a < 5", "((1 < a) and (a < 5))"},
      {"10 > b >= 2", "((10 > b) and (b >= 2))"},
      {"a in [1, 2, 3]", "(a in [1, 2, 3])"},
      {"a IN [\"x\", 'y']", "(a in [\"x\", \"y\"])"},
      {"a not in [1]", "(a not in [1])"},
      {"a NOT IN []", "(a not in [])"},
      {"name like \"Prod%\"", "(name like \"Prod%\")"},
      {"name LIKE 'a_c'", "(name like \"a_c\")"},
      {"price * 0.9 < 100", "((price * 0.9) < 100)"},
      {"id % 2 == 0", "((id % 2) == 0)"},
      {"a + b * c - d / e == 1", "(((a + (b * c)) - (d / e)) == 1)"},
      {"2 ** 3 ** 2 == x", "((2 ** (3 ** 2)) == x)"},
      {"-x ** 2 == -4", "((-(x ** 2)) == -4)"},
      {"a & 3 == 1", "((a & 3) == 1)"},  // bitwise operators bind tighter than comparisons
      {"(a & 3) == 1", "((a & 3) == 1)"},
      {"a | b ^ c << 1 == 0", "((a | (b ^ (c << 1))) == 0)"},
      {"~a == -1", "((~a) == -1)"},
      {"info[\"a\"][\"b\"] == 1", "(info[\"a\"][\"b\"] == 1)"},
      {"info['arr'][0] > 2", "(info[\"arr\"][0] > 2)"},
      {"$meta[\"k\"] == \"v\"", "($meta[\"k\"] == \"v\")"},
      {"tags[0] == \"x\"", "(tags[0] == \"x\")"},
      {"json_contains(info[\"tags\"], \"a\")", "json_contains(info[\"tags\"], \"a\")"},
      {"JSON_CONTAINS_ALL(j, [1, 2])", "json_contains_all(j, [1, 2])"},
      {"json_contains_any(j, [1, 2])", "json_contains_any(j, [1, 2])"},
      {"array_contains(tags, \"a\")", "array_contains(tags, \"a\")"},
      {"array_contains_all(tags, [\"a\"])", "array_contains_all(tags, [\"a\"])"},
      {"array_contains_any(tags, [\"a\", \"b\"])", "array_contains_any(tags, [\"a\", \"b\"])"},
      {"array_length(tags) == 2", "(array_length(tags) == 2)"},
      {"f is null", "(f is null)"},
      {"f IS NOT NULL", "(f is not null)"},
      {"exists info[\"k\"]", "(exists info[\"k\"])"},
      {"EXISTS info[\"k\"] and a > 1", "((exists info[\"k\"]) and (a > 1))"},
      {"a > {low} and a < {high}", "((a > {low}) and (a < {high}))"},
      {"a in {list}", "(a in {list})"},
      {"flag", "flag"},
      {"flag == True", "(flag == true)"},
      {"flag == TRUE or flag == false", "((flag == true) or (flag == false))"},
      {"a == 0x1F", "(a == 31)"},
      {"a == 017", "(a == 15)"},
      {"a == 0b101", "(a == 5)"},
      {"a == -9223372036854775808", "(a == -9223372036854775808)"},
      {"a == 1.5e3", "(a == 1500.0)"},
      {"a == .5", "(a == 0.5)"},
      {"s == \"q\\\"uote\\n\"", "(s == \"q\\\"uote\n\")"},
      {"  a   >   1  ", "(a > 1)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Canon(c.input), c.tree) << c.input;
  }
}

TEST(ParserTest, SyntaxErrorsCarryPositions) {
  struct Case {
    const char* input;
    const char* message;
  };
  const Case cases[] = {
      {"a >", "position 3: unexpected end"},
      {"a > 1 and", "position 9: unexpected end"},
      {"(a > 1", "position 6: expected ')'"},
      {"a = 1", "position 2: '=' is not an operator"},
      {"a > 1 b", "position 6: unexpected token after the end"},
      {"a in [1, 2", "position 10: expected ']'"},
      {"s == \"open", "unterminated string"},
      {"a == 99999999999999999999", "integer out of range"},
      {"a == 12abc", "malformed number"},
      {"1 < a > 5", "same direction"},
      {"1 < a < 5 < 7", "at most two comparisons"},
      {"a is 5", "expected 'null'"},
      {"a not like 'x'", "expected 'in' after 'not'"},
      {"info[a] == 1", "subscript must be"},
      {"{} == 1", "template parameter name"},
      {"a @ 1", "unexpected character '@'"},
      {"", "unexpected end"},
  };
  for (const Case& c : cases) {
    auto result = Parse(c.input);
    ASSERT_FALSE(result.ok()) << c.input;
    EXPECT_TRUE(result.status().IsInvalidArgument());
    EXPECT_NE(result.status().ToString().find(c.message), std::string::npos)
        << c.input << " -> " << result.status().ToString();
  }
}

TEST(ParserTest, DeepNestingIsRejectedNotCrashed) {
  std::string deep(100000, '(');
  EXPECT_NE(Parse(deep + "a").status().ToString().find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  EXPECT_FALSE(Parse(nots + "a").ok());
  std::string minus(100000, '-');
  EXPECT_FALSE(Parse(minus + "1").ok());
}

int Height(const Node& node) {
  int tallest = 0;
  for (const auto& child : node.children) tallest = std::max(tallest, Height(*child));
  return tallest + 1;
}

// A chain of `count` copies of `unit` after `head`, up to the message size limit.
std::string Chain(std::string head, std::string_view unit, size_t count, std::string_view tail = "") {
  for (size_t i = 0; i < count && head.size() + unit.size() + tail.size() <= kMaxExpressionBytes; ++i) head += unit;
  return head + std::string(tail);
}

// Every construct of the grammar, repeated flat (no parentheses) up to the message size limit,
// either parses into a tree no taller than kMaxDepth or is refused with a clear error: nothing
// builds a tree whose later recursive walks (binding, evaluation, printing, destruction) could
// overflow the stack.
TEST(ParserTest, LongFlatChainsOfEveryConstructAreBounded) {
  const std::vector<std::string> inputs = {
      Chain("id", " + 1", 16000, " > 0"),   Chain("id", " - 1", 1 << 20, " > 0"),
      Chain("id", " * 2", 1 << 20, " > 0"), Chain("id", " / 2", 1 << 20, " > 0"),
      Chain("id", " % 2", 1 << 20, " > 0"), Chain("id", " ** 2", 1 << 20, " > 0"),
      Chain("id", " | 1", 1 << 20, " > 0"), Chain("id", " & 1", 1 << 20, " > 0"),
      Chain("id", " ^ 1", 1 << 20, " > 0"), Chain("id", " << 1", 1 << 20, " > 0"),
      Chain("id", " is null", 1 << 20),     Chain("id", " is not null", 1 << 20),
      Chain("id", " in [1]", 1 << 20),      Chain("id", " not in [1]", 1 << 20),
      Chain("id", " like \"a\"", 1 << 20), Chain("", "exists ", 1 << 20, "a"),
      Chain("", "- ", 1 << 20, "a > 0"),    Chain("", "~", 1 << 20, "a > 0"),
      Chain("", "not ", 1 << 20, "a"),      Chain("", "!", 1 << 20, "a"),
      Chain("", "f(", 1 << 19, "a"),        Chain("", "[", 1 << 20, "1"),
      Chain("id", "[0]", 1 << 20, " > 0"),  Chain("", "+", 1 << 20, "a > 0"),
      Chain("id > 0", " and id > 0", 1 << 20), Chain("id > 0", " or id > 0", 1 << 20),
      Chain("id > 0", " && id > 0 || id > 0", 1 << 20),
  };
  for (const std::string& input : inputs) {
    auto result = Parse(input);
    if (result.ok()) {
      EXPECT_LE(Height(**result), kMaxDepth) << input.substr(0, 40);
      EXPECT_EQ((*result)->height, Height(**result)) << input.substr(0, 40);
    } else {
      EXPECT_TRUE(result.status().IsInvalidArgument()) << input.substr(0, 40);
      EXPECT_NE(result.status().ToString().find("nested too deeply"), std::string::npos)
          << input.substr(0, 40) << " -> " << result.status().ToString().substr(0, 200);
    }
  }
  // The arithmetic chain of the report is refused; long and/or chains are legitimate filters
  // (terms generated by a client) and parse into balanced trees.
  EXPECT_FALSE(Parse(inputs[0]).ok());
  auto ors = Parse(inputs[25]);
  ASSERT_TRUE(ors.ok()) << ors.status().ToString();
  EXPECT_LE((*ors)->height, 25);
  auto mixed = Parse(inputs[26]);
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
}

TEST(ParserTest, LogicChainsKeepOrderAndShape) {
  EXPECT_EQ(Canon("a or b or c"), "((a or b) or c)");
  EXPECT_EQ(Canon("a and b and c and d"), "((a and b) and (c and d))");
  EXPECT_EQ(Canon("a or b and c or d"), "((a or (b and c)) or d)");
  // Operator positions survive balancing (errors downstream name them).
  auto tree = Parse("a or b or c or d");
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ((*tree)->pos, 7u);
}

// Random garbage and random mutations of valid expressions never crash the parser (the libFuzzer
// target `make fuzz` explores much further; this keeps a bounded version in every test run).
TEST(ParserTest, RandomInputNeverCrashes) {
  std::mt19937 rng(99);
  const std::string alphabet = "ab_$01.9xe\"'[](){},+-*/%<>=!&|^~ \\nNOTandorinlikeisnull";
  const char* seeds[] = {"a > 1 and b in [1, 2]", "info[\"x\"][0] like \"p%\"", "not (a < b <= c)",
                         "json_contains_any(j, [1, \"s\"]) or x is not null", "{p} ** 2 % 3"};
  size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    if (i % 2 == 0) {
      size_t len = rng() % 40;
      for (size_t k = 0; k < len; ++k) input.push_back(alphabet[rng() % alphabet.size()]);
    } else {
      input = seeds[rng() % 5];
      for (int m = 0; m < 3; ++m) {
        size_t at = rng() % (input.size() + 1);
        if (rng() % 2) input.insert(input.begin() + static_cast<long>(at), alphabet[rng() % alphabet.size()]);
        else if (at < input.size()) input.erase(at, 1);
      }
    }
    auto result = Parse(input);
    if (result.ok()) {
      ++parsed;
      // A parsed tree prints and re-parses to the same tree.
      std::string printed = (*result)->ToString();
      auto again = Parse(printed);
      ASSERT_TRUE(again.ok()) << input << " printed as " << printed;
      EXPECT_EQ((*again)->ToString(), printed);
    }
  }
  EXPECT_GT(parsed, 100u);
}

}  // namespace
}  // namespace quiver::expr
