#include "standalone.h"

#include "milvus_front.h"
#include "storage_setup.h"

#include <grpcpp/grpcpp.h>

#include <unistd.h>

#include <cstdio>

#include "cluster/session.h"
#include "common/file_system.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_server.h"
#include "common/thread_pool.h"
#include "coord/coord.h"
#include "coord/resource_groups.h"
#include "datanode/datanode.h"
#include "indexnode/indexnode.h"
#include "rpc/milvus/grpc_service.h"
#include "proxy/proxy.h"
#include "rpc/front_door.h"
#include "rpc/rest/rest_service.h"
#include "querynode/querynode.h"
#include "segment/channel_consumer.h"
#include "storage/meta/meta_store.h"
#include "storage/object_store/object_store.h"
#include "storage/wal/wal.h"

namespace quiver::app {

Status RunStandalone(const Config& config, const char* version, const sigset_t* signals) {
  std::string data_dir = config.GetString("server.data_dir");
  std::string address = config.GetString("server.address");
  QUIVER_ASSIGN_OR_RETURN(int64_t status_port, config.GetInt("server.status_port"));
  QUIVER_ASSIGN_OR_RETURN(int64_t seal_rows, config.GetInt("segment.seal_rows"));
  QUIVER_ASSIGN_OR_RETURN(int64_t seal_bytes, config.GetInt("segment.seal_bytes"));
  QUIVER_ASSIGN_OR_RETURN(int64_t seal_idle, config.GetInt("segment.seal_idle_seconds"));
  QUIVER_ASSIGN_OR_RETURN(int64_t search_threads, config.GetInt("search.threads"));
  QUIVER_ASSIGN_OR_RETURN(int64_t queue_depth, config.GetInt("search.queue_depth"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_builds, config.GetInt("indexnode.max_concurrent_builds"));
  QUIVER_ASSIGN_OR_RETURN(int64_t build_threads, config.GetInt("indexnode.build_threads"));
  QUIVER_ASSIGN_OR_RETURN(int64_t consumer_threads, config.GetInt("wal.consumer_threads"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_collections, config.GetInt("coord.max_collections"));
  QUIVER_ASSIGN_OR_RETURN(int64_t max_capacity, config.GetInt("coord.max_general_capacity"));
  QUIVER_ASSIGN_OR_RETURN(int64_t shutdown_seconds, config.GetInt("server.shutdown_flush_seconds"));
  QUIVER_ASSIGN_OR_RETURN(int64_t stall_seconds, config.GetInt("wal.stall_report_seconds"));
  QUIVER_RETURN_IF_ERROR(CheckStorageSettings(config));
  rpc::TlsOptions tls;
  QUIVER_ASSIGN_OR_RETURN(int64_t tls_mode, config.GetInt("common.security.tlsMode"));
  tls.mode = static_cast<int>(tls_mode);
  tls.server_pem_path = config.GetString("tls.serverPemPath");
  tls.server_key_path = config.GetString("tls.serverKeyPath");
  tls.ca_pem_path = config.GetString("tls.caPemPath");

  QUIVER_ASSIGN_OR_RETURN(bool status_tls_on, config.GetBool("server.status_tls"));
  StatusServerTls status_tls{tls.server_pem_path, tls.server_key_path, tls.mode == 2 ? tls.ca_pem_path : ""};
  if (status_tls_on && (tls.server_pem_path.empty() || tls.server_key_path.empty())) {
    return Status::InvalidArgument("server.status_tls needs tls.serverPemPath and tls.serverKeyPath");
  }
  MetricsRegistry metrics;
  StatusServer status(&metrics, status_tls_on ? &status_tls : nullptr);
  QUIVER_RETURN_IF_ERROR(status.Start(address, static_cast<int>(status_port)));
  status.SetReady(false, "recovering");

  // Storage.
  auto fs = NewPosixFileSystem();
  QUIVER_RETURN_IF_ERROR(fs->CreateDirs(data_dir));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<storage::MetaStore> meta, OpenMeta(config, data_dir));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<storage::Wal> wal, OpenWal(config, fs.get(), data_dir));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> objects, OpenObjects(config, fs.get(), data_dir));
  storage::Wal* wal_ptr = wal.get();
  metrics.AddGaugeCallback("quiver_wal_bytes", "Bytes held by the write-ahead log", {},
                           [wal_ptr] { return static_cast<double>(wal_ptr->TotalBytes()); });
  metrics.AddGaugeCallback("quiver_wal_corruption_events", "Corrupt spans found by WAL recovery (refused or skipped)", {},
                           [wal_ptr] { return static_cast<double>(wal_ptr->CorruptionEvents()); });
  metrics.AddGaugeCallback("quiver_wal_failed_channels", "WAL channels refused as corrupt (unusable until dropped)", {},
                           [wal_ptr] { return static_cast<double>(wal_ptr->FailedChannels().size()); });
  for (const auto& [channel, error] : wal->FailedChannels()) {
    QUIVER_LOG(ERROR) << "WAL channel refused as corrupt" << Kv("channel", channel) << Kv("error", error.ToString());
  }

