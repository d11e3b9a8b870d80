// Users, roles and privileges (bookkeeping; request authentication comes with the security work),
// and altering index and field properties.

#include "proxy/grpc_service.h"
#include "proxy/options.h"

namespace quiver::proxy {

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

grpc::Status MilvusServiceImpl::CreateCredential(grpc::ServerContext* context, const pb::milvus::CreateCredentialRequest* request,
                                                 pb::common::Status* response) {
  Run(context, "CreateCredential", response, [&]() -> Status {
    if (!request->description().empty()) {
      return Status::NotSupported("user descriptions are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    return proxy_->coord()->CreateUser(request->username(), request->password());
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::UpdateCredential(grpc::ServerContext* context, const pb::milvus::UpdateCredentialRequest* request,
                                                 pb::common::Status* response) {
  Run(context, "UpdateCredential", response, [&]() -> Status {
    if (!request->description().empty()) {
      return Status::NotSupported("user descriptions are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    return proxy_->coord()->UpdatePassword(request->username(), request->oldpassword(), request->newpassword());
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DeleteCredential(grpc::ServerContext* context, const pb::milvus::DeleteCredentialRequest* request,
                                                 pb::common::Status* response) {
  Run(context, "DeleteCredential", response, [&] { return proxy_->coord()->DeleteUser(request->username()); });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListCredUsers(grpc::ServerContext* context, const pb::milvus::ListCredUsersRequest*,
                                              pb::milvus::ListCredUsersResponse* response) {
  Run(context, "ListCredUsers", response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto users, proxy_->coord()->ListUsers());
    for (const auto& u : users) response->add_usernames(u.name);
    return Status::OK();
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::CreateRole(grpc::ServerContext* context, const pb::milvus::CreateRoleRequest* request,
                                           pb::common::Status* response) {
  Run(context, "CreateRole", response, [&] { return proxy_->coord()->CreateRole(request->entity().name()); });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DropRole(grpc::ServerContext* context, const pb::milvus::DropRoleRequest* request,
                                         pb::common::Status* response) {
  Run(context, "DropRole", response, [&] { return proxy_->coord()->DropRole(request->role_name(), request->force_drop()); });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::OperateUserRole(grpc::ServerContext* context, const pb::milvus::OperateUserRoleRequest* request,
                                                pb::common::Status* response) {
  Run(context, "OperateUserRole", response, [&] {
    return proxy_->coord()->OperateUserRole(request->username(), request->role_name(),
                                            request->type() == pb::milvus::AddUserToRole);
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::SelectRole(grpc::ServerContext* context, const pb::milvus::SelectRoleRequest* request,
                                           pb::milvus::SelectRoleResponse* response) {
  Run(context, "SelectRole", response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto roles, proxy_->coord()->ListRoles());
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
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::SelectUser(grpc::ServerContext* context, const pb::milvus::SelectUserRequest* request,
                                           pb::milvus::SelectUserResponse* response) {
  Run(context, "SelectUser", response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto users, proxy_->coord()->ListUsers());
    bool found = false;
    for (const auto& user : users) {
      if (!request->user().name().empty() && user.name != request->user().name()) continue;
      found = true;
      auto* result = response->add_results();
      result->mutable_user()->set_name(user.name);
      if (request->include_role_info()) {
        for (const auto& r : user.roles) result->add_roles()->set_name(r);
      }
    }
    if (!found && !request->user().name().empty()) return Status::NotFound("user not found: " + request->user().name());
    return Status::OK();
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::OperatePrivilege(grpc::ServerContext* context, const pb::milvus::OperatePrivilegeRequest* request,
                                                 pb::common::Status* response) {
  Run(context, "OperatePrivilege", response, [&] {
    const auto& e = request->entity();
    cluster::Grant grant{e.role().name(), e.object().name(), e.object_name(), e.grantor().privilege().name(),
                         e.db_name().empty() ? Database(context, "") : e.db_name(), e.grantor().user().name()};
    return proxy_->coord()->OperatePrivilege(grant, request->type() == pb::milvus::Grant);
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::OperatePrivilegeV2(grpc::ServerContext* context,
                                                   const pb::milvus::OperatePrivilegeV2Request* request,
                                                   pb::common::Status* response) {
  Run(context, "OperatePrivilegeV2", response, [&] {
    std::string collection = request->collection_name().empty() ? "*" : request->collection_name();
    cluster::Grant grant{request->role().name(), "Collection", collection, request->grantor().privilege().name(),
                         request->db_name().empty() ? "*" : request->db_name(), request->grantor().user().name()};
    return proxy_->coord()->OperatePrivilege(grant, request->type() == pb::milvus::Grant);
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::SelectGrant(grpc::ServerContext* context, const pb::milvus::SelectGrantRequest* request,
                                            pb::milvus::SelectGrantResponse* response) {
  Run(context, "SelectGrant", response->mutable_status(), [&]() -> Status {
    const auto& e = request->entity();
    QUIVER_ASSIGN_OR_RETURN(auto grants, proxy_->coord()->SelectGrants(e.role().name(), e.object().name(),
                                                                       e.object_name(), e.db_name()));
    for (const auto& g : grants) ToGrantEntity(g, response->add_entities());
    return Status::OK();
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AlterIndex(grpc::ServerContext* context, const pb::milvus::AlterIndexRequest* request,
                                           pb::common::Status* response) {
  Run(context, "AlterIndex", response, [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckAlterIndexParams(request->extra_params()));
    return proxy_->coord()->AlterIndex(Database(context, request->db_name()), request->collection_name(),
                                       request->index_name(), KeyValuesFromProto(request->extra_params()),
                                       {request->delete_keys().begin(), request->delete_keys().end()});
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AlterCollectionField(grpc::ServerContext* context,
                                                     const pb::milvus::AlterCollectionFieldRequest* request,
                                                     pb::common::Status* response) {
  Run(context, "AlterCollectionField", response, [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckFieldProperties(request->field_name(), request->properties()));
    return proxy_->coord()->AlterField(Database(context, request->db_name()), request->collection_name(),
                                       request->field_name(), KeyValuesFromProto(request->properties()),
                                       {request->delete_keys().begin(), request->delete_keys().end()});
  });
  return grpc::Status::OK;
}

}  // namespace quiver::proxy
