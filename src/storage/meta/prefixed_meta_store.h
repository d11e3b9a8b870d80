#pragma once

// A MetaStore seen under a root prefix of another (Milvus's etcd.rootPath): every key the caller
// names is stored as `root + key`, and keys come back without the root, so several deployments
// share one etcd cluster without seeing each other's keys. Revisions and leases are the
// underlying store's. Thread-safe as the store it wraps.

#include <memory>
#include <string>

#include "storage/meta/meta_store.h"

namespace quiver::storage {

// `root` is used as given (end it with "/" to keep it apart from other roots).
std::unique_ptr<MetaStore> NewPrefixedMetaStore(std::unique_ptr<MetaStore> base, std::string root);

}  // namespace quiver::storage
