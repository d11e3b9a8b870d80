#include "rpc/internal/replica_router.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <set>
#include <map>
#include <mutex>
#include <thread>

#include "cluster/errors.h"
#include "common/log.h"
#include "coord/replicas.h"
#include "rpc/internal/part_merge.h"

namespace quiver::rpc {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Worth another replica: the node could not be reached, is shutting down, or does not hold the
// collection (any more, or not yet).
bool TryElsewhere(const Status& st) {
  return st.code() == StatusCode::kUnavailable || st.detail() == ErrorDetail::kCollectionNotLoaded;
}

class ReplicaRouter final : public cluster::QueryNodeClient {
 public:
  explicit ReplicaRouter(const ReplicaRouterOptions& options) : options_(options), nodes_(options.node) {
    refresher_ = std::thread([this] { RefreshLoop(); });
  }
  ~ReplicaRouter() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    refresh_cv_.notify_all();
    refresher_.join();
  }

  Result<std::vector<cluster::ReplicaView>> Replicas(int64_t collection_id) override {
    QUIVER_ASSIGN_OR_RETURN(std::optional<coord::CollectionReplicas> record, Read(collection_id, true));
    std::vector<cluster::ReplicaView> out;
    if (!record) return out;
    for (const auto& r : record->replicas) {
      cluster::ReplicaView view{r.id, {}, r.serving, r.resource_group};
      for (const auto& n : r.nodes) view.nodes.push_back({n.node_id, n.address});
      out.push_back(std::move(view));
    }
    return out;
  }

  // The shares are the placement's: a caller naming one is refused, not ignored.
  Status LoadCollection(const cluster::CollectionPtr& collection, const cluster::ReplicaShare& share) override {
    if (share.replica_id != 0) {
      return Status::InvalidArgument("the replica router loads the placement's shares; it takes no share of its own");
    }
    // The coordinator places the replicas after the catalog's load state changed: wait for them,
    // then have every replica load at once (the first load, or changed partitions).
    const auto deadline = Clock::now() + options_.place_timeout;
    std::optional<coord::CollectionReplicas> record;
    while (true) {
      QUIVER_ASSIGN_OR_RETURN(record, Read(collection->id, true));
      if (record && record->replica_number == collection->replica_number &&
          static_cast<int32_t>(record->replicas.size()) >= collection->replica_number) {
        break;
      }
      if (Clock::now() >= deadline) {
        return Status::Unavailable("the coordinator placed " + std::to_string(record ? record->replicas.size() : 0) +
                                       " of " + std::to_string(collection->replica_number) + " replicas within " +
                                       std::to_string(options_.place_timeout.count() / 1000) +
                                       " s: not enough query nodes are up",
                                   collection->name);
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return OnEveryNode(*record, [&](cluster::QueryNodeClient* node, const coord::Replica& r) {
      return node->LoadCollection(collection, r.Share());
    });
  }

  Status ReleaseCollection(int64_t collection_id) override {
    QUIVER_ASSIGN_OR_RETURN(std::optional<coord::CollectionReplicas> record, Read(collection_id, true));
    if (!record) return Status::OK();
    return OnEveryNode(*record, [&](cluster::QueryNodeClient* node, const coord::Replica&) {
      return node->ReleaseCollection(collection_id);
    });
  }

  Result<int64_t> LoadingProgress(int64_t collection_id, int64_t replica_id) override {
    if (replica_id != 0) {
      return Status::InvalidArgument("the replica router reports a collection's progress over every replica, not one");
    }
    QUIVER_ASSIGN_OR_RETURN(std::optional<coord::CollectionReplicas> record, Read(collection_id, true));
    if (!record || record->replicas.empty()) return 0;  // loaded in the catalog, not placed yet
    // The collection loads as a whole: it is as far as its slowest replica (serving ones are done).
    int64_t progress = 100;
    size_t serving = 0;
    for (const auto& r : record->replicas) {
      if (r.serving) {
        ++serving;
        continue;
      }
      for (const auto& n : r.nodes) {
        Result<int64_t> p = Node(n.address)->LoadingProgress(collection_id, r.id);
        progress = std::min<int64_t>(progress, p.ok() ? *p : 0);
      }
    }
    if (static_cast<int32_t>(serving) >= record->replica_number) return 100;
    return progress;
  }

  Status LoadError(int64_t collection_id) override {
    // Only while no replica serves: a serving replica is loaded, and asking every node on every
    // read would double its cost.
    QUIVER_ASSIGN_OR_RETURN(std::optional<coord::CollectionReplicas> record, Read(collection_id, false));
    if (!record || !record->Serving().empty()) return Status::OK();
    for (const auto& r : record->replicas) {
      for (const auto& n : r.nodes) {
        Status failed = Node(n.address)->LoadError(collection_id);
        if (!failed.ok() && failed.code() != StatusCode::kUnavailable) return failed;
      }
    }
    return Status::OK();
  }

  // The reads carry their positions (ReadAfter) and the replica serving each waits for them.
  Status WaitConsumed(const std::map<std::string, storage::Lsn>&, milliseconds) override { return Status::OK(); }

  Result<cluster::SearchResult> Search(const cluster::SearchRequest& request) override {
    return Route<cluster::SearchResult>(
        request.collection_id,
        [&](cluster::QueryNodeClient* node, const coord::Replica& r) {
          cluster::SearchRequest part = request;
          part.replica_id = r.id;
          return node->Search(part);
        },
        [&](std::vector<cluster::SearchResult> parts) { return MergeSearchParts(std::move(parts), request); });
  }
  Result<cluster::QueryResult> Query(const cluster::QueryRequest& request) override {
    const cluster::QueryRequest for_part = QueryForPart(request);
    return Route<cluster::QueryResult>(
        request.collection_id,
        [&](cluster::QueryNodeClient* node, const coord::Replica& r) {
          cluster::QueryRequest part = r.nodes.size() == 1 ? request : for_part;  // one node: the whole answer
          part.replica_id = r.id;
          return node->Query(part);
        },
        [&](std::vector<cluster::QueryResult> parts) { return MergeQueryParts(std::move(parts), request); });
  }

 private:
  struct Cached {
    std::optional<coord::CollectionReplicas> record;
    Clock::time_point read_at;
  };

  // The collection's placement: read from the store when `fresh` or never read; otherwise the
  // cached one, and once it is older than cache_age it is re-read in the background while reads
  // go on with it. So a read never waits for the store (an etcd leader election) unless the
  // replicas it knew failed it; those ask for a fresh read.
  Result<std::optional<coord::CollectionReplicas>> Read(int64_t collection_id, bool fresh) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = cache_.find(collection_id);
      if (!fresh && it != cache_.end()) {
        if (Clock::now() - it->second.read_at >= options_.cache_age && stale_.insert(collection_id).second) {
          refresh_cv_.notify_all();
        }
        return it->second.record;
      }
    }
    return ReadStore(collection_id);
  }

