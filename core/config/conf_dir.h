// Where the config root (config.yaml + group folders) is found, the same for `swepo run`,
// `swepo sweep` and the other commands that compose configs, from any working directory:
//   1. --conf DIR when given (it must hold config.yaml)
//   2. $SWEPO_CONF when set (the same)
//   3. ./experiments/conf when it holds config.yaml (a checkout as the working directory)
//   4. the source tree's experiments/conf (the tree this binary was built from)
// UserError naming what was tried, --conf and SWEPO_CONF when none holds a config.yaml.
#pragma once
#include <string>

namespace swepo {

std::string find_conf_dir(const std::string& given = "");

// The source tree this binary was built from (SWEPO_SOURCE_DIR), for files that ship with it
// (sweeps/, analysis/tables/) when a relative name is not found from the working directory.
std::string swepo_source_dir();

}  // namespace swepo
