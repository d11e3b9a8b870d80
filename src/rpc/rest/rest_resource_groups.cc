// REST v2: resource groups (`/v2/vectordb/resource_groups/*`), with Milvus's bodies: a group's
// `name` and `config` ({requests: {node_num}, limits: {node_num}, transfer_from / transfer_to:
// [{resource_group}], node_filter: {node_labels: {key: value}}}), `resource_groups` (name ->
// config) to alter, and sourceRgName / targetRgName / collectionName / replicaNum to transfer
// replicas. describe answers {"code": 0, "resource_group": {...}}, the group's fields as the
// gRPC message names them (Milvus answers the same object, without the code).

#include "rpc/rest/rest_internal.h"

namespace quiver::rpc::rest {

namespace {

Result<int32_t> NodeNum(Json& config, const char* key) {
  if (!config.contains(key) || config[key].is_null()) return Missing(std::string("config.") + key);
  Json& limit = config[key];
  QUIVER_RETURN_IF_ERROR(OnlyKeys(limit, {"node_num"}, std::string("config.") + key));
  if (!limit.contains("node_num")) return Missing(std::string("config.") + key + ".node_num");
  QUIVER_ASSIGN_OR_RETURN(int64_t n, Int(limit, "node_num", 0));
  if (n < INT32_MIN || n > INT32_MAX) return Status::InvalidArgument(std::string("config.") + key + ".node_num is out of range");
  return static_cast<int32_t>(n);
}

Result<std::vector<std::string>> Transfers(Json& config, const char* key) {
  std::vector<std::string> out;
  if (!config.contains(key) || config[key].is_null()) return out;
  if (!config[key].is_array()) return Status::InvalidArgument(std::string("config.") + key + " must be an array");
  for (Json& t : config[key]) {
    QUIVER_RETURN_IF_ERROR(OnlyKeys(t, {"resource_group"}, std::string("an entry of config.") + key));
    QUIVER_ASSIGN_OR_RETURN(std::string group, Str(t, "resource_group", true));
    out.push_back(std::move(group));
  }
  return out;
}

Result<cluster::ResourceGroupConfig> ConfigFromJson(Json& config) {
  cluster::ResourceGroupConfig c;
  QUIVER_RETURN_IF_ERROR(OnlyKeys(config, {"requests", "limits", "transfer_from", "transfer_to", "node_filter"}, "config"));
  QUIVER_ASSIGN_OR_RETURN(c.requests, NodeNum(config, "requests"));
  QUIVER_ASSIGN_OR_RETURN(c.limits, NodeNum(config, "limits"));
  QUIVER_ASSIGN_OR_RETURN(c.transfer_from, Transfers(config, "transfer_from"));
  QUIVER_ASSIGN_OR_RETURN(c.transfer_to, Transfers(config, "transfer_to"));
  if (config.contains("node_filter") && !config["node_filter"].is_null()) {
    Json& filter = config["node_filter"];
    QUIVER_RETURN_IF_ERROR(OnlyKeys(filter, {"node_labels"}, "config.node_filter"));
    if (filter.contains("node_labels") && !filter["node_labels"].is_null()) {
      if (!filter["node_labels"].is_object()) {
        return Status::InvalidArgument("config.node_filter.node_labels must be an object of label keys and values");
      }
      for (const auto& [key, value] : filter["node_labels"].items()) {
        if (!value.is_string()) return Status::InvalidArgument("node label " + key + " must have a string value");
        c.node_labels[key] = value.get<std::string>();
      }
    }
  }
  return c;
}

Json ConfigToJson(const cluster::ResourceGroupConfig& c) {
  Json from = Json::array(), to = Json::array(), labels = Json::array();
  for (const auto& g : c.transfer_from) from.push_back({{"resource_group", g}});
  for (const auto& g : c.transfer_to) to.push_back({{"resource_group", g}});
  for (const auto& [key, value] : c.node_labels) labels.push_back({{"key", key}, {"value", value}});
  return Json{{"requests", {{"node_num", c.requests}}},
              {"limits", {{"node_num", c.limits}}},
              {"transfer_from", from},
              {"transfer_to", to},
              {"node_filter", {{"node_labels", labels}}}};
}

}  // namespace

void RestService::RegisterResourceGroups() {
  auto* p = proxy_;
  auto add = [this](const std::string& name, Endpoint e) { endpoints_[name] = std::move(e); };
  add("resource_groups/create", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"name", "config"}, "resource_groups/create"));
    REST_ASSIGN(std::string name, Str(c.body, "name", true));
    cluster::ResourceGroupConfig config;
    if (c.body.contains("config") && !c.body["config"].is_null()) {
      REST_ASSIGN(config, ConfigFromJson(c.body["config"]));
    }
    return Run(c, "CreateResourceGroup", c.Target(), [&] { return p->CreateResourceGroup(name, config); });
  });
  add("resource_groups/drop", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"name"}, "resource_groups/drop"));
    REST_ASSIGN(std::string name, Str(c.body, "name", true));
    return Run(c, "DropResourceGroup", c.Target(), [&] { return p->DropResourceGroup(name); });
  });
  add("resource_groups/alter", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"resource_groups"}, "resource_groups/alter"));
    if (!c.body.contains("resource_groups") || c.body["resource_groups"].is_null()) {
      return Outcome::From(Missing("resource_groups"));
    }
    if (!c.body["resource_groups"].is_object()) {
      return Outcome::From(Status::InvalidArgument("resource_groups must be an object of group names and configurations"));
    }
    std::map<std::string, cluster::ResourceGroupConfig> configs;
    for (auto& [name, config] : c.body["resource_groups"].items()) {
      REST_ASSIGN(configs[name], ConfigFromJson(config));
    }
    return Run(c, "UpdateResourceGroups", c.Target(), [&] { return p->UpdateResourceGroups(configs); });
  });
  add("resource_groups/list", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "resource_groups/list"));
    Json names = Json::array();
    return Run(
        c, "ListResourceGroups", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> found, p->ListResourceGroups());
          for (const auto& n : found) names.push_back(n);
          return Status::OK();
        },
        [&] { return Outcome::Ok(names); });
  });
  add("resource_groups/describe", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"name"}, "resource_groups/describe"));
    REST_ASSIGN(std::string name, Str(c.body, "name", true));
    Json group;
    return Run(
        c, "DescribeResourceGroup", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(proxy::ResourceGroupView view, p->DescribeResourceGroup(name));
          Json nodes = Json::array();
          for (const auto& n : view.nodes) {
            nodes.push_back({{"node_id", n.node_id},
                             {"address", n.address},
                             {"hostname", n.address.substr(0, n.address.rfind(':'))}});
          }
          group = Json{{"name", view.name},
                       {"capacity", view.config.requests},
                       {"num_available_node", view.nodes.size()},
                       {"num_loaded_replica", view.loaded_replicas},
                       {"num_outgoing_node", view.outgoing_nodes},
                       {"num_incoming_node", view.incoming_nodes},
                       {"config", ConfigToJson(view.config)},
                       {"nodes", nodes}};
          return Status::OK();
        },
        [&] {
          Outcome o;
          o.reply = Json{{"code", 0}, {"resource_group", group}};
          return o;
        });
  });
  add("resource_groups/transfer_replica", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"sourceRgName", "targetRgName", "collectionName", "replicaNum"},
                      "resource_groups/transfer_replica"));
    REST_ASSIGN(std::string source, Str(c.body, "sourceRgName", true));
    REST_ASSIGN(std::string target, Str(c.body, "targetRgName", true));
    REST_ASSIGN(std::string collection, Str(c.body, "collectionName", true));
    if (!c.body.contains("replicaNum")) return Outcome::From(Missing("replicaNum"));
    REST_ASSIGN(int64_t replicas, Int(c.body, "replicaNum", 0));
    return Run(c, "TransferReplica", c.Target(collection),
               [&] { return p->TransferReplica(source, target, c.db, collection, replicas); });
  });
}

}  // namespace quiver::rpc::rest
