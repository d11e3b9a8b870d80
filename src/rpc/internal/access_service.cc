#include "rpc/internal/access_service.h"

#include <algorithm>
#include <atomic>

#include "common/log.h"
#include "common/mutex.h"
#include "internal/coord.grpc.pb.h"
#include "rpc/internal/call.h"

namespace quiver::rpc {

namespace pb = quiver::internal;

namespace {

using Ctx = grpc::ServerContext;

void GrantToProto(const cluster::Grant& g, pb::Grant* out) {
  out->set_role(g.role);
  out->set_object(g.object);
  out->set_object_name(g.object_name);
  out->set_privilege(g.privilege);
  out->set_db_name(g.db_name);
  out->set_grantor(g.grantor);
}

cluster::Grant GrantFromProto(const pb::Grant& g) {
  return {g.role(), g.object(), g.object_name(), g.privilege(), g.db_name(), g.grantor()};
}

template <typename Items>
void AddNamedList(const std::string& name, const Items& items, google::protobuf::RepeatedPtrField<pb::NamedList>* out) {
  pb::NamedList* list = out->Add();
  list->set_name(name);
  for (const auto& item : items) list->add_items(item);
}

void SnapshotToProto(const cluster::AccessSnapshot& s, pb::AccessSnapshot* out) {
  out->set_version(s.version);
  for (const auto& [name, user] : s.users) {
    pb::SnapshotUser* u = out->add_users();
    u->set_name(name);
    for (const auto& role : user.roles) u->add_roles(role);
    u->set_credential_revision(user.credential_revision);
  }
  for (const auto& [role, grants] : s.grants) {
    out->add_roles(role);
    for (const auto& g : grants) GrantToProto(g, out->add_grants());
  }
  for (const auto& [name, privileges] : s.privilege_groups) AddNamedList(name, privileges, out->mutable_privilege_groups());
}

std::shared_ptr<const cluster::AccessSnapshot> SnapshotFromProto(const pb::AccessSnapshot& in) {
  auto s = std::make_shared<cluster::AccessSnapshot>();
  s->version = in.version();
  for (const auto& u : in.users()) {
    s->users[u.name()] = {{u.roles().begin(), u.roles().end()}, u.credential_revision()};
  }
  for (const auto& role : in.roles()) s->grants[role];
  for (const auto& g : in.grants()) s->grants[g.role()].push_back(GrantFromProto(g));
  for (const auto& group : in.privilege_groups()) {
    s->privilege_groups[group.name()] = {group.items().begin(), group.items().end()};
  }
  return s;
}

grpc::Status Answer(pb::AccessReply* out, const Status& status) {
  StatusToProto(status, out->mutable_status());
  return grpc::Status::OK;
}

class AccessServiceImpl final : public pb::AccessService::Service {
 public:
  explicit AccessServiceImpl(cluster::AccessClient* access) : access_(access) {}

  grpc::Status CreateUser(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->CreateUser(r->name(), r->password()));
  }
  grpc::Status UpdatePassword(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->UpdatePassword(r->name(), r->password(), r->new_password()));
  }
  grpc::Status SetPassword(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->SetPassword(r->name(), r->new_password()));
  }
  grpc::Status DeleteUser(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->DeleteUser(r->name()));
  }
  grpc::Status ListUsers(Ctx*, const pb::AccessRequest*, pb::AccessReply* out) override {
    Result<std::vector<cluster::UserInfo>> users = access_->ListUsers();
    if (users.ok()) {
      for (const auto& u : *users) AddNamedList(u.name, u.roles, out->mutable_users());
    }
    return Answer(out, users.status());
  }
  grpc::Status VerifyPassword(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->VerifyPassword(r->name(), r->password()));
  }
  grpc::Status CreateRole(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->CreateRole(r->name()));
  }
  grpc::Status DropRole(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->DropRole(r->name(), r->flag()));
  }
  grpc::Status OperateUserRole(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->OperateUserRole(r->name(), r->role(), r->flag()));
  }
  grpc::Status ListRoles(Ctx*, const pb::AccessRequest*, pb::AccessReply* out) override {
    Result<std::vector<cluster::RoleInfo>> roles = access_->ListRoles();
    if (roles.ok()) {
      for (const auto& role : *roles) AddNamedList(role.name, role.users, out->mutable_roles());
    }
    return Answer(out, roles.status());
  }
  grpc::Status OperatePrivilege(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->OperatePrivilege(GrantFromProto(r->grant()), r->flag()));
  }
  grpc::Status SelectGrants(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    Result<std::vector<cluster::Grant>> grants = access_->SelectGrants(r->name(), r->object(), r->object_name(), r->db());
    if (grants.ok()) {
      for (const auto& g : *grants) GrantToProto(g, out->add_grants());
    }
    return Answer(out, grants.status());
  }
  grpc::Status CreatePrivilegeGroup(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->CreatePrivilegeGroup(r->name()));
  }
  grpc::Status DropPrivilegeGroup(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->DropPrivilegeGroup(r->name()));
  }
  grpc::Status OperatePrivilegeGroup(Ctx*, const pb::AccessRequest* r, pb::AccessReply* out) override {
    return Answer(out, access_->OperatePrivilegeGroup(r->name(), {r->privileges().begin(), r->privileges().end()},
                                                      r->flag()));
  }
  grpc::Status ListPrivilegeGroups(Ctx*, const pb::AccessRequest*, pb::AccessReply* out) override {
    Result<std::vector<cluster::PrivilegeGroupInfo>> groups = access_->ListPrivilegeGroups();
    if (groups.ok()) {
      for (const auto& g : *groups) AddNamedList(g.name, g.privileges, out->mutable_groups());
    }
    return Answer(out, groups.status());
  }
  grpc::Status Snapshot(Ctx*, const pb::AccessRequest*, pb::AccessReply* out) override {
    SnapshotToProto(*access_->Snapshot(), out->mutable_snapshot());
    return Answer(out, Status::OK());
  }

 private:
  cluster::AccessClient* const access_;
};

