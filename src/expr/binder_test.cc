#include "expr/binder.h"

#include <gtest/gtest.h>

namespace quiver::expr {
namespace {

using schema::DataType;

schema::CollectionSchema TestSchema(bool dynamic = true) {
  schema::CollectionSchema s;
  s.name = "c";
  s.enable_dynamic_field = dynamic;
  auto add = [&](const char* name, DataType type, std::map<std::string, std::string> params = {}) {
    schema::FieldSchema f;
    f.name = name;
    f.type = type;
    f.type_params = std::move(params);
    s.fields.push_back(f);
    return &s.fields.back();
  };
  add("id", DataType::kInt64)->primary_key = true;
  add("vec", DataType::kFloatVector, {{"dim", "4"}});
  add("age", DataType::kInt32);
  add("score", DataType::kFloat);
  add("name", DataType::kVarChar, {{"max_length", "32"}});
  add("flag", DataType::kBool);
  add("info", DataType::kJson);
  add("tags", DataType::kArray, {{"max_capacity", "4"}, {"max_length", "8"}})->element_type = DataType::kVarChar;
  add("nums", DataType::kArray, {{"max_capacity", "4"}})->element_type = DataType::kInt64;
  add("opt", DataType::kInt64)->nullable = true;
  EXPECT_TRUE(schema::NormalizeSchema(&s).ok());
  return s;
}

std::string Bound(std::string_view text, const TemplateValues& templates = {}, bool dynamic = true) {
  auto plan = CompileFilter(text, TestSchema(dynamic), templates);
  if (!plan.ok()) return "ERROR: " + plan.status().ToString();
  return *plan ? (*plan)->ToString() : "ALL";
}

TEST(BinderTest, ResolvesFieldsPathsAndTemplates) {
  // Field ids: id 100, vec 101, age 102, score 103, name 104, flag 105, info 106, tags 107,
  // nums 108, opt 109, $meta 110.
  EXPECT_EQ(Bound("age > 20"), "($102 > 20)");
  EXPECT_EQ(Bound("   "), "ALL");
  EXPECT_EQ(Bound("info[\"a\"][0] == \"x\""), "($106[\"a\"][0] == \"x\")");
  EXPECT_EQ(Bound("color == \"red\""), "($110[\"color\"] == \"red\")");  // dynamic key
  EXPECT_EQ(Bound("$meta[\"k\"] > 1"), "($110[\"k\"] > 1)");
  EXPECT_EQ(Bound("tags[1] == \"t\""), "($107[1] == \"t\")");
  EXPECT_EQ(Bound("flag"), "truth($105)");
  EXPECT_EQ(Bound("age > {low} and name in {names}",
                  {{"low", Literal(int64_t{3})}, {"names", Literal(LiteralArray{Literal("a"), Literal("b")})}}),
            "(($102 > 3) and ($104 in [\"a\", \"b\"]))");
  EXPECT_EQ(Bound("a > 1 and (b > 2 and c > 3)"),
            "(($110[\"a\"] > 1) and ($110[\"b\"] > 2) and ($110[\"c\"] > 3))");
  EXPECT_EQ(Bound("age * 2 + 1 < score"), "((($102 * 2) + 1) < $103)");
  EXPECT_EQ(Bound("array_length(tags) == 2"), "(array_length($107) == 2)");
  EXPECT_EQ(Bound("array_contains_any(nums, [1, 2])"), "contains_any($108, [1, 2])");
  EXPECT_EQ(Bound("json_contains(info[\"t\"], 3)"), "contains($106[\"t\"], [3])");
  EXPECT_EQ(Bound("opt is not null"), "($109 is not null)");
  EXPECT_EQ(Bound("exists info[\"k\"]"), "(exists $106[\"k\"])");
  EXPECT_EQ(Bound("name like \"ab%\""), "($104 like \"ab%\")");
  EXPECT_EQ(Bound("age in [1, 2.5]"), "($102 in [1, 2.5])");
}

TEST(BinderTest, RejectsBadExpressionsWithPositions) {
  struct Case {
    const char* input;
    const char* message;
  };
  const Case cases[] = {
      {"age > \"x\"", "position 4: cannot compare integer with string"},
      {"name < 3", "cannot compare string with integer"},
      {"vec > 1", "vector field vec cannot be used"},
      {"age[0] == 1", "cannot be subscripted"},
      {"tags[\"k\"] == 1", "takes one integer index"},
      {"age in [\"a\"]", "does not match integer"},
      {"age like \"a%\"", "'like' needs a string field"},
      {"name like age", "needs a string pattern"},
      {"age + \"s\" > 1", "needs numbers"},
      {"score % 2 == 0", "needs integers"},
      {"age", "not a boolean condition"},
      {"age == null", "use 'is null'"},
      {"flag > true", "only == and !="},
      {"array_contains(age, 1)", "needs an array field"},
      {"array_contains(tags, 1)", "does not match string"},
      {"json_contains_all(info, 1)", "needs a list"},
      {"exists age", "applies to a JSON key"},
      {"nosuch_fn(age)", "unknown function nosuch_fn"},
      {"text_match(name, \"x\")", "not supported yet"},
      {"age > {missing}", "no value for template parameter {missing}"},
      {"(age > 1) + 1 > 2", "condition cannot be used as a value"},
  };
  for (const Case& c : cases) {
    std::string out = Bound(c.input);
    EXPECT_NE(out.find(c.message), std::string::npos) << c.input << " -> " << out;
    EXPECT_EQ(out.rfind("ERROR", 0), 0u) << c.input;
  }
  // Without dynamic fields an unknown name is an error.
  EXPECT_NE(Bound("color == \"red\"", {}, false).find("field color does not exist"), std::string::npos);
}

}  // namespace
}  // namespace quiver::expr
