#include "roles.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "cluster/session.h"
#include "common/file_system.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_server.h"
#include "common/thread_pool.h"
#include "coord/channels.h"
#include "coord/coord.h"
#include "coord/replicas.h"
#include "datanode/datanode.h"
#include "indexnode/indexnode.h"
#include "milvus_front.h"
#include "proxy/proxy.h"
#include "querynode/querynode.h"
#include "rpc/internal/node_service.h"
#include "segment/channel_consumer.h"
#include "rpc/internal/access_service.h"
#include "rpc/internal/coord_service.h"
#include "rpc/internal/datanode_router.h"
#include "rpc/internal/replica_router.h"
#include "storage/meta/fenced_meta_store.h"
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

// What every distributed process has: its status server, the three shared stores and, except
// in the coordinator, clients of the coordinator that follow its election.
struct RoleEnv {
  const Config& config;
  const char* role;
  const char* version;
  MetricsRegistry metrics;
  std::unique_ptr<StatusServer> status;
  std::unique_ptr<FileSystem> fs;
  std::unique_ptr<storage::MetaStore> meta;
  std::unique_ptr<storage::Wal> wal;
  std::unique_ptr<storage::ObjectStore> objects;
  std::unique_ptr<cluster::CoordClient> coord;
  std::unique_ptr<cluster::AccessClient> access;
  std::chrono::seconds ttl{10};
  std::string status_address;

  RoleEnv(const Config& c, const char* r, const char* v) : config(c), role(r), version(v) {}

  // The address of the leader of election `name`, for clients that follow it.
  std::function<Result<std::string>()> LeaderOf(const std::string& name) {
    storage::MetaStore* store = meta.get();
    return [store, name]() -> Result<std::string> {
      QUIVER_ASSIGN_OR_RETURN(std::optional<std::string> leader, cluster::ElectionLeader(store, name));
      if (!leader) return Status::Unavailable("no " + name + " leads yet");
      return *leader;
    };
  }
};

Status OpenRoleEnv(RoleEnv* env, bool with_coord_clients) {
  const Config& config = env->config;
  QUIVER_RETURN_IF_ERROR(RequireSharedStorage(config, env->role));
  QUIVER_RETURN_IF_ERROR(CheckStorageSettings(config));
  QUIVER_RETURN_IF_ERROR(RefuseChanged(config, {"server.data_dir"},
                                       " is not used by distributed roles: their data is in etcd, NATS and S3"));
  QUIVER_ASSIGN_OR_RETURN(int64_t status_port, config.GetInt("server.status_port"));
  QUIVER_ASSIGN_OR_RETURN(int64_t ttl, config.GetInt("session.ttlSeconds"));
  if (ttl < 1 || ttl > 600) return Status::InvalidArgument("session.ttlSeconds must be 1 to 600");
  env->ttl = std::chrono::seconds(ttl);
  QUIVER_ASSIGN_OR_RETURN(bool status_tls_on, config.GetBool("server.status_tls"));
  if (status_tls_on) return Status::NotSupported("server.status_tls is not supported yet for distributed roles");
  env->status_address = config.GetString("server.address");
  AddProcessMetrics(&env->metrics);
  env->status = std::make_unique<StatusServer>(&env->metrics);
  QUIVER_RETURN_IF_ERROR(env->status->Start(env->status_address, static_cast<int>(status_port)));
  env->status->SetReady(false, "starting");
  env->fs = NewPosixFileSystem();
  const std::string data_dir = config.GetString("server.data_dir");
  QUIVER_ASSIGN_OR_RETURN(env->meta, OpenMeta(config, data_dir));
  QUIVER_ASSIGN_OR_RETURN(env->wal, OpenWal(config, env->fs.get(), data_dir));
  QUIVER_ASSIGN_OR_RETURN(env->objects, OpenObjects(config, env->fs.get(), data_dir));
  storage::Wal* wal = env->wal.get();
  env->metrics.AddGaugeCallback("quiver_wal_bytes", "Bytes held by the write-ahead log", {},
                                [wal] { return static_cast<double>(wal->TotalBytes()); });
  if (with_coord_clients) {
    rpc::CoordClientOptions coord;
    coord.leader = env->LeaderOf("coord");
    env->coord = rpc::NewGrpcCoordClient(coord);
    rpc::AccessClientOptions access;
    access.coord = coord;
    env->access = rpc::NewGrpcAccessClient(access);
  }
  return Status::OK();
}