// --- The client ----------------------------------------------------------------------------------

class GrpcAccessClient final : public cluster::AccessClient {
 public:
  explicit GrpcAccessClient(const AccessClientOptions& options)
      : options_(options),
        stub_(options.coord.address, options.coord.credentials, options.coord.leader) {}

  Status CreateUser(const std::string& name, const std::string& password) override {
    pb::AccessRequest r = Named(name);
    r.set_password(password);
    return Change(&Stub::CreateUser, "CreateUser", r);
  }
  Status UpdatePassword(const std::string& name, const std::string& old_password,
                        const std::string& new_password) override {
    pb::AccessRequest r = Named(name);
    r.set_password(old_password);
    r.set_new_password(new_password);
    return Change(&Stub::UpdatePassword, "UpdatePassword", r);
  }
  Status SetPassword(const std::string& name, const std::string& new_password) override {
    pb::AccessRequest r = Named(name);
    r.set_new_password(new_password);
    return Change(&Stub::SetPassword, "SetPassword", r);
  }
  Status DeleteUser(const std::string& name) override { return Change(&Stub::DeleteUser, "DeleteUser", Named(name)); }
  Result<std::vector<cluster::UserInfo>> ListUsers() override {
    QUIVER_ASSIGN_OR_RETURN(pb::AccessReply reply, Call(&Stub::ListUsers, "ListUsers", pb::AccessRequest()));
    std::vector<cluster::UserInfo> out;
    for (const auto& u : reply.users()) out.push_back({u.name(), {u.items().begin(), u.items().end()}});
    return out;
  }
  Status VerifyPassword(const std::string& name, const std::string& password) override {
    pb::AccessRequest r = Named(name);
    r.set_password(password);
    return Call(&Stub::VerifyPassword, "VerifyPassword", r).status();
  }
  Status CreateRole(const std::string& name) override { return Change(&Stub::CreateRole, "CreateRole", Named(name)); }
  Status DropRole(const std::string& name, bool force) override {
    pb::AccessRequest r = Named(name);
    r.set_flag(force);
    return Change(&Stub::DropRole, "DropRole", r);
  }
  Status OperateUserRole(const std::string& user, const std::string& role, bool add) override {
    pb::AccessRequest r = Named(user);
    r.set_role(role);
    r.set_flag(add);
    return Change(&Stub::OperateUserRole, "OperateUserRole", r);
  }
  Result<std::vector<cluster::RoleInfo>> ListRoles() override {
    QUIVER_ASSIGN_OR_RETURN(pb::AccessReply reply, Call(&Stub::ListRoles, "ListRoles", pb::AccessRequest()));
    std::vector<cluster::RoleInfo> out;
    for (const auto& role : reply.roles()) out.push_back({role.name(), {role.items().begin(), role.items().end()}});
    return out;
  }
  Status OperatePrivilege(const cluster::Grant& grant, bool grant_it) override {
    pb::AccessRequest r;
    GrantToProto(grant, r.mutable_grant());
    r.set_flag(grant_it);
    return Change(&Stub::OperatePrivilege, "OperatePrivilege", r);
  }
  Result<std::vector<cluster::Grant>> SelectGrants(const std::string& role, const std::string& object,
                                                   const std::string& object_name, const std::string& db) override {
    pb::AccessRequest r = Named(role);
    r.set_object(object);
    r.set_object_name(object_name);
    r.set_db(db);
    QUIVER_ASSIGN_OR_RETURN(pb::AccessReply reply, Call(&Stub::SelectGrants, "SelectGrants", r));
    std::vector<cluster::Grant> out;
    for (const auto& g : reply.grants()) out.push_back(GrantFromProto(g));
    return out;
  }
  Status CreatePrivilegeGroup(const std::string& name) override {
    return Change(&Stub::CreatePrivilegeGroup, "CreatePrivilegeGroup", Named(name));
  }
  Status DropPrivilegeGroup(const std::string& name) override {
    return Change(&Stub::DropPrivilegeGroup, "DropPrivilegeGroup", Named(name));
  }
  Status OperatePrivilegeGroup(const std::string& name, const std::vector<std::string>& privileges,
                               bool add) override {
    pb::AccessRequest r = Named(name);
    for (const auto& p : privileges) r.add_privileges(p);
    r.set_flag(add);
    return Change(&Stub::OperatePrivilegeGroup, "OperatePrivilegeGroup", r);
  }
  Result<std::vector<cluster::PrivilegeGroupInfo>> ListPrivilegeGroups() override {
    QUIVER_ASSIGN_OR_RETURN(pb::AccessReply reply,
                            Call(&Stub::ListPrivilegeGroups, "ListPrivilegeGroups", pb::AccessRequest()));
    std::vector<cluster::PrivilegeGroupInfo> out;
    for (const auto& g : reply.groups()) out.push_back({g.name(), {g.items().begin(), g.items().end()}});
    return out;
  }

