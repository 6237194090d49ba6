// The swepo CLI's subcommands: one file each (apps/cmd_<name>.cpp), one row each in commands.cpp.
//
// A command receives the arguments after its name and returns the process exit code:
// 0 success, 2 usage or input error (throw swepo::UserError or a program_options error), 1 internal.
#pragma once
#include <string>
#include <vector>

namespace swepo::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
};

const std::vector<Command>& commands();

// Defined in apps/cmd_*.cpp.
int cmd_losses(const Args& args);
int cmd_loss(const Args& args);
int cmd_winrate(const Args& args);
int cmd_run(const Args& args);
int cmd_sweep(const Args& args);
int cmd_runs(const Args& args);
int cmd_show(const Args& args);
int cmd_report(const Args& args);
int cmd_plot(const Args& args);
int cmd_sweep_task(const Args& args);  // one Slurm array task (written into submission scripts)
int cmd_store(const Args& args);       // store copy | checksum
int cmd_tokenize(const Args& args);
int cmd_score(const Args& args);   // log-probs of responses under an HF model (JSONL)
int cmd_export(const Args& args);  // a checkpoint as a Hugging Face model directory
int cmd_generate(const Args& args);     // answers to AlpacaEval / Arena-Hard / MT-Bench questions (their schemas)
int cmd_import_eval(const Args& args);  // the official judges' verdicts into the store as a run's evals

}  // namespace swepo::cli
