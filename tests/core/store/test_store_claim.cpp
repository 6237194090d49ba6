// Claims for launchers that do not fork the job (Slurm array tasks, pull workers): which states
// may be claimed, what a claim keeps, stale heartbeats -> KILLED, submissions; on both backends.
#include <gtest/gtest.h>

#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "tests/core/store/store_test_util.h"

namespace swepo {
namespace {

class StoreClaim : public test::StoreTest {};
INSTANTIATE_STORE_TESTS(StoreClaim);

RunSpec spec(const std::string& hash, int64_t seed) {
  RunSpec s;
  s.config_yaml = "{}";
  s.config_hash = hash;
  s.seed = seed;
  return s;
}

void set_heartbeat(Store& store, int64_t id, double t) {
  Stmt u(store.db(), "UPDATE runs SET heartbeat = ? WHERE id = ?");
  u.bind(1, t).bind(2, id).run();
}

TEST_P(StoreClaim, OnlyClaimableStatesAreClaimedOnce) {
  test::TempStore t(GetParam(), "claim");
  Store store(t.path);
  int64_t id = run_register(store, spec("h", 0));
  ClaimOptions opt;
  opt.launcher = "slurm 7_0";
  opt.pid = 4242;
  opt.host = "node1";
  EXPECT_EQ(run_claim(store, id, opt), ClaimResult::Claimed);  // SCHEDULED
  auto r = store.run_get(id);
  EXPECT_EQ(r->status, kRunRunning);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->launcher, "slurm 7_0");
  EXPECT_EQ(r->pid, 4242);
  EXPECT_EQ(r->host, "node1");
  // A second claimer sees a fresh heartbeat: it must not run the job.
  opt.launcher = "slurm 8_0";
  EXPECT_EQ(run_claim(store, id, opt), ClaimResult::RunningElsewhere);
  EXPECT_EQ(store.run_get(id)->attempts, 1);
  // The job program's run_start accepts the claimed RUNNING run (as one launched by the runner).
  run_start(store, id, {});
  EXPECT_EQ(store.run_get(id)->attempts, 1);
  run_finish(store, id, {});
  EXPECT_EQ(run_claim(store, id, opt), ClaimResult::Finished);
  EXPECT_EQ(run_claim(store, 999, opt), ClaimResult::Missing);

  int64_t f = run_register(store, spec("h", 1));
  ASSERT_EQ(run_claim(store, f, opt), ClaimResult::Claimed);
  run_log_metrics(store, f, 0, {{"loss", 1.0}});
  run_fail(store, f, "boom");
  EXPECT_EQ(run_claim(store, f, opt), ClaimResult::Failed);
  opt.retry_failed = true;
  EXPECT_EQ(run_claim(store, f, opt), ClaimResult::Claimed);
  EXPECT_EQ(store.run_get(f)->attempts, 2);
  EXPECT_TRUE(store.run_metric_summary(f).empty());  // a FAILED attempt's metrics are cleared
}

TEST_P(StoreClaim, KilledAndStaleAttemptsKeepTheirMetricsForAResume) {
  test::TempStore t(GetParam(), "resume");
  Store store(t.path);
  int64_t id = run_register(store, spec("h", 0));
  ClaimOptions opt;
  opt.launcher = "slurm 1_0";
  opt.stale_after_s = 60;
  ASSERT_EQ(run_claim(store, id, opt), ClaimResult::Claimed);
  for (int s = 0; s < 4; ++s) run_log_metrics(store, id, s, {{"loss", 1.0 / (s + 1)}});
  run_kill(store, id, "SIGTERM: checkpointed at step 2");
  ASSERT_EQ(run_claim(store, id, opt), ClaimResult::Claimed);  // the requeued task
  EXPECT_EQ(store.run_metric_history(id, "loss").size(), 4u);  // kept
  run_truncate_metrics(store, id, 2);                           // it resumes at step 2
  auto h = store.run_metric_history(id, "loss");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.back(), (std::pair<int64_t, double>{1, 0.5}));
  // A RUNNING run whose heartbeat is 61 s old counts as dead: claimable, and marked KILLED by
  // run_mark_stale_killed; one 59 s old is left alone.
  double now = store_now();
  set_heartbeat(store, id, now - 59);
  EXPECT_EQ(run_claim(store, id, opt), ClaimResult::RunningElsewhere);
  EXPECT_TRUE(run_mark_stale_killed(store, {id}, 60, now).empty());
  set_heartbeat(store, id, now - 61);
  EXPECT_EQ(run_mark_stale_killed(store, {id}, 60, now), std::vector<int64_t>{id});
  auto r = store.run_get(id);
  EXPECT_EQ(r->status, kRunKilled);
  EXPECT_NE(r->error.find("no heartbeat for more than 60 s"), std::string::npos) << r->error;
  EXPECT_TRUE(run_mark_stale_killed(store, {id}, 60, now).empty());  // KILLED already
  EXPECT_EQ(run_claim(store, id, opt), ClaimResult::Claimed);
  EXPECT_EQ(store.run_get(id)->attempts, 3);
}

