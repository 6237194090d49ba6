// The run lifecycle: idempotent registration, immutable typed params, batched metrics, and
// evals committed together with FINISHED (or not at all), on both backends.
#include <gtest/gtest.h>

#include "core/store/store_run.h"
#include "tests/core/store/store_test_util.h"

namespace swepo {
namespace {

RunSpec spec(const std::string& hash, int64_t seed) {
  RunSpec s;
  s.config_yaml = "seed: " + std::to_string(seed) + "\n";
  s.overrides = {"loss=dpo", "seed=" + std::to_string(seed)};
  s.config_hash = hash;
  s.seed = seed;
  s.params = {{"loss.beta", "1e-3"}, {"loss.name", "dpo"}, {"seed", std::to_string(seed)}, {"trainer.steps", "100"}};
  s.choices = {{"loss", "dpo"}};
  return s;
}

std::string scalar_text(Db& db, const std::string& sql) {
  Stmt s(db, sql);
  s.step();
  return s.text(0);
}

class StoreRun : public test::StoreTest {};
INSTANTIATE_STORE_TESTS(StoreRun);

TEST_P(StoreRun, RegisterIsIdempotentOnConfigHashAndSeed) {
  test::TempStore t(GetParam(), "register");
  Store store(t.path);
  int64_t a = run_register(store, spec("h1", 0));
  int64_t b = run_register(store, spec("h1", 1));
  RunSpec again = spec("h1", 0);
  again.params = {{"loss.beta", "0.5"}};  // ignored: the run exists
  EXPECT_EQ(run_register(store, again), a);
  EXPECT_NE(a, b);
  EXPECT_EQ(store.run_get(a)->status, kRunScheduled);
  EXPECT_EQ(store.run_params(a).size(), 4u);
  EXPECT_EQ(store.run_params(a)[0], (std::pair<std::string, std::string>{"loss.beta", "0.001"}));
  EXPECT_EQ(store.run_params(a)[3], (std::pair<std::string, std::string>{"trainer.steps", "100"}));
  if (!pg()) {
    // Params are typed for SQL: 1e-3 is the REAL 0.001, 100 an INTEGER, dpo TEXT.
    auto type_of = [&](const std::string& key) {
      return scalar_text(store.db(), "SELECT typeof(value) FROM params WHERE key = '" + key + "' AND run_id = 1");
    };
    EXPECT_EQ(type_of("loss.beta"), "real");
    EXPECT_EQ(type_of("trainer.steps"), "integer");
    EXPECT_EQ(type_of("loss.name"), "text");
  } else {
    // PostgreSQL: the number in params.num (0.001, 100), NULL for the text dpo.
    Stmt n(store.db(), "SELECT key, num FROM params WHERE run_id = 1 ORDER BY key");
    ASSERT_TRUE(n.step());
    EXPECT_EQ(n.text(0), "loss.beta");
    EXPECT_DOUBLE_EQ(n.real(1), 0.001);
    ASSERT_TRUE(n.step());
    EXPECT_TRUE(n.is_null(1));  // loss.name
    ASSERT_TRUE(n.step());
    ASSERT_TRUE(n.step());
    EXPECT_EQ(n.text(0), "trainer.steps");
    EXPECT_DOUBLE_EQ(n.real(1), 100);
  }
  EXPECT_THROW(store.db().exec("UPDATE params SET value = 2 WHERE run_id = 1"), StoreError);
  // Filters: a param compared as a number (0.001 == 1e-3), a status, an unknown value.
  RunFilter f;
  f.where = {{"loss.beta", "0.001"}, {"seed", "1"}};
  auto rows = store.runs_list(f);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, b);
  f.where = {{"loss.beta", "1e-3"}};
  EXPECT_EQ(store.runs_list(f).size(), 2u);
  f.where = {{"loss.name", "ipo"}};
  EXPECT_EQ(store.runs_list(f).size(), 0u);
  f.where = {{"loss.name", "dpo"}, {"trainer.steps", "100.0"}};  // 100.0 = 100 as numbers
  EXPECT_EQ(store.runs_list(f).size(), 2u);
  RunFilter g;
  g.status = kRunFinished;
  EXPECT_EQ(store.runs_list(g).size(), 0u);
}

TEST_P(StoreRun, FinishCommitsEvalsWithTheStatusOrNothing) {
  test::TempStore t(GetParam(), "finish");
  Store store(t.path);
  int64_t id = run_register(store, spec("h", 0));
  // Finishing a run that never started fails and writes nothing.
  EXPECT_THROW(run_finish(store, id, {{"s", "m", 1.0, std::nullopt, std::nullopt, ""}}), StoreError);
  EXPECT_TRUE(store.run_evals(id).empty());
  Provenance p = provenance_collect("cpu", "1.13.1");
  run_start(store, id, p);
  auto r = store.run_get(id);
  EXPECT_EQ(r->status, kRunRunning);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->torch_version, "1.13.1");
  EXPECT_EQ(r->device, "cpu");
  EXPECT_EQ(r->git_commit, provenance_git_commit());
  EXPECT_FALSE(r->host.empty());
  run_finish(store, id,
             {{"alpaca", "lc_wr", 21.5, 1.25, 805, "greedy"}, {"alpaca", "lc_wr", 20.0, std::nullopt, 805, "t=0.7"}},
             {{"checkpoint", "/tmp/x.pt", "abc"}});
  r = store.run_get(id);
  EXPECT_EQ(r->status, kRunFinished);
  EXPECT_TRUE(r->ended);
  auto ev = store.run_evals(id);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].decoding, "greedy");
  EXPECT_DOUBLE_EQ(*ev[0].stderr_, 1.25);
  EXPECT_FALSE(ev[1].stderr_);
  EXPECT_EQ(store.run_artifacts(id).at(0).sha256, "abc");
  // A second finish (or a late failure) does not touch a finished run.
  EXPECT_THROW(run_finish(store, id, {{"x", "y", 0.0, std::nullopt, std::nullopt, ""}}), StoreError);
  EXPECT_EQ(store.run_evals(id).size(), 2u);
  EXPECT_FALSE(run_fail(store, id, "late"));
  EXPECT_FALSE(run_kill(store, id, "late"));
  EXPECT_EQ(store.run_get(id)->status, kRunFinished);
  EXPECT_THROW(run_start(store, id, p), StoreError);
}

