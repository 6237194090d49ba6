// Schema creation, forward migration from version 1, and refusing a newer database, on both
// backends (SQLite and PostgreSQL; see store_test_util.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/store/store.h"
#include "core/store/store_query.h"
#include "core/store/store_run.h"
#include "core/store/store_schema.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/core/store/store_test_util.h"

namespace swepo {
namespace {

std::vector<std::string> names(Db& db, const std::string& type) { return store_schema_objects(db, type); }

int64_t scalar(Db& db, const std::string& sql) {
  Stmt s(db, sql);
  s.step();
  return s.int64(0);
}

class StoreSchema : public test::StoreTest {};
INSTANTIATE_STORE_TESTS(StoreSchema);

TEST_P(StoreSchema, CreatedAtTheLatestVersionInWalMode) {
  test::TempStore t(GetParam(), "create");
  Store store(t.path);
  EXPECT_EQ(store_schema_version(store.db()), store_schema_latest());
  EXPECT_EQ(store_schema_latest(), 4);
  EXPECT_EQ(store.postgres(), pg());
  EXPECT_EQ(names(store.db(), "table"),
            (std::vector<std::string>{"artifacts", "evals", "metrics", "params", "run_choices", "runs",
                                      "schema_version", "store_info", "submissions", "sweep_jobs", "sweeps"}));
  EXPECT_EQ(names(store.db(), "view"), (std::vector<std::string>{"eval_over_seeds", "final_metrics",
                                                                 "run_evals", "run_final_metrics", "run_overview"}));
  if (!pg()) {
    Stmt jm(store.db(), "PRAGMA journal_mode");
    jm.step();
    EXPECT_EQ(jm.text(0), "wal");
  }
  // Opening again is a no-op.
  Store again(t.path);
  EXPECT_EQ(scalar(again.db(), "SELECT COUNT(*) FROM schema_version"), 1);
}

TEST_P(StoreSchema, MigratesAVersion1DatabaseForward) {
  test::TempStore t(GetParam(), "migrate");
  {
    Db db(t.path);
    store_migrate(db, 1);
    ASSERT_EQ(store_schema_version(db), 1);
    EXPECT_EQ(names(db, "view").size(), 0u);
    // What a version-1 swepo wrote: a sweep, a started run with a param and a metric.
    db.exec("INSERT INTO sweeps (name, spec, created, updated) VALUES ('old', 'name: old', 1, 1)");
    db.exec("INSERT INTO runs (sweep_id, job, config, overrides, config_hash, seed, status, created, started, "
            "ended) VALUES (1, 0, 'seed: 7', '[\"seed=7\"]', 'h', 7, 'FINISHED', 1, 2, 5)");
    db.exec("INSERT INTO params VALUES (1, 'seed', 7)");
    db.exec("INSERT INTO metrics VALUES (1, 'loss', 0, 0.5, 3)");
    db.exec("INSERT INTO metrics VALUES (1, 'loss', 1, 0.25, 4)");
  }
  Store store(t.path);  // migrates to the latest version
  EXPECT_EQ(store_schema_version(store.db()), 4);
  EXPECT_EQ(store.uid().size(), 16u);  // version 4: an old store gets its id on migration
  auto r = store.run_get(1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sweep, "old");
  EXPECT_EQ(r->attempts, 1);  // backfilled: the run had started
  EXPECT_FALSE(r->pid);
  EXPECT_EQ(r->launcher, "");  // version 3's column, NULL for old runs
  EXPECT_EQ(r->overrides, std::vector<std::string>{"seed=7"});
  EXPECT_EQ(store.sweep_jobs(1), (std::vector<std::pair<int64_t, int64_t>>{{0, 1}}));  // backfilled
  RunFilter f;
  f.sweep = "old";
  EXPECT_EQ(store.runs_list(f).size(), 1u);
  // The new views read the old rows: final loss is the step-1 value; 5 - 2 = 3 seconds.
  Stmt v(store.db(), "SELECT key, step, value FROM final_metrics WHERE run_id = 1");
  ASSERT_TRUE(v.step());
  EXPECT_EQ(v.text(0), "loss");
  EXPECT_EQ(v.int64(1), 1);
  EXPECT_DOUBLE_EQ(v.real(2), 0.25);
  EXPECT_DOUBLE_EQ(static_cast<double>(scalar(store.db(), "SELECT seconds FROM run_overview WHERE run_id = 1")), 3.0);
  // And the version-2 rule applies to old params.
  EXPECT_THROW(store.db().exec("UPDATE params SET value = 8 WHERE run_id = 1"), StoreError);
}

// The store's id: drawn once, 16 hex digits, kept on reopening, different for a second store
// and for a store deleted and made again at the same path.
TEST_P(StoreSchema, EveryStoreHasItsOwnStableId) {
  test::TempStore a(GetParam(), "uid_a"), b(GetParam(), "uid_b");
  std::string ua;
  {
    Store s(a.path);
    ua = s.uid();
  }
  EXPECT_EQ(ua.size(), 16u);
  EXPECT_EQ(ua.find_first_not_of("0123456789abcdef"), std::string::npos) << ua;
  EXPECT_EQ(Store(a.path).uid(), ua);
  EXPECT_EQ(Store::open_read_only(a.path).uid(), ua);
  EXPECT_NE(Store(b.path).uid(), ua);
  if (!pg()) {  // deleted and made again: a new id
    std::filesystem::remove(a.path);
    EXPECT_NE(Store(a.path).uid(), ua);
  }
}

TEST_P(StoreSchema, RefusesANewerDatabase) {
  test::TempStore t(GetParam(), "newer");
  { Store store(t.path); store.db().exec("UPDATE schema_version SET version = 99"); }
  try {
    Store store(t.path);
    ADD_FAILURE() << "opened a version-99 database";
  } catch (const UserError& e) {  // bad input: exit 2 from the CLI
    EXPECT_NE(std::string(e.what()).find("schema version 99, newer than this swepo"), std::string::npos) << e.what();
  }
}

// A damaged SQLite file is a UserError naming the file and the way out, never a crash or a silent
// read: a b-tree page whose type byte is not a page type (SQLITE_CORRUPT), a file whose header is
// not SQLite's (SQLITE_NOTADB). The integrity check reports the damage too.
TEST(StoreDamage, DamagedPagesAndHeadersAreUserErrors) {
  test::TempStore t(test::Backend::Sqlite, "damaged");
  {
    Store store(t.path);
    RunSpec s;
    s.config_yaml = "{}";
    for (int i = 0; i < 200; ++i) {
      s.config_hash = "h" + std::to_string(i);
      s.params = {{"loss.name", "dpo"}, {"seed", std::to_string(i)}};
      run_register(store, s);
    }
  }
  int64_t runs_root = 0, params_root = 0, params_index_root = 0;
  {
    Store store(t.path);
    runs_root = scalar(store.db(), "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'runs'");
    params_root = scalar(store.db(), "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'params'");
    params_index_root = scalar(store.db(), "SELECT rootpage FROM sqlite_master WHERE name = 'params_by_key'");
    store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");  // every page in the main file
  }
  const std::string good = read_file(t.path);
  auto expect_damaged = [&](const std::string& bytes, const std::string& why) {
    std::ofstream(t.path, std::ios::binary | std::ios::trunc) << bytes;
    std::filesystem::remove(t.path + "-wal");
    std::filesystem::remove(t.path + "-shm");
    try {
      Store store(t.path);
      store_runs_brief(store);  // every page of `runs`
      Stmt all(store.db(), "SELECT * FROM params");  // every page of `params` or of its covering index
      while (all.step()) {
      }
      ADD_FAILURE() << why << ": read without an error";
    } catch (const UserError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("database '" + t.path + "' is damaged"), std::string::npos) << why << ": " << m;
      EXPECT_NE(m.find(".recover"), std::string::npos) << m;
    }
  };
  // A b-tree page starts with its type (2, 5, 10 or 13): 0x7f is none of them. `runs`, then
  // `params` with its covering index (a query may read either).
  const size_t page = 4096;
  for (const auto& roots : {std::vector<int64_t>{runs_root}, std::vector<int64_t>{params_root, params_index_root}}) {
    std::string b = good;
    for (int64_t root : roots) {
      ASSERT_GT(root, 1);
      ASSERT_LT(static_cast<size_t>(root - 1) * page, good.size()) << "root page " << root;
      b[static_cast<size_t>(root - 1) * page] = static_cast<char>(0x7f);
    }
    expect_damaged(b, "root page " + std::to_string(roots[0]) + " type byte");
  }
  std::string header = good;
  header.replace(0, 16, "not a database!!");
  expect_damaged(header, "header");
}

// The views compute the same values on both backends: eval_over_seeds' mean, count and seeds
// over two finished seeds (0.25 and 0.75: mean 0.5), run_overview's ISO start time.
TEST_P(StoreSchema, ViewsAgreeAcrossBackends) {
  test::TempStore t(GetParam(), "views");
  Store store(t.path);
  store.db().exec("INSERT INTO runs (config, overrides, config_hash, seed, status, created, started, ended) VALUES "
                  "('seed: 1', '[]', 'h', 1, 'FINISHED', 0, 86400, 86410), "
                  "('seed: 0', '[]', 'h', 0, 'FINISHED', 0, 0, 5)");
  store.db().exec("INSERT INTO evals (run_id, suite, metric, value, decoding) VALUES "
                  "(1, 's', 'm', 0.25, ''), (2, 's', 'm', 0.75, '')");
  store.db().exec("INSERT INTO run_choices VALUES (1, 'loss', 'dpo'), (2, 'loss', 'dpo')");
  Stmt v(store.db(), "SELECT n_seeds, mean, seeds, loss FROM eval_over_seeds");
  ASSERT_TRUE(v.step());
  EXPECT_EQ(v.int64(0), 2);
  EXPECT_DOUBLE_EQ(v.real(1), 0.5);
  std::string seeds = v.text(2);
  EXPECT_TRUE(seeds == "0,1" || seeds == "1,0") << seeds;
  EXPECT_EQ(v.text(3), "dpo");
  Stmt o(store.db(), "SELECT started, seconds FROM run_overview WHERE run_id = 1");
  ASSERT_TRUE(o.step());
  EXPECT_EQ(o.text(0), "1970-01-02 00:00:00");
  EXPECT_DOUBLE_EQ(o.real(1), 10.0);
}

}  // namespace
}  // namespace swepo
