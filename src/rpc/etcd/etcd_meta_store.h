#pragma once

// EtcdMetaStore: storage::MetaStore on a real etcd v3 cluster over gRPC (our own protos under
// proto/etcd, package etcdserverpb). The MetaStore model is etcd's, so the mapping is direct:
// revisions, create/mod revisions and versions are etcd's; Txn compares and operations map one
// to one; Watch is etcd's Watch stream (a start revision already compacted answers NotFound
// "watch revision compacted", as LocalMetaStore does); leases are etcd leases.
//
// Endpoints fail over: a call whose endpoint is unavailable or does not answer within the request
// timeout moves to the next one and is retried there, within failover_timeout (a write retried
// this way may apply twice: a Put stores the same value again, a Txn then fails its compare). Optional user/password authentication (the token travels as
// the `token` metadata, renewed when etcd reports it invalid) and TLS. Thread-safe.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "storage/meta/meta_store.h"

namespace quiver::rpc::etcd {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // host:port, tried in order
  std::string user;                    // empty: no authentication
  std::string password;
  bool tls = false;
  std::string ca_file;                  // TLS: PEM roots (empty: the system's)
  std::chrono::milliseconds request_timeout{5000};
  // How long a call keeps trying other endpoints while all are unavailable.
  std::chrono::milliseconds failover_timeout{15000};
};

class EtcdMetaStore;

// Connects and checks the cluster answers (Maintenance.Status on some endpoint).
Result<std::unique_ptr<EtcdMetaStore>> OpenEtcdMetaStore(EtcdOptions options);

class EtcdMetaStore : public storage::MetaStore {
 public:
  ~EtcdMetaStore() override;

  Result<std::optional<storage::KeyValue>> Get(const std::string& key) override;
  Result<storage::RangeResult> Range(const std::string& prefix, size_t limit = 0) override;
  Result<storage::Revision> Put(const std::string& key, const std::string& value, storage::LeaseId lease = 0) override;
  Result<storage::Revision> Delete(const std::string& key) override;
  Result<storage::Revision> DeletePrefix(const std::string& prefix) override;
  Result<storage::TxnResponse> Txn(const storage::TxnRequest& request) override;
  Result<std::unique_ptr<storage::Watcher>> Watch(const std::string& prefix, storage::Revision start_revision) override;
  Result<storage::LeaseId> GrantLease(std::chrono::seconds ttl) override;
  Status KeepAlive(storage::LeaseId lease) override;
  Status RevokeLease(storage::LeaseId lease) override;
  storage::Revision CurrentRevision() override;

  // Discards the history at and below `revision` (etcd's Compact; watches from there fail).
  Status Compact(storage::Revision revision);

  // Writes a snapshot of one member's database to `path` (Maintenance.Snapshot; the file is what
  // `etcdctl snapshot save` writes, and `etcdctl snapshot restore` starts a new cluster from it).
  // Written to `path`.partial, synced, then renamed: `path` is whole or absent. `progress` (may be
  // empty) gets the bytes written and the total after each chunk. Each attempt may take
  // `timeout`; an endpoint unavailable at the start is skipped as for any call.
  struct SnapshotInfo {
    uint64_t bytes = 0;
    std::string endpoint;  // the member that sent it
  };
  Result<SnapshotInfo> Snapshot(FileSystem* fs, const std::string& path,
                                const std::function<void(uint64_t done, uint64_t total)>& progress,
                                std::chrono::milliseconds timeout = std::chrono::minutes(10));

  class Impl;

 private:
  friend Result<std::unique_ptr<EtcdMetaStore>> OpenEtcdMetaStore(EtcdOptions options);
  explicit EtcdMetaStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The end of the key range holding every key that starts with `prefix`: the prefix with its last
// byte below 0xff incremented (trailing 0xff bytes dropped); "\0" (every key) for an empty or
// all-0xff prefix.
std::string PrefixRangeEnd(const std::string& prefix);

}  // namespace quiver::rpc::etcd
