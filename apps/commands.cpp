#include "apps/commands.h"

namespace swepo::cli {

// Every subcommand, in the order `swepo --help` lists them.
const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      // name      summary                                                        run
      {"losses",   "list every registered preference loss with traits and options", cmd_losses},
      {"loss",     "evaluate one loss (float64) on JSON groups; print loss and gradient", cmd_loss},
      {"run",      "the benchmark pipeline: data, SFT (cached), preference optimisation, eval, summary", cmd_run},
      {"winrate",  "AlpacaEval WR, standard error and length-controlled WR from judged rows", cmd_winrate},
      {"sweep",    "run a sweep file's jobs in worker processes, recorded in the results store", cmd_sweep},
      {"sweep-task", "one sweep job inside a Slurm array task: claim, run, heartbeat, record (scripts run it)", cmd_sweep_task},
      {"store",    "copy a results store between databases/backends, verified (store copy --from A --to B)", cmd_store},
      {"runs",     "list runs in the results store (filter by sweep, status, params)", cmd_runs},
      {"show",     "print one run: config, metric history summary, evals, artifacts", cmd_show},
      {"report",   "tables from the results store (Table 1, Table 2, K ablation, group-by): md/csv/latex/json", cmd_report},
      {"plot",     "SVG plots from the results store: training curves over seeds, table metrics as bars", cmd_plot},
      {"tokenize", "token ids of JSONL text with a Hugging Face tokenizer directory (JSONL out)", cmd_tokenize},
      {"score",    "log-probs of responses under a Hugging Face model: JSONL groups in, {logps, lengths} lines out", cmd_score},
      {"export",   "a swepo checkpoint (or HF dir) as a Hugging Face model directory (safetensors shards)", cmd_export},
      {"generate", "answers to AlpacaEval 2 / Arena-Hard / MT-Bench questions in their own file schemas", cmd_generate},
      {"import-eval", "the official judges' verdicts on a run's generated answers into the store as its evals", cmd_import_eval},
  };
  return table;
}

}  // namespace swepo::cli
