#include "index/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "index/families.h"

namespace quiver::index {

namespace {

using DT = schema::DataType;
using Phase = ParamSpec::Phase;

const std::vector<DT> kFloatTypes = {DT::kFloatVector, DT::kFloat16Vector, DT::kBFloat16Vector};
const std::vector<MetricType> kFloatMetrics = {MetricType::kL2, MetricType::kIP, MetricType::kCosine};
const std::vector<MetricType> kBinaryMetrics = {MetricType::kHamming, MetricType::kJaccard};

ParamSpec Build(std::string name, double min, double max, double def, std::string description) {
  return {std::move(name), min, max, def, Phase::kBuild, true, std::move(description)};
}
ParamSpec Search(std::string name, double min, double max, double def, std::string description) {
  return {std::move(name), min, max, def, Phase::kSearch, true, std::move(description)};
}

// Parses a parameter's text value: a finite number, an integer where the spec wants one, in range.
Result<double> ParseParam(const IndexFamily& family, const ParamSpec& spec, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
    return Status::InvalidArgument("index param " + spec.name + " of " + family.name + " must be a number, got " + text);
  }
  if (spec.integer && std::floor(value) != value) {
    return Status::InvalidArgument("index param " + spec.name + " of " + family.name + " must be an integer");
  }
  if (value < spec.min || value > spec.max) {
    char range[96];
    std::snprintf(range, sizeof(range), "[%g, %g]", spec.min, spec.max);
    return Status::InvalidArgument("index param " + spec.name + " of " + family.name + " out of range " + range + ": " + text);
  }
  return value;
}


}  // namespace

const IndexRegistry& IndexRegistry::Builtin() {
  static const IndexRegistry registry = [] {
    IndexRegistry r;
    ParamSpec nlist = Build("nlist", 1, 65536, 128, "number of IVF clusters");
    ParamSpec nprobe = Search("nprobe", 1, 65536, 8, "clusters probed per query");
    ParamSpec m = Build("M", 2, 2048, 16, "links per node");
    ParamSpec efc = Build("efConstruction", 1, 1 << 20, 200, "beam width while building");
    ParamSpec ef = Search("ef", 1, 1 << 20, 64, "beam width while searching (at least topk)");
    ParamSpec drop{"drop_ratio_build", 0, 1, 0, Phase::kBuild, false, "fraction of small values dropped at build"};
    ParamSpec drop_search{"drop_ratio_search", 0, 1, 0, Phase::kSearch, false, "fraction of small query values ignored"};
    auto family = [](std::string name, std::vector<DT> types, std::vector<MetricType> metrics, std::vector<ParamSpec> params,
                     bool exact, BuildFn build, LoadFn load) {
      return IndexFamily{std::move(name), std::move(types), std::move(metrics), std::move(params), exact, "", build, load};
    };
    auto served = [](std::string name, std::vector<DT> types, std::vector<MetricType> metrics, std::vector<ParamSpec> params,
                     std::string by) {
      return IndexFamily{std::move(name), std::move(types), std::move(metrics), std::move(params), false, std::move(by),
                         nullptr, nullptr};
    };
    r.families_ = {
        family("FLAT", kFloatTypes, kFloatMetrics, {}, true, BuildFlat, LoadFlat),
        family("HNSW", kFloatTypes, kFloatMetrics, {m, efc, ef}, false, BuildHnsw, LoadHnsw),
        family("IVF_FLAT", kFloatTypes, kFloatMetrics, {nlist, nprobe}, false, BuildIvf, LoadIvf),
        family("IVF_SQ8", kFloatTypes, kFloatMetrics, {nlist, nprobe}, false, BuildIvf, LoadIvf),
        family("IVF_PQ", kFloatTypes, kFloatMetrics,
               {nlist, Build("m", 0, 65536, 0, "sub-quantizers (dim % m == 0; 0 = dim / 4 or the nearest divisor)"),
                Build("nbits", 1, 8, 8, "bits per sub-quantizer code"), nprobe},
               false, BuildIvf, LoadIvf),
        family("BIN_FLAT", {DT::kBinaryVector}, kBinaryMetrics, {}, true, BuildBinaryFlat, LoadBinaryFlat),
        family("BIN_IVF_FLAT", {DT::kBinaryVector}, kBinaryMetrics, {nlist, nprobe}, false, BuildBinaryIvf, LoadBinaryIvf),
        family("SPARSE_INVERTED_INDEX", {DT::kSparseFloatVector}, {MetricType::kIP}, {drop, drop_search}, false,
               BuildSparseInverted, LoadSparseInverted),
        // Served by another family (AUTOINDEX depends on the field type; see ResolveBuild).
        served("AUTOINDEX", {DT::kFloatVector, DT::kFloat16Vector, DT::kBFloat16Vector, DT::kBinaryVector, DT::kSparseFloatVector},
               {MetricType::kL2, MetricType::kIP, MetricType::kCosine, MetricType::kHamming, MetricType::kJaccard}, {}, ""),
        served("SCANN", kFloatTypes, kFloatMetrics, {nlist, nprobe}, "IVF_FLAT"),
        served("IVF_RABITQ", kFloatTypes, kFloatMetrics, {nlist, nprobe}, "IVF_SQ8"),
        served("DISKANN", kFloatTypes, kFloatMetrics, {Search("search_list", 1, 65536, 100, "candidate list size")}, "HNSW"),
        served("HNSW_SQ", kFloatTypes, kFloatMetrics, {m, efc, ef}, "HNSW"),
        served("HNSW_PQ", kFloatTypes, kFloatMetrics, {m, efc, ef}, "HNSW"),
        served("HNSW_PRQ", kFloatTypes, kFloatMetrics, {m, efc, ef}, "HNSW"),
        served("SPARSE_WAND", {DT::kSparseFloatVector}, {MetricType::kIP}, {drop, drop_search}, "SPARSE_INVERTED_INDEX"),
    };
    return r;
  }();
  return registry;
}

