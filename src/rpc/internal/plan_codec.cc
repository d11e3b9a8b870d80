#include "rpc/internal/plan_codec.h"

namespace quiver::rpc {

namespace pb = quiver::internal;

namespace {

enum LiteralKind : uint32_t { kNull = 0, kBool = 1, kInt = 2, kFloat = 3, kString = 4, kArray = 5 };

void EncodeLiteral(const expr::Literal& literal, pb::Plan* out) {
  pb::PlanLiteral* l = out->add_literals();
  if (literal.is_bool()) {
    l->set_kind(kBool);
    l->set_bool_value(std::get<bool>(literal.value));
  } else if (literal.is_int()) {
    l->set_kind(kInt);
    l->set_int_value(std::get<int64_t>(literal.value));
  } else if (literal.is_float()) {
    l->set_kind(kFloat);
    l->set_float_value(std::get<double>(literal.value));
  } else if (literal.is_string()) {
    l->set_kind(kString);
    l->set_string_value(std::get<std::string>(literal.value));
  } else if (literal.is_array()) {
    const auto& items = std::get<expr::LiteralArray>(literal.value);
    l->set_kind(kArray);
    l->set_items(static_cast<uint32_t>(items.size()));
    for (const auto& item : items) EncodeLiteral(item, out);
  } else {
    l->set_kind(kNull);
  }
}

void EncodeNode(const expr::PlanNode& node, pb::Plan* out) {
  pb::PlanNode* n = out->add_nodes();
  n->set_kind(static_cast<uint32_t>(node.kind));
  n->set_type(static_cast<uint32_t>(node.type));
  n->set_op(static_cast<uint32_t>(node.op));
  n->set_negated(node.negated);
  n->set_contains(static_cast<uint32_t>(node.contains));
  n->set_field_id(node.field_id);
  n->set_field_type(static_cast<int32_t>(node.field_type));
  n->set_element_type(static_cast<int32_t>(node.element_type));
  n->set_nullable(node.nullable);
  for (const auto& step : node.path) {
    pb::PathElement* p = n->add_path();
    p->set_is_index(step.is_index);
    p->set_key(step.key);
    p->set_index(step.index);
  }
  n->set_field_name(node.field_name);
  n->set_values(static_cast<uint32_t>(node.values.size()));
  n->set_children(static_cast<uint32_t>(node.children.size()));
  EncodeLiteral(node.literal, out);
  for (const auto& value : node.values) EncodeLiteral(value, out);
  for (const auto& child : node.children) EncodeNode(*child, out);
}

class PlanReader {
 public:
  explicit PlanReader(const pb::Plan& plan) : plan_(plan) {}

  Result<expr::PlanPtr> Node(int depth) {
    if (depth > kMaxPlanDepth) return Bad("deeper than " + std::to_string(kMaxPlanDepth) + " levels");
    if (next_node_ >= plan_.nodes_size()) return Bad("fewer nodes than counted");
    const pb::PlanNode& n = plan_.nodes(next_node_++);
    if (n.kind() > static_cast<uint32_t>(expr::PlanNode::Kind::kTruth) ||
        n.type() > static_cast<uint32_t>(expr::ValueType::kNull) ||
        n.op() > static_cast<uint32_t>(expr::BinaryOp::kOr) ||
        n.contains() > static_cast<uint32_t>(expr::PlanNode::ContainsMode::kAny) ||
        !schema::IsKnownDataType(n.field_type()) || !schema::IsKnownDataType(n.element_type())) {
      return Bad("a value out of range in node " + std::to_string(next_node_ - 1));
    }
    auto node = std::make_unique<expr::PlanNode>();
    node->kind = static_cast<expr::PlanNode::Kind>(n.kind());
    node->type = static_cast<expr::ValueType>(n.type());
    node->op = static_cast<expr::BinaryOp>(n.op());
    node->negated = n.negated();
    node->contains = static_cast<expr::PlanNode::ContainsMode>(n.contains());
    node->field_id = n.field_id();
    node->field_type = static_cast<schema::DataType>(n.field_type());
    node->element_type = static_cast<schema::DataType>(n.element_type());
    node->nullable = n.nullable();
    for (const auto& p : n.path()) node->path.push_back({p.is_index(), p.key(), p.index()});
    node->field_name = n.field_name();
    QUIVER_ASSIGN_OR_RETURN(node->literal, Literal(depth));
    for (uint32_t i = 0; i < n.values(); ++i) {
      QUIVER_ASSIGN_OR_RETURN(expr::Literal value, Literal(depth));
      node->values.push_back(std::move(value));
    }
    for (uint32_t i = 0; i < n.children(); ++i) {
      QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr child, Node(depth + 1));
      node->children.push_back(std::move(child));
    }
    return node;
  }

  bool Done() const { return next_node_ == plan_.nodes_size() && next_literal_ == plan_.literals_size(); }

 private:
  Result<expr::Literal> Literal(int depth) {
    if (depth > kMaxPlanDepth) return Bad("literal deeper than " + std::to_string(kMaxPlanDepth) + " levels");
    if (next_literal_ >= plan_.literals_size()) return Bad("fewer literals than counted");
    const pb::PlanLiteral& l = plan_.literals(next_literal_++);
    switch (l.kind()) {
      case kNull:
        return expr::Literal();
      case kBool:
        return expr::Literal(l.bool_value());
      case kInt:
        return expr::Literal(static_cast<int64_t>(l.int_value()));
      case kFloat:
        return expr::Literal(l.float_value());
      case kString:
        return expr::Literal(l.string_value());
      case kArray: {
        if (l.items() > static_cast<uint32_t>(plan_.literals_size())) return Bad("more array items than literals");
        expr::LiteralArray items;
        for (uint32_t i = 0; i < l.items(); ++i) {
          QUIVER_ASSIGN_OR_RETURN(expr::Literal item, Literal(depth + 1));
          items.push_back(std::move(item));
        }
        return expr::Literal(std::move(items));
      }
      default:
        return Bad("unknown literal kind " + std::to_string(l.kind()));
    }
  }

  static Status Bad(const std::string& what) { return Status::Corruption("bad filter plan from a peer: " + what); }

  const pb::Plan& plan_;
  int next_node_ = 0;
  int next_literal_ = 0;
};

}  // namespace

void EncodePlan(const expr::PlanNode& plan, pb::Plan* out) { EncodeNode(plan, out); }

Result<std::shared_ptr<const expr::PlanNode>> DecodePlan(const pb::Plan& plan) {
  if (plan.nodes_size() == 0) return std::shared_ptr<const expr::PlanNode>();
  PlanReader reader(plan);
  QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr root, reader.Node(0));
  if (!reader.Done()) return Status::Corruption("bad filter plan from a peer: nodes or literals left over");
  return std::shared_ptr<const expr::PlanNode>(std::move(root));
}

}  // namespace quiver::rpc
