#include "sweeps/sweep_process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace swepo {

ProcessSignals::ProcessSignals() {
  sigemptyset(&mask_);
  for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&mask_, sig);
  ::sigprocmask(SIG_BLOCK, &mask_, &old_mask_);
  self_ = ::getpid();
}

ProcessSignals::~ProcessSignals() { ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr); }

int ProcessSignals::wait_interrupt(double seconds) {
  long ns = static_cast<long>(seconds * 1e9);
  timespec ts{static_cast<time_t>(ns / 1000000000L), ns % 1000000000L};
  siginfo_t info;
  int sig = ::sigtimedwait(&mask_, &info, &ts);
  return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGUSR1 ? sig : 0;
}

pid_t ProcessSignals::spawn(const ProcessLaunch& l) const {
  std::vector<char*> argv;
  for (const auto& a : l.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid > 0) {
    ::setpgid(pid, pid);  // also done by the child: whichever runs first
    return pid;
  }
  // Child: own process group (the runner forwards signals), die with the runner.
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != self_) ::_exit(126);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGCHLD, SIGPIPE}) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  int out = ::open(l.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = ::open(l.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0) ::_exit(125);
  ::dup2(devnull, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  for (const auto& [k, v] : l.env) ::setenv(k.c_str(), v.c_str(), 1);
  ::execvp(argv[0], argv.data());
  std::string msg = std::string("swepo sweep: cannot execute '") + argv[0] + "': " + std::strerror(errno) + "\n";
  ssize_t ignored = ::write(2, msg.data(), msg.size());
  (void)ignored;
  ::_exit(127);
}

bool process_reap(pid_t pid, int* status) { return ::waitpid(pid, status, WNOHANG) == pid; }

void process_group_terminate(pid_t pid) { ::kill(-pid, SIGTERM); }

void process_group_kill(pid_t pid) { ::kill(-pid, SIGKILL); }

void process_group_signal(pid_t pid, int sig) { ::kill(-pid, sig); }

bool process_gone(int64_t pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

std::string process_signal_name(int sig) {
  switch (sig) {
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "signal " + std::to_string(sig);
  }
}

std::string process_describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::string s = "killed by signal " + std::to_string(sig) + " (" + process_signal_name(sig) + ")";
    if (WCOREDUMP(status)) s += ", core dumped";
    return s;
  }
  return "status " + std::to_string(status);
}

bool process_exited_ok(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

bool process_killed_by(int status, int sig) { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }

std::string process_self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "/proc/self/exe" : p.string();
}

}  // namespace swepo
