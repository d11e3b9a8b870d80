#pragma once

// Reads in plain C++ types: search, hybrid search and query as Milvus defines them (parameters by
// their Milvus names and values as the client wrote them), decoded from the wire by the front
// doors (src/rpc/) and run by Proxy::Search / HybridSearch / Query (proxy/search.cc).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/catalog_types.h"
#include "cluster/read_types.h"
#include "expr/binder.h"
#include "proxy/search_iterator.h"

namespace quiver::proxy {

// Which columns a search or query returns.
struct OutputPlan {
  std::vector<schema::FieldId> field_ids;  // schema fields to fetch
  std::set<std::string> dynamic_keys;      // keys kept from $meta (empty + dynamic_all = all keys)
  bool dynamic_all = false;
  std::vector<std::string> names;          // output_fields as reported to the client
};

// How long a read may wait for its consistency level, and whether the client gave up.
struct ReadWait {
  int32_t consistency_level = 2;  // Milvus's ConsistencyLevel numbering (0 Strong .. 3 Eventually)
  std::chrono::milliseconds budget{30000};
  std::function<bool()> cancelled;  // may be empty
};

// Query vectors as the client sent them: their type and one value per query, each in Milvus's
// placeholder encoding (little-endian floats, packed bits, 16-bit floats, sparse rows). The
// values are views into the request, which outlives the call.
struct QueryVectors {
  schema::DataType type = schema::DataType::kNone;  // kNone: a placeholder type Quiver does not take
  int wire_type = 0;                                // the placeholder type number, for messages
  std::vector<std::string_view> values;
};

// One vector search (a Search request, or one sub-request of a hybrid search).
struct AnnSearch {
  std::map<std::string, std::string> params;  // search_params: anns_field, topk, metric_type, params...
  QueryVectors vectors;
  int64_t nq = 0;                             // as declared by the client (0: not sent)
  std::string filter;                         // boolean expression (empty: every row)
  expr::TemplateValues templates;             // values of the filter's {placeholders}
};

struct SearchArgs {
  cluster::CollectionPtr collection;          // loaded
  std::vector<int64_t> partitions;            // loaded partition ids (empty: all loaded)
  std::vector<std::string> output_fields;
  AnnSearch ann;
  ReadWait wait;
};

struct HybridSearchArgs {
  cluster::CollectionPtr collection;
  std::vector<int64_t> partitions;
  std::vector<std::string> output_fields;
  std::vector<AnnSearch> subs;
  std::map<std::string, std::string> rank_params;  // strategy, params (JSON), limit, offset, round_decimal
  ReadWait wait;
};

// A page of a search iterator: the token and bound the client sends back for the next page.
struct IteratorPage {
  std::string token;
  float last_bound = 0;
};

struct SearchOutcome {
  cluster::SearchResult result;  // per query, best first, output columns gathered
  OutputPlan output;
  size_t topk = 0;               // the limit asked for (reported as top_k)
  int64_t round_decimal = -1;    // digits to round scores to on the way out (-1: none)
  Timestamp session_ts = 0;      // the snapshot read (0: Eventually)
  std::optional<IteratorPage> iterator;
};

struct QueryArgs {
  cluster::CollectionPtr collection;
  std::vector<int64_t> partitions;
  std::map<std::string, std::string> params;  // query_params: limit, offset, iterator...
  std::string filter;
  expr::TemplateValues templates;
  std::vector<std::string> output_fields;     // may be ["count(*)"]
  Timestamp guarantee_timestamp = 0;          // a query iterator's snapshot after its first page
  ReadWait wait;
};

struct QueryOutcome {
  bool count_only = false;
  size_t count = 0;                              // count_only
  std::shared_ptr<const schema::DataChunk> rows; // otherwise, columns in output order
  OutputPlan output;
  Timestamp session_ts = 0;
};

// Milvus: round_decimal is -1 (no rounding) or a number of digits in [0, 6].
Status CheckRoundDecimal(int64_t round_decimal);

}  // namespace quiver::proxy
