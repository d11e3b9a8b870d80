#pragma once

// JetStreamWal: the write-ahead log on a NATS JetStream cluster (distributed mode, issue 10),
// through the official NATS C client (Debian's libnats). One stream per WAL channel, named
// `<prefix>_wal_<channel>` and bound to the subject `<prefix>.wal.<channel>` ('.' in a channel
// name becomes '='), file storage, `replicas` copies.
//
// Durability: Append returns once JetStream has acknowledged every message, which in a replicated
// stream means a quorum stored it. A publish that gets no answer (no stream leader during an
// election, a server gone, a lost ack) is retried with the same Nats-Msg-Id until
// `append_timeout`; JetStream stores a retried message once (its dedup window is
// `duplicate_window`), so writes block through a leader change and succeed, and are never
// duplicated.
//
// Lsns are stream sequences: increasing, starting at 1, but not always consecutive. A record
// larger than the server's max_payload is split into chunks, one message each, and takes the Lsn
// of its last chunk; records appended concurrently (in this process or by other writers of the
// channel) interleave, so the records of one Append are in order but may not be adjacent. Readers
// only rely on order: ChannelConsumer continues from the Lsn it consumed + 1.
//
// Other processes see appends: each append is announced on `<prefix>.walnote.<channel>` (core
// NATS, best effort), which wakes WaitFor and the append listeners of every JetStreamWal on the
// cluster; WaitFor also polls, so a lost announcement delays, never blocks, a reader.
//
// Read follows a channel with an ephemeral pull consumer (ack none, in memory) that is kept
// between calls while the caller continues where it stopped, and recreated otherwise. Thread-safe.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "storage/wal/wal.h"

namespace quiver::storage {

struct JetStreamWalOptions {
  std::vector<std::string> servers;      // nats://host:port (or host:port), tried in turn
  std::string stream_prefix = "quiver";  // letters, digits and '-': deployments sharing a cluster differ
  int replicas = 1;                      // copies of each stream (3 on a 3-node cluster)
  std::string user;                      // user/password authentication (empty: none)
  std::string password;
  std::string token;                     // token authentication (empty: none)
  bool tls = false;
  std::string ca_file;                   // TLS: PEM roots (empty: the system's)
  // One JetStream API call or publish attempt.
  std::chrono::milliseconds request_timeout{2000};
  // How long an append (or a metadata call) keeps retrying while JetStream does not answer.
  std::chrono::milliseconds append_timeout{30000};
  // JetStream's dedup window for the streams; must exceed append_timeout.
  std::chrono::seconds duplicate_window{120};
  // Largest chunk of a record per message; 0: the server's max_payload less 4 KiB for headers.
  size_t max_chunk_bytes = 0;
};

// Connects, checks JetStream answers (waiting up to append_timeout for a cluster to elect its
// meta leader), and subscribes to the append announcements. Unavailable when no server answers.
Result<std::unique_ptr<Wal>> OpenJetStreamWal(JetStreamWalOptions options);

// The stream and subject names of `channel` under `prefix` (exposed for tests and tools).
std::string JetStreamStreamName(const std::string& prefix, const std::string& channel);
std::string JetStreamSubject(const std::string& prefix, const std::string& channel);

}  // namespace quiver::storage