const IndexFamily* IndexRegistry::Find(std::string_view name) const {
  for (const auto& f : families_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> IndexRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& f : families_) out.push_back(f.name);
  return out;
}

Status IndexRegistry::ValidateBuild(std::string_view family_name, schema::DataType field_type, int64_t dim,
                                    MetricType metric, const std::map<std::string, std::string>& params) const {
  const IndexFamily* family = Find(family_name);
  if (family == nullptr) return Status::InvalidArgument("invalid index type: " + std::string(family_name));
  if (std::find(family->field_types.begin(), family->field_types.end(), field_type) == family->field_types.end()) {
    return Status::InvalidArgument("index type " + family->name + " does not support " +
                                   std::string(schema::DataTypeName(field_type)) + " fields");
  }
  if (std::find(family->metrics.begin(), family->metrics.end(), metric) == family->metrics.end()) {
    return Status::InvalidArgument("metric type " + std::string(MetricName(metric)) + " not found or not supported by " +
                                   family->name);
  }
  const IndexFamily* serving = Serving(family_name, field_type);
  if (serving != nullptr && std::find(serving->metrics.begin(), serving->metrics.end(), metric) == serving->metrics.end()) {
    return Status::InvalidArgument("metric type " + std::string(MetricName(metric)) + " not supported by " +
                                   family->name + " on " + std::string(schema::DataTypeName(field_type)) + " fields");
  }
  for (const ParamSpec& spec : family->params) {
    if (spec.phase != Phase::kBuild) continue;
    auto it = params.find(spec.name);
    if (it == params.end()) continue;
    QUIVER_ASSIGN_OR_RETURN(double value, ParseParam(*family, spec, it->second));
    (void)value;
  }
  if (family->name == "IVF_PQ") {
    auto m = params.find("m");
    if (m != params.end() && dim > 0 && std::atoll(m->second.c_str()) > 0 && dim % std::atoll(m->second.c_str()) != 0) {
      return Status::InvalidArgument("IVF_PQ needs dim % m == 0 (dim " + std::to_string(dim) + ", m " + m->second + ")");
    }
  }
  return Status::OK();
}


