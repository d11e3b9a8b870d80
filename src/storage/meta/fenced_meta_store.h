#pragma once

// A MetaStore whose writes are fenced by a leadership key (docs/design/sessions.md): every Put,
// Delete, DeletePrefix and Txn runs as one transaction that also requires `fence_key` to still
// have create revision `fence_revision` — the key the writer created when it won its election.
// Once another candidate has won (the key was deleted or re-created), a write of the deposed
// leader fails with Aborted instead of landing beside its successor's. Reads, watches and leases
// pass through. Thread-safe as the store it wraps.

#include <memory>
#include <string>

#include "storage/meta/meta_store.h"

namespace quiver::storage {

// `base` must outlive the returned store. Transactions with failure ops are refused
// (NotSupported): they cannot be fenced in one transaction.
std::unique_ptr<MetaStore> NewFencedMetaStore(MetaStore* base, std::string fence_key, Revision fence_revision);

}  // namespace quiver::storage
