// Resource group RPCs (Milvus's declarative API, 2.4.1+; docs/design/replicas.md).

#include "rpc/milvus/grpc_service.h"

namespace quiver::rpc::milvus {

namespace {

Result<cluster::ResourceGroupConfig> FromWire(const pb::rg::ResourceGroupConfig& wire) {
  cluster::ResourceGroupConfig c;
  for (const auto& label : wire.node_filter().node_labels()) {
    if (!c.node_labels.emplace(label.key(), label.value()).second) {
      return Status::InvalidArgument("resource group node_filter names label " + label.key() + " twice");
    }
  }
  c.requests = wire.requests().node_num();
  c.limits = wire.limits().node_num();
  for (const auto& t : wire.transfer_from()) c.transfer_from.push_back(t.resource_group());
  for (const auto& t : wire.transfer_to()) c.transfer_to.push_back(t.resource_group());
  return c;
}

void ToWire(const cluster::ResourceGroupConfig& c, pb::rg::ResourceGroupConfig* wire) {
  wire->mutable_requests()->set_node_num(c.requests);
  wire->mutable_limits()->set_node_num(c.limits);
  for (const auto& g : c.transfer_from) wire->add_transfer_from()->set_resource_group(g);
  for (const auto& g : c.transfer_to) wire->add_transfer_to()->set_resource_group(g);
  for (const auto& [key, value] : c.node_labels) {
    auto* label = wire->mutable_node_filter()->add_node_labels();
    label->set_key(key);
    label->set_value(value);
  }
}

}  // namespace

grpc::Status MilvusServiceImpl::CreateResourceGroup(CallContext* context, const pb::milvus::CreateResourceGroupRequest* request,
                                                    pb::common::Status* response) {
  return Run(context, "CreateResourceGroup", *request, response, [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroupConfig config, FromWire(request->config()));
    return proxy_->CreateResourceGroup(request->resource_group(), config);
  });
}

grpc::Status MilvusServiceImpl::DropResourceGroup(CallContext* context, const pb::milvus::DropResourceGroupRequest* request,
                                                  pb::common::Status* response) {
  return Run(context, "DropResourceGroup", *request, response, [&] { return proxy_->DropResourceGroup(request->resource_group()); });
}

grpc::Status MilvusServiceImpl::UpdateResourceGroups(CallContext* context, const pb::milvus::UpdateResourceGroupsRequest* request,
                                                     pb::common::Status* response) {
  return Run(context, "UpdateResourceGroups", *request, response, [&]() -> Status {
    std::map<std::string, cluster::ResourceGroupConfig> configs;
    for (const auto& [name, wire] : request->resource_groups()) {
      QUIVER_ASSIGN_OR_RETURN(configs[name], FromWire(wire));
    }
    return proxy_->UpdateResourceGroups(configs);
  });
}

grpc::Status MilvusServiceImpl::TransferNode(CallContext* context, const pb::milvus::TransferNodeRequest* request,
                                             pb::common::Status* response) {
  return Run(context, "TransferNode", *request, response, [&] {
    return proxy_->TransferNode(request->source_resource_group(), request->target_resource_group(), request->num_node());
  });
}

grpc::Status MilvusServiceImpl::TransferReplica(CallContext* context, const pb::milvus::TransferReplicaRequest* request,
                                                pb::common::Status* response) {
  return Run(context, "TransferReplica", *request, response, [&] {
    return proxy_->TransferReplica(request->source_resource_group(), request->target_resource_group(),
                                   Database(context, request->db_name()), request->collection_name(), request->num_replica());
  });
}

grpc::Status MilvusServiceImpl::ListResourceGroups(CallContext* context, const pb::milvus::ListResourceGroupsRequest* request,
                                                   pb::milvus::ListResourceGroupsResponse* response) {
  return Run(context, "ListResourceGroups", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> names, proxy_->ListResourceGroups());
    for (const auto& n : names) response->add_resource_groups(n);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::DescribeResourceGroup(CallContext* context, const pb::milvus::DescribeResourceGroupRequest* request,
                                                      pb::milvus::DescribeResourceGroupResponse* response) {
  return Run(context, "DescribeResourceGroup", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(proxy::ResourceGroupView view, proxy_->DescribeResourceGroup(request->resource_group()));
    auto* out = response->mutable_resource_group();
    out->set_name(view.name);
    out->set_capacity(view.config.requests);
    out->set_num_available_node(static_cast<int32_t>(view.nodes.size()));
    for (const auto& [collection, n] : view.loaded_replicas) (*out->mutable_num_loaded_replica())[collection] = n;
    for (const auto& [collection, n] : view.outgoing_nodes) (*out->mutable_num_outgoing_node())[collection] = n;
    for (const auto& [collection, n] : view.incoming_nodes) (*out->mutable_num_incoming_node())[collection] = n;
    ToWire(view.config, out->mutable_config());
    for (const auto& node : view.nodes) {
      auto* info = out->add_nodes();
      info->set_node_id(node.node_id);
      info->set_address(node.address);
      info->set_hostname(node.address.substr(0, node.address.rfind(':')));
    }
    return Status::OK();
  });
}

}  // namespace quiver::rpc::milvus
