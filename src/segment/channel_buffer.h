#pragma once

// ChannelBuffer turns one WAL channel's message stream into segments, identically in every
// consumer (the datanode, which flushes them, and the querynode, which searches them), so both
// agree on segment ids without talking to each other:
//   - the stream is cut into epochs by Seal messages; epoch numbers count seals from the channel's
//     start, and consumers resume from a checkpoint (lsn, epoch);
//   - inserts for partition slot p in epoch e go to growing segment SegmentIdFor(uid, e, p);
//   - deletes go to the channel's DeleteLog (every delete, for searches) and to the epoch's delete
//     list (written as the epoch's delta file when it is flushed).
// Thread-safe: Apply() from the consumer thread, readers from search threads.

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "segment/segment.h"
#include "segment/wal_message.h"
#include "storage/wal/wal.h"

namespace quiver::segment {

// uid: 23 bits, epoch: 24 bits, slot: 16 bits.
inline SegmentId SegmentIdFor(uint64_t channel_uid, uint64_t epoch, uint32_t slot) {
  return static_cast<SegmentId>((channel_uid << 40) | ((epoch & 0xFFFFFF) << 16) | (slot & 0xFFFF));
}

class ChannelBuffer {
 public:
  struct Epoch {
    uint64_t epoch = 0;
    storage::Lsn seal_lsn = 0;
    std::vector<std::shared_ptr<GrowingSegment>> segments;
    std::vector<std::pair<PrimaryKey, Timestamp>> deletes;
  };

  // `deletes` receives every delete (shared with searches); `epoch` is where the stream resumes.
  ChannelBuffer(std::shared_ptr<const schema::CollectionSchema> schema, int64_t collection_id,
                std::string channel, uint64_t channel_uid, uint64_t epoch,
                std::shared_ptr<DeleteLog> deletes);

  // Applies the message at `lsn`. Messages of other collections are ignored. InvalidArgument
  // if the rows do not match the schema.
  Status Apply(storage::Lsn lsn, const WalMessage& message);

  // Closed epochs (oldest first), removed from the buffer. For the datanode.
  std::vector<Epoch> TakeSealedEpochs();
  // Segments to search: the current epoch's growing segments and closed epochs still held.
  std::vector<std::shared_ptr<const Segment>> Segments() const;
  // Forgets held segments whose flushed copies the caller now serves.
  void DropSegments(const std::set<SegmentId>& ids);

  uint64_t epoch() const;
  storage::Lsn applied_lsn() const;
  // Rows in the current epoch, and bytes, for sealing decisions.
  size_t growing_rows() const;
  size_t growing_bytes() const;
  // Rows per partition id in the current epoch and in held closed epochs.
  std::map<int64_t, size_t> RowsByPartition() const;
  const std::string& channel() const { return channel_; }
  const std::shared_ptr<DeleteLog>& deletes() const { return deletes_; }

 private:
  std::shared_ptr<const schema::CollectionSchema> schema_;
  int64_t collection_id_;
  std::string channel_;
  uint64_t channel_uid_;
  std::shared_ptr<DeleteLog> deletes_;
  mutable Mutex mu_;
  uint64_t epoch_ QUIVER_GUARDED_BY(mu_);
  storage::Lsn applied_lsn_ QUIVER_GUARDED_BY(mu_) = 0;
  std::map<uint32_t, std::shared_ptr<GrowingSegment>> current_ QUIVER_GUARDED_BY(mu_);  // by slot
  std::map<uint32_t, int64_t> partition_of_slot_ QUIVER_GUARDED_BY(mu_);
  std::vector<std::pair<PrimaryKey, Timestamp>> epoch_deletes_ QUIVER_GUARDED_BY(mu_);
  std::vector<Epoch> closed_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace quiver::segment