// The WAL consumers of a datanode or querynode on /metrics, and stuck ones on /healthz, as in
// standalone.
void WatchConsumers(RoleEnv* env, segment::ConsumerPool* consumers) {
  env->metrics.AddGaugeCallback("quiver_wal_consumers", "WAL channel consumers", {},
                                [consumers] { return static_cast<double>(consumers->consumers()); });
  env->metrics.AddGaugeCallback("quiver_wal_consumers_failing", "WAL channel consumers whose last step failed (retrying)",
                                {}, [consumers] { return static_cast<double>(consumers->GetStats().failing); });
  int64_t stall_seconds = env->config.GetInt("wal.stall_report_seconds").ValueOr(60);
  env->status->AddHealthCheck([consumers, stall_seconds]() -> Status {
    auto stats = consumers->GetStats();
    if (stats.failing > 0 && stats.longest_failure_s >= static_cast<double>(stall_seconds)) {
      return Status::Unavailable(std::to_string(stats.failing) + " WAL channel consumer(s) stuck, longest for " +
                                 std::to_string(static_cast<int64_t>(stats.longest_failure_s)) + " s: " + stats.first_failure);
    }
    return Status::OK();
  });
}

// A role whose lease expired may already have been replaced: it exits rather than act beside
// its successor (a supervisor restarts it as a new node).
std::function<void()> ExitOnLost(const char* what) {
  return [what] {
    QUIVER_LOG(ERROR) << "lease lost; exiting" << Kv("lease_of", what);
    std::fflush(nullptr);
    _exit(kExitLeaseLost);
  };
}

// internal.port, which a role that announces its address must have.
Result<int> InternalPort(RoleEnv* env) {
  QUIVER_ASSIGN_OR_RETURN(int64_t internal_port, env->config.GetInt("internal.port"));
  if (internal_port < 1 || internal_port > 65535) {
    return Status::InvalidArgument(std::string("internal.port must be 1 to 65535 for the ") + env->role +
                                   " (its address is announced)");
  }
  return static_cast<int>(internal_port);
}

// Serves `services` on internal.address:internal.port.
Result<std::unique_ptr<grpc::Server>> StartInternalServer(RoleEnv* env, int port,
                                                          const std::vector<grpc::Service*>& services) {
  QUIVER_ASSIGN_OR_RETURN(int64_t max_message, env->config.GetInt("server.max_message_bytes"));
  const std::string address = env->config.GetString("internal.address");
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(address + ":" + std::to_string(port), grpc::InsecureServerCredentials(), &bound_port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message));
  builder.SetMaxSendMessageSize(static_cast<int>(max_message));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return Status::Unavailable("cannot listen on the internal port " + address + ":" + std::to_string(port));
  }
  return server;
}

Result<std::unique_ptr<cluster::Session>> RegisterSession(RoleEnv* env, const std::string& address) {
  cluster::SessionInfo me;
  me.role = env->role;
  me.address = address;
  me.status_address = env->status_address + ":" + std::to_string(env->status->port());
  me.version = env->version;
  // Labels place query nodes in resource groups (node_filter); no other role has a use for them.
  if (std::string_view(env->role) == "querynode") {
    me.labels = cluster::ServerLabels(environ);
    for (const auto& [key, value] : me.labels) QUIVER_LOG(INFO) << "node label" << Kv("key", key) << Kv("value", value);
  }
  cluster::SessionOptions options;
  options.ttl = env->ttl;
  options.on_lost = ExitOnLost("session");
  return cluster::Session::Register(env->meta.get(), me, options);
}

