// write_file_atomic (core/util/fs.h) cleans up after writers killed mid-write: a PATH.tmp.<pid>
// of a dead process last written over an hour ago is removed by the next write of PATH; a fresh
// one, one of a live process, and temporaries of other files are left alone.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "core/util/fs.h"

namespace swepo {
namespace {

namespace fs = std::filesystem;

// The pid of a process that has exited and been reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return pid;
}

void touch(const fs::path& p, std::chrono::minutes age) {
  std::ofstream(p) << "half a checkpoint";
  fs::last_write_time(p, fs::file_time_type::clock::now() - age);
}

TEST(WriteFileAtomic, RemovesOnlyOldTemporariesOfDeadWriters) {
  const fs::path dir = fs::temp_directory_path() / ("swepo_test_fs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getppid());
  const fs::path stale = dir / ("ckpt.pt.tmp." + dead);
  const fs::path fresh = dir / ("ckpt.pt.tmp." + dead + "0");  // an unlikely-live pid, written now
  const fs::path alive = dir / ("ckpt.pt.tmp." + live);
  const fs::path other = dir / ("other.pt.tmp." + dead);
  const fs::path not_pid = dir / "ckpt.pt.tmp.keep";
  touch(stale, std::chrono::minutes(61));
  touch(fresh, std::chrono::minutes(0));
  touch(alive, std::chrono::minutes(120));
  touch(other, std::chrono::minutes(120));
  touch(not_pid, std::chrono::minutes(120));
  write_file_atomic((dir / "ckpt.pt").string(), "new");
  EXPECT_EQ(read_file((dir / "ckpt.pt").string()), "new");
  EXPECT_FALSE(fs::exists(stale)) << "a dead writer's temporary older than an hour is removed";
  EXPECT_TRUE(fs::exists(fresh)) << "a recent temporary may be a write in flight on another host";
  EXPECT_TRUE(fs::exists(alive)) << "a live process's temporary is never touched";
  EXPECT_TRUE(fs::exists(other)) << "only the written file's temporaries are looked at";
  EXPECT_TRUE(fs::exists(not_pid));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace swepo
