#pragma once

// Opening the three stores from the configuration, the same way for standalone and for every
// distributed role: metadata in RocksDB or etcd (etcd.*), the WAL in files or NATS JetStream
// (nats.*), objects in a directory or S3 (minio.*). Settings that the chosen store would ignore
// are refused (CheckStorageSettings), never accepted and dropped.

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/file_system.h"
#include "common/status.h"
#include "rpc/etcd/etcd_meta_store.h"
#include "storage/meta/meta_store.h"
#include "storage/object_store/object_store.h"
#include "storage/wal/wal.h"

namespace quiver::app {

// "a, b,c" -> {"a", "b", "c"}: the comma-separated lists of endpoints in the config.
std::vector<std::string> SplitList(const std::string& text);

// InvalidArgument naming the first of `keys` set to other than its default, with `why`.
Status RefuseChanged(const Config& config, std::initializer_list<const char*> keys, const std::string& why);

Status CheckStorageSettings(const Config& config);
// etcd.* as the client's options (InvalidArgument without etcd.endpoints).
Result<rpc::etcd::EtcdOptions> EtcdOptionsFrom(const Config& config);
Result<std::unique_ptr<storage::MetaStore>> OpenMeta(const Config& config, const std::string& data_dir);
Result<std::unique_ptr<storage::Wal>> OpenWal(const Config& config, FileSystem* fs, const std::string& data_dir);
Result<std::unique_ptr<storage::ObjectStore>> OpenObjects(const Config& config, FileSystem* fs, const std::string& data_dir);

}  // namespace quiver::app
