#include "common/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace quiver {

const std::vector<ConfigKeyInfo>& Config::Keys() {
  static const std::vector<ConfigKeyInfo> kKeys = {
      {"server.address", "0.0.0.0", "Address the Milvus API (gRPC + REST) listens on"},
      {"server.port", "19530", "Port of the Milvus API (gRPC and REST v2, sniffed per connection)"},
      {"server.status_port", "9091", "Port of the status server: /healthz and /metrics"},
      {"server.status_tls", "false", "Serve the status port over HTTPS with the tls.* certificate (client certificates with tlsMode 2)"},
      {"server.data_dir", "./quiver-data", "Directory holding metadata, WAL and objects in standalone mode"},
      {"server.max_message_bytes", "268435456", "Largest accepted request message (256 MiB)"},
      {"internal.address", "0.0.0.0", "Address a distributed role's internal gRPC port (role to role) listens on"},
      {"internal.port", "19532", "Port of a distributed role's internal gRPC (coordinator, datanode, querynode)"},
      {"internal.advertiseAddress", "",
       "host:port other roles use to reach this one (empty: internal.address and the port bound, the host name when 0.0.0.0)"},
      {"session.ttlSeconds", "5", "A distributed role's session lease: a crashed role is noticed, and a standby coordinator takes over, within this long"},
      {"server.shutdown_flush_seconds", "20", "Budget for flushing buffered rows at SIGTERM (the rest is replayed)"},
      {"common.gracefulTime", "5000",
       "Bounded consistency: a read sees every write acknowledged this many milliseconds before it, and the proxy's own writes"},
      {"common.security.authorizationEnabled", "false",
       "Check users' credentials and privileges on every request (Milvus's key); root's default password is Milvus"},
      {"common.security.superUsers", "",
       "Comma-separated users who change any user's password without the old one (Milvus's key)"},
      {"common.security.tlsMode", "0",
       "TLS on the Milvus port (gRPC and REST): 0 off, 1 one-way, 2 mutual (clients need a certificate)"},
      {"tls.serverPemPath", "", "Server certificate chain (PEM) for TLS"},
      {"tls.serverKeyPath", "", "Server private key (PEM) for TLS"},
      {"tls.caPemPath", "", "CA certificate (PEM) that signs client certificates (tlsMode 2)"},
      {"coord.max_collections", "65536", "Collections across databases (Milvus quotaAndLimits.limits.maxCollectionNum)"},
      {"coord.max_general_capacity", "65536", "Sum of partitions x shards over collections (Milvus rootCoord.maxGeneralCapacity)"},
      {"proxy.max_json_bytes", "65536", "Largest JSON value per row (Milvus common.JSONMaxLength)"},
      {"proxy.accessLog.enable", "false", "Write one access log line per request (Milvus's proxy.accessLog)"},
      {"proxy.accessLog.localPath", "", "Directory of the access log (empty: <data_dir>/logs)"},
      {"proxy.accessLog.filename", "milvus_access_log.log", "File name of the access log"},
      {"proxy.accessLog.maxSize", "64", "Megabytes after which the access log rotates"},
      {"proxy.accessLog.maxBackups", "8", "Rotated access log files kept"},
      {"log.level", "info", "Minimum log level: debug, info, warn, error"},
      {"wal.segment_bytes", "67108864", "Size at which a WAL channel rolls over to a new file"},
      {"wal.sync", "true", "fsync each group commit before acknowledging (disable only for tests)"},
      {"wal.max_open_files", "256", "WAL channels that keep their file open between appends"},
      {"wal.consumer_threads", "2", "Threads that follow every WAL channel for the datanode and querynode"},
      {"wal.stall_report_seconds", "5", "A channel consumer failing this long makes /healthz answer 503"},
      {"wal.corruption_policy", "refuse", "What WAL recovery does with a corrupt channel: refuse or skip"},
      {"etcd.endpoints", "", "etcd endpoints (host:port, comma-separated) holding the metadata; empty = RocksDB in the data directory"},
      {"etcd.rootPath", "quiver", "Root of Quiver's keys in etcd (deployments sharing a cluster use different roots)"},
      {"etcd.auth.enabled", "false", "Authenticate to etcd with etcd.auth.userName / etcd.auth.password"},
      {"etcd.auth.userName", "", "etcd user (etcd.auth.enabled)"},
      {"etcd.auth.password", "", "etcd password (etcd.auth.enabled)"},
      {"etcd.ssl.enabled", "false", "Connect to etcd over TLS"},
      {"etcd.ssl.tlsCACert", "", "PEM file of the CA that signed etcd's certificate (empty: the system's roots)"},
      {"nats.servers", "", "NATS servers (nats://host:port, comma-separated) whose JetStream holds the WAL; empty = files in the data directory"},
      {"nats.streamPrefix", "quiver", "Prefix of Quiver's JetStream streams and subjects (deployments sharing a cluster use different prefixes)"},
      {"nats.replicas", "1", "Copies of each WAL stream (3 on a 3-node NATS cluster)"},
      {"nats.user", "", "NATS user (with nats.password)"},
      {"nats.password", "", "NATS password"},
      {"nats.token", "", "NATS authentication token"},
      {"nats.tls.enabled", "false", "Connect to NATS over TLS"},
      {"nats.tls.caCert", "", "PEM file of the CA that signed the NATS servers' certificates (empty: the system's roots)"},
      {"nats.appendTimeoutSeconds", "30", "How long a WAL append keeps retrying while JetStream does not answer (a stream leader change)"},
      {"minio.address", "", "S3 server (host or host:port) holding segment and index files; empty = the data directory"},
      {"minio.port", "9000", "S3 server port when minio.address has none"},
      {"minio.accessKeyID", "", "S3 access key"},
      {"minio.secretAccessKey", "", "S3 secret key"},
      {"minio.useSSL", "false", "Talk to S3 over HTTPS"},
      {"minio.ssl.tlsCACert", "", "PEM file of the CA that signed the S3 server's certificate (empty: the system's roots)"},
      {"minio.bucketName", "quiver", "S3 bucket (created if absent)"},
      {"minio.rootPath", "files", "Key prefix of Quiver's objects inside the bucket"},
      {"minio.region", "", "S3 region signed into requests (empty: us-east-1)"},
      {"minio.useVirtualHost", "false", "Virtual-host style requests (bucket.host/key) instead of path style (host/bucket/key)"},
      {"minio.useIAM", "false", "IAM credentials from the environment (not supported: give minio.accessKeyID and minio.secretAccessKey)"},
      {"minio.cloudProvider", "aws", "S3 flavour: aws or minio (any S3-compatible server); others are not supported"},
      {"minio.requestTimeoutMs", "10000", "An S3 request attempt fails once its transfer stalls this long"},
      {"minio.retryTimeoutSeconds", "60", "How long an S3 operation keeps retrying while the server does not answer"},
      {"meta.history_max_revisions", "10000", "Metadata revisions kept for watchers (0 = no count bound)"},
      {"meta.history_max_age_seconds", "600", "Metadata revisions older than this are compacted (0 = no age bound)"},
      {"meta.history_max_bytes", "67108864", "Bytes of metadata history kept (0 = no byte bound)"},
      {"segment.seal_rows", "1000000", "Rows after which a growing segment is sealed"},
      {"segment.seal_bytes", "268435456", "Bytes after which a growing segment is sealed"},
      {"segment.seal_idle_seconds", "600", "Seconds without inserts after which a growing segment is sealed"},
      {"search.threads", "0", "Threads of the search pool (0 = number of cores)"},
      {"indexnode.max_concurrent_builds", "1", "Segment index builds running at once"},
      {"indexnode.build_threads", "0", "Threads each index build may use (0 = number of cores)"},
      {"search.queue_depth", "1024", "Queued search tasks before new ones are rejected"},
      {"querynode.drainSeconds", "30",
       "At SIGTERM, a distributed query node waits this long for its replicas to be loaded elsewhere before it exits"},
  };
  return kKeys;
}

