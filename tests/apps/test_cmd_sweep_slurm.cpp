// `swepo sweep --launcher slurm` as a user runs it (through sweep_test_cli):
//   - with a stand-in sbatch that runs each array task at once (no servers needed; both store
//     backends): scripts, submissions and claims recorded, relaunch submits only what is not
//     FINISHED, stale RUNNING runs are resubmitted, fresh ones left to their task;
//   - on the real one-node Slurm cluster into PostgreSQL (scripts/servers.sh start; skipped
//     without SWEPO_TEST_SLURM and SWEPO_TEST_PG_URL): every job FINISHED exactly once; scancel
//     of a running task then a relaunch finishes the sweep with no job run twice; a requeued
//     task resumes from its checkpoint; a task that dies hard is KILLED by its stale heartbeat
//     and rerun by the relaunch.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "tests/core/store/store_test_util.h"
#include "tests/sweeps/sweep_test_util.h"

namespace swepo {
namespace {

using test::TempDir;

std::string sweep_cmd(const std::string& file, const std::string& db, const std::string& extra) {
  return test::kCli + " sweep " + file + " --db " + db + " --conf " + test::kConf + " --job-cmd " + test::kJob +
         " --launcher slurm " + extra;
}

// sbatch --parsable SCRIPT: runs every task of the script's --array now, one after the other,
// with SLURM_ARRAY_JOB_ID / SLURM_ARRAY_TASK_ID set, and prints job ids 900, 901, ...
std::string fake_sbatch(const TempDir& dir) {
  std::string path = dir / "sbatch";
  test::write(path,
              "#!/bin/bash\nscript=\"${@: -1}\"\nstate=" + (dir / "sbatch.state") +
                  "\nid=$(( $(cat $state 2>/dev/null || echo 899) + 1 )); echo $id > $state\n"
                  "spec=$(sed -n 's/^#SBATCH --array=//p' \"$script\"); spec=${spec%%\\%*}\n"
                  "for part in ${spec//,/ }; do\n"
                  "  if [[ $part == *-* ]]; then ids=$(seq ${part%-*} ${part#*-}); else ids=$part; fi\n"
                  "  for i in $ids; do SLURM_ARRAY_JOB_ID=$id SLURM_ARRAY_TASK_ID=$i bash \"$script\" "
                  ">> \"$(dirname \"$script\")/slurm-${id}_$i.out\" 2>&1; done\n"
                  "done\necho $id\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return "SWEPO_SBATCH=" + path + " SWEPO_SQUEUE=/bin/true ";
}

int64_t job_run(Store& store, const std::string& sweep, int64_t job) {
  auto s = store.sweep_find(sweep);
  for (const auto& [j, r] : store.sweep_jobs(s->id))
    if (j == job) return r;
  return -1;
}

class SweepSlurmCli : public test::StoreTest {};
INSTANTIATE_STORE_TESTS(SweepSlurmCli);

TEST_P(SweepSlurmCli, ArrayTasksClaimRunAndRecordAndRelaunchSubmitsWhatIsLeft) {
  TempDir dir("slurm-fake");
  test::TempStore db(GetParam(), "slurm_fake");
  std::string file = dir / "s.yaml", logs = dir / "logs", count = dir / "count.txt";
  test::write(file, "name: fk\noverrides: [job.count_file=" + count + "]\nseeds: range(3)\n");
  std::string env = fake_sbatch(dir);
  test::Proc p = test::sh(env + sweep_cmd(file, db.path, "--wait --slurm.poll 0.1 --log-dir " + logs));
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("submitted 3 job(s) as Slurm array 900"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("3 finished (0 before, 3 now)"), std::string::npos) << p.out;
  std::string script = test::slurp(logs + "/submit-1.sbatch");
  EXPECT_NE(script.find("#SBATCH --array=0-2\n"), std::string::npos) << script;
  EXPECT_NE(test::slurp(logs + "/slurm-900_1.out").find("claimed by slurm 900_1"), std::string::npos);
  EXPECT_EQ(test::count_lines(count), 3);
  {
    Store store(db.path);
    for (int j = 0; j < 3; ++j) {
      auto r = store.run_get(job_run(store, "fk", j));
      EXPECT_EQ(r->status, kRunFinished);
      EXPECT_EQ(r->attempts, 1);
      EXPECT_EQ(r->launcher, "slurm 900_" + std::to_string(j));
      EXPECT_EQ(store.run_evals(r->id).size(), 1u);  // the job's own run_finish
    }
    auto subs = submissions_list(store, store.sweep_find("fk")->id);
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].external_id, "900");
    EXPECT_EQ(subs[0].jobs, (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(subs[0].script, logs + "/submit-1.sbatch");
  }
  // Relaunch: nothing left, nothing submitted.
  p = test::sh(env + sweep_cmd(file, db.path, "--wait --log-dir " + logs));
  EXPECT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("3 finished before, 0 to submit"), std::string::npos) << p.out;
  // Job 1 RUNNING with a fresh heartbeat on another host (its task is alive): left alone. Job 2
  // RUNNING with a 10-minute-old heartbeat (its task died hard): KILLED and resubmitted.
  {
    Store store(db.path);
    Stmt u(store.db(), "UPDATE runs SET status = 'RUNNING', heartbeat = ?, host = 'elsewhere' WHERE id = ?");
    u.bind(1, store_now()).bind(2, job_run(store, "fk", 1)).run();
    u.reset();
    u.bind(1, store_now() - 600).bind(2, job_run(store, "fk", 2)).run();
  }
  p = test::sh(env + sweep_cmd(file, db.path, "--wait --slurm.poll 0.1 --log-dir " + logs));
  EXPECT_EQ(p.code, 1) << p.out;  // one job running elsewhere
  EXPECT_NE(p.out.find("job 1 (run 2): running elsewhere"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("job 2 (run 3): rerunning: RUNNING but its heartbeat is 600 s old"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("submitted 1 job(s) as Slurm array 901"), std::string::npos) << p.out;
  Store store(db.path);
  EXPECT_EQ(store.run_get(job_run(store, "fk", 2))->status, kRunFinished);
  EXPECT_EQ(store.run_get(job_run(store, "fk", 2))->attempts, 2);
  EXPECT_EQ(store.run_get(job_run(store, "fk", 1))->status, kRunRunning);
  auto subs = submissions_list(store, store.sweep_find("fk")->id);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[1].jobs, std::vector<int64_t>{2});
  EXPECT_EQ(test::count_lines(count), 4);  // job 2 ran again, job 1 did not
}

TEST(SweepSlurmCliArgs, BadLauncherAndSlurmFlagsWithoutItExit2) {
  TempDir dir("slurm-args");
  std::string file = dir / "s.yaml";
  test::write(file, "name: a\nseeds: range(1)\n");
  test::Proc p = test::sh(test::kCli + " sweep " + file + " --db " + (dir / "r.db") + " --conf " + test::kConf +
                          " --launcher slurmm");
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("--launcher 'slurmm': unknown (did you mean 'slurm'?)"), std::string::npos) << p.out;
  p = test::sh(test::kCli + " sweep " + file + " --db " + (dir / "r.db") + " --conf " + test::kConf +
               " --slurm.partition gpu");
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("--slurm.partition needs --launcher slurm"), std::string::npos) << p.out;
}

// ---- the real one-node cluster -------------------------------------------------------------------

bool have_cluster() { return std::getenv("SWEPO_TEST_SLURM") && !test::pg_server_url().empty(); }
#define NEED_CLUSTER()                                                                                 \
  if (!have_cluster())                                                                                 \
  GTEST_SKIP() << "needs a Slurm cluster and PostgreSQL: SWEPO_TEST_SLURM=1 and SWEPO_TEST_PG_URL "    \
                  "(eval \"$(scripts/servers.sh start)\")"

std::string array_id(Store& store, const std::string& sweep, size_t k = 0) {
  auto subs = submissions_list(store, store.sweep_find(sweep)->id);
  return subs.size() > k ? subs[k].external_id : "";
}

// True once squeue lists no task of the array: an empty answer, or "Invalid job id" once the
// controller purged it. Any other failure (a controller busy under the parallel test load timing
// out) is no answer, so not empty.
bool queue_empty(const std::string& id) {
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // spare the controller
  test::Proc q = test::sh("squeue -h -j " + id + " -o %i");
  if (q.code != 0) return q.out.find("Invalid job id") != std::string::npos;
  return q.out.find_first_not_of(" \n") == std::string::npos;
}

// What the cluster says about itself, for a failure message: the jobs, the node, the controller's
// last log lines.
std::string cluster_state() {
  std::string log;
  if (const char* conf = std::getenv("SLURM_CONF"))
    log = test::sh("tail -25 " + std::filesystem::path(conf).parent_path().string() + "/slurmctld.log").out;
  return "scontrol show job:\n" + test::sh("scontrol show job").out + "\nsinfo:\n" + test::sh("sinfo -N -l").out +
         "\nslurmctld.log:\n" + log;
}

template <class F>
void wait_or_fail(F pred, double seconds, const std::string& what) {
  ASSERT_TRUE(test::wait_for(pred, seconds)) << "timed out waiting for " << what << "\n" << cluster_state();
}

TEST(SweepSlurmCluster, EveryJobFinishedExactlyOnceIntoPostgres) {
  NEED_CLUSTER();
  TempDir dir("slurm-all");
  test::TempStore db(test::Backend::Postgres, "slurm_all");
  std::string file = dir / "s.yaml", logs = dir / "logs", count = dir / "count.txt";
  test::write(file, "name: all\noverrides: [job.count_file=" + count +
                        ", job.steps=5, job.sleep_ms=100]\ngrid:\n  loss: dpo,ipo\nseeds: range(3)\n");
  auto t0 = std::chrono::steady_clock::now();
  test::Proc p = test::sh(sweep_cmd(file, db.path, "--wait --slurm.poll 0.5 --log-dir " + logs));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[slurm] 6-job sweep through sbatch into PostgreSQL, end to end: " << secs << " s\n";
  RecordProperty("slurm_sweep_seconds", std::to_string(secs));
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("6 finished (0 before, 6 now)"), std::string::npos) << p.out;
  Store store(db.path);
  std::string id = array_id(store, "all");
  ASSERT_FALSE(id.empty());
  std::set<std::string> started;
  std::istringstream lines(test::slurp(count));
  for (std::string w, run, x, pid; lines >> w >> run >> x >> pid >> x >> x;) started.insert(run);
  EXPECT_EQ(test::count_lines(count), 6);
  EXPECT_EQ(started.size(), 6u);  // six different runs, each started once
  for (int j = 0; j < 6; ++j) {
    auto r = store.run_get(job_run(store, "all", j));
    EXPECT_EQ(r->status, kRunFinished);
    EXPECT_EQ(r->attempts, 1);
    EXPECT_EQ(r->launcher, "slurm " + id + "_" + std::to_string(j));
  }
  EXPECT_NE(test::slurp(logs + "/submit-1.sbatch").find("#SBATCH --array=0-5\n"), std::string::npos);
  p = test::sh(sweep_cmd(file, db.path, "--wait --log-dir " + logs));  // relaunch: nothing to do
  EXPECT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("6 finished before, 0 to submit"), std::string::npos) << p.out;
}

