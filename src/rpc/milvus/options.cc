#include "rpc/milvus/options.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

#include "index/registry.h"

namespace quiver::rpc::milvus {

using proxy::kMmapWhy;
using proxy::ParseGoBool;
using proxy::ParseNonNegative;

namespace {

using schema::DataType;

Status Unimplemented(const std::string& message) {
  return Status::NotSupported(message).WithDetail(ErrorDetail::kUnimplemented);
}

// ---- unknown proto fields

// Fields of the Milvus 2.6 protos that Quiver's protos leave out, by message and number, with
// the feature they carry (for a readable refusal). Any other unknown field is named by number.
struct UpstreamField {
  std::string_view message;  // full proto name
  int number;
  std::string_view what;
};

constexpr UpstreamField kUpstreamFields[] = {
    {"milvus.proto.milvus.SearchRequest", 19, "function_score (rerank functions: decay, model, ...)"},
    {"milvus.proto.milvus.SearchRequest", 21, "highlighter (search result highlighting)"},
    {"milvus.proto.milvus.HybridSearchRequest", 13, "function_score (rerank functions: decay, model, ...)"},
    {"milvus.proto.milvus.SubSearchRequest", 7, "namespace"},
    {"milvus.proto.milvus.UpsertRequest", 11, "field_ops (partial update operations)"},
    {"milvus.proto.milvus.FlushAllRequest", 3, "flush_targets"},
    {"milvus.proto.milvus.GetFlushAllStateRequest", 4, "flush_targets"},
    {"milvus.proto.milvus.GetFlushAllStateRequest", 5, "flush_all_tss"},
    {"milvus.proto.common.MsgBase", 7, "replicateInfo (cross-cluster replication)"},
    {"milvus.proto.schema.CollectionSchema", 9, "struct_array_fields (Array of Struct fields)"},
    {"milvus.proto.schema.CollectionSchema", 10, "version (schema versions)"},
    {"milvus.proto.schema.CollectionSchema", 15, "enable_namespace (namespaces)"},
    {"milvus.proto.schema.FieldData", 8, "struct_arrays (Array of Struct data)"},
    {"milvus.proto.schema.VectorField", 8, "vector_array (ArrayOfVector data)"},
    {"milvus.proto.schema.ScalarField", 10, "geometry_data (Geometry data)"},
    {"milvus.proto.schema.ScalarField", 11, "timestamptz_data (Timestamptz data)"},
    {"milvus.proto.schema.ScalarField", 12, "geometry_wkt_data (Geometry data)"},
};

Status UnknownField(const google::protobuf::Descriptor& type, int number) {
  std::string_view short_name = type.name();
  for (const UpstreamField& f : kUpstreamFields) {
    if (f.message == type.full_name() && f.number == number) {
      return Unimplemented(std::string(f.what) + " in " + std::string(short_name) + " is not supported yet by Quiver");
    }
  }
  return Unimplemented("field number " + std::to_string(number) + " of " + std::string(short_name) +
                       " is not supported by Quiver (a field of a newer Milvus protocol)");
}

Status CheckKnownFieldsOf(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  if (!unknown.empty()) return UnknownField(*message.GetDescriptor(), unknown.field(0).number());
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      const int count = reflection->FieldSize(message, field);
      for (int i = 0; i < count; ++i) {
        QUIVER_RETURN_IF_ERROR(CheckKnownFieldsOf(reflection->GetRepeatedMessage(message, field, i)));
      }
    } else {
      QUIVER_RETURN_IF_ERROR(CheckKnownFieldsOf(reflection->GetMessage(message, field)));
    }
  }
  return Status::OK();
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
    {"collection.replica.number", ValueKind::kCount, "1", "a standalone server has one query node (1 is accepted)"},
    {"collection.resource_groups", ValueKind::kText, "__default_resource_group", "resource groups are not implemented"},
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
    {"database.replica.number", ValueKind::kCount, "1", "a standalone server has one query node (1 is accepted)"},
    {"database.resource_groups", ValueKind::kText, "__default_resource_group", "resource groups are not implemented"},
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

template <typename Repeated>
bool SameList(const Repeated& a, const Repeated& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

Status CheckKnownFields(const google::protobuf::Message& message) { return CheckKnownFieldsOf(message); }

Status CheckProperties(PropertyScope scope, const KeyValueList& properties) {
  const char* where = scope == PropertyScope::kCollection ? "collection property " : "database property ";
  for (const auto& kv : properties) {
    const std::string& key = kv.key();
    if (key.empty()) return Status::InvalidArgument(std::string(where) + "key must not be empty");
    const Rule* rule = scope == PropertyScope::kCollection ? FindRule(kCollectionRules, key) : FindRule(kDatabaseRules, key);
    if (rule != nullptr) {
      QUIVER_RETURN_IF_ERROR(ApplyRule(*rule, where + key, kv.value()));
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

Status CheckFieldProperties(const std::string& field, const KeyValueList& properties) {
  for (const auto& kv : properties) {
    if (kv.key() == "mmap.enabled") {
      return Unimplemented("field property mmap.enabled of field " + field + " is not supported yet: " + std::string(kMmapWhy));
    }
    if (kv.key() == "description") {
      return Unimplemented("altering the description of field " + field + " is not supported yet");
    }
  }
  return Status::OK();
}

Status CheckAlterIndexParams(const KeyValueList& params) {
  for (const auto& kv : params) {
    if (kv.key() == "mmap.enabled") {
      return Unimplemented("index property mmap.enabled is not supported yet: " + std::string(kMmapWhy));
    }
    return Status::InvalidArgument("index property " + kv.key().substr(0, 64) +
                                   " cannot be altered (Milvus alters only mmap.enabled); drop and recreate the index");
  }
  return Status::OK();
}

Status CheckNoTimeTravel(uint64_t timestamp, const char* field) {
  if (timestamp == 0) return Status::OK();
  return Unimplemented(std::string(field) + " (time travel) is not supported: Milvus removed time travel in 2.3 and Quiver reads "
                       "current data");
}

Status CheckSearchOptions(const pb::milvus::SearchRequest& request) {
  QUIVER_RETURN_IF_ERROR(CheckNoTimeTravel(request.travel_timestamp(), "travel_timestamp"));
  if (request.search_by_primary_keys()) return Unimplemented("search_by_primary_keys is not supported yet");
  if (!request.namespace_().empty()) return Unimplemented("namespaces are not supported yet");
  if (request.dsl_type() != pb::common::BoolExprV1 && !request.dsl().empty()) {
    return Unimplemented("dsl_type " + std::to_string(request.dsl_type()) +
                         " is not supported: Quiver reads boolean expressions (dsl_type BoolExprV1)");
  }
  return Status::OK();
}

Status CheckHybridSearchOptions(const pb::milvus::HybridSearchRequest& request) {
  QUIVER_RETURN_IF_ERROR(CheckNoTimeTravel(request.travel_timestamp(), "travel_timestamp"));
  if (!request.namespace_().empty()) return Unimplemented("namespaces are not supported yet");
  static const std::set<std::string> kRankKeys = {"strategy", "params", "limit", "offset", "round_decimal"};
  for (const auto& kv : request.rank_params()) {
    if (!kRankKeys.count(kv.key())) {
      return Unimplemented("rank param " + kv.key().substr(0, 64) +
                           " is not supported in hybrid search (Quiver reads strategy, params, limit, offset, round_decimal)");
    }
  }
  for (int i = 0; i < request.requests_size(); ++i) {
    const pb::milvus::SearchRequest& sub = request.requests(i);
    QUIVER_RETURN_IF_ERROR(CheckSearchOptions(sub));
    if (sub.partition_names_size() > 0 && !SameList(sub.partition_names(), request.partition_names())) {
      return Status::InvalidArgument("partition_names of hybrid sub-request " + std::to_string(i) +
                                     " differ from the hybrid search's; every sub-request searches the top-level partition_names");
    }
    if (sub.output_fields_size() > 0 && !SameList(sub.output_fields(), request.output_fields())) {
      return Status::InvalidArgument("output_fields of hybrid sub-request " + std::to_string(i) +
                                     " differ from the hybrid search's; results carry the top-level output_fields");
    }
  }
  return Status::OK();
}

Status CheckQueryOptions(const pb::milvus::QueryRequest& request) {
  QUIVER_RETURN_IF_ERROR(CheckNoTimeTravel(request.travel_timestamp(), "travel_timestamp"));
  if (!request.namespace_().empty()) return Unimplemented("namespaces are not supported yet");
  return Status::OK();
}

Status CheckLoadOptions(int32_t replica_number, const google::protobuf::RepeatedPtrField<std::string>& resource_groups,
                        const google::protobuf::RepeatedPtrField<std::string>& load_fields, bool skip_load_dynamic_field,
                        const google::protobuf::Map<std::string, std::string>& load_params) {
  if (replica_number > 1) {
    return Status::InvalidArgument("replica number " + std::to_string(replica_number) +
                                   " exceeds the number of query nodes (1) of a standalone server");
  }
  for (const auto& group : resource_groups) {
    if (group != "__default_resource_group") {
      return Unimplemented("resource group " + group.substr(0, 64) + " is not supported: resource groups are not implemented");
    }
  }
  if (!load_fields.empty()) return Unimplemented("load_fields (loading some fields only) is not supported yet");
  if (skip_load_dynamic_field) return Unimplemented("skip_load_dynamic_field is not supported yet");
  if (!load_params.empty()) {
    return Unimplemented("load param " + load_params.begin()->first.substr(0, 64) + " is not supported yet");
  }
  return Status::OK();
}

Status CheckMutationOptions(const google::protobuf::RepeatedField<uint32_t>& hash_keys, const std::string& name_space) {
  if (!hash_keys.empty()) {
    return Unimplemented("hash_keys are not supported: Quiver routes rows to shards by the hash of their primary key");
  }
  if (!name_space.empty()) return Unimplemented("namespaces are not supported yet");
  return Status::OK();
}

}  // namespace quiver::rpc::milvus
