// Recovery of damaged WAL channels: a torn tail is cut, anything else is corruption that is either
// refused (the channel fails, the others work, nothing on disk changes) or skipped with an ERROR
// log. The damage is made by editing the bytes of real files, and by crashing a fault-injecting
// file system in the middle of a write.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/testing_dir.h"
#include "storage/fault_injection.h"
#include "storage/wal/wal.h"
#include "storage/wal/wal_format.h"

namespace quiver::storage {
namespace {

std::string Payload(Lsn lsn, size_t size = 200) {
  std::string out = "record-" + std::to_string(lsn) + "-";
  while (out.size() < size) out.push_back(static_cast<char>('a' + (lsn + out.size()) % 26));
  return out;
}

WalOptions Options(WalCorruptionPolicy policy, uint64_t segment_bytes = 64ull << 20) {
  WalOptions options;
  options.corruption_policy = policy;
  options.segment_bytes = segment_bytes;
  return options;
}

// Small files: ten 216-byte records each, so 60 records make files starting at 1, 11, ..., 51.
constexpr uint64_t kSmallSegment = 2048;
constexpr WalCorruptionPolicy kRefuse = WalCorruptionPolicy::kRefuse;
constexpr WalCorruptionPolicy kSkip = WalCorruptionPolicy::kSkip;

class WalRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = NewPosixFileSystem(); }

  std::unique_ptr<Wal> Open(WalOptions options) {
    auto wal = OpenFileWal(fs_.get(), dir_.Sub("wal"), options);
    EXPECT_TRUE(wal.ok()) << wal.status().ToString();
    return wal.ok() ? std::move(wal).value() : nullptr;
  }

  // Writes `count` records (Payload(lsn)) to each of `channels`, then closes the WAL.
  void Write(const std::vector<std::string>& channels, Lsn count, uint64_t segment_bytes) {
    auto wal = Open(Options(kRefuse, segment_bytes));
    ASSERT_NE(wal, nullptr);
    for (const auto& channel : channels) {
      ASSERT_TRUE(wal->CreateChannel(channel).ok());
      for (Lsn lsn = 1; lsn <= count; ++lsn) {
        ASSERT_EQ(wal->Append(channel, {Payload(lsn)}).ValueOr(0), lsn);
      }
    }
  }

  std::vector<std::string> Files(const std::string& channel) {
    std::vector<std::string> paths;
    for (const auto& name : *fs_->ListDir(dir_.Sub("wal/" + channel))) {
      paths.push_back(dir_.Sub("wal/" + channel + "/" + name));
    }
    return paths;
  }

  // Every file of the channel with its bytes, to check that nothing changed.
  std::map<std::string, std::string> Snapshot(const std::string& channel) {
    std::map<std::string, std::string> out;
    for (const auto& path : Files(channel)) out[path] = *fs_->ReadFile(path);
    return out;
  }

  // Offsets of the records in a file, found by walking the length fields.
  std::vector<uint64_t> RecordOffsets(const std::string& path) {
    std::string bytes = *fs_->ReadFile(path);
    std::vector<uint64_t> offsets;
    for (uint64_t at = 0; at + kWalHeaderSize <= bytes.size();
         at += kWalHeaderSize + DecodeFixed32(bytes.data() + at + 4)) {
      offsets.push_back(at);
    }
    return offsets;
  }

