#include "exec/filter.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>
#include <unordered_set>

#include "schema/array_codec.h"

namespace quiver::exec {

using expr::BinaryOp;
using expr::Literal;
using expr::LiteralArray;
using expr::PlanNode;
using expr::ValueType;
using Json = nlohmann::json;

bool LikeMatch(std::string_view text, std::string_view pattern) {
  // Greedy wildcard matching with backtracking to the last %: O(n * m) worst case, linear usually.
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char c = pattern[p];
      if (c == '%') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (c == '\\' && p + 1 < pattern.size()) {
        if (text[t] == pattern[p + 1]) {
          p += 2;
          ++t;
          continue;
        }
      } else if (c == '_' || c == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

namespace {

// A tagged value of one row during generic evaluation. Views point into column data, parsed JSON
// documents or the plan's literals, all of which outlive the evaluation of a chunk.
struct Datum {
  enum class Type { kNull, kBool, kInt, kFloat, kString, kJson, kArray, kLiteralArray };
  Type type = Type::kNull;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string_view s;
  const Json* json = nullptr;                               // JSON array or object
  const std::vector<schema::ScalarValue>* array = nullptr;  // Array field row
  const LiteralArray* literals = nullptr;

  static Datum Null() { return {}; }
  static Datum Bool(bool v) { Datum d; d.type = Type::kBool; d.b = v; return d; }
  static Datum Int(int64_t v) { Datum d; d.type = Type::kInt; d.i = v; return d; }
  static Datum Float(double v) { Datum d; d.type = Type::kFloat; d.f = v; return d; }
  static Datum String(std::string_view v) { Datum d; d.type = Type::kString; d.s = v; return d; }
  bool numeric() const { return type == Type::kInt || type == Type::kFloat; }
  double AsDouble() const { return type == Type::kInt ? static_cast<double>(i) : f; }
};

Datum FromLiteral(const Literal& literal) {
  if (literal.is_bool()) return Datum::Bool(std::get<bool>(literal.value));
  if (literal.is_int()) return Datum::Int(std::get<int64_t>(literal.value));
  if (literal.is_float()) return Datum::Float(std::get<double>(literal.value));
  if (literal.is_string()) return Datum::String(std::get<std::string>(literal.value));
  if (literal.is_array()) {
    Datum d;
    d.type = Datum::Type::kLiteralArray;
    d.literals = &std::get<LiteralArray>(literal.value);
    return d;
  }
  return Datum::Null();
}

Datum FromJson(const Json& node) {
  switch (node.type()) {
    case Json::value_t::boolean: return Datum::Bool(node.get<bool>());
    case Json::value_t::number_integer: return Datum::Int(node.get<int64_t>());
    case Json::value_t::number_unsigned: {
      uint64_t u = node.get<uint64_t>();
      return u <= static_cast<uint64_t>(INT64_MAX) ? Datum::Int(static_cast<int64_t>(u))
                                                   : Datum::Float(static_cast<double>(u));
    }
    case Json::value_t::number_float: return Datum::Float(node.get<double>());
    case Json::value_t::string: return Datum::String(node.get_ref<const std::string&>());
    case Json::value_t::array:
    case Json::value_t::object: {
      Datum d;
      d.type = Datum::Type::kJson;
      d.json = &node;
      return d;
    }
    default: return Datum::Null();
  }
}

Datum FromScalar(const schema::ScalarValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return Datum::Bool(*b);
  if (const int64_t* i = std::get_if<int64_t>(&value)) return Datum::Int(*i);
  if (const double* f = std::get_if<double>(&value)) return Datum::Float(*f);
  if (const std::string* s = std::get_if<std::string>(&value)) return Datum::String(*s);
  return Datum::Null();
}

enum class Tri { kFalse, kTrue, kUnknown };

Tri FromBool(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

template <typename T>
bool ApplyOrder(BinaryOp op, const T& a, const T& b) {
  switch (op) {
    case BinaryOp::kEq: return a == b;
    case BinaryOp::kNe: return a != b;
    case BinaryOp::kLt: return a < b;
    case BinaryOp::kLe: return a <= b;
    case BinaryOp::kGt: return a > b;
    case BinaryOp::kGe: return a >= b;
    default: return false;
  }
}

Tri Compare(const Datum& a, const Datum& b, BinaryOp op);

// Element i of a sequence datum (JSON array, Array row or literal array) as a Datum.
bool SequenceElements(const Datum& d, std::vector<Datum>* out) {
  out->clear();
  if (d.type == Datum::Type::kJson && d.json->is_array()) {
    for (const Json& e : *d.json) out->push_back(FromJson(e));
    return true;
  }
  if (d.type == Datum::Type::kArray) {
    for (const auto& e : *d.array) out->push_back(FromScalar(e));
    return true;
  }
  if (d.type == Datum::Type::kLiteralArray) {
    for (const auto& e : *d.literals) out->push_back(FromLiteral(e));
    return true;
  }
  return false;
}

// Equality of two sequences, element by element.
Tri SequenceEquals(const Datum& a, const Datum& b) {
  std::vector<Datum> x, y;
  if (!SequenceElements(a, &x) || !SequenceElements(b, &y)) return Tri::kUnknown;
  if (x.size() != y.size()) return Tri::kFalse;
  for (size_t k = 0; k < x.size(); ++k) {
    if (Compare(x[k], y[k], BinaryOp::kEq) != Tri::kTrue) return Tri::kFalse;
  }
  return Tri::kTrue;
}

Tri Compare(const Datum& a, const Datum& b, BinaryOp op) {
  using T = Datum::Type;
  if (a.type == T::kNull || b.type == T::kNull) return Tri::kUnknown;
  if (a.numeric() && b.numeric()) {
    if (a.type == T::kInt && b.type == T::kInt) return FromBool(ApplyOrder(op, a.i, b.i));
    return FromBool(ApplyOrder(op, a.AsDouble(), b.AsDouble()));
  }
  if (a.type == T::kString && b.type == T::kString) return FromBool(ApplyOrder(op, a.s, b.s));
  if (a.type == T::kBool && b.type == T::kBool) return FromBool(ApplyOrder(op, a.b, b.b));
  bool seq_a = a.type == T::kJson || a.type == T::kArray || a.type == T::kLiteralArray;
  bool seq_b = b.type == T::kJson || b.type == T::kArray || b.type == T::kLiteralArray;
  if (seq_a && seq_b && (op == BinaryOp::kEq || op == BinaryOp::kNe)) {
    Tri eq = SequenceEquals(a, b);
    if (eq == Tri::kUnknown) return eq;
    return op == BinaryOp::kEq ? eq : FromBool(eq == Tri::kFalse);
  }
  return Tri::kUnknown;  // values of different kinds (from JSON): no answer
}

Datum Arith(BinaryOp op, const Datum& a, const Datum& b) {
  if (!a.numeric() || !b.numeric()) return Datum::Null();
  if (op == BinaryOp::kPow) {
    double r = std::pow(a.AsDouble(), b.AsDouble());
    return std::isfinite(r) ? Datum::Float(r) : Datum::Null();
  }
  if (a.type == Datum::Type::kInt && b.type == Datum::Type::kInt) {
    uint64_t x = static_cast<uint64_t>(a.i), y = static_cast<uint64_t>(b.i);
    switch (op) {
      case BinaryOp::kAdd: return Datum::Int(static_cast<int64_t>(x + y));
      case BinaryOp::kSub: return Datum::Int(static_cast<int64_t>(x - y));
      case BinaryOp::kMul: return Datum::Int(static_cast<int64_t>(x * y));
      case BinaryOp::kDiv:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return Datum::Null();
        return Datum::Int(a.i / b.i);
      case BinaryOp::kMod:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return Datum::Null();
        return Datum::Int(a.i % b.i);
      case BinaryOp::kBitAnd: return Datum::Int(a.i & b.i);
      case BinaryOp::kBitOr: return Datum::Int(a.i | b.i);
      case BinaryOp::kBitXor: return Datum::Int(a.i ^ b.i);
      case BinaryOp::kShl:
        if (b.i < 0 || b.i > 63) return Datum::Null();
        return Datum::Int(static_cast<int64_t>(x << b.i));
      case BinaryOp::kShr:
        if (b.i < 0 || b.i > 63) return Datum::Null();
        return Datum::Int(a.i >> b.i);
      default: return Datum::Null();
    }
  }
  if (op == BinaryOp::kMod || op == BinaryOp::kBitAnd || op == BinaryOp::kBitOr ||
      op == BinaryOp::kBitXor || op == BinaryOp::kShl || op == BinaryOp::kShr) {
    return Datum::Null();
  }
  double x = a.AsDouble(), y = b.AsDouble();
  double r;
  switch (op) {
    case BinaryOp::kAdd: r = x + y; break;
    case BinaryOp::kSub: r = x - y; break;
    case BinaryOp::kMul: r = x * y; break;
    case BinaryOp::kDiv:
      if (y == 0) return Datum::Null();
      r = x / y;
      break;
    default: return Datum::Null();
  }
  return std::isfinite(r) ? Datum::Float(r) : Datum::Null();
}

// Truth bits of one predicate over one chunk.
struct TriBits {
  Bitset t;  // definitely true
  Bitset f;  // definitely false
};

class ChunkEvaluator {
 public:
  ChunkEvaluator(const schema::DataChunk& chunk, const ScalarIndexMap* indexes)
      : chunk_(chunk), rows_(chunk.rows), indexes_(indexes) {}

  Result<TriBits> Eval(const PlanNode& node) {
    switch (node.kind) {
      case PlanNode::Kind::kAnd:
      case PlanNode::Kind::kOr: {
        bool is_and = node.kind == PlanNode::Kind::kAnd;
        QUIVER_ASSIGN_OR_RETURN(TriBits acc, Eval(*node.children[0]));
        for (size_t c = 1; c < node.children.size(); ++c) {
          // Short cut: nothing left to decide.
          if (is_and ? acc.f.Count() == rows_ : acc.t.Count() == rows_) break;
          QUIVER_ASSIGN_OR_RETURN(TriBits next, Eval(*node.children[c]));
          if (is_and) {
            acc.t &= next.t;
            acc.f |= next.f;
          } else {
            acc.t |= next.t;
            acc.f &= next.f;
          }
        }
        return acc;
      }
      case PlanNode::Kind::kNot: {
        QUIVER_ASSIGN_OR_RETURN(TriBits inner, Eval(*node.children[0]));
        std::swap(inner.t, inner.f);
        return inner;
      }
      case PlanNode::Kind::kCompare:
        if (auto indexed = Indexed(node)) return std::move(*indexed);
        if (auto fast = FastCompare(node)) return std::move(*fast);
        break;
      case PlanNode::Kind::kIn:
        if (auto indexed = Indexed(node)) return std::move(*indexed);
        if (auto fast = FastIn(node)) return std::move(*fast);
        break;
      case PlanNode::Kind::kLike:
        if (auto indexed = Indexed(node)) return std::move(*indexed);
        if (auto fast = FastLike(node)) return std::move(*fast);
        break;
      default:
        break;
    }
    return Generic(node);
  }

 private:
  // The column a plan node reads, when it is a whole scalar column the fast paths can scan.
  const schema::ColumnChunk* PlainColumn(const PlanNode& node) const {
    if (node.kind != PlanNode::Kind::kColumn || !node.path.empty()) return nullptr;
    const schema::ColumnChunk* column = chunk_.Find(node.field_id);
    if (column == nullptr) return nullptr;
    if (schema::IsNumericType(column->type) || column->type == schema::DataType::kBool ||
        schema::IsStringType(column->type)) {
      return column;
    }
    return nullptr;
  }

  // Truth bits from a per-row boolean and the column's validity.
  TriBits FromMatches(const std::vector<uint8_t>& matches, const schema::ColumnChunk& column) {
    TriBits out{Bitset(rows_), Bitset(rows_)};
    for (size_t r = 0; r < rows_; ++r) {
      if (!column.IsValid(r)) continue;
      if (matches[r]) out.t.Set(r);
      else out.f.Set(r);
    }
    return out;
  }

  template <typename T, typename V>
  static void CompareLoop(std::span<const T> values, BinaryOp op, V constant, std::vector<uint8_t>* out) {
    uint8_t* m = out->data();
    const size_t n = values.size();
    switch (op) {
      case BinaryOp::kEq: for (size_t r = 0; r < n; ++r) m[r] = values[r] == constant; break;
      case BinaryOp::kNe: for (size_t r = 0; r < n; ++r) m[r] = values[r] != constant; break;
      case BinaryOp::kLt: for (size_t r = 0; r < n; ++r) m[r] = values[r] < constant; break;
      case BinaryOp::kLe: for (size_t r = 0; r < n; ++r) m[r] = values[r] <= constant; break;
      case BinaryOp::kGt: for (size_t r = 0; r < n; ++r) m[r] = values[r] > constant; break;
      case BinaryOp::kGe: for (size_t r = 0; r < n; ++r) m[r] = values[r] >= constant; break;
      default: break;
    }
  }

  static BinaryOp Flip(BinaryOp op) {
    switch (op) {
      case BinaryOp::kLt: return BinaryOp::kGt;
      case BinaryOp::kLe: return BinaryOp::kGe;
      case BinaryOp::kGt: return BinaryOp::kLt;
      case BinaryOp::kGe: return BinaryOp::kLe;
      default: return op;
    }
  }

  // A predicate answered by the column's scalar index (same results as the scans below).
  std::optional<TriBits> Indexed(const PlanNode& node) {
    if (indexes_ == nullptr || indexes_->empty()) return std::nullopt;
    auto index_of = [&](const PlanNode& column) -> const ScalarIndex* {
      if (column.kind != PlanNode::Kind::kColumn || !column.path.empty()) return nullptr;
      auto it = indexes_->find(column.field_id);
      return it == indexes_->end() || it->second->rows() != rows_ ? nullptr : it->second.get();
    };
    const ScalarIndex* index = nullptr;
    std::optional<Bitset> matches;
    if (node.kind == PlanNode::Kind::kCompare) {
      auto shape = ColumnVsConstant(node);
      if (!shape || (index = index_of(*shape->column)) == nullptr) return std::nullopt;
      matches = index->Compare(shape->op, *shape->constant);
    } else if (node.kind == PlanNode::Kind::kIn) {
      if ((index = index_of(*node.children[0])) == nullptr) return std::nullopt;
      matches = index->In(node.values);
      if (matches && node.negated) {
        Bitset rest = index->valid();
        rest.AndNot(*matches);
        matches = std::move(rest);
      }
    } else if (node.kind == PlanNode::Kind::kLike) {
      auto prefix = SimplePrefix(std::get<std::string>(node.literal.value));
      if (!prefix || (index = index_of(*node.children[0])) == nullptr) return std::nullopt;
      matches = index->Prefix(*prefix);
    }
    if (!matches) return std::nullopt;
    TriBits out{std::move(*matches), index->valid()};
    out.f.AndNot(out.t);
    return out;
  }

  // "abc%" (one trailing %, no other wildcard or escape) -> "abc"; nullopt for other patterns.
  static std::optional<std::string_view> SimplePrefix(const std::string& pattern) {
    if (pattern.empty() || pattern.back() != '%' || pattern.find_first_of("%_\\") != pattern.size() - 1) {
      return std::nullopt;
    }
    return std::string_view(pattern.data(), pattern.size() - 1);
  }

  // A comparison as `value op constant` (a constant on the left is moved right, flipping op).
  struct Comparison {
    const PlanNode* column;
    BinaryOp op;
    const Literal* constant;
  };
  static std::optional<Comparison> ColumnVsConstant(const PlanNode& node) {
    const PlanNode* lhs = node.children[0].get();
    const PlanNode* rhs = node.children[1].get();
    BinaryOp op = node.op;
    if (lhs->kind == PlanNode::Kind::kConstant && rhs->kind == PlanNode::Kind::kColumn) {
      std::swap(lhs, rhs);
      op = Flip(op);
    }
    if (rhs->kind != PlanNode::Kind::kConstant) return std::nullopt;
    return Comparison{lhs, op, &rhs->literal};
  }

  // column <op> constant over a numeric, bool or string column.
  std::optional<TriBits> FastCompare(const PlanNode& node) {
    auto shape = ColumnVsConstant(node);
    if (!shape) return std::nullopt;
    const schema::ColumnChunk* column = PlainColumn(*shape->column);
    if (column == nullptr) return std::nullopt;
    const Literal& constant = *shape->constant;
    const BinaryOp op = shape->op;
    std::vector<uint8_t> matches(rows_);
    using schema::DataType;
    if (schema::IsStringType(column->type)) {
      if (!constant.is_string()) return std::nullopt;
      std::string_view value = std::get<std::string>(constant.value);
      for (size_t r = 0; r < rows_; ++r) matches[r] = ApplyOrder(op, column->VarAt(r), value);
      return FromMatches(matches, *column);
    }
    if (column->type == DataType::kBool) {
      if (!constant.is_bool()) return std::nullopt;
      CompareLoop(column->Values<uint8_t>(), op, static_cast<uint8_t>(std::get<bool>(constant.value)), &matches);
      return FromMatches(matches, *column);
    }
    if (!constant.is_number()) return std::nullopt;
    // Integer columns against an integer constant compare exactly; everything else as double.
    bool int_constant = constant.is_int();
    switch (column->type) {
      case DataType::kInt8:
        if (!int_constant) return std::nullopt;
        CompareLoop(column->Values<int8_t>(), op, std::get<int64_t>(constant.value), &matches);
        break;
      case DataType::kInt16:
        if (!int_constant) return std::nullopt;
        CompareLoop(column->Values<int16_t>(), op, std::get<int64_t>(constant.value), &matches);
        break;
      case DataType::kInt32:
        if (!int_constant) return std::nullopt;
        CompareLoop(column->Values<int32_t>(), op, std::get<int64_t>(constant.value), &matches);
        break;
      case DataType::kInt64:
        if (!int_constant) return std::nullopt;
        CompareLoop(column->Values<int64_t>(), op, std::get<int64_t>(constant.value), &matches);
        break;
      case DataType::kFloat:
        CompareLoop(column->Values<float>(), op, constant.AsDouble(), &matches);
        break;
      case DataType::kDouble:
        CompareLoop(column->Values<double>(), op, constant.AsDouble(), &matches);
        break;
      default:
        return std::nullopt;
    }
    return FromMatches(matches, *column);
  }

  std::optional<TriBits> FastIn(const PlanNode& node) {
    const schema::ColumnChunk* column = PlainColumn(*node.children[0]);
    if (column == nullptr) return std::nullopt;
    std::vector<uint8_t> matches(rows_);
    if (schema::IsStringType(column->type)) {
      std::unordered_set<std::string_view> set;
      for (const Literal& v : node.values) {
        if (v.is_string()) set.insert(std::get<std::string>(v.value));
      }
      for (size_t r = 0; r < rows_; ++r) matches[r] = set.count(column->VarAt(r)) > 0;
    } else if (schema::IsIntegerType(column->type)) {
      std::unordered_set<int64_t> set;
      for (const Literal& v : node.values) {
        if (v.is_int()) {
          set.insert(std::get<int64_t>(v.value));
        } else if (v.is_float()) {
          double d = std::get<double>(v.value);
          // A fractional constant never equals an integer; an integral one does.
          if (std::floor(d) == d && d >= -9.2e18 && d <= 9.2e18) set.insert(static_cast<int64_t>(d));
        }
      }
      for (size_t r = 0; r < rows_; ++r) matches[r] = set.count(column->IntAt(r)) > 0;
    } else {
      return std::nullopt;
    }
    if (node.negated) {
      for (auto& m : matches) m = !m;
    }
    return FromMatches(matches, *column);
  }

  std::optional<TriBits> FastLike(const PlanNode& node) {
    const schema::ColumnChunk* column = PlainColumn(*node.children[0]);
    if (column == nullptr || !schema::IsStringType(column->type)) return std::nullopt;
    const std::string& pattern = std::get<std::string>(node.literal.value);
    std::vector<uint8_t> matches(rows_);
    // Prefix patterns ("abc%") are the common case: compare bytes, no backtracking.
    if (auto prefix = SimplePrefix(pattern)) {
      for (size_t r = 0; r < rows_; ++r) matches[r] = column->VarAt(r).substr(0, prefix->size()) == *prefix;
    } else {
      for (size_t r = 0; r < rows_; ++r) matches[r] = LikeMatch(column->VarAt(r), pattern);
    }
    return FromMatches(matches, *column);
  }

  // ---- generic row-by-row path

  const Json* ParsedJson(schema::FieldId field, size_t row) {
    auto& docs = json_cache_[field];
    if (docs.empty()) docs.resize(rows_);
    auto& slot = docs[row];
    if (!slot.has_value()) {
      const schema::ColumnChunk* column = chunk_.Find(field);
      if (column == nullptr || !column->IsValid(row)) {
        slot.emplace(Json());  // null
      } else {
        Json parsed = Json::parse(column->VarAt(row), nullptr, /*allow_exceptions=*/false);
        slot.emplace(parsed.is_discarded() ? Json() : std::move(parsed));
      }
    }
    return &*slot;
  }

  const std::vector<schema::ScalarValue>* DecodedArray(const schema::ColumnChunk& column,
                                                       schema::FieldId field, size_t row) {
    auto& rows = array_cache_[field];
    if (rows.empty()) rows.resize(rows_);
    auto& slot = rows[row];
    if (!slot.has_value()) {
      auto decoded = schema::DecodeArray(column.element_type, column.VarAt(row));
      slot.emplace(decoded.ok() ? std::move(decoded).value() : std::vector<schema::ScalarValue>());
    }
    return &*slot;
  }

  // Navigates `path` inside a JSON document; nullptr if a step is missing.
  static const Json* Navigate(const Json* node, const std::vector<expr::PathElement>& path) {
    for (const auto& step : path) {
      if (step.is_index) {
        if (!node->is_array() || step.index < 0 || static_cast<size_t>(step.index) >= node->size()) return nullptr;
        node = &(*node)[static_cast<size_t>(step.index)];
      } else {
        if (!node->is_object()) return nullptr;
        auto it = node->find(step.key);
        if (it == node->end()) return nullptr;
        node = &*it;
      }
    }
    return node;
  }

  Datum ColumnValue(const PlanNode& node, size_t row) {
    const schema::ColumnChunk* column = chunk_.Find(node.field_id);
    if (column == nullptr) return Datum::Null();
    if (column->type == schema::DataType::kJson) {
      const Json* doc = Navigate(ParsedJson(node.field_id, row), node.path);
      return doc ? FromJson(*doc) : Datum::Null();
    }
    if (!column->IsValid(row)) return Datum::Null();
    if (column->type == schema::DataType::kArray) {
      const auto* values = DecodedArray(*column, node.field_id, row);
      if (node.path.empty()) {
        Datum d;
        d.type = Datum::Type::kArray;
        d.array = values;
        return d;
      }
      int64_t index = node.path[0].index;
      if (index < 0 || static_cast<size_t>(index) >= values->size()) return Datum::Null();
      return FromScalar((*values)[static_cast<size_t>(index)]);
    }
    if (column->type == schema::DataType::kBool) return Datum::Bool(column->data.data()[row] != 0);
    if (schema::IsIntegerType(column->type)) return Datum::Int(column->IntAt(row));
    if (schema::IsFloatingType(column->type)) return Datum::Float(column->DoubleAt(row));
    if (schema::IsStringType(column->type)) return Datum::String(column->VarAt(row));
    return Datum::Null();
  }

  Datum Value(const PlanNode& node, size_t row) {
    switch (node.kind) {
      case PlanNode::Kind::kColumn: return ColumnValue(node, row);
      case PlanNode::Kind::kConstant: return FromLiteral(node.literal);
      case PlanNode::Kind::kArith: return Arith(node.op, Value(*node.children[0], row), Value(*node.children[1], row));
      case PlanNode::Kind::kNegate: {
        Datum d = Value(*node.children[0], row);
        if (d.type == Datum::Type::kInt) return Datum::Int(static_cast<int64_t>(0 - static_cast<uint64_t>(d.i)));
        if (d.type == Datum::Type::kFloat) return Datum::Float(-d.f);
        return Datum::Null();
      }
      case PlanNode::Kind::kBitNot: {
        Datum d = Value(*node.children[0], row);
        return d.type == Datum::Type::kInt ? Datum::Int(~d.i) : Datum::Null();
      }
      case PlanNode::Kind::kArrayLength: {
        Datum d = Value(*node.children[0], row);
        if (d.type == Datum::Type::kArray) return Datum::Int(static_cast<int64_t>(d.array->size()));
        if (d.type == Datum::Type::kJson && d.json->is_array()) return Datum::Int(static_cast<int64_t>(d.json->size()));
        return Datum::Null();
      }
      default: return Datum::Null();
    }
  }

  Tri Contains(const PlanNode& node, size_t row) {
    Datum target = Value(*node.children[0], row);
    std::vector<Datum> elements;
    if (!SequenceElements(target, &elements) || target.type == Datum::Type::kLiteralArray) return Tri::kUnknown;
    auto found = [&](const Literal& value) {
      Datum wanted = FromLiteral(value);
      for (const Datum& e : elements) {
        if (Compare(e, wanted, BinaryOp::kEq) == Tri::kTrue) return true;
      }
      return false;
    };
    switch (node.contains) {
      case PlanNode::ContainsMode::kOne: return FromBool(found(node.values[0]));
      case PlanNode::ContainsMode::kAll:
        for (const Literal& v : node.values) {
          if (!found(v)) return Tri::kFalse;
        }
        return Tri::kTrue;
      case PlanNode::ContainsMode::kAny:
        for (const Literal& v : node.values) {
          if (found(v)) return Tri::kTrue;
        }
        return Tri::kFalse;
    }
    return Tri::kUnknown;
  }

  Tri RowTruth(const PlanNode& node, size_t row) {
    switch (node.kind) {
      case PlanNode::Kind::kCompare:
        return Compare(Value(*node.children[0], row), Value(*node.children[1], row), node.op);
      case PlanNode::Kind::kIn: {
        // x in [a, b] is (x == a) or (x == b), in three-valued logic.
        Datum d = Value(*node.children[0], row);
        Tri result = Tri::kFalse;
        for (const Literal& v : node.values) {
          Tri eq = Compare(d, FromLiteral(v), BinaryOp::kEq);
          if (eq == Tri::kTrue) {
            result = Tri::kTrue;
            break;
          }
          if (eq == Tri::kUnknown) result = Tri::kUnknown;
        }
        if (d.type == Datum::Type::kNull) result = Tri::kUnknown;
        if (!node.negated || result == Tri::kUnknown) return result;
        return result == Tri::kTrue ? Tri::kFalse : Tri::kTrue;
      }
      case PlanNode::Kind::kLike: {
        Datum d = Value(*node.children[0], row);
        if (d.type != Datum::Type::kString) return Tri::kUnknown;
        return FromBool(LikeMatch(d.s, std::get<std::string>(node.literal.value)));
      }
      case PlanNode::Kind::kIsNull: {
        const PlanNode& target = *node.children[0];
        bool is_null;
        const schema::ColumnChunk* column = chunk_.Find(target.field_id);
        if (target.path.empty()) {
          is_null = column == nullptr || !column->IsValid(row);
          if (!is_null && column->type == schema::DataType::kJson) is_null = ParsedJson(target.field_id, row)->is_null();
        } else {
          is_null = ColumnValue(target, row).type == Datum::Type::kNull;
        }
        return FromBool(is_null != node.negated);
      }
      case PlanNode::Kind::kExists: {
        const PlanNode& target = *node.children[0];
        return FromBool(Navigate(ParsedJson(target.field_id, row), target.path) != nullptr);
      }
      case PlanNode::Kind::kContains: return Contains(node, row);
      case PlanNode::Kind::kTruth: {
        Datum d = Value(*node.children[0], row);
        return d.type == Datum::Type::kBool ? FromBool(d.b) : Tri::kUnknown;
      }
      default: return Tri::kUnknown;
    }
  }

  Result<TriBits> Generic(const PlanNode& node) {
    if (!node.IsPredicate()) return Status::Internal("filter plan has a value where a predicate belongs");
    TriBits out{Bitset(rows_), Bitset(rows_)};
    for (size_t r = 0; r < rows_; ++r) {
      Tri t = RowTruth(node, r);
      if (t == Tri::kTrue) out.t.Set(r);
      else if (t == Tri::kFalse) out.f.Set(r);
    }
    return out;
  }

  const schema::DataChunk& chunk_;
  size_t rows_;
  const ScalarIndexMap* indexes_;
  std::unordered_map<schema::FieldId, std::vector<std::optional<Json>>> json_cache_;
  std::unordered_map<schema::FieldId, std::vector<std::optional<std::vector<schema::ScalarValue>>>> array_cache_;
};

}  // namespace

Result<Bitset> EvaluateFilter(const PlanNode* plan, const std::vector<segment::ChunkRef>& chunks, size_t rows,
                              const ScalarIndexMap* indexes) {
  Bitset result(rows);
  if (plan == nullptr) {
    result.SetAll();
    return result;
  }
  for (const segment::ChunkRef& ref : chunks) {
    if (ref.base >= rows) break;
    ChunkEvaluator evaluator(*ref.chunk, chunks.size() == 1 ? indexes : nullptr);
    QUIVER_ASSIGN_OR_RETURN(TriBits bits, evaluator.Eval(*plan));
    size_t count = std::min(ref.chunk->rows, rows - ref.base);
    for (size_t r = bits.t.NextSet(0); r < count; r = bits.t.NextSet(r + 1)) result.Set(ref.base + r);
  }
  return result;
}

}  // namespace quiver::exec
