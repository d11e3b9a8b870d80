// libFuzzer target: the expression parser and binder must never crash, hang or leak on any input.
//   make fuzz   (builds with clang -fsanitize=fuzzer,address,undefined and runs for 60 s)

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "expr/binder.h"
#include "expr/parser.h"

namespace {

quiver::schema::CollectionSchema FuzzSchema() {
  using quiver::schema::DataType;
  quiver::schema::CollectionSchema s;
  s.name = "fuzz";
  s.enable_dynamic_field = true;
  auto add = [&](const char* name, DataType type, std::map<std::string, std::string> params = {}) {
    quiver::schema::FieldSchema f;
    f.name = name;
    f.type = type;
    f.type_params = std::move(params);
    s.fields.push_back(f);
    return &s.fields.back();
  };
  add("id", DataType::kInt64)->primary_key = true;
  add("v", DataType::kFloatVector, {{"dim", "4"}});
  add("a", DataType::kInt32);
  add("f", DataType::kDouble);
  add("s", DataType::kVarChar, {{"max_length", "16"}});
  add("b", DataType::kBool);
  add("j", DataType::kJson);
  add("t", DataType::kArray, {{"max_capacity", "4"}, {"max_length", "8"}})->element_type = DataType::kVarChar;
  (void)quiver::schema::NormalizeSchema(&s).ok();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const quiver::schema::CollectionSchema schema = FuzzSchema();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto node = quiver::expr::Parse(text);
  if (node.ok()) {
    (void)(*node)->ToString();
    quiver::expr::TemplateValues templates{{"p", quiver::expr::Literal(int64_t{1})}};
    auto plan = quiver::expr::Bind(**node, schema, templates);
    if (plan.ok()) (void)(*plan)->ToString();
  }
  return 0;
}
