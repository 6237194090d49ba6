// Helpers shared by the sweep tests: temporary directories, files, and subprocesses.
#pragma once
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace swepo::test {

const std::string kConf = SWEPO_SOURCE_DIR "/tests/sweeps/conf";
const std::string kJob = SWEEP_TEST_JOB;
#ifdef SWEEP_TEST_CLI
const std::string kCli = SWEEP_TEST_CLI;  // tests/apps/sweep_test_cli: `swepo sweep|runs|show`
#endif

// A fresh directory under the build tree, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) {
    path = std::filesystem::temp_directory_path() /
           ("swepo-sweeps-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& f) const { return (path / f).string(); }
};

inline void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline int count_lines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

struct Proc {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs a shell command line; returns its exit code and output.
inline Proc sh(const std::string& cmd) {
  Proc p;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) p.out.append(buf.data(), n);
  int st = ::pclose(f);
  p.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return p;
}

// Polls `pred` every 20 ms for up to `seconds`.
template <class F>
bool wait_for(F pred, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace swepo::test