  // Roles, wired through their client interfaces.
  coord::CoordOptions coord_options;
  coord_options.max_collections = max_collections;
  coord_options.max_general_capacity = max_capacity;
  QUIVER_ASSIGN_OR_RETURN(auto coord, coord::Coord::Open(meta.get(), wal.get(), objects.get(), coord_options));
  datanode::DataNodeOptions datanode_options;
  datanode_options.seal_rows = static_cast<size_t>(seal_rows);
  datanode_options.seal_bytes = static_cast<size_t>(seal_bytes);
  datanode_options.seal_idle = std::chrono::seconds(seal_idle);
  segment::ConsumerPoolOptions consumer_options;
  consumer_options.threads = static_cast<size_t>(std::max<int64_t>(1, consumer_threads));
  segment::ConsumerPool consumers(wal.get(), consumer_options);
  metrics.AddGaugeCallback("quiver_wal_consumers", "WAL channel consumers (datanode and querynode)", {},
                           [&consumers] { return static_cast<double>(consumers.consumers()); });
  metrics.AddGaugeCallback("quiver_wal_consumers_failing", "WAL channel consumers whose last step failed (retrying)", {},
                           [&consumers] { return static_cast<double>(consumers.GetStats().failing); });
  AddProcessMetrics(&metrics);
  status.AddHealthCheck([&consumers, stall_seconds]() -> Status {
    auto stats = consumers.GetStats();
    if (stats.failing > 0 && stats.longest_failure_s >= static_cast<double>(stall_seconds)) {
      return Status::Unavailable(std::to_string(stats.failing) + " WAL channel consumer(s) stuck, longest for " +
                                 std::to_string(static_cast<int64_t>(stats.longest_failure_s)) + " s: " + stats.first_failure);
    }
    return Status::OK();
  });
  datanode::DataNode datanode(coord.get(), coord.get(), coord.get(), wal.get(), objects.get(), &consumers, &metrics, datanode_options);
  QUIVER_RETURN_IF_ERROR(datanode.Start());
  ThreadPool search_pool("search", static_cast<size_t>(search_threads), static_cast<size_t>(queue_depth));
  querynode::QueryNode querynode(coord.get(), wal.get(), objects.get(), &search_pool, &consumers, &metrics);
  QUIVER_RETURN_IF_ERROR(querynode.Start());
  indexnode::IndexNodeOptions indexnode_options;
  indexnode_options.max_concurrent_builds = static_cast<size_t>(std::max<int64_t>(1, max_builds));
  indexnode_options.build_threads = static_cast<size_t>(std::max<int64_t>(0, build_threads));
  indexnode::IndexNode indexnode(coord.get(), coord.get(), objects.get(), &metrics, indexnode_options);
  QUIVER_RETURN_IF_ERROR(indexnode.Start());
  // Resource groups over the one query node this process has (labelled as a query node would be).
  const std::map<std::string, std::string> labels = cluster::ServerLabels(environ);
  coord::ResourceGroupManager resource_groups(meta.get(), {[labels]() -> Result<std::vector<cluster::GroupNode>> {
                                                return std::vector<cluster::GroupNode>{{1, "localhost", labels}};
                                              }});
  QUIVER_ASSIGN_OR_RETURN(proxy::ProxyOptions proxy_options, ProxyOptionsFrom(config));
  proxy_options.resource_groups = &resource_groups;
  proxy::Proxy proxy(coord.get(), &datanode, &querynode, wal.get(), &metrics, proxy_options);

