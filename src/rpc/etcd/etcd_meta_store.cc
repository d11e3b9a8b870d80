#include "rpc/etcd/etcd_meta_store.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/log.h"
#include "etcd/rpc.grpc.pb.h"

namespace quiver::rpc::etcd {

namespace pb = ::etcdserverpb;
using storage::KeyValue;
using storage::LeaseId;
using storage::Revision;

std::string PrefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

namespace {

KeyValue FromProto(const mvccpb::KeyValue& kv) {
  KeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.create_revision = kv.create_revision();
  out.mod_revision = kv.mod_revision();
  out.version = kv.version();
  out.lease = kv.lease();
  return out;
}

Status FromGrpc(const grpc::Status& st, const char* what) {
  std::string message = std::string("etcd ") + what + ": " + st.error_message();
  // etcd answers missing or wrong credentials with INVALID_ARGUMENT; they are authentication
  // failures (etcd.auth.* in the configuration), not bad requests.
  for (const char* auth : {"user name is empty", "authentication failed", "invalid auth token"}) {
    if (st.error_message().find(auth) != std::string::npos) {
      return Status::Unauthenticated(message + " (check etcd.auth.enabled / userName / password)");
    }
  }
  switch (st.error_code()) {
    case grpc::StatusCode::OK: return Status::OK();
    case grpc::StatusCode::NOT_FOUND: return Status::NotFound(message);
    case grpc::StatusCode::INVALID_ARGUMENT: return Status::InvalidArgument(message);
    case grpc::StatusCode::FAILED_PRECONDITION: return Status::FailedPrecondition(message);
    // A read at a compacted revision: the caller re-lists (as a watch from there).
    case grpc::StatusCode::OUT_OF_RANGE: return Status::NotFound(message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return Status::ResourceExhausted(message);
    case grpc::StatusCode::UNAVAILABLE: return Status::Unavailable(message);
    case grpc::StatusCode::DEADLINE_EXCEEDED: return Status::Timeout(message);
    case grpc::StatusCode::UNAUTHENTICATED: return Status::Unauthenticated(message);
    case grpc::StatusCode::PERMISSION_DENIED: return Status::PermissionDenied(message);
    case grpc::StatusCode::CANCELLED: return Status::Aborted(message);
    default: return Status::Internal(message);
  }
}

void ToProto(const storage::TxnOp& op, pb::RequestOp* out) {
  switch (op.type) {
    case storage::TxnOp::Type::kPut: {
      auto* put = out->mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      put->set_lease(op.lease);
      break;
    }
    case storage::TxnOp::Type::kDelete:
      out->mutable_request_delete_range()->set_key(op.key);
      break;
    case storage::TxnOp::Type::kDeletePrefix: {
      auto* del = out->mutable_request_delete_range();
      del->set_key(op.key);
      del->set_range_end(PrefixRangeEnd(op.key));
      break;
    }
  }
}

void ToProto(const storage::Compare& c, pb::Compare* out) {
  out->set_key(c.key);
  switch (c.op) {
    case storage::Compare::Op::kEqual: out->set_result(pb::Compare::EQUAL); break;
    case storage::Compare::Op::kNotEqual: out->set_result(pb::Compare::NOT_EQUAL); break;
    case storage::Compare::Op::kLess: out->set_result(pb::Compare::LESS); break;
    case storage::Compare::Op::kGreater: out->set_result(pb::Compare::GREATER); break;
  }
  switch (c.target) {
    case storage::Compare::Target::kValue:
      out->set_target(pb::Compare::VALUE);
      out->set_value(c.value);
      break;
    case storage::Compare::Target::kVersion:
      out->set_target(pb::Compare::VERSION);
      out->set_version(c.number);
      break;
    case storage::Compare::Target::kCreateRevision:
      out->set_target(pb::Compare::CREATE);
      out->set_create_revision(c.number);
      break;
    case storage::Compare::Target::kModRevision:
      out->set_target(pb::Compare::MOD);
      out->set_mod_revision(c.number);
      break;
  }
}

struct Endpoint {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::KV::Stub> kv;
  std::unique_ptr<pb::Watch::Stub> watch;
  std::unique_ptr<pb::Lease::Stub> lease;
  std::unique_ptr<pb::Maintenance::Stub> maintenance;
  std::unique_ptr<pb::Auth::Stub> auth;
};

}  // namespace

class EtcdMetaStore::Impl {
 public:
  explicit Impl(EtcdOptions options) : options_(std::move(options)) {}

