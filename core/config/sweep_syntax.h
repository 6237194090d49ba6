// Hydra's sweep syntax for override values, and the multirun expansion of a list of overrides.
//
//   key=a,b,c                 simple choice sweep (quotes and brackets protect commas: 'a,b',[1,2])
//   key=choice(a,b,c)         the same, explicit
//   key=range(stop) | range(start,stop[,step])   ints like Python's range; floats step by exact
//                             decimal accumulation, as Hydra's FloatRange (range(0,1,0.25))
//   key=glob(pattern) | glob([p1,p2],exclude=p3) the options of config group `key` (the *.yaml
//                             files in CONF/key/), sorted, filtered with fnmatch globs
//
// Elements are re-serialised as Hydra does: ints canonical (007 -> 7), floats as Python's repr
// (1e-3 -> 0.001, 1 -> 1 but 1.0 -> 1.0); strings, booleans and quoted text are kept as written.
// The product is Hydra's BasicSweeper's: itertools.product over the overrides in the order given
// (the last varies fastest); a key given twice keeps its first position and its last value.
#pragma once
#include <string>
#include <vector>

namespace swepo {

struct SweepOverride {
  std::string key;                  // as written before '=', including a +, ++ or ~ prefix
  std::vector<std::string> values;  // one value for a plain override; empty only for "~key"
  bool is_sweep = false;
  bool has_value = true;            // false for "~key" (delete without a value)
  std::string text() const;         // "key=value" for a plain override
};

// Parses "key=value" (the value in sweep syntax). `conf_dir` is needed only by glob().
// Throws UserError naming the override on bad syntax, bad ranges or an empty sweep.
SweepOverride sweep_parse_override(const std::string& override_text, const std::string& conf_dir = "");

// The values of one sweep value text for `key` (a plain value gives a one-element list).
std::vector<std::string> sweep_values(const std::string& key, const std::string& value_text,
                                      const std::string& conf_dir = "");

// `swepo run -m a=1,2 b=x,y` -> [[a=1,b=x],[a=1,b=y],[a=2,b=x],[a=2,b=y]].
std::vector<std::vector<std::string>> expand_multirun(const std::vector<std::string>& overrides,
                                                      const std::string& conf_dir = "");

// Cartesian product in itertools.product order: each axis is a list of choices, each choice a
// list of overrides; a result concatenates one choice per axis. Keys are deduplicated: a key
// keeps its first position and its last value.
std::vector<std::vector<std::string>> sweep_product(
    const std::vector<std::vector<std::vector<std::string>>>& axes);

// Options of config group `group` in `conf_dir` (file stems of *.yaml / *.yml), sorted.
std::vector<std::string> sweep_group_options(const std::string& conf_dir, const std::string& group);

// Python's repr() of a double: shortest round-trip text ("0.1", "1.0", "1e-05", "1e+16").
std::string sweep_python_float(double v);

}  // namespace swepo
