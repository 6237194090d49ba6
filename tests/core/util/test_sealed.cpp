// Sealed files (core/util/sealed.h): an intact payload reads back; any flipped byte or any cut is
// detected (never read as valid). write_file_atomic under a file size limit (a full disk's
// stand-in) fails with the reason, leaves no temporary file and keeps the previous file.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/sealed.h"

namespace swepo {
namespace {

namespace fs = std::filesystem;

TEST(Sealed, RoundTripAndEveryFlippedByteIsCaught) {
  const std::string payload = std::string("PK\x03\x04 checkpoint bytes \0 with a zero", 34) + std::string(200, 'x');
  const std::string sealed = seal_bytes(payload);
  ASSERT_EQ(sealed.size(), payload.size() + 78);  // "\nswepo-sha256:" (14 bytes) + 64 hex digits
  std::string b = sealed;
  EXPECT_EQ(unseal_bytes(b), SealState::valid);
  EXPECT_EQ(b, payload);
  for (size_t i = 0; i < sealed.size(); ++i) {  // payload, magic and digest bytes alike
    std::string f = sealed;
    f[i] = static_cast<char>(f[i] ^ 0x01);
    const SealState s = unseal_bytes(f);
    EXPECT_NE(s, SealState::valid) << "flipped byte " << i;
    EXPECT_EQ(f.size(), sealed.size()) << "a damaged file is left as it was";
  }
  for (size_t cut = 1; cut < sealed.size(); cut += 7) {  // truncated anywhere
    std::string t = sealed.substr(0, sealed.size() - cut);
    EXPECT_NE(unseal_bytes(t), SealState::valid) << "cut " << cut;
  }
  std::string legacy = payload;
  EXPECT_EQ(unseal_bytes(legacy), SealState::absent);
  std::string empty;
  EXPECT_EQ(unseal_bytes(empty), SealState::absent);
}

TEST(WriteFileAtomic, AFileSizeLimitFailsCleanlyAndKeepsThePreviousFile) {
  const fs::path dir = fs::temp_directory_path() / ("swepo_test_sealed_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "ckpt.pt").string();
  write_file_sealed(path, "old contents");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {  // the child writes 1 MiB under a 64 KiB file size limit
    ::close(fds[0]);
    std::signal(SIGXFSZ, SIG_IGN);  // as swepo's main does: EFBIG instead of death by SIGXFSZ
    rlimit lim{64 << 10, 64 << 10};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    std::string msg = "no error";
    try {
      write_file_sealed(path, std::string(1 << 20, 'n'));
    } catch (const UserError& e) {
      msg = e.what();
    }
    ssize_t ignored = ::write(fds[1], msg.data(), msg.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st)) << "the writer was killed (signal " << (WIFSIGNALED(st) ? WTERMSIG(st) : 0) << ")";
  EXPECT_NE(msg.find("cannot write '" + path + "' (write): File too large"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the previous file, if any, is unchanged"), std::string::npos) << msg;
  std::string back = read_file(path);
  EXPECT_EQ(unseal_bytes(back), SealState::valid);
  EXPECT_EQ(back, "old contents");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1) << "no temporary file is left behind";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace swepo
