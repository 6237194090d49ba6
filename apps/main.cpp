// swepo: command-line entry point. Dispatches to the subcommands in apps/commands.cpp.
#include <csignal>
#include <iostream>
#include <string>

#include <fmt/core.h>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/util/strings.h"

namespace {

void print_help() {
  std::cout << "swepo: multi-response preference optimisation (Swepo, DPO, InfoNCA, ...)\n\n"
               "usage: swepo <command> [options]   (swepo <command> --help for details)\n\n"
               "commands:\n";
  for (const auto& c : swepo::cli::commands()) std::cout << fmt::format("  {:<10} {}\n", c.name, c.summary);
  std::cout << "\nexit codes: 0 success, 2 usage or input error, 1 internal error\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file size limit (ulimit -f; a quota), a write fails with EFBIG and the run is recorded
  // FAILED with that reason instead of the process dying from SIGXFSZ with nothing recorded.
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  swepo::cli::Args args(argv + 2, argv + argc);
  std::vector<std::string> names;
  for (const auto& c : swepo::cli::commands()) {
    names.push_back(c.name);
    if (name == c.name) return swepo::cli::cli_call(name, c.run, args);
  }
  std::cerr << "swepo: unknown command '" << name << "'" << swepo::did_you_mean(name, names)
            << "; valid: " << swepo::join(names, ", ") << "\n";
  return 2;
}
