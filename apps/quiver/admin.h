#pragma once

// Operator commands that run against a deployment and exit (no server): `quiver meta snapshot`.

#include <string>

#include "common/config.h"
#include "common/status.h"

namespace quiver::app {

// Writes a snapshot of the etcd holding the metadata (etcd.*) to `path`, with a progress bar on
// stderr when it is a terminal and percentage lines otherwise. Restore it with
// `etcdctl snapshot restore`. Refused for standalone (RocksDB) metadata.
Status RunMetaSnapshot(const Config& config, const std::string& path);

}  // namespace quiver::app
