#pragma once

// Search iterator v2 (Milvus >= 2.5: the Node SDK's searchIterator, pymilvus's
// SearchIteratorV2). The client repeats one search with search_params `iterator=true`,
// `search_iter_v2=true`, `search_iter_batch_size` and `collection_id`; from the second page on it
// also sends back what the previous page returned: SearchIteratorV2Results.token as
// `search_iter_id`, SearchIteratorV2Results.last_bound as `search_iter_last_bound`, and the
// response's session_ts as `guarantee_timestamp`.
//
// Quiver keeps no state per iterator. A page is a search for the next batch_size hits after a
// cursor in result order (distance by the metric, then primary key ascending), read at the
// timestamp of the first page (guarantee_timestamp), so rows inserted meanwhile do not shift the
// pages. The cursor is the last hit's distance and primary key; the key travels in the token,
// which therefore changes from page to page:
//
//   qi1.<id>.<bound>.<key>
//     id     16 hex digits, random, chosen on the first page and kept (names the iterator)
//     bound  8 hex digits: the float32 bits of the last hit's distance (equal to last_bound)
//     key    i<decimal Int64> | s<hex of the VarChar bytes> | - (no hit returned yet)
//
// The key counts only when `bound` equals the search_iter_last_bound sent with it. pymilvus sends
// its first token again on every page; the mismatch then turns the cursor into a strict bound
// (every hit at exactly last_bound is left out), so ties at a page boundary may be skipped but
// never returned twice. A token this server did not issue is taken as a bare iterator id.
// The alternative, server-side state (token -> keys returned at the bound), would serve any
// client exactly, but needs expiry and is lost on a restart or behind another proxy.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/timestamp.h"
#include "schema/types.h"
#include "segment/segment.h"

namespace quiver::proxy {

// The search_params keys of a search iterator (all handled by the proxy, none reach the index).
inline constexpr const char* kSearchIteratorKeys[] = {
    "iterator", "search_iter_v2", "search_iter_batch_size", "search_iter_id",
    "search_iter_last_bound", "guarantee_timestamp", "collection_id"};

struct SearchIteratorParams {
  bool enabled = false;       // iterator and search_iter_v2 both true
  size_t batch_size = 0;      // 0 = not sent (the page size is then topk)
  std::string id;             // empty on the first page
  std::optional<float> last_bound;
  std::optional<segment::PrimaryKey> last_pk;  // only when the token's bound matches last_bound
  Timestamp snapshot = 0;     // guarantee_timestamp; 0 = not pinned yet (first page)
  int64_t collection_id = 0;  // 0 = not sent
};

// Reads the iterator keys of `params` (search_params by key, values as the client wrote them;
// other keys are ignored). `pk_type` is the collection's primary key type. InvalidArgument for a
// malformed value, a batch size outside [1, 16384], or a token whose key has the other type.
Result<SearchIteratorParams> ParseSearchIterator(const std::map<std::string, std::string>& params,
                                                 schema::DataType pk_type);

// A Milvus boolean search/query param: true/false in any case, 1/0; empty is false.
// InvalidArgument otherwise.
Result<bool> ParseFlag(const std::string& name, const std::string& text);
// A whole decimal int64 ("12"); `name` labels the error.
Result<int64_t> ParseInteger(const std::string& name, const std::string& text);

// True for the true values of ParseFlag, false for anything else (for keys that are ignored when
// malformed).
bool FlagSet(const std::string& text);

// A new random iterator id (16 hex digits). Thread-safe.
std::string NewSearchIteratorId();

// The token of a page whose last hit was (last_bound, last_pk); no key before the first hit.
std::string EncodeSearchIteratorToken(std::string_view id, float last_bound,
                                      const std::optional<segment::PrimaryKey>& last_pk);

struct SearchIteratorToken {
  std::string id;
  std::optional<uint32_t> bound_bits;  // the float32 bits of the bound the key belongs to
  std::optional<segment::PrimaryKey> last_pk;
};

// Never fails: a token not in the qi1 format is an id with no cursor.
SearchIteratorToken DecodeSearchIteratorToken(std::string_view token);

}  // namespace quiver::proxy