std::string_view AutoIndexFamily(schema::DataType field_type) {
  switch (field_type) {
    case DT::kBinaryVector: return "BIN_IVF_FLAT";
    case DT::kSparseFloatVector: return "SPARSE_INVERTED_INDEX";
    default: return "HNSW";
  }
}

const IndexFamily* IndexRegistry::Serving(std::string_view name, schema::DataType field_type) const {
  const IndexFamily* family = Find(name);
  if (family == nullptr) return nullptr;
  if (family->name == "AUTOINDEX") return Find(AutoIndexFamily(field_type));
  if (!family->served_by.empty()) return Find(family->served_by);
  return family;
}

Result<IndexBuildSpec> IndexRegistry::ResolveBuild(std::string_view name, schema::DataType field_type, int64_t dim,
                                                   MetricType metric,
                                                   const std::map<std::string, std::string>& params) const {
  QUIVER_RETURN_IF_ERROR(ValidateBuild(name, field_type, dim, metric, params));
  const IndexFamily* serving = Serving(name, field_type);
  if (serving == nullptr || serving->build == nullptr) {
    return Status::InvalidArgument("index type " + std::string(name) + " cannot be built");
  }
  IndexBuildSpec spec;
  spec.family = serving->name;
  spec.metric = metric;
  spec.vector_type = field_type;
  spec.dim = static_cast<size_t>(dim);
  for (const ParamSpec& p : serving->params) {
    if (p.phase != Phase::kBuild) continue;
    auto it = params.find(p.name);
    if (it == params.end()) {
      spec.params[p.name] = p.default_value;
    } else {
      QUIVER_ASSIGN_OR_RETURN(spec.params[p.name], ParseParam(*serving, p, it->second));
    }
  }
  return spec;
}

Result<std::map<std::string, double>> IndexRegistry::ResolveSearch(std::string_view name,
                                                                   const std::map<std::string, std::string>& params,
                                                                   schema::DataType field_type) const {
  std::map<std::string, double> out;
  const IndexFamily* requested = Find(name);
  const IndexFamily* family = Serving(name, field_type);
  if (requested == nullptr || family == nullptr) return out;
  std::map<std::string, std::string> given = params;
  if (requested != family) {
    // Parameter names of a served-by family that the serving family spells differently.
    static const std::pair<const char*, const char*> kAliases[] = {{"search_list", "ef"}};
    for (const auto& [from, to] : kAliases) {
      auto it = given.find(from);
      if (it == given.end()) continue;
      if (!given.count(to)) given[to] = it->second;
      given.erase(it);
    }
  }
  for (const auto& [key, value] : given) {
    const ParamSpec* spec = nullptr;
    for (const ParamSpec& p : family->params) {
      if (p.name == key) spec = &p;
    }
    if (spec != nullptr && spec->phase == Phase::kSearch) continue;
    std::string served = requested == family ? "" : " (served by " + family->name + ")";
    if (spec != nullptr) {
      return Status::InvalidArgument("index param " + key + " of " + requested->name + served +
                                     " is set when the index is built, not per search");
    }
    std::string accepted;
    for (const ParamSpec& p : family->params) {
      if (p.phase == Phase::kSearch) accepted += (accepted.empty() ? "" : ", ") + p.name;
    }
    return Status::InvalidArgument("search param " + key.substr(0, 64) + " is not supported by index " + requested->name +
                                   served + "; it accepts " + (accepted.empty() ? "none" : accepted));
  }
  for (const ParamSpec& p : family->params) {
    if (p.phase != Phase::kSearch) continue;
    auto it = given.find(p.name);
    if (it == given.end()) {
      out[p.name] = p.default_value;
    } else {
      QUIVER_ASSIGN_OR_RETURN(out[p.name], ParseParam(*family, p, it->second));
    }
  }
  return out;
}

}  // namespace quiver::index