// A role that leads or stands by: what it serves once elected.
struct Serving {
  std::vector<grpc::Service*> services;
  std::function<void()> stop;  // after the internal server stopped, before resigning
  std::string summary;         // for the startup line
};

// Registers the session, campaigns until elected (or a signal), calls `lead`, serves its
// services on internal.port until a signal, then stops in order and resigns.
Status RunElected(RoleEnv* env, const sigset_t* signals, const std::function<Result<Serving>(cluster::Election*)>& lead) {
  const Config& config = env->config;
  // An elected role announces its address before it serves: the port must be known.
  QUIVER_ASSIGN_OR_RETURN(int internal_port, InternalPort(env));
  std::atomic<bool> leading{false};
  env->metrics.AddGaugeCallback(std::string("quiver_") + env->role + "_leader",
                                std::string("1 while this ") + env->role + " is the active one, 0 as a standby", {},
                                [&leading] { return leading.load() ? 1.0 : 0.0; });

  const std::string advertised = AdvertisedAddress(config, internal_port);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<cluster::Session> session, RegisterSession(env, advertised));
  cluster::ElectionOptions election_options;
  election_options.ttl = env->ttl;
  election_options.on_lost = ExitOnLost("leadership");
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<cluster::Election> election,
                          cluster::Election::Join(env->meta.get(), env->role, advertised, election_options));
  const long long node_id = static_cast<long long>(session->info().node_id);

  int signal_number = 0;
  bool announced_standby = false;
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(bool won, election->Campaign(std::chrono::milliseconds(500)));
    if (won) break;
    if (!announced_standby) {
      Result<std::optional<std::string>> leader = election->Leader();
      std::string name = leader.ok() && leader->has_value() ? **leader : "?";
      env->status->SetReady(false, std::string("standby: the ") + env->role + " at " + name + " is active");
      std::printf("quiver %s %s standby | node %lld | leader %s | status http://%s:%d\n", env->version, env->role,
                  node_id, name.c_str(), env->status_address.c_str(), env->status->port());
      std::fflush(stdout);
      QUIVER_LOG(INFO) << "standby" << Kv("role", env->role) << Kv("leader", name) << Kv("node_id", node_id);
      announced_standby = true;
    }
    if (TakeSignal(signals, std::chrono::milliseconds(0), &signal_number)) {
      QUIVER_LOG(INFO) << "shutting down a standby" << Kv("role", env->role) << Kv("signal", signal_number);
      (void)election->Resign();
      (void)session->Close();
      env->status->Stop();
      return Status::OK();
    }
  }

  const auto elected_at = std::chrono::steady_clock::now();
  Result<Serving> serving = lead(election.get());
  if (!serving.ok()) {
    (void)election->Resign();
    (void)session->Close();
    return serving.status();
  }
  std::unique_ptr<grpc::Server> server;
  if (!serving->services.empty()) {
    Result<std::unique_ptr<grpc::Server>> started = StartInternalServer(env, internal_port, serving->services);
    if (!started.ok()) {
      if (serving->stop) serving->stop();
      (void)election->Resign();
      (void)session->Close();
      return started.status();
    }
    server = std::move(*started);
  }
  leading.store(true);
  env->status->SetReady(true);
  const double took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - elected_at).count();
  std::printf("quiver %s %s leading | node %lld | internal %s | status http://%s:%d%s%s\n", env->version, env->role,
              node_id, advertised.c_str(), env->status_address.c_str(), env->status->port(),
              serving->summary.empty() ? "" : " | ", serving->summary.c_str());
  std::fflush(stdout);
  QUIVER_LOG(INFO) << "leading" << Kv("role", env->role) << Kv("internal", advertised) << Kv("node_id", node_id)
                   << Kv("startup_ms", took_ms);

  sigwait(signals, &signal_number);
  QUIVER_LOG(INFO) << "shutting down" << Kv("role", env->role) << Kv("signal", signal_number);
  env->status->SetReady(false, "shutting down");
  if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (serving->stop) serving->stop();
  leading.store(false);
  // Resign after the last answer: a standby takes over at once instead of after the TTL.
  (void)election->Resign();
  (void)session->Close();
  env->status->Stop();
  QUIVER_LOG(INFO) << "stopped" << Kv("role", env->role);
  return Status::OK();
}

