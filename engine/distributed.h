// Data-parallel training on LibTorch's own c10d process groups: Gloo on CPU, NCCL on CUDA (when
// the LibTorch build has it). A run's world comes from the environment that torchrun or Slurm's
// srun set, so the same binary runs under either or under `swepo run ... trainer.nproc=N`
// (experiments/pipeline/launch.h), which sets the torchrun variables for N local ranks.
//
//   torchrun:  RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT
//   srun:      SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID (+ MASTER_ADDR, MASTER_PORT
//              exported by the job script; MASTER_ADDR defaults to SLURM_LAUNCH_NODE_IPADDR). A batch
//              script's own SLURM_NTASKS / SLURM_PROCID=0 (no srun step) is one process, not a rank.
//
// Semantics the trainer builds on this (engine/train_pref.cpp): each step's global batch is split
// into contiguous blocks of batch_size / N prompts, one per rank; the loss's normaliser (the used
// prompts of the whole step) is all-reduced, each rank backpropagates its prompts' loss over that
// global normaliser, and the gradients are summed by a bucketed all-reduce, so every rank holds the
// gradient of the whole batch and takes the same optimizer step (the weights never diverge).
// Every collective has the process group's timeout: a rank that dies or hangs fails the others
// within it instead of hanging forever.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace swepo {

struct WorldInfo {
  int rank = 0, size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source;  // "torchrun" | "slurm" | "" (single process)
  bool distributed() const { return size > 1; }
};

// The world of this process from the environment (single process when neither set is present).
// UserError naming the variable when one is malformed or inconsistent (rank >= size, ...).
WorldInfo world_from_env();

class Distributed {
 public:
  // Joins the process group (rendezvous through a TCPStore at master_addr:master_port, served by
  // rank 0). `timeout` bounds the rendezvous and every collective.
  Distributed(const WorldInfo& world, c10::Device device, std::chrono::milliseconds timeout);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.size; }
  const WorldInfo& world() const { return world_; }
  const std::string& backend() const { return backend_; }

  // Sums in place over the ranks. Tensors are packed into flat buckets of at most bucket_bytes
  // (one all-reduce each) and unpacked again.
  void all_reduce_sum(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes = 25 << 20);
  double all_reduce_sum(double v);
  // Rank `root`'s tensor into `t` on every rank (same shape and dtype everywhere).
  void broadcast(at::Tensor& t, int root = 0);
  // UserError on every rank unless all ranks hold the same `value` (e.g. the config hash); the
  // message names `what` and the ranks that differ from rank 0.
  void check_same(const std::string& what, const std::string& value);
  void barrier();

 private:
  struct Impl;
  WorldInfo world_;
  std::string backend_;
  std::unique_ptr<Impl> impl_;
};

// A TCP port free on 127.0.0.1 now (the kernel's pick), for a local rendezvous (MASTER_PORT).
int free_local_port();

// The gradients of `params` (those requiring grad; an undefined gradient counts as zeros) summed
// over the ranks, in place.
void all_reduce_gradients(Distributed& dist, const std::vector<at::Tensor>& params);

}  // namespace swepo