  // Reload what was loaded before the restart.
  QUIVER_ASSIGN_OR_RETURN(auto collections, coord->ListAllCollections());
  size_t reloaded = 0;
  size_t load_failures = 0;
  for (const auto& collection : collections) {
    if (!collection->loaded()) continue;
    // One collection with damaged data must not keep the others from serving: it stays not
    // loaded with its error (GetLoadState, searches, the log) until LoadCollection succeeds.
    Status st = querynode.LoadCollection(collection, {});
    if (!st.ok()) {
      ++load_failures;
      continue;
    }
    ++reloaded;
  }
  metrics.AddGaugeCallback("quiver_segments", "Segments by state", {{"state", "growing"}},
                           [&datanode] { return static_cast<double>(datanode.GrowingSegments()); });
  metrics.AddGaugeCallback("quiver_segments", "Segments by state", {{"state", "flushed"}}, [c = coord.get()] {
    double total = 0;
    if (auto all = c->ListAllCollections(); all.ok()) {
      for (const auto& collection : *all) {
        if (auto segments = c->GetSegments(collection->id); segments.ok()) total += static_cast<double>(segments->segments.size());
      }
    }
    return total;
  });
  metrics.AddGaugeCallback("quiver_collections", "Collections in the catalog", {}, [c = coord.get()] {
    auto all = c->ListAllCollections();
    return all.ok() ? static_cast<double>(all->size()) : 0.0;
  });

  // The Milvus API.
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<MilvusFront> front,
                          MilvusFront::Start(config, &proxy, coord->access(), &metrics, version, data_dir));
  int selected_port = front->port();
  front->SetReady(true);
  status.SetReady(true);
  std::printf("quiver %s standalone | Milvus API %s:%d | status http://%s:%d | data %s | %zu loaded collections restored\n",
              version, address.c_str(), selected_port, address.c_str(), status.port(), data_dir.c_str(), reloaded);
  std::fflush(stdout);
  QUIVER_LOG(INFO) << "quiver standalone ready" << Kv("port", selected_port) << Kv("status_port", status.port())
                   << Kv("data_dir", data_dir) << Kv("reloaded_collections", reloaded)
                   << Kv("collections_failed_to_load", load_failures);

  int signal_number = 0;
  sigwait(signals, &signal_number);
  QUIVER_LOG(INFO) << "shutting down" << Kv("signal", signal_number);
  status.SetReady(false, "shutting down");
  front->SetReady(false);
  proxy.BeginShutdown();  // requests waiting for consistency or a flush return now
  front->Stop();
  // Flush what is buffered so the next start replays little, within one budget for all
  // collections: what is not flushed in time is replayed from the WAL at the next start.
  auto flush_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::max<int64_t>(0, shutdown_seconds));
  if (auto all = coord->ListAllCollections(); all.ok()) {
    for (const auto& collection : *all) {
      auto buffered = datanode.BufferedRows(collection->id);
      size_t rows = 0;
      if (buffered.ok()) {
        for (const auto& [partition, n] : *buffered) rows += n;
      }
      if (buffered.ok() && rows == 0) continue;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(flush_deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        QUIVER_LOG(WARN) << "shutdown budget spent; the rest is replayed from the WAL at the next start"
                         << Kv("collection", collection->name);
        break;
      }
      auto flushed = datanode.Flush(collection->id, left);
      if (!flushed.ok()) {
        QUIVER_LOG(WARN) << "flush at shutdown failed" << Kv("collection", collection->name)
                         << Kv("error", flushed.status().ToString());
      }
    }
  }
  indexnode.Stop();
  querynode.Stop();
  datanode.Stop();
  search_pool.Stop();
  status.Stop();
  QUIVER_LOG(INFO) << "stopped";
  return Status::OK();
}

}  // namespace quiver::app
