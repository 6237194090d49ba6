#include "sweeps/sweep_plan.h"

#include <map>
#include <set>

#include "core/config/compose.h"
#include "core/config/emit.h"
#include "core/store/run_spec.h"
#include "core/store/store_run.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo {

SweepComposeFn sweep_composer(const std::string& conf_dir, SweepValidateFn validate,
                              ConfigSchemaFn schema) {
  return [conf_dir, validate, schema](const std::vector<std::string>& overrides) {
    ComposedConfig c = compose_config(conf_dir, overrides, "config", schema);
    if (validate) validate(c);
    YAML::Node seed = c.config["seed"];
    if (!seed || !seed.IsScalar())
      throw UserError("config key 'seed': missing; the primary config must set an integer seed");
    int64_t seed_value = 0;
    try {
      seed_value = seed.as<int64_t>();
    } catch (const YAML::Exception&) {
      throw UserError("config key 'seed'" + origin_of(&c.origins, "seed") + ": expected an integer, got '" +
                      seed.Scalar() + "'");
    }
    RunSpec s = run_spec_of(c, seed_value);
    return s;
  };
}

std::vector<PlannedJob> sweep_plan(const SweepSpec& spec, const std::vector<SweepJob>& jobs,
                                   const SweepComposeFn& compose) {
  std::vector<PlannedJob> out;
  std::map<std::pair<std::string, int64_t>, int64_t> seen;
  for (const auto& j : jobs) {
    PlannedJob p{j, {}};
    try {
      p.spec = compose(j.overrides);
    } catch (const UserError& e) {
      throw UserError("sweep file '" + spec.file + "': job " + std::to_string(j.number) + " (" +
                      join(j.overrides, " ") + "): " + e.what());
    }
    auto key = std::make_pair(p.spec.config_hash, p.spec.seed);
    auto it = seen.find(key);
    if (it != seen.end())
      throw UserError("sweep file '" + spec.file + "': jobs " + std::to_string(it->second) + " and " +
                      std::to_string(j.number) + " resolve to the same config and seed (" +
                      join(j.overrides, " ") + ")");
    seen[key] = j.number;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> sweep_changes(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs) {
  std::vector<std::string> out;
  auto old = store.sweep_find(spec.name);
  if (!old) return out;
  // Old jobs by run identity (hash, seed) -> job number.
  std::map<std::pair<std::string, int64_t>, int64_t> before;
  for (const auto& [job, run] : store.sweep_jobs(old->id)) {
    auto r = store.run_get(run);
    if (r) before[{r->config_hash, r->seed}] = job;
  }
  std::set<std::pair<std::string, int64_t>> now;
  std::vector<std::string> added, moved;
  for (const auto& p : jobs) {
    auto key = std::make_pair(p.spec.config_hash, p.spec.seed);
    now.insert(key);
    auto it = before.find(key);
    if (it == before.end()) added.push_back(std::to_string(p.job.number));
    else if (it->second != p.job.number)
      moved.push_back(std::to_string(it->second) + "->" + std::to_string(p.job.number));
  }
  std::vector<std::string> removed;
  for (const auto& [key, job] : before)
    if (!now.count(key)) removed.push_back(std::to_string(job));
  if (old->spec != spec.text && added.empty() && removed.empty() && moved.empty())
    out.push_back("the sweep file's text changed, its jobs did not");
  if (!added.empty()) out.push_back(std::to_string(added.size()) + " new job(s): " + join(added, ", "));
  if (!removed.empty())
    out.push_back(std::to_string(removed.size()) + " job(s) of the last run no longer in the file (old numbers " +
                  join(removed, ", ") + "; their results stay in the store)");
  if (!moved.empty()) out.push_back(std::to_string(moved.size()) + " job(s) renumbered: " + join(moved, ", "));
  return out;
}

SweepRegistration sweep_register(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs) {
  SweepRegistration r;
  r.changes = sweep_changes(store, spec, jobs);
  r.sweep_id = store.sweep_upsert(spec.name, spec.description, spec.text);
  std::vector<std::pair<int64_t, int64_t>> mapping;
  for (const auto& p : jobs) {
    RunSpec s = p.spec;
    s.sweep_id = r.sweep_id;
    s.job = p.job.number;
    int64_t id = run_register(store, s);
    r.run_ids.push_back(id);
    mapping.emplace_back(p.job.number, id);
  }
  store.sweep_set_jobs(r.sweep_id, mapping);
  return r;
}

std::vector<PlannedJob> sweep_select(const std::vector<PlannedJob>& jobs, const std::vector<std::string>& filters,
                                     const std::string& file) {
  std::vector<std::pair<std::string, std::string>> want;
  for (const auto& f : filters) {
    const auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(file + ": --only '" + f + "': expected KEY=VALUE (e.g. model.name=tiny)");
    want.emplace_back(f.substr(0, eq), f.substr(eq + 1));
  }
  std::vector<PlannedJob> out;
  std::set<std::string> keys_seen;
  for (const auto& j : jobs) {
    bool ok = true;
    for (const auto& [key, value] : want) {
      bool found = false;
      for (const auto& [k, v] : j.spec.params) {
        keys_seen.insert(k);
        if (k == key) found = (v == value);
      }
      ok = ok && found;
    }
    if (ok) out.push_back(j);
  }
  for (const auto& [key, value] : want)
    if (!keys_seen.count(key))
      throw UserError(file + ": --only " + key + "=" + value + ": no job has the param '" + key + "'" +
                      did_you_mean(key, std::vector<std::string>(keys_seen.begin(), keys_seen.end())));
  if (out.empty()) throw UserError(file + ": --only " + join(filters, " ") + " matches none of its jobs");
  return out;
}

}  // namespace swepo
