// Crash tests for FileWal: for every step at which the process could die (each append, sync,
// create, truncate...), and for each way the disk may keep unsynced bytes, recovery must return
// every acknowledged record intact, and any other record it returns must be intact too.

#include <gtest/gtest.h>

#include <map>

#include "common/testing_dir.h"
#include "storage/fault_injection.h"
#include "storage/wal/wal.h"

namespace quiver::storage {
namespace {

std::string Payload(uint64_t batch, size_t index) {
  std::string out = "b" + std::to_string(batch) + "i" + std::to_string(index) + ":";
  size_t size = 50 + (batch * 37 + index * 11) % 400;
  while (out.size() < size) out.push_back(static_cast<char>('A' + (out.size() * 7 + batch) % 26));
  return out;
}

struct Outcome {
  std::map<Lsn, std::string> acknowledged;
  std::map<std::string, Lsn> attempted;  // payload -> nothing; kept to check unacked content
};

// Runs a workload against a WAL on `fs`; stops at the first failed append.
Outcome RunWorkload(FileSystem* fs, const std::string& dir, WalOptions options, int batches) {
  Outcome outcome;
  auto wal = OpenFileWal(fs, dir, options);
  if (!wal.ok()) return outcome;
  if (!(*wal)->CreateChannel("ch").ok()) return outcome;
  for (int b = 0; b < batches; ++b) {
    std::vector<std::string> payloads;
    for (size_t i = 0; i < 1 + static_cast<size_t>(b % 3); ++i) payloads.push_back(Payload(b, i));
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    for (const auto& p : payloads) outcome.attempted[p] = 0;
    auto lsn = (*wal)->Append("ch", views);
    if (!lsn.ok()) break;
    for (size_t i = 0; i < payloads.size(); ++i) outcome.acknowledged[*lsn + i] = payloads[i];
  }
  return outcome;
}

void Verify(FileSystem* fs, const std::string& dir, WalOptions options, const Outcome& outcome,
            const std::string& label) {
  auto wal = OpenFileWal(fs, dir, options);
  ASSERT_TRUE(wal.ok()) << label << ": " << wal.status().ToString();
  auto channels = (*wal)->ListChannels();
  if (channels->empty()) {
    EXPECT_TRUE(outcome.acknowledged.empty()) << label << ": channel lost";
    return;
  }
  auto records = (*wal)->Read("ch", 1, 1 << 20, 1ull << 40);
  ASSERT_TRUE(records.ok()) << label << ": " << records.status().ToString();
  std::map<Lsn, std::string> found;
  Lsn expect = 1;
  for (const auto& r : *records) {
    EXPECT_EQ(r.lsn, expect++) << label << ": gap in recovered records";
    EXPECT_TRUE(outcome.attempted.count(r.payload)) << label << ": corrupt record at " << r.lsn;
    found[r.lsn] = r.payload;
  }
  for (const auto& [lsn, payload] : outcome.acknowledged) {
    auto it = found.find(lsn);
    ASSERT_NE(it, found.end()) << label << ": acknowledged record " << lsn << " lost";
    EXPECT_EQ(it->second, payload) << label << ": acknowledged record " << lsn << " changed";
  }
  // The recovered WAL accepts new appends right after the last recovered record.
  auto next = (*wal)->Append("ch", {"after-crash"});
  ASSERT_TRUE(next.ok()) << label;
  EXPECT_EQ(*next, found.size() + 1) << label;
}

TEST(WalCrashTest, NoAcknowledgedRecordLostAtAnyCrashPoint) {
  WalOptions options;
  options.segment_bytes = 1500;  // several roll-overs within the workload
  constexpr int kBatches = 25;
  // Count the steps of a clean run to know every crash point.
  int64_t total_steps;
  {
    quiver::testing::TempDir dir;
    auto base = NewPosixFileSystem();
    FaultInjectionFileSystem counting(base.get(), 1);
    RunWorkload(&counting, dir.Sub("wal"), options, kBatches);
    total_steps = counting.steps();
  }
  ASSERT_GT(total_steps, 50);
  int checked = 0;
  for (int64_t crash_at = 0; crash_at <= total_steps; ++crash_at) {
    for (CrashTail tail : {CrashTail::kDropUnsynced, CrashTail::kKeepPartial, CrashTail::kGarbage}) {
      quiver::testing::TempDir dir;
      auto base = NewPosixFileSystem();
      FaultInjectionFileSystem faulty(base.get(), static_cast<uint64_t>(crash_at * 3 + int(tail)));
      faulty.FailAfter(crash_at);
      Outcome outcome = RunWorkload(&faulty, dir.Sub("wal"), options, kBatches);
      ASSERT_TRUE(faulty.SimulateCrash(tail).ok());
      Verify(base.get(), dir.Sub("wal"), options,
             outcome, "crash after step " + std::to_string(crash_at) + " tail " + std::to_string(int(tail)));
      ++checked;
    }
  }
  EXPECT_EQ(checked, (total_steps + 1) * 3);
}

// Control: the harness does detect loss. Without fsync, a crash drops acknowledged records.
TEST(WalCrashTest, HarnessDetectsLossWhenSyncIsOff) {
  quiver::testing::TempDir dir;
  auto base = NewPosixFileSystem();
  FaultInjectionFileSystem faulty(base.get(), 3);
  WalOptions unsafe;
  unsafe.sync = false;
  Outcome outcome = RunWorkload(&faulty, dir.Sub("wal"), unsafe, 10);
  ASSERT_EQ(outcome.acknowledged.size(), 19u);  // batches of 1, 2, 3 records
  ASSERT_TRUE(faulty.SimulateCrash(CrashTail::kDropUnsynced).ok());
  auto wal = OpenFileWal(base.get(), dir.Sub("wal"), unsafe);
  ASSERT_TRUE(wal.ok());
  EXPECT_LT(*(*wal)->LastLsn("ch"), outcome.acknowledged.rbegin()->first);
}

// A full disk fails appends without acknowledging them and without damaging earlier records;
// once space returns, appends continue with the next Lsn.
TEST(WalCrashTest, DiskFullRejectsThenRecovers) {
  quiver::testing::TempDir dir;
  auto base = NewPosixFileSystem();
  FaultInjectionFileSystem faulty(base.get(), 7);
  auto wal = OpenFileWal(&faulty, dir.Sub("wal"), {});
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->CreateChannel("ch").ok());
  ASSERT_EQ(*(*wal)->Append("ch", {"one"}), 1u);
  faulty.SetDiskFull(true);
  auto failed = (*wal)->Append("ch", {"two"});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kResourceExhausted);
  faulty.SetDiskFull(false);
  ASSERT_EQ(*(*wal)->Append("ch", {"three"}), 2u);
  auto records = (*wal)->Read("ch", 1, 10, 1 << 20);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].payload, "three");
}

