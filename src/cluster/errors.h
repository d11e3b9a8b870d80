#pragma once

// Errors every role reports the same way (Milvus reason texts; the detail picks the Milvus code
// in proxy/milvus_status.cc).

#include <string>

#include "common/status.h"

namespace quiver::cluster {

inline Status CollectionNotFound(const std::string& name) {
  return Status::NotFound("collection not found[collection=" + name + "]").WithDetail(ErrorDetail::kCollectionNotFound);
}

inline Status CollectionNotLoaded(const std::string& name) {
  return Status::FailedPrecondition("collection not loaded[collection=" + name + "]")
      .WithDetail(ErrorDetail::kCollectionNotLoaded);
}

inline Status CollectionHasAliases(const std::string& name) {
  return Status::FailedPrecondition("unable to drop the collection [" + name +
                                    "] because it has associated aliases, please remove all aliases before dropping "
                                    "the collection");
}

inline Status PartitionNotFound(const std::string& name) {
  return Status::NotFound("partition not found[partition=" + name + "]").WithDetail(ErrorDetail::kPartitionNotFound);
}

inline Status PartitionNotLoaded(const std::string& name) {
  return Status::FailedPrecondition("partition not loaded[partition=" + name + "]")
      .WithDetail(ErrorDetail::kPartitionNotLoaded);
}

inline Status IndexNotFound(const std::string& collection) {
  return Status::NotFound("index not found[collection=" + collection + "]").WithDetail(ErrorDetail::kIndexNotFound);
}

}  // namespace quiver::cluster
