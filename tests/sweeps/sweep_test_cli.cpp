// `swepo sweep|runs|show` without the rest of the CLI (no LibTorch), with apps/main.cpp's exit
// codes: 0 success, 2 UserError or usage error, 1 anything else.
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options/errors.hpp>

#include "core/util/error.h"
#include "sweeps/sweep_cli.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (cmd == "sweep") return swepo::sweep_cmd_sweep(args);
    if (cmd == "runs") return swepo::sweep_cmd_runs(args);
    if (cmd == "show") return swepo::sweep_cmd_show(args);
    std::cerr << "unknown command " << cmd << "\n";
    return 2;
  } catch (const swepo::UserError& e) {
    std::cerr << "swepo " << cmd << ": error: " << e.what() << "\n";
    return 2;
  } catch (const boost::program_options::error& e) {
    std::cerr << "swepo " << cmd << ": usage error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "swepo " << cmd << ": internal error: " << e.what() << "\n";
    return 1;
  }
}