  Status Connect() {
    if (options_.endpoints.empty()) return Status::InvalidArgument("etcd: no endpoints given");
    std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
    if (options_.tls) {
      grpc::SslCredentialsOptions ssl;
      if (!options_.ca_file.empty()) {
        std::ifstream in(options_.ca_file);
        if (!in) return Status::IOError("etcd: cannot read the CA file", options_.ca_file);
        std::stringstream pem;
        pem << in.rdbuf();
        ssl.pem_root_certs = pem.str();
      }
      creds = grpc::SslCredentials(ssl);
    }
    for (const auto& address : options_.endpoints) {
      grpc::ChannelArguments args;
      // etcd answers pings more often than every 5 s with GOAWAY: keep gRPC's defaults (no
      // keepalive pings) and rely on request deadlines.
      args.SetMaxReceiveMessageSize(16 << 20);
      auto e = std::make_unique<Endpoint>();
      e->address = address;
      e->channel = grpc::CreateCustomChannel(address, creds, args);
      e->kv = pb::KV::NewStub(e->channel);
      e->watch = pb::Watch::NewStub(e->channel);
      e->lease = pb::Lease::NewStub(e->channel);
      e->maintenance = pb::Maintenance::NewStub(e->channel);
      e->auth = pb::Auth::NewStub(e->channel);
      endpoints_.push_back(std::move(e));
    }
    pb::StatusResponse status;
    return Call("status", [&](grpc::ClientContext* ctx, Endpoint& e) {
      return e.maintenance->Status(ctx, pb::StatusRequest(), &status);
    });
  }

  // Runs `fn` on the current endpoint with a deadline and the auth token; moves to the next
  // endpoint while they are unavailable (up to failover_timeout), renews an invalid token once.
  template <typename Fn>
  Status Call(const char* what, Fn fn, std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
    auto give_up = std::chrono::steady_clock::now() + options_.failover_timeout;
    bool renewed = false;
    while (true) {
      size_t seen = current_.load();
      size_t index = seen % endpoints_.size();
      Endpoint& e = *endpoints_[index];
      if (!options_.user.empty() && Token().empty()) {
        if (Status st = Authenticate(e); !st.ok()) {
          if (st.code() != StatusCode::kUnavailable || std::chrono::steady_clock::now() >= give_up) return st;
          current_.compare_exchange_strong(seen, seen + 1);
          continue;
        }
      }
      grpc::ClientContext ctx;
      Prepare(&ctx, timeout.count() > 0 ? timeout : options_.request_timeout);
      grpc::Status st = fn(&ctx, e);
      if (st.ok()) return Status::OK();
      // UNAVAILABLE: no leader, a leader change, a refused connection. DEADLINE_EXCEEDED: a member
      // that stopped answering (killed, partitioned). Both go to the next endpoint; a write that
      // did apply before its deadline is then applied twice at most (a Put stores the same value
      // again; a retried Txn fails its compare, which CAS callers handle by re-reading).
      bool retry = st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      if (retry && std::chrono::steady_clock::now() < give_up) {
        QUIVER_LOG(DEBUG) << "etcd endpoint unavailable, trying the next" << Kv("endpoint", e.address)
                          << Kv("error", st.error_message());
        current_.compare_exchange_strong(seen, seen + 1);
        // After a full round of unavailable endpoints, wait a little (an election takes ~1 s).
        if (index == endpoints_.size() - 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED && !options_.user.empty() && !renewed) {
        renewed = true;
        SetToken("");
        continue;
      }
      return FromGrpc(st, what);
    }
  }

  void Prepare(grpc::ClientContext* ctx, std::chrono::milliseconds timeout) {
    if (timeout.count() > 0) ctx->set_deadline(std::chrono::system_clock::now() + timeout);
    std::string token = Token();
    if (!token.empty()) ctx->AddMetadata("token", token);
  }

  Endpoint& Current() { return *endpoints_[current_.load() % endpoints_.size()]; }

 private:
  Status Authenticate(Endpoint& e) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
    pb::AuthenticateRequest req;
    req.set_name(options_.user);
    req.set_password(options_.password);
    pb::AuthenticateResponse resp;
    grpc::Status st = e.auth->Authenticate(&ctx, req, &resp);
    if (!st.ok()) return FromGrpc(st, "authenticate");
    SetToken(resp.token());
    return Status::OK();
  }
  std::string Token() {
    std::lock_guard<std::mutex> lock(token_mu_);
    return token_;
  }
  void SetToken(std::string token) {
    std::lock_guard<std::mutex> lock(token_mu_);
    token_ = std::move(token);
  }

