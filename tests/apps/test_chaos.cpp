// Crash consistency: kill -9 anywhere, then resume. A seeded chaos loop runs a small sweep (the real
// runner, `swepo sweep`, through sweep_test_cli; the worker chaos_job.cpp trains through the real
// reference cache, checkpoints and store) and SIGKILLs, at moments drawn from the seed, the runner or
// a worker anywhere, or a worker caught inside a checkpoint write (its temporary file exists) or a
// store transaction (its phase byte); each kill is classed by the state seen just before it.
// After every round, with no process left:
//   - the database passes PRAGMA integrity_check;
//   - no (config hash, seed) has two rows, every job still has its row, no run is FAILED (a worker
//     that met a torn checkpoint or a wrong reference cache fails its run);
//   - every FINISHED run has its eval and every step of its metric history exactly once;
//   - every checkpoint and reference cache file is sealed and intact (core/util/sealed.h).
// Finally the sweep is resumed without kills until every job is FINISHED.
//   SWEPO_CHAOS_KILLS (default 24) and SWEPO_CHAOS_SEED (default 1) size it; the README's
//   reliability section quotes a long run (SWEPO_CHAOS_KILLS=200).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/store/store.h"
#include "core/util/fs.h"
#include "core/util/sealed.h"
#include "tests/sweeps/sweep_test_util.h"

namespace swepo {
namespace {

namespace fs = std::filesystem;
constexpr int kJobs = 8, kSteps = 30;

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : fallback;
}

pid_t spawn_runner(const std::string& sweep, const std::string& db, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    const std::string cli = test::kCli, job = CHAOS_JOB, conf = test::kConf;
    ::execl(cli.c_str(), cli.c_str(), "sweep", sweep.c_str(), "--db", db.c_str(), "--conf", conf.c_str(),
            "--job-cmd", job.c_str(), "--jobs", "2", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Live children of `parent` (from /proc/<pid>/stat: field 4 is the parent).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z') out.push_back(std::stoi(name));
  }
  return out;
}

// Processes still running chaos_job on this test's work dir (orphans dying by PR_SET_PDEATHSIG).
bool workers_alive(const std::string& work) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = test::slurp((e.path() / "cmdline").string());
    if (cmd.find("chaos_job") != std::string::npos && cmd.find(work) != std::string::npos) return true;
  }
  return false;
}

std::string where_it_landed(pid_t pid, const fs::path& work) {
  const std::string tmp = ".tmp." + std::to_string(pid);
  for (const auto& e : fs::recursive_directory_iterator(work)) {
    const std::string f = e.path().filename();
    if (f.size() > tmp.size() && f.compare(f.size() - tmp.size(), tmp.size(), tmp) == 0)
      return e.path().parent_path().filename() == "ref" ? "reference cache write" : "checkpoint write";
  }
  const std::string phase = test::slurp((work / ("phase-" + std::to_string(pid))).string());
  return !phase.empty() && phase[0] == 't' ? "store transaction" : "training or startup";
}

int64_t scalar(Db& db, const std::string& sql) {
  Stmt s(db, sql);
  s.step();
  return s.int64(0);
}

// The invariants of the header; `all_finished` additionally requires every job FINISHED.
void check_invariants(const std::string& db_path, const fs::path& work, bool all_finished, const std::string& when) {
  SCOPED_TRACE(when);
  Store store(db_path);
  Db& db = store.db();
  {
    Stmt ic(db, "PRAGMA integrity_check");
    ASSERT_TRUE(ic.step());
    EXPECT_EQ(ic.text(0), "ok");
  }
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM runs"), kJobs) << "every job keeps exactly one row";
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM (SELECT config_hash, seed FROM runs GROUP BY config_hash, seed "
                       "HAVING COUNT(*) > 1)"),
            0);
  {
    Stmt failed(db, "SELECT id, error FROM runs WHERE status = 'FAILED'");
    while (failed.step()) ADD_FAILURE() << "run " << failed.int64(0) << " FAILED: " << failed.text(1);
  }
  Stmt fin(db, "SELECT id FROM runs WHERE status = 'FINISHED'");
  int finished = 0;
  while (fin.step()) {
    ++finished;
    const int64_t id = fin.int64(0);
    const std::string r = " WHERE run_id = " + std::to_string(id);
    EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM evals" + r), 1) << "run " << id;
    std::string steps;
    {
      Stmt st(db, "SELECT step FROM metrics" + r + " AND key = 'pref/loss' ORDER BY step");
      while (st.step()) steps += " " + std::to_string(st.int64(0));
    }
    EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM metrics" + r + " AND key = 'pref/loss'"), kSteps)
        << "run " << id << " has the pref/loss of steps" << steps << "; its attempts' stderr:\n"
        << test::slurp((fs::path(db_path).parent_path() / "logs" / "chaos" / ("run-" + std::to_string(id) + ".err")).string());
    EXPECT_EQ(scalar(db, "SELECT COUNT(DISTINCT step) FROM metrics" + r + " AND key = 'pref/loss' AND step BETWEEN 1 AND " +
                             std::to_string(kSteps)),
              kSteps)
        << "run " << id;
  }
  if (all_finished) {
    EXPECT_EQ(finished, kJobs);
  }
  // Every checkpoint and cache file a reader could pick up is intact (temporary files never are read).
  for (const auto& e : fs::recursive_directory_iterator(work)) {
    if (e.path().extension() != ".pt") continue;
    std::string bytes = read_file(e.path().string());
    EXPECT_EQ(unseal_bytes(bytes), SealState::valid) << e.path();
  }
}

