#pragma once

// The vector index families Quiver knows, each with its field types, metrics and parameters,
// declared once (name, type, range, default, build or search phase). The proxy validates
// CreateIndex against this table; index implementations read their parameters through it.
// Families are registered explicitly in registry.cc (no static-initialisation tricks).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/distance.h"
#include "schema/types.h"

namespace quiver::index {

struct ParamSpec {
  enum class Phase { kBuild, kSearch };
  std::string name;
  double min = 0;
  double max = 0;
  double default_value = 0;
  Phase phase = Phase::kBuild;
  bool integer = true;
  std::string description;
};

struct IndexFamily {
  std::string name;                       // as Milvus spells it: HNSW, IVF_FLAT, ...
  std::vector<schema::DataType> field_types;
  std::vector<MetricType> metrics;
  std::vector<ParamSpec> params;
  bool exact = false;                     // FLAT-like: no build parameters, exact results
};

class IndexRegistry {
 public:
  // The built-in families.
  static const IndexRegistry& Builtin();

  const IndexFamily* Find(std::string_view name) const;
  std::vector<std::string> Names() const;

  // Checks a CreateIndex request: the family accepts the field type and metric, and every known
  // build parameter is a number inside its range (an integer where required). Unknown parameters
  // are ignored, as Milvus ignores them. `params` maps names to their text values.
  // InvalidArgument naming the offending parameter.
  Status ValidateBuild(std::string_view family, schema::DataType field_type, int64_t dim, MetricType metric,
                       const std::map<std::string, std::string>& params) const;

 private:
  std::vector<IndexFamily> families_;
};

}  // namespace quiver::index