  void XorByte(const std::string& path, uint64_t offset, char mask) {
    std::string bytes = *fs_->ReadFile(path);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ mask);
    ASSERT_TRUE(WriteFileAtomic(fs_.get(), path, bytes).ok());
  }

  void AppendBytes(const std::string& path, std::string_view data) {
    auto file = fs_->OpenWritable(path, /*truncate=*/false);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(data).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  // Records of `channel` from `from` on; a failed read fails the test and returns none.
  static std::vector<WalRecord> ReadAll(Wal* wal, const std::string& channel, Lsn from = 1,
                                        size_t max_records = 1000) {
    auto records = wal->Read(channel, from, max_records, 1 << 30);
    EXPECT_TRUE(records.ok()) << channel << ": " << records.status().ToString();
    return std::move(records).ValueOr({});
  }

  static std::vector<Lsn> Lsns(const std::vector<WalRecord>& records) {
    std::vector<Lsn> lsns;
    for (const auto& record : records) lsns.push_back(record.lsn);
    return lsns;
  }

  static std::vector<Lsn> Range(Lsn first, Lsn last, std::set<Lsn> without = {}) {
    std::vector<Lsn> lsns;
    for (Lsn lsn = first; lsn <= last; ++lsn) {
      if (!without.count(lsn)) lsns.push_back(lsn);
    }
    return lsns;
  }

  // The message of the Corruption status `channel` was refused with; empty if it was not.
  static std::string FailureMessage(Wal* wal, const std::string& channel) {
    for (const auto& [name, status] : wal->FailedChannels()) {
      if (name == channel) return std::string(status.message());
    }
    return "";
  }

  // Checks that `wal` refused `channel` with a Corruption that names it, `path` and `offset`, and
  // that every operation on it but DropChannel fails the same way.
  static void ExpectRefused(Wal* wal, const std::string& channel, const std::string& path,
                            uint64_t offset) {
    auto failed = wal->FailedChannels();
    auto it = std::find_if(failed.begin(), failed.end(),
                           [&](const auto& entry) { return entry.first == channel; });
    ASSERT_NE(it, failed.end()) << channel << " not reported as failed";
    const Status& status = it->second;
    EXPECT_TRUE(status.IsCorruption()) << status.ToString();
    std::string message(status.message());
    EXPECT_NE(message.find("WAL channel " + channel + " "), std::string::npos) << message;
    EXPECT_NE(message.find(path + " offset " + std::to_string(offset) + ";"), std::string::npos)
        << message;
    EXPECT_TRUE(wal->Append(channel, {"x"}).status().IsCorruption());
    EXPECT_TRUE(wal->Read(channel, 1, 100, 1 << 30).status().IsCorruption());
    EXPECT_TRUE(wal->LastLsn(channel).status().IsCorruption());
    EXPECT_TRUE(wal->FirstLsn(channel).status().IsCorruption());
    EXPECT_TRUE(wal->WaitFor(channel, 1, std::chrono::milliseconds(1)).status().IsCorruption());
    EXPECT_TRUE(wal->Truncate(channel, 1000).IsCorruption());
    EXPECT_TRUE(wal->CreateChannel(channel).IsCorruption());
  }

  quiver::testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(WalRecoveryTest, HealthyWalReportsNoFailures) {
  Write({"a", "b"}, 30, kSmallSegment);
  auto wal = Open(Options(kRefuse, kSmallSegment));
  ASSERT_NE(wal, nullptr);
  EXPECT_TRUE(wal->FailedChannels().empty());
  EXPECT_EQ(wal->CorruptionEvents(), 0u);
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "a")), Range(1, 30));
  auto memory = NewMemoryWal();
  EXPECT_TRUE(memory->FailedChannels().empty());
  EXPECT_EQ(memory->CorruptionEvents(), 0u);
}

