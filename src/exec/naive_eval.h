#pragma once

// Test oracle: a deliberately simple row-at-a-time interpreter of filter plans. Each row is first
// turned into a JSON object {field name: value} (arrays as JSON arrays, JSON fields parsed, nulls
// absent), then the plan is walked with nlohmann::json values. It shares no evaluation code with
// exec/filter.cc, so the two only agree if both implement the semantics in expr/plan.h.

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

#include "exec/filter.h"
#include "schema/array_codec.h"

namespace quiver::exec::testing {

using Json = nlohmann::json;

inline Json RowToJson(const schema::CollectionSchema& schema, const schema::DataChunk& chunk, size_t row) {
  Json out = Json::object();
  for (const auto& field : schema.fields) {
    const schema::ColumnChunk* c = chunk.Find(field.id);
    if (c == nullptr || !c->IsValid(row) || schema::IsVectorType(field.type)) continue;
    const std::string key = std::to_string(field.id);
    switch (field.type) {
      case schema::DataType::kBool: out[key] = c->data.data()[row] != 0; break;
      case schema::DataType::kFloat:
      case schema::DataType::kDouble: out[key] = c->DoubleAt(row); break;
      case schema::DataType::kJson: {
        Json parsed = Json::parse(c->VarAt(row), nullptr, false);
        out[key] = parsed.is_discarded() ? Json() : parsed;
        break;
      }
      case schema::DataType::kArray: {
        Json arr = Json::array();
        auto decoded = schema::DecodeArray(field.element_type, c->VarAt(row));
        for (const auto& v : decoded.value()) {
          std::visit([&](const auto& x) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) arr.push_back(x);
          }, v);
        }
        out[key] = arr;
        break;
      }
      default:
        if (schema::IsStringType(field.type)) out[key] = std::string(c->VarAt(row));
        else out[key] = c->IntAt(row);
    }
  }
  return out;
}

class NaiveEvaluator {
 public:
  using Maybe = std::optional<Json>;  // nullopt = null / missing

  static Maybe FromLiteral(const expr::Literal& l) {
    if (l.is_bool()) return Json(std::get<bool>(l.value));
    if (l.is_int()) return Json(std::get<int64_t>(l.value));
    if (l.is_float()) return Json(std::get<double>(l.value));
    if (l.is_string()) return Json(std::get<std::string>(l.value));
    if (l.is_array()) {
      Json arr = Json::array();
      for (const auto& e : std::get<expr::LiteralArray>(l.value)) {
        Maybe m = FromLiteral(e);
        arr.push_back(m ? *m : Json());
      }
      return arr;
    }
    return std::nullopt;
  }

  static Maybe ColumnValue(const Json& row, const expr::PlanNode& n) {
    auto it = row.find(std::to_string(n.field_id));
    if (it == row.end()) return std::nullopt;
    const Json* cur = &*it;
    for (const auto& step : n.path) {
      if (step.is_index) {
        if (!cur->is_array() || step.index < 0 || step.index >= static_cast<int64_t>(cur->size())) return std::nullopt;
        cur = &(*cur)[static_cast<size_t>(step.index)];
      } else {
        if (!cur->is_object() || !cur->contains(step.key)) return std::nullopt;
        cur = &(*cur)[step.key];
      }
    }
    if (cur->is_null()) return std::nullopt;
    return *cur;
  }

  static bool IsInt(const Json& j) { return j.is_number_integer() || j.is_number_unsigned(); }

  static Maybe Value(const Json& row, const expr::PlanNode& n) {
    using K = expr::PlanNode::Kind;
    switch (n.kind) {
      case K::kColumn: return ColumnValue(row, n);
      case K::kConstant: return FromLiteral(n.literal);
      case K::kNegate: {
        Maybe v = Value(row, *n.children[0]);
        if (!v || !v->is_number()) return std::nullopt;
        if (IsInt(*v)) return Json(static_cast<int64_t>(0 - v->get<uint64_t>()));
        return Json(-v->get<double>());
      }
      case K::kBitNot: {
        Maybe v = Value(row, *n.children[0]);
        if (!v || !IsInt(*v)) return std::nullopt;
        return Json(~v->get<int64_t>());
      }
      case K::kArrayLength: {
        Maybe v = Value(row, *n.children[0]);
        if (!v || !v->is_array()) return std::nullopt;
        return Json(static_cast<int64_t>(v->size()));
      }
      case K::kArith: {
        Maybe a = Value(row, *n.children[0]), b = Value(row, *n.children[1]);
        if (!a || !b || !a->is_number() || !b->is_number()) return std::nullopt;
        using O = expr::BinaryOp;
        if (n.op == O::kPow) {
          double r = std::pow(a->get<double>(), b->get<double>());
          if (!std::isfinite(r)) return std::nullopt;
          return Json(r);
        }
        if (IsInt(*a) && IsInt(*b)) {
          int64_t x = a->get<int64_t>(), y = b->get<int64_t>();
          uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
          switch (n.op) {
            case O::kAdd: return Json(static_cast<int64_t>(ux + uy));
            case O::kSub: return Json(static_cast<int64_t>(ux - uy));
            case O::kMul: return Json(static_cast<int64_t>(ux * uy));
            case O::kDiv: if (y == 0 || (x == INT64_MIN && y == -1)) return std::nullopt; return Json(x / y);
            case O::kMod: if (y == 0 || (x == INT64_MIN && y == -1)) return std::nullopt; return Json(x % y);
            case O::kBitAnd: return Json(x & y);
            case O::kBitOr: return Json(x | y);
            case O::kBitXor: return Json(x ^ y);
            case O::kShl: if (y < 0 || y > 63) return std::nullopt; return Json(static_cast<int64_t>(ux << y));
            case O::kShr: if (y < 0 || y > 63) return std::nullopt; return Json(x >> y);
            default: return std::nullopt;
          }
        }
        double x = a->get<double>(), y = b->get<double>(), r;
        switch (n.op) {
          case O::kAdd: r = x + y; break;
          case O::kSub: r = x - y; break;
          case O::kMul: r = x * y; break;
          case O::kDiv: if (y == 0) return std::nullopt; r = x / y; break;
          default: return std::nullopt;
        }
        if (!std::isfinite(r)) return std::nullopt;
        return Json(r);
      }
      default: return std::nullopt;
    }
  }

