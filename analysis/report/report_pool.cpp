#include "analysis/report/report_pool.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::report {

const std::vector<std::string>& report_bookkeeping_keys() {
  // Where files go and which device computes: none of them changes what a run computes (the
  // stage keys are derived from the run's own: sft.device = trainer.device = device,
  // *.ref_cache_dir = cache_dir/ref_logps, data.cache_dir = cache_dir/data).
  static const std::vector<std::string> keys = {
      "output_dir",          // the run's folder (one per seed)
      "cache_dir",           // root of the SFT, reference and data caches
      "device",              // auto | cpu | cuda | cuda:N
      "sft.device",          //
      "trainer.device",      //
      "sft.ref_cache_dir",   //
      "trainer.ref_cache_dir",
      "data.cache_dir",      // the generated SynthFeedback files
  };
  return keys;
}

bool report_is_seed_key(const std::string& key) {
  const auto dot = key.rfind('.');
  const std::string last = dot == std::string::npos ? key : key.substr(dot + 1);
  return last == "seed" || ends_with(last, "_seed");
}

bool report_key_may_differ(const std::string& key) {
  const auto& b = report_bookkeeping_keys();
  return report_is_seed_key(key) || std::find(b.begin(), b.end(), key) != b.end();
}

std::vector<ConfigDifference> report_config_differences(const std::vector<const ReportRun*>& runs,
                                                        const std::vector<std::string>& pool) {
  std::set<std::string> keys;
  for (const auto* r : runs)
    for (const auto& kv : r->params) keys.insert(kv.first);
  std::vector<ConfigDifference> out;
  for (const auto& key : keys) {
    if (report_key_may_differ(key) || std::find(pool.begin(), pool.end(), key) != pool.end()) continue;
    ConfigDifference d;
    d.key = key;
    for (const auto* r : runs) {
      auto it = r->params.find(key);
      const std::string v = it == r->params.end() || it->second == "null" ? "~" : it->second;
      auto same = std::find_if(d.values.begin(), d.values.end(), [&](const auto& e) {
        return (e.first == "~" || v == "~") ? e.first == v : param_value_equal(e.first, v);
      });
      if (same == d.values.end())
        d.values.push_back({v, {r->id}});
      else
        same->second.push_back(r->id);
    }
    if (d.values.size() > 1) out.push_back(std::move(d));
  }
  return out;
}

void report_check_one_config(const std::vector<const ReportRun*>& runs, const std::vector<std::string>& pool,
                             const std::string& what, const std::string& pool_hint) {
  const auto diffs = report_config_differences(runs, pool);
  if (diffs.empty()) return;
  std::vector<std::string> parts, names;
  for (const auto& d : diffs) {
    std::vector<std::string> vals;
    for (const auto& [v, ids] : d.values) {
      std::vector<std::string> s;
      for (int64_t id : ids) s.push_back(std::to_string(id));
      vals.push_back(v + " (run" + (ids.size() > 1 ? "s " : " ") + join(s, ", ") + ")");
    }
    parts.push_back(d.key + " = " + join(vals, ", "));
    names.push_back(d.key);
  }
  throw UserError(what + " pools " + std::to_string(runs.size()) +
                  " finished runs of different configurations (only seeds may differ within one): " +
                  join(parts, "; ") + ". Narrow the filter to one configuration, or pool the keys on purpose with '" +
                  (pool_hint.rfind("--", 0) == 0 ? pool_hint + " " + join(names, ",")
                                                 : pool_hint + ": [" + join(names, ", ") + "]") +
                  "'");
}

}  // namespace swepo::report
