#include "engine/stop_signal.h"

#include <csignal>
#include <cstring>

namespace swepo {
namespace {

volatile std::sig_atomic_t g_stop = 0;  // written by the handler, read between steps

extern "C" void on_stop_signal(int sig) { g_stop = sig; }

}  // namespace

TrainingStopped::TrainingStopped(int sig, int64_t step_, const std::string& checkpoint_)
    : std::runtime_error("stopped by signal " + std::to_string(sig) + " (" + strsignal(sig) + ") after step " +
                         std::to_string(step_) +
                         (checkpoint_.empty() ? std::string(" (no checkpoint dir: a relaunch starts over)")
                                              : " (checkpoint " + checkpoint_ + ")")),
      signal(sig),
      step(step_),
      checkpoint(checkpoint_) {}

void install_stop_handlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGUSR1, &sa, nullptr);
}

int stop_requested() { return static_cast<int>(g_stop); }
void request_stop(int sig) { g_stop = sig; }
void clear_stop_request() { g_stop = 0; }

}  // namespace swepo
