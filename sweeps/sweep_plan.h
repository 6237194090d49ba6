// Planning a sweep: compose and validate every job's config before any job starts, and register
// the sweep and its runs in the results store (idempotently: a run is its config hash + seed).
#pragma once
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/store/store.h"
#include "sweeps/sweep_file.h"
#include "core/config/compose.h"  // ComposedConfig, ConfigSchemaFn

namespace swepo {


struct PlannedJob {
  SweepJob job;
  RunSpec spec;  // resolved config, hash without seed, seed, params, group choices
};

// Overrides -> the run they describe. Throws UserError naming the key at fault.
using SweepComposeFn = std::function<RunSpec(const std::vector<std::string>& overrides)>;
// Extra validation of a composed config (e.g. the pipeline's typed structs); throws UserError.
using SweepValidateFn = std::function<void(const ComposedConfig&)>;

// compose_config(conf_dir, overrides, schema) + `validate`; the seed is the config's top-level
// `seed`. `schema` supplies the typed defaults the files leave out (core/config/compose.h).
SweepComposeFn sweep_composer(const std::string& conf_dir, SweepValidateFn validate = {},
                              ConfigSchemaFn schema = {});

// Composes every job; the first error names the file, the job number, its overrides and the key.
// Two jobs resolving to the same config and seed are an error too.
std::vector<PlannedJob> sweep_plan(const SweepSpec& spec, const std::vector<SweepJob>& jobs,
                                   const SweepComposeFn& compose);

// The jobs whose params match every KEY=VALUE filter (string equality on the flattened resolved
// config, e.g. model.name=tiny). UserError naming `file` for a malformed filter, a key no job has,
// or a selection that matches no job.
std::vector<PlannedJob> sweep_select(const std::vector<PlannedJob>& jobs, const std::vector<std::string>& filters,
                                     const std::string& file);

struct SweepRegistration {
  int64_t sweep_id = 0;
  std::vector<int64_t> run_ids;        // per planned job
  std::vector<std::string> changes;    // how the jobs differ from the last time (empty: same)
};

// How `jobs` differ from the jobs recorded for this sweep (read-only). Empty if new or same.
std::vector<std::string> sweep_changes(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs);

// Upserts the sweep, registers every run (existing runs untouched) and the job -> run mapping.
SweepRegistration sweep_register(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs);

}  // namespace swepo
