// Fuzz target: the sweep value grammar (core/config/sweep_syntax.h): a,b  choice()  range()  glob().
//
// Feeds: each input line is one override "key=value" in sweep syntax, parsed by
// sweep_parse_override (glob() reads the options of a config dir: a copy of tests/sweeps/conf,
// groups data and loss, plus model/{tiny,small,wide}.yaml); when every line parses and the product is small (<= 4096 jobs),
// expand_multirun runs on all lines. sweep_python_float is fed the doubles the input spells.
// Checks: errors are swepo::UserError only; a parsed sweep has at least one value, a plain override
// exactly one; expand_multirun yields as many jobs as the product of the value counts (less when
// a key repeats: the key's last values count).
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/config/sweep_syntax.h"
#include "core/util/error.h"
#include "fuzz_common.h"

namespace {

const std::string& conf_dir() {
  static const std::string dir = [] {
    std::filesystem::path c = fz::scratch() / "conf";
    fz::copy_tree(std::filesystem::path(SWEPO_SOURCE_DIR) / "tests/sweeps/conf", c);
    for (const char* f : {"model/tiny.yaml", "model/small.yaml", "model/wide.yaml"}) fz::write_file(c / f, "a: 1\n");
    return c.string();
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> lines = fz::lines(fz::as_string(data, size));
  if (lines.size() > 8) lines.resize(8);
  bool all_ok = true;
  std::map<std::string, size_t> counts;  // key -> its (last) number of values
  for (const auto& l : lines) {
    try {
      swepo::SweepOverride o = swepo::sweep_parse_override(l, conf_dir());
      if (o.has_value) fz::check(!o.values.empty(), "a sweep has at least one value");
      if (o.has_value && !o.is_sweep) fz::check(o.values.size() == 1, "a plain override has one value");
      counts[o.key] = o.has_value ? o.values.size() : 1;
      (void)o.text();
    } catch (const swepo::UserError& e) {
    fz::note(e);
      all_ok = false;
    }
  }
  double product = 1;
  for (const auto& [key, n] : counts) product *= static_cast<double>(n);
  if (all_ok && !lines.empty() && product <= 4096) {
    try {
      auto jobs = swepo::expand_multirun(lines, conf_dir());
      fz::check(jobs.size() == static_cast<size_t>(product), "expand_multirun yields the product of the value counts");
    } catch (const swepo::UserError& e) {
    fz::note(e);
    }
  }
  if (size >= sizeof(double)) {
    double v;
    std::memcpy(&v, data, sizeof v);
    if (std::isfinite(v)) {
      std::string s = swepo::sweep_python_float(v);
      fz::check(!s.empty() && std::strtod(s.c_str(), nullptr) == v, "sweep_python_float round-trips");
    }
  }
  return 0;
}
