#pragma once

// Which request options Quiver honours, and a clear refusal for every other one. The project rule
// is that an option a client sends either works or is refused — accepting and ignoring it gives a
// wrong result. Refusals are NotSupported with ErrorDetail::kUnimplemented (Milvus code 10) for a
// Milvus feature Quiver does not implement, InvalidArgument (1100) for a value that is not valid.
// A Milvus setting is accepted without an implementation only when its value is what Quiver does
// anyway (`collection.ttl.seconds: 0` = never expire) and it is then reported back as given.
// docs/design/options.md lists every option per RPC with its status and the reason.

#include <map>
#include <string>

#include <google/protobuf/message.h>

#include "common/status.h"
#include "milvus/milvus.pb.h"
#include "proxy/indexes.h"
#include "proxy/properties.h"
#include "schema/schema.h"

namespace quiver::rpc::milvus {

namespace pb = ::milvus::proto;
using KeyValueList = google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>;

// NotSupported naming the first field set anywhere in `message` that Quiver's protos do not
// declare. Those are what newer clients send for features Quiver lacks (function_score,
// highlighter, struct_array_fields, ...); protobuf keeps them as unknown fields, and without this
// check they would be dropped silently.
Status CheckKnownFields(const google::protobuf::Message& message);

// Property, type param and index checks in plain types (proxy/properties.h): the proxy applies
// them for every front door.
using proxy::PropertyScope;
using proxy::CheckTypeParam;
using proxy::CheckProperties;
using proxy::CheckFieldProperties;
using proxy::CheckAlterIndexParams;
using proxy::CheckIndexParams;  // CreateIndex build parameters (proxy/indexes.h)

// Request fields of a SearchRequest (top-level, or one sub-request of a hybrid search) besides
// those ParseSearch reads.
Status CheckSearchOptions(const pb::milvus::SearchRequest& request);
// HybridSearchRequest fields besides the sub-requests: timestamps, namespace, rank_params keys,
// and sub-request partition/output lists that differ from the top-level ones (Milvus uses the
// top-level lists).
Status CheckHybridSearchOptions(const pb::milvus::HybridSearchRequest& request);
Status CheckQueryOptions(const pb::milvus::QueryRequest& request);

// LoadCollection / LoadPartitions options: one replica, the default resource group, whole
// collections (no load_fields, dynamic field loaded), no load_params. `refresh` works: loaded
// collections serve new segments without it.
Status CheckLoadOptions(int32_t replica_number, const google::protobuf::RepeatedPtrField<std::string>& resource_groups,
                        const google::protobuf::RepeatedPtrField<std::string>& load_fields, bool skip_load_dynamic_field,
                        const google::protobuf::Map<std::string, std::string>& load_params);

// Insert / Upsert / Delete: rows are routed by primary key hash, so client hash_keys are refused,
// as is a namespace.
Status CheckMutationOptions(const google::protobuf::RepeatedField<uint32_t>& hash_keys, const std::string& name_space);

// A time-travel timestamp (DescribeCollection, ShowCollections, DescribeIndex, Search, Query):
// Milvus removed time travel in 2.3; a non-zero value is refused.
Status CheckNoTimeTravel(uint64_t timestamp, const char* field);

}  // namespace quiver::rpc::milvus
