#include "proxy/properties.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "proxy/indexes.h"

namespace quiver::proxy {

namespace {

Status Unimplemented(const std::string& message) {
  return Status::NotSupported(message).WithDetail(ErrorDetail::kUnimplemented);
}

// ---- property values

enum class ValueKind { kBool, kCount, kText };

// A Milvus setting and what Quiver does about it. `honoured` is the (normalised) value Quiver's
// behaviour already matches: that value is accepted and reported back; every other valid value
// is refused with `why`. Empty `honoured`: every value is refused.
struct Rule {
  std::string_view key;
  ValueKind kind;
  std::string_view honoured;
  std::string_view why;
};

constexpr std::string_view kRateWhy = "per-collection rate limits are not implemented";
constexpr std::string_view kQuotaWhy = "disk quotas are not implemented";
constexpr std::string_view kDenyWhy = "force-deny switches are not implemented";

constexpr Rule kCollectionRules[] = {
    {"collection.ttl.seconds", ValueKind::kCount, "0",
     "Quiver does not expire entities (0, no expiry, is accepted)"},
    {"collection.autocompaction.enabled", ValueKind::kBool, "false",
     "Quiver does not compact segments yet (false is accepted)"},
    {"collection.description", ValueKind::kText, "",
     "altering the description is not implemented; set it in the schema at CreateCollection"},
    {"collection.insertRate.max.mb", ValueKind::kText, "", kRateWhy},
    {"collection.insertRate.min.mb", ValueKind::kText, "", kRateWhy},
    {"collection.upsertRate.max.mb", ValueKind::kText, "", kRateWhy},
    {"collection.upsertRate.min.mb", ValueKind::kText, "", kRateWhy},
    {"collection.deleteRate.max.mb", ValueKind::kText, "", kRateWhy},
    {"collection.deleteRate.min.mb", ValueKind::kText, "", kRateWhy},
    {"collection.bulkLoadRate.max.mb", ValueKind::kText, "", kRateWhy},
    {"collection.bulkLoadRate.min.mb", ValueKind::kText, "", kRateWhy},
    {"collection.queryRate.max.qps", ValueKind::kText, "", kRateWhy},
    {"collection.queryRate.min.qps", ValueKind::kText, "", kRateWhy},
    {"collection.searchRate.max.vps", ValueKind::kText, "", kRateWhy},
    {"collection.searchRate.min.vps", ValueKind::kText, "", kRateWhy},
    {"collection.diskProtection.diskQuota.mb", ValueKind::kText, "", kQuotaWhy},
    {"partition.diskProtection.diskQuota.mb", ValueKind::kText, "", kQuotaWhy},
    {"collection.replica.number", ValueKind::kCount, "1",
     "a default replica number as a property is not implemented (1 is accepted); pass replica_number to LoadCollection"},
    {"collection.resource_groups", ValueKind::kText, "__default_resource_group",
     "default resource groups as a property are not implemented; pass resource_groups to LoadCollection or use TransferReplica"},
    {"mmap.enabled", ValueKind::kBool, "", kMmapWhy},
    {"lazyload.enabled", ValueKind::kBool, "false", "lazy loading is not implemented: a load loads everything"},
    {"load_priority", ValueKind::kText, "", "load priorities are not implemented"},
    {"partitionkey.isolation", ValueKind::kBool, "false",
     "partition key isolation (per-key indexes, searches limited to one key) is not implemented"},
    {"replicate.id", ValueKind::kText, "", "cross-cluster replication is not implemented"},
    {"replicate.endTS", ValueKind::kText, "", "cross-cluster replication is not implemented"},
    {"dynamicfield.enabled", ValueKind::kBool, "",
     "switching the dynamic field after creation is not implemented; set enable_dynamic_field in the schema"},
    {"allow_insert_auto_id", ValueKind::kBool, "false",
     "inserting explicit primary keys into an auto-id collection is not implemented"},
    {"consistency_level", ValueKind::kText, "",
     "changing the consistency level after creation is not implemented; set it at CreateCollection"},
    {"timezone", ValueKind::kText, "", "time zones are not implemented (Quiver has no Timestamptz type)"},
};

constexpr Rule kDatabaseRules[] = {
    {"database.replica.number", ValueKind::kCount, "1",
     "a default replica number as a property is not implemented (1 is accepted); pass replica_number to LoadCollection"},
    {"database.resource_groups", ValueKind::kText, "__default_resource_group",
     "default resource groups as a property are not implemented; pass resource_groups to LoadCollection or use TransferReplica"},
    {"database.diskQuota.mb", ValueKind::kText, "", kQuotaWhy},
    {"database.max.collections", ValueKind::kText, "", "a per-database collection limit is not implemented"},
    {"database.force.deny.writing", ValueKind::kBool, "false", kDenyWhy},
    {"database.force.deny.reading", ValueKind::kBool, "false", kDenyWhy},
    {"database.force.deny.ddl", ValueKind::kBool, "false", kDenyWhy},
    {"database.force.deny.collectionDDL", ValueKind::kBool, "false", kDenyWhy},
    {"database.force.deny.partitionDDL", ValueKind::kBool, "false", kDenyWhy},
    {"database.force.deny.index", ValueKind::kBool, "false", kDenyWhy},
    {"database.force.deny.flush", ValueKind::kBool, "false", kDenyWhy},
    {"database.force.deny.compaction", ValueKind::kBool, "false", kDenyWhy},
    {"timezone", ValueKind::kText, "", "time zones are not implemented (Quiver has no Timestamptz type)"},
};

// Key prefixes Milvus reserves for its own settings. A key under one of them that no table names
// is a Milvus setting Quiver does not know, refused rather than stored as if it worked.
constexpr std::string_view kReservedPrefixes[] = {
    "collection.", "partition.", "database.", "mmap.", "lazyload.", "partitionkey.", "replicate.", "cipher.",
    "field.", "index.", "indexoffsetcache.", "dynamicfield.", "namespace.", "warmup.",
};

constexpr Rule kTypeParamRules[] = {
    {"mmap.enabled", ValueKind::kBool, "", kMmapWhy},
    {"enable_analyzer", ValueKind::kBool, "false", "text analyzers are not implemented"},
    {"enable_match", ValueKind::kBool, "false", "text match is not implemented"},
    {"analyzer_params", ValueKind::kText, "", "text analyzers are not implemented"},
    {"multi_analyzer_params", ValueKind::kText, "", "text analyzers are not implemented"},
    {"field.skipLoad", ValueKind::kBool, "false", "loading part of a collection is not implemented"},
};

// Checks `value` of `rule` (`what` names the setting in messages).
Status ApplyRule(const Rule& rule, const std::string& what, const std::string& value) {
  std::string normalised = value;
  if (rule.kind == ValueKind::kBool) {
    std::optional<bool> b = ParseGoBool(value);
    if (!b) return Status::InvalidArgument(what + " must be true or false, got [" + value.substr(0, 64) + "]");
    normalised = *b ? "true" : "false";
  } else if (rule.kind == ValueKind::kCount) {
    std::optional<int64_t> n = ParseNonNegative(value);
    if (!n) return Status::InvalidArgument(what + " must be a non-negative integer, got [" + value.substr(0, 64) + "]");
    normalised = std::to_string(*n);
  }
  if (!rule.honoured.empty() && normalised == rule.honoured) return Status::OK();
  return Unimplemented(what + " set to " + value.substr(0, 64) + " is not supported yet: " + std::string(rule.why));
}

template <size_t N>
const Rule* FindRule(const Rule (&rules)[N], std::string_view key) {
  for (const Rule& rule : rules) {
    if (rule.key == key) return &rule;
  }
  return nullptr;
}

bool HasReservedPrefix(std::string_view key) {
  return std::any_of(std::begin(kReservedPrefixes), std::end(kReservedPrefixes),
                     [&](std::string_view prefix) { return key.substr(0, prefix.size()) == prefix; });
}

}  // namespace

Status CheckProperties(PropertyScope scope, const cluster::KeyValues& properties) {
  const char* where = scope == PropertyScope::kCollection ? "collection property " : "database property ";
  for (const auto& [key, value] : properties) {
    if (key.empty()) return Status::InvalidArgument(std::string(where) + "key must not be empty");
    const Rule* rule = scope == PropertyScope::kCollection ? FindRule(kCollectionRules, key) : FindRule(kDatabaseRules, key);
    if (rule != nullptr) {
      QUIVER_RETURN_IF_ERROR(ApplyRule(*rule, where + key, value));
    } else if (HasReservedPrefix(key)) {
      return Unimplemented(where + key.substr(0, 128) + " is not supported by Quiver (a Milvus setting it does not implement)");
    }
    // Any other key is user metadata: stored and reported back as given, as Milvus does.
  }
  return Status::OK();
}

Status CheckTypeParam(const std::string& field, const std::string& key, const std::string& value) {
  // Used where they apply (NormalizeSchema checks them); elsewhere Milvus ignores them too, and
  // they are echoed back as given.
  if (key == "dim" || key == "max_length" || key == "max_capacity") return Status::OK();
  if (const Rule* rule = FindRule(kTypeParamRules, key)) return ApplyRule(*rule, "type param " + key + " of field " + field, value);
  return Unimplemented("type param " + key.substr(0, 128) + " of field " + field + " is not supported by Quiver");
}

Status CheckSchemaFeatures(const schema::CollectionSchema& schema) {
  int clustering_keys = 0;
  for (const auto& f : schema.fields) {
    if (f.type == schema::DataType::kGeometry || f.type == schema::DataType::kTimestamptz) {
      return Unimplemented("field " + f.name + ": data type " + std::string(schema::DataTypeName(f.type)) +
                           " is not supported yet");
    }
    if (f.type == schema::DataType::kString) {
      return Status::InvalidArgument("string data type not supported yet, please use VarChar type instead");
    }
    if (f.clustering_key && ++clustering_keys > 1) {
      return Status::InvalidArgument("there are more than one clustering key field in the schema");
    }
  }
  return Status::OK();
}

Status CheckFieldProperties(const std::string& field, const cluster::KeyValues& properties) {
  for (const auto& kv : properties) {
    if (kv.first == "mmap.enabled") {
      return Unimplemented("field property mmap.enabled of field " + field + " is not supported yet: " + std::string(kMmapWhy));
    }
    if (kv.first == "description") {
      return Unimplemented("altering the description of field " + field + " is not supported yet");
    }
  }
  return Status::OK();
}

Status CheckAlterIndexParams(const cluster::KeyValues& params) {
  for (const auto& kv : params) {
    if (kv.first == "mmap.enabled") {
      return Unimplemented("index property mmap.enabled is not supported yet: " + std::string(kMmapWhy));
    }
    return Status::InvalidArgument("index property " + kv.first.substr(0, 64) +
                                   " cannot be altered (Milvus alters only mmap.enabled); drop and recreate the index");
  }
  return Status::OK();
}

}  // namespace quiver::proxy
