#include "storage_setup.h"

#include "common/log.h"
#include "rpc/etcd/etcd_meta_store.h"
#include "storage/meta/prefixed_meta_store.h"
#include "storage/object_store/s3_object_store.h"
#include "storage/wal/jetstream_wal.h"

namespace quiver::app {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  for (size_t begin = 0; begin <= text.size();) {
    size_t comma = std::min(text.find(',', begin), text.size());
    std::string one = text.substr(begin, comma - begin);
    one.erase(0, one.find_first_not_of(' '));
    one.erase(one.find_last_not_of(' ') + 1);
    if (!one.empty()) out.push_back(one);
    begin = comma + 1;
  }
  return out;
}

Status RefuseChanged(const Config& config, std::initializer_list<const char*> keys, const std::string& why) {
  for (const char* key : keys) {
    if (config.GetString(key) != Config::Defaults().GetString(key)) return Status::InvalidArgument(std::string(key) + why);
  }
  return Status::OK();
}

// The object store: S3 when minio.address is set (Milvus's keys), else a directory in the data dir.
Result<std::unique_ptr<storage::ObjectStore>> OpenObjects(const Config& config, FileSystem* fs, const std::string& data_dir) {
  std::string address = config.GetString("minio.address");
  if (address.empty()) {
    QUIVER_RETURN_IF_ERROR(RefuseChanged(config, {"minio.port", "minio.accessKeyID", "minio.secretAccessKey", "minio.useSSL",
                                                  "minio.ssl.tlsCACert", "minio.bucketName", "minio.rootPath",
                                                  "minio.region", "minio.useVirtualHost", "minio.useIAM",
                                                  "minio.cloudProvider", "minio.requestTimeoutMs",
                                                  "minio.retryTimeoutSeconds"},
                                         " needs minio.address (objects are in the data directory)"));
    return storage::NewLocalObjectStore(fs, JoinPath(data_dir, "objects"));
  }
  QUIVER_ASSIGN_OR_RETURN(bool use_iam, config.GetBool("minio.useIAM"));
  if (use_iam) return Status::NotSupported("minio.useIAM is not supported: set minio.accessKeyID and minio.secretAccessKey");
  std::string provider = config.GetString("minio.cloudProvider");
  if (provider != "aws" && provider != "minio") {
    return Status::NotSupported("minio.cloudProvider " + provider + " is not supported (aws or minio: any S3-compatible server)");
  }
  storage::S3ObjectStoreOptions s3;
  QUIVER_ASSIGN_OR_RETURN(bool use_ssl, config.GetBool("minio.useSSL"));
  if (address.find("://") != std::string::npos) {
    return Status::InvalidArgument("minio.address is host or host:port (the scheme comes from minio.useSSL)");
  }
  QUIVER_ASSIGN_OR_RETURN(int64_t port, config.GetInt("minio.port"));
  if (address.find(':') == std::string::npos) {
    address += ":" + std::to_string(port);
  } else {
    QUIVER_RETURN_IF_ERROR(RefuseChanged(config, {"minio.port"}, " conflicts with the port in minio.address"));
  }
  s3.endpoint = (use_ssl ? "https://" : "http://") + address;
  s3.ca_file = config.GetString("minio.ssl.tlsCACert");
  if (!use_ssl && !s3.ca_file.empty()) return Status::InvalidArgument("minio.ssl.tlsCACert needs minio.useSSL");
  s3.bucket = config.GetString("minio.bucketName");
  s3.root_path = config.GetString("minio.rootPath");
  s3.access_key = config.GetString("minio.accessKeyID");
  s3.secret_key = config.GetString("minio.secretAccessKey");
  if (std::string region = config.GetString("minio.region"); !region.empty()) s3.region = region;
  QUIVER_ASSIGN_OR_RETURN(s3.virtual_host, config.GetBool("minio.useVirtualHost"));
  QUIVER_ASSIGN_OR_RETURN(int64_t request_ms, config.GetInt("minio.requestTimeoutMs"));
  QUIVER_ASSIGN_OR_RETURN(int64_t retry_seconds, config.GetInt("minio.retryTimeoutSeconds"));
  if (request_ms < 100 || retry_seconds < 1 || retry_seconds > 3600) {
    return Status::InvalidArgument("minio.requestTimeoutMs must be at least 100 and minio.retryTimeoutSeconds 1 to 3600");
  }
  s3.request_timeout = std::chrono::milliseconds(request_ms);
  s3.retry_deadline = std::chrono::seconds(retry_seconds);
  return storage::OpenS3ObjectStore(std::move(s3));
}


Status CheckStorageSettings(const Config& config) {
  if (!config.GetString("nats.servers").empty()) {
    // The wal.* file settings are the local WAL's; JetStream stores, syncs and retains by its
    // own settings, so a changed value would be silently ignored: refused.
    QUIVER_RETURN_IF_ERROR(RefuseChanged(config, {"wal.segment_bytes", "wal.sync", "wal.max_open_files", "wal.corruption_policy"},
                                         " applies to the local WAL files; with nats.servers set, the WAL is in "
                                         "NATS JetStream and its server settings apply"));
  } else {
    QUIVER_RETURN_IF_ERROR(RefuseChanged(config, {"nats.streamPrefix", "nats.replicas", "nats.user", "nats.password",
                                                  "nats.token", "nats.tls.enabled", "nats.tls.caCert",
                                                  "nats.appendTimeoutSeconds"},
                                         " needs nats.servers (the WAL is in the data directory)"));
  }
  if (!config.GetString("etcd.endpoints").empty()) {
    // The meta.history_* bounds are the local store's; etcd keeps history by its own
    // --auto-compaction settings, so a changed bound would be silently ignored: refused.
    QUIVER_RETURN_IF_ERROR(RefuseChanged(config, {"meta.history_max_revisions", "meta.history_max_age_seconds", "meta.history_max_bytes"},
                                         " applies to the local metadata store; with etcd.endpoints set, etcd's "
                                         "--auto-compaction-* settings bound the history"));
  }
  return Status::OK();
}

