// Sweep files (sweeps/*.yaml): an ablation declared once.
//
//   # swepo sweep sweeps/example.yaml --jobs 2
//   name: example                 # required; the sweep's identity in the results store
//   description: what it tests
//   overrides: [trainer.steps=50]  # base overrides of every job (plain values only)
//   runs:                         # optional rows (outermost axis); a row may itself sweep:
//     - [loss=dpo]                #   either a list of overrides ...
//     - {loss: swepo, loss.p: "0,1,2"}   # ... or a mapping key: value
//   grid:                         # axes in Hydra's sweep syntax (a,b | choice | range | glob)
//     data: glob(*)               #   or a YAML list of values; product in the order given
//     loss.beta: 0.1,0.5
//   zip:                          # axes of equal length, paired element-wise (one axis)
//     trainer.lr: 1e-3,5e-4
//     trainer.steps: 100,200
//   seeds: range(3)               # the last axis (varies fastest); or [0, 1, 2]
//
// Jobs = runs x grid x zip x seeds, numbered from 0 in that (itertools.product) order.
#pragma once
#include <string>
#include <vector>

namespace swepo {

struct SweepAxis {
  std::string key;
  std::vector<std::string> values;  // expanded and normalised
};

struct SweepSpec {
  std::string file;  // where it came from (for messages)
  std::string text;  // the file's text, recorded in the store
  std::string name, description;
  std::vector<std::string> overrides;
  std::vector<std::vector<std::string>> runs;  // rows, each already expanded (sweeps in a row multiply it)
  std::vector<SweepAxis> grid, zip;
  std::vector<std::string> seeds;              // empty: no seed axis (the config's seed)
};

struct SweepJob {
  int64_t number = 0;
  std::vector<std::string> overrides;
};

// Parses a sweep file's text. Every error is a UserError naming `file` and the key at fault.
SweepSpec sweep_parse(const std::string& text, const std::string& file, const std::string& conf_dir);
SweepSpec sweep_load(const std::string& path, const std::string& conf_dir);  // reads, then parses

// The jobs of a sweep, in order.
std::vector<SweepJob> sweep_expand(const SweepSpec& spec);

}  // namespace swepo
