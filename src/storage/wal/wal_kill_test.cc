// Starts a real child process that appends to a WAL in a loop, kills it with SIGKILL at a random
// moment, and checks that every batch the child saw acknowledged is in the WAL, byte for byte.
// Several rounds run on the same directory, so each round also tests recovery of the previous one.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <sstream>

#include "common/testing_dir.h"
#include "storage/wal/wal.h"
#include "storage/wal/wal_kill_payload.h"

namespace quiver::storage {
namespace {

struct Ack {
  Lsn first;
  size_t count;
  std::string tag;
};

std::vector<Ack> RunChildAndKill(const std::string& dir, int round, int run_ms) {
  int pipe_fds[2];
  EXPECT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    std::string round_text = std::to_string(round);
    ::execl(WAL_APPEND_CHILD, WAL_APPEND_CHILD, dir.c_str(), round_text.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string output;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  char buffer[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(pipe_fds[0], &set);
    timeval tv{0, 10000};
    if (::select(pipe_fds[0] + 1, &set, nullptr, nullptr, &tv) > 0) {
      ssize_t n = ::read(pipe_fds[0], buffer, sizeof(buffer));
      if (n <= 0) break;
      output.append(buffer, static_cast<size_t>(n));
    }
  }
  ::kill(pid, SIGKILL);
  // Whatever the child printed before it died was acknowledged: drain the pipe.
  while (true) {
    ssize_t n = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int wait_status = 0;
  ::waitpid(pid, &wait_status, 0);
  EXPECT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
      << "child exited on its own with status " << wait_status;
  std::vector<Ack> acks;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // a line cut by the kill has no newline: not a complete ack
    std::istringstream fields(line);
    std::string word;
    Ack ack;
    if (fields >> word >> ack.first >> ack.count >> ack.tag && word == "ACK") acks.push_back(ack);
  }
  return acks;
}

TEST(WalKillTest, NoAcknowledgedRecordLostAfterSigkill) {
  quiver::testing::TempDir dir;
  std::mt19937 rng(12345);
  std::vector<Ack> all;
  auto fs = NewPosixFileSystem();
  for (int round = 0; round < 6; ++round) {
    int run_ms = 150 + static_cast<int>(rng() % 400);
    std::vector<Ack> acks = RunChildAndKill(dir.Sub("wal"), round, run_ms);
    ASSERT_FALSE(acks.empty()) << "round " << round << " acknowledged nothing";
    all.insert(all.end(), acks.begin(), acks.end());

    auto wal = OpenFileWal(fs.get(), dir.Sub("wal"), {});
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    Lsn last = *(*wal)->LastLsn("ch");
    size_t verified = 0;
    for (const Ack& ack : all) {
      ASSERT_LE(ack.first + ack.count - 1, last) << "acknowledged batch " << ack.tag << " lost";
      auto records = (*wal)->Read("ch", ack.first, ack.count, 1ull << 40);
      ASSERT_TRUE(records.ok()) << records.status().ToString();
      ASSERT_EQ(records->size(), ack.count);
      for (size_t i = 0; i < ack.count; ++i) {
        ASSERT_EQ((*records)[i].payload, KillTestPayload(ack.tag, i))
            << "record " << ack.first + i << " of batch " << ack.tag << " differs";
        ++verified;
      }
    }
    EXPECT_GT(verified, 0u);
  }
}

}  // namespace
}  // namespace quiver::storage
