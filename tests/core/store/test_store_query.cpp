// The whole-store reads of store_query.h on both backends: the name lists the CLI checks keys and
// metrics against (sorted bytewise on both), one metric key's rows without non-finite values, and
// the listing and suggestion text of the messages that name an unknown one.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/store/store.h"
#include "core/store/store_query.h"
#include "core/store/store_run.h"
#include "tests/core/store/store_test_util.h"

namespace swepo {
namespace {

class StoreQuery : public test::StoreTest {};
INSTANTIATE_STORE_TESTS(StoreQuery);

int64_t add_run(Store& store, int64_t seed, const std::vector<std::pair<std::string, std::string>>& params) {
  RunSpec spec;
  spec.params = params;
  spec.config_hash = "h" + std::to_string(params.size());
  spec.seed = seed;
  spec.config_yaml = "{}";
  const int64_t id = run_register(store, spec);
  run_start(store, id, Provenance{});
  return id;
}

TEST_P(StoreQuery, NameListsAndOneMetricsRows) {
  test::TempStore t(GetParam(), "query");
  Store store(t.path);
  EXPECT_TRUE(store_param_keys(store).empty());
  EXPECT_TRUE(store_metric_keys(store).empty());
  EXPECT_TRUE(store_eval_names(store).empty());
  // Keys whose bytewise order differs from a locale's ("Z" < "a", "_" and "/" are not ignored).
  const int64_t a = add_run(store, 0, {{"loss.name", "dpo"}, {"Zeta", "1"}, {"data.K", "4"}});
  const int64_t b = add_run(store, 1, {{"loss.name", "swepo"}, {"loss.p", "1"}});
  {
    MetricsWriter w(store, b);
    w.log(1, "pref/loss", 0.7);
    w.log(2, "pref/loss", std::numeric_limits<double>::quiet_NaN());  // NULL in SQLite, NaN in PostgreSQL
    w.log(3, "pref/loss", 0.5);
    w.log(1, "pref/rewards/margins", 0.1);
    w.log(1, "sft/loss", 2.0);
  }
  {
    MetricsWriter w(store, a);
    w.log(2, "pref/loss", 0.9);
    w.log(1, "pref/loss", 1.0);
    w.log(3, "pref/loss", std::numeric_limits<double>::infinity());
    w.log(1, "pref_lr", 1e-3);
  }
  run_finish(store, a, {{"alpaca", "lc", 10, std::nullopt, 50, "avg"}, {"alpaca", "lc", 11, std::nullopt, 50, "greedy"},
                        {"arena", "wr", 40, std::nullopt, 50, ""}});
  run_finish(store, b, {{"alpaca", "wr", 20, std::nullopt, 50, "avg"}});
  EXPECT_EQ(store_param_keys(store), (std::vector<std::string>{"Zeta", "data.K", "loss.name", "loss.p"}));
  EXPECT_EQ(store_metric_keys(store),
            (std::vector<std::string>{"pref/loss", "pref/rewards/margins", "pref_lr", "sft/loss"}));
  EXPECT_EQ(store_eval_names(store), (std::vector<std::string>{"alpaca.lc", "alpaca.wr", "arena.wr"}));
  // Run a's then run b's, by step; the NaN and the infinity are left out.
  const auto rows = store_metric_rows(store, "pref/loss");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].run_id, a);
  EXPECT_EQ(rows[0].step, 1);
  EXPECT_DOUBLE_EQ(rows[0].value, 1.0);
  EXPECT_EQ(rows[1].step, 2);
  EXPECT_DOUBLE_EQ(rows[1].value, 0.9);
  EXPECT_EQ(rows[2].run_id, b);
  EXPECT_EQ(rows[2].step, 1);
  EXPECT_EQ(rows[3].step, 3);
  EXPECT_DOUBLE_EQ(rows[3].value, 0.5);
  EXPECT_TRUE(store_metric_rows(store, "pref/nope").empty());
}

TEST(StoreNames, ListingAndSuggestion) {
  EXPECT_EQ(store_names_listing("x", {}, "param keys"), "the database has no param keys");
  EXPECT_EQ(store_names_listing("x", {"a.b", "c"}, "param keys"), "param keys in the database: a.b, c");
  // Past 40 names: those under the name's first dotted part, else the first parts of all.
  std::vector<std::string> many;
  for (int i = 0; i < 30; ++i) many.push_back("model.k" + std::to_string(10 + i));
  for (int i = 0; i < 12; ++i) many.push_back("loss.k" + std::to_string(10 + i));
  many.push_back("seed");
  EXPECT_EQ(store_names_listing("loss.nam", many, "param keys").substr(0, 62),
            "param keys under 'loss.' (12 of 43 in the database): loss.k10,");
  EXPECT_EQ(store_names_listing("trainer.lr", many, "param keys"),
            "43 param keys in the database, under: loss, model, seed");
  // A last part names the keys that end in it; otherwise did_you_mean.
  const std::vector<std::string> metrics = {"pref/loss", "pref/rewards/margins", "sft/loss"};
  EXPECT_EQ(store_names_suggestion("loss", metrics), " (did you mean 'pref/loss' or 'sft/loss'?)");
  EXPECT_EQ(store_names_suggestion("margins", metrics), " (did you mean 'pref/rewards/margins'?)");
  EXPECT_EQ(store_names_suggestion("pref/los", metrics), " (did you mean 'pref/loss'?)");
  EXPECT_EQ(store_names_suggestion("name", {"loss.name", "model.name", "rename"}),
            " (did you mean 'loss.name' or 'model.name'?)");
  EXPECT_EQ(store_names_suggestion("zzzzzzzz", metrics), "");
}

}  // namespace
}  // namespace swepo
