#include "admin.h"

#include <unistd.h>

#include <cstdio>

#include "storage_setup.h"

namespace quiver::app {

namespace {

// "[#######             ]  35%  1.2 / 3.4 MiB" on a terminal (redrawn in place); elsewhere a
// line per 10 percent, so that a log shows progress without a line per chunk.
class ProgressBar {
 public:
  explicit ProgressBar(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) == 1) {}

  void Update(uint64_t done, uint64_t total) {
    int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    if (tty_) {
      constexpr int kWidth = 30;
      int filled = percent * kWidth / 100;
      std::fprintf(out_, "\r[%s%s] %3d%%  %.1f / %.1f MiB", std::string(filled, '#').c_str(),
                   std::string(kWidth - filled, ' ').c_str(), percent, Mib(done), Mib(total));
    } else if (percent / 10 > last_decile_) {
      last_decile_ = percent / 10;
      std::fprintf(out_, "etcd snapshot %d%% (%.1f / %.1f MiB)\n", percent, Mib(done), Mib(total));
    }
    std::fflush(out_);
  }
  void Done() {
    if (tty_) std::fprintf(out_, "\n");
  }

 private:
  static double Mib(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }
  std::FILE* out_;
  bool tty_;
  int last_decile_ = -1;
};

}  // namespace

Status RunMetaSnapshot(const Config& config, const std::string& path) {
  if (config.GetString("etcd.endpoints").empty()) {
    return Status::NotSupported(
        "quiver meta snapshot needs etcd (etcd.endpoints); standalone metadata is RocksDB in the data directory: "
        "copy the directory while the server is stopped");
  }
  QUIVER_ASSIGN_OR_RETURN(rpc::etcd::EtcdOptions options, EtcdOptionsFrom(config));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<rpc::etcd::EtcdMetaStore> store, rpc::etcd::OpenEtcdMetaStore(options));
  std::unique_ptr<FileSystem> fs = NewPosixFileSystem();
  ProgressBar bar(stderr);
  auto info = store->Snapshot(fs.get(), path, [&](uint64_t done, uint64_t total) { bar.Update(done, total); });
  bar.Done();
  if (!info.ok()) return info.status();
  std::printf("etcd snapshot of %s: %llu bytes in %s (restore with `etcdctl snapshot restore %s`)\n",
              info->endpoint.c_str(), static_cast<unsigned long long>(info->bytes), path.c_str(), path.c_str());
  return Status::OK();
}

}  // namespace quiver::app
