#include "indexnode/indexnode.h"

#include <nlohmann/json.hpp>

#include <chrono>

#include "common/log.h"
#include "index/vector_index.h"
#include "segment/segment.h"

namespace quiver::indexnode {

namespace {

using Clock = std::chrono::steady_clock;

// Build parameters as text, from the "params" JSON that CreateIndex stored (numbers or strings).
std::map<std::string, std::string> TextParams(const cluster::IndexInfo& index) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : index.params) {
    if (key != "params") continue;
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
    if (!parsed.is_object()) continue;
    for (auto& [k, v] : parsed.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

}  // namespace

Result<index::IndexBuildSpec> BuildSpecFor(const cluster::CollectionInfo& collection, const cluster::IndexInfo& info) {
  const schema::FieldSchema* field = collection.schema->FindFieldById(info.field_id);
  if (field == nullptr) return Status::InvalidArgument("indexed field no longer exists");
  std::optional<index::MetricType> metric = index::ParseMetric(info.metric_type);
  if (!metric) return Status::InvalidArgument("index metric unknown: " + info.metric_type);
  return index::IndexRegistry::Builtin().ResolveBuild(info.index_type, field->type, field->dim, *metric, TextParams(info));
}

std::string IndexObjectKey(int64_t collection_id, int64_t index_id, int64_t segment_id) {
  return "collections/" + std::to_string(collection_id) + "/index/" + std::to_string(index_id) + "/" +
         std::to_string(segment_id);
}

IndexNode::IndexNode(cluster::CatalogReader* catalog, cluster::SegmentRegistryClient* segments,
                     storage::ObjectStore* objects, MetricsRegistry* metrics, IndexNodeOptions options)
    : catalog_(catalog),
      segments_(segments),
      objects_(objects),
      options_(options),
      build_pool_("index-build",
                  options.build_threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.build_threads,
                  1024),
      builds_done_(metrics->GetCounter("quiver_indexnode_builds_total", "Segment indexes built")),
      builds_failed_(metrics->GetCounter("quiver_indexnode_build_failures_total", "Segment index builds that failed")),
      rows_indexed_(metrics->GetCounter("quiver_indexnode_indexed_rows_total", "Rows covered by built segment indexes")),
      builds_pending_(metrics->GetGauge("quiver_indexnode_pending_builds", "Segment index builds queued or running")) {}

IndexNode::~IndexNode() { Stop(); }

Status IndexNode::Start() {
  scheduler_ = std::thread([this] { ScheduleLoop(); });
  for (size_t i = 0; i < std::max<size_t>(1, options_.max_concurrent_builds); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
  return Status::OK();
}

void IndexNode::Stop() {
  if (stop_.exchange(true)) return;
  {
    MutexLock lock(&mu_);
    cv_.SignalAll();
  }
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  build_pool_.Stop();
}

void IndexNode::Poke() {
  MutexLock lock(&mu_);
  poked_ = true;
  cv_.SignalAll();
}

size_t IndexNode::Pending() {
  MutexLock lock(&mu_);
  return in_flight_.size();
}

void IndexNode::ScheduleLoop() {
  while (!stop_.load()) {
    Schedule();
    MutexLock lock(&mu_);
    if (!poked_ && !stop_.load()) cv_.WaitFor(options_.schedule_interval);
    poked_ = false;
  }
}

void IndexNode::Schedule() {
  Result<std::vector<cluster::CollectionPtr>> collections = catalog_->ListAllCollections();
  if (!collections.ok()) return;
  std::vector<Task> fresh;
  for (const cluster::CollectionPtr& c : *collections) {
    std::vector<const cluster::IndexInfo*> buildable;
    for (const cluster::IndexInfo& info : c->indexes) {
      const schema::FieldSchema* field = c->schema->FindFieldById(info.field_id);
      if (field == nullptr || !schema::IsVectorType(field->type)) continue;
      const index::IndexFamily* family = index::IndexRegistry::Builtin().Serving(info.index_type, field->type);
      if (family == nullptr || family->exact) continue;
      buildable.push_back(&info);
    }
    if (buildable.empty()) continue;
    Result<cluster::CollectionSegments> segments = segments_->GetSegments(c->id);
    if (!segments.ok()) continue;
    std::set<TaskKey> built;
    for (const auto& i : segments->indexes) built.insert({i.index_id, i.segment_id});
    for (const cluster::IndexInfo* info : buildable) {
      for (const cluster::SegmentInfo& s : segments->segments) {
        if (s.rows == 0 || built.count({info->id, s.id})) continue;
        fresh.push_back({c, *info, s});
      }
    }
  }
  MutexLock lock(&mu_);
  auto now = Clock::now();
  for (Task& task : fresh) {
    TaskKey key{task.index.id, task.segment.id};
    if (in_flight_.count(key)) continue;
    auto failed = failed_.find(key);
    if (failed != failed_.end() && now - failed->second < options_.retry_after) continue;
    in_flight_.insert(key);
    queue_.push_back(std::move(task));
  }
  builds_pending_->Set(static_cast<double>(in_flight_.size()));
  if (!queue_.empty()) cv_.SignalAll();
}

void IndexNode::WorkerLoop() {
  while (true) {
    Task task;
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !stop_.load()) cv_.Wait();
      if (stop_.load()) return;
      task = std::move(queue_.front());
      queue_.erase(queue_.begin());
    }
    Status st = Build(task);
    if (st.IsAborted() && stop_.load()) return;
    TaskKey key{task.index.id, task.segment.id};
    MutexLock lock(&mu_);
    in_flight_.erase(key);
    builds_pending_->Set(static_cast<double>(in_flight_.size()));
    if (st.ok()) {
      failed_.erase(key);
      builds_done_->Increment();
      rows_indexed_->Increment(static_cast<double>(task.segment.rows));
    } else {
      failed_[key] = Clock::now();
      builds_failed_->Increment();
      QUIVER_LOG(WARN) << "segment index build failed" << Kv("collection_id", task.collection->id)
                       << Kv("index", task.index.name) << Kv("segment_id", task.segment.id) << Kv("error", st.ToString());
    }
  }
}

Status IndexNode::Build(const Task& task) {
  auto started = Clock::now();
  QUIVER_ASSIGN_OR_RETURN(index::IndexBuildSpec spec, BuildSpecFor(*task.collection, task.index));
  QUIVER_ASSIGN_OR_RETURN(auto sealed,
                          segment::OpenStoredSegment(objects_, task.segment.object_key, task.collection->schema));
  const schema::ColumnChunk* column = sealed->data().Find(task.index.field_id);
  if (column == nullptr) return Status::Corruption("segment file lacks the indexed field");
  index::VectorView view = index::ColumnVectors(*column, column->rows);
  QUIVER_LOG(INFO) << "segment index build started" << Kv("collection_id", task.collection->id)
                   << Kv("index", task.index.name) << Kv("family", spec.family) << Kv("segment_id", task.segment.id)
                   << Kv("rows", column->rows);
  std::atomic<int> reported{0};
  auto progress = [&](double fraction) {
    int percent = static_cast<int>(fraction * 100);
    int last = reported.load();
    // Every 10% (and no line twice), so long builds show they are moving.
    if (percent / 10 > last / 10 && reported.compare_exchange_strong(last, percent) && percent < 100) {
      QUIVER_LOG(INFO) << "segment index build progress" << Kv("segment_id", task.segment.id)
                       << Kv("index", task.index.name) << Kv("percent", percent);
    }
    return !stop_.load();  // shutting down: abandon the build (it is redone after the restart)
  };
  QUIVER_ASSIGN_OR_RETURN(auto built, index::BuildVectorIndex(spec, view, &build_pool_, progress));
  std::string file = index::SerializeVectorIndex(*built);
  cluster::SegmentIndexInfo info;
  info.segment_id = task.segment.id;
  info.collection_id = task.collection->id;
  info.index_id = task.index.id;
  info.field_id = task.index.field_id;
  info.family = spec.family;
  info.rows = column->rows;
  info.bytes = file.size();
  info.object_key = IndexObjectKey(info.collection_id, info.index_id, info.segment_id);
  QUIVER_RETURN_IF_ERROR(objects_->Put(info.object_key, file));
  Status committed = segments_->CommitSegmentIndex(info);
  if (!committed.ok()) {
    objects_->Delete(info.object_key).IgnoreError();
    if (committed.IsNotFound()) {
      QUIVER_LOG(INFO) << "segment index discarded" << Kv("segment_id", info.segment_id) << Kv("reason", committed.ToString());
      return Status::OK();
    }
    return committed;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  QUIVER_LOG(INFO) << "segment index built" << Kv("collection_id", info.collection_id) << Kv("index", task.index.name)
                   << Kv("family", spec.family) << Kv("segment_id", info.segment_id) << Kv("rows", info.rows)
                   << Kv("bytes", info.bytes) << Kv("seconds", seconds);
  return Status::OK();
}

}  // namespace quiver::indexnode
