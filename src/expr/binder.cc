#include "expr/binder.h"

#include <algorithm>

#include "expr/parser.h"

namespace quiver::expr {

namespace {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kBool: return "bool";
    case ValueType::kInt: return "integer";
    case ValueType::kFloat: return "float";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kJson: return "JSON";
    case ValueType::kNull: return "null";
  }
  return "?";
}

ValueType LiteralType(const Literal& literal) {
  if (literal.is_null()) return ValueType::kNull;
  if (literal.is_bool()) return ValueType::kBool;
  if (literal.is_int()) return ValueType::kInt;
  if (literal.is_float()) return ValueType::kFloat;
  if (literal.is_string()) return ValueType::kString;
  return ValueType::kArray;
}

ValueType ScalarValueType(schema::DataType type) {
  if (type == schema::DataType::kBool) return ValueType::kBool;
  if (schema::IsIntegerType(type)) return ValueType::kInt;
  if (schema::IsFloatingType(type)) return ValueType::kFloat;
  if (schema::IsStringType(type)) return ValueType::kString;
  if (type == schema::DataType::kArray) return ValueType::kArray;
  return ValueType::kJson;
}

bool IsNumeric(ValueType t) { return t == ValueType::kInt || t == ValueType::kFloat; }

class Binder {
 public:
  Binder(const schema::CollectionSchema& schema, const TemplateValues& templates)
      : schema_(schema), templates_(templates) {}

