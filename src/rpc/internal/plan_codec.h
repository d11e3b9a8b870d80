#pragma once

// Filter plans across Quiver's internal RPC (proto/internal/node.proto's Plan): a flat pre-order
// encoding of expr::PlanNode, so plans as deep as the parser allows cross protobuf's nesting
// limit. Decoding checks every enum's range and the counts, and refuses a plan deeper than
// kMaxPlanDepth.

#include <memory>

#include "common/status.h"
#include "expr/plan.h"
#include "internal/node.pb.h"

namespace quiver::rpc {

constexpr int kMaxPlanDepth = 1000;

void EncodePlan(const expr::PlanNode& plan, quiver::internal::Plan* out);
// nullptr for an empty Plan (no filter).
Result<std::shared_ptr<const expr::PlanNode>> DecodePlan(const quiver::internal::Plan& plan);

}  // namespace quiver::rpc
