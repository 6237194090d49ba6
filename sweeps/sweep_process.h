// Process plumbing for the sweep runner: spawning a job (fork/exec into its own process group,
// stdout/stderr to files, dying with the runner), taking signals synchronously, reaping, and
// describing how a process ended. Everything POSIX the runner needs is here, so sweep_runner.cpp
// reads as the sweep's logic only.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <signal.h>
#include <sys/types.h>

namespace swepo {

struct ProcessLaunch {
  std::vector<std::string> argv;                          // argv[0] is looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;   // set on top of the runner's
  std::string out_path, err_path;                         // the child's stdout, stderr (truncated)
};

// Blocks SIGCHLD, SIGINT, SIGTERM, SIGHUP and SIGUSR1 while it lives (the previous mask comes
// back on destruction), so the runner takes them synchronously in wait_interrupt(); children
// spawned through it get the previous mask and default handlers back.
class ProcessSignals {
 public:
  ProcessSignals();
  ~ProcessSignals();
  ProcessSignals(const ProcessSignals&) = delete;
  ProcessSignals& operator=(const ProcessSignals&) = delete;

  // Waits up to `seconds` for one of the blocked signals; returns SIGINT, SIGTERM, SIGHUP or
  // SIGUSR1 (Slurm's warning before a time limit, see sweep_task.h) when
  // one arrived, 0 otherwise (timeout, or a child exited: reap with process_reap()).
  int wait_interrupt(double seconds);

  // fork + exec in the child's own process group; the child dies with this process
  // (PR_SET_PDEATHSIG). Exit 127: cannot execute (the reason on its stderr), 125: cannot open
  // the log files. Throws std::runtime_error if fork fails.
  pid_t spawn(const ProcessLaunch& l) const;

 private:
  sigset_t mask_, old_mask_;
  pid_t self_;
};

// True (with its wait status) when child `pid` has exited; never blocks.
bool process_reap(pid_t pid, int* status);
void process_group_terminate(pid_t pid);  // SIGTERM to the process group `pid`
void process_group_kill(pid_t pid);       // SIGKILL to the process group `pid`
void process_group_signal(pid_t pid, int sig);  // `sig` to the process group `pid`
// True when no process `pid` exists on this host, or it is a zombie.
bool process_gone(int64_t pid);

// How a wait status ended: "exit code 3", "killed by signal 9 (SIGKILL)[, core dumped]".
std::string process_describe_status(int status);
std::string process_signal_name(int sig);  // "SIGTERM", ..., else "signal N"
bool process_exited_ok(int status);        // exit code 0
bool process_killed_by(int status, int sig);

std::string process_self_exe();  // this executable's path (/proc/self/exe)

}  // namespace swepo
