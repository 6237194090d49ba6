#include "sweeps/sweep_slurm.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <fmt/core.h>
#include <sys/wait.h>

#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "core/store/store_url.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"
#include "sweeps/sweep_process.h"

namespace swepo {
namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

namespace {

// 0,1,2,3,5,7,8 -> "0-3,5,7-8"
std::string array_ranges(const std::vector<std::pair<int64_t, int64_t>>& jobs) {
  std::string out;
  for (size_t i = 0; i < jobs.size();) {
    size_t j = i;
    while (j + 1 < jobs.size() && jobs[j + 1].first == jobs[j].first + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(jobs[i].first);
    if (j > i) out += "-" + std::to_string(jobs[j].first);
    i = j + 1;
  }
  return out;
}

struct Captured {
  int code = -1;
  std::string out;
};

Captured run_capture(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  Captured c;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return c;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) c.out.append(buf.data(), n);
  int st = ::pclose(f);
  c.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return c;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string hms(double s) {
  long t = static_cast<long>(s + 0.5);
  if (t < 60) return fmt::format("{:.1f}s", s);
  if (t < 3600) return fmt::format("{}m{:02d}s", t / 60, static_cast<int>(t % 60));
  return fmt::format("{}h{:02d}m", t / 3600, static_cast<int>((t / 60) % 60));
}

}  // namespace

int sweep_job_nproc(const PlannedJob& job) {
  for (const auto& [k, v] : job.spec.params)
    if (k == "trainer.nproc") {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      return end && !*end && n > 0 ? static_cast<int>(n) : 1;
    }
  return 1;
}

std::string slurm_script(const SlurmScriptSpec& s, const SlurmOptions& o) {
  std::string jobs;
  for (const auto& [j, r] : s.jobs) jobs += fmt::format(" [{}]={}", j, r);
  std::string out = "#!/bin/bash\n";
  out += fmt::format("# Written by `swepo sweep --launcher slurm` for sweep '{}' ({}): {} job(s) as one Slurm\n",
                     s.sweep, s.file, s.jobs.size());
  out += "# job array, task index = job number. Relaunch with the same `swepo sweep` command (it submits\n"
         "# only what is not FINISHED); each task claims its run in the store before running it.\n";
  out += "#SBATCH --job-name=swepo-" + s.sweep + "\n";
  out += "#SBATCH --array=" + array_ranges(s.jobs) +
         (o.array_parallelism > 0 ? "%" + std::to_string(o.array_parallelism) : "") + "\n";
  out += "#SBATCH --output=" + (fs::path(s.log_dir) / "slurm-%A_%a.out").string() + "\n";
  out += "#SBATCH --open-mode=append\n#SBATCH --requeue\n";
  if (!o.partition.empty()) out += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.time.empty()) out += "#SBATCH --time=" + o.time + "\n#SBATCH --signal=B:USR1@120\n";
  if (s.nproc > 1) {
    out += fmt::format("#SBATCH --ntasks={}\n", s.nproc);
    if (o.gpus_per_job > 0) out += fmt::format("#SBATCH --gpus-per-task={}\n", o.gpus_per_job);
  } else if (o.gpus_per_job > 0) {
    out += fmt::format("#SBATCH --gpus={}\n", o.gpus_per_job);
  }
  for (const auto& w : split(o.extra, ' '))
    if (!trim(w).empty()) out += "#SBATCH " + trim(w) + "\n";
  out += "RUNS=(" + jobs.substr(1) + ")\n";
  out += "exec " + shell_quote(s.self_exe) + " sweep-task --db " + shell_quote(s.db) +
         " --run-id \"${RUNS[$SLURM_ARRAY_TASK_ID]}\" \\\n";
  out += "  --launcher \"slurm ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\" --log-dir " + shell_quote(s.log_dir) +
         fmt::format(" --stale-after {} --heartbeat {}", s.stale_after_s, s.heartbeat_s);
  if (s.retry_failed) out += " --retry-failed";
  if (!s.conf_dir.empty()) out += " --conf " + shell_quote(s.conf_dir);
  if (!s.job_cmd.empty()) {
    out += " --";
    for (const auto& a : s.job_cmd) out += " " + shell_quote(a);
  }
  return out + "\n";
}

SweepRunSummary sweep_submit_slurm(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs,
                                   const SweepRunOptions& opt, const SlurmOptions& slurm_in) {
  std::ostream& log = opt.log ? *opt.log : std::cerr;
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  SlurmOptions so = slurm_in;
  so.sbatch = env_or("SWEPO_SBATCH", so.sbatch);
  so.squeue = env_or("SWEPO_SQUEUE", so.squeue);
  if (so.self_exe.empty()) so.self_exe = process_self_exe();
  if (so.array_parallelism < 0) throw UserError("--slurm.array_parallelism must be >= 0");
  if (so.gpus_per_job < 0) throw UserError("--slurm.gpus_per_job must be >= 0");
  std::string log_dir = fs::absolute(opt.log_dir.empty() ? sweep_default_log_dir(store.path(), spec.name)
                                                         : opt.log_dir).string();
  make_dirs(log_dir);

  SweepRunSummary sum;
  sum.total = static_cast<int>(jobs.size());
  SweepRegistration reg = sweep_register(store, spec, jobs);
  for (const auto& c : reg.changes) log << "sweep '" << spec.name << "' changed since its last run: " << c << "\n";

  // Decide, as the local runner does; group what runs by nproc.
  std::map<int, std::vector<std::pair<int64_t, int64_t>>> groups;
  double now = store_now();
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::string why;
    int64_t run = reg.run_ids[i], number = jobs[i].job.number;
    auto row = store.run_get(run);
    switch (sweep_action(row, opt, now, &why)) {
      case SweepAction::Rerun:
        log << fmt::format("job {} (run {}): {}\n", number, run, why);
        if (row && row->status == kRunRunning) run_kill(store, run, why);
        [[fallthrough]];
      case SweepAction::Run: groups[sweep_job_nproc(jobs[i])].emplace_back(number, run); break;
      case SweepAction::SkipFinished: ++sum.skipped_finished; break;
      case SweepAction::SkipFailed:
        ++sum.failed;
        log << fmt::format("job {} (run {}): FAILED before; not rerun without --retry-failed\n", number, run);
        break;
      case SweepAction::SkipRunningElsewhere:
        ++sum.elsewhere;
        log << fmt::format("job {} (run {}): {}\n", number, run, why);
        break;
    }
  }
  size_t to_run = 0;
  for (const auto& [n, g] : groups) to_run += g.size();
  log << fmt::format("sweep '{}': {} jobs, {} finished before, {} to submit to Slurm\n", spec.name, jobs.size(),
                     sum.skipped_finished, to_run);

