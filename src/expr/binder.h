#pragma once

// Resolves a parsed filter against a collection schema and checks types, producing a Plan.
//   - a bare name is a schema field; `$meta` is the dynamic field; in a collection with dynamic
//     fields an unknown name means $meta["name"]; otherwise it is an error;
//   - subscripts are allowed on JSON fields (a path of keys and indexes) and Array fields (one
//     integer index); vector fields cannot appear in filters;
//   - {name} placeholders are replaced by `templates` values;
//   - comparing incompatible types (an Int64 field with a string, ...) is an error, while JSON
//     values compare with anything at run time.
// Errors are InvalidArgument: "invalid expression at position N: ...".

#include <map>
#include <string>

#include "common/status.h"
#include "expr/ast.h"
#include "expr/plan.h"
#include "schema/schema.h"

namespace quiver::expr {

using TemplateValues = std::map<std::string, Literal, std::less<>>;

Result<PlanPtr> Bind(const Node& root, const schema::CollectionSchema& schema,
                     const TemplateValues& templates = {});

// Parse + Bind. An empty (or all-whitespace) expression yields nullptr: every row matches.
Result<PlanPtr> CompileFilter(std::string_view text, const schema::CollectionSchema& schema,
                              const TemplateValues& templates = {});

}  // namespace quiver::expr
