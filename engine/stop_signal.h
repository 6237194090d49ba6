// Graceful stops for preemption and time limits: SIGTERM (scancel, preemption, `scontrol requeue`,
// Slurm's time limit) and SIGUSR1 (`#SBATCH --signal=B:USR1@120`) set a flag that the trainers poll
// after every optimizer step. A trainer that sees it writes its checkpoint (when it has a
// checkpoint dir) and throws TrainingStopped; `swepo run` then records the run KILLED and exits
// 128 + signal, and a relaunch resumes step-exactly from <output_dir>/checkpoint/last.pt
// (sweeps/sweep_task.h describes the launcher's side). Tensor-free.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace swepo {

struct TrainingStopped : std::runtime_error {
  TrainingStopped(int sig, int64_t step, const std::string& checkpoint);
  int signal;              // the signal received
  int64_t step;            // optimizer updates done (and saved in `checkpoint`)
  std::string checkpoint;  // "" when the trainer had no checkpoint dir
};

// Installs the SIGTERM / SIGUSR1 handlers (idempotent; `swepo run` calls it).
void install_stop_handlers();

// The signal received since the last clear_stop_request(), or 0.
int stop_requested();

// Tests and callers that handled a stop: request one by hand, or clear it.
void request_stop(int sig);
void clear_stop_request();

}  // namespace swepo
