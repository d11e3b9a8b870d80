#pragma once

// IndexNode: builds the vector indexes of sealed segments. A scheduling loop compares, for every
// collection, the catalog's vector indexes with the segment indexes already recorded by the
// coord, and queues a build for each (index, sealed segment) pair without one. Builds run on a
// bounded number of worker threads (max_concurrent_builds), each using the build thread pool for
// the index's own parallelism. A build reads the segment file from the ObjectStore, builds the
// family the registry resolves (AUTOINDEX -> HNSW, ...), logs progress in percent, writes the
// index file to collections/<collection>/index/<index>/<segment>, and records it with the coord;
// if the coord refuses (index dropped, segment gone) the file is deleted again.
//
// Exact families (FLAT, BIN_FLAT) need no file and are never scheduled. A restart re-reads the
// coord's records, so finished indexes are never rebuilt; a build interrupted by a crash is
// redone (its file, if written, is overwritten). Thread-safe.

#include <atomic>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "cluster/clients.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "common/thread_pool.h"
#include "index/registry.h"
#include "storage/object_store/object_store.h"

namespace quiver::indexnode {

struct IndexNodeOptions {
  size_t max_concurrent_builds = 1;
  size_t build_threads = 0;  // 0 = hardware concurrency
  std::chrono::milliseconds schedule_interval{200};
  std::chrono::seconds retry_after{30};  // a failed build is retried after this long
};

// What the coord's catalog says must be built for one vector index of a collection.
// InvalidArgument if the stored parameters no longer validate.
Result<index::IndexBuildSpec> BuildSpecFor(const cluster::CollectionInfo& collection, const cluster::IndexInfo& index);

// The key of a segment's index file.
std::string IndexObjectKey(int64_t collection_id, int64_t index_id, int64_t segment_id);

class IndexNode {
 public:
  // Every pointer must outlive the indexnode.
  IndexNode(cluster::CatalogReader* catalog, cluster::SegmentRegistryClient* segments, storage::ObjectStore* objects,
            MetricsRegistry* metrics, IndexNodeOptions options);
  ~IndexNode();
  IndexNode(const IndexNode&) = delete;
  IndexNode& operator=(const IndexNode&) = delete;

  Status Start();
  void Stop();
  // Wakes the scheduler now (e.g. after a flush or CreateIndex).
  void Poke();

  // Builds queued or running.
  size_t Pending();

 private:
  struct Task {
    cluster::CollectionPtr collection;
    cluster::IndexInfo index;
    cluster::SegmentInfo segment;
  };
  using TaskKey = std::pair<int64_t, segment::SegmentId>;  // (index id, segment id)

  void ScheduleLoop();
  void Schedule();
  void WorkerLoop();
  Status Build(const Task& task);

  cluster::CatalogReader* catalog_;
  cluster::SegmentRegistryClient* segments_;
  storage::ObjectStore* objects_;
  IndexNodeOptions options_;
  ThreadPool build_pool_;
  Counter* builds_done_;
  Counter* builds_failed_;
  Counter* rows_indexed_;
  Gauge* builds_pending_;
  Mutex mu_;
  CondVar cv_{&mu_};
  std::vector<Task> queue_ QUIVER_GUARDED_BY(mu_);
  std::set<TaskKey> in_flight_ QUIVER_GUARDED_BY(mu_);  // queued or running
  std::map<TaskKey, std::chrono::steady_clock::time_point> failed_ QUIVER_GUARDED_BY(mu_);
  bool poked_ QUIVER_GUARDED_BY(mu_) = false;
  std::atomic<bool> stop_{false};
  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace quiver::indexnode
