#pragma once

// Syntax tree of a Milvus boolean filter expression (spec §8), as the parser produces it, before
// names and types are resolved against a schema (binder.h turns it into a typed Plan).

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace quiver::expr {

struct Literal;
using LiteralArray = std::vector<Literal>;

// A constant: null, bool, integer, float, string or array of constants. Also the type of
// template values bound to {name} placeholders.
struct Literal {
  std::variant<std::monostate, bool, int64_t, double, std::string, LiteralArray> value;

  Literal() = default;
  template <typename T>
  Literal(T v) : value(std::move(v)) {}  // NOLINT: implicit on purpose (literals in tests)
  Literal(const char* s) : value(std::string(s)) {}  // NOLINT
  Literal(int v) : value(static_cast<int64_t>(v)) {}  // NOLINT

  bool is_null() const { return std::holds_alternative<std::monostate>(value); }
  bool is_bool() const { return std::holds_alternative<bool>(value); }
  bool is_int() const { return std::holds_alternative<int64_t>(value); }
  bool is_float() const { return std::holds_alternative<double>(value); }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return std::holds_alternative<std::string>(value); }
  bool is_array() const { return std::holds_alternative<LiteralArray>(value); }
  double AsDouble() const { return is_int() ? static_cast<double>(std::get<int64_t>(value)) : std::get<double>(value); }
  std::string ToString() const;
};

enum class BinaryOp {
  kAdd, kSub, kMul, kDiv, kMod, kPow,           // arithmetic
  kBitAnd, kBitOr, kBitXor, kShl, kShr,         // bitwise
  kEq, kNe, kLt, kLe, kGt, kGe,                 // comparison
  kAnd, kOr,                                    // logic
};
enum class UnaryOp { kNeg, kPlus, kNot, kBitNot };

std::string_view BinaryOpName(BinaryOp op);
inline bool IsComparison(BinaryOp op) { return op >= BinaryOp::kEq && op <= BinaryOp::kGe; }
inline bool IsArithmetic(BinaryOp op) { return op <= BinaryOp::kShr; }

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  enum class Kind {
    kLiteral,     // literal
    kArray,       // [children...]
    kIdentifier,  // name, then children = subscripts (each a literal string/int node)
    kTemplate,    // {name}
    kUnary,       // unary_op children[0]
    kBinary,      // children[0] binary_op children[1]
    kIn,          // children[0] in children[1]; negated = not in
    kLike,        // children[0] like children[1]
    kIsNull,      // children[0] is [not] null; negated = is not null
    kExists,      // exists children[0]
    kCall,        // name(children...)
  };
  Kind kind;
  size_t pos = 0;  // byte offset in the expression text, for error messages
  Literal literal;
  std::string name;
  BinaryOp binary_op = BinaryOp::kEq;
  UnaryOp unary_op = UnaryOp::kNeg;
  bool negated = false;
  std::vector<NodePtr> children;
  // 1 for a leaf, else 1 + the tallest child. The parser never builds a tree taller than
  // kMaxDepth, so every recursive walk of a tree (binding, evaluation, printing, destruction)
  // is bounded.
  int height = 1;

  explicit Node(Kind k, size_t p) : kind(k), pos(p) {}
  std::string ToString() const;  // canonical, fully parenthesised (tests and logs)
};

}  // namespace quiver::expr