  Result<PlanPtr> BindPredicate(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kBinary:
        if (node.binary_op == BinaryOp::kAnd || node.binary_op == BinaryOp::kOr) {
          auto plan = Make(node.binary_op == BinaryOp::kAnd ? PlanNode::Kind::kAnd : PlanNode::Kind::kOr);
          for (const auto& child : node.children) {
            QUIVER_ASSIGN_OR_RETURN(PlanPtr bound, BindPredicate(*child));
            // Flatten a and (b and c) into one n-ary node.
            if (bound->kind == plan->kind) {
              for (auto& grand : bound->children) plan->children.push_back(std::move(grand));
            } else {
              plan->children.push_back(std::move(bound));
            }
          }
          return plan;
        }
        if (IsComparison(node.binary_op)) return BindCompare(node);
        break;
      case Node::Kind::kUnary:
        if (node.unary_op == UnaryOp::kNot) {
          auto plan = Make(PlanNode::Kind::kNot);
          QUIVER_ASSIGN_OR_RETURN(PlanPtr operand, BindPredicate(*node.children[0]));
          plan->children.push_back(std::move(operand));
          return plan;
        }
        break;
      case Node::Kind::kIn: return BindIn(node);
      case Node::Kind::kLike: return BindLike(node);
      case Node::Kind::kIsNull: return BindIsNull(node);
      case Node::Kind::kExists: return BindExists(node);
      case Node::Kind::kCall:
        if (node.name != "array_length") return BindContains(node);
        break;
      default:
        break;
    }
    // A value used as a predicate: must be boolean (or JSON, checked per row).
    QUIVER_ASSIGN_OR_RETURN(PlanPtr value, BindValue(node));
    if (value->type != ValueType::kBool && value->type != ValueType::kJson) {
      return Error(node, "expression is not a boolean condition");
    }
    auto plan = Make(PlanNode::Kind::kTruth);
    plan->children.push_back(std::move(value));
    return plan;
  }

 private:
  static PlanPtr Make(PlanNode::Kind kind) {
    auto plan = std::make_unique<PlanNode>();
    plan->kind = kind;
    return plan;
  }

  Status Error(const Node& node, const std::string& message) const {
    return Status::InvalidArgument("invalid expression at position " + std::to_string(node.pos) + ": " + message);
  }

  Result<Literal> ConstantOf(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kLiteral: return node.literal;
      case Node::Kind::kTemplate: {
        auto it = templates_.find(node.name);
        if (it == templates_.end()) return Error(node, "no value for template parameter {" + node.name + "}");
        return it->second;
      }
      case Node::Kind::kArray: {
        LiteralArray elements;
        for (const auto& child : node.children) {
          QUIVER_ASSIGN_OR_RETURN(Literal element, ConstantOf(*child));
          elements.push_back(std::move(element));
        }
        return Literal(std::move(elements));
      }
      case Node::Kind::kUnary:
        if (node.unary_op == UnaryOp::kNeg || node.unary_op == UnaryOp::kPlus) {
          QUIVER_ASSIGN_OR_RETURN(Literal inner, ConstantOf(*node.children[0]));
          if (node.unary_op == UnaryOp::kPlus && inner.is_number()) return inner;
          if (inner.is_int()) return Literal(static_cast<int64_t>(0 - static_cast<uint64_t>(std::get<int64_t>(inner.value))));
          if (inner.is_float()) return Literal(-std::get<double>(inner.value));
        }
        return Error(node, "expected a constant");
      default:
        return Error(node, "expected a constant");
    }
  }

  bool IsConstant(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kLiteral:
      case Node::Kind::kTemplate:
        return true;
      case Node::Kind::kArray:
        return std::all_of(node.children.begin(), node.children.end(),
                           [this](const NodePtr& c) { return IsConstant(*c); });
      case Node::Kind::kUnary:
        return (node.unary_op == UnaryOp::kNeg || node.unary_op == UnaryOp::kPlus) &&
               node.children[0]->kind != Node::Kind::kIdentifier && IsConstant(*node.children[0]);
      default:
        return false;
    }
  }

  Result<PlanPtr> BindColumn(const Node& node) {
    const schema::FieldSchema* field = nullptr;
    std::vector<PathElement> path;
    if (node.name == schema::kDynamicFieldName) {
      field = schema_.DynamicField();
      if (field == nullptr) return Error(node, "collection has no dynamic field $meta");
    } else {
      field = schema_.FindField(node.name);
      if (field == nullptr || field->is_dynamic) {
        field = schema_.DynamicField();
        if (field == nullptr) return Error(node, "field " + node.name + " does not exist");
        path.push_back({false, node.name, 0});  // dynamic key
      }
    }
    for (const auto& sub : node.children) {
      if (sub->literal.is_string()) path.push_back({false, std::get<std::string>(sub->literal.value), 0});
      else path.push_back({true, {}, std::get<int64_t>(sub->literal.value)});
    }
    auto plan = Make(PlanNode::Kind::kColumn);
    plan->field_id = field->id;
    plan->field_type = field->type;
    plan->element_type = field->element_type;
    plan->nullable = field->nullable;
    plan->field_name = field->is_dynamic && !path.empty() && !path[0].is_index ? path[0].key : field->name;
    if (schema::IsVectorType(field->type)) {
      return Error(node, "vector field " + field->name + " cannot be used in a filter");
    }
    if (field->type == schema::DataType::kJson) {
      plan->type = ValueType::kJson;
    } else if (field->type == schema::DataType::kArray) {
      if (path.size() > 1 || (path.size() == 1 && !path[0].is_index)) {
        return Error(node, "array field " + field->name + " takes one integer index");
      }
      plan->type = path.empty() ? ValueType::kArray : ScalarValueType(field->element_type);
    } else {
      if (!path.empty()) return Error(node, "field " + field->name + " of type " +
                                                std::string(schema::DataTypeName(field->type)) +
                                                " cannot be subscripted");
      plan->type = ScalarValueType(field->type);
    }
    plan->path = std::move(path);
    return plan;
  }

  Result<PlanPtr> BindValue(const Node& node) {
    if (IsConstant(node)) {
      QUIVER_ASSIGN_OR_RETURN(Literal literal, ConstantOf(node));
      auto plan = Make(PlanNode::Kind::kConstant);
      plan->type = LiteralType(literal);
      plan->literal = std::move(literal);
      return plan;
    }
    switch (node.kind) {
      case Node::Kind::kIdentifier: return BindColumn(node);
      case Node::Kind::kUnary: {
        QUIVER_ASSIGN_OR_RETURN(PlanPtr operand, BindValue(*node.children[0]));
        if (node.unary_op == UnaryOp::kNot) return Error(node, "'not' applies to conditions, not values");
        if (node.unary_op == UnaryOp::kPlus) {
          if (!IsNumeric(operand->type) && operand->type != ValueType::kJson) {
            return Error(node, "unary + needs a number");
          }
          return operand;
        }
        bool bitnot = node.unary_op == UnaryOp::kBitNot;
        if (bitnot ? (operand->type != ValueType::kInt && operand->type != ValueType::kJson)
                   : (!IsNumeric(operand->type) && operand->type != ValueType::kJson)) {
          return Error(node, std::string(bitnot ? "~ needs an integer" : "unary - needs a number") +
                                 ", got " + std::string(ValueTypeName(operand->type)));
        }
        auto plan = Make(bitnot ? PlanNode::Kind::kBitNot : PlanNode::Kind::kNegate);
        plan->type = operand->type;
        plan->children.push_back(std::move(operand));
        return plan;
      }
      case Node::Kind::kBinary: {
        if (!IsArithmetic(node.binary_op)) return Error(node, "a condition cannot be used as a value");
        QUIVER_ASSIGN_OR_RETURN(PlanPtr lhs, BindValue(*node.children[0]));
        QUIVER_ASSIGN_OR_RETURN(PlanPtr rhs, BindValue(*node.children[1]));
        BinaryOp op = node.binary_op;
        bool integer_only = op == BinaryOp::kMod || op == BinaryOp::kBitAnd || op == BinaryOp::kBitOr ||
                            op == BinaryOp::kBitXor || op == BinaryOp::kShl || op == BinaryOp::kShr;
        for (const PlanNode* operand : {lhs.get(), rhs.get()}) {
          bool ok = integer_only ? (operand->type == ValueType::kInt || operand->type == ValueType::kJson)
                                 : (IsNumeric(operand->type) || operand->type == ValueType::kJson);
          if (!ok) {
            return Error(node, "operator " + std::string(BinaryOpName(op)) + " needs " +
                                   (integer_only ? "integers" : "numbers") + ", got " +
                                   std::string(ValueTypeName(operand->type)));
          }
        }
        auto plan = Make(PlanNode::Kind::kArith);
        plan->op = op;
        if (lhs->type == ValueType::kJson || rhs->type == ValueType::kJson) plan->type = ValueType::kJson;
        else if (op == BinaryOp::kPow) plan->type = ValueType::kFloat;
        else if (lhs->type == ValueType::kInt && rhs->type == ValueType::kInt) plan->type = ValueType::kInt;
        else plan->type = ValueType::kFloat;
        plan->children.push_back(std::move(lhs));
        plan->children.push_back(std::move(rhs));
        return plan;
      }
      case Node::Kind::kCall:
        if (node.name == "array_length") {
          if (node.children.size() != 1) return Error(node, "array_length takes one argument");
          QUIVER_ASSIGN_OR_RETURN(PlanPtr operand, BindValue(*node.children[0]));
          if (operand->kind != PlanNode::Kind::kColumn ||
              (operand->type != ValueType::kArray && operand->type != ValueType::kJson)) {
            return Error(node, "array_length needs an array field or a JSON path");
          }
          auto plan = Make(PlanNode::Kind::kArrayLength);
          plan->type = ValueType::kInt;
          plan->children.push_back(std::move(operand));
          return plan;
        }
        return Error(node, "function " + node.name + " does not return a value usable here");
      default:
        return Error(node, "expected a value");
    }
  }

  Status CheckComparable(const Node& node, const PlanNode& a, const PlanNode& b, BinaryOp op) {
    ValueType x = a.type, y = b.type;
    if (x == ValueType::kNull || y == ValueType::kNull) {
      return Error(node, "cannot compare with null; use 'is null' or 'is not null'");
    }
    if (x == ValueType::kJson || y == ValueType::kJson) {
      if (x == ValueType::kArray && a.kind == PlanNode::Kind::kColumn) {
        return Error(node, "cannot compare an array field with JSON");
      }
      return Status::OK();
    }
    if (IsNumeric(x) && IsNumeric(y)) return Status::OK();
    if (x == y && x != ValueType::kArray) {
      if (x == ValueType::kBool && op != BinaryOp::kEq && op != BinaryOp::kNe) {
        return Error(node, "bool values support only == and !=");
      }
      return Status::OK();
    }
    if (x == ValueType::kArray && y == ValueType::kArray && (op == BinaryOp::kEq || op == BinaryOp::kNe)) {
      return Status::OK();
    }
    return Error(node, "cannot compare " + std::string(ValueTypeName(x)) + " with " +
                           std::string(ValueTypeName(y)));
  }

  Result<PlanPtr> BindCompare(const Node& node) {
    QUIVER_ASSIGN_OR_RETURN(PlanPtr lhs, BindValue(*node.children[0]));
    QUIVER_ASSIGN_OR_RETURN(PlanPtr rhs, BindValue(*node.children[1]));
    QUIVER_RETURN_IF_ERROR(CheckComparable(node, *lhs, *rhs, node.binary_op));
    auto plan = Make(PlanNode::Kind::kCompare);
    plan->op = node.binary_op;
    plan->children.push_back(std::move(lhs));
    plan->children.push_back(std::move(rhs));
    return plan;
  }

  Status CheckElement(const Node& node, ValueType target, const Literal& element) {
    ValueType t = LiteralType(element);
    if (target == ValueType::kJson) return Status::OK();
    if (IsNumeric(target) && IsNumeric(t)) return Status::OK();
    if (target == t && t != ValueType::kArray && t != ValueType::kNull) return Status::OK();
    return Error(node, "value " + element.ToString() + " does not match " + std::string(ValueTypeName(target)));
  }

  Result<PlanPtr> BindIn(const Node& node) {
    QUIVER_ASSIGN_OR_RETURN(PlanPtr lhs, BindValue(*node.children[0]));
    if (!IsConstant(*node.children[1])) return Error(*node.children[1], "'in' needs a list of constants");
    QUIVER_ASSIGN_OR_RETURN(Literal list, ConstantOf(*node.children[1]));
    if (!list.is_array()) return Error(*node.children[1], "'in' needs a list");
    if (lhs->type == ValueType::kArray || lhs->type == ValueType::kNull) {
      return Error(node, "'in' needs a scalar or JSON value on the left");
    }
    auto plan = Make(PlanNode::Kind::kIn);
    plan->negated = node.negated;
    for (const Literal& element : std::get<LiteralArray>(list.value)) {
      QUIVER_RETURN_IF_ERROR(CheckElement(node, lhs->type, element));
      plan->values.push_back(element);
    }
    plan->children.push_back(std::move(lhs));
    return plan;
  }

  Result<PlanPtr> BindLike(const Node& node) {
    QUIVER_ASSIGN_OR_RETURN(PlanPtr lhs, BindValue(*node.children[0]));
    if (lhs->type != ValueType::kString && lhs->type != ValueType::kJson) {
      return Error(node, "'like' needs a string field, got " + std::string(ValueTypeName(lhs->type)));
    }
    if (!IsConstant(*node.children[1])) return Error(*node.children[1], "'like' needs a string pattern");
    QUIVER_ASSIGN_OR_RETURN(Literal pattern, ConstantOf(*node.children[1]));
    if (!pattern.is_string()) return Error(*node.children[1], "'like' needs a string pattern");
    auto plan = Make(PlanNode::Kind::kLike);
    plan->literal = std::move(pattern);
    plan->children.push_back(std::move(lhs));
    return plan;
  }

  Result<PlanPtr> BindIsNull(const Node& node) {
    QUIVER_ASSIGN_OR_RETURN(PlanPtr operand, BindValue(*node.children[0]));
    if (operand->kind != PlanNode::Kind::kColumn) return Error(node, "'is null' applies to a field");
    auto plan = Make(PlanNode::Kind::kIsNull);
    plan->negated = node.negated;
    plan->children.push_back(std::move(operand));
    return plan;
  }

  Result<PlanPtr> BindExists(const Node& node) {
    QUIVER_ASSIGN_OR_RETURN(PlanPtr operand, BindValue(*node.children[0]));
    if (operand->kind != PlanNode::Kind::kColumn || operand->type != ValueType::kJson || operand->path.empty()) {
      return Error(node, "'exists' applies to a JSON key, e.g. exists info[\"key\"]");
    }
    auto plan = Make(PlanNode::Kind::kExists);
    plan->children.push_back(std::move(operand));
    return plan;
  }

  Result<PlanPtr> BindContains(const Node& node) {
    static const std::pair<std::string_view, PlanNode::ContainsMode> kFunctions[] = {
        {"json_contains", PlanNode::ContainsMode::kOne},
        {"json_contains_all", PlanNode::ContainsMode::kAll},
        {"json_contains_any", PlanNode::ContainsMode::kAny},
        {"array_contains", PlanNode::ContainsMode::kOne},
        {"array_contains_all", PlanNode::ContainsMode::kAll},
        {"array_contains_any", PlanNode::ContainsMode::kAny},
    };
    if (node.name == "text_match" || node.name == "phrase_match" || node.name == "random_sample") {
      return Error(node, "function " + node.name + " is not supported yet");
    }
    const auto* fn = std::find_if(std::begin(kFunctions), std::end(kFunctions),
                                  [&](const auto& f) { return f.first == node.name; });
    if (fn == std::end(kFunctions)) return Error(node, "unknown function " + node.name);
    if (node.children.size() != 2) return Error(node, node.name + " takes two arguments");
    QUIVER_ASSIGN_OR_RETURN(PlanPtr target, BindValue(*node.children[0]));
    if (target->kind != PlanNode::Kind::kColumn ||
        (target->type != ValueType::kArray && target->type != ValueType::kJson)) {
      return Error(node, node.name + " needs an array field or a JSON field/path as first argument");
    }
    if (!IsConstant(*node.children[1])) return Error(*node.children[1], node.name + " needs a constant");
    QUIVER_ASSIGN_OR_RETURN(Literal value, ConstantOf(*node.children[1]));
    auto plan = Make(PlanNode::Kind::kContains);
    plan->contains = fn->second;
    ValueType element_type = target->type == ValueType::kArray ? ScalarValueType(target->element_type)
                                                               : ValueType::kJson;
    if (fn->second == PlanNode::ContainsMode::kOne) {
      if (target->type == ValueType::kArray) QUIVER_RETURN_IF_ERROR(CheckElement(node, element_type, value));
      plan->values.push_back(std::move(value));
    } else {
      if (!value.is_array()) return Error(*node.children[1], node.name + " needs a list");
      for (Literal& element : std::get<LiteralArray>(value.value)) {
        QUIVER_RETURN_IF_ERROR(CheckElement(node, element_type, element));
        plan->values.push_back(std::move(element));
      }
    }
    plan->children.push_back(std::move(target));
    return plan;
  }

  const schema::CollectionSchema& schema_;
  const TemplateValues& templates_;
};

}  // namespace