  std::vector<std::string> arrays;
  std::vector<int64_t> submitted;
  for (auto& [nproc, group] : groups) {
    std::sort(group.begin(), group.end());
    SlurmScriptSpec ss;
    ss.sweep = spec.name;
    ss.file = spec.file;
    ss.db = store_location_absolute(store.path());
    ss.jobs = group;
    ss.nproc = nproc;
    ss.log_dir = log_dir;
    ss.self_exe = so.self_exe;
    ss.conf_dir = opt.conf_dir.empty() ? "" : fs::absolute(opt.conf_dir).string();
    ss.job_cmd = opt.job_cmd;
    ss.stale_after_s = opt.stale_after_s;
    ss.heartbeat_s = opt.heartbeat_s;
    ss.retry_failed = opt.retry_failed;
    size_t k = submissions_list(store, reg.sweep_id).size() + 1;
    std::string path = (fs::path(log_dir) / fmt::format("submit-{}.sbatch", k)).string();
    std::ofstream(path) << slurm_script(ss, so);
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    Captured c = run_capture({so.sbatch, "--parsable", path});
    std::string id = trim(c.out.substr(0, c.out.find(';')));
    if (c.code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
      throw UserError(fmt::format("sbatch {} failed (exit {}): {}", path, c.code, trim(c.out)));
    SubmissionRow row;
    row.sweep_id = reg.sweep_id;
    row.launcher = "slurm";
    row.external_id = id;
    row.script = path;
    for (const auto& [j, r] : group) {
      row.jobs.push_back(j);
      submitted.push_back(r);
    }
    submission_add(store, row);
    arrays.push_back(id);
    log << fmt::format("submitted {} job(s) as Slurm array {} (nproc {}; script {})\n", group.size(), id, nproc, path)
        << std::flush;
  }
  if (!so.wait || submitted.empty()) {
    sum.seconds = elapsed();
    if (!submitted.empty())
      log << "not waiting (--wait shows progress until the arrays are done); `swepo runs --db "
          << store_redact(store.path()) << " --sweep " << spec.name << "` shows their status\n";
    return sum;
  }

  // --wait: progress from the store until squeue has none of our tasks left.
  // 1: a task of ours is pending or running; 0: none left; -1: no squeue here (the store decides).
  // squeue answers "Invalid job id" once the controller has purged an array (gone); any other
  // failure (a busy controller timing out) says nothing, so it counts as alive, until
  // kMaxSqueueErrors polls in a row failed: then the store decides, as without squeue.
  constexpr int kMaxSqueueErrors = 60;
  int squeue_errors = 0;
  auto alive = [&]() -> int {
    bool failed = false, listed = false;
    for (const auto& id : arrays) {
      Captured c = run_capture({so.squeue, "-h", "-j", id, "-o", "%i"});
      if (c.code == 127) return -1;
      if (c.code == 0 && !trim(c.out).empty()) listed = true;
      if (c.code != 0 && c.out.find("Invalid job id") == std::string::npos) {
        failed = true;
        log << fmt::format("squeue -j {} failed ({}): {}\n", id, c.code, trim(c.out));
      }
    }
    if (listed || !failed) {
      squeue_errors = 0;
      return listed ? 1 : 0;
    }
    return ++squeue_errors >= kMaxSqueueErrors ? -1 : 1;
  };
  std::string last;
  std::set<int64_t> ids(submitted.begin(), submitted.end());
  std::map<std::string, int> by;
  while (true) {
    int running = alive();
    by.clear();
    std::vector<int64_t> live;
    for (const auto& r : store.runs_list({spec.name, "", {}}))
      if (ids.count(r.id)) {
        by[r.status]++;
        if (r.status == kRunRunning) live.push_back(r.id);
      }
    for (int64_t id : run_mark_stale_killed(store, live, opt.stale_after_s, store_now()))
      log << fmt::format("run {}: no heartbeat for {:.0f} s: KILLED (rerun on relaunch)\n", id, opt.stale_after_s);
    std::string line = fmt::format("finished {}, failed {}, killed {}, running {}, pending {}", by[kRunFinished],
                                   by[kRunFailed], by[kRunKilled], by[kRunRunning], by[kRunScheduled]);
    if (line != last) {
      log << fmt::format("[{}/{}] {} | elapsed {}\n", by[kRunFinished] + by[kRunFailed], submitted.size(), line,
                         hms(elapsed()))
          << std::flush;
      last = line;
    }
    bool open = by[kRunRunning] + by[kRunScheduled] > 0;
    if (running == 0 || (running < 0 && !open)) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(so.poll_s));
  }
  // The arrays are gone: a run still RUNNING lost its task without a record.
  for (const auto& r : store.runs_list({spec.name, "", {}}))
    if (ids.count(r.id) && r.status == kRunRunning)
      run_kill(store, r.id, "its Slurm task ended without recording an outcome");
  by.clear();
  for (const auto& r : store.runs_list({spec.name, "", {}}))
    if (ids.count(r.id)) by[r.status]++;
  sum.finished = by[kRunFinished];
  sum.failed += by[kRunFailed];
  sum.killed = by[kRunKilled] + by[kRunRunning] + by[kRunScheduled];
  sum.seconds = elapsed();
  log << fmt::format("sweep '{}' done on Slurm: {} jobs: {} finished ({} before, {} now), {} failed, {} killed or "
                     "not run in {}\n",
                     spec.name, sum.total, sum.skipped_finished + sum.finished, sum.skipped_finished, sum.finished,
                     sum.failed, sum.killed, hms(sum.seconds));
  if (sum.killed) log << "killed jobs are resubmitted when the same command is run again\n";
  return sum;
}

}  // namespace swepo
