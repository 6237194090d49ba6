// A small results store built through the store's API (run_register, run_start, MetricsWriter,
// run_finish), shared by the report and plot tests. Values chosen so means and variances are easy
// to work out by hand:
//
//   config (params)                          seed  alpaca.lc  alpaca.wr  (decoding avg; greedy = avg + 100)
//   dpo, model tiny, K 4                       0      10         40
//                                              1      12         50
//                                              2      17         60      LC: mean 13, var 13; WR: mean 50, var 100
//   swepo p=1 (alpha 1), model tiny, K 4       0      20         55
//                                              1      21         56
//                                              2 (p=1.0, REAL)  22  60   LC: mean 21, var 1;  WR: mean 57, var 7
//   dpo, model small, K 4                      0      30         70      n = 1
//   swepo p=1, model tiny, K 2                 0      5          45
//                                              1      9          47      LC: mean 7, var 8;   WR: mean 46, var 2
//   swepo p=1, model tiny, K 4, FAILED         3      (evals inserted by SQL: 1000, must be ignored)
//   swepo p=2, model tiny, K 4, RUNNING        0      (no evals)
//
// Training metrics (dpo tiny K4 only): pref/loss at steps 1, 2 = seed 0: 0.7, 0.5; seed 1: 0.6, 0.4;
// seed 2: 0.8, 0.3. Swepo tiny K4 p=1 seeds: pref/loss 0.5, 0.2 each.
#pragma once
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/store/store.h"
#include "core/store/store_run.h"

namespace swepo::testing_report {

struct FixtureRun {
  std::vector<std::pair<std::string, std::string>> params;
  int64_t seed;
  double lc, wr;
  std::vector<double> losses;  // pref/loss at steps 1, 2, ...
};

inline std::string fixture_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("swepo_report_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

inline int64_t fixture_add(Store& store, const FixtureRun& r, bool finish = true) {
  RunSpec spec;
  spec.params = r.params;
  spec.params.emplace_back("seed", std::to_string(r.seed));  // as the flattened resolved config has it
  std::string hash;
  for (const auto& [k, v] : r.params) hash += k + "=" + v + ";";
  spec.config_hash = hash;
  spec.seed = r.seed;
  spec.config_yaml = "{}";
  const int64_t id = run_register(store, spec);
  Provenance prov;
  prov.git_commit = "test";
  prov.host = "test";
  run_start(store, id, prov);
  {
    MetricsWriter w(store, id);
    for (size_t i = 0; i < r.losses.size(); ++i) w.log(static_cast<int64_t>(i + 1), "pref/loss", r.losses[i]);
  }
  if (!finish) return id;
  std::vector<EvalRow> evals;
  for (const char* dec : {"avg", "greedy"}) {
    const double off = std::string(dec) == "greedy" ? 100 : 0;
    evals.push_back({"alpaca", "lc", r.lc + off, std::nullopt, 50, dec});
    evals.push_back({"alpaca", "wr", r.wr + off, 1.5, 50, dec});
  }
  run_finish(store, id, evals);
  return id;
}

// Creates the fixture database at <dir>/swepo.db and returns its path.
inline std::string fixture_db(const std::string& dir) {
  const std::string path = dir + "/swepo.db";
  Store store(path);
  using P = std::vector<std::pair<std::string, std::string>>;
  const P dpo_tiny = {{"loss.name", "dpo"}, {"loss.beta", "0.1"}, {"model.name", "tiny"}, {"data.K", "4"}};
  const P dpo_small = {{"loss.name", "dpo"}, {"loss.beta", "0.1"}, {"model.name", "small"}, {"data.K", "4"}};
  const P sw_tiny = {{"loss.name", "swepo"}, {"loss.p", "1"}, {"loss.alpha", "1"}, {"model.name", "tiny"}, {"data.K", "4"}};
  const P sw_tiny_real = {{"loss.name", "swepo"}, {"loss.p", "1.0"}, {"loss.alpha", "1"}, {"model.name", "tiny"}, {"data.K", "4"}};
  const P sw_k2 = {{"loss.name", "swepo"}, {"loss.p", "1"}, {"loss.alpha", "1"}, {"model.name", "tiny"}, {"data.K", "2"}};
  const P sw_p2 = {{"loss.name", "swepo"}, {"loss.p", "2"}, {"loss.alpha", "1"}, {"model.name", "tiny"}, {"data.K", "4"}};
  fixture_add(store, {dpo_tiny, 0, 10, 40, {0.7, 0.5}});
  fixture_add(store, {dpo_tiny, 1, 12, 50, {0.6, 0.4}});
  fixture_add(store, {dpo_tiny, 2, 17, 60, {0.8, 0.3}});
  fixture_add(store, {sw_tiny, 0, 20, 55, {0.5, 0.2}});
  fixture_add(store, {sw_tiny, 1, 21, 56, {0.5, 0.2}});
  fixture_add(store, {sw_tiny_real, 2, 22, 60, {0.5, 0.2}});
  fixture_add(store, {dpo_small, 0, 30, 70, {}});
  fixture_add(store, {sw_k2, 0, 5, 45, {}});
  fixture_add(store, {sw_k2, 1, 9, 47, {}});
  const int64_t failed = fixture_add(store, {sw_tiny, 3, 0, 0, {}}, /*finish=*/false);
  run_fail(store, failed, "test failure");
  store.db().exec("INSERT INTO evals (run_id, suite, metric, value, decoding) VALUES (" +
                  std::to_string(failed) + ", 'alpaca', 'lc', 1000, 'avg')");
  fixture_add(store, {sw_p2, 0, 0, 0, {}}, /*finish=*/false);  // stays RUNNING
  return path;
}

// Writes `text` to <dir>/<name> and returns the path.
inline std::string fixture_file(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string p = dir + "/" + name;
  FILE* f = std::fopen(p.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return p;
}

}  // namespace swepo::testing_report