std::string PlanNode::ToString() const {
  auto join = [](const std::vector<PlanPtr>& nodes, const char* sep) {
    std::string out;
    for (size_t i = 0; i < nodes.size(); ++i) out += (i ? sep : "") + nodes[i]->ToString();
    return out;
  };
  auto list = [](const std::vector<Literal>& values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i].ToString();
    return out + "]";
  };
  switch (kind) {
    case Kind::kColumn: {
      std::string out = "$" + std::to_string(field_id);
      for (const auto& p : path) out += p.is_index ? "[" + std::to_string(p.index) + "]" : "[\"" + p.key + "\"]";
      return out;
    }
    case Kind::kConstant: return literal.ToString();
    case Kind::kArith: return "(" + children[0]->ToString() + " " + std::string(BinaryOpName(op)) + " " + children[1]->ToString() + ")";
    case Kind::kNegate: return "(-" + children[0]->ToString() + ")";
    case Kind::kBitNot: return "(~" + children[0]->ToString() + ")";
    case Kind::kArrayLength: return "array_length(" + children[0]->ToString() + ")";
    case Kind::kCompare: return "(" + children[0]->ToString() + " " + std::string(BinaryOpName(op)) + " " + children[1]->ToString() + ")";
    case Kind::kIn: return "(" + children[0]->ToString() + (negated ? " not in " : " in ") + list(values) + ")";
    case Kind::kLike: return "(" + children[0]->ToString() + " like " + literal.ToString() + ")";
    case Kind::kAnd: return "(" + join(children, " and ") + ")";
    case Kind::kOr: return "(" + join(children, " or ") + ")";
    case Kind::kNot: return "(not " + children[0]->ToString() + ")";
    case Kind::kIsNull: return "(" + children[0]->ToString() + (negated ? " is not null)" : " is null)");
    case Kind::kExists: return "(exists " + children[0]->ToString() + ")";
    case Kind::kContains: {
      const char* mode = contains == ContainsMode::kOne ? "contains" : contains == ContainsMode::kAll ? "contains_all" : "contains_any";
      return std::string(mode) + "(" + children[0]->ToString() + ", " + list(values) + ")";
    }
    case Kind::kTruth: return "truth(" + children[0]->ToString() + ")";
  }
  return "?";
}

Result<PlanPtr> Bind(const Node& root, const schema::CollectionSchema& schema, const TemplateValues& templates) {
  Binder binder(schema, templates);
  return binder.BindPredicate(root);
}

Result<PlanPtr> CompileFilter(std::string_view text, const schema::CollectionSchema& schema,
                              const TemplateValues& templates) {
  bool blank = std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  if (blank) return PlanPtr();
  QUIVER_ASSIGN_OR_RETURN(NodePtr root, Parse(text));
  return Bind(*root, schema, templates);
}

}  // namespace quiver::expr