TEST(SweepSlurmCluster, ScancelOfARunningTaskThenARelaunchRunsNoJobTwice) {
  NEED_CLUSTER();
  TempDir dir("slurm-cancel");
  test::TempStore db(test::Backend::Postgres, "slurm_cancel");
  std::string file = dir / "s.yaml", logs = dir / "logs", count = dir / "count.txt";
  test::write(file, "name: cx\noverrides: [job.count_file=" + count + ", job.steps=20, job.sleep_ms=150]\n"
                    "seeds: range(4)\n");
  test::Proc p = test::sh(sweep_cmd(file, db.path, "--log-dir " + logs));  // submit, do not wait
  ASSERT_EQ(p.code, 0) << p.out;
  Store store(db.path);
  std::string id = array_id(store, "cx");
  int64_t victim = job_run(store, "cx", 1);
  // Cancel once the job program itself has started (its line in the count file), not merely once
  // its task claimed the run: a cancel in between would stop it before it ever ran.
  auto started = [&](int64_t run) {
    std::istringstream lines(test::slurp(count));
    for (std::string w, r, x; lines >> w >> r >> x >> x >> x >> x;)
      if (r == std::to_string(run)) return true;
    return false;
  };
  wait_or_fail([&] { return store.run_get(victim)->status == kRunRunning && started(victim); }, 60,
               "job 1 RUNNING and started");
  test::Proc c = test::sh("scancel " + id + "_1");
  ASSERT_EQ(c.code, 0) << c.out;
  wait_or_fail([&] { return queue_empty(id); }, 90, "the array to end");
  auto v = store.run_get(victim);
  EXPECT_EQ(v->status, kRunKilled);
  EXPECT_NE(v->error.find("SIGTERM"), std::string::npos) << v->error;
  for (int j : {0, 2, 3}) EXPECT_EQ(store.run_get(job_run(store, "cx", j))->status, kRunFinished) << "job " << j;

  p = test::sh(sweep_cmd(file, db.path, "--wait --slurm.poll 0.5 --log-dir " + logs));  // relaunch
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("3 finished before, 1 to submit"), std::string::npos) << p.out;
  auto subs = submissions_list(store, store.sweep_find("cx")->id);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[1].jobs, std::vector<int64_t>{1});
  std::map<std::string, int> starts;
  std::istringstream lines(test::slurp(count));
  for (std::string w, run, x; lines >> w >> run >> x >> x >> x >> x;) ++starts[run];
  for (int j = 0; j < 4; ++j) {
    auto r = store.run_get(job_run(store, "cx", j));
    EXPECT_EQ(r->status, kRunFinished);
    EXPECT_EQ(r->attempts, j == 1 ? 2 : 1) << "job " << j;
    EXPECT_EQ(starts[std::to_string(r->id)], j == 1 ? 2 : 1) << "job " << j;  // cancelled once, then once more
  }
}

