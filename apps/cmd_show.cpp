// swepo show: one run from the results store: config, metric history summary, evals, artifacts.
//
//   swepo show RUN [--db PATH] [--history KEY]
//
// --history KEY is a key of the `metrics` table (pref/loss, sft/loss, ...): a key no run in the
// database has logged is an error (exit 2) listing the valid ones; a key other runs have but this
// one has not (yet) logged prints an empty history.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <sstream>

#include <fmt/core.h>

#include "apps/cli_args.h"
#include "core/store/store.h"
#include "core/store/store_query.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::cli {
namespace {

std::string when(const std::optional<double>& t) {
  if (!t) return "-";
  time_t s = static_cast<time_t>(*t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::gmtime(&s));
  return buf;
}

}  // namespace

int cmd_show(const Args& args) {
  std::string db = kStoreDefaultPath, history;
  int64_t id = 0;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("run", po::value(&id)->required(), "run id (see swepo runs)")
      ("db", po::value(&db)->default_value(db), "results store: an SQLite path or a postgresql:// URL")
      ("history", po::value(&history), "also print every logged value of this metric key (e.g. pref/loss)");
  po::positional_options_description pos;
  pos.add("run", 1);
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, &pos, "usage: swepo show RUN [options]")) return 0;
  Store store = Store::open_read_only(db);
  auto r = store.run_get(id);
  if (!r) throw UserError("run " + std::to_string(id) + ": no such run in '" + db + "'");
  if (vm.count("history")) {  // checked before anything is printed
    const std::vector<std::string> keys = store_metric_keys(store);
    if (!std::binary_search(keys.begin(), keys.end(), history))
      throw UserError("--history: unknown metric key '" + history + "'" + store_names_suggestion(history, keys) +
                      ": no run in '" + db + "' has logged it; " + store_names_listing(history, keys, "metric keys"));
  }
  std::cout << fmt::format("run {}  status {}  seed {}  attempts {}\n", r->id, r->status, r->seed, r->attempts);
  if (!r->sweep.empty()) std::cout << fmt::format("sweep {}  job {}\n", r->sweep, r->job.value_or(-1));
  std::cout << "overrides: " << join(r->overrides, " ") << "\n";
  std::cout << "config hash (without seed): " << r->config_hash << "\n";
  std::cout << fmt::format("created {}  started {}  ended {}  heartbeat {} (UTC)\n", when(r->created), when(r->started),
                           when(r->ended), when(r->heartbeat));
  std::cout << fmt::format("git {}{}  host {}  device {}  libtorch {}\n", r->git_commit.empty() ? "-" : r->git_commit,
                           !r->git_dirty ? " (dirty: unknown)" : (*r->git_dirty ? " (dirty)" : " (clean)"),
                           r->host.empty() ? "-" : r->host, r->device.empty() ? "-" : r->device,
                           r->torch_version.empty() ? "-" : r->torch_version);
  if (!r->error.empty()) std::cout << "error: " << r->error << "\n";
  auto choices = store.run_choices(id);
  if (!choices.empty()) {
    std::vector<std::string> c;
    for (const auto& [g, o] : choices) c.push_back(g + "=" + o);
    std::cout << "groups: " << join(c, " ") << "\n";
  }
  std::cout << "\nconfig:\n";
  std::istringstream cfg(r->config_yaml);
  for (std::string line; std::getline(cfg, line);) std::cout << "  " << line << "\n";
  auto ms = store.run_metric_summary(id);
  std::cout << "\nhistory (" << ms.size() << " metric(s)):\n";
  if (!ms.empty())
    std::cout << fmt::format("  {:<24} {:>6} {:>7} {:>7} {:>12} {:>12} {:>12} {:>12}\n", "key", "n", "step0",
                             "stepN", "first", "last", "min", "max");
  for (const auto& m : ms)
    std::cout << fmt::format("  {:<24} {:>6} {:>7} {:>7} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g}\n", m.key, m.count,
                             m.first_step, m.last_step, m.first, m.last, m.min, m.max);
  if (vm.count("history")) {
    const auto h = store.run_metric_history(id, history);
    std::cout << "\n" << history << ":\n";
    if (h.empty()) std::cout << "  (run " << id << " has logged no " << history << ")\n";
    for (const auto& [step, v] : h) std::cout << fmt::format("  {:>7} {:.9g}\n", step, v);
  }
  auto ev = store.run_evals(id);
  std::cout << "\nevals (" << ev.size() << "):\n";
  for (const auto& e : ev)
    std::cout << fmt::format("  {:<16} {:<20} {:<14} {:>12.6g}{}{}\n", e.suite, e.metric,
                             e.decoding.empty() ? "-" : e.decoding, e.value,
                             e.stderr_ ? fmt::format(" ± {:.4g}", *e.stderr_) : "",
                             e.n ? fmt::format("  (n={})", *e.n) : "");
  auto arts = store.run_artifacts(id);
  if (!arts.empty()) {
    std::cout << "\nartifacts:\n";
    for (const auto& a : arts)
      std::cout << fmt::format("  {:<10} {}{}\n", a.kind, a.path, a.sha256.empty() ? "" : "  sha256 " + a.sha256);
  }
  return 0;
}

}  // namespace swepo::cli