TEST_F(WalRecoveryTest, MissingMiddleFileRefusesOnlyThatChannel) {
  Write({"a", "b"}, 60, kSmallSegment);
  std::vector<std::string> files = Files("a");
  ASSERT_EQ(files.size(), 6u);
  ASSERT_TRUE(fs_->Remove(files[2]).ok());  // lsns 21..30
  auto before = Snapshot("a");

  auto wal = Open(Options(kRefuse, kSmallSegment));
  ASSERT_NE(wal, nullptr);
  ASSERT_EQ(wal->FailedChannels().size(), 1u);
  ExpectRefused(wal.get(), "a", files[3], 0);  // the gap shows at the file after it
  std::string message = FailureMessage(wal.get(), "a");
  EXPECT_NE(message.find("10 lsn(s) lost"), std::string::npos) << message;
  EXPECT_NE(message.find("30 valid record(s)"), std::string::npos) << message;
  EXPECT_EQ(wal->CorruptionEvents(), 1u);
  EXPECT_EQ(Snapshot("a"), before);  // refused: nothing written

  // The other channel is untouched.
  EXPECT_EQ(wal->LastLsn("b").ValueOr(0), 60u);
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "b")), Range(1, 60));
  EXPECT_EQ(wal->Append("b", {"more"}).ValueOr(0), 61u);
  EXPECT_EQ(*wal->ListChannels(), (std::vector<std::string>{"a", "b"}));

  // Dropping the refused channel is the way out; the name can then be reused.
  ASSERT_TRUE(wal->DropChannel("a").ok());
  EXPECT_TRUE(wal->FailedChannels().empty());
  ASSERT_TRUE(wal->CreateChannel("a").ok());
  EXPECT_EQ(wal->Append("a", {"fresh"}).ValueOr(0), 1u);
}

TEST_F(WalRecoveryTest, MissingMiddleFileSkippedWithErrorLog) {
  Write({"a", "b"}, 60, kSmallSegment);
  std::vector<std::string> files = Files("a");
  ASSERT_EQ(files.size(), 6u);
  ASSERT_TRUE(fs_->Remove(files[2]).ok());

  ::testing::internal::CaptureStderr();
  auto wal = Open(Options(kSkip, kSmallSegment));
  std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(wal, nullptr);
  EXPECT_TRUE(wal->FailedChannels().empty());
  EXPECT_EQ(wal->CorruptionEvents(), 1u);
  EXPECT_NE(log.find("level=error"), std::string::npos) << log;
  EXPECT_NE(log.find("WAL recovery skipped corrupt data"), std::string::npos) << log;
  EXPECT_NE(log.find("lost_records=10"), std::string::npos) << log;
  EXPECT_NE(log.find("lost_lsns=21..30"), std::string::npos) << log;

  auto records = wal->Read("a", 1, 100, 1 << 30);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  EXPECT_EQ(Lsns(*records), Range(1, 60, {21, 22, 23, 24, 25, 26, 27, 28, 29, 30}));
  for (const auto& record : *records) EXPECT_EQ(record.payload, Payload(record.lsn));
  // Reading from inside the gap starts after it.
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "a", 25, 1)), (std::vector<Lsn>{31}));
  EXPECT_EQ(wal->Append("a", {Payload(61)}).ValueOr(0), 61u);
  EXPECT_EQ(wal->LastLsn("b").ValueOr(0), 60u);

  // The damage is still on disk: a second open skips it again, a refusing open refuses.
  wal.reset();
  wal = Open(Options(kSkip, kSmallSegment));
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "a")).size(), 51u);
  EXPECT_EQ(wal->LastLsn("a").ValueOr(0), 61u);
  wal.reset();
  wal = Open(Options(kRefuse, kSmallSegment));
  ASSERT_NE(wal, nullptr);
  ExpectRefused(wal.get(), "a", files[3], 0);
}

// Only the file names show this gap: the last file was started (at 41) but holds no record yet.
TEST_F(WalRecoveryTest, GapBeforeEmptyLastFile) {
  Write({"a"}, 30, kSmallSegment);
  ASSERT_EQ(Files("a").size(), 3u);
  std::string empty = dir_.Sub("wal/a/00000000000000000041.wal");
  ASSERT_TRUE(WriteFileAtomic(fs_.get(), empty, "").ok());
  {
    auto wal = Open(Options(kRefuse, kSmallSegment));
    ASSERT_NE(wal, nullptr);
    ExpectRefused(wal.get(), "a", empty, 0);
    EXPECT_NE(FailureMessage(wal.get(), "a").find("file sequence gap"), std::string::npos);
  }
  auto wal = Open(Options(kSkip, kSmallSegment));
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "a")), Range(1, 30));
  // Lsns up to 40 may have been handed out: new records continue after them.
  EXPECT_EQ(wal->Append("a", {"next"}).ValueOr(0), 41u);
}