  std::shared_ptr<const cluster::AccessSnapshot> Snapshot() override {
    std::shared_ptr<const cluster::AccessSnapshot> current;
    {
      MutexLock lock(&mu_);
      current = snapshot_;
      if (current && Clock::now() - fetched_at_ < options_.max_age) return current;
    }
    if (current) {
      // Stale: one caller fetches, the others keep using what they have meanwhile.
      bool expected = false;
      if (!refreshing_.compare_exchange_strong(expected, true)) return current;
      Refresh();
      refreshing_ = false;
    } else {
      // Nothing yet: one fetch for all waiting callers, and none again until max_age after a
      // failed one (requests are denied meanwhile rather than each waiting for a timeout).
      MutexLock first(&first_fetch_mu_);
      bool fetch = false;
      {
        MutexLock lock(&mu_);
        fetch = !snapshot_ && (!attempted_ || Clock::now() - fetched_at_ >= options_.max_age);
      }
      if (fetch) Refresh();
    }
    MutexLock lock(&mu_);
    if (snapshot_) return snapshot_;
    static const auto* const kEmpty = new std::shared_ptr<const cluster::AccessSnapshot>(
        std::make_shared<const cluster::AccessSnapshot>());
    return *kEmpty;
  }

 private:
  using Stub = pb::AccessService::Stub;
  using Clock = std::chrono::steady_clock;
  // A privilege check waits at most this long for a snapshot.
  static constexpr std::chrono::milliseconds kSnapshotTimeout{5000};

  static pb::AccessRequest Named(const std::string& name) {
    pb::AccessRequest r;
    r.set_name(name);
    return r;
  }

  template <typename Request, typename Reply>
  Result<Reply> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*), const char* name,
                     const Request& request) {
    return stub_.Call(method, name, request, options_.coord.timeout);
  }

  // A change, then a fresh snapshot, so this process's next check sees it.
  Status Change(grpc::Status (Stub::*method)(grpc::ClientContext*, const pb::AccessRequest&, pb::AccessReply*),
                const char* name, const pb::AccessRequest& request) {
    QUIVER_RETURN_IF_ERROR(Call(method, name, request).status());
    Refresh();
    return Status::OK();
  }

  // Fetches the snapshot. On failure the old one stays (and is retried after max_age).
  void Refresh() {
    Result<pb::AccessReply> reply =
        stub_.Call(&Stub::Snapshot, "Snapshot", pb::AccessRequest(), std::min(options_.coord.timeout, kSnapshotTimeout));
    MutexLock lock(&mu_);
    attempted_ = true;
    fetched_at_ = Clock::now();
    if (!reply.ok()) {
      QUIVER_LOG(WARN) << "access snapshot refresh failed; checks use the previous one"
                       << Kv("coordinator", stub_.address()) << Kv("error", reply.status().message());
      return;
    }
    snapshot_ = SnapshotFromProto(reply->snapshot());
  }

  const AccessClientOptions options_;
  FollowingStub<pb::AccessService> stub_;
  Mutex first_fetch_mu_;
  std::atomic<bool> refreshing_{false};
  Mutex mu_;
  std::shared_ptr<const cluster::AccessSnapshot> snapshot_ QUIVER_GUARDED_BY(mu_);
  Clock::time_point fetched_at_ QUIVER_GUARDED_BY(mu_);
  bool attempted_ QUIVER_GUARDED_BY(mu_) = false;
};

}  // namespace

std::unique_ptr<grpc::Service> NewAccessService(cluster::AccessClient* access) {
  return std::make_unique<AccessServiceImpl>(access);
}

std::unique_ptr<cluster::AccessClient> NewGrpcAccessClient(const AccessClientOptions& options) {
  return std::make_unique<GrpcAccessClient>(options);
}

}  // namespace quiver::rpc
