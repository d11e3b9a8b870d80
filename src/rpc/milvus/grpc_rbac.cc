// Users, roles, privileges and privilege groups (checked on every request by AccessControl),
// and altering index and field properties.

#include "rpc/milvus/grpc_service.h"
#include "rpc/milvus/options.h"

namespace quiver::rpc::milvus {

namespace {

void ToGrantEntity(const cluster::Grant& g, pb::milvus::GrantEntity* out) {
  out->mutable_role()->set_name(g.role);
  out->mutable_object()->set_name(g.object);
  out->set_object_name(g.object_name);
  out->mutable_grantor()->mutable_user()->set_name(g.grantor);
  out->mutable_grantor()->mutable_privilege()->set_name(g.privilege);
  out->set_db_name(g.db_name);
}

}  // namespace

grpc::Status MilvusServiceImpl::CreateCredential(CallContext* context, const pb::milvus::CreateCredentialRequest* request,
                                                 pb::common::Status* response) {
  return Run(context, "CreateCredential", *request, response, [&]() -> Status {
    if (!request->description().empty()) {
      return Status::NotSupported("user descriptions are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    return access_->CreateUser(request->username(), request->password());
  });
}

grpc::Status MilvusServiceImpl::UpdateCredential(CallContext* context, const pb::milvus::UpdateCredentialRequest* request,
                                                 pb::common::Status* response) {
  return Run(context, "UpdateCredential", *request, response, [&]() -> Status {
    if (!request->description().empty()) {
      return Status::NotSupported("user descriptions are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    return access_->UpdatePassword(Caller(context), request->username(), request->oldpassword(), request->newpassword());
  });
}

grpc::Status MilvusServiceImpl::DeleteCredential(CallContext* context, const pb::milvus::DeleteCredentialRequest* request,
                                                 pb::common::Status* response) {
  return Run(context, "DeleteCredential", *request, response, [&] { return access_->DeleteUser(request->username()); });
}

grpc::Status MilvusServiceImpl::ListCredUsers(CallContext* context, const pb::milvus::ListCredUsersRequest* request,
                                              pb::milvus::ListCredUsersResponse* response) {
  return Run(context, "ListCredUsers", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto users, access_->ListUsers());
    for (const auto& u : users) response->add_usernames(u.name);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::CreateRole(CallContext* context, const pb::milvus::CreateRoleRequest* request,
                                           pb::common::Status* response) {
  return Run(context, "CreateRole", *request, response, [&] { return access_->CreateRole(request->entity().name()); });
}

grpc::Status MilvusServiceImpl::DropRole(CallContext* context, const pb::milvus::DropRoleRequest* request,
                                         pb::common::Status* response) {
  return Run(context, "DropRole", *request, response, [&] { return access_->DropRole(request->role_name(), request->force_drop()); });
}

grpc::Status MilvusServiceImpl::OperateUserRole(CallContext* context, const pb::milvus::OperateUserRoleRequest* request,
                                                pb::common::Status* response) {
  return Run(context, "OperateUserRole", *request, response, [&] {
    return access_->OperateUserRole(request->username(), request->role_name(),
                                            request->type() == pb::milvus::AddUserToRole);
  });
}

grpc::Status MilvusServiceImpl::SelectRole(CallContext* context, const pb::milvus::SelectRoleRequest* request,
                                           pb::milvus::SelectRoleResponse* response) {
  return Run(context, "SelectRole", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto roles, access_->ListRoles());
    for (const auto& role : roles) {
      if (!request->role().name().empty() && role.name != request->role().name()) continue;
      auto* result = response->add_results();
      result->mutable_role()->set_name(role.name);
      if (request->include_user_info()) {
        for (const auto& u : role.users) result->add_users()->set_name(u);
      }
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::SelectUser(CallContext* context, const pb::milvus::SelectUserRequest* request,
                                           pb::milvus::SelectUserResponse* response) {
  return Run(context, "SelectUser", *request, response->mutable_status(), [&]() -> Status {
    std::vector<cluster::UserInfo> users;
    if (request->user().name().empty()) {
      QUIVER_ASSIGN_OR_RETURN(users, access_->ListUsers());
    } else {
      QUIVER_ASSIGN_OR_RETURN(cluster::UserInfo user, access_->DescribeUser(request->user().name()));
      users.push_back(std::move(user));
    }
    for (const auto& user : users) {
      auto* result = response->add_results();
      result->mutable_user()->set_name(user.name);
      if (request->include_role_info()) {
        for (const auto& r : user.roles) result->add_roles()->set_name(r);
      }
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::OperatePrivilege(CallContext* context, const pb::milvus::OperatePrivilegeRequest* request,
                                                 pb::common::Status* response) {
  return Run(context, "OperatePrivilege", *request, response, [&] {
    const auto& e = request->entity();
    cluster::Grant grant{e.role().name(), e.object().name(), e.object_name(), e.grantor().privilege().name(),
                         e.db_name().empty() ? Database(context, "") : e.db_name(), e.grantor().user().name()};
    if (grant.grantor.empty()) grant.grantor = Caller(context).user;
    return access_->OperatePrivilege(grant, request->type() == pb::milvus::Grant);
  });
}

grpc::Status MilvusServiceImpl::OperatePrivilegeV2(CallContext* context,
                                                   const pb::milvus::OperatePrivilegeV2Request* request,
                                                   pb::common::Status* response) {
  return Run(context, "OperatePrivilegeV2", *request, response, [&] {
    return access_->OperatePrivilegeV2(request->role().name(), request->grantor().privilege().name(),
                                       Database(context, request->db_name()), request->collection_name(),
                                       Caller(context).user,
                                       request->type() == pb::milvus::Grant);
  });
}

grpc::Status MilvusServiceImpl::SelectGrant(CallContext* context, const pb::milvus::SelectGrantRequest* request,
                                            pb::milvus::SelectGrantResponse* response) {
  return Run(context, "SelectGrant", *request, response->mutable_status(), [&]() -> Status {
    const auto& e = request->entity();
    QUIVER_ASSIGN_OR_RETURN(auto grants, access_->SelectGrants(e.role().name(), e.object().name(),
                                                                       e.object_name(), e.db_name()));
    for (const auto& g : grants) ToGrantEntity(g, response->add_entities());
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::CreatePrivilegeGroup(CallContext* context,
                                                     const pb::milvus::CreatePrivilegeGroupRequest* request,
                                                     pb::common::Status* response) {
  return Run(context, "CreatePrivilegeGroup", *request, response,
             [&] { return access_->CreatePrivilegeGroup(request->group_name()); });
}

grpc::Status MilvusServiceImpl::DropPrivilegeGroup(CallContext* context,
                                                   const pb::milvus::DropPrivilegeGroupRequest* request,
                                                   pb::common::Status* response) {
  return Run(context, "DropPrivilegeGroup", *request, response,
             [&] { return access_->DropPrivilegeGroup(request->group_name()); });
}

grpc::Status MilvusServiceImpl::ListPrivilegeGroups(CallContext* context,
                                                    const pb::milvus::ListPrivilegeGroupsRequest* request,
                                                    pb::milvus::ListPrivilegeGroupsResponse* response) {
  return Run(context, "ListPrivilegeGroups", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto groups, access_->ListPrivilegeGroups());
    for (const auto& g : groups) {
      auto* info = response->add_privilege_groups();
      info->set_group_name(g.name);
      for (const auto& p : g.privileges) info->add_privileges()->set_name(p);
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::OperatePrivilegeGroup(CallContext* context,
                                                      const pb::milvus::OperatePrivilegeGroupRequest* request,
                                                      pb::common::Status* response) {
  return Run(context, "OperatePrivilegeGroup", *request, response, [&] {
    std::vector<std::string> privileges;
    for (const auto& p : request->privileges()) privileges.push_back(p.name());
    return access_->OperatePrivilegeGroup(request->group_name(), privileges,
                                          request->type() == pb::milvus::AddPrivilegesToGroup);
  });
}

grpc::Status MilvusServiceImpl::AlterIndex(CallContext* context, const pb::milvus::AlterIndexRequest* request,
                                           pb::common::Status* response) {
  return Run(context, "AlterIndex", *request, response, [&]() -> Status {
    return proxy_->AlterIndex(Database(context, request->db_name()), request->collection_name(),
                                       request->index_name(), KeyValuesFromProto(request->extra_params()),
                                       {request->delete_keys().begin(), request->delete_keys().end()});
  });
}

grpc::Status MilvusServiceImpl::AlterCollectionField(CallContext* context,
                                                     const pb::milvus::AlterCollectionFieldRequest* request,
                                                     pb::common::Status* response) {
  return Run(context, "AlterCollectionField", *request, response, [&]() -> Status {
    return proxy_->AlterField(Database(context, request->db_name()), request->collection_name(),
                                       request->field_name(), KeyValuesFromProto(request->properties()),
                                       {request->delete_keys().begin(), request->delete_keys().end()});
  });
}

}  // namespace quiver::rpc::milvus
