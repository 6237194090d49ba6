// One configuration per cell: the runs pooled into a table cell (or an ad-hoc group) must differ
// only in their seeds and in keys that do not change the experiment, or a variance "over seeds"
// would silently mix configurations. The comparison reads the params recorded in the database
// (run params as the run stored them; a key a run does not have shows as "~"), never a config
// resolved by today's build. Tensor-free.
#pragma once
#include <string>
#include <vector>

#include "analysis/report/report_data.h"

namespace swepo::report {

// Seed keys: "seed" and any key whose last dotted part is "seed" or ends in "_seed"
// (trainer.seed, sft.seed, data.data_seed, eval.bootstrap_seed, pair_seed, ...). Seeds are what a
// table's variance is taken over, so they may differ within a cell.
bool report_is_seed_key(const std::string& key);

// Keys that say where a run wrote or read its files or on which device it ran, not what it
// computed, so they may differ within a cell. The one list, in report_pool.cpp.
const std::vector<std::string>& report_bookkeeping_keys();

// Keys that may differ within a cell without being pooled explicitly.
bool report_key_may_differ(const std::string& key);

// A key whose values differ among the runs of a cell, with each distinct value (numbers compare
// as numbers, "~" = the run has no such param) and the ids of the runs that have it.
struct ConfigDifference {
  std::string key;
  std::vector<std::pair<std::string, std::vector<int64_t>>> values;
};

// Every key other than the seed, bookkeeping and `pool` keys on which `runs` differ, sorted by key.
std::vector<ConfigDifference> report_config_differences(const std::vector<const ReportRun*>& runs,
                                                        const std::vector<std::string>& pool);

// UserError unless report_config_differences(runs, pool) is empty: "<what> pools N finished runs
// of different configurations: loss.alpha = 0.1 (runs 3, 4), 1 (runs 5); ..." and how to fix it
// (narrow the filter, or pool the keys: `pool_hint` is "rows[3].pool" -> "rows[3].pool: [a, b]" in a
// table file, or "--pool" -> "--pool a,b" on the command line).
void report_check_one_config(const std::vector<const ReportRun*>& runs, const std::vector<std::string>& pool,
                             const std::string& what, const std::string& pool_hint);

}  // namespace swepo::report