TEST(SweepSlurmCluster, ARequeuedTaskResumesFromItsCheckpoint) {
  NEED_CLUSTER();
  TempDir dir("slurm-requeue");
  test::TempStore db(test::Backend::Postgres, "slurm_requeue");
  std::string file = dir / "s.yaml", logs = dir / "logs", count = dir / "count.txt", ck = dir / "ck";
  std::filesystem::create_directories(ck);
  test::write(file, "name: rq\noverrides: [job.count_file=" + count + ", job.steps=30, job.sleep_ms=150, "
                    "job.checkpoint_dir=" + ck + "]\nseeds: range(1)\n");
  test::Proc p = test::sh(sweep_cmd(file, db.path, "--log-dir " + logs));
  ASSERT_EQ(p.code, 0) << p.out;
  Store store(db.path);
  std::string id = array_id(store, "rq");
  int64_t run = job_run(store, "rq", 0);
  wait_or_fail([&] { return store.run_metric_history(run, "loss").size() >= 5; }, 60, "5 steps logged");
  test::Proc r = test::sh("scontrol requeue " + id + "_0");
  ASSERT_EQ(r.code, 0) << r.out;
  wait_or_fail([&] { return store.run_get(run)->status == kRunKilled; }, 60, "the run KILLED at the requeue");
  EXPECT_NE(store.run_get(run)->error.find("checkpointed at step"), std::string::npos) << store.run_get(run)->error;
  // Slurm holds a requeued job for 120 s (its BeginTime); release it once it is PENDING, and wait
  // for what the store says (the run FINISHED by its second attempt), not for the queue's state,
  // which passes through COMPLETING/REQUEUED and may not answer under load. Not sooner than 3 s
  // after the requeue: the requeue revokes the job's credential with one-second granularity, and a
  // relaunch within it is killed by slurmd ("Job credential revoked", JobLaunchFailure) - which is
  // why Slurm holds requeued jobs at all.
  const auto requeued = std::chrono::steady_clock::now();
  wait_or_fail(
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // spare the controller
        const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - requeued).count();
        std::string st = test::sh("squeue -h -j " + id + " -o %T").out;
        if (since > 3 && st.find("PENDING") != std::string::npos)
          test::sh("scontrol update JobId=" + id + "_0 StartTime=now");
        return store.run_get(run)->status == kRunFinished;
      },
      150, "the requeued task to finish the run");
  wait_or_fail([&] { return queue_empty(id); }, 90, "the requeued task to end");
  auto row = store.run_get(run);
  EXPECT_EQ(row->status, kRunFinished);
  EXPECT_EQ(row->attempts, 2);
  std::istringstream lines(test::slurp(count));
  std::vector<std::pair<double, int64_t>> starts;  // (pid, start step)
  for (std::string w, x; lines >> w >> x >> x;) {
    double pid;
    int64_t start;
    lines >> pid >> x >> start;
    starts.emplace_back(pid, start);
  }
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].second, 0);
  int64_t k = starts[1].second;
  EXPECT_GE(k, 5);  // resumed where the checkpoint was, not from 0
  auto loss = store.run_metric_history(run, "loss");
  ASSERT_EQ(loss.size(), 30u);  // every step once
  auto pids = store.run_metric_history(run, "pid");
  ASSERT_EQ(pids.size(), 30u);
  for (const auto& [step, pid] : pids) EXPECT_EQ(pid, step < k ? starts[0].first : starts[1].first) << step;
  EXPECT_DOUBLE_EQ(store.run_evals(run).at(0).value, 30.0);  // 10 * seed 0 + 30 steps, as uninterrupted
}