  EtcdOptions options_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::atomic<size_t> current_{0};
  std::mutex token_mu_;
  std::string token_;
};

namespace {

// One etcd watch stream on one endpoint: a reader thread queues the events; Next() hands them
// out. A compacted start revision (or a watch that fell behind compaction) ends it with NotFound.
class EtcdWatcher final : public storage::Watcher {
 public:
  EtcdWatcher(EtcdMetaStore::Impl* impl, std::string prefix, Revision start) : prefix_(std::move(prefix)), start_(start) {
    impl->Prepare(&ctx_, std::chrono::milliseconds(0));  // no deadline: the stream lives until cancelled
    stream_ = impl->Current().watch->Watch(&ctx_);
  }
  ~EtcdWatcher() override {
    Cancel();
    if (reader_.joinable()) reader_.join();
    ended_.IgnoreError();  // how the stream ended matters only to a Next() that asked
  }

  // Sends the create request and waits for etcd's answer to it.
  Status Start() {
    pb::WatchRequest req;
    auto* create = req.mutable_create_request();
    create->set_key(prefix_);
    create->set_range_end(PrefixRangeEnd(prefix_));
    create->set_start_revision(start_);
    if (!stream_->Write(req)) return Finish("watch create");
    pb::WatchResponse resp;
    if (!stream_->Read(&resp)) return Finish("watch create");
    if (resp.compact_revision() != 0 || resp.canceled()) {
      ctx_.TryCancel();
      return Status::NotFound("watch revision compacted: the oldest revision available is " +
                              std::to_string(resp.compact_revision()));
    }
    if (!resp.created()) return Status::Internal("etcd watch: the first response did not confirm the watch");
    Push(resp);  // a created response may already carry events
    reader_ = std::thread([this] { Read(); });
    return Status::OK();
  }

  Result<std::vector<storage::WatchEvent>> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty() || !ended_.ok() || cancelled_; });
    if (!events_.empty()) {
      std::vector<storage::WatchEvent> out(events_.begin(), events_.end());
      events_.clear();
      return out;
    }
    if (cancelled_) return Status::Aborted("watch cancelled");
    if (!ended_.ok()) return ended_;
    return std::vector<storage::WatchEvent>{};
  }

  void Cancel() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return;
      cancelled_ = true;
    }
    ctx_.TryCancel();
    cv_.notify_all();
  }

 private:
  void Read() {
    pb::WatchResponse resp;
    while (stream_->Read(&resp)) {
      if (resp.compact_revision() != 0 || resp.canceled()) {
        End(Status::NotFound("watch revision compacted: the watch fell behind compaction (oldest revision " +
                             std::to_string(resp.compact_revision()) + ")"));
        ctx_.TryCancel();
        break;
      }
      Push(resp);
    }
    grpc::Status st = stream_->Finish();
    End(st.ok() ? Status::Aborted("etcd closed the watch") : FromGrpc(st, "watch"));
  }
  void Push(const pb::WatchResponse& resp) {
    if (resp.events_size() == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : resp.events()) {
      storage::WatchEvent event;
      event.type = e.type() == mvccpb::Event::DELETE ? storage::WatchEvent::Type::kDelete : storage::WatchEvent::Type::kPut;
      event.kv = FromProto(e.kv());
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }
  void End(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_.ok()) {
      ended_ = std::move(status);
    } else {
      status.IgnoreError();  // the first end (compaction) is the one reported
    }
    cv_.notify_all();
  }
  Status Finish(const char* what) {
    ctx_.TryCancel();
    return FromGrpc(stream_->Finish(), what);
  }

  std::string prefix_;
  Revision start_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>> stream_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<storage::WatchEvent> events_;
  Status ended_;
  bool cancelled_ = false;
};

}  // namespace

Result<std::unique_ptr<EtcdMetaStore>> OpenEtcdMetaStore(EtcdOptions options) {
  auto impl = std::make_unique<EtcdMetaStore::Impl>(std::move(options));
  QUIVER_RETURN_IF_ERROR(impl->Connect());
  return std::unique_ptr<EtcdMetaStore>(new EtcdMetaStore(std::move(impl)));
}

EtcdMetaStore::EtcdMetaStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EtcdMetaStore::~EtcdMetaStore() = default;

Result<std::optional<KeyValue>> EtcdMetaStore::Get(const std::string& key) {
  pb::RangeRequest req;
  req.set_key(key);
  pb::RangeResponse resp;
  QUIVER_RETURN_IF_ERROR(impl_->Call("get", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->Range(ctx, req, &resp); }));
  if (resp.kvs_size() == 0) return std::optional<KeyValue>();
  return std::optional<KeyValue>(FromProto(resp.kvs(0)));
}

