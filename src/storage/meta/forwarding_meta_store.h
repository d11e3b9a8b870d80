#pragma once

// A MetaStore that passes every call to another, for wrappers that change only a few calls
// (tests that hold or fail one operation, as a store electing a leader does). Thread-safe as
// the store it wraps.

#include <memory>
#include <string>

#include "storage/meta/meta_store.h"

namespace quiver::storage {

class ForwardingMetaStore : public MetaStore {
 public:
  explicit ForwardingMetaStore(MetaStore* base) : base_(base) {}

  Result<std::optional<KeyValue>> Get(const std::string& key) override { return base_->Get(key); }
  Result<RangeResult> Range(const std::string& prefix, size_t limit) override { return base_->Range(prefix, limit); }
  Result<Revision> Put(const std::string& key, const std::string& value, LeaseId lease) override {
    return base_->Put(key, value, lease);
  }
  Result<Revision> Delete(const std::string& key) override { return base_->Delete(key); }
  Result<Revision> DeletePrefix(const std::string& prefix) override { return base_->DeletePrefix(prefix); }
  Result<TxnResponse> Txn(const TxnRequest& request) override { return base_->Txn(request); }
  Result<std::unique_ptr<Watcher>> Watch(const std::string& prefix, Revision start) override {
    return base_->Watch(prefix, start);
  }
  Result<LeaseId> GrantLease(std::chrono::seconds ttl) override { return base_->GrantLease(ttl); }
  Status KeepAlive(LeaseId lease) override { return base_->KeepAlive(lease); }
  Status RevokeLease(LeaseId lease) override { return base_->RevokeLease(lease); }
  Revision CurrentRevision() override { return base_->CurrentRevision(); }

 protected:
  MetaStore* base() const { return base_; }

 private:
  MetaStore* const base_;
};

}  // namespace quiver::storage
