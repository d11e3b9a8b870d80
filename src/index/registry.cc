#include "index/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace quiver::index {

namespace {

using DT = schema::DataType;
using Phase = ParamSpec::Phase;

const std::vector<DT> kFloatTypes = {DT::kFloatVector, DT::kFloat16Vector, DT::kBFloat16Vector, DT::kInt8Vector};
const std::vector<MetricType> kFloatMetrics = {MetricType::kL2, MetricType::kIP, MetricType::kCosine};
const std::vector<MetricType> kBinaryMetrics = {MetricType::kHamming, MetricType::kJaccard};

ParamSpec Build(std::string name, double min, double max, double def, std::string description) {
  return {std::move(name), min, max, def, Phase::kBuild, true, std::move(description)};
}
ParamSpec Search(std::string name, double min, double max, double def, std::string description) {
  return {std::move(name), min, max, def, Phase::kSearch, true, std::move(description)};
}

}  // namespace

const IndexRegistry& IndexRegistry::Builtin() {
  static const IndexRegistry registry = [] {
    IndexRegistry r;
    ParamSpec nlist = Build("nlist", 1, 65536, 128, "number of IVF clusters");
    ParamSpec nprobe = Search("nprobe", 1, 65536, 8, "clusters probed per query");
    r.families_ = {
        {"FLAT", kFloatTypes, kFloatMetrics, {}, true},
        {"AUTOINDEX", {DT::kFloatVector, DT::kFloat16Vector, DT::kBFloat16Vector, DT::kInt8Vector, DT::kBinaryVector,
                       DT::kSparseFloatVector},
         {MetricType::kL2, MetricType::kIP, MetricType::kCosine, MetricType::kHamming, MetricType::kJaccard,
          MetricType::kBM25},
         {}, false},
        {"HNSW", kFloatTypes, kFloatMetrics,
         {Build("M", 2, 2048, 16, "links per node"), Build("efConstruction", 1, 1 << 20, 200, "beam width while building"),
          Search("ef", 1, 1 << 20, 64, "beam width while searching (at least topk)")},
         false},
        {"IVF_FLAT", kFloatTypes, kFloatMetrics, {nlist, nprobe}, false},
        {"IVF_SQ8", kFloatTypes, kFloatMetrics, {nlist, nprobe}, false},
        {"IVF_PQ", kFloatTypes, kFloatMetrics,
         {nlist, Build("m", 1, 65536, 0, "sub-quantizers (dim % m == 0)"), Build("nbits", 1, 16, 8, "bits per code"), nprobe},
         false},
        {"SCANN", kFloatTypes, kFloatMetrics, {nlist, nprobe}, false},
        {"DISKANN", kFloatTypes, kFloatMetrics, {Search("search_list", 1, 65536, 100, "candidate list size")}, false},
        {"HNSW_SQ", kFloatTypes, kFloatMetrics, {Build("M", 2, 2048, 16, "links per node"), Build("efConstruction", 1, 1 << 20, 200, "")}, false},
        {"HNSW_PQ", kFloatTypes, kFloatMetrics, {Build("M", 2, 2048, 16, "links per node"), Build("efConstruction", 1, 1 << 20, 200, "")}, false},
        {"HNSW_PRQ", kFloatTypes, kFloatMetrics, {Build("M", 2, 2048, 16, "links per node"), Build("efConstruction", 1, 1 << 20, 200, "")}, false},
        {"IVF_RABITQ", kFloatTypes, kFloatMetrics, {nlist, nprobe}, false},
        {"BIN_FLAT", {DT::kBinaryVector}, kBinaryMetrics, {}, true},
        {"BIN_IVF_FLAT", {DT::kBinaryVector}, kBinaryMetrics, {nlist, nprobe}, false},
        {"SPARSE_INVERTED_INDEX", {DT::kSparseFloatVector}, {MetricType::kIP, MetricType::kBM25},
         {{"drop_ratio_build", 0, 1, 0, Phase::kBuild, false, "fraction of small values dropped at build"}}, false},
        {"SPARSE_WAND", {DT::kSparseFloatVector}, {MetricType::kIP, MetricType::kBM25},
         {{"drop_ratio_build", 0, 1, 0, Phase::kBuild, false, "fraction of small values dropped at build"}}, false},
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
  for (const ParamSpec& spec : family->params) {
    if (spec.phase != Phase::kBuild) continue;
    auto it = params.find(spec.name);
    if (it == params.end()) continue;
    char* end = nullptr;
    double value = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || end != it->second.c_str() + it->second.size() || !std::isfinite(value)) {
      return Status::InvalidArgument("index param " + spec.name + " of " + family->name + " must be a number, got " + it->second);
    }
    if (spec.integer && std::floor(value) != value) {
      return Status::InvalidArgument("index param " + spec.name + " of " + family->name + " must be an integer");
    }
    if (value < spec.min || value > spec.max) {
      char range[96];
      std::snprintf(range, sizeof(range), "[%g, %g]", spec.min, spec.max);
      return Status::InvalidArgument("index param " + spec.name + " of " + family->name + " out of range " + range +
                                     ": " + it->second);
    }
  }
  if (family->name == "IVF_PQ") {
    auto m = params.find("m");
    if (m != params.end() && dim > 0 && std::atoll(m->second.c_str()) > 0 && dim % std::atoll(m->second.c_str()) != 0) {
      return Status::InvalidArgument("IVF_PQ needs dim % m == 0 (dim " + std::to_string(dim) + ", m " + m->second + ")");
    }
  }
  return Status::OK();
}

}  // namespace quiver::index
