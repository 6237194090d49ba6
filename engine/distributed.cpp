#include "engine/distributed.h"

#include <torch/torch.h>
#include <torch/version.h>

// c10d's Gloo process group is declared only under USE_C10D_GLOO (LibTorch's own build defines it).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(USE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "core/util/error.h"

namespace swepo {
namespace {

// An integer environment variable, or `fallback` when unset. UserError naming it when malformed.
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end || x < 0 || x > (1 << 20)) throw UserError(fmt::format("environment variable {}='{}': expected a non-negative integer", name, v));
  return static_cast<int>(x);
}

std::string env_str(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

WorldInfo world_from_env() {
  WorldInfo w;
  if (std::getenv("WORLD_SIZE") || std::getenv("RANK")) {
    w.source = "torchrun";
    w.size = env_int("WORLD_SIZE", 1);
    w.rank = env_int("RANK", 0);
    w.local_rank = env_int("LOCAL_RANK", w.rank);
  } else if (std::getenv("SLURM_STEP_NUM_TASKS") && std::getenv("SLURM_PROCID")) {
    // A task of an srun step (a batch script, which has SLURM_NTASKS and SLURM_PROCID=0 too, is not
    // a rank: srun sets SLURM_STEP_NUM_TASKS for the step's tasks only).
    w.source = "slurm";
    w.size = env_int("SLURM_STEP_NUM_TASKS", 1);
    w.rank = env_int("SLURM_PROCID", 0);
    w.local_rank = env_int("SLURM_LOCALID", 0);
    w.master_addr = env_str("SLURM_LAUNCH_NODE_IPADDR", w.master_addr);
  }
  w.master_addr = env_str("MASTER_ADDR", w.master_addr);
  w.master_port = env_int("MASTER_PORT", w.master_port);
  if (w.size < 1) throw UserError("world size 0 (" + w.source + " environment): expected >= 1");
  if (w.rank >= w.size)
    throw UserError(fmt::format("rank {} is outside a world of {} ({} environment)", w.rank, w.size, w.source));
  if (w.master_port < 1 || w.master_port > 65535)
    throw UserError(fmt::format("MASTER_PORT={}: expected a TCP port", w.master_port));
  return w;
}

struct Distributed::Impl {
  c10::intrusive_ptr<c10d::Store> store;
#if TORCH_VERSION_MAJOR >= 2  // 2.x: Gloo and NCCL are backends behind ProcessGroup, same collectives
  c10::intrusive_ptr<c10d::Backend> pg;
#else
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
#endif
  c10::Device device = c10::kCPU;
  std::chrono::milliseconds timeout{0};

  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      work->wait(timeout);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("distributed {} failed (a rank died, hung past the {} s timeout or "
                                           "disagrees): {}",
                                           what, timeout.count() / 1000.0, e.what()));
    }
  }
};

Distributed::Distributed(const WorldInfo& world, c10::Device device, std::chrono::milliseconds timeout)
    : world_(world), impl_(std::make_unique<Impl>()) {
  impl_->device = device;
  impl_->timeout = timeout;
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(world.master_port);
  so.isServer = world.rank == 0;
  so.numWorkers = static_cast<std::size_t>(world.size);
  so.waitWorkers = true;
  so.timeout = timeout;
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(world.master_addr, so);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("rank {}: rendezvous at {}:{} failed within {} s: {}", world.rank,
                                         world.master_addr, world.master_port, timeout.count() / 1000.0, e.what()));
  }
#if defined(USE_C10D_NCCL)
  if (device.is_cuda()) {
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = timeout;
    impl_->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, world.rank, world.size, opts);
    backend_ = "nccl";
    return;
  }
#endif
  if (device.is_cuda())
    throw UserError("distributed training on CUDA needs a LibTorch built with NCCL (USE_C10D_NCCL)");
  // Gloo's transport: the loopback interface for a world on this machine, else the interface of
  // this host's name (GLOO_SOCKET_IFNAME is honoured by createDefaultDevice).
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  const bool local = world.master_addr == "localhost" || world.master_addr.rfind("127.", 0) == 0;
  opts->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                : c10d::ProcessGroupGloo::createDefaultDevice());
  impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, world.rank, world.size, opts);
  backend_ = "gloo";
}