// Before the fix, recovery cut the last file at the flipped record as a "torn tail", silently
// dropping the eight acknowledged records after it.
TEST_F(WalRecoveryTest, FlippedByteEarlyInLastFileIsCorruptionNotTornTail) {
  Write({"c", "d"}, 10, 64ull << 20);
  std::string file = Files("c")[0];
  std::vector<uint64_t> offsets = RecordOffsets(file);
  ASSERT_EQ(offsets.size(), 10u);
  XorByte(file, offsets[1] + kWalHeaderSize + 5, 0x01);  // inside lsn 2's payload
  // And a torn tail after the last record: refusing must leave even that alone.
  uint64_t intact_size = *fs_->FileSize(file);
  AppendBytes(file, std::string("\x01\x02\x03\x04\x50\x00\x00\x00\x0b\x00", 10));
  auto before = Snapshot("c");

  {
    auto wal = Open(Options(kRefuse));
    ASSERT_NE(wal, nullptr);
    ExpectRefused(wal.get(), "c", file, offsets[1]);
    std::string message = FailureMessage(wal.get(), "c");
    EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
    EXPECT_NE(message.find("8 valid record(s) after the damage left on disk (lsn 3..10)"),
              std::string::npos)
        << message;
    EXPECT_EQ(Snapshot("c"), before);  // not truncated
    EXPECT_EQ(wal->Append("d", {"ok"}).ValueOr(0), 11u);
  }

  auto wal = Open(Options(kSkip));
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(wal->CorruptionEvents(), 1u);  // the torn tail is not corruption
  auto records = wal->Read("c", 1, 100, 1 << 30);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  EXPECT_EQ(Lsns(*records), Range(1, 10, {2}));
  for (const auto& record : *records) EXPECT_EQ(record.payload, Payload(record.lsn));
  EXPECT_EQ(*fs_->FileSize(file), intact_size);  // only the torn tail was cut
  EXPECT_EQ(wal->Append("c", {"after"}).ValueOr(0), 11u);
  auto added = ReadAll(wal.get(), "c", 11);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].payload, "after");
}

// A damaged length field hides where the next record starts; recovery must still find it.
TEST_F(WalRecoveryTest, DamagedLengthFieldStillFindsTheRecordsAfterIt) {
  Write({"c"}, 10, 64ull << 20);
  std::string file = Files("c")[0];
  std::vector<uint64_t> offsets = RecordOffsets(file);
  XorByte(file, offsets[2] + 6, 0x40);  // lsn 3's length becomes ~4 MiB: past the end of file
  {
    auto wal = Open(Options(kRefuse));
    ASSERT_NE(wal, nullptr);
    ExpectRefused(wal.get(), "c", file, offsets[2]);
  }
  auto wal = Open(Options(kSkip));
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "c")), Range(1, 10, {3}));
  XorByte(file, offsets[2] + 6, 0x40);  // repaired on disk: a fresh open finds no damage
  wal.reset();
  wal = Open(Options(kRefuse));
  ASSERT_NE(wal, nullptr);
  EXPECT_TRUE(wal->FailedChannels().empty());
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "c")), Range(1, 10));
}