namespace {

const ConfigKeyInfo* FindKey(std::string_view key) {
  for (const auto& info : Config::Keys()) {
    if (info.key == key) return &info;
  }
  return nullptr;
}

std::string EnvName(std::string_view key) {
  std::string name = "QUIVER_";
  for (char c : key) name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(c)));
  return name;
}

Status Flatten(const YAML::Node& node, const std::string& prefix, Config* config) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      std::string key = item.first.as<std::string>();
      std::string full = prefix.empty() ? key : prefix + "." + key;
      QUIVER_RETURN_IF_ERROR(Flatten(item.second, full, config));
    }
    return Status::OK();
  }
  if (node.IsScalar()) return config->Set(prefix, node.Scalar());
  if (node.IsNull()) return Status::OK();
  return Status::InvalidArgument("config value must be a scalar", prefix);
}

}  // namespace

Config Config::Defaults() {
  Config config;
  for (const auto& info : Keys()) config.values_[std::string(info.key)] = std::string(info.default_value);
  return config;
}

Result<Config> Config::Load(const std::string& yaml_path, char** environ) {
  Config config = Defaults();
  if (!yaml_path.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(yaml_path);
    } catch (const std::exception& e) {
      return Status::InvalidArgument("cannot read config file " + yaml_path, e.what());
    }
    QUIVER_RETURN_IF_ERROR(Flatten(root, "", &config));
  }
  if (environ != nullptr) {
    for (const auto& info : Keys()) {
      std::string name = EnvName(info.key);
      for (char** env = environ; *env != nullptr; ++env) {
        std::string_view entry(*env);
        if (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
            entry[name.size()] == '=') {
          config.values_[std::string(info.key)] = std::string(entry.substr(name.size() + 1));
        }
      }
    }
  }
  return config;
}

Status Config::Set(std::string_view key, std::string_view value) {
  if (FindKey(key) == nullptr) return Status::InvalidArgument("unknown config key", key);
  values_[std::string(key)] = std::string(value);
  return Status::OK();
}

std::string Config::GetString(std::string_view key) const {
  auto it = values_.find(key);
  if (it != values_.end()) return it->second;
  const ConfigKeyInfo* info = FindKey(key);
  return info ? std::string(info->default_value) : std::string();
}

Result<int64_t> Config::GetInt(std::string_view key) const {
  std::string text = GetString(key);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return Status::InvalidArgument("config value is not an integer", std::string(key) + "=" + text);
  }
  return value;
}

Result<bool> Config::GetBool(std::string_view key) const {
  std::string text = GetString(key);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  return Status::InvalidArgument("config value is not a bool", std::string(key) + "=" + text);
}

Result<double> Config::GetDouble(std::string_view key) const {
  std::string text = GetString(key);
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    return Status::InvalidArgument("config value is not a number", std::string(key) + "=" + text);
  }
  return value;
}

}  // namespace quiver