TEST(SweepSlurmCluster, ATaskKilledHardIsKilledByItsStaleHeartbeatAndRerun) {
  NEED_CLUSTER();
  TempDir dir("slurm-hard");
  test::TempStore db(test::Backend::Postgres, "slurm_hard");
  std::string file = dir / "s.yaml", logs = dir / "logs", count = dir / "count.txt";
  test::write(file, "name: hk\noverrides: [job.count_file=" + count + ", job.steps=40, job.sleep_ms=100]\n"
                    "seeds: range(1)\n");
  test::Proc p = test::sh(sweep_cmd(file, db.path, "--log-dir " + logs));
  ASSERT_EQ(p.code, 0) << p.out;
  Store store(db.path);
  std::string id = array_id(store, "hk");
  int64_t run = job_run(store, "hk", 0);
  wait_or_fail([&] { return store.run_metric_history(run, "loss").size() >= 3; }, 60, "3 steps logged");
  // The task dies hard (as with a lost node): SIGKILL to the task process (the job's parent, the
  // job dies with it), so nobody records anything.
  int64_t job_pid = store.run_get(run)->pid.value_or(0);
  ASSERT_GT(job_pid, 0);
  test::Proc k = test::sh("kill -9 $(awk '{print $4}' /proc/" + std::to_string(job_pid) + "/stat)");
  ASSERT_EQ(k.code, 0) << k.out;
  wait_or_fail([&] { return queue_empty(id); }, 60, "the killed task to leave the queue");
  EXPECT_EQ(store.run_get(run)->status, kRunRunning);  // as the task left it
  // As if the task had run on another node (its process cannot be looked up here): only the
  // heartbeat tells. 3 s without one with --stale-after 2: KILLED, resubmitted, finished.
  Stmt u(store.db(), "UPDATE runs SET host = 'another-node' WHERE id = ?");
  u.bind(1, run).run();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  p = test::sh(sweep_cmd(file, db.path, "--wait --slurm.poll 0.5 --stale-after 2 --log-dir " + logs));
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("(stale)"), std::string::npos) << p.out;
  auto r = store.run_get(run);
  EXPECT_EQ(r->status, kRunFinished);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(test::count_lines(count), 2);
}

}  // namespace
}  // namespace swepo