TEST_F(WalRecoveryTest, TornTailIsCutAndAppendsContinue) {
  Write({"c"}, 10, 64ull << 20);
  std::string file = Files("c")[0];
  std::vector<uint64_t> offsets = RecordOffsets(file);
  uint64_t size = *fs_->FileSize(file);
  ASSERT_TRUE(fs_->Truncate(file, size - 30).ok());  // lsn 10 is only partly on disk

  ::testing::internal::CaptureStderr();
  auto wal = Open(Options(kRefuse));
  std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(wal, nullptr);
  EXPECT_TRUE(wal->FailedChannels().empty());
  EXPECT_EQ(wal->CorruptionEvents(), 0u);
  EXPECT_NE(log.find("level=warn"), std::string::npos) << log;
  EXPECT_NE(log.find("dropped a torn tail"), std::string::npos) << log;
  EXPECT_EQ(log.find("level=error"), std::string::npos) << log;
  EXPECT_EQ(wal->LastLsn("c").ValueOr(0), 9u);
  EXPECT_EQ(*fs_->FileSize(file), offsets[9]);
  EXPECT_EQ(wal->Append("c", {"new ten"}).ValueOr(0), 10u);
  auto records = ReadAll(wal.get(), "c");
  EXPECT_EQ(Lsns(records), Range(1, 10));
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().payload, "new ten");
}

// A complete last record that fails its checksum, with nothing after it, cannot be told from a
// torn write: it is cut like one.
TEST_F(WalRecoveryTest, BadLastRecordOfLastFileIsATornTail) {
  Write({"c"}, 10, kSmallSegment * 4);
  std::string file = Files("c").back();
  std::vector<uint64_t> offsets = RecordOffsets(file);
  XorByte(file, offsets.back() + kWalHeaderSize + 1, 0x10);
  auto wal = Open(Options(kRefuse, kSmallSegment * 4));
  ASSERT_NE(wal, nullptr);
  EXPECT_TRUE(wal->FailedChannels().empty());
  EXPECT_EQ(wal->LastLsn("c").ValueOr(0), 9u);
  EXPECT_EQ(wal->Append("c", {"x"}).ValueOr(0), 10u);
}

// Crashes through the fault-injecting file system while a three-record write is unsynced: whatever
// part of it survives is a torn tail, never corruption, and the acknowledged records stay.
TEST_F(WalRecoveryTest, CrashDuringUnsyncedWriteLeavesOnlyATornTail) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    for (CrashTail tail : {CrashTail::kKeepPartial, CrashTail::kGarbage}) {
      quiver::testing::TempDir dir;
      FaultInjectionFileSystem faulty(fs_.get(), seed);
      {
        auto wal = OpenFileWal(&faulty, dir.Sub("wal"), Options(kRefuse));
        ASSERT_TRUE(wal.ok());
        ASSERT_TRUE((*wal)->CreateChannel("c").ok());
        for (Lsn lsn = 1; lsn <= 5; ++lsn) ASSERT_TRUE((*wal)->Append("c", {Payload(lsn)}).ok());
        faulty.FailAfter(1);  // the write lands, its sync (and everything after) fails
        EXPECT_FALSE((*wal)->Append("c", {Payload(6), Payload(7), Payload(8)}).ok());
      }
      ASSERT_TRUE(faulty.SimulateCrash(tail).ok());
      auto wal = OpenFileWal(fs_.get(), dir.Sub("wal"), Options(kRefuse));
      ASSERT_TRUE(wal.ok());
      std::string label = "seed " + std::to_string(seed) + " tail " + std::to_string(int(tail));
      EXPECT_TRUE((*wal)->FailedChannels().empty()) << label;
      EXPECT_EQ((*wal)->CorruptionEvents(), 0u) << label;
      auto records = (*wal)->Read("c", 1, 100, 1 << 30);
      ASSERT_TRUE(records.ok()) << label << ": " << records.status().ToString();
      ASSERT_GE(records->size(), 5u) << label;
      Lsn last = records->back().lsn;
      EXPECT_EQ(Lsns(*records), Range(1, last)) << label;
      for (const auto& record : *records) EXPECT_EQ(record.payload, Payload(record.lsn)) << label;
      EXPECT_EQ((*wal)->Append("c", {"after"}).ValueOr(0), last + 1) << label;
    }
  }
}

