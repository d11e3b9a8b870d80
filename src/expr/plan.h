#pragma once

// The typed filter plan: a parsed expression whose names are resolved to schema fields and whose
// operand types are checked (binder.h). exec/ compiles it into vectorised evaluators.
//
// Truth values follow SQL's three-valued logic: a comparison involving a null (a null row of a
// nullable field, a missing JSON key, a JSON value of another type, division by zero) is
// *unknown*; `not unknown` is unknown; and/or follow Kleene logic; a row matches only if the
// filter is true. So missing keys never match, as Milvus documents.

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "expr/ast.h"
#include "schema/types.h"

namespace quiver::expr {

// Static type of a value expression.
enum class ValueType {
  kBool, kInt, kFloat, kString,
  kArray,    // an Array field (element type in `element_type`)
  kJson,     // a JSON value of unknown type (JSON field, path or dynamic key)
  kNull,     // the literal null
};

// One step of a JSON path or an array index.
struct PathElement {
  bool is_index = false;
  std::string key;
  int64_t index = 0;
};

struct PlanNode;
using PlanPtr = std::unique_ptr<PlanNode>;

struct PlanNode {
  enum class Kind {
    // Values
    kColumn,       // field_id (+ path for JSON fields, + one index for Array fields)
    kConstant,     // literal
    kArith,        // children[0] op children[1]; op in BinaryOp arithmetic/bitwise
    kNegate,       // -children[0]
    kBitNot,       // ~children[0]
    kArrayLength,  // array_length(children[0])
    // Predicates (truth-valued)
    kCompare,      // children[0] op children[1]
    kIn,           // children[0] in values (negated: not in)
    kLike,         // children[0] like pattern
    kAnd, kOr,     // children...
    kNot,          // not children[0]
    kIsNull,       // children[0] is null (negated: is not null)
    kExists,       // exists children[0] (a JSON path)
    kContains,     // json_contains / array_contains family: children[0] contains values
    kTruth,        // a bool-valued value used as a predicate (a Bool field, true, a JSON path)
  };
  enum class ContainsMode { kOne, kAll, kAny };

  Kind kind;
  ValueType type = ValueType::kBool;      // of value nodes; kBool for predicates
  BinaryOp op = BinaryOp::kEq;
  bool negated = false;
  ContainsMode contains = ContainsMode::kOne;

  // kColumn
  schema::FieldId field_id = 0;
  schema::DataType field_type = schema::DataType::kNone;
  schema::DataType element_type = schema::DataType::kNone;
  bool nullable = false;
  std::vector<PathElement> path;
  std::string field_name;  // for messages

  Literal literal;              // kConstant; kLike pattern
  std::vector<Literal> values;  // kIn, kContains
  std::vector<PlanPtr> children;

  bool IsPredicate() const { return kind >= Kind::kCompare; }
  std::string ToString() const;
};

}  // namespace quiver::expr
