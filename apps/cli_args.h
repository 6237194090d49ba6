// What every `swepo <command>` shares: parsing its options (with --help) and turning what it
// throws into the exit code. apps/main.cpp and tests/apps/sweep_test_cli.cpp dispatch through
// cli_call(); each apps/cmd_<name>.cpp parses through cli_parse().
#pragma once
#include <string>

#include <boost/program_options.hpp>

#include "apps/commands.h"

namespace swepo::cli {

namespace po = boost::program_options;

// Parses `args` into `vm` (options `opts`; positional arguments `pos`, or none taken when null:
// then stray positional words are ignored, as program_options does). With --help it prints
//   [usage "\n"] opts "\n" [epilog]
// to stdout and returns false: the command returns 0. Otherwise it runs po::notify (required
// options, stored values) and returns true. Bad arguments throw po::error (exit 2, see cli_call).
bool cli_parse(const Args& args, const po::options_description& opts, po::variables_map& vm,
               const po::positional_options_description* pos = nullptr, const std::string& usage = "",
               const std::string& epilog = "");

// Runs command `name` (`run`) on `args` and returns the process exit code: what it returns, or
// 2 after "swepo NAME: error: ..." (UserError) or "swepo NAME: usage error: ... (see swepo NAME
// --help)" (po::error), 1 after "swepo NAME: internal error: ..." (any other exception).
int cli_call(const std::string& name, int (*run)(const Args&), const Args& args);

}  // namespace swepo::cli
