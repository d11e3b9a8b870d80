// CreateIndex parameters: resolution of index_type / metric_type and the checks of every build
// parameter (vector families through the registry, scalar index types here).

#include "proxy/indexes.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

#include "common/json_depth.h"
#include "index/distance.h"
#include "index/registry.h"
#include "proxy/proxy.h"

namespace quiver::proxy {

using Json = nlohmann::json;
using schema::DataType;

std::optional<bool> ParseGoBool(std::string_view text) {
  static const std::set<std::string_view> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string_view> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(text)) return true;
  if (kFalse.count(text)) return false;
  return std::nullopt;
}

std::optional<int64_t> ParseNonNegative(std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

namespace {

Status Unimplemented(const std::string& message) {
  return Status::NotSupported(message).WithDetail(ErrorDetail::kUnimplemented);
}

// Build parameters Milvus documents for families Quiver serves with another one (HNSW_SQ by
// HNSW, ...). The serving index keeps full-precision vectors, so quantization and refinement
// settings have nothing to act on: they are checked, accepted and reported by DescribeIndex.
struct ExtraIndexParam {
  std::string_view family;
  std::string_view key;
  enum class Kind { kBool, kPositive, kChoice } kind;
  std::vector<std::string_view> choices;
};

const ExtraIndexParam kExtraIndexParams[] = {
    {"HNSW_SQ", "sq_type", ExtraIndexParam::Kind::kChoice, {"SQ4U", "SQ6", "SQ8", "BF16", "FP16"}},
    {"HNSW_SQ", "refine", ExtraIndexParam::Kind::kBool, {}},
    {"HNSW_SQ", "refine_type", ExtraIndexParam::Kind::kChoice, {"SQ6", "SQ8", "BF16", "FP16", "FP32"}},
    {"HNSW_PQ", "m", ExtraIndexParam::Kind::kPositive, {}},
    {"HNSW_PQ", "nbits", ExtraIndexParam::Kind::kPositive, {}},
    {"HNSW_PQ", "refine", ExtraIndexParam::Kind::kBool, {}},
    {"HNSW_PQ", "refine_type", ExtraIndexParam::Kind::kChoice, {"SQ6", "SQ8", "BF16", "FP16", "FP32"}},
    {"HNSW_PRQ", "m", ExtraIndexParam::Kind::kPositive, {}},
    {"HNSW_PRQ", "nbits", ExtraIndexParam::Kind::kPositive, {}},
    {"HNSW_PRQ", "nrq", ExtraIndexParam::Kind::kPositive, {}},
    {"HNSW_PRQ", "refine", ExtraIndexParam::Kind::kBool, {}},
    {"HNSW_PRQ", "refine_type", ExtraIndexParam::Kind::kChoice, {"SQ6", "SQ8", "BF16", "FP16", "FP32"}},
    {"SCANN", "with_raw_data", ExtraIndexParam::Kind::kBool, {}},
    {"IVF_RABITQ", "refine", ExtraIndexParam::Kind::kBool, {}},
    {"IVF_RABITQ", "refine_type", ExtraIndexParam::Kind::kChoice, {"SQ6", "SQ8", "BF16", "FP16", "FP32"}},
    // Every algorithm computes the same exact inner-product top-k over the (pruned) lists.
    {"SPARSE_INVERTED_INDEX", "inverted_index_algo", ExtraIndexParam::Kind::kChoice,
     {"DAAT_MAXSCORE", "DAAT_WAND", "TAAT_NAIVE"}},
    {"SPARSE_WAND", "inverted_index_algo", ExtraIndexParam::Kind::kChoice, {"DAAT_MAXSCORE", "DAAT_WAND", "TAAT_NAIVE"}},
};

Status CheckExtraIndexParam(const ExtraIndexParam& param, const std::string& value) {
  const std::string what = "index param " + std::string(param.key) + " of " + std::string(param.family);
  switch (param.kind) {
    case ExtraIndexParam::Kind::kBool:
      if (!ParseGoBool(value)) return Status::InvalidArgument(what + " must be true or false, got [" + value.substr(0, 64) + "]");
      break;
    case ExtraIndexParam::Kind::kPositive: {
      std::optional<int64_t> n = ParseNonNegative(value);
      if (!n || *n == 0) return Status::InvalidArgument(what + " must be a positive integer, got [" + value.substr(0, 64) + "]");
      break;
    }
    case ExtraIndexParam::Kind::kChoice:
      if (std::find(param.choices.begin(), param.choices.end(), value) == param.choices.end()) {
        std::string allowed;
        for (std::string_view c : param.choices) allowed += (allowed.empty() ? "" : ", ") + std::string(c);
        return Status::InvalidArgument(what + " must be one of " + allowed + ", got [" + value.substr(0, 64) + "]");
      }
      break;
  }
  return Status::OK();
}

// Index parameters Milvus accepts on every index type and Quiver does not implement.
Status CheckCommonIndexParam(const std::string& key) {
  if (key == "mmap.enabled") return Unimplemented("index param mmap.enabled is not supported yet: " + std::string(kMmapWhy));
  if (key == "indexoffsetcache.enabled") return Unimplemented("index param indexoffsetcache.enabled is not supported yet");
  if (key == "index.nonEncoding") return Unimplemented("index param index.nonEncoding is not supported yet");
  return Status::OK();
}

// Vector indexes are checked against the index registry (families, metrics, parameter ranges);
// scalar index types here.
Status CheckIndexType(const schema::FieldSchema& field, const std::string& type, const std::string& metric,
                      const Json& build) {
  if (schema::IsVectorType(field.type)) {
    auto parsed_metric = index::ParseMetric(metric);
    if (!parsed_metric) return Status::InvalidArgument("metric type " + metric + " not found or not supported");
    std::map<std::string, std::string> params;
    for (auto& [k, v] : build.items()) params[k] = v.is_string() ? v.get<std::string>() : v.dump();
    return index::IndexRegistry::Builtin().ResolveBuild(type, field.type, field.dim, *parsed_metric, params).status();
  }
  static const std::set<std::string> kScalar = {"AUTOINDEX", "INVERTED", "STL_SORT", "Trie", "BITMAP"};
  if (!kScalar.count(type)) return Status::InvalidArgument("invalid index type: " + type + " for scalar field " + field.name);
  if (type == "Trie" && !schema::IsStringType(field.type)) {
    return Status::InvalidArgument("Trie index only supports VarChar fields", field.name);
  }
  if (type == "BITMAP" && (field.primary_key || schema::IsFloatingType(field.type))) {
    // As Milvus: a bitmap per distinct value suits low-cardinality fields, never keys or floats.
    return Status::InvalidArgument(std::string("BITMAP index is not supported on ") +
                                       (field.primary_key ? "the primary key" : "Float or Double fields"),
                                   field.name);
  }
  if (type == "STL_SORT" && !schema::IsNumericType(field.type) && !schema::IsStringType(field.type)) {
    return Status::InvalidArgument("STL_SORT index only supports numeric and VarChar fields", field.name);
  }
  return Status::OK();
}

}  // namespace

Status CheckIndexParams(const schema::FieldSchema& field, const std::string& index_type,
                        const std::map<std::string, std::string>& build) {
  for (const auto& [key, value] : build) QUIVER_RETURN_IF_ERROR(CheckCommonIndexParam(key));
  if (!schema::IsVectorType(field.type)) {
    bool json_path = build.count("json_path") || build.count("json_cast_type") || build.count("json_cast_function");
    if (field.type == DataType::kJson || json_path) {
      return Unimplemented("indexes on JSON fields (json_path, json_cast_type) are not supported yet: filters on field " +
                           field.name + " scan its values");
    }
    if (field.type == DataType::kArray) {
      return Unimplemented("scalar indexes on Array fields are not supported yet: filters on field " + field.name +
                           " scan its values");
    }
    if (build.count("bitmap_cardinality_limit")) {
      return Unimplemented("index param bitmap_cardinality_limit is not supported yet (every scalar index type is served "
                           "by one sorted index)");
    }
    if (!build.empty()) {
      return Status::InvalidArgument("index type " + index_type + " on scalar field " + field.name +
                                     " takes no parameters, got " + build.begin()->first.substr(0, 64));
    }
    return Status::OK();
  }
  const index::IndexFamily* family = index::IndexRegistry::Builtin().Find(index_type);
  if (family == nullptr) return Status::OK();  // the registry refuses the type itself
  for (const auto& [key, value] : build) {
    auto spec = std::find_if(family->params.begin(), family->params.end(),
                             [&](const index::ParamSpec& p) { return p.name == key; });
    if (spec != family->params.end()) {
      if (spec->phase == index::ParamSpec::Phase::kSearch) {
        return Status::InvalidArgument(key + " is a search parameter of " + family->name +
                                       ", not a build parameter; pass it with each search");
      }
      continue;  // range-checked by the registry
    }
    auto extra = std::find_if(std::begin(kExtraIndexParams), std::end(kExtraIndexParams),
                              [&](const ExtraIndexParam& p) { return p.family == family->name && p.key == key; });
    if (extra != std::end(kExtraIndexParams)) {
      QUIVER_RETURN_IF_ERROR(CheckExtraIndexParam(*extra, value));
      continue;
    }
    if (key == "bm25_k1" || key == "bm25_b") {
      return Unimplemented("index param " + key + " is not supported yet (BM25 needs text functions)");
    }
    std::string known;
    for (const auto& p : family->params) {
      if (p.phase == index::ParamSpec::Phase::kBuild) known += (known.empty() ? "" : ", ") + p.name;
    }
    return Status::InvalidArgument("index param " + key.substr(0, 64) + " is not a build parameter of index type " +
                                   family->name + " (its build parameters: " + (known.empty() ? "none" : known) + ")");
  }
  return Status::OK();
}

Result<cluster::IndexInfo> ResolveIndex(const schema::FieldSchema& field, const IndexSpec& spec) {
  std::string type, metric;
  Json build = Json::object();
  for (const auto& [key, value] : spec.extra_params) {
    if (key == "index_type") {
      type = value;
    } else if (key == "metric_type") {
      metric = value;
    } else if (key == "params") {
      QUIVER_RETURN_IF_ERROR(CheckJsonNesting(value, "index params"));
      Json parsed = Json::parse(value, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) return Status::InvalidArgument("index params is not a JSON object");
      for (auto& [k, v] : parsed.items()) build[k] = v;
    } else {
      build[key] = value;  // older clients send build params as flat keys
    }
  }
  // Milvus reads index_type and metric_type from the params JSON too.
  for (const char* key : {"index_type", "metric_type"}) {
    if (!build.contains(key)) continue;
    std::string& outer = std::string_view(key) == "index_type" ? type : metric;
    std::string inner = build[key].is_string() ? build[key].get<std::string>() : build[key].dump();
    build.erase(key);
    if (outer.empty()) {
      outer = inner;
    } else if (outer != inner) {
      return Status::InvalidArgument(std::string(key) + " is given twice with different values: " + outer + " and " + inner);
    }
  }
  if (type.empty()) type = "AUTOINDEX";
  if (type == "TRIE") type = "Trie";
  std::transform(metric.begin(), metric.end(), metric.begin(), [](unsigned char ch) { return std::toupper(ch); });
  if (schema::IsVectorType(field.type) && metric.empty()) {
    metric = field.type == DataType::kBinaryVector ? "HAMMING" : field.type == DataType::kSparseFloatVector ? "IP" : "COSINE";
  }
  if (!schema::IsVectorType(field.type) && !metric.empty()) {
    return Status::InvalidArgument("metric_type " + metric + " does not apply to an index on scalar field " + field.name);
  }
  std::map<std::string, std::string> build_params;
  for (auto& [k, v] : build.items()) build_params[k] = v.is_string() ? v.get<std::string>() : v.dump();
  QUIVER_RETURN_IF_ERROR(CheckIndexParams(field, type, build_params));
  QUIVER_RETURN_IF_ERROR(CheckIndexType(field, type, metric, build));
  cluster::IndexInfo index;
  index.name = spec.index_name.empty() ? field.name : spec.index_name;
  index.field_id = field.id;
  index.field_name = field.name;
  index.index_type = type;
  index.metric_type = metric;
  index.params.emplace_back("index_type", type);
  if (!metric.empty()) index.params.emplace_back("metric_type", metric);
  index.params.emplace_back("params", build.dump());
  return index;
}

Status Proxy::CreateIndex(const std::string& db, const std::string& collection, const IndexSpec& spec) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, collection));
  const schema::FieldSchema* field = c->schema->FindField(spec.field_name);
  if (field == nullptr || field->is_dynamic) {
    return Status::InvalidArgument("cannot create index on non-exist field: " + spec.field_name)
        .WithDetail(ErrorDetail::kFieldNotFound);
  }
  QUIVER_ASSIGN_OR_RETURN(cluster::IndexInfo index, ResolveIndex(*field, spec));
  return coord_->CreateIndex(db, c->name, index);
}

}  // namespace quiver::proxy
