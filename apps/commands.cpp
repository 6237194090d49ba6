#include "apps/commands.h"

namespace swepo::cli {

// Every subcommand, in the order `swepo --help` lists them.
const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      // name      summary                                                        run
      {"losses",   "list every registered preference loss with traits and options", cmd_losses},
      {"loss",     "evaluate one loss (float64) on JSON groups; print loss and gradient", cmd_loss},
  };
  return table;
}

}  // namespace swepo::cli