Result<rpc::etcd::EtcdOptions> EtcdOptionsFrom(const Config& config) {
  rpc::etcd::EtcdOptions etcd;
  for (std::string one : SplitList(config.GetString("etcd.endpoints"))) {
    if (one.starts_with("http://")) one.erase(0, 7);  // Milvus configs often name the URL
    etcd.endpoints.push_back(one);
  }
  if (etcd.endpoints.empty()) return Status::InvalidArgument("etcd.endpoints is empty");
  QUIVER_ASSIGN_OR_RETURN(bool etcd_auth, config.GetBool("etcd.auth.enabled"));
  if (etcd_auth) {
    etcd.user = config.GetString("etcd.auth.userName");
    etcd.password = config.GetString("etcd.auth.password");
    if (etcd.user.empty()) return Status::InvalidArgument("etcd.auth.enabled needs etcd.auth.userName");
  }
  QUIVER_ASSIGN_OR_RETURN(etcd.tls, config.GetBool("etcd.ssl.enabled"));
  etcd.ca_file = config.GetString("etcd.ssl.tlsCACert");
  return etcd;
}

Result<std::unique_ptr<storage::MetaStore>> OpenMeta(const Config& config, const std::string& data_dir) {
  QUIVER_ASSIGN_OR_RETURN(int64_t history_revisions, config.GetInt("meta.history_max_revisions"));
  QUIVER_ASSIGN_OR_RETURN(int64_t history_age, config.GetInt("meta.history_max_age_seconds"));
  QUIVER_ASSIGN_OR_RETURN(int64_t history_bytes, config.GetInt("meta.history_max_bytes"));
  storage::LocalMetaStoreOptions meta_options;
  meta_options.path = JoinPath(data_dir, "meta");
  meta_options.history_max_revisions = static_cast<size_t>(std::max<int64_t>(0, history_revisions));
  meta_options.history_max_age = std::chrono::seconds(std::max<int64_t>(0, history_age));
  meta_options.history_max_bytes = static_cast<size_t>(std::max<int64_t>(0, history_bytes));
  std::unique_ptr<storage::MetaStore> meta;
  if (std::string endpoints = config.GetString("etcd.endpoints"); !endpoints.empty()) {
    QUIVER_ASSIGN_OR_RETURN(rpc::etcd::EtcdOptions etcd, EtcdOptionsFrom(config));
    std::string root = config.GetString("etcd.rootPath");
    QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<rpc::etcd::EtcdMetaStore> store, rpc::etcd::OpenEtcdMetaStore(etcd));
    meta = storage::NewPrefixedMetaStore(std::move(store), root + "/meta/");
    QUIVER_LOG(INFO) << "metadata in etcd" << Kv("endpoints", endpoints) << Kv("root", root);
  } else {
    QUIVER_ASSIGN_OR_RETURN(meta, storage::OpenLocalMetaStore(meta_options));
  }
  return meta;
}

Result<std::unique_ptr<storage::Wal>> OpenWal(const Config& config, FileSystem* fs, const std::string& data_dir) {
  QUIVER_ASSIGN_OR_RETURN(int64_t segment_bytes, config.GetInt("wal.segment_bytes"));
  QUIVER_ASSIGN_OR_RETURN(bool wal_sync, config.GetBool("wal.sync"));
  QUIVER_ASSIGN_OR_RETURN(int64_t wal_open_files, config.GetInt("wal.max_open_files"));
  QUIVER_ASSIGN_OR_RETURN(auto corruption_policy, storage::ParseWalCorruptionPolicy(config.GetString("wal.corruption_policy")));
  storage::WalOptions wal_options;
  wal_options.segment_bytes = static_cast<uint64_t>(segment_bytes);
  wal_options.sync = wal_sync;
  wal_options.corruption_policy = corruption_policy;
  wal_options.max_open_files = static_cast<size_t>(std::max<int64_t>(1, wal_open_files));
  std::unique_ptr<storage::Wal> wal;
  if (std::string servers = config.GetString("nats.servers"); !servers.empty()) {
    storage::JetStreamWalOptions nats;
    nats.servers = SplitList(servers);
    nats.stream_prefix = config.GetString("nats.streamPrefix");
    QUIVER_ASSIGN_OR_RETURN(int64_t replicas, config.GetInt("nats.replicas"));
    nats.replicas = static_cast<int>(replicas);
    nats.user = config.GetString("nats.user");
    nats.password = config.GetString("nats.password");
    nats.token = config.GetString("nats.token");
    QUIVER_ASSIGN_OR_RETURN(nats.tls, config.GetBool("nats.tls.enabled"));
    nats.ca_file = config.GetString("nats.tls.caCert");
    QUIVER_ASSIGN_OR_RETURN(int64_t append_timeout, config.GetInt("nats.appendTimeoutSeconds"));
    if (append_timeout < 1 || append_timeout > 600) {
      return Status::InvalidArgument("nats.appendTimeoutSeconds must be 1 to 600");
    }
    nats.append_timeout = std::chrono::seconds(append_timeout);
    nats.duplicate_window = std::chrono::seconds(std::max<int64_t>(120, 2 * append_timeout));
    QUIVER_ASSIGN_OR_RETURN(wal, storage::OpenJetStreamWal(nats));
  } else {
    QUIVER_ASSIGN_OR_RETURN(wal, storage::OpenFileWal(fs, JoinPath(data_dir, "wal"), wal_options));
  }
  return wal;
}

}  // namespace quiver::app
