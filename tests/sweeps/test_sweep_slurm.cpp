// The Slurm launcher's pure parts: the submission script as text (written out by hand below),
// shell quoting, and trainer.nproc -> the array's --ntasks / --gpus lines.
#include <gtest/gtest.h>

#include "sweeps/sweep_slurm.h"

namespace swepo {
namespace {

SlurmScriptSpec base() {
  SlurmScriptSpec s;
  s.sweep = "abl";
  s.file = "sweeps/abl.yaml";
  s.db = "postgresql://u@db:5432/swepo";
  s.jobs = {{0, 11}, {1, 12}, {2, 13}, {5, 16}, {7, 18}, {8, 19}};
  s.log_dir = "/r/logs/abl";
  s.self_exe = "/opt/swepo";
  return s;
}

TEST(SweepSlurm, ScriptIsOneArrayOverTheJobNumbers) {
  SlurmOptions o;
  std::string want =
      "#!/bin/bash\n"
      "# Written by `swepo sweep --launcher slurm` for sweep 'abl' (sweeps/abl.yaml): 6 job(s) as one Slurm\n"
      "# job array, task index = job number. Relaunch with the same `swepo sweep` command (it submits\n"
      "# only what is not FINISHED); each task claims its run in the store before running it.\n"
      "#SBATCH --job-name=swepo-abl\n"
      "#SBATCH --array=0-2,5,7-8\n"
      "#SBATCH --output=/r/logs/abl/slurm-%A_%a.out\n"
      "#SBATCH --open-mode=append\n"
      "#SBATCH --requeue\n"
      "RUNS=([0]=11 [1]=12 [2]=13 [5]=16 [7]=18 [8]=19)\n"
      "exec '/opt/swepo' sweep-task --db 'postgresql://u@db:5432/swepo' --run-id \"${RUNS[$SLURM_ARRAY_TASK_ID]}\" \\\n"
      "  --launcher \"slurm ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\" --log-dir '/r/logs/abl' --stale-after 120 "
      "--heartbeat 10\n";
  EXPECT_EQ(slurm_script(base(), o), want);
}

TEST(SweepSlurm, OptionsBecomeSbatchLines) {
  SlurmOptions o;
  o.partition = "gpu";
  o.time = "4:00:00";
  o.gpus_per_job = 2;
  o.array_parallelism = 3;
  o.extra = "--mem=16G  --qos=high";
  SlurmScriptSpec s = base();
  s.retry_failed = true;
  s.conf_dir = "/src/conf";
  s.job_cmd = {"/bin/job", "it's"};
  std::string got = slurm_script(s, o);
  for (const char* line : {"#SBATCH --array=0-2,5,7-8%3\n", "#SBATCH --partition=gpu\n", "#SBATCH --time=4:00:00\n",
                           "#SBATCH --signal=B:USR1@120\n", "#SBATCH --gpus=2\n", "#SBATCH --mem=16G\n",
                           "#SBATCH --qos=high\n",
                           " --retry-failed --conf '/src/conf' -- '/bin/job' 'it'\\''s'\n"})
    EXPECT_NE(got.find(line), std::string::npos) << line << " not in:\n" << got;
  EXPECT_EQ(got.find("--ntasks"), std::string::npos);
  // Two processes per job (trainer.nproc = 2): --ntasks=2 and the GPUs per task.
  s.nproc = 2;
  got = slurm_script(s, o);
  EXPECT_NE(got.find("#SBATCH --ntasks=2\n#SBATCH --gpus-per-task=2\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("#SBATCH --gpus=2"), std::string::npos);
}

TEST(SweepSlurm, NprocComesFromTheResolvedConfigAndDefaultsToOne) {
  PlannedJob j;
  EXPECT_EQ(sweep_job_nproc(j), 1);  // no trainer.nproc key (today's configs)
  j.spec.params = {{"trainer.lr", "0.1"}, {"trainer.nproc", "4"}};
  EXPECT_EQ(sweep_job_nproc(j), 4);
  j.spec.params = {{"trainer.nproc", "0"}};
  EXPECT_EQ(sweep_job_nproc(j), 1);
  j.spec.params = {{"trainer.nproc", "two"}};
  EXPECT_EQ(sweep_job_nproc(j), 1);
  EXPECT_EQ(shell_quote("a b'c"), "'a b'\\''c'");
}

}  // namespace
}  // namespace swepo