Result<storage::RangeResult> EtcdMetaStore::Range(const std::string& prefix, size_t limit) {
  pb::RangeRequest req;
  req.set_key(prefix.empty() ? std::string(1, '\0') : prefix);
  req.set_range_end(PrefixRangeEnd(prefix));
  req.set_limit(static_cast<int64_t>(limit));
  req.set_sort_order(pb::RangeRequest::ASCEND);
  req.set_sort_target(pb::RangeRequest::KEY);
  pb::RangeResponse resp;
  QUIVER_RETURN_IF_ERROR(impl_->Call("range", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->Range(ctx, req, &resp); }));
  storage::RangeResult out;
  out.revision = resp.header().revision();
  for (const auto& kv : resp.kvs()) out.kvs.push_back(FromProto(kv));
  return out;
}

Result<Revision> EtcdMetaStore::Put(const std::string& key, const std::string& value, LeaseId lease) {
  pb::PutRequest req;
  req.set_key(key);
  req.set_value(value);
  req.set_lease(lease);
  pb::PutResponse resp;
  QUIVER_RETURN_IF_ERROR(impl_->Call("put", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->Put(ctx, req, &resp); }));
  return resp.header().revision();
}

Result<Revision> EtcdMetaStore::Delete(const std::string& key) {
  pb::DeleteRangeRequest req;
  req.set_key(key);
  pb::DeleteRangeResponse resp;
  QUIVER_RETURN_IF_ERROR(
      impl_->Call("delete", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->DeleteRange(ctx, req, &resp); }));
  return resp.header().revision();
}

Result<Revision> EtcdMetaStore::DeletePrefix(const std::string& prefix) {
  pb::DeleteRangeRequest req;
  req.set_key(prefix.empty() ? std::string(1, '\0') : prefix);
  req.set_range_end(PrefixRangeEnd(prefix));
  pb::DeleteRangeResponse resp;
  QUIVER_RETURN_IF_ERROR(
      impl_->Call("delete prefix", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->DeleteRange(ctx, req, &resp); }));
  return resp.header().revision();
}

Result<storage::TxnResponse> EtcdMetaStore::Txn(const storage::TxnRequest& request) {
  pb::TxnRequest req;
  for (const auto& c : request.compares) ToProto(c, req.add_compare());
  for (const auto& op : request.success) ToProto(op, req.add_success());
  for (const auto& op : request.failure) ToProto(op, req.add_failure());
  pb::TxnResponse resp;
  QUIVER_RETURN_IF_ERROR(impl_->Call("txn", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->Txn(ctx, req, &resp); }));
  storage::TxnResponse out;
  out.succeeded = resp.succeeded();
  out.revision = resp.header().revision();
  return out;
}

Result<std::unique_ptr<storage::Watcher>> EtcdMetaStore::Watch(const std::string& prefix, Revision start_revision) {
  // etcd confirms a watch from a compacted revision and cancels it right after: ask first, with a
  // read at that revision (which fails OUT_OF_RANGE once it is compacted), so that Watch() itself
  // answers NotFound as the contract says. The read also moves past an unavailable endpoint.
  Revision current = CurrentRevision();
  if (start_revision > 0 && start_revision <= current) {
    pb::RangeRequest probe;
    probe.set_key(prefix.empty() ? std::string(1, '\0') : prefix);
    probe.set_range_end(PrefixRangeEnd(prefix));
    probe.set_count_only(true);
    probe.set_revision(start_revision);
    pb::RangeResponse resp;
    Status st = impl_->Call("watch", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->Range(ctx, probe, &resp); });
    if (!st.ok() && st.message().find("compacted") != std::string_view::npos) {
      return Status::NotFound("watch revision compacted: revision " + std::to_string(start_revision) +
                              " is no longer in etcd's history; re-list and watch from the listed revision + 1");
    }
    QUIVER_RETURN_IF_ERROR(st);
  }
  auto watcher = std::make_unique<EtcdWatcher>(impl_.get(), prefix, start_revision);
  QUIVER_RETURN_IF_ERROR(watcher->Start());
  return std::unique_ptr<storage::Watcher>(std::move(watcher));
}

Result<LeaseId> EtcdMetaStore::GrantLease(std::chrono::seconds ttl) {
  pb::LeaseGrantRequest req;
  req.set_ttl(ttl.count());
  pb::LeaseGrantResponse resp;
  QUIVER_RETURN_IF_ERROR(
      impl_->Call("lease grant", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.lease->LeaseGrant(ctx, req, &resp); }));
  if (!resp.error().empty()) return Status::Internal("etcd lease grant: " + resp.error());
  return resp.id();
}