// A failed sync must not let a later append land after unsynced garbage.
TEST(WalCrashTest, FailedSyncRollsBackBeforeNextAppend) {
  quiver::testing::TempDir dir;
  auto base = NewPosixFileSystem();
  FaultInjectionFileSystem faulty(base.get(), 9);
  auto wal = OpenFileWal(&faulty, dir.Sub("wal"), {});
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->CreateChannel("ch").ok());
  ASSERT_TRUE((*wal)->Append("ch", {"one"}).ok());
  faulty.FailOnlyStep(2);  // the next append's write succeeds, its sync fails once
  EXPECT_FALSE((*wal)->Append("ch", {"lost"}).ok());
  auto lsn = (*wal)->Append("ch", {"two"});
  ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
  EXPECT_EQ(*lsn, 2u);
  wal->reset();
  auto reopened = OpenFileWal(base.get(), dir.Sub("wal"), {});
  auto records = (*reopened)->Read("ch", 1, 10, 1 << 20);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].payload, "two");
}

// A failed append whose rollback also fails (the disk is failing) disables the channel only
// until the disk recovers: the next append repairs it in place, without reopening the WAL.
TEST(WalCrashTest, ChannelRecoversWhenTheDiskDoes) {
  quiver::testing::TempDir dir;
  auto base = NewPosixFileSystem();
  FaultInjectionFileSystem faulty(base.get(), 11);
  auto wal = OpenFileWal(&faulty, dir.Sub("wal"), {});
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->CreateChannel("ch").ok());
  ASSERT_TRUE((*wal)->Append("ch", {"one"}).ok());
  faulty.FailAfter(1);  // the write lands, its sync fails, and so does the rollback's truncate
  EXPECT_FALSE((*wal)->Append("ch", {"lost"}).ok());
  EXPECT_FALSE((*wal)->Append("ch", {"also lost"}).ok());  // still failing: repair refused
  faulty.FailAfter(-1);
  auto lsn = (*wal)->Append("ch", {"two"});
  ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
  EXPECT_EQ(*lsn, 2u);
  auto records = (*wal)->Read("ch", 1, 10, 1 << 20);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].payload, "two");
  wal->reset();
  auto reopened = OpenFileWal(base.get(), dir.Sub("wal"), {});
  ASSERT_TRUE(reopened.ok());
  auto again = (*reopened)->Read("ch", 1, 10, 1 << 20);
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].payload, "one");
  EXPECT_EQ((*again)[1].payload, "two");
}

size_t OpenDescriptors() {
  auto names = NewPosixFileSystem()->ListDir("/proc/self/fd");
  return names.ok() ? names->size() : 0;
}

// Thousands of channels do not cost a descriptor each: beyond max_open_files, a channel's file is
// closed after its commit and reopened by the next append.
TEST(WalCrashTest, OpenFilesStayBoundedAcrossManyChannels) {
  quiver::testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  WalOptions options;
  options.max_open_files = 4;
  options.sync = false;
  size_t before = OpenDescriptors();
  {
    auto wal = OpenFileWal(fs.get(), dir.Sub("wal"), options);
    ASSERT_TRUE(wal.ok());
    for (int c = 0; c < 300; ++c) ASSERT_TRUE((*wal)->CreateChannel("c" + std::to_string(c)).ok());
    for (int round = 0; round < 3; ++round) {
      for (int c = 0; c < 300; ++c) {
        std::string payload = "c" + std::to_string(c) + "-" + std::to_string(round);
        ASSERT_EQ(*(*wal)->Append("c" + std::to_string(c), {payload}), static_cast<Lsn>(round + 1));
      }
    }
    EXPECT_LE(OpenDescriptors(), before + options.max_open_files + 2);
    for (int c = 0; c < 300; c += 37) {
      auto records = (*wal)->Read("c" + std::to_string(c), 1, 10, 1 << 20);
      ASSERT_EQ(records->size(), 3u);
      EXPECT_EQ((*records)[2].payload, "c" + std::to_string(c) + "-2");
    }
  }
  auto reopened = OpenFileWal(fs.get(), dir.Sub("wal"), options);
  ASSERT_TRUE(reopened.ok());
  EXPECT_LE(OpenDescriptors(), before + 2);
  for (int c = 0; c < 300; c += 41) {
    std::string name = "c" + std::to_string(c);
    ASSERT_EQ(*(*reopened)->Append(name, {"after"}), 4u);
    auto records = (*reopened)->Read(name, 1, 10, 1 << 20);
    ASSERT_EQ(records->size(), 4u);
    EXPECT_EQ((*records)[3].payload, "after");
  }
}

}  // namespace
}  // namespace quiver::storage