TEST(Chaos, KillNineAnywhereLosesNothingAndResumes) {
  const int64_t kills_wanted = env_int("SWEPO_CHAOS_KILLS", 24);
  std::mt19937_64 rng(static_cast<uint64_t>(env_int("SWEPO_CHAOS_SEED", 1)));
  test::TempDir dir("chaos");
  const fs::path work = dir.path / "work";
  const std::string sweep = dir / "chaos.yaml", db = dir / "chaos.db", log = dir / "runner.log";
  fs::create_directories(work);
  test::write(sweep, "name: chaos\noverrides: [job.steps=" + std::to_string(kSteps) + ", 'job.checkpoint_dir=" +
                         work.string() + "']\ngrid:\n  trainer.lr: 0.001,0.002\nseeds: range(4)\n");
  std::map<std::string, int> by_place;
  int kills = 0, rounds = 0;
  auto end_round = [&](pid_t runner) {
    int st = 0;
    ::waitpid(runner, &st, 0);
    ASSERT_TRUE(test::wait_for([&] { return !workers_alive(work.string()); }, 30)) << "orphaned workers";
    ++rounds;
    check_invariants(db, work, false, "after round " + std::to_string(rounds) + " (" + std::to_string(kills) + " kills)");
  };
  while (kills < kills_wanted && !::testing::Test::HasFailure()) {
    const pid_t runner = spawn_runner(sweep, db, log);
    bool runner_dead = false;
    while (!runner_dead && kills < kills_wanted) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 700)(rng)));
      int st = 0;
      if (::waitpid(runner, &st, WNOHANG) == runner) {  // the sweep ended on its own (KILLED jobs left)
        runner_dead = true;
        ASSERT_TRUE(test::wait_for([&] { return !workers_alive(work.string()); }, 30));
        ++rounds;
        check_invariants(db, work, false, "after round " + std::to_string(rounds));
        break;
      }
      // The seed picks the kind of kill: the runner, a worker anywhere, or a worker caught (by polling
      // every millisecond for up to 2 s) inside a checkpoint write or a store transaction.
      const double kind = std::uniform_real_distribution<double>(0, 1)(rng);
      std::vector<pid_t> workers = children_of(runner);
      pid_t victim = runner;
      std::string place = "runner";
      if (kind >= 0.15 && !workers.empty()) {
        const std::string want = kind < 0.4 ? "" : kind < 0.7 ? "checkpoint write" : "store transaction";
        victim = workers[rng() % workers.size()];
        place = where_it_landed(victim, work);
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!want.empty() && place != want && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          workers = children_of(runner);
          for (pid_t w : workers)
            if (where_it_landed(w, work) == want) {
              victim = w;
              place = want;
              break;
            }
          if (workers.empty()) break;
        }
        if (workers.empty()) continue;
      }
      const bool hit_runner = victim == runner;
      if (::kill(victim, SIGKILL) != 0) continue;  // it ended just now
      ++kills;
      ++by_place[place];
      if (hit_runner) {
        runner_dead = true;
        end_round(runner);
      }
    }
    if (!runner_dead) {
      ::kill(runner, SIGKILL);
      ++kills;
      ++by_place["runner"];
      end_round(runner);
    }
  }
  // Resume without kills: every job ends FINISHED.
  for (int attempt = 0; attempt < 4; ++attempt) {
    const pid_t runner = spawn_runner(sweep, db, log);
    int st = 0;
    ::waitpid(runner, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) break;
  }
  ASSERT_TRUE(test::wait_for([&] { return !workers_alive(work.string()); }, 30));
  check_invariants(db, work, true, "after the final resume");
  std::cout << "chaos: " << kills << " kills in " << rounds << " rounds:";
  for (const auto& [place, n] : by_place) std::cout << " " << place << " " << n << ";";
  std::cout << " every job FINISHED, invariants held after every round\n";
  if (::testing::Test::HasFailure()) std::cout << test::slurp(log).substr(0, 20000) << "\n";
}

}  // namespace
}  // namespace swepo
