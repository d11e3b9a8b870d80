#include "cluster/session.h"

#include <nlohmann/json.hpp>

#include <atomic>

#include "common/log.h"

namespace quiver::cluster {

namespace {

using Json = nlohmann::json;
using storage::Compare;
using storage::TxnOp;
using storage::TxnRequest;

constexpr std::string_view kSessionPrefix = "quiver/session/";
constexpr std::string_view kNextIdKey = "quiver/session-next-id";
constexpr std::string_view kElectionPrefix = "quiver/election/";

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The next node id: a counter advanced by compare-and-swap, so two nodes registering at once
// never share one and a restarted node gets a new one.
Result<int64_t> AllocateNodeId(storage::MetaStore* store) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> kv, store->Get(std::string(kNextIdKey)));
    int64_t next = 1;
    TxnRequest txn;
    if (kv) {
      try {
        next = std::stoll(kv->value);
      } catch (const std::exception&) {
        return Status::Corruption("bad node id counter " + std::string(kNextIdKey), kv->value);
      }
      txn.compares.push_back(Compare::ModRevision(kv->key, Compare::Op::kEqual, kv->mod_revision));
    } else {
      txn.compares.push_back(Compare::Absent(std::string(kNextIdKey)));
    }
    txn.success.push_back(TxnOp::Put(std::string(kNextIdKey), std::to_string(next + 1)));
    QUIVER_ASSIGN_OR_RETURN(storage::TxnResponse response, store->Txn(txn));
    if (response.succeeded) return next;
  }
  return Status::Aborted("could not allocate a node id: too much contention on " + std::string(kNextIdKey));
}

}  // namespace

std::map<std::string, std::string> ServerLabels(char** environment) {
  constexpr std::string_view kPrefix = "MILVUS_SERVER_LABEL_";
  std::map<std::string, std::string> out;
  for (char** e = environment; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with(kPrefix)) continue;
    entry.remove_prefix(kPrefix.size());
    size_t eq = entry.find('=');
    if (eq == 0 || eq == std::string_view::npos) continue;
    out[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  return out;
}

std::string EncodeSession(const SessionInfo& info) {
  return Json{{"role", info.role},
              {"node_id", info.node_id},
              {"address", info.address},
              {"status_address", info.status_address},
              {"version", info.version},
              {"registered_unix_ms", info.registered_unix_ms},
              {"labels", info.labels}}
      .dump();
}

Result<SessionInfo> DecodeSession(std::string_view record) {
  Json j = Json::parse(record, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("bad session record (not a JSON object)");
  try {
    SessionInfo info;
    info.role = j.at("role").get<std::string>();
    info.node_id = j.at("node_id").get<int64_t>();
    info.address = j.value("address", std::string());
    info.status_address = j.value("status_address", std::string());
    info.version = j.value("version", std::string());
    info.registered_unix_ms = j.value("registered_unix_ms", int64_t{0});
    info.labels = j.value("labels", std::map<std::string, std::string>{});
    return info;
  } catch (const std::exception& e) {
    return Status::Corruption("bad session record", e.what());
  }
}

std::string SessionKey(const std::string& role, int64_t node_id) {
  return std::string(kSessionPrefix) + role + "/" + std::to_string(node_id);
}

// --- LeaseKeeper ---------------------------------------------------------------------------------

Result<std::unique_ptr<LeaseKeeper>> LeaseKeeper::Start(storage::MetaStore* store, std::chrono::seconds ttl,
                                                        std::function<void()> on_lost) {
  if (ttl.count() < 1) return Status::InvalidArgument("a lease TTL must be at least 1 second");
  QUIVER_ASSIGN_OR_RETURN(storage::LeaseId id, store->GrantLease(ttl));
  std::unique_ptr<LeaseKeeper> keeper(new LeaseKeeper(store, id, ttl, std::move(on_lost)));
  keeper->thread_ = std::thread([k = keeper.get()] { k->Run(); });
  return keeper;
}

LeaseKeeper::LeaseKeeper(storage::MetaStore* store, storage::LeaseId id, std::chrono::seconds ttl,
                         std::function<void()> on_lost)
    : store_(store), id_(id), ttl_(ttl), on_lost_(std::move(on_lost)) {}

LeaseKeeper::~LeaseKeeper() { StopThread(); }

void LeaseKeeper::Run() {
  const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(ttl_) / 3;
  while (true) {
    {
      MutexLock lock(&mu_);
      if (!stop_) cv_.WaitFor(interval);
      if (stop_) return;
    }
    Status renewed = store_->KeepAlive(id_);
    if (renewed.ok()) continue;
    if (!renewed.IsNotFound()) {
      // The store is unreachable for now: the lease may still be alive; keep trying.
      QUIVER_LOG(WARN) << "lease renewal failed; retrying" << Kv("lease", id_) << Kv("error", renewed.message());
      continue;
    }
    QUIVER_LOG(WARN) << "lease lost" << Kv("lease", id_) << Kv("ttl_s", ttl_.count());
    {
      MutexLock lock(&mu_);
      lost_ = true;
    }
    if (on_lost_) on_lost_();
    return;
  }
}

void LeaseKeeper::StopThread() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

bool LeaseKeeper::lost() const {
  MutexLock lock(&mu_);
  return lost_;
}

Status LeaseKeeper::Revoke() {
  StopThread();
  Status revoked = store_->RevokeLease(id_);
  return revoked.IsNotFound() ? Status::OK() : revoked;  // already expired: same outcome
}

void LeaseKeeper::Abandon() { StopThread(); }

// --- Session -------------------------------------------------------------------------------------

Result<std::unique_ptr<Session>> Session::Register(storage::MetaStore* store, SessionInfo info,
                                                   const SessionOptions& options) {
  if (info.role.empty() || info.role.find('/') != std::string::npos) {
    return Status::InvalidArgument("a session needs a role without '/': '" + info.role + "'");
  }
  QUIVER_ASSIGN_OR_RETURN(info.node_id, AllocateNodeId(store));
  info.registered_unix_ms = NowUnixMs();
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<LeaseKeeper> lease, LeaseKeeper::Start(store, options.ttl, options.on_lost));
  std::string key = SessionKey(info.role, info.node_id);
  Status put = store->Put(key, EncodeSession(info), lease->id()).status();
  if (!put.ok()) {
    (void)lease->Revoke();
    return put;
  }
  QUIVER_LOG(INFO) << "session registered" << Kv("role", info.role) << Kv("node_id", info.node_id)
                   << Kv("address", info.address) << Kv("ttl_s", options.ttl.count());
  return std::unique_ptr<Session>(new Session(std::move(info), std::move(lease)));
}

Session::~Session() = default;

Status Session::Close() {
  QUIVER_LOG(INFO) << "session closed" << Kv("role", info_.role) << Kv("node_id", info_.node_id);
  return lease_->Revoke();  // deletes the key with the lease
}

Result<std::map<int64_t, SessionInfo>> ListSessions(storage::MetaStore* store, const std::string& role) {
  std::string prefix = std::string(kSessionPrefix) + (role.empty() ? "" : role + "/");
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult range, store->Range(prefix));
  std::map<int64_t, SessionInfo> out;
  for (const auto& kv : range.kvs) {
    QUIVER_ASSIGN_OR_RETURN(SessionInfo info, DecodeSession(kv.value));
    out[info.node_id] = std::move(info);
  }
  return out;
}