  // nullopt = unknown
  static std::optional<bool> Cmp(const Maybe& a, const Maybe& b, expr::BinaryOp op) {
    if (!a || !b) return std::nullopt;
    auto order = [op](auto x, auto y) -> bool {
      using O = expr::BinaryOp;
      switch (op) {
        case O::kEq: return x == y;
        case O::kNe: return x != y;
        case O::kLt: return x < y;
        case O::kLe: return x <= y;
        case O::kGt: return x > y;
        case O::kGe: return x >= y;
        default: return false;
      }
    };
    if (a->is_number() && b->is_number()) {
      if (IsInt(*a) && IsInt(*b)) return order(a->get<int64_t>(), b->get<int64_t>());
      return order(a->get<double>(), b->get<double>());
    }
    if (a->is_string() && b->is_string()) return order(a->get<std::string>(), b->get<std::string>());
    if (a->is_boolean() && b->is_boolean()) return order(a->get<bool>(), b->get<bool>());
    if (a->is_array() && b->is_array() && (op == expr::BinaryOp::kEq || op == expr::BinaryOp::kNe)) {
      bool equal = a->size() == b->size();
      for (size_t i = 0; equal && i < a->size(); ++i) {
        Maybe x = (*a)[i].is_null() ? Maybe() : Maybe((*a)[i]);
        Maybe y = (*b)[i].is_null() ? Maybe() : Maybe((*b)[i]);
        equal = Cmp(x, y, expr::BinaryOp::kEq) == std::optional<bool>(true);
      }
      return op == expr::BinaryOp::kEq ? equal : !equal;
    }
    return std::nullopt;
  }

  static std::optional<bool> Truth(const Json& row, const expr::PlanNode& n) {
    using K = expr::PlanNode::Kind;
    switch (n.kind) {
      case K::kAnd: {
        bool unknown = false;
        for (const auto& c : n.children) {
          auto t = Truth(row, *c);
          if (t == std::optional<bool>(false)) return false;
          if (!t) unknown = true;
        }
        if (unknown) return std::nullopt;
        return true;
      }
      case K::kOr: {
        bool unknown = false;
        for (const auto& c : n.children) {
          auto t = Truth(row, *c);
          if (t == std::optional<bool>(true)) return true;
          if (!t) unknown = true;
        }
        if (unknown) return std::nullopt;
        return false;
      }
      case K::kNot: {
        auto t = Truth(row, *n.children[0]);
        if (!t) return std::nullopt;
        return !*t;
      }
      case K::kCompare: return Cmp(Value(row, *n.children[0]), Value(row, *n.children[1]), n.op);
      case K::kIn: {
        Maybe v = Value(row, *n.children[0]);
        std::optional<bool> result = false;
        for (const auto& lit : n.values) {
          auto eq = Cmp(v, FromLiteral(lit), expr::BinaryOp::kEq);
          if (eq == std::optional<bool>(true)) { result = true; break; }
          if (!eq) result = std::nullopt;
        }
        if (!v) result = std::nullopt;
        if (!result) return std::nullopt;
        return n.negated ? !*result : *result;
      }
      case K::kLike: {
        Maybe v = Value(row, *n.children[0]);
        if (!v || !v->is_string()) return std::nullopt;
        return LikeMatch(v->get<std::string>(), std::get<std::string>(n.literal.value));
      }
      case K::kIsNull: {
        bool is_null = !ColumnValue(row, *n.children[0]).has_value();
        return is_null != n.negated;
      }
      case K::kExists: {
        // Present even when the value is JSON null.
        auto it = row.find(std::to_string(n.children[0]->field_id));
        if (it == row.end()) return false;
        const Json* cur = &*it;
        for (const auto& step : n.children[0]->path) {
          if (step.is_index) {
            if (!cur->is_array() || step.index < 0 || step.index >= static_cast<int64_t>(cur->size())) return false;
            cur = &(*cur)[static_cast<size_t>(step.index)];
          } else {
            if (!cur->is_object() || !cur->contains(step.key)) return false;
            cur = &(*cur)[step.key];
          }
        }
        return true;
      }
      case K::kContains: {
        Maybe target = Value(row, *n.children[0]);
        if (!target || !target->is_array()) return std::nullopt;
        auto found = [&](const expr::Literal& lit) {
          for (const Json& e : *target) {
            Maybe em = e.is_null() ? Maybe() : Maybe(e);
            if (Cmp(em, FromLiteral(lit), expr::BinaryOp::kEq) == std::optional<bool>(true)) return true;
          }
          return false;
        };
        using M = expr::PlanNode::ContainsMode;
        if (n.contains == M::kOne) return found(n.values[0]);
        if (n.contains == M::kAll) {
          for (const auto& v : n.values) if (!found(v)) return false;
          return true;
        }
        for (const auto& v : n.values) if (found(v)) return true;
        return false;
      }
      case K::kTruth: {
        Maybe v = Value(row, *n.children[0]);
        if (!v || !v->is_boolean()) return std::nullopt;
        return v->get<bool>();
      }
      default: return std::nullopt;
    }
  }
};

}  // namespace quiver::exec::testing