// Drains a node before it exits: announces it (quiver/drain/<id>, under the session's lease, so
// it goes with the node), then waits until the coordinator has moved the node's work elsewhere
// (`left` is 0), at most `budget`, or until a second signal or no other node of the role is up.
void Drain(RoleEnv* env, cluster::Session* session, const sigset_t* signals, std::chrono::seconds budget,
           const std::function<size_t()>& left, const char* work) {
  storage::MetaStore* meta = env->meta.get();
  const int64_t self = session->info().node_id;
  QUIVER_LOG(INFO) << "draining" << Kv(work, left()) << Kv("budget_s", budget.count());
  if (Status put = meta->Put(coord::DrainKey(self), "draining", session->lease()).status(); !put.ok()) {
    QUIVER_LOG(WARN) << "cannot announce the drain" << Kv("error", put.ToString());
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + budget;
  int again = 0;
  while (left() > 0 && std::chrono::steady_clock::now() < deadline) {
    if (TakeSignal(signals, std::chrono::milliseconds(100), &again)) return;  // a second signal: now
    auto others = coord::UndrainedSessions(meta, env->role);
    if (others.ok() && others->size() == (others->count(self) ? 1u : 0u)) {
      QUIVER_LOG(WARN) << "no other " << env->role << " can take the " << work << "; stopping without handing them over";
      return;
    }
  }
}

}  // namespace

Status RunCoord(const Config& config, const char* version, const sigset_t* signals) {
  RoleEnv env(config, "coord", version);
  QUIVER_RETURN_IF_ERROR(OpenRoleEnv(&env, false));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_collections, config.GetInt("coord.max_collections"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_capacity, config.GetInt("coord.max_general_capacity"));
  std::unique_ptr<storage::MetaStore> fenced;  // outlives everything that writes through it
  std::unique_ptr<coord::Coord> coord;
  std::unique_ptr<coord::ReplicaManager> replicas;
  std::unique_ptr<coord::ChannelManager> channels;
  std::unique_ptr<grpc::Service> coord_service, access_service;
  rpc::NodeClientOptions node_options;
  node_options.timeout = std::chrono::milliseconds(2000);
  rpc::QueryNodeClients querynodes(node_options);
  return RunElected(&env, signals, [&](cluster::Election* election) -> Result<Serving> {
    // Leading: load the catalog from etcd, serve it, and place the replicas of loaded collections
    // on the query nodes and the channels on the datanodes. Every write is fenced by this win: a
    // coordinator deposed while it writes (its lease expired) cannot write beside its successor.
    fenced = storage::NewFencedMetaStore(env.meta.get(), election->key(), election->revision());
    coord::CoordOptions options;
    options.max_collections = max_collections;
    options.max_general_capacity = max_capacity;
    options.replica_capacity = [&replicas]() -> Result<int32_t> { return replicas->Capacity(); };
    options.load_state_changed = [&replicas] { replicas->Kick(); };
    coord::ReplicaManagerOptions replica_options;
    replica_options.progress = [&querynodes](const std::string& address, int64_t collection_id, int64_t replica_id) {
      return querynodes.Get(address)->LoadingProgress(collection_id, replica_id);
    };
    replica_options.segments = [&coord](int64_t collection_id) -> Result<std::vector<coord::SegmentRows>> {
      QUIVER_ASSIGN_OR_RETURN(cluster::CollectionSegments segments, coord->GetSegments(collection_id));
      std::vector<coord::SegmentRows> out;
      for (const auto& s : segments.segments) out.push_back({s.id, s.rows});
      return out;
    };
    QUIVER_ASSIGN_OR_RETURN(coord, coord::Coord::Open(fenced.get(), env.wal.get(), env.objects.get(), options));
    replicas = std::make_unique<coord::ReplicaManager>(fenced.get(), coord.get(), replica_options);
    replicas->Start();
    channels = std::make_unique<coord::ChannelManager>(fenced.get(), coord.get(), coord::ChannelManagerOptions{});
    channels->Start();
    coord_service = rpc::NewCoordService(coord.get());
    access_service = rpc::NewAccessService(coord->access());
    return Serving{{coord_service.get(), access_service.get()}, [&replicas, &channels] {
      channels->Stop();
      replicas->Stop();
    }, ""};
  });
}

