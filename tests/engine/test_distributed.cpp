// Data-parallel training on c10d/Gloo with real processes (tests/engine/dist_worker.cpp): 2 ranks
// x B/2 prompts give the update of 1 rank x B; a rank killed mid-run fails the other within the
// timeout (no hang); ranks whose configs differ stop at the start with a clear error; the
// environment of torchrun and srun is read as documented.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/util/error.h"
#include "engine/distributed.h"
#include "tests/engine/train_test_util.h"

namespace swepo {
namespace {

const std::string kWorker = DIST_WORKER;


std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string rank_env(int rank, int size, int port) {
  return "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " WORLD_SIZE=" + std::to_string(size) +
         " RANK=" + std::to_string(rank) + " LOCAL_RANK=" + std::to_string(rank) + " ";
}

// Runs `cmd` in the shell; returns its exit code.
int sh(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

TEST(Distributed, TwoRanksOfHalfTheBatchGiveTheUpdateOfOneRank) {
  const std::string dir = test::temp_dir("dist_equal");
  ASSERT_EQ(sh(kWorker + " " + dir + "/one 5 > " + dir + "/one.log 2>&1"), 0) << slurp(dir + "/one.log");
  const int port = free_local_port();
  const std::string two = dir + "/two";
  const std::string cmd = "(" + rank_env(0, 2, port) + kWorker + " " + two + " 5 > " + two + ".0.log 2>&1; echo $? > " +
                          two + ".0.rc) & (" + rank_env(1, 2, port) + kWorker + " " + two + " 5 > " + two +
                          ".1.log 2>&1; echo $? > " + two + ".1.rc) & wait";
  sh(cmd);
  ASSERT_EQ(slurp(two + ".0.rc"), "0\n") << slurp(two + ".0.log");
  ASSERT_EQ(slurp(two + ".1.rc"), "0\n") << slurp(two + ".1.log");
  at::Tensor w1, w2;
  torch::load(w1, dir + "/one.pt");
  torch::load(w2, two + ".pt");
  at::Tensor start;
  {
    Transformer m = test::tiny_model(0);
    std::vector<at::Tensor> ps;
    for (const auto& p : m->parameters()) ps.push_back(p.detach().flatten());
    start = torch::cat(ps);
  }
  const double moved = (w1 - start).norm().item<double>();
  ASSERT_GT(moved, 0.0);
  EXPECT_LE((w2 - w1).norm().item<double>() / w1.norm().item<double>(), 1e-5);
  // The loss curve: the same window losses on every rank and as one process (to float32 rounding).
  const std::string l1 = slurp(dir + "/one.loss.0"), l20 = slurp(two + ".loss.0"), l21 = slurp(two + ".loss.1");
  EXPECT_EQ(l20, l21);
  std::istringstream a(l1), b(l20);
  int n = 0;
  for (double x, y; a >> x && b >> y; ++n) EXPECT_NEAR(x, y, 1e-5 * std::max(1.0, std::abs(x))) << "step " << n;
  EXPECT_EQ(n, 5);
}

TEST(Distributed, ARankKilledMidRunFailsTheOtherWithinTheTimeout) {
  const std::string dir = test::temp_dir("dist_kill");
  const int port = free_local_port();
  const std::string p = dir + "/k";
  // Rank 1 is SIGKILLed after ~1.5 s (of 200 steps x 50 ms); rank 0 must fail, not hang.
  const auto t0 = std::chrono::steady_clock::now();
  sh("(" + rank_env(0, 2, port) + kWorker + " " + p + " 200 50 > " + p + ".0.log 2>&1; echo $? > " + p + ".0.rc) & (" +
     rank_env(1, 2, port) + kWorker + " " + p + " 200 50 > " + p + ".1.log 2>&1 & pid=$!; sleep 1.5; kill -9 $pid) & wait");
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(slurp(p + ".0.rc"), "1\n") << slurp(p + ".0.log");
  EXPECT_NE(slurp(p + ".0.log").find("distributed"), std::string::npos) << slurp(p + ".0.log");
  EXPECT_LT(secs, 60.0);  // the 5 s collective timeout, not a hang
}

TEST(Distributed, RanksWithDifferentConfigsStopAtTheStart) {
  const std::string dir = test::temp_dir("dist_mismatch");
  const int port = free_local_port();
  const std::string p = dir + "/m";
  sh("(" + rank_env(0, 2, port) + kWorker + " " + p + " 3 > " + p + ".0.log 2>&1; echo $? > " + p + ".0.rc) & (" +
     rank_env(1, 2, port) + "SWEPO_TEST_LR=0.5 " + kWorker + " " + p + " 3 > " + p + ".1.log 2>&1; echo $? > " + p +
     ".1.rc) & wait");
  for (int r : {0, 1}) {
    const std::string log = slurp(p + "." + std::to_string(r) + ".log");
    EXPECT_EQ(slurp(p + "." + std::to_string(r) + ".rc"), "2\n") << log;
    EXPECT_NE(log.find("the ranks disagree on the preference run fingerprint"), std::string::npos) << log;
    EXPECT_NE(log.find("rank(s) 1 differ"), std::string::npos) << log;
  }
}

TEST(Distributed, WorldFromTorchrunAndSlurmEnvironments) {
  for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID",
                        "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID", "SLURM_LAUNCH_NODE_IPADDR"})
    ::unsetenv(v);
  EXPECT_FALSE(world_from_env().distributed());
  ::setenv("SLURM_PROCID", "0", 1);  // a batch script (no srun step): one process
  ::setenv("SLURM_NTASKS", "4", 1);
  EXPECT_FALSE(world_from_env().distributed());
  ::setenv("SLURM_PROCID", "3", 1);  // a task of `srun --ntasks 4`
  ::setenv("SLURM_STEP_NUM_TASKS", "4", 1);
  ::setenv("SLURM_LOCALID", "1", 1);
  ::setenv("SLURM_LAUNCH_NODE_IPADDR", "10.0.0.5", 1);
  WorldInfo w = world_from_env();
  EXPECT_EQ(w.source, "slurm");
  EXPECT_EQ(w.rank, 3);
  EXPECT_EQ(w.size, 4);
  EXPECT_EQ(w.local_rank, 1);
  EXPECT_EQ(w.master_addr, "10.0.0.5");
  ::setenv("RANK", "1", 1);  // torchrun's variables win over Slurm's
  ::setenv("WORLD_SIZE", "2", 1);
  ::setenv("MASTER_PORT", "29511", 1);
  w = world_from_env();
  EXPECT_EQ(w.source, "torchrun");
  EXPECT_EQ(w.rank, 1);
  EXPECT_EQ(w.local_rank, 1);
  EXPECT_EQ(w.master_port, 29511);
  ::setenv("RANK", "2", 1);
  EXPECT_THROW(world_from_env(), UserError);  // rank outside the world
  ::setenv("RANK", "x", 1);
  try {
    world_from_env();
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("RANK='x'"), std::string::npos) << e.what();
  }
  for (const char* v : {"RANK", "WORLD_SIZE", "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS",
                        "SLURM_LOCALID", "SLURM_LAUNCH_NODE_IPADDR"})
    ::unsetenv(v);
}

}  // namespace
}  // namespace swepo
