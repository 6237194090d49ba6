// swepo runs: list runs in the results store, filtered by sweep, status and params.
//
//   swepo runs [--db PATH] [--sweep NAME] [--status S] [--where key=value ...]
//
// A --where key no run in the database has is an error (exit 2) listing the valid keys (skipped
// while no run has params, e.g. an empty store).
#include <algorithm>
#include <iostream>

#include <fmt/core.h>

#include "apps/cli_args.h"
#include "core/store/store.h"
#include "core/store/store_query.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::cli {
namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

int cmd_runs(const Args& args) {
  std::string db = kStoreDefaultPath;
  RunFilter f;
  std::vector<std::string> where;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(db), "results store: an SQLite path or a postgresql:// URL")
      ("sweep", po::value(&f.sweep), "only the jobs of this sweep (in job order)")
      ("status", po::value(&f.status), "only runs with this status (SCHEDULED, RUNNING, FINISHED, FAILED, KILLED)")
      ("where", po::value(&where)->multitoken(), "only runs whose param KEY equals VALUE (KEY=VALUE ...)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, &pos, "usage: swepo runs [options]")) return 0;
  if (!f.status.empty()) {
    std::vector<std::string> valid = {kRunScheduled, kRunRunning, kRunFinished, kRunFailed, kRunKilled};
    if (std::find(valid.begin(), valid.end(), f.status) == valid.end())
      throw UserError("--status '" + f.status + "': unknown" + did_you_mean(f.status, valid) + "; valid: " +
                      join(valid, ", "));
  }
  for (const auto& w : where) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) throw UserError("--where '" + w + "': expected KEY=VALUE");
    f.where.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  Store store = Store::open_read_only(db);
  if (!f.sweep.empty() && !store.sweep_find(f.sweep)) {
    std::vector<std::string> names = store_sweep_names(store);
    throw UserError("--sweep '" + f.sweep + "': no such sweep in '" + db + "'" + did_you_mean(f.sweep, names) +
                    (names.empty() ? "" : "; sweeps: " + join(names, ", ")));
  }
  if (!f.where.empty()) {
    const std::vector<std::string> keys = store_param_keys(store);
    for (const auto& [k, v] : f.where)
      if (!keys.empty() && !std::binary_search(keys.begin(), keys.end(), k))
        throw UserError("--where '" + k + "=" + v + "': unknown param key '" + k + "'" +
                        store_names_suggestion(k, keys) + ": no run in '" + db + "' has it; " +
                        store_names_listing(k, keys, "param keys"));
  }
  auto rows = store.runs_list(f);
  std::cout << fmt::format("{:>5}  {:<16} {:>4}  {:<9} {:>6} {:>8}  {}\n", "run", "sweep", "job", "status", "seed",
                           "seconds", "overrides");
  for (const auto& r : rows) {
    std::string secs = r.started && r.ended ? fmt::format("{:.1f}", *r.ended - *r.started) : "-";
    std::cout << fmt::format("{:>5}  {:<16} {:>4}  {:<9} {:>6} {:>8}  {}", r.id, r.sweep.empty() ? "-" : r.sweep,
                             r.job ? std::to_string(*r.job) : "-", r.status, r.seed, secs, join(r.overrides, " "));
    if (!r.error.empty()) std::cout << "  [" << first_line(r.error) << "]";
    std::cout << "\n";
  }
  std::cout << rows.size() << " run(s)\n";
  return 0;
}

}  // namespace swepo::cli