// Every datanode is active: it consumes the channels the coordinator places on it
// (coord/channels.h). SIGTERM flushes what it buffered within server.shutdown_flush_seconds, then
// drains it (its channels move to the other datanodes, which resume at the fresh checkpoint).
Status RunDataNode(const Config& config, const char* version, const sigset_t* signals) {
  RoleEnv env(config, "datanode", version);
  QUIVER_RETURN_IF_ERROR(OpenRoleEnv(&env, true));
  QUIVER_ASSIGN_OR_RETURN(int64_t seal_rows, config.GetInt("segment.seal_rows"));
  QUIVER_ASSIGN_OR_RETURN(int64_t seal_bytes, config.GetInt("segment.seal_bytes"));
  QUIVER_ASSIGN_OR_RETURN(int64_t seal_idle, config.GetInt("segment.seal_idle_seconds"));
  QUIVER_ASSIGN_OR_RETURN(int64_t consumer_threads, config.GetInt("wal.consumer_threads"));
  QUIVER_ASSIGN_OR_RETURN(int64_t shutdown_seconds, config.GetInt("server.shutdown_flush_seconds"));
  QUIVER_ASSIGN_OR_RETURN(int internal_port, InternalPort(&env));
  segment::ConsumerPoolOptions pool_options;
  pool_options.threads = static_cast<size_t>(std::max<int64_t>(1, consumer_threads));
  segment::ConsumerPool consumers(env.wal.get(), pool_options);
  WatchConsumers(&env, &consumers);
  // The session first: the channel placement names this node by its session id.
  const std::string advertised = AdvertisedAddress(config, internal_port);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<cluster::Session> session, RegisterSession(&env, advertised));
  const int64_t node_id = session->info().node_id;
  storage::MetaStore* meta = env.meta.get();
  datanode::DataNodeOptions options;
  options.seal_rows = static_cast<size_t>(seal_rows);
  options.seal_bytes = static_cast<size_t>(seal_bytes);
  options.seal_idle = std::chrono::seconds(seal_idle);
  options.reconcile_interval = std::chrono::milliseconds(250);  // a catalog and placement read over the network
  options.owned = [meta, node_id] { return coord::ChannelsOf(meta, node_id); };
  datanode::DataNode datanode(env.coord.get(), env.coord.get(), env.coord.get(), env.wal.get(), env.objects.get(),
                              &consumers, &env.metrics, options);
  QUIVER_RETURN_IF_ERROR(datanode.Start());
  env.metrics.AddGaugeCallback("quiver_datanode_channels", "WAL channels this datanode consumes", {},
                               [&datanode] { return static_cast<double>(datanode.Channels()); });
  std::unique_ptr<grpc::Service> service = rpc::NewDataNodeService(&datanode);
  Result<std::unique_ptr<grpc::Server>> server = StartInternalServer(&env, internal_port, {service.get()});
  if (!server.ok()) {
    datanode.Stop();
    (void)session->Close();
    return server.status();
  }
  env.status->SetReady(true);
  std::printf("quiver %s datanode | node %lld | internal %s | status http://%s:%d\n", version,
              static_cast<long long>(node_id), advertised.c_str(), env.status_address.c_str(), env.status->port());
  std::fflush(stdout);
  QUIVER_LOG(INFO) << "datanode ready" << Kv("internal", advertised) << Kv("node_id", node_id);

  int signal_number = 0;
  sigwait(signals, &signal_number);
  const auto drain_started = std::chrono::steady_clock::now();
  env.status->SetReady(false, "draining");
  // Flush what is buffered within the budget, so the channels' next consumers replay little.
  const auto deadline = drain_started + std::chrono::seconds(std::max<int64_t>(0, shutdown_seconds));
  if (auto all = env.coord->ListAllCollections(); all.ok()) {
    for (const auto& collection : *all) {
      auto buffered = datanode.BufferedRows(collection->id);
      if (buffered.ok() && buffered->empty()) continue;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      (void)datanode.Flush(collection->id, left);
    }
  }
  // Drain: the coordinator moves this node's channels to another datanode.
  if (datanode.Channels() > 0) {
    Drain(&env, session.get(), signals, std::chrono::seconds(10), [&datanode] { return datanode.Channels(); }, "channels");
  }
  const double drain_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - drain_started).count();
  QUIVER_LOG(INFO) << "shutting down" << Kv("role", "datanode") << Kv("signal", signal_number)
                   << Kv("channels_left", datanode.Channels()) << Kv("drain_ms", drain_ms);
  env.status->SetReady(false, "shutting down");
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  datanode.Stop();
  (void)session->Close();
  env.status->Stop();
  QUIVER_LOG(INFO) << "stopped" << Kv("role", "datanode");
  return Status::OK();
}

