#pragma once

// Milvus settings a request may carry outside the schema proper, in plain types: collection and
// database properties, field type params, field and index properties. Every one either works or
// is refused (docs/design/options.md): NotSupported with ErrorDetail::kUnimplemented (Milvus code
// 10) for a Milvus feature Quiver does not implement, InvalidArgument (1100) for an invalid
// value. A setting is accepted without an implementation only when its value is what Quiver does
// anyway (`collection.ttl.seconds: 0` = never expire), and is then reported back as given. The
// proxy checks them in the methods that take them, for every front door.

#include <string>

#include "cluster/catalog_types.h"
#include "common/status.h"
#include "schema/schema.h"

namespace quiver::proxy {

enum class PropertyScope { kCollection, kDatabase };

// Properties set on a collection (CreateCollection, AlterCollection) or a database
// (CreateDatabase, AlterDatabase). Keys Milvus defines are checked against the table in
// properties.cc; keys outside Milvus's namespaces are user metadata, stored and reported as given.
Status CheckProperties(PropertyScope scope, const cluster::KeyValues& properties);

// One type param of field `field` at CreateCollection: dim, max_length and max_capacity work;
// the text-analysis and load switches are accepted only at their default; the rest is refused.
Status CheckTypeParam(const std::string& field, const std::string& key, const std::string& value);

// Schema features a new collection may use: Geometry and Timestamptz fields are not supported yet,
// String fields are refused (VarChar is the string type), at most one clustering key.
Status CheckSchemaFeatures(const schema::CollectionSchema& schema);

// AlterCollectionField properties checked before the coord applies them (max_length works;
// mmap.enabled and description are refused; the coord refuses the rest).
Status CheckFieldProperties(const std::string& field, const cluster::KeyValues& properties);

// AlterIndex properties: Milvus alters only mmap.enabled, which Quiver does not implement.
Status CheckAlterIndexParams(const cluster::KeyValues& params);

}  // namespace quiver::proxy
