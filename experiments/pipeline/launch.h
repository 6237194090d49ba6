// `swepo run ... trainer.nproc=N`: swepo's own local launcher. It starts N ranks of the same
// command on this machine with the variables torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR=127.0.0.1, MASTER_PORT a free port), each rank one GPU (LOCAL_RANK) when there are
// GPUs, and waits for them. Rank 0 records the run; when a rank fails, the others fail within the
// process group's timeout (engine/distributed.h) and are terminated when they outlive it.
// A stop signal (SIGTERM/SIGUSR1) is forwarded to every rank.
#pragma once
#include <string>
#include <vector>

namespace swepo::pipeline {

// argv: the full command to start for each rank (argv[0] the executable). Returns the exit code to
// report: rank 0's when it failed, else the first failing rank's, else 0.
int launch_local_ranks(const std::vector<std::string>& argv, int nproc, double timeout_s);

}  // namespace swepo::pipeline
