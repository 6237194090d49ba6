// `swepo sweep|runs|show|sweep-task|store|import-eval` without the rest of the CLI (no LibTorch): apps/'s swepo_cli, dispatched
// through the same cli_call() as apps/main.cpp, so exit codes and messages are the CLI's:
// 0 success, 2 UserError or usage error, 1 anything else. `sweep` runs without the pipeline's
// typed check (composition is still checked).
#include <iostream>
#include <string>

#include "apps/cli_args.h"
#include "apps/cmd_sweep.h"

namespace {

int cmd_sweep_untyped(const swepo::cli::Args& args) { return swepo::cli::cmd_sweep_with(args, {}); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::string cmd = argv[1];
  swepo::cli::Args args(argv + 2, argv + argc);
  if (cmd == "sweep") return swepo::cli::cli_call(cmd, cmd_sweep_untyped, args);
  if (cmd == "runs") return swepo::cli::cli_call(cmd, swepo::cli::cmd_runs, args);
  if (cmd == "show") return swepo::cli::cli_call(cmd, swepo::cli::cmd_show, args);
  if (cmd == "sweep-task") return swepo::cli::cli_call(cmd, swepo::cli::cmd_sweep_task, args);
  if (cmd == "store") return swepo::cli::cli_call(cmd, swepo::cli::cmd_store, args);
  if (cmd == "import-eval") return swepo::cli::cli_call(cmd, swepo::cli::cmd_import_eval, args);
  std::cerr << "unknown command " << cmd << "\n";
  return 2;
}
