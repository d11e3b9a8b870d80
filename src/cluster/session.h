#pragma once

// Sessions and leader election over the MetaStore's leases (distributed mode, issue 10;
// docs/design/sessions.md). The same code runs on the embedded store and on etcd.
//
//   LeaseKeeper   one lease kept alive by a background thread; reports its loss once.
//   Session       a node's registration: quiver/session/<role>/<node_id> under its lease, with a
//                 node id allocated from quiver/session/next_id and never reused. The key goes
//                 when the node closes its session or stops renewing it (crash, partition) for
//                 longer than the TTL.
//   SessionWatch  the live sessions (of one role or all) and the changes to them, re-listing
//                 after a compacted watch so no change is missed.
//   Election      at most one leader per name: the leader key is created only if absent, under
//                 the candidate's lease; standbys watch it and try again when it is deleted.
//
// A node whose lease is lost (the store answered NotFound to a renewal: it expired) must stop
// acting on its role; `on_lost` tells it. All classes are thread-safe.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "storage/meta/meta_store.h"

namespace quiver::cluster {

struct SessionInfo {
  std::string role;            // proxy, coord, datanode, querynode, indexnode
  int64_t node_id = 0;         // assigned by Session::Register
  std::string address;         // host:port of its internal RPC (empty if it serves none)
  std::string status_address;  // host:port of /healthz and /metrics
  std::string version;
  int64_t registered_unix_ms = 0;
  std::map<std::string, std::string> labels;  // node labels (resource group node filters)
  bool operator==(const SessionInfo&) const = default;
};

// A node's labels from its environment, as Milvus reads them: MILVUS_SERVER_LABEL_<key>=<value>
// (the key as written after the prefix). `environment` is a NULL-terminated array like environ.
std::map<std::string, std::string> ServerLabels(char** environment);

std::string EncodeSession(const SessionInfo& info);
Result<SessionInfo> DecodeSession(std::string_view record);
std::string SessionKey(const std::string& role, int64_t node_id);

class LeaseKeeper {
 public:
  // Grants a lease of `ttl` and renews it every ttl/3. `on_lost` runs once, on the keeper's
  // thread, when a renewal is refused because the lease is gone; transient errors are retried
  // until then.
  static Result<std::unique_ptr<LeaseKeeper>> Start(storage::MetaStore* store, std::chrono::seconds ttl,
                                                    std::function<void()> on_lost = nullptr);
  ~LeaseKeeper();  // stops renewing; the lease then expires (Revoke() ends it at once)

  storage::LeaseId id() const { return id_; }
  bool lost() const;
  Status Revoke();
  // Stops renewing without revoking: what a crash looks like to the others (tests, drills).
  void Abandon();

 private:
  LeaseKeeper(storage::MetaStore* store, storage::LeaseId id, std::chrono::seconds ttl, std::function<void()> on_lost);
  void Run();
  void StopThread();

  storage::MetaStore* const store_;
  const storage::LeaseId id_;
  const std::chrono::seconds ttl_;
  const std::function<void()> on_lost_;
  mutable Mutex mu_;
  CondVar cv_{&mu_};
  bool stop_ QUIVER_GUARDED_BY(mu_) = false;
  bool lost_ QUIVER_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

struct SessionOptions {
  std::chrono::seconds ttl{10};
  std::function<void()> on_lost;  // the session expired: the node must stop serving its role
};

class Session {
 public:
  // Registers `info` with a new node id (info.node_id is ignored).
  static Result<std::unique_ptr<Session>> Register(storage::MetaStore* store, SessionInfo info,
                                                   const SessionOptions& options);
  ~Session();  // stops renewing (the key expires after the TTL); Close() removes it at once

  const SessionInfo& info() const { return info_; }
  bool lost() const { return lease_->lost(); }
  storage::LeaseId lease() const { return lease_->id(); }
  Status Close();
  void Abandon() { lease_->Abandon(); }

 private:
  Session(SessionInfo info, std::unique_ptr<LeaseKeeper> lease) : info_(std::move(info)), lease_(std::move(lease)) {}
  const SessionInfo info_;
  std::unique_ptr<LeaseKeeper> lease_;
};

// The registered sessions of `role` (all roles if empty), by node id.
Result<std::map<int64_t, SessionInfo>> ListSessions(storage::MetaStore* store, const std::string& role = "");

struct SessionEvent {
  enum class Type { kUp, kDown };
  Type type = Type::kUp;
  SessionInfo session;
};

class SessionWatch {
 public:
  static Result<std::unique_ptr<SessionWatch>> Start(storage::MetaStore* store, const std::string& role = "");

  // The sessions as of the last Next() (or Start()).
  std::map<int64_t, SessionInfo> current() const;
  // Changes since the last call, waiting up to `timeout` for one (empty on timeout). After a
  // compacted watch it re-lists and reports the difference.
  Result<std::vector<SessionEvent>> Next(std::chrono::milliseconds timeout);

 private:
  SessionWatch(storage::MetaStore* store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}
  Status Relist(std::vector<SessionEvent>* changes) QUIVER_REQUIRES(mu_);

  storage::MetaStore* const store_;
  const std::string prefix_;
  mutable Mutex mu_;
  std::map<int64_t, SessionInfo> sessions_ QUIVER_GUARDED_BY(mu_);
  std::unique_ptr<storage::Watcher> watcher_ QUIVER_GUARDED_BY(mu_);
};

// The value of the current leader of election `name` (for clients that follow it), or nullopt.
Result<std::optional<std::string>> ElectionLeader(storage::MetaStore* store, const std::string& name);

struct ElectionOptions {
  std::chrono::seconds ttl{10};   // a dead leader is replaced within about this long
  std::function<void()> on_lost;  // this leader's lease expired: it must stop acting as leader
};

class Election {
 public:
  // A candidate for quiver/election/<name>, announcing `value` (e.g. its address) when it leads.
  static Result<std::unique_ptr<Election>> Join(storage::MetaStore* store, const std::string& name,
                                                std::string value, const ElectionOptions& options);
  ~Election();  // stops renewing; another candidate takes over after the TTL

  // Waits up to `timeout` to become the leader: true if this candidate leads.
  Result<bool> Campaign(std::chrono::milliseconds timeout);
  bool leading() const;
  // The current leader's value, or nullopt if there is none.
  Result<std::optional<std::string>> Leader();
  // Steps down at once (deletes the leader key if it is ours and ends the lease).
  Status Resign();
  // The leader key, and its create revision from this candidate's win (0 before): writes fenced
  // by them (storage/meta/fenced_meta_store.h) fail once another candidate has won.
  const std::string& key() const { return key_; }
  storage::Revision revision() const {
    MutexLock lock(&mu_);
    return revision_;
  }
  void Abandon() { lease_->Abandon(); }

 private:
  Election(storage::MetaStore* store, std::string key, std::string value, std::unique_ptr<LeaseKeeper> lease)
      : store_(store), key_(std::move(key)), value_(std::move(value)), lease_(std::move(lease)) {}
  Result<bool> TryAcquire();

  storage::MetaStore* const store_;
  const std::string key_;
  const std::string value_;
  std::unique_ptr<LeaseKeeper> lease_;
  mutable Mutex mu_;
  bool leading_ QUIVER_GUARDED_BY(mu_) = false;
  storage::Revision revision_ QUIVER_GUARDED_BY(mu_) = 0;
};

}  // namespace quiver::cluster
