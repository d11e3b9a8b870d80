#include "rpc/internal/datanode_router.h"

#include <map>
#include <thread>

#include "cluster/session.h"
#include "common/mutex.h"

namespace quiver::rpc {
namespace {

using Clock = std::chrono::steady_clock;

class DataNodeRouter final : public cluster::DataNodeClient {
 public:
  explicit DataNodeRouter(const DataNodeRouterOptions& options) : options_(options) {}

  Result<std::vector<segment::SegmentId>> Flush(int64_t collection_id, std::chrono::milliseconds timeout,
                                                const std::function<bool()>& cancelled) override {
    const auto deadline = Clock::now() + timeout;
    Status last = Status::Unavailable("no datanode is up");
    while (true) {
      QUIVER_ASSIGN_OR_RETURN(auto sessions, cluster::ListSessions(options_.meta, "datanode"));
      for (const auto& [id, info] : sessions) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        Result<std::vector<segment::SegmentId>> flushed = Get(info.address)->Flush(collection_id, left, cancelled);
        // Unavailable: the node is gone or shutting down (a seal it appended is harmless).
        if (flushed.ok() || flushed.status().code() != StatusCode::kUnavailable) return flushed;
        last = flushed.status();
      }
      if (Clock::now() >= deadline) return last;
      if (cancelled && cancelled()) return Status::Unavailable("flush ended: request cancelled or server shutting down");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  Result<std::map<int64_t, size_t>> BufferedRows(int64_t collection_id) override {
    QUIVER_ASSIGN_OR_RETURN(auto sessions, cluster::ListSessions(options_.meta, "datanode"));
    std::map<int64_t, size_t> out;
    for (const auto& [id, info] : sessions) {
      Result<std::map<int64_t, size_t>> rows = Get(info.address)->BufferedRows(collection_id);
      if (!rows.ok()) {
        // A node that just died: its channels are being resumed elsewhere from the checkpoint.
        if (rows.status().code() == StatusCode::kUnavailable) continue;
        return rows.status();
      }
      for (const auto& [partition, n] : *rows) out[partition] += n;
    }
    return out;
  }

 private:
  cluster::DataNodeClient* Get(const std::string& address) {
    MutexLock lock(&mu_);
    auto& node = nodes_[address];
    if (!node) {
      NodeClientOptions options = options_.node;
      options.address = address;
      options.leader = nullptr;
      options.fail_fast = true;
      node = NewGrpcDataNodeClient(options);
    }
    return node.get();
  }

  const DataNodeRouterOptions options_;
  Mutex mu_;
  std::map<std::string, std::unique_ptr<cluster::DataNodeClient>> nodes_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<cluster::DataNodeClient> NewDataNodeRouter(const DataNodeRouterOptions& options) {
  return std::make_unique<DataNodeRouter>(options);
}

}  // namespace quiver::rpc
