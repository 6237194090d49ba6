#include "experiments/pipeline/run_summary.h"

#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "experiments/pipeline/run_eval.h"

namespace swepo::pipeline {
namespace {

std::string cell(const synth::SuiteMetrics& m, const char* key, const char* spec) {
  auto it = m.find(key);
  if (it == m.end()) return "-";
  return fmt::format(fmt::runtime(spec), it->second);
}

void row(std::ostream& out, const std::string& label, const synth::SuiteMetrics& m) {
  std::string arena = cell(m, "arena/wr", "{:.1f}");
  if (m.count("arena/ci_lo"))
    arena += fmt::format(" [{:.1f},{:.1f}]", m.at("arena/ci_lo"), m.at("arena/ci_hi"));
  out << fmt::format("{:<16} {:>6} {:>5} {:>6} {:>5} {:>5} {:>6}  {:<18} {:>7}\n", label,
                     cell(m, "alpaca/wr", "{:.1f}"), cell(m, "alpaca/wr_se", "{:.1f}"),
                     cell(m, "alpaca/lc", "{:.1f}"), cell(m, "alpaca/gold", "{:.2f}"),
                     cell(m, "alpaca/len", "{:.1f}"), cell(m, "alpaca/filler", "{:.2f}"), arena,
                     cell(m, "mtbench/score", "{:.2f}"));
}

}  // namespace

void print_eval_table(std::ostream& out, const synth::EvalReport& report) {
  out << fmt::format("{:<16} {:>6} {:>5} {:>6} {:>5} {:>5} {:>6}  {:<18} {:>7}\n", "decoding", "WR", "±se",
                     "LC", "gold", "len", "filler", "arena WR [95% CI]", "mtbench");
  if (report.runs.size() > report.per_temperature.size())
    for (const auto& r : report.runs) row(out, decoding_label(r.temperature, r.seed), r.metrics);
  for (const auto& [t, m] : report.per_temperature) row(out, decoding_label(t), m);
  row(out, "avg", report.average);
}

nlohmann::json eval_report_json(const synth::EvalReport& report) {
  nlohmann::json j;
  j["runs"] = nlohmann::json::array();
  for (const auto& r : report.runs)
    j["runs"].push_back({{"temperature", r.temperature}, {"seed", r.seed}, {"metrics", r.metrics}});
  j["per_temperature"] = nlohmann::json::object();
  for (const auto& [t, m] : report.per_temperature) j["per_temperature"][decoding_label(t)] = m;
  j["average"] = report.average;
  return j;
}

}  // namespace swepo::pipeline
