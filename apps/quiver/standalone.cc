#include "standalone.h"

#include <cstdio>

#include "common/file_system.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_server.h"
#include "storage/meta/meta_store.h"
#include "storage/object_store/object_store.h"
#include "storage/wal/wal.h"

namespace quiver::app {

Status RunStandalone(const Config& config, const char* version, const sigset_t* signals) {
  std::string data_dir = config.GetString("server.data_dir");
  QUIVER_ASSIGN_OR_RETURN(int64_t status_port, config.GetInt("server.status_port"));
  QUIVER_ASSIGN_OR_RETURN(int64_t segment_bytes, config.GetInt("wal.segment_bytes"));
  QUIVER_ASSIGN_OR_RETURN(bool wal_sync, config.GetBool("wal.sync"));

  MetricsRegistry metrics;
  StatusServer status(&metrics);
  QUIVER_RETURN_IF_ERROR(status.Start(config.GetString("server.address"), static_cast<int>(status_port)));
  status.SetReady(false, "recovering");

  auto fs = NewPosixFileSystem();
  QUIVER_RETURN_IF_ERROR(fs->CreateDirs(data_dir));
  storage::LocalMetaStoreOptions meta_options;
  meta_options.path = JoinPath(data_dir, "meta");
  QUIVER_ASSIGN_OR_RETURN(auto meta, storage::OpenLocalMetaStore(meta_options));
  storage::WalOptions wal_options;
  wal_options.segment_bytes = static_cast<uint64_t>(segment_bytes);
  wal_options.sync = wal_sync;
  QUIVER_ASSIGN_OR_RETURN(auto wal, storage::OpenFileWal(fs.get(), JoinPath(data_dir, "wal"), wal_options));
  auto objects = storage::NewLocalObjectStore(fs.get(), JoinPath(data_dir, "objects"));
  storage::Wal* wal_ptr = wal.get();
  metrics.AddGaugeCallback("quiver_wal_bytes", "Bytes held by the write-ahead log", {},
                           [wal_ptr] { return static_cast<double>(wal_ptr->TotalBytes()); });

  status.SetReady(true);
  std::printf("quiver %s standalone | status http://%s:%d | data %s | Milvus API: not served yet "
              "(storage engine only)\n",
              version, config.GetString("server.address").c_str(), status.port(), data_dir.c_str());
  std::fflush(stdout);
  QUIVER_LOG(INFO) << "quiver standalone ready" << Kv("data_dir", data_dir) << Kv("status_port", status.port());

  int signal_number = 0;
  sigwait(signals, &signal_number);
  QUIVER_LOG(INFO) << "shutting down" << Kv("signal", signal_number);
  status.SetReady(false, "shutting down");
  status.Stop();
  return Status::OK();
}

}  // namespace quiver::app
