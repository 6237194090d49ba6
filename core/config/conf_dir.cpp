#include "core/config/conf_dir.h"

#include <cstdlib>
#include <filesystem>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace swepo {

std::string swepo_source_dir() { return SWEPO_SOURCE_DIR; }

std::string find_conf_dir(const std::string& given) {
  auto holds_config = [](const std::string& d) {
    std::error_code ec;
    return fs::is_regular_file(fs::path(d) / "config.yaml", ec);
  };
  if (!given.empty()) {
    if (!holds_config(given))
      throw UserError("--conf '" + given + "': no config.yaml there (the config root holds config.yaml and "
                      "the group folders model/, data/, loss/, ...)");
    return given;
  }
  if (const char* env = std::getenv("SWEPO_CONF"); env && *env) {
    if (!holds_config(env))
      throw UserError(std::string("SWEPO_CONF='") + env + "': no config.yaml there");
    return env;
  }
  if (holds_config("experiments/conf")) return "experiments/conf";
  const std::string src = swepo_source_dir() + "/experiments/conf";
  if (holds_config(src)) return src;
  throw UserError("config folder not found: neither ./experiments/conf nor the source tree's '" + src +
                  "' holds a config.yaml; name one with --conf DIR or SWEPO_CONF=DIR");
}

}  // namespace swepo