  Result<std::optional<coord::CollectionReplicas>> ReadStore(int64_t collection_id) {
    QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> kv, options_.meta->Get(coord::ReplicasKey(collection_id)));
    std::optional<coord::CollectionReplicas> record;
    if (kv) {
      QUIVER_ASSIGN_OR_RETURN(record, coord::DecodeReplicas(kv->value));
    }
    std::lock_guard<std::mutex> lock(mu_);
    cache_[collection_id] = Cached{record, Clock::now()};
    return record;
  }

  void RefreshLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      refresh_cv_.wait(lock, [&] { return stop_ || !stale_.empty(); });
      if (stop_) return;
      int64_t id = *stale_.begin();
      lock.unlock();
      // A failure leaves the cached placement as it was; the next read past cache_age tries again.
      Result<std::optional<coord::CollectionReplicas>> read = ReadStore(id);
      if (!read.ok()) {
        QUIVER_LOG(DEBUG) << "re-reading a placement failed" << Kv("collection_id", id)
                          << Kv("error", read.status().ToString());
      }
      lock.lock();
      stale_.erase(id);
    }
  }

  cluster::QueryNodeClient* Node(const std::string& address) { return nodes_.Get(address); }

  // Runs `fn` on every node of every replica in parallel. Nodes that cannot be reached are skipped
  // (the coordinator places their replicas elsewhere); the first other error is returned.
  Status OnEveryNode(const coord::CollectionReplicas& record,
                     const std::function<Status(cluster::QueryNodeClient*, const coord::Replica&)>& fn) {
    std::vector<std::future<Status>> calls;
    for (const auto& r : record.replicas) {
      for (const auto& n : r.nodes) {
        cluster::QueryNodeClient* node = Node(n.address);
        calls.push_back(std::async(std::launch::async, [node, &r, &fn] { return fn(node, r); }));
      }
    }
    Status first = Status::OK();
    for (auto& call : calls) {
      Status st = call.get();
      if (!st.ok() && st.code() != StatusCode::kUnavailable && first.ok()) first = st;
    }
    return first;
  }

  // Asks every node of replica `r` for its share (in parallel when there are several) and merges
  // the answers; the first failure of a node fails the replica.
  template <typename R>
  Result<R> AskReplica(const coord::Replica& r,
                       const std::function<Result<R>(cluster::QueryNodeClient*, const coord::Replica&)>& ask,
                       const std::function<Result<R>(std::vector<R>)>& merge) {
    if (r.nodes.size() == 1) return ask(Node(r.nodes[0].address), r);
    std::vector<std::future<Result<R>>> calls;
    for (size_t i = 1; i < r.nodes.size(); ++i) {
      cluster::QueryNodeClient* node = Node(r.nodes[i].address);
      calls.push_back(std::async(std::launch::async, [node, &r, &ask] { return ask(node, r); }));
    }
    std::vector<Result<R>> answers;
    answers.push_back(ask(Node(r.nodes[0].address), r));  // the first on this thread
    for (auto& call : calls) answers.push_back(call.get());
    // The replica's answer is an error if any node's is: one another replica cannot mend first.
    std::vector<R> parts;
    Status failed;
    for (auto& answer : answers) {
      if (answer.ok()) {
        parts.push_back(std::move(answer).value());
        continue;
      }
      Status st = std::move(answer).status();
      if (failed.ok() || (TryElsewhere(failed) && !TryElsewhere(st))) {
        failed = st;
      } else {
        st.IgnoreError();
      }
    }
    if (!failed.ok()) return failed;
    return merge(std::move(parts));
  }

  // Serving replicas first, rotating; then the others (one may have loaded before the
  // coordinator saw it). Tried again on a fresh placement until failover_timeout.
  template <typename R>
  Result<R> Route(int64_t collection_id,
                  const std::function<Result<R>(cluster::QueryNodeClient*, const coord::Replica&)>& ask,
                  const std::function<Result<R>(std::vector<R>)>& merge) {
    const auto deadline = Clock::now() + options_.failover_timeout;
    Status last;  // the last replica's failure; unused when an answer comes
    last.IgnoreError();
    for (int attempt = 0;; ++attempt) {
      QUIVER_ASSIGN_OR_RETURN(std::optional<coord::CollectionReplicas> record, Read(collection_id, attempt > 0));
      if (!record) {
        if (attempt > 0 && !last.ok()) return last;
        return cluster::CollectionNotLoaded(std::to_string(collection_id));
      }
      std::vector<coord::Replica> order = record->Serving();
      if (!order.empty()) std::rotate(order.begin(), order.begin() + (next_++ % order.size()), order.end());
      for (const auto& r : record->replicas) {
        if (!r.serving) order.push_back(r);
      }
      for (const auto& r : order) {
        Result<R> answer = AskReplica<R>(r, ask, merge);
        if (answer.ok() || !TryElsewhere(answer.status())) return answer;
        last = answer.status();
        last.IgnoreError();  // returned or replaced below
      }
      if (Clock::now() >= deadline) {
        if (!last.ok()) return last;
        return Status::Unavailable("no replica of collection " + std::to_string(collection_id) + " is serving");
      }
      std::this_thread::sleep_for(milliseconds(attempt == 0 ? 20 : 100));
    }
  }

  const ReplicaRouterOptions options_;
  std::mutex mu_;
  std::map<int64_t, Cached> cache_;
  std::set<int64_t> stale_;  // collections whose placement the refresher re-reads
  bool stop_ = false;
  std::condition_variable refresh_cv_;
  std::thread refresher_;
  QueryNodeClients nodes_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace

cluster::QueryNodeClient* QueryNodeClients::Get(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& node = nodes_[address];
  if (!node) {
    NodeClientOptions options = options_;
    options.address = address;
    options.leader = nullptr;
    options.fail_fast = true;
    node = NewGrpcQueryNodeClient(options);
  }
  return node.get();
}

std::unique_ptr<cluster::QueryNodeClient> NewReplicaRouter(const ReplicaRouterOptions& options) {
  return std::make_unique<ReplicaRouter>(options);
}

}  // namespace quiver::rpc