namespace {

// A query node's share of the placement (coord/replicas.h): for every replica that names it, it
// serves its share among the replica's nodes; it lets go of shares and collections no replica
// names any more. Loads started by the proxies themselves (the router) land here already loaded.
class ReplicaFollower {
 public:
  ReplicaFollower(storage::MetaStore* meta, cluster::CatalogReader* catalog, querynode::QueryNode* node, int64_t node_id)
      : meta_(meta), catalog_(catalog), node_(node), node_id_(node_id) {}
  ~ReplicaFollower() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        Status round = RunOnce();
        if (!round.ok() && round.ToString() != last_error_) {
          QUIVER_LOG(WARN) << "following the replica placement failed" << Kv("error", round.ToString());
        }
        last_error_ = round.ok() ? "" : round.ToString();
        for (int i = 0; i < 4 && !stop_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  // How many replicas name this node now.
  size_t assigned() const { return assigned_.load(); }

 private:
  Status RunOnce() {
    QUIVER_ASSIGN_OR_RETURN(auto all, coord::ListReplicas(meta_));
    std::map<int64_t, std::map<int64_t, cluster::ReplicaShare>> wanted;  // collection: replica: share
    size_t replicas = 0;
    for (const auto& [id, record] : all) {
      for (const auto& r : record.replicas) {
        if (!r.Has(node_id_)) continue;
        wanted[id][r.id] = r.Share();
        ++replicas;
      }
    }
    assigned_.store(replicas);
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [id, shares] : wanted) {
      held_.insert(id);
      const std::set<int64_t> have = node_->Shares(id);
      std::set<int64_t> keep;
      for (const auto& [replica_id, share] : shares) {
        keep.insert(replica_id);
        if (have.count(replica_id)) continue;
        if (auto it = failed_at_.find(id); it != failed_at_.end() && now - it->second < std::chrono::seconds(5)) continue;
        Result<cluster::CollectionPtr> collection = catalog_->DescribeCollectionById(id);
        if (!collection.ok() || !(*collection)->loaded()) continue;  // dropped or released meanwhile
        Status loaded = node_->LoadCollection(*collection, share);
        if (loaded.ok()) {
          failed_at_.erase(id);
        } else {
          failed_at_[id] = now;
        }
        if (stop_.load()) return Status::OK();
      }
      QUIVER_RETURN_IF_ERROR(node_->RetainShares(id, keep));
    }
    for (auto it = held_.begin(); it != held_.end();) {
      if (wanted.count(*it)) {
        ++it;
        continue;
      }
      node_->ReleaseCollection(*it).IgnoreError();  // OK whether or not it was loaded
      QUIVER_LOG(INFO) << "replica handed over" << Kv("collection_id", *it);
      it = held_.erase(it);
    }
    return Status::OK();
  }

