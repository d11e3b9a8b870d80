#pragma once

// Channel placement over the active datanodes (distributed mode, issue 10; docs/design/distributed.md).
// Every WAL channel of every collection is consumed — cut into segments and flushed — by exactly one
// datanode. The coordinator's ChannelManager keeps the assignment in the metadata store:
//
//   quiver/channels/<channel>   the session id of the datanode that consumes it
//
// Datanodes consume the channels that name them and stop the others. A channel that moves (its
// node died, drains, or a new node takes a share) is resumed by its new node from the committed
// checkpoint; until the old one has let go both may consume it, which is safe: epochs are cut by
// seal records in the WAL, so both cut the same segments with the same ids, and the coordinator
// commits each epoch once (a checkpoint never moves back). The planning is a pure function
// (AssignChannels), tested on its own.

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/clients.h"
#include "common/mutex.h"
#include "common/status.h"
#include "storage/meta/meta_store.h"

namespace quiver::coord {

inline constexpr const char* kChannelsPrefix = "quiver/channels/";

std::string ChannelKey(const std::string& channel);

// Every channel's datanode, as stored.
Result<std::map<std::string, int64_t>> ListChannelAssignment(storage::MetaStore* store);

// The channels assigned to datanode `node_id`.
Result<std::set<std::string>> ChannelsOf(storage::MetaStore* store, int64_t node_id);

// The live datanodes that can take channels (a session, no drain key).
Result<std::vector<int64_t>> LiveDataNodes(storage::MetaStore* store);

// The next assignment of `channels` to `nodes`: a channel keeps its node while that node is in
// `nodes`; the others go to the node with the fewest; then, while one node has two more than
// another, one channel moves from the fullest to the emptiest (the fewest moves that balance).
// Channels not in `channels` are dropped. With no nodes, nothing is assigned.
std::map<std::string, int64_t> AssignChannels(const std::vector<std::string>& channels, const std::vector<int64_t>& nodes,
                                              const std::map<std::string, int64_t>& current);

struct ChannelManagerOptions {
  std::chrono::milliseconds interval{250};
};

// The coordinator's loop: reads the catalog's channels and the datanode sessions, plans, and writes
// the changes. Runs while the coordinator leads.
class ChannelManager {
 public:
  ChannelManager(storage::MetaStore* store, cluster::CatalogReader* catalog, ChannelManagerOptions options);
  ~ChannelManager();

  void Start();
  void Stop();
  // One round (the loop's body), for tests.
  Status RunOnce();

 private:
  storage::MetaStore* const store_;
  cluster::CatalogReader* const catalog_;
  const ChannelManagerOptions options_;
  Mutex mu_;
  CondVar cv_{&mu_};
  bool stop_ QUIVER_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace quiver::coord
