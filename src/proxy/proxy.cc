#include "cluster/errors.h"
#include "proxy/proxy.h"

#include <map>
#include <set>

#include "common/crc32c.h"
#include "expr/binder.h"
#include "segment/wal_message.h"

namespace quiver::proxy {

Proxy::Proxy(cluster::CoordClient* coord, cluster::DataNodeClient* datanode, cluster::QueryNodeClient* querynode,
             storage::Wal* wal, MetricsRegistry* metrics, ProxyOptions options)
    : coord_(coord), datanode_(datanode), querynode_(querynode), wal_(wal), options_(options),
      rows_inserted_(metrics->GetCounter("quiver_proxy_rows_inserted_total", "Rows written by Insert and Upsert")),
      rows_deleted_(metrics->GetCounter("quiver_proxy_rows_deleted_total", "Primary keys deleted")) {}

size_t Proxy::ShardOf(const segment::PrimaryKey& pk, size_t shards) {
  if (shards <= 1) return 0;
  uint64_t h;
  if (const int64_t* i = std::get_if<int64_t>(&pk)) {
    uint64_t x = static_cast<uint64_t>(*i) + 0x9e3779b97f4a7c15ull;  // splitmix64
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    h = x ^ (x >> 31);
  } else {
    h = crc32c::Value(std::get<std::string>(pk));
  }
  return static_cast<size_t>(h % shards);
}

namespace {

// Rows `rows` of `chunk`, as a new chunk.
std::shared_ptr<const schema::DataChunk> Gather(const schema::DataChunk& chunk, const std::vector<size_t>& rows) {
  if (rows.size() == chunk.rows) return std::make_shared<schema::DataChunk>(chunk);
  auto out = std::make_shared<schema::DataChunk>();
  out->rows = rows.size();
  for (const auto& [field_id, column] : chunk.columns) {
    schema::ColumnBuilder b(column->type, column->dim, column->element_type, column->nullable());
    for (size_t r : rows) b.AppendFrom(*column, r);
    out->columns.emplace_back(field_id, b.Build());
  }
  return out;
}

}  // namespace

Result<MutationOutcome> Proxy::Write(const cluster::CollectionInfo& collection, const std::string& partition_name,
                                     const RowsIn& rows, bool upsert) {
  const schema::FieldSchema* partition_key = nullptr;
  for (const auto& f : collection.schema->fields) {
    if (f.partition_key) partition_key = &f;
  }
  const cluster::PartitionInfo* fixed = nullptr;
  if (partition_key != nullptr) {
    if (!partition_name.empty()) {
      return Status::InvalidArgument("not support manually specifying the partition names if partition key mode is used");
    }
  } else {
    std::string name = partition_name.empty() ? std::string(cluster::kDefaultPartition) : partition_name;
    fixed = collection.FindPartition(name);
    if (fixed == nullptr) {
      return cluster::PartitionNotFound(name);
    }
  }
  // Group rows by (shard, partition slot).
  std::map<std::pair<size_t, size_t>, std::vector<size_t>> groups;  // (shard, partition index) -> rows
  const schema::ColumnChunk* key_column = partition_key ? rows.chunk->Find(partition_key->id) : nullptr;
  for (size_t r = 0; r < rows.chunk->rows; ++r) {
    size_t shard = ShardOf(rows.pks[r], static_cast<size_t>(collection.shards));
    size_t partition_index = 0;
    if (key_column != nullptr) {
      partition_index = ShardOf(segment::PrimaryKeyAt(*key_column, r), collection.partitions.size());
    } else {
      partition_index = static_cast<size_t>(fixed - collection.partitions.data());
    }
    groups[{shard, partition_index}].push_back(r);
  }
  QUIVER_ASSIGN_OR_RETURN(Timestamp ts, coord_->AllocTimestamp(1));
  for (const auto& [key, row_ids] : groups) {
    const cluster::PartitionInfo& partition = collection.partitions[key.second];
    segment::WalMessage message;
    message.type = upsert ? segment::WalMessage::Type::kUpsert : segment::WalMessage::Type::kInsert;
    message.collection_id = collection.id;
    message.partition_id = partition.id;
    message.partition_slot = partition.slot;
    message.timestamp = ts;
    message.rows = Gather(*rows.chunk, row_ids);
    if (upsert) {
      for (size_t r : row_ids) message.deletes.push_back(rows.pks[r]);
    }
    std::string payload = segment::EncodeWalMessage(message);
    QUIVER_RETURN_IF_ERROR(AppendObserved(collection.channels[key.first].name, payload).status());
  }
  rows_inserted_->Increment(static_cast<double>(rows.chunk->rows));
  return MutationOutcome{rows.chunk->rows, ts};
}

Result<MutationOutcome> Proxy::Delete(const cluster::CollectionInfo& collection,
                                      const std::vector<segment::PrimaryKey>& pks) {
  QUIVER_ASSIGN_OR_RETURN(Timestamp ts, coord_->AllocTimestamp(1));
  std::map<size_t, std::vector<segment::PrimaryKey>> by_shard;
  for (const auto& pk : pks) by_shard[ShardOf(pk, static_cast<size_t>(collection.shards))].push_back(pk);
  for (auto& [shard, keys] : by_shard) {
    segment::WalMessage message;
    message.type = segment::WalMessage::Type::kDelete;
    message.collection_id = collection.id;
    message.timestamp = ts;
    message.deletes = std::move(keys);
    std::string payload = segment::EncodeWalMessage(message);
    QUIVER_RETURN_IF_ERROR(AppendObserved(collection.channels[shard].name, payload).status());
  }
  rows_deleted_->Increment(static_cast<double>(pks.size()));
  return MutationOutcome{pks.size(), ts};
}

namespace {

// Primary keys named by `pk in [...]` or `pk == v`; nullopt for any other filter.
std::optional<std::vector<segment::PrimaryKey>> DirectKeys(const expr::PlanNode& plan, const schema::FieldSchema& pk) {
  auto is_pk = [&](const expr::PlanNode& n) {
    return n.kind == expr::PlanNode::Kind::kColumn && n.field_id == pk.id && n.path.empty();
  };
  std::vector<expr::Literal> values;
  if (plan.kind == expr::PlanNode::Kind::kIn && !plan.negated && is_pk(*plan.children[0])) {
    values = plan.values;
  } else if (plan.kind == expr::PlanNode::Kind::kCompare && plan.op == expr::BinaryOp::kEq) {
    if (is_pk(*plan.children[0]) && plan.children[1]->kind == expr::PlanNode::Kind::kConstant) {
      values.push_back(plan.children[1]->literal);
    } else if (is_pk(*plan.children[1]) && plan.children[0]->kind == expr::PlanNode::Kind::kConstant) {
      values.push_back(plan.children[0]->literal);
    } else {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  std::vector<segment::PrimaryKey> keys;
  std::set<segment::PrimaryKey> seen;
  for (const auto& v : values) {
    segment::PrimaryKey key;
    if (pk.type == schema::DataType::kInt64 && v.is_int()) key = std::get<int64_t>(v.value);
    else if (pk.type != schema::DataType::kInt64 && v.is_string()) key = std::get<std::string>(v.value);
    else continue;  // a value of another type matches no row
    if (seen.insert(key).second) keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace

Result<MutationOutcome> Proxy::DeleteWhere(const cluster::CollectionInfo& collection, const std::string& partition,
                                           const std::string& filter, const expr::TemplateValues& templates,
                                           std::chrono::milliseconds budget, const std::function<bool()>& cancelled,
                                           std::vector<segment::PrimaryKey>* keys) {
  keys->clear();
  if (filter.empty()) return Status::InvalidArgument("delete expression is empty");
  const cluster::PartitionInfo* target = nullptr;
  if (!partition.empty()) {
    target = collection.FindPartition(partition);
    if (target == nullptr) return cluster::PartitionNotFound(partition);
  }
  QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr plan, expr::CompileFilter(filter, *collection.schema, templates));
  if (plan == nullptr) return Status::InvalidArgument("delete expression is empty");
  const schema::FieldSchema* pk = collection.schema->PrimaryField();
  if (auto direct = DirectKeys(*plan, *pk)) {
    *keys = std::move(*direct);
  } else {
    // A general filter: find the matching keys with a query (needs the collection loaded).
    if (!collection.loaded()) {
      return Status::FailedPrecondition("collection not loaded[collection=" + collection.name +
                                        "]: deleting by a filter other than a primary key list needs a loaded collection")
          .WithDetail(ErrorDetail::kCollectionNotLoaded);
    }
    cluster::QueryRequest query;
    QUIVER_ASSIGN_OR_RETURN(Timestamp ts, ReadTimestamp(collection, ReadWait{/*Strong*/ 0, budget, cancelled}, &query.after));
    query.collection_id = collection.id;
    query.filter = std::shared_ptr<const expr::PlanNode>(std::move(plan));
    query.timestamp = ts;
    query.output_fields = {pk->id};
    if (target != nullptr) query.partition_ids = {target->id};
    QUIVER_ASSIGN_OR_RETURN(cluster::QueryResult found, querynode_->Query(query));
    const schema::ColumnChunk* column = found.rows->Find(pk->id);
    for (size_t r = 0; column != nullptr && r < column->rows; ++r) keys->push_back(segment::PrimaryKeyAt(*column, r));
  }
  if (!keys->empty()) return Delete(collection, *keys);
  MutationOutcome outcome;
  QUIVER_ASSIGN_OR_RETURN(outcome.timestamp, coord_->AllocTimestamp(1));
  return outcome;
}

Result<std::pair<std::vector<int64_t>, Timestamp>> Proxy::Flush(const cluster::CollectionInfo& collection,
                                                                std::chrono::milliseconds budget,
                                                                const std::function<bool()>& cancelled) {
  QUIVER_ASSIGN_OR_RETURN(auto ids, datanode_->Flush(collection.id, std::min(budget, options_.flush_timeout), cancelled));
  QUIVER_ASSIGN_OR_RETURN(Timestamp ts, coord_->AllocTimestamp(1));
  return std::make_pair(std::vector<int64_t>(ids.begin(), ids.end()), ts);
}

Result<bool> Proxy::SegmentsFlushed(const std::vector<cluster::CollectionPtr>& collections,
                                    const std::vector<int64_t>& ids) {
  std::set<int64_t> flushed;
  for (const auto& c : collections) {
    QUIVER_ASSIGN_OR_RETURN(auto segments, coord_->GetSegments(c->id));
    for (const auto& s : segments.segments) flushed.insert(s.id);
  }
  for (int64_t id : ids) {
    if (!flushed.count(id)) return false;
  }
  return true;
}

void Proxy::Observe(const std::string& channel, storage::Lsn lsn, std::chrono::steady_clock::time_point at) {
  MutexLock lock(&observed_mu_);
  Observed& o = observed_[channel];
  // Both maxima together still hold: the later time's position is at or below the larger lsn.
  o.lsn = std::max(o.lsn, lsn);
  o.at = std::max(o.at, at);
}

Result<storage::Lsn> Proxy::AppendObserved(const std::string& channel, const std::string& payload) {
  // Timed before the call: a write acknowledged before it was stored before this record.
  auto before = std::chrono::steady_clock::now();
  QUIVER_ASSIGN_OR_RETURN(storage::Lsn lsn, wal_->Append(channel, {payload}));
  Observe(channel, lsn, before);
  return lsn;
}

Result<Timestamp> Proxy::ReadTimestamp(const cluster::CollectionInfo& collection, const ReadWait& wait,
                                       cluster::ReadAfter* after) {
  constexpr int32_t kSession = 1;
  constexpr int32_t kBounded = 2;
  constexpr int32_t kEventually = 3;
  after->positions.clear();
  if (wait.consistency_level == kEventually) return kMaxTimestamp;
  const std::chrono::milliseconds budget = wait.budget;
  const std::function<bool()>& cancelled = wait.cancelled;
  std::map<std::string, storage::Lsn> positions;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& channel : collection.channels) {
    if (wait.consistency_level == kSession || wait.consistency_level == kBounded) {
      MutexLock lock(&observed_mu_);
      auto it = observed_.find(channel.name);
      const bool fresh = it != observed_.end() && now - it->second.at <= options_.graceful_time;
      if (wait.consistency_level == kSession || fresh) {
        positions[channel.name] = it == observed_.end() ? 0 : it->second.lsn;
        continue;
      }
    }
    // Every write acknowledged before now is at or below the WAL's last lsn.
    QUIVER_ASSIGN_OR_RETURN(storage::Lsn last, wal_->LastLsn(channel.name));
    Observe(channel.name, last, now);
    positions[channel.name] = last;
  }
  QUIVER_ASSIGN_OR_RETURN(Timestamp ts, coord_->AllocTimestamp(1));
  // In slices, so that a cancelled request or a shutdown ends the wait promptly.
  auto deadline = std::chrono::steady_clock::now() + std::min(budget, options_.consistency_timeout);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    Status st = querynode_->WaitConsumed(positions, std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(200)));
    if (st.ok()) {
      // The read itself waits again, on whichever replica serves it (at once where this one did).
      after->positions = std::move(positions);
      after->timeout = std::max(left, std::chrono::milliseconds(1000));
      return ts;
    }
    if (st.code() != StatusCode::kTimeout || left.count() <= 200) return st;
    if ((cancelled && cancelled()) || stopping()) return Status::Unavailable("consistency wait ended: request cancelled or server shutting down", collection.name);
  }
}

Result<OutputPlan> Proxy::ResolveOutputFields(const schema::CollectionSchema& schema,
                                              const std::vector<std::string>& requested, bool include_pk) const {
  OutputPlan plan;
  std::set<schema::FieldId> chosen;
  const schema::FieldSchema* dynamic = schema.DynamicField();
  auto add = [&](const schema::FieldSchema& f) {
    if (chosen.insert(f.id).second) plan.field_ids.push_back(f.id);
  };
  for (const std::string& name : requested) {
    if (name == "*") {
      for (const auto& f : schema.fields) {
        add(f);
        if (!f.is_dynamic) plan.names.push_back(f.name);
      }
      if (dynamic) {
        plan.dynamic_all = true;
        plan.names.push_back(dynamic->name);
      }
      continue;
    }
    const schema::FieldSchema* f = schema.FindField(name);
    if (f != nullptr) {
      add(*f);
      if (f->is_dynamic) plan.dynamic_all = true;
      if (std::find(plan.names.begin(), plan.names.end(), name) == plan.names.end()) plan.names.push_back(name);
      continue;
    }
    if (dynamic == nullptr) {
      return Status::InvalidArgument("field " + name + " not exist").WithDetail(ErrorDetail::kFieldNotFound);
    }
    add(*dynamic);
    plan.dynamic_keys.insert(name);
    if (std::find(plan.names.begin(), plan.names.end(), name) == plan.names.end()) plan.names.push_back(name);
  }
  if (plan.dynamic_all) plan.dynamic_keys.clear();
  if (include_pk) {
    const schema::FieldSchema* pk = schema.PrimaryField();
    if (!chosen.count(pk->id)) {
      plan.field_ids.insert(plan.field_ids.begin(), pk->id);
      chosen.insert(pk->id);
      plan.names.insert(plan.names.begin(), pk->name);
    }
  }
  return plan;
}

}  // namespace quiver::proxy