Distributed::~Distributed() = default;

void Distributed::all_reduce_sum(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  while (i < tensors.size()) {  // one bucket: same dtype and device, at most bucket_bytes
    std::vector<at::Tensor> bucket = {tensors[i]};
    int64_t bytes = tensors[i].numel() * tensors[i].element_size();
    size_t j = i + 1;
    for (; j < tensors.size(); ++j) {
      const at::Tensor& t = tensors[j];
      const int64_t b = t.numel() * t.element_size();
      if (t.scalar_type() != tensors[i].scalar_type() || t.device() != tensors[i].device() || bytes + b > bucket_bytes)
        break;
      bucket.push_back(t);
      bytes += b;
    }
    std::vector<at::Tensor> flat_parts;
    for (const auto& t : bucket) flat_parts.push_back(t.reshape({-1}));
    std::vector<at::Tensor> flat = {torch::cat(flat_parts)};
    impl_->wait(impl_->pg->allreduce(flat), "all-reduce");
    int64_t off = 0;
    for (const auto& t : bucket) {
      t.copy_(flat[0].narrow(0, off, t.numel()).view(t.sizes()));
      off += t.numel();
    }
    i = j;
  }
}

double Distributed::all_reduce_sum(double v) {
  at::Tensor t = torch::tensor({v}, torch::TensorOptions().dtype(torch::kDouble).device(impl_->device));
  all_reduce_sum({t});
  return t.item<double>();
}

void Distributed::broadcast(at::Tensor& t, int root) {
  c10d::BroadcastOptions o;
  o.rootRank = root;
  o.timeout = impl_->timeout;
  at::Tensor dev = t.to(impl_->device).contiguous();
  std::vector<at::Tensor> v = {dev};
  impl_->wait(impl_->pg->broadcast(v, o), "broadcast");
  t.copy_(v[0].to(t.device()));
}

void Distributed::check_same(const std::string& what, const std::string& value) {
  // Rank 0's value (fixed length: the first 64 bytes, zero-padded) to everyone; each rank marks
  // its own slot when it differs; the marks are summed, so every rank knows who differs.
  auto bytes = torch::zeros({64}, torch::kInt64);
  for (size_t k = 0; k < std::min<size_t>(64, value.size()); ++k) bytes[static_cast<int64_t>(k)] = value[k];
  at::Tensor root = bytes.clone();
  broadcast(root, 0);
  at::Tensor differs = torch::zeros({size()}, torch::TensorOptions().dtype(torch::kDouble).device(impl_->device));
  if (!torch::equal(root, bytes)) differs[rank()] = 1.0;
  all_reduce_sum({differs});
  std::vector<std::string> ranks;
  at::Tensor host = differs.cpu();
  for (int r = 0; r < size(); ++r)
    if (host[r].item<double>() > 0) ranks.push_back(std::to_string(r));
  if (!ranks.empty()) {
    std::string list;
    for (const auto& r : ranks) list += (list.empty() ? "" : ", ") + r;
    throw UserError(fmt::format("the ranks disagree on the {}: rank(s) {} differ from rank 0 (this rank {}: {})",
                                what, list, rank(), value));
  }
}

void Distributed::barrier() {
  c10d::BarrierOptions o;
  o.timeout = impl_->timeout;
  impl_->wait(impl_->pg->barrier(o), "barrier");
}

int free_local_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (s >= 0) ::close(s);
    throw std::runtime_error("no free TCP port on 127.0.0.1 for a rendezvous");
  }
  socklen_t n = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(s);
  return ntohs(a.sin_port);
}

void all_reduce_gradients(Distributed& dist, const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> grads;
  for (const auto& p : params) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) const_cast<at::Tensor&>(p).mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  dist.all_reduce_sum(grads);
}

}  // namespace swepo