TEST_F(WalRecoveryTest, FlippedByteInOlderFile) {
  Write({"c"}, 60, kSmallSegment);
  std::vector<std::string> files = Files("c");
  ASSERT_EQ(files.size(), 6u);
  std::vector<uint64_t> offsets = RecordOffsets(files[0]);
  XorByte(files[0], offsets[1] + kWalHeaderSize + 9, 0x08);  // lsn 2
  {
    auto wal = Open(Options(kRefuse, kSmallSegment));
    ASSERT_NE(wal, nullptr);
    ExpectRefused(wal.get(), "c", files[0], offsets[1]);
  }
  auto wal = Open(Options(kSkip, kSmallSegment));
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(wal->CorruptionEvents(), 1u);
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "c")), Range(1, 60, {2}));
  // One record at a time, across the damage and the file boundaries.
  std::vector<Lsn> stepped;
  for (Lsn from = 1; from <= 60;) {
    auto step = wal->Read("c", from, 1, 1 << 30);
    ASSERT_TRUE(step.ok() && step->size() == 1u) << from;
    stepped.push_back(step->front().lsn);
    from = step->front().lsn + 1;
  }
  EXPECT_EQ(stepped, Range(1, 60, {2}));
  EXPECT_EQ(wal->Append("c", {Payload(61)}).ValueOr(0), 61u);
}

// The last record of an older file is damaged and nothing follows it in that file. That is not a
// torn tail: the file was complete when the next one was started.
TEST_F(WalRecoveryTest, DamagedEndOfOlderFileIsCorruption) {
  Write({"c"}, 60, kSmallSegment);
  std::vector<std::string> files = Files("c");
  std::vector<uint64_t> offsets = RecordOffsets(files[1]);  // lsns 11..20
  ASSERT_EQ(offsets.size(), 10u);
  XorByte(files[1], offsets[9] + kWalHeaderSize + 3, 0x02);  // lsn 20
  {
    auto wal = Open(Options(kRefuse, kSmallSegment));
    ASSERT_NE(wal, nullptr);
    ExpectRefused(wal.get(), "c", files[1], offsets[9]);
  }
  ::testing::internal::CaptureStderr();
  auto wal = Open(Options(kSkip, kSmallSegment));
  std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(wal, nullptr);
  EXPECT_NE(log.find("lost_lsns=20..20"), std::string::npos) << log;
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "c")), Range(1, 60, {20}));
  EXPECT_EQ(*fs_->FileSize(files[1]), offsets[9] + kWalHeaderSize + Payload(20).size());
}

// Records with valid checksums whose Lsns jump: the missing ones were acknowledged once.
TEST_F(WalRecoveryTest, LsnGapBetweenValidRecords) {
  ASSERT_TRUE(fs_->CreateDirs(dir_.Sub("wal/g")).ok());
  std::string bytes;
  for (Lsn lsn : {1, 2, 3, 5, 6}) AppendWalRecord(&bytes, lsn, Payload(lsn));
  std::string file = dir_.Sub("wal/g/00000000000000000001.wal");
  ASSERT_TRUE(WriteFileAtomic(fs_.get(), file, bytes).ok());
  {
    auto wal = Open(Options(kRefuse));
    ASSERT_NE(wal, nullptr);
    ExpectRefused(wal.get(), "g", file, 3 * (kWalHeaderSize + 200));
  }
  auto wal = Open(Options(kSkip));
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(Lsns(ReadAll(wal.get(), "g")), (std::vector<Lsn>{1, 2, 3, 5, 6}));
  EXPECT_EQ(wal->Append("g", {"seven"}).ValueOr(0), 7u);
}

TEST(WalCorruptionPolicyTest, ParsesConfigValues) {
  EXPECT_EQ(*ParseWalCorruptionPolicy("refuse"), WalCorruptionPolicy::kRefuse);
  EXPECT_EQ(*ParseWalCorruptionPolicy("skip"), WalCorruptionPolicy::kSkip);
  EXPECT_TRUE(ParseWalCorruptionPolicy("truncate").status().IsInvalidArgument());
  EXPECT_EQ(WalOptions{}.corruption_policy, WalCorruptionPolicy::kRefuse);
}

}  // namespace
}  // namespace quiver::storage
