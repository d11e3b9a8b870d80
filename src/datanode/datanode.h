#pragma once

// DataNode: consumes every collection's WAL channels, cuts them into segments (ChannelBuffer),
// and flushes each closed epoch: segment files and the epoch's delta file go to the ObjectStore,
// then one coord transaction records them with the new channel checkpoint, and the WAL is
// truncated behind it. Epochs are closed by Seal messages, which the datanode itself appends when
// a channel's growing data exceeds the size limits or sits idle, and Flush() appends on request.
//
// Recovery needs nothing special: consumers restart at the committed checkpoint and replay; a
// flush interrupted by a crash is redone with the same segment ids and object keys.
// Thread-safe.

#include <deque>
#include <functional>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "cluster/clients.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "segment/channel_buffer.h"
#include "segment/channel_consumer.h"
#include "storage/object_store/object_store.h"

namespace quiver::datanode {

struct DataNodeOptions {
  size_t seal_rows = 1000000;
  size_t seal_bytes = 256u << 20;
  std::chrono::seconds seal_idle{600};
  std::chrono::milliseconds reconcile_interval{100};
  // The channels this datanode consumes (distributed mode: the coordinator's channel placement,
  // coord/channels.h); every channel of every collection if unset (standalone). Flush works for
  // any channel: one consumed elsewhere is waited for through the segment registry.
  std::function<Result<std::set<std::string>>()> owned;
};

class DataNode final : public cluster::DataNodeClient {
 public:
  // Every pointer must outlive the datanode.
  DataNode(cluster::CatalogReader* catalog, cluster::SegmentRegistryClient* segments, cluster::AllocClient* clock,
           storage::Wal* wal, storage::ObjectStore* objects, segment::ConsumerPool* consumers,
           MetricsRegistry* metrics, DataNodeOptions options);
  ~DataNode() override;
  DataNode(const DataNode&) = delete;
  DataNode& operator=(const DataNode&) = delete;

  // Starts consumers for every collection and the reconciliation loop.
  Status Start();
  void Stop();

  Result<std::vector<segment::SegmentId>> Flush(int64_t collection_id, std::chrono::milliseconds timeout,
                                                const std::function<bool()>& cancelled = {}) override;
  Result<std::map<int64_t, size_t>> BufferedRows(int64_t collection_id) override;
  // Growing segments across all channels (for metrics).
  size_t GrowingSegments();
  // Channels consumed here now.
  size_t Channels();

 private:
  struct Channel {
    cluster::CollectionPtr collection;
    cluster::ChannelInfo info;
    std::unique_ptr<segment::ChannelBuffer> buffer;
    std::unique_ptr<segment::ChannelConsumer> consumer;
    // Closed epochs not flushed yet, oldest first; only the consumer's step touches it. A failed
    // flush leaves its epoch here and the consumer retries the seal record later.
    std::deque<segment::ChannelBuffer::Epoch> pending;
    Mutex mu;
    CondVar cv{&mu};
    cluster::Checkpoint committed QUIVER_GUARDED_BY(mu);
    storage::Lsn seal_requested QUIVER_GUARDED_BY(mu) = 0;  // lsn of a pending seal we appended
    std::chrono::steady_clock::time_point last_insert QUIVER_GUARDED_BY(mu);
    std::atomic<bool> released{false};  // no longer consumed here (moved, dropped, restarted)
  };

  void Reconcile();
  Status StartChannel(const cluster::CollectionPtr& collection, const cluster::ChannelInfo& info,
                      const cluster::Checkpoint& checkpoint);
  Status Handle(Channel* channel, storage::Lsn lsn, const segment::WalMessage& message);
  Status FlushEpoch(Channel* channel, const segment::ChannelBuffer::Epoch& epoch);
  void MaybeSeal(Channel* channel);
  Result<storage::Lsn> AppendSeal(Channel* channel);
  Result<storage::Lsn> AppendSeal(int64_t collection_id, const std::string& channel);
  // Waits until `channel`, consumed by another datanode, has committed past `lsn`.
  Status WaitCommitted(int64_t collection_id, const std::string& channel, storage::Lsn lsn,
                       std::chrono::steady_clock::time_point deadline, const std::function<bool()>& cancelled);

  cluster::CatalogReader* catalog_;
  cluster::SegmentRegistryClient* segments_;
  cluster::AllocClient* clock_;
  storage::Wal* wal_;
  segment::ConsumerPool* consumers_;
  storage::ObjectStore* objects_;
  DataNodeOptions options_;
  Counter* flushed_segments_;
  Counter* flushed_rows_;
  Mutex mu_;
  // By WAL channel. Shared: a flush that waits on a channel keeps it while it is released.
  std::map<std::string, std::shared_ptr<Channel>> channels_ QUIVER_GUARDED_BY(mu_);
  std::atomic<bool> stop_{false};
  std::thread reconciler_;
};

}  // namespace quiver::datanode
