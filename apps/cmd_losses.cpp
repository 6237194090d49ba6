// `swepo losses`: every registered preference loss with its paper, traits and options.
#include <iostream>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "losses/registry.h"


namespace swepo::cli {
namespace {

const char* yes_no(bool b) { return b ? "yes" : "no"; }

// A default as a reader writes it: numbers in their shortest round-trip form ("0.1", not the
// emitter's 17 digits), everything else as given.
std::string pretty_default(const std::string& text) {
  try {
    size_t used = 0;
    double x = std::stod(text, &used);
    if (used == text.size()) return fmt::format("{}", x);
  } catch (const std::exception&) {
  }
  return text;
}

std::string option_defaults(const std::vector<OptionDoc>& docs) {
  std::vector<std::string> parts;
  for (const auto& d : docs) parts.push_back(d.key + "=" + pretty_default(d.default_value));
  return join(parts, " ");
}

void print_table() {
  const auto& table = loss_registry();
  std::cout << fmt::format("{:<17} {:<4} {:<6} {:<7} {:<5} {}\n", "NAME", "REF", "SCORES", "LENGTHS",
                           "MIN_K", "OPTIONS (defaults)");
  for (const auto& l : table)
    std::cout << fmt::format("{:<17} {:<4} {:<6} {:<7} {:<5} {}\n", l.name,
                             yes_no(l.traits.needs_reference), yes_no(l.traits.needs_scores),
                             yes_no(l.traits.needs_lengths), l.traits.min_k,
                             option_defaults(l.describe()));
  std::cout << "\n";
  for (const auto& l : table) std::cout << fmt::format("{:<17} {}\n", l.name, l.summary);
  std::cout << "\nREF: needs a reference model; LENGTHS: needs response lengths (every loss does with "
               "nll_weight > 0). Options: swepo losses --format json (with help), set them with swepo loss "
               "--set key=value.\n";
}

void print_json() {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& l : loss_registry()) {
    nlohmann::ordered_json options = nlohmann::ordered_json::array();
    for (const auto& d : l.describe())
      options.push_back({{"key", d.key}, {"default", pretty_default(d.default_value)}, {"help", d.help}});
    out.push_back({{"name", l.name},
                   {"summary", l.summary},
                   {"needs_reference", l.traits.needs_reference},
                   {"needs_scores", l.traits.needs_scores},
                   {"needs_lengths", l.traits.needs_lengths},
                   {"min_k", l.traits.min_k},
                   {"skips_ties", l.traits.skips_ties},
                   {"options", options}});
  }
  std::cout << out.dump(2) << "\n";
}

}  // namespace

int cmd_losses(const Args& args) {
  std::string format;
  po::options_description opts("swepo losses: list every registered preference loss (name, paper, "
                               "whether it needs a reference model, scores or lengths, minimum K, "
                               "options with defaults)\n\noptions");
  opts.add_options()
      ("help,h", "print this help")
      ("format", po::value(&format)->default_value("table"), "table | json (json adds each option's help)");
  po::variables_map vm;
  if (!cli_parse(args, opts, vm)) return 0;
  if (format == "table")
    print_table();
  else if (format == "json")
    print_json();
  else
    throw UserError("--format: unknown value '" + format + "'; valid: table, json");
  return 0;
}

}  // namespace swepo::cli