  storage::MetaStore* const meta_;
  cluster::CatalogReader* const catalog_;
  querynode::QueryNode* const node_;
  const int64_t node_id_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> assigned_{0};
  std::set<int64_t> held_;
  std::map<int64_t, std::chrono::steady_clock::time_point> failed_at_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace

// Every query node is active: it serves the replicas the coordinator places on it. SIGTERM drains
// it (its replicas are loaded elsewhere first) within querynode.drainSeconds.
Status RunQueryNode(const Config& config, const char* version, const sigset_t* signals) {
  RoleEnv env(config, "querynode", version);
  QUIVER_RETURN_IF_ERROR(OpenRoleEnv(&env, true));
  QUIVER_ASSIGN_OR_RETURN(int64_t search_threads, config.GetInt("search.threads"));
  QUIVER_ASSIGN_OR_RETURN(int64_t queue_depth, config.GetInt("search.queue_depth"));
  QUIVER_ASSIGN_OR_RETURN(int64_t consumer_threads, config.GetInt("wal.consumer_threads"));
  QUIVER_ASSIGN_OR_RETURN(int64_t drain_seconds, config.GetInt("querynode.drainSeconds"));
  if (drain_seconds < 0 || drain_seconds > 3600) return Status::InvalidArgument("querynode.drainSeconds must be 0 to 3600");
  QUIVER_ASSIGN_OR_RETURN(int internal_port, InternalPort(&env));
  segment::ConsumerPoolOptions pool_options;
  pool_options.threads = static_cast<size_t>(std::max<int64_t>(1, consumer_threads));
  segment::ConsumerPool consumers(env.wal.get(), pool_options);
  WatchConsumers(&env, &consumers);
  ThreadPool search_pool("search", static_cast<size_t>(search_threads), static_cast<size_t>(queue_depth));
  querynode::QueryNode querynode(env.coord.get(), env.wal.get(), env.objects.get(), &search_pool, &consumers,
                                 &env.metrics);
  QUIVER_RETURN_IF_ERROR(querynode.Start());
  std::unique_ptr<grpc::Service> service = rpc::NewQueryNodeService(&querynode);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<grpc::Server> server, StartInternalServer(&env, internal_port, {service.get()}));
  const std::string advertised = AdvertisedAddress(config, internal_port);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<cluster::Session> session, RegisterSession(&env, advertised));
  const int64_t node_id = session->info().node_id;
  querynode.SetNodeId(node_id);
  ReplicaFollower follower(env.meta.get(), env.coord.get(), &querynode, node_id);
  follower.Start();
  env.metrics.AddGaugeCallback("quiver_querynode_replicas", "Replicas placed on this query node", {},
                               [&follower] { return static_cast<double>(follower.assigned()); });
  env.status->SetReady(true);
  std::printf("quiver %s querynode | node %lld | internal %s | status http://%s:%d\n", version,
              static_cast<long long>(node_id), advertised.c_str(), env.status_address.c_str(), env.status->port());
  std::fflush(stdout);
  QUIVER_LOG(INFO) << "querynode ready" << Kv("internal", advertised) << Kv("node_id", node_id);

  int signal_number = 0;
  sigwait(signals, &signal_number);
  // Drain: announce it (under the session's lease, so it goes with the node), wait until the
  // coordinator has loaded this node's replicas elsewhere and taken them off it, then stop.
  const auto drain_started = std::chrono::steady_clock::now();
  if (drain_seconds > 0 && follower.assigned() > 0) {
    env.status->SetReady(false, "draining");
    Drain(&env, session.get(), signals, std::chrono::seconds(drain_seconds), [&follower] { return follower.assigned(); },
          "replicas");
  }
  const double drain_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - drain_started).count();
  QUIVER_LOG(INFO) << "shutting down" << Kv("role", "querynode") << Kv("signal", signal_number)
                   << Kv("replicas_left", follower.assigned()) << Kv("drain_ms", drain_ms);
  env.status->SetReady(false, "shutting down");
  follower.Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  querynode.Stop();
  search_pool.Stop();
  (void)session->Close();
  env.status->Stop();
  QUIVER_LOG(INFO) << "stopped" << Kv("role", "querynode");
  return Status::OK();
}