TEST_P(StoreRun, RestartClearsThePreviousAttempt) {
  test::TempStore t(GetParam(), "restart");
  Store store(t.path);
  int64_t id = run_register(store, spec("h", 0));
  run_start(store, id, {});
  run_log_metrics(store, id, 0, {{"loss", 1.0}});
  EXPECT_TRUE(run_fail(store, id, "boom"));
  EXPECT_EQ(store.run_get(id)->error, "boom");
  EXPECT_FALSE(run_kill(store, id, "x"));  // FAILED stays FAILED
  run_start(store, id, {});                // the rerun
  auto r = store.run_get(id);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->status, kRunRunning);
  EXPECT_EQ(r->error, "");
  EXPECT_TRUE(store.run_metric_summary(id).empty());
}

TEST_P(StoreRun, MetricsWriterBatchesAndSummarises) {
  test::TempStore t(GetParam(), "metrics");
  Store store(t.path);
  int64_t id = run_register(store, spec("h", 0));
  run_start(store, id, {});
  auto count = [&] {
    Stmt s(store.db(), "SELECT COUNT(*) FROM metrics");
    s.step();
    return s.int64(0);
  };
  {
    MetricsWriter w(store, id, /*batch_rows=*/4, /*flush_seconds=*/1e9);
    // loss at steps 0..4 = 3, 1, 2, 5, 4; acc at the same steps = step / 10.
    double loss[] = {3, 1, 2, 5, 4};
    for (int s = 0; s < 5; ++s) w.log(s, {{"acc", s / 10.0}, {"loss", loss[s]}});
    // 10 rows in batches of 4: two flushes (8 rows), 2 pending.
    EXPECT_EQ(count(), 8);
    EXPECT_EQ(w.pending(), 2u);
    w.log(4, "loss", 0.5);  // the same (key, step) again: the last value wins
  }  // the destructor flushes
  EXPECT_EQ(count(), 10);
  auto ms = store.run_metric_summary(id);
  ASSERT_EQ(ms.size(), 2u);
  // loss: 3, 1, 2, 5, 0.5 -> first 3, last 0.5, min 0.5, max 5 over steps 0..4.
  EXPECT_EQ(ms[1].key, "loss");
  EXPECT_EQ(ms[1].count, 5);
  EXPECT_EQ(ms[1].first_step, 0);
  EXPECT_EQ(ms[1].last_step, 4);
  EXPECT_DOUBLE_EQ(ms[1].first, 3);
  EXPECT_DOUBLE_EQ(ms[1].last, 0.5);
  EXPECT_DOUBLE_EQ(ms[1].min, 0.5);
  EXPECT_DOUBLE_EQ(ms[1].max, 5);
  EXPECT_DOUBLE_EQ(ms[0].last, 0.4);
  EXPECT_EQ(store.run_metric_history(id, "loss").at(1), (std::pair<int64_t, double>{1, 1.0}));
}

TEST_P(StoreRun, PutEvalsUpsertsIntoARunInAnyState) {
  test::TempStore t(GetParam(), "put_evals");
  Store store(t.path);
  int64_t id = run_register(store, spec("h", 0));
  // A SCHEDULED run takes evals too (import-eval does not care about the status).
  run_put_evals(store, id, {{"alpaca", "wr", 40.0, 2.5, 3, "greedy,seed=0"}});
  run_start(store, id, {});
  run_finish(store, id, {{"alpaca", "wr", 41.0, 2.0, 3, "greedy,seed=0"}, {"arena", "wr", 10.0, std::nullopt, 3, "avg"}});
  // Upsert on (suite, metric, decoding): the first row replaced (stderr cleared), one row added.
  run_put_evals(store, id, {{"alpaca", "wr", 50.0, std::nullopt, 4, "greedy,seed=0"},
                            {"alpaca", "wr", 60.0, 1.0, 4, "t=0.2,seed=1"}});
  run_put_evals(store, id, {{"alpaca", "wr", 50.0, std::nullopt, 4, "greedy,seed=0"}});  // again: no duplicate
  auto ev = store.run_evals(id);  // ordered by suite, metric, decoding
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].decoding, "greedy,seed=0");
  EXPECT_DOUBLE_EQ(ev[0].value, 50.0);
  EXPECT_FALSE(ev[0].stderr_.has_value());
  EXPECT_EQ(ev[0].n, 4);
  EXPECT_EQ(ev[1].decoding, "t=0.2,seed=1");
  EXPECT_DOUBLE_EQ(*ev[1].stderr_, 1.0);
  EXPECT_EQ(ev[2].suite, "arena");
  EXPECT_EQ(store.run_get(id)->status, kRunFinished);
  run_put_evals(store, id, {});  // nothing to write is fine
  try {
    run_put_evals(store, 999, {{"alpaca", "wr", 1.0, std::nullopt, std::nullopt, "avg"}});
    FAIL() << "an unknown run must throw";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("no run with id 999"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.run_evals(999).size(), 0u);
}

}  // namespace
}  // namespace swepo
