#pragma once

// A replica split over several query nodes (distributed mode; docs/design/replicas.md). Every
// node of the replica follows all of the collection's channels, so each has the deletes and the
// growing rows, but each serves only the segments it owns, growing or sealed: a segment keeps its
// id from its first row to its flush (segment::SegmentIdFor), so ownership never changes when it
// is sealed. The coordinator pins the sealed segments it knows to nodes, balancing rows; a segment
// it has not pinned (growing, or flushed since) goes to the member chosen by rendezvous hashing of
// the segment id over the replica's node ids, which every node computes alone: a flush never
// waits for the coordinator, and the growing copy's owner is the flushed copy's.
//
// The alternatives: hashing alone needs no table, but spreads a few segments unevenly (12 segments
// over 3 nodes leave one empty about once in 40, by calculation: 3 · (2/3)^12); a table alone
// (Milvus's distribution) would make each flush wait for the coordinator before the growing copy
// could be dropped; whole channels per node would keep a primary key's versions on one node but
// spread nothing for the common one-shard collection.

#include <cstdint>
#include <map>
#include <vector>

#include "segment/segment.h"

namespace quiver::cluster {

// The query nodes (session ids, ascending) over which a replica's segments are spread. Empty: one
// node serves the whole collection (standalone).
using ReplicaMembers = std::vector<int64_t>;

// A 64-bit mix of `x` (the SplitMix64 finalizer): every input bit affects every output bit.
inline uint64_t MixBits(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The member that serves `segment` by rendezvous hashing: the one with the highest hash of
// (segment, member); ties, which need equal hashes, go to the lower id. 0 when `members` is empty.
inline int64_t HashedOwner(segment::SegmentId segment, const ReplicaMembers& members) {
  const uint64_t mixed = MixBits(static_cast<uint64_t>(segment));
  int64_t best = 0;
  uint64_t best_score = 0;
  bool found = false;
  for (int64_t member : members) {
    uint64_t score = MixBits(mixed + static_cast<uint64_t>(member) * 0x9e3779b97f4a7c15ULL);
    if (!found || score > best_score || (score == best_score && member < best)) {
      best = member;
      best_score = score;
      found = true;
    }
  }
  return best;
}

// One replica's division of a collection among its query nodes. The coordinator pins the sealed
// segments it knows to nodes so that each holds about as many rows (coord/replicas.h); every
// other segment (flushed since, or still growing) goes by rendezvous hashing. A share never
// changes under its id: the coordinator places a new replica instead.
struct ReplicaShare {
  int64_t replica_id = 0;  // 0: the whole collection on one node (standalone)
  ReplicaMembers members;  // ascending; empty with replica_id 0
  std::map<segment::SegmentId, int64_t> pinned;
  bool operator==(const ReplicaShare&) const = default;

  // The member that serves `segment` (0 for the whole collection).
  int64_t OwnerOf(segment::SegmentId segment) const {
    if (auto it = pinned.find(segment); it != pinned.end()) return it->second;
    return HashedOwner(segment, members);
  }
  // Whether node `node_id` serves `segment` in this share.
  bool Serves(int64_t node_id, segment::SegmentId segment) const {
    return members.empty() || OwnerOf(segment) == node_id;
  }
};

}  // namespace quiver::cluster