// --- SessionWatch --------------------------------------------------------------------------------

Result<std::unique_ptr<SessionWatch>> SessionWatch::Start(storage::MetaStore* store, const std::string& role) {
  std::unique_ptr<SessionWatch> watch(
      new SessionWatch(store, std::string(kSessionPrefix) + (role.empty() ? "" : role + "/")));
  MutexLock lock(&watch->mu_);
  std::vector<SessionEvent> ignored;
  QUIVER_RETURN_IF_ERROR(watch->Relist(&ignored));
  return watch;
}

Status SessionWatch::Relist(std::vector<SessionEvent>* changes) {
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult range, store_->Range(prefix_));
  std::map<int64_t, SessionInfo> now;
  for (const auto& kv : range.kvs) {
    QUIVER_ASSIGN_OR_RETURN(SessionInfo info, DecodeSession(kv.value));
    now[info.node_id] = std::move(info);
  }
  for (const auto& [id, info] : sessions_) {
    if (!now.count(id)) changes->push_back({SessionEvent::Type::kDown, info});
  }
  for (const auto& [id, info] : now) {
    auto old = sessions_.find(id);
    if (old == sessions_.end() || !(old->second == info)) changes->push_back({SessionEvent::Type::kUp, info});
  }
  sessions_ = std::move(now);
  QUIVER_ASSIGN_OR_RETURN(watcher_, store_->Watch(prefix_, range.revision + 1));
  return Status::OK();
}

std::map<int64_t, SessionInfo> SessionWatch::current() const {
  MutexLock lock(&mu_);
  return sessions_;
}

