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
#include "index/vector_index.h"
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

using BuildFn = Result<std::unique_ptr<VectorIndex>> (*)(const IndexBuildSpec& spec, const VectorView& data,
                                                         ThreadPool* pool, const ProgressFn& progress);
// Reads a family payload; the envelope already gave the metric, vector type and dimension.
// `backing` (may be null) keeps `payload` alive: a family may then reference it in place.
using LoadFn = Result<std::unique_ptr<VectorIndex>> (*)(std::string_view payload, MetricType metric,
                                                        schema::DataType type, size_t dim,
                                                        const std::shared_ptr<const void>& backing);

struct IndexFamily {
  std::string name;                       // as Milvus spells it: HNSW, IVF_FLAT, ...
  std::vector<schema::DataType> field_types;
  std::vector<MetricType> metrics;
  std::vector<ParamSpec> params;
  bool exact = false;                     // FLAT-like: no build parameters, exact results
  // Families Milvus offers that Quiver serves with another one (AUTOINDEX -> HNSW, DISKANN ->
  // HNSW, ...); empty when the family is implemented itself. docs/design/indexes.md says why.
  std::string served_by;
  BuildFn build = nullptr;
  LoadFn load = nullptr;
};

// AUTOINDEX's family for a field type: HNSW for float vectors, BIN_IVF_FLAT for binary,
// SPARSE_INVERTED_INDEX for sparse.
std::string_view AutoIndexFamily(schema::DataType field_type);

class IndexRegistry {
 public:
  // The built-in families.
  static const IndexRegistry& Builtin();

  const IndexFamily* Find(std::string_view name) const;
  // The family that builds and serves an index requested as `name` on a `field_type` field:
  // itself, its served_by family, or AUTOINDEX's choice. Null for an unknown name.
  const IndexFamily* Serving(std::string_view name, schema::DataType field_type) const;
  std::vector<std::string> Names() const;

  // Checks a CreateIndex request: the family accepts the field type and metric, and every known
  // build parameter is a number inside its range (an integer where required). Unknown parameters
  // are ignored, as Milvus ignores them. `params` maps names to their text values.
  // InvalidArgument naming the offending parameter.
  Status ValidateBuild(std::string_view family, schema::DataType field_type, int64_t dim, MetricType metric,
                       const std::map<std::string, std::string>& params) const;

  // Validates as ValidateBuild does, then resolves the family that will build the index
  // (following served_by) and fills every build parameter, defaults included. Parameters of the
  // requested family carry over where the serving family declares the same name.
  Result<IndexBuildSpec> ResolveBuild(std::string_view family, schema::DataType field_type, int64_t dim,
                                      MetricType metric, const std::map<std::string, std::string>& params) const;

  // Search-phase parameters of index type `family` (as created; served by Serving(family,
  // field_type)) from a search request's params: known names parsed and range-checked, missing
  // ones defaulted. A name the created family documents but the serving one spells differently
  // is translated (DISKANN's search_list is the HNSW beam width ef). InvalidArgument when a
  // value is out of range or not a number, and when a name is not a search parameter of the
  // index, so that no parameter is silently ignored.
  Result<std::map<std::string, double>> ResolveSearch(std::string_view family,
                                                      const std::map<std::string, std::string>& params,
                                                      schema::DataType field_type = schema::DataType::kFloatVector) const;

 private:
  std::vector<IndexFamily> families_;
};

}  // namespace quiver::index