Status EtcdMetaStore::KeepAlive(LeaseId lease) {
  pb::LeaseKeepAliveResponse resp;
  QUIVER_RETURN_IF_ERROR(impl_->Call("lease keepalive", [&](grpc::ClientContext* ctx, Endpoint& e) {
    auto stream = e.lease->LeaseKeepAlive(ctx);
    pb::LeaseKeepAliveRequest req;
    req.set_id(lease);
    if (!stream->Write(req) || !stream->Read(&resp)) {
      ctx->TryCancel();
      grpc::Status st = stream->Finish();
      return st.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "keepalive stream closed") : st;
    }
    stream->WritesDone();
    ctx->TryCancel();  // one renewal per call: the stream is not kept
    stream->Finish().ok();
    return grpc::Status::OK;
  }));
  // etcd answers TTL 0 for a lease that expired or never existed.
  if (resp.ttl() <= 0) return Status::NotFound("etcd lease " + std::to_string(lease) + " expired or does not exist");
  return Status::OK();
}

Status EtcdMetaStore::RevokeLease(LeaseId lease) {
  pb::LeaseRevokeRequest req;
  req.set_id(lease);
  pb::LeaseRevokeResponse resp;
  return impl_->Call("lease revoke", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.lease->LeaseRevoke(ctx, req, &resp); });
}

Revision EtcdMetaStore::CurrentRevision() {
  // Maintenance.Status carries the store revision and needs no read permission on any key (a
  // user limited to its prefix may read no other).
  pb::StatusResponse resp;
  if (!impl_->Call("revision", [&](grpc::ClientContext* ctx, Endpoint& e) {
         return e.maintenance->Status(ctx, pb::StatusRequest(), &resp);
       }).ok()) {
    return 0;
  }
  return resp.header().revision();
}

Status EtcdMetaStore::Compact(Revision revision) {
  pb::CompactionRequest req;
  req.set_revision(revision);
  req.set_physical(true);
  pb::CompactionResponse resp;
  return impl_->Call("compact", [&](grpc::ClientContext* ctx, Endpoint& e) { return e.kv->Compact(ctx, req, &resp); });
}

Result<EtcdMetaStore::SnapshotInfo> EtcdMetaStore::Snapshot(
    FileSystem* fs, const std::string& path, const std::function<void(uint64_t, uint64_t)>& progress,
    std::chrono::milliseconds timeout) {
  const std::string partial = path + ".partial";
  SnapshotInfo info;
  Status local;  // a failure writing the file ends the stream and is returned as it is
  Status streamed = impl_->Call("snapshot", [&](grpc::ClientContext* ctx, Endpoint& e) {
    info = SnapshotInfo{0, e.address};
    Result<std::unique_ptr<WritableFile>> file = fs->OpenWritable(partial, /*truncate=*/true);
    if (!file.ok()) {
      local = file.status();
      return grpc::Status(grpc::StatusCode::CANCELLED, "cannot write the snapshot");
    }
    std::unique_ptr<grpc::ClientReader<pb::SnapshotResponse>> reader = e.maintenance->Snapshot(ctx, pb::SnapshotRequest());
    pb::SnapshotResponse chunk;
    while (reader->Read(&chunk)) {
      local = (*file)->Append(chunk.blob());
      if (!local.ok()) {
        ctx->TryCancel();
        break;
      }
      info.bytes += chunk.blob().size();
      if (progress) progress(info.bytes, info.bytes + chunk.remaining_bytes());
    }
    grpc::Status st = reader->Finish();
    if (st.ok() && local.ok()) local = (*file)->Sync();
    if (Status closed = (*file)->Close(); local.ok()) local = closed;
    if (!local.ok()) return grpc::Status(grpc::StatusCode::CANCELLED, "cannot write the snapshot");
    if (st.ok() && info.bytes == 0) return grpc::Status(grpc::StatusCode::DATA_LOSS, "the member sent an empty snapshot");
    return st;
  }, timeout);
  if (!local.ok()) {
    streamed.IgnoreError();  // it only says the stream was cut because the file failed
    fs->Remove(partial).IgnoreError();
    return local.Annotate("etcd snapshot to " + partial);
  }
  if (!streamed.ok()) {
    fs->Remove(partial).IgnoreError();
    return streamed;
  }
  QUIVER_RETURN_IF_ERROR(fs->Rename(partial, path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  QUIVER_RETURN_IF_ERROR(fs->SyncDir(dir.empty() ? "." : dir));
  return info;
}

}  // namespace quiver::rpc::etcd
