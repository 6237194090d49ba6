#include "apps/cli_args.h"

#include <exception>
#include <iostream>

#include "core/util/error.h"

namespace swepo::cli {

bool cli_parse(const Args& args, const po::options_description& opts, po::variables_map& vm,
               const po::positional_options_description* pos, const std::string& usage,
               const std::string& epilog) {
  po::command_line_parser parser(args);
  parser.options(opts);
  if (pos) parser.positional(*pos);
  po::store(parser.run(), vm);
  if (vm.count("help")) {
    if (!usage.empty()) std::cout << usage << "\n";
    std::cout << opts << "\n" << epilog;
    return false;
  }
  po::notify(vm);
  return true;
}

int cli_call(const std::string& name, int (*run)(const Args&), const Args& args) {
  try {
    return run(args);
  } catch (const UserError& e) {
    std::cerr << "swepo " << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "swepo " << name << ": usage error: " << e.what() << " (see swepo " << name << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "swepo " << name << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace swepo::cli
