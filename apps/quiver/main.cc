// quiver: the single binary.
//   quiver run standalone [--config FILE] [--data-dir DIR] [--port N] [--status-port N]
//   quiver run coord|datanode|querynode|indexnode --config FILE [--status-port N] [--internal-port N]
//   quiver run proxy --config FILE [--port N] [--status-port N]
//   quiver meta snapshot --config FILE OUT   (an etcd snapshot of the metadata)
//   quiver version
// main() is the only place where components are constructed and wired together (STYLE.md §3.3).

#include <CLI/CLI.hpp>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include "common/config.h"
#include "common/log.h"
#include "admin.h"
#include "roles.h"
#include "standalone.h"

extern char** environ;

namespace {

constexpr const char* kVersion = "0.1.0";

pthread_t main_thread;

// Threads that libraries start before main() (OpenBLAS starts its pool when it is loaded) do not
// have SIGINT/SIGTERM blocked, and the kernel may deliver a process-wide signal to one of them;
// with the default action that would kill the process in the middle of whatever main() does
// (a standby taking over, a drain). The handler hands the signal to the main thread, which has
// it blocked and takes it with sigwait. pthread_kill is async-signal-safe.
void ForwardToMain(int signal_number) {
  if (!pthread_equal(pthread_self(), main_thread)) pthread_kill(main_thread, signal_number);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Quiver: a vector database that speaks the Milvus 2.x protocol"};
  app.require_subcommand(1);
  std::string config_path, data_dir, log_level;
  int port = -1, status_port = -1, internal_port = -1;

  CLI::App* run = app.add_subcommand("run", "Run Quiver");
  run->require_subcommand(1);
  CLI::App* standalone = run->add_subcommand("standalone", "Every role in one process, embedded storage");
  standalone->add_option("--config", config_path, "YAML configuration file (see deploy/quiver.yaml)");
  standalone->add_option("--data-dir", data_dir, "Data directory (server.data_dir)");
  standalone->add_option("--port", port, "Milvus API port (server.port)");
  standalone->add_option("--status-port", status_port, "Status server port: /healthz, /metrics (server.status_port)");
  standalone->add_option("--log-level", log_level, "debug, info, warn or error (log.level)");
  // The distributed roles (etcd, NATS JetStream, S3): one active coordinator, datanode, querynode
  // and indexnode each (the others stand by), and any number of proxies.
  using RunFn = quiver::Status (*)(const quiver::Config&, const char*, const sigset_t*);
  struct RoleCommand {
    const char* name;
    const char* help;
    RunFn run;
    CLI::App* app = nullptr;
  };
  RoleCommand roles[] = {
      {"coord", "The coordinator (one leads, others stand by)", quiver::app::RunCoord},
      {"datanode", "The datanode: consumes the WAL, seals and flushes segments", quiver::app::RunDataNode},
      {"querynode", "The querynode: loads segments, follows the WAL, searches", quiver::app::RunQueryNode},
      {"indexnode", "The indexnode: builds indexes of flushed segments", quiver::app::RunIndexNode},
      {"proxy", "The proxy: the Milvus API in front of the other roles", quiver::app::RunProxy},
  };
  for (RoleCommand& r : roles) {
    r.app = run->add_subcommand(r.name, std::string(r.help) + " — distributed on etcd, NATS JetStream and S3");
    r.app->add_option("--config", config_path, "YAML configuration file (see deploy/quiver.yaml)");
    r.app->add_option("--status-port", status_port, "Status server port: /healthz, /metrics (server.status_port)");
    r.app->add_option("--log-level", log_level, "debug, info, warn or error (log.level)");
    if (std::string(r.name) == "proxy") {
      r.app->add_option("--port", port, "Milvus API port (server.port)");
    } else {
      r.app->add_option("--internal-port", internal_port, "Role-to-role gRPC port (internal.port)");
    }
  }
  CLI::App* meta = app.add_subcommand("meta", "Operate on the metadata store");
  meta->require_subcommand(1);
  CLI::App* snapshot = meta->add_subcommand("snapshot", "Write a snapshot of the etcd holding the metadata (etcdctl snapshot restore reads it)");
  std::string snapshot_path;
  snapshot->add_option("--config", config_path, "YAML configuration file (see deploy/quiver.yaml): etcd.*");
  snapshot->add_option("out", snapshot_path, "File to write (whole or absent: written beside it, then renamed)")->required();
  CLI::App* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::printf("quiver %s\n", kVersion);
    return 0;
  }

  auto config = quiver::Config::Load(config_path, environ);
  if (!config.ok()) {
    std::fprintf(stderr, "quiver: %s\n", config.status().ToString().c_str());
    return 2;
  }
  auto set = [&](const char* key, const std::string& value) {
    if (!value.empty()) config->Set(key, value).IgnoreError();
  };
  set("server.data_dir", data_dir);
  if (port >= 0) set("server.port", std::to_string(port));
  if (status_port >= 0) set("server.status_port", std::to_string(status_port));
  if (internal_port >= 0) set("internal.port", std::to_string(internal_port));
  set("log.level", log_level);

  quiver::log::Level level;
  if (!quiver::log::ParseLevel(config->GetString("log.level"), &level)) {
    std::fprintf(stderr, "quiver: bad log.level %s\n", config->GetString("log.level").c_str());
    return 2;
  }
  quiver::log::SetLevel(level);

  if (snapshot->parsed()) {
    quiver::Status st = quiver::app::RunMetaSnapshot(*config, snapshot_path);
    if (!st.ok()) {
      std::fprintf(stderr, "quiver: %s\n", st.ToString().c_str());
      return 1;
    }
    return 0;
  }

  // SIGINT/SIGTERM are taken synchronously by the main thread (sigwait), so every other thread
  // must start with them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  main_thread = pthread_self();
  struct sigaction forward {};
  forward.sa_handler = ForwardToMain;
  sigemptyset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  sigaction(SIGINT, &forward, nullptr);
  sigaction(SIGTERM, &forward, nullptr);
  signal(SIGPIPE, SIG_IGN);

  RunFn chosen = quiver::app::RunStandalone;
  for (const RoleCommand& r : roles) {
    if (r.app->parsed()) chosen = r.run;
  }
  quiver::Status st = chosen(*config, kVersion, &signals);
  if (!st.ok()) {
    QUIVER_LOG(ERROR) << "quiver stopped with an error" << quiver::Kv("error", st.ToString());
    return 1;
  }
  return 0;
}
