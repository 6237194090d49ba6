// The run's summary: a table of the evaluation (one row per decoding, then the average) for the
// terminal, and the JSON form written to <output_dir>/summary.json.
#pragma once
#include <iosfwd>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "synth/suites.h"

namespace swepo::pipeline {

// Columns: alpaca WR ± se, LC, gold, mean length, filler share; arena WR [95% CI]; mtbench score.
void print_eval_table(std::ostream& out, const synth::EvalReport& report);

// {"runs": [{temperature, seed, metrics}], "per_temperature": {"greedy": {...}, "t=0.2": {...}},
//  "average": {...}}
nlohmann::json eval_report_json(const synth::EvalReport& report);

}  // namespace swepo::pipeline
