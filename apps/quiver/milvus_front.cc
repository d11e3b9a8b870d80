#include "milvus_front.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "common/log.h"
#include "proxy/access_control.h"
#include "rpc/front_door.h"
#include "rpc/milvus/grpc_service.h"
#include "rpc/rest/rest_service.h"

namespace quiver::app {

Result<proxy::ProxyOptions> ProxyOptionsFrom(const Config& config) {
  proxy::ProxyOptions options;
  QUIVER_ASSIGN_OR_RETURN(int64_t max_json_bytes, config.GetInt("proxy.max_json_bytes"));
  options.max_json_bytes = static_cast<size_t>(std::max<int64_t>(1, max_json_bytes));
  QUIVER_ASSIGN_OR_RETURN(int64_t graceful_ms, config.GetInt("common.gracefulTime"));
  if (graceful_ms < 0) {
    return Status::InvalidArgument("common.gracefulTime must be 0 or more milliseconds, got " + std::to_string(graceful_ms));
  }
  options.graceful_time = std::chrono::milliseconds(graceful_ms);
  return options;
}

struct MilvusFront::Parts {
  std::unique_ptr<proxy::AccessControl> access;
  std::unique_ptr<proxy::RequestGate> gate;
  std::unique_ptr<rpc::milvus::MilvusServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<rpc::rest::RestService> rest;
  std::unique_ptr<proxy::AccessLog> access_log;
  std::unique_ptr<rpc::FrontDoor> door;
  bool stopped = false;
};

Result<std::unique_ptr<MilvusFront>> MilvusFront::Start(const Config& config, proxy::Proxy* proxy,
                                                        cluster::AccessClient* access, MetricsRegistry* metrics,
                                                        const char* version, const std::string& data_dir) {
  const std::string address = config.GetString("server.address");
  QUIVER_ASSIGN_OR_RETURN(int64_t port, config.GetInt("server.port"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_message, config.GetInt("server.max_message_bytes"));
  QUIVER_ASSIGN_OR_RETURN(bool authorization, config.GetBool("common.security.authorizationEnabled"));
  QUIVER_ASSIGN_OR_RETURN(bool access_log_on, config.GetBool("proxy.accessLog.enable"));
  std::string access_log_dir = config.GetString("proxy.accessLog.localPath");
  std::string access_log_file = config.GetString("proxy.accessLog.filename");
  QUIVER_ASSIGN_OR_RETURN(int64_t access_log_mb, config.GetInt("proxy.accessLog.maxSize"));
  QUIVER_ASSIGN_OR_RETURN(int64_t access_log_backups, config.GetInt("proxy.accessLog.maxBackups"));
  rpc::TlsOptions tls;
  QUIVER_ASSIGN_OR_RETURN(int64_t tls_mode, config.GetInt("common.security.tlsMode"));
  tls.mode = static_cast<int>(tls_mode);
  tls.server_pem_path = config.GetString("tls.serverPemPath");
  tls.server_key_path = config.GetString("tls.serverKeyPath");
  tls.ca_pem_path = config.GetString("tls.caPemPath");

  std::unique_ptr<MilvusFront> front(new MilvusFront());
  front->parts_ = std::make_unique<Parts>();
  Parts& p = *front->parts_;
  proxy::AccessOptions access_options;
  access_options.enabled = authorization;
  const std::string super_users = config.GetString("common.security.superUsers");
  for (std::string_view rest = super_users; !rest.empty();) {
    size_t comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) access_options.super_users.emplace(name);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  p.access = std::make_unique<proxy::AccessControl>(access, metrics, access_options);
  if (!authorization) {
    QUIVER_LOG(WARN) << "authorization is disabled: anyone who reaches the Milvus port has full access"
                     << Kv("enable_with", "common.security.authorizationEnabled: true") << Kv("address", address);
  } else if (access->VerifyPassword("root", "Milvus").ok()) {
    QUIVER_LOG(WARN) << "user root still has the default password; change it (UpdateCredential)"
                     << Kv("user", "root");
  }
  MilvusFront* self = front.get();
  p.gate = std::make_unique<proxy::RequestGate>(p.access.get(), metrics, [self] { return self->ready_.load(); });
  p.service = std::make_unique<rpc::milvus::MilvusServiceImpl>(proxy, p.gate.get(), version);
  // gRPC gets its connections from the front door (no listening port of its own).
  grpc::ServerBuilder builder;
  builder.RegisterService(p.service.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message));
  builder.SetMaxSendMessageSize(static_cast<int>(max_message));
  // The Node SDK pings every 10 s even without calls: allow it instead of answering GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  p.server = builder.BuildAndStart();
  if (p.server == nullptr) return Status::Internal("cannot start the gRPC server");
  p.rest = std::make_unique<rpc::rest::RestService>(proxy, p.gate.get(), metrics);
  if (access_log_on) {
    proxy::AccessLogOptions log_options;
    log_options.path = (access_log_dir.empty() ? data_dir + "/logs" : access_log_dir) + "/" + access_log_file;
    log_options.max_bytes = static_cast<size_t>(std::max<int64_t>(1, access_log_mb)) << 20;
    log_options.max_backups = static_cast<int>(std::max<int64_t>(0, access_log_backups));
    QUIVER_ASSIGN_OR_RETURN(p.access_log, proxy::AccessLog::Open(log_options));
    QUIVER_LOG(INFO) << "access log on" << Kv("path", log_options.path);
  }
  rpc::FrontDoorOptions door_options;
  door_options.address = address;
  door_options.port = static_cast<int>(port);
  door_options.tls = tls;
  door_options.http.max_body_bytes = static_cast<size_t>(max_message);
  rpc::rest::RestService* rest = p.rest.get();
  p.door = std::make_unique<rpc::FrontDoor>(
      door_options, p.server.get(), [rest](const rpc::HttpRequest& r) { return rest->Handle(r); },
      [rest](const rpc::HttpRequest& head) { return rest->CheckHead(head); }, metrics);
  rpc::FrontDoor* door = p.door.get();
  p.service->SetClientOf([door](const std::string& peer) { return door->ClientAddress(peer); });
  if (p.access_log) {
    p.service->SetAccessLog(p.access_log.get());
    p.rest->SetAccessLog(p.access_log.get());
  }
  if (Status started = p.door->Start(); !started.ok()) {
    p.server->Shutdown();
    p.stopped = true;
    return started;
  }
  return front;
}

MilvusFront::~MilvusFront() { Stop(); }

int MilvusFront::port() const { return parts_->door->port(); }

void MilvusFront::Stop() {
  if (!parts_ || parts_->stopped) return;
  parts_->stopped = true;
  ready_.store(false);
  parts_->door->Stop();
  parts_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace quiver::app
