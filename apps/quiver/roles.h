#pragma once

// The distributed roles, one per process (issue 10): `quiver run coord|...`. Each shares etcd,
// NATS JetStream and S3 with the others, registers a session, serves /healthz and /metrics on
// its status port, and stops cleanly on SIGTERM (docs/design/sessions.md).

#include <signal.h>

#include "common/config.h"
#include "common/status.h"

namespace quiver::app {

// The coordinator: campaigns for leadership (one active, the others standby), then serves the
// catalog, allocation, segment registry and access control on its internal port until a signal
// in `signals` arrives. A leader whose lease expires exits at once (exit code 3) rather than
// risk acting beside its successor.
Status RunCoord(const Config& config, const char* version, const sigset_t* signals);

// The datanode, querynode and indexnode: one active per role (elected like the coordinator; the
// others stand by and take over), talking to the coordinator that leads. The datanode and
// querynode serve their contracts on internal.port; a querynode that becomes active loads what
// the catalog marks loaded. Channel and segment placement over several active nodes is not
// built yet.
Status RunDataNode(const Config& config, const char* version, const sigset_t* signals);
Status RunQueryNode(const Config& config, const char* version, const sigset_t* signals);
Status RunIndexNode(const Config& config, const char* version, const sigset_t* signals);

// The proxy: the Milvus API (server.port) in front of the active coordinator, datanode and
// querynode, each found through its election and followed when it moves. Any number may run.
Status RunProxy(const Config& config, const char* version, const sigset_t* signals);

}  // namespace quiver::app
