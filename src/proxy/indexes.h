#pragma once

// CreateIndex as Milvus defines it, in plain types: the request's extra_params (index_type,
// metric_type, the params JSON or flat build keys) are resolved against the field and the index
// registry into the catalog's IndexInfo (proxy/indexes.cc, Proxy::CreateIndex).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/catalog_types.h"
#include "common/status.h"
#include "schema/schema.h"

namespace quiver::proxy {

struct IndexSpec {
  std::string field_name;
  std::string index_name;      // empty: the field's name
  cluster::KeyValues extra_params;
};

// Why Quiver has no mmap switches (collection, field and index properties refuse them).
inline constexpr std::string_view kMmapWhy =
    "Quiver decides memory mapping itself (sealed segment files and HNSW index files are mapped from a local "
    "store, other data is held in memory); a per-collection, per-field or per-index switch is not implemented";

// Go's strconv.ParseBool, which Milvus uses for every boolean property.
std::optional<bool> ParseGoBool(std::string_view text);
// A whole non-negative decimal ("12").
std::optional<int64_t> ParseNonNegative(std::string_view text);

// The IndexInfo (name, type, metric, params as echoed by DescribeIndex) of `spec` on `field`:
// index_type and metric_type may come as keys or inside the params JSON (not both with different
// values); AUTOINDEX and the field type's default metric fill what is missing. Every parameter is
// checked: vector indexes take their family's build parameters (and the documented extras of
// families served by another one), scalar indexes none.
Result<cluster::IndexInfo> ResolveIndex(const schema::FieldSchema& field, const IndexSpec& spec);

// The build parameters part of ResolveIndex (`build`: every key besides index_type and
// metric_type) for an index of `index_type` on `field`.
Status CheckIndexParams(const schema::FieldSchema& field, const std::string& index_type,
                        const std::map<std::string, std::string>& build);

}  // namespace quiver::proxy
