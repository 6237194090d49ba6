// Fuzz target: sweep files (sweeps/sweep_file.h: name, overrides, runs, grid, zip, seeds).
//
// Feeds: the input as a sweep file's text to sweep_parse (glob() axes read a config dir: a copy of
// tests/sweeps/conf, groups data and loss, plus model/{tiny,small}.yaml); when it parses and declares at most 4096 jobs,
// sweep_expand lists them.
// Checks: errors are swepo::UserError only; the parsed spec has a name; sweep_expand yields
// runs x grid x zip x seeds jobs, numbered 0.. in order.
#include <string>

#include "core/util/error.h"
#include "fuzz_common.h"
#include "sweeps/sweep_file.h"

namespace {

const std::string& conf_dir() {
  static const std::string dir = [] {
    std::filesystem::path c = fz::scratch() / "conf";
    fz::copy_tree(std::filesystem::path(SWEPO_SOURCE_DIR) / "tests/sweeps/conf", c);
    for (const char* f : {"model/tiny.yaml", "model/small.yaml"}) fz::write_file(c / f, "a: 1\n");
    return c.string();
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swepo::SweepSpec spec;
  try {
    spec = swepo::sweep_parse(fz::as_string(data, size), "fuzz.yaml", conf_dir());
  } catch (const swepo::UserError& e) {
    fz::note(e);
    return 0;
  }
  fz::check(!spec.name.empty(), "a parsed sweep has a name");
  double jobs = spec.runs.empty() ? 1.0 : static_cast<double>(spec.runs.size());
  for (const auto& a : spec.grid) jobs *= static_cast<double>(a.values.size());
  if (!spec.zip.empty()) jobs *= static_cast<double>(spec.zip.front().values.size());
  if (!spec.seeds.empty()) jobs *= static_cast<double>(spec.seeds.size());
  if (jobs > 4096) return 0;
  try {
    auto list = swepo::sweep_expand(spec);
    fz::check(list.size() == static_cast<size_t>(jobs), "sweep_expand yields the product of the axes");
    for (size_t i = 0; i < list.size(); ++i)
      fz::check(list[i].number == static_cast<int64_t>(i), "jobs are numbered in order");
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  return 0;
}
