#include "experiments/pipeline/launch.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "core/util/error.h"
#include "engine/distributed.h"
#include "engine/stop_signal.h"

extern char** environ;

namespace swepo::pipeline {
namespace {

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

int launch_local_ranks(const std::vector<std::string>& argv, int nproc, double timeout_s) {
  const int port = free_local_port();
  std::vector<pid_t> pids;
  for (int r = 0; r < nproc; ++r) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      const std::string key = kv.substr(0, kv.find('='));
      if (key != "RANK" && key != "WORLD_SIZE" && key != "LOCAL_RANK" && key != "MASTER_ADDR" && key != "MASTER_PORT")
        env.push_back(kv);
    }
    env.push_back("RANK=" + std::to_string(r));
    env.push_back("LOCAL_RANK=" + std::to_string(r));
    env.push_back("WORLD_SIZE=" + std::to_string(nproc));
    env.push_back("MASTER_ADDR=127.0.0.1");
    env.push_back("MASTER_PORT=" + std::to_string(port));
    std::vector<char*> cargv, cenv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawn(&pid, argv[0].c_str(), nullptr, nullptr, cargv.data(), cenv.data()) != 0) {
      for (pid_t p : pids) ::kill(p, SIGTERM);
      throw std::runtime_error("launcher: cannot start " + argv[0] + ": " + std::strerror(errno));
    }
    pids.push_back(pid);
  }
  std::cerr << fmt::format("launcher: {} ranks (c10d rendezvous at 127.0.0.1:{})\n", nproc, port);
  // Wait for every rank. After the first failure the others get the process group's timeout (and
  // a grace period) to fail by themselves, then SIGTERM, then SIGKILL.
  std::vector<int> codes(nproc, -1);
  int left = nproc, forwarded = 0;
  std::chrono::steady_clock::time_point first_failure{};
  bool failed = false, termed = false;
  while (left > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (int r = 0; r < nproc; ++r)
        if (pids[r] == pid) {
          codes[r] = exit_code(status);
          --left;
          if (codes[r] != 0 && !failed) {
            failed = true;
            first_failure = std::chrono::steady_clock::now();
            std::cerr << fmt::format("launcher: rank {} exited with {}\n", r, codes[r]);
          }
        }
      continue;
    }
    if (const int sig = stop_requested(); sig && sig != forwarded) {  // forward a stop signal once
      for (int r = 0; r < nproc; ++r)
        if (codes[r] < 0) ::kill(pids[r], sig);
      forwarded = sig;
    }
    if (failed) {
      const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - first_failure).count();
      if (since > timeout_s + 10 && !termed) {
        for (int r = 0; r < nproc; ++r)
          if (codes[r] < 0) ::kill(pids[r], SIGTERM);
        termed = true;
      } else if (since > timeout_s + 40) {
        for (int r = 0; r < nproc; ++r)
          if (codes[r] < 0) ::kill(pids[r], SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (codes[0] != 0) return codes[0];
  for (int c : codes)
    if (c != 0) return c;
  return 0;
}

}  // namespace swepo::pipeline
