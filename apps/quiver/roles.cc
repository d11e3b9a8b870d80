#include "roles.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cstdio>

#include "cluster/session.h"
#include "common/file_system.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_server.h"
#include "coord/coord.h"
#include "rpc/internal/access_service.h"
#include "rpc/internal/coord_service.h"
#include "storage_setup.h"

namespace quiver::app {

namespace {

constexpr int kExitLeaseLost = 3;

// Distributed roles share their stores: a role on local files would be alone with its data.
Status RequireSharedStorage(const Config& config, const char* role) {
  for (const char* key : {"etcd.endpoints", "nats.servers", "minio.address"}) {
    if (config.GetString(key).empty()) {
      return Status::InvalidArgument(std::string("quiver run ") + role + " needs " + key +
                                     ": distributed roles share etcd (etcd.endpoints), NATS JetStream (nats.servers) "
                                     "and S3 (minio.address); one process with local storage is `quiver run standalone`");
    }
  }
  return Status::OK();
}

// The host:port other roles dial: internal.advertiseAddress, else the listening address and the
// port bound (the host name when listening on every address).
std::string AdvertisedAddress(const Config& config, int bound_port) {
  std::string advertised = config.GetString("internal.advertiseAddress");
  if (!advertised.empty()) return advertised;
  std::string host = config.GetString("internal.address");
  if (host == "0.0.0.0" || host.empty()) {
    char name[256] = {0};
    host = gethostname(name, sizeof(name) - 1) == 0 && name[0] ? name : "127.0.0.1";
  }
  return host + ":" + std::to_string(bound_port);
}

// True if one of `signals` is pending (taken), waiting at most `wait`.
bool TakeSignal(const sigset_t* signals, std::chrono::milliseconds wait, int* signal_number) {
  timespec timeout{static_cast<time_t>(wait.count() / 1000), static_cast<long>((wait.count() % 1000) * 1000000)};
  int got = sigtimedwait(signals, nullptr, &timeout);
  if (got > 0) {
    *signal_number = got;
    return true;
  }
  return false;
}

}  // namespace

Status RunCoord(const Config& config, const char* version, const sigset_t* signals) {
  QUIVER_RETURN_IF_ERROR(RequireSharedStorage(config, "coord"));
  QUIVER_RETURN_IF_ERROR(CheckStorageSettings(config));
  QUIVER_ASSIGN_OR_RETURN(int64_t status_port, config.GetInt("server.status_port"));
  QUIVER_ASSIGN_OR_RETURN(int64_t internal_port, config.GetInt("internal.port"));
  QUIVER_ASSIGN_OR_RETURN(int64_t ttl, config.GetInt("session.ttlSeconds"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_collections, config.GetInt("coord.max_collections"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_capacity, config.GetInt("coord.max_general_capacity"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_message, config.GetInt("server.max_message_bytes"));
  if (ttl < 1 || ttl > 600) return Status::InvalidArgument("session.ttlSeconds must be 1 to 600");
  // The coordinator announces its address when elected, before it serves: the port must be known.
  if (internal_port < 1 || internal_port > 65535) {
    return Status::InvalidArgument("internal.port must be 1 to 65535 for the coordinator (its address is announced)");
  }
  QUIVER_ASSIGN_OR_RETURN(bool status_tls_on, config.GetBool("server.status_tls"));
  if (status_tls_on) return Status::NotSupported("server.status_tls is not supported yet for distributed roles");
  const std::string status_address = config.GetString("server.address");
  const std::string internal_address = config.GetString("internal.address");

  MetricsRegistry metrics;
  AddProcessMetrics(&metrics);
  std::atomic<bool> leading{false};
  metrics.AddGaugeCallback("quiver_coord_leader", "1 while this coordinator leads, 0 as a standby", {},
                           [&leading] { return leading.load() ? 1.0 : 0.0; });
  StatusServer status(&metrics);
  QUIVER_RETURN_IF_ERROR(status.Start(status_address, static_cast<int>(status_port)));
  status.SetReady(false, "starting");

  auto fs = NewPosixFileSystem();
  const std::string data_dir = config.GetString("server.data_dir");
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<storage::MetaStore> meta, OpenMeta(config, data_dir));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<storage::Wal> wal, OpenWal(config, fs.get(), data_dir));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> objects, OpenObjects(config, fs.get(), data_dir));

  // A role whose lease expired may already have been replaced: it exits rather than act beside
  // its successor (a supervisor restarts it as a new node).
  auto exit_on_lost = [](const char* what) {
    return [what] {
      QUIVER_LOG(ERROR) << "lease lost; exiting" << Kv("lease_of", what);
      std::fflush(nullptr);
      _exit(kExitLeaseLost);
    };
  };
  const std::string advertised = AdvertisedAddress(config, static_cast<int>(internal_port));
  cluster::SessionInfo me;
  me.role = "coord";
  me.address = advertised;
  me.status_address = status_address + ":" + std::to_string(status.port());
  me.version = version;
  cluster::SessionOptions session_options;
  session_options.ttl = std::chrono::seconds(ttl);
  session_options.on_lost = exit_on_lost("session");
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<cluster::Session> session,
                          cluster::Session::Register(meta.get(), me, session_options));
  cluster::ElectionOptions election_options;
  election_options.ttl = std::chrono::seconds(ttl);
  election_options.on_lost = exit_on_lost("coordinator leadership");
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<cluster::Election> election,
                          cluster::Election::Join(meta.get(), "coord", advertised, election_options));

  // Campaign until elected or told to stop.
  int signal_number = 0;
  bool announced_standby = false;
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(bool won, election->Campaign(std::chrono::milliseconds(500)));
    if (won) break;
    if (!announced_standby) {
      Result<std::optional<std::string>> leader = election->Leader();
      std::string name = leader.ok() && leader->has_value() ? **leader : "?";
      status.SetReady(false, "standby: the coordinator at " + name + " leads");
      std::printf("quiver %s coord standby | node %lld | leader %s | status http://%s:%d\n", version,
                  static_cast<long long>(session->info().node_id), name.c_str(), status_address.c_str(), status.port());
      std::fflush(stdout);
      QUIVER_LOG(INFO) << "coordinator standby" << Kv("leader", name) << Kv("node_id", session->info().node_id);
      announced_standby = true;
    }
    if (TakeSignal(signals, std::chrono::milliseconds(0), &signal_number)) {
      QUIVER_LOG(INFO) << "shutting down a standby coordinator" << Kv("signal", signal_number);
      (void)election->Resign();
      (void)session->Close();
      status.Stop();
      return Status::OK();
    }
  }

  // Leading: load the catalog from etcd and serve.
  const auto elected_at = std::chrono::steady_clock::now();
  coord::CoordOptions coord_options;
  coord_options.max_collections = max_collections;
  coord_options.max_general_capacity = max_capacity;
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<coord::Coord> coord,
                          coord::Coord::Open(meta.get(), wal.get(), objects.get(), coord_options));
  std::unique_ptr<grpc::Service> coord_service = rpc::NewCoordService(coord.get());
  std::unique_ptr<grpc::Service> access_service = rpc::NewAccessService(coord->access());
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(internal_address + ":" + std::to_string(internal_port), grpc::InsecureServerCredentials(),
                           &bound_port);
  builder.RegisterService(coord_service.get());
  builder.RegisterService(access_service.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message));
  builder.SetMaxSendMessageSize(static_cast<int>(max_message));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    (void)election->Resign();
    (void)session->Close();
    return Status::Unavailable("cannot listen on the internal port " + internal_address + ":" +
                               std::to_string(internal_port));
  }
  leading.store(true);
  status.SetReady(true);
  const double took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - elected_at).count();
  std::printf("quiver %s coord leading | node %lld | internal %s | status http://%s:%d\n", version,
              static_cast<long long>(session->info().node_id), advertised.c_str(), status_address.c_str(),
              status.port());
  std::fflush(stdout);
  QUIVER_LOG(INFO) << "coordinator leading" << Kv("internal", advertised) << Kv("node_id", session->info().node_id)
                   << Kv("catalog_load_ms", took_ms);

  sigwait(signals, &signal_number);
  QUIVER_LOG(INFO) << "shutting down" << Kv("signal", signal_number);
  status.SetReady(false, "shutting down");
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  leading.store(false);
  // Resign after the last answer: a standby takes over at once instead of after the TTL.
  (void)election->Resign();
  (void)session->Close();
  status.Stop();
  QUIVER_LOG(INFO) << "stopped";
  return Status::OK();
}

}  // namespace quiver::app
