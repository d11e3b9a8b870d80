#include "coord/channels.h"

#include <algorithm>
#include <charconv>

#include "cluster/session.h"
#include "common/log.h"
#include "coord/replicas.h"

namespace quiver::coord {

std::string ChannelKey(const std::string& channel) { return kChannelsPrefix + channel; }

Result<std::map<std::string, int64_t>> ListChannelAssignment(storage::MetaStore* store) {
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult range, store->Range(kChannelsPrefix));
  std::map<std::string, int64_t> out;
  const size_t prefix = std::string_view(kChannelsPrefix).size();
  for (const auto& kv : range.kvs) {
    int64_t node = 0;
    auto [end, ec] = std::from_chars(kv.value.data(), kv.value.data() + kv.value.size(), node);
    if (ec != std::errc() || end != kv.value.data() + kv.value.size()) {
      return Status::Corruption("channel assignment is not a node id", kv.key);
    }
    out[kv.key.substr(prefix)] = node;
  }
  return out;
}

Result<std::set<std::string>> ChannelsOf(storage::MetaStore* store, int64_t node_id) {
  QUIVER_ASSIGN_OR_RETURN(auto all, ListChannelAssignment(store));
  std::set<std::string> out;
  for (const auto& [channel, node] : all) {
    if (node == node_id) out.insert(channel);
  }
  return out;
}

Result<std::vector<int64_t>> LiveDataNodes(storage::MetaStore* store) {
  QUIVER_ASSIGN_OR_RETURN(auto sessions, UndrainedSessions(store, "datanode"));
  std::vector<int64_t> out;
  for (const auto& [node_id, info] : sessions) out.push_back(node_id);
  return out;
}

std::map<std::string, int64_t> AssignChannels(const std::vector<std::string>& channels, const std::vector<int64_t>& nodes,
                                              const std::map<std::string, int64_t>& current) {
  std::map<std::string, int64_t> next;
  if (nodes.empty()) return next;
  std::map<int64_t, std::vector<std::string>> held;  // by node, in channel order
  for (int64_t node : nodes) held[node];
  std::vector<std::string> sorted = channels;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<std::string> unplaced;
  for (const std::string& channel : sorted) {
    auto it = current.find(channel);
    if (it != current.end() && held.count(it->second)) {
      held[it->second].push_back(channel);
    } else {
      unplaced.push_back(channel);
    }
  }
  auto fewest = [&held] {
    auto best = held.begin();
    for (auto it = held.begin(); it != held.end(); ++it) {
      if (it->second.size() < best->second.size()) best = it;
    }
    return best;
  };
  auto most = [&held] {
    auto best = held.begin();
    for (auto it = held.begin(); it != held.end(); ++it) {
      if (it->second.size() > best->second.size()) best = it;
    }
    return best;
  };
  for (const std::string& channel : unplaced) fewest()->second.push_back(channel);
  while (true) {
    auto from = most();
    auto to = fewest();
    if (from->second.size() < to->second.size() + 2) break;
    to->second.push_back(from->second.back());  // the last one (in name order) moves
    from->second.pop_back();
  }
  for (const auto& [node, list] : held) {
    for (const std::string& channel : list) next[channel] = node;
  }
  return next;
}

ChannelManager::ChannelManager(storage::MetaStore* store, cluster::CatalogReader* catalog, ChannelManagerOptions options)
    : store_(store), catalog_(catalog), options_(options) {}

ChannelManager::~ChannelManager() { Stop(); }

void ChannelManager::Start() {
  MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::string last_error;
    while (true) {
      {
        MutexLock lock(&mu_);
        if (!stop_) cv_.WaitFor(options_.interval);
        if (stop_) return;
      }
      Status round = RunOnce();
      if (!round.ok() && round.ToString() != last_error) {
        QUIVER_LOG(WARN) << "channel placement round failed" << Kv("error", round.ToString());
      }
      last_error = round.ok() ? "" : round.ToString();
    }
  });
}

void ChannelManager::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

Status ChannelManager::RunOnce() {
  QUIVER_ASSIGN_OR_RETURN(std::vector<int64_t> nodes, LiveDataNodes(store_));
  QUIVER_ASSIGN_OR_RETURN(auto collections, catalog_->ListAllCollections());
  std::vector<std::string> channels;
  for (const auto& c : collections) {
    for (const auto& info : c->channels) channels.push_back(info.name);
  }
  QUIVER_ASSIGN_OR_RETURN(auto current, ListChannelAssignment(store_));
  // With no datanode up, channels keep their (dead) node: the next one to come up takes them all.
  if (nodes.empty()) return Status::OK();
  std::map<std::string, int64_t> next = AssignChannels(channels, nodes, current);
  for (const auto& [channel, node] : current) {
    if (!next.count(channel)) QUIVER_RETURN_IF_ERROR(store_->Delete(ChannelKey(channel)).status());
  }
  for (const auto& [channel, node] : next) {
    auto it = current.find(channel);
    if (it != current.end() && it->second == node) continue;
    QUIVER_RETURN_IF_ERROR(store_->Put(ChannelKey(channel), std::to_string(node)).status());
    QUIVER_LOG(INFO) << "channel assigned" << Kv("channel", channel) << Kv("datanode", node)
                     << Kv("from", it == current.end() ? int64_t{0} : it->second);
  }
  return Status::OK();
}

}  // namespace quiver::coord
