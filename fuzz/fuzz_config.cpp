// Fuzz target: YAML config composition, overrides and interpolation (core/config: compose.h,
// override.h, interpolate.h).
//
// Feeds: the input split at the first line "%%": the part before is the primary config file
// CONF/config.yaml (its defaults list, keys, ${...} references); each line after it is one
// command-line override. CONF is a copy of the tests' config fixture (tests/core/config/fixtures/conf
// without its config.yaml: groups model, loss, optim, extra, and base.yaml ...) plus two groups of
// its own (net: tiny|wide, obj: dpo|swepo, with ${...} references), so defaults lists, group
// overrides and interpolation across files resolve. Every override line is
// also parsed alone with override_parse / override_choices_parse.
// Checks: compose_config either returns a mapping or throws swepo::UserError; the overrides
// parse or throw swepo::UserError. Anything else is a finding.
#include <string>
#include <vector>

#include "core/config/compose.h"
#include "core/config/override.h"
#include "core/util/error.h"
#include "fuzz_common.h"

namespace {

const std::filesystem::path& conf_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path c = fz::scratch() / "conf";
    fz::copy_tree(std::filesystem::path(SWEPO_SOURCE_DIR) / "tests/core/config/fixtures/conf", c);
    fz::write_file(c / "net/tiny.yaml", "d_model: 8\nn_layer: 1\nname: tiny\n");
    fz::write_file(c / "net/wide.yaml", "d_model: ${width}\nn_layer: 2\nname: wide\n");
    fz::write_file(c / "obj/dpo.yaml", "name: dpo\nbeta: 0.1\n");
    fz::write_file(c / "obj/swepo.yaml", "name: swepo\nbeta: 0.5\np: [0, 1]\nref: ${..seed}\n");
    fz::write_file(c / "vars.yaml", "width: 16\nseed: 0\nrun: {dir: out_${seed}}\n");
    return c;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input = fz::as_string(data, size);
  size_t sep = input.find("\n%%\n");
  std::string primary = sep == std::string::npos ? input : input.substr(0, sep);
  std::vector<std::string> overrides =
      sep == std::string::npos ? std::vector<std::string>{} : fz::lines(input.substr(sep + 4));
  if (overrides.size() > 16) overrides.resize(16);

  for (const auto& o : overrides) {
    try {
      swepo::Override p = swepo::override_parse(o);
      (void)p;
    } catch (const swepo::UserError& e) {
    fz::note(e);
    }
    size_t eq = o.find('=');
    if (eq != std::string::npos) {
      try {
        auto choices = swepo::override_choices_parse(o.substr(eq + 1), o);
        (void)choices;
      } catch (const swepo::UserError& e) {
    fz::note(e);
      }
    }
  }

  const auto& conf = conf_dir();
  fz::write_file(conf / "config.yaml", primary);
  try {
    swepo::ComposedConfig c = swepo::compose_config(conf.string(), overrides);
    fz::check(c.config.IsMap(), "compose_config returns a mapping");
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  return 0;
}