// The local runner's launch follows the same rule as a claim: a KILLED attempt, or one that died
// RUNNING (its runner was killed), keeps its metrics for the resume; a FAILED one starts clean.
TEST_P(StoreClaim, LaunchKeepsAKilledOrDeadAttemptsMetrics) {
  test::TempStore t(GetParam(), "launch");
  Store store(t.path);
  const int64_t id = run_register(store, spec("h", 0));
  run_launch(store, id, 0, "cpu", {});
  for (int s = 1; s <= 3; ++s) run_log_metrics(store, id, s, {{"pref/loss", 1.0 / s}});
  run_launch(store, id, 0, "cpu", {});  // the runner died with it: RUNNING, process gone
  EXPECT_EQ(store.run_metric_history(id, "pref/loss").size(), 3u);
  run_kill(store, id, "SIGKILL");
  run_launch(store, id, 0, "cpu", {});
  EXPECT_EQ(store.run_metric_history(id, "pref/loss").size(), 3u);
  EXPECT_EQ(store.run_get(id)->attempts, 3);
  run_fail(store, id, "exit 1");
  run_launch(store, id, 0, "cpu", {});
  EXPECT_TRUE(store.run_metric_history(id, "pref/loss").empty());
}

TEST_P(StoreClaim, ClaimNextTakesJobsInOrderAndSubmissionsAreRecorded) {
  test::TempStore t(GetParam(), "next");
  Store store(t.path);
  int64_t sweep = store.sweep_upsert("s", "", "name: s");
  std::vector<std::pair<int64_t, int64_t>> jobs;
  for (int j = 0; j < 3; ++j) jobs.emplace_back(j, run_register(store, spec("n", j)));
  store.sweep_set_jobs(sweep, jobs);
  ClaimOptions opt;
  opt.launcher = "pull";
  EXPECT_EQ(run_claim_next(store, sweep, opt), jobs[0].second);
  EXPECT_EQ(run_claim_next(store, sweep, opt), jobs[1].second);
  EXPECT_EQ(run_claim_next(store, sweep, opt), jobs[2].second);
  EXPECT_FALSE(run_claim_next(store, sweep, opt));

  SubmissionRow row;
  row.sweep_id = sweep;
  row.launcher = "slurm";
  row.external_id = "1234";
  row.script = "/x/submit-1.sbatch";
  row.jobs = {0, 2};
  int64_t a = submission_add(store, row);
  row.external_id = "1240";
  row.jobs = {2};
  int64_t b = submission_add(store, row);
  EXPECT_LT(a, b);
  auto subs = submissions_list(store, sweep);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].external_id, "1234");
  EXPECT_EQ(subs[0].jobs, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(subs[1].jobs, (std::vector<int64_t>{2}));
  EXPECT_GT(subs[0].created, 0);
}

}  // namespace
}  // namespace swepo