Status RunIndexNode(const Config& config, const char* version, const sigset_t* signals) {
  RoleEnv env(config, "indexnode", version);
  QUIVER_RETURN_IF_ERROR(OpenRoleEnv(&env, true));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_builds, config.GetInt("indexnode.max_concurrent_builds"));
  QUIVER_ASSIGN_OR_RETURN(int64_t build_threads, config.GetInt("indexnode.build_threads"));
  std::unique_ptr<indexnode::IndexNode> indexnode;
  return RunElected(&env, signals, [&](cluster::Election*) -> Result<Serving> {
    indexnode::IndexNodeOptions options;
    options.max_concurrent_builds = static_cast<size_t>(std::max<int64_t>(1, max_builds));
    options.build_threads = static_cast<size_t>(std::max<int64_t>(0, build_threads));
    indexnode = std::make_unique<indexnode::IndexNode>(env.coord.get(), env.coord.get(), env.objects.get(),
                                                       &env.metrics, options);
    QUIVER_RETURN_IF_ERROR(indexnode->Start());
    return Serving{{}, [&] { indexnode->Stop(); }, ""};
  });
}

Status RunProxy(const Config& config, const char* version, const sigset_t* signals) {
  RoleEnv env(config, "proxy", version);
  QUIVER_RETURN_IF_ERROR(RefuseChanged(config, {"internal.address", "internal.port", "internal.advertiseAddress"},
                                       " is not used by the proxy: it serves the Milvus API (server.*) only"));
  QUIVER_RETURN_IF_ERROR(OpenRoleEnv(&env, true));
  rpc::DataNodeRouterOptions data_options;
  data_options.meta = env.meta.get();
  auto datanode = rpc::NewDataNodeRouter(data_options);
  rpc::ReplicaRouterOptions query_options;
  query_options.meta = env.meta.get();
  auto querynode = rpc::NewReplicaRouter(query_options);
  // Resource groups: configuration in etcd; the coordinator assigns the nodes and places replicas.
  storage::MetaStore* meta = env.meta.get();
  coord::ResourceGroupManager resource_groups(meta, {[meta] { return coord::LiveQueryNodes(meta); }});
  QUIVER_ASSIGN_OR_RETURN(proxy::ProxyOptions proxy_options, ProxyOptionsFrom(config));
  proxy_options.resource_groups = &resource_groups;
  proxy::Proxy proxy(env.coord.get(), datanode.get(), querynode.get(), env.wal.get(), &env.metrics, proxy_options);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<MilvusFront> front,
                          MilvusFront::Start(config, &proxy, env.access.get(), &env.metrics, version,
                                             config.GetString("server.data_dir")));
  cluster::SessionInfo me;
  me.role = "proxy";
  me.address = config.GetString("server.address") + ":" + std::to_string(front->port());
  me.status_address = env.status_address + ":" + std::to_string(env.status->port());
  me.version = version;
  cluster::SessionOptions session_options;
  session_options.ttl = env.ttl;
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<cluster::Session> session,
                          cluster::Session::Register(env.meta.get(), me, session_options));
  front->SetReady(true);
  env.status->SetReady(true);
  std::printf("quiver %s proxy | node %lld | Milvus API %s:%d | status http://%s:%d\n", version,
              static_cast<long long>(session->info().node_id), config.GetString("server.address").c_str(),
              front->port(), env.status_address.c_str(), env.status->port());
  std::fflush(stdout);
  QUIVER_LOG(INFO) << "proxy ready" << Kv("port", front->port()) << Kv("node_id", session->info().node_id);
  int signal_number = 0;
  sigwait(signals, &signal_number);
  QUIVER_LOG(INFO) << "shutting down" << Kv("role", "proxy") << Kv("signal", signal_number);
  env.status->SetReady(false, "shutting down");
  front->SetReady(false);
  proxy.BeginShutdown();
  front->Stop();
  (void)session->Close();
  env.status->Stop();
  QUIVER_LOG(INFO) << "stopped" << Kv("role", "proxy");
  return Status::OK();
}

}  // namespace quiver::app
