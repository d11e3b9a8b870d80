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

}  // namespace quiver::app