Result<std::vector<SessionEvent>> SessionWatch::Next(std::chrono::milliseconds timeout) {
  MutexLock lock(&mu_);
  std::vector<SessionEvent> changes;
  Result<std::vector<storage::WatchEvent>> events = watcher_->Next(timeout);
  if (!events.ok()) {
    if (!events.status().IsNotFound()) return events.status();
    // The watch fell behind the store's history: the list is the truth.
    QUIVER_RETURN_IF_ERROR(Relist(&changes));
    return changes;
  }
  for (const auto& event : *events) {
    if (event.type == storage::WatchEvent::Type::kPut) {
      Result<SessionInfo> info = DecodeSession(event.kv.value);
      if (!info.ok()) {
        QUIVER_LOG(WARN) << "ignoring a bad session record" << Kv("key", event.kv.key)
                         << Kv("error", info.status().message());
        continue;
      }
      sessions_[info->node_id] = *info;
      changes.push_back({SessionEvent::Type::kUp, std::move(*info)});
    } else {
      // quiver/session/<role>/<node_id>
      size_t slash = event.kv.key.rfind('/');
      int64_t id = 0;
      try {
        id = std::stoll(event.kv.key.substr(slash + 1));
      } catch (const std::exception&) {
        continue;
      }
      auto it = sessions_.find(id);
      if (it == sessions_.end()) continue;
      changes.push_back({SessionEvent::Type::kDown, it->second});
      sessions_.erase(it);
    }
  }
  return changes;
}

// --- Election ------------------------------------------------------------------------------------

Result<std::unique_ptr<Election>> Election::Join(storage::MetaStore* store, const std::string& name, std::string value,
                                                 const ElectionOptions& options) {
  if (name.empty() || name.find('/') != std::string::npos) {
    return Status::InvalidArgument("an election needs a name without '/': '" + name + "'");
  }
  // The lease's loss ends the leadership before the owner's callback runs. The keeper's thread
  // is stopped before the Election goes (~Election), so the pointer it reads stays valid.
  std::function<void()> user_on_lost = options.on_lost;
  auto shared = std::make_shared<std::atomic<Election*>>(nullptr);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<LeaseKeeper> lease,
                          LeaseKeeper::Start(store, options.ttl, [shared, user_on_lost] {
                            if (Election* e = shared->load()) {
                              MutexLock lock(&e->mu_);
                              e->leading_ = false;
                            }
                            if (user_on_lost) user_on_lost();
                          }));
  std::unique_ptr<Election> election(
      new Election(store, std::string(kElectionPrefix) + name, std::move(value), std::move(lease)));
  shared->store(election.get());
  return election;
}

Election::~Election() { lease_->Abandon(); }

Result<bool> Election::TryAcquire() {
  if (lease_->lost()) return Status::Aborted("this candidate's lease expired; join the election again");
  TxnRequest txn;
  txn.compares.push_back(Compare::Absent(key_));
  txn.success.push_back(TxnOp::Put(key_, value_, lease_->id()));
  QUIVER_ASSIGN_OR_RETURN(storage::TxnResponse response, store_->Txn(txn));
  if (!response.succeeded) {
    // Ours already (a retried campaign after an answer was lost)? Otherwise another leads.
    QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> kv, store_->Get(key_));
    if (!kv || kv->lease != lease_->id()) return false;
  }
  // The key's create revision fences this leader's writes.
  QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> mine, store_->Get(key_));
  if (!mine || mine->lease != lease_->id()) return false;
  MutexLock lock(&mu_);
  leading_ = true;
  revision_ = mine->create_revision;
  return true;
}

Result<bool> Election::Campaign(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(bool won, TryAcquire());
    if (won) {
      QUIVER_LOG(INFO) << "elected leader" << Kv("election", key_) << Kv("value", value_);
      return true;
    }
    // Watch the leader key from the revision just read, so a deletion between the read and the
    // watch is not missed.
    QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> kv, store_->Get(key_));
    if (!kv) continue;
    QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<storage::Watcher> watcher, store_->Watch(key_, kv->mod_revision + 1));
    bool deleted = false;
    while (!deleted) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      Result<std::vector<storage::WatchEvent>> events =
          watcher->Next(std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                                 std::chrono::milliseconds(1000)));
      if (!events.ok()) break;  // compacted or the store went away for a moment: read again
      for (const auto& event : *events) {
        if (event.kv.key == key_ && event.type == storage::WatchEvent::Type::kDelete) deleted = true;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      QUIVER_ASSIGN_OR_RETURN(bool last, TryAcquire());
      return last;
    }
  }
}

bool Election::leading() const {
  MutexLock lock(&mu_);
  return leading_ && !lease_->lost();
}

Result<std::optional<std::string>> ElectionLeader(storage::MetaStore* store, const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> kv, store->Get(std::string(kElectionPrefix) + name));
  if (!kv) return std::optional<std::string>();
  return std::optional<std::string>(kv->value);
}

Result<std::optional<std::string>> Election::Leader() {
  return ElectionLeader(store_, key_.substr(kElectionPrefix.size()));
}

Status Election::Resign() {
  {
    MutexLock lock(&mu_);
    leading_ = false;
  }
  QUIVER_LOG(INFO) << "resigned leadership" << Kv("election", key_);
  return lease_->Revoke();  // the leader key goes with the lease
}

}  // namespace quiver::cluster
