#include "storage/meta/prefixed_meta_store.h"

namespace quiver::storage {

namespace {

class PrefixedWatcher final : public Watcher {
 public:
  PrefixedWatcher(std::unique_ptr<Watcher> base, size_t root_size) : base_(std::move(base)), root_size_(root_size) {}
  Result<std::vector<WatchEvent>> Next(std::chrono::milliseconds timeout) override {
    QUIVER_ASSIGN_OR_RETURN(std::vector<WatchEvent> events, base_->Next(timeout));
    for (auto& e : events) e.kv.key.erase(0, root_size_);
    return events;
  }
  void Cancel() override { base_->Cancel(); }

 private:
  std::unique_ptr<Watcher> base_;
  size_t root_size_;
};

class PrefixedMetaStore final : public MetaStore {
 public:
  PrefixedMetaStore(std::unique_ptr<MetaStore> base, std::string root) : base_(std::move(base)), root_(std::move(root)) {}

  Result<std::optional<KeyValue>> Get(const std::string& key) override {
    QUIVER_ASSIGN_OR_RETURN(std::optional<KeyValue> kv, base_->Get(root_ + key));
    if (kv) Strip(&*kv);
    return kv;
  }
  Result<RangeResult> Range(const std::string& prefix, size_t limit) override {
    QUIVER_ASSIGN_OR_RETURN(RangeResult range, base_->Range(root_ + prefix, limit));
    for (auto& kv : range.kvs) Strip(&kv);
    return range;
  }
  Result<Revision> Put(const std::string& key, const std::string& value, LeaseId lease) override {
    return base_->Put(root_ + key, value, lease);
  }
  Result<Revision> Delete(const std::string& key) override { return base_->Delete(root_ + key); }
  Result<Revision> DeletePrefix(const std::string& prefix) override { return base_->DeletePrefix(root_ + prefix); }
  Result<TxnResponse> Txn(const TxnRequest& request) override {
    TxnRequest rooted = request;
    for (auto& c : rooted.compares) c.key = root_ + c.key;
    for (auto* ops : {&rooted.success, &rooted.failure}) {
      for (auto& op : *ops) op.key = root_ + op.key;
    }
    return base_->Txn(rooted);
  }
  Result<std::unique_ptr<Watcher>> Watch(const std::string& prefix, Revision start_revision) override {
    QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<Watcher> watcher, base_->Watch(root_ + prefix, start_revision));
    return std::unique_ptr<Watcher>(new PrefixedWatcher(std::move(watcher), root_.size()));
  }
  Result<LeaseId> GrantLease(std::chrono::seconds ttl) override { return base_->GrantLease(ttl); }
  Status KeepAlive(LeaseId lease) override { return base_->KeepAlive(lease); }
  Status RevokeLease(LeaseId lease) override { return base_->RevokeLease(lease); }
  Revision CurrentRevision() override { return base_->CurrentRevision(); }

 private:
  void Strip(KeyValue* kv) const { kv->key.erase(0, root_.size()); }

  std::unique_ptr<MetaStore> base_;
  std::string root_;
};

}  // namespace

std::unique_ptr<MetaStore> NewPrefixedMetaStore(std::unique_ptr<MetaStore> base, std::string root) {
  return std::make_unique<PrefixedMetaStore>(std::move(base), std::move(root));
}

}  // namespace quiver::storage
