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

template <typename Repeated>
bool SameList(const Repeated& a, const Repeated& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

Status CheckKnownFields(const google::protobuf::Message& message) { return CheckKnownFieldsOf(message); }

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
  // How many replicas the query nodes can hold is the coordinator's to say (SetLoadState).
  if (replica_number < 0) return Status::InvalidArgument("replica number must not be negative");
  // Resource groups are the proxy's to check (they exist, they have the nodes).
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
