#include "storage/meta/fenced_meta_store.h"

namespace quiver::storage {
namespace {

class FencedMetaStore final : public MetaStore {
 public:
  FencedMetaStore(MetaStore* base, std::string fence_key, Revision fence_revision)
      : base_(base), fence_key_(std::move(fence_key)), fence_revision_(fence_revision) {}

  Result<std::optional<KeyValue>> Get(const std::string& key) override { return base_->Get(key); }
  Result<RangeResult> Range(const std::string& prefix, size_t limit) override { return base_->Range(prefix, limit); }

  Result<Revision> Put(const std::string& key, const std::string& value, LeaseId lease) override {
    TxnRequest txn;
    txn.success.push_back(TxnOp::Put(key, value, lease));
    QUIVER_ASSIGN_OR_RETURN(TxnResponse response, Fenced(txn));
    return response.revision;
  }
  Result<Revision> Delete(const std::string& key) override {
    TxnRequest txn;
    txn.success.push_back(TxnOp::Delete(key));
    QUIVER_ASSIGN_OR_RETURN(TxnResponse response, Fenced(txn));
    return response.revision;
  }
  Result<Revision> DeletePrefix(const std::string& prefix) override {
    TxnRequest txn;
    txn.success.push_back(TxnOp::DeletePrefix(prefix));
    QUIVER_ASSIGN_OR_RETURN(TxnResponse response, Fenced(txn));
    return response.revision;
  }
  Result<TxnResponse> Txn(const TxnRequest& request) override {
    if (!request.failure.empty()) {
      return Status::NotSupported("a fenced metadata store cannot run a transaction with failure operations");
    }
    TxnRequest txn = request;
    return Fenced(txn, /*user_compares=*/!request.compares.empty());
  }

  Result<std::unique_ptr<Watcher>> Watch(const std::string& prefix, Revision start_revision) override {
    return base_->Watch(prefix, start_revision);
  }
  Result<LeaseId> GrantLease(std::chrono::seconds ttl) override { return base_->GrantLease(ttl); }
  Status KeepAlive(LeaseId lease) override { return base_->KeepAlive(lease); }
  Status RevokeLease(LeaseId lease) override { return base_->RevokeLease(lease); }
  Revision CurrentRevision() override { return base_->CurrentRevision(); }

 private:
  // Runs `txn` with the fence compare added. A write without compares of its own that does not
  // succeed was fenced off; one with compares was fenced off if the fence key moved.
  Result<TxnResponse> Fenced(TxnRequest& txn, bool user_compares = false) {
    txn.compares.push_back({fence_key_, Compare::Target::kCreateRevision, Compare::Op::kEqual, {}, fence_revision_});
    QUIVER_ASSIGN_OR_RETURN(TxnResponse response, base_->Txn(txn));
    if (response.succeeded) return response;
    bool fenced = !user_compares;
    if (user_compares) {
      QUIVER_ASSIGN_OR_RETURN(std::optional<KeyValue> fence, base_->Get(fence_key_));
      fenced = !fence || fence->create_revision != fence_revision_;
    }
    if (fenced) {
      return Status::Aborted("write fenced off: this process no longer holds " + fence_key_ +
                             " (another one was elected)");
    }
    return response;
  }

  MetaStore* const base_;
  const std::string fence_key_;
  const Revision fence_revision_;
};

}  // namespace

std::unique_ptr<MetaStore> NewFencedMetaStore(MetaStore* base, std::string fence_key, Revision fence_revision) {
  return std::make_unique<FencedMetaStore>(base, std::move(fence_key), fence_revision);
}

}  // namespace quiver::storage
