// The run lifecycle in the results store. Who calls what:
//
//   sweep runner (parent)                      job (`swepo run --db PATH --run-id ID ...`, child)
//   ---------------------                      ----------------------------------------------------
//   id = run_register(store, spec)  SCHEDULED
//   run_launch(store, id, pid, dev) RUNNING    run_start(store, id, provenance_collect(dev, torch))
//   run_heartbeat_many(...)  periodically      MetricsWriter w(store, id); w.log(step, {...});
//                                              run_finish(store, id, evals, artifacts)  FINISHED
//   on crash: run_fail(store, id, why) FAILED  on error: run_fail(store, id, what)       FAILED
//   on Ctrl-C: run_kill(store, id, why) KILLED
//
// A standalone `swepo run` (no runner) calls run_register() then run_start() itself. Launchers
// that do not fork the job (a Slurm array task) claim the run first (store_claim.h: run_claim);
// the job's run_start then finds it RUNNING, as after run_launch.
// Every function is one transaction; run_finish() commits the evals, artifacts and FINISHED status
// together, so a run is either finished with all its results or not finished at all.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/store/provenance.h"
#include "core/store/store.h"

namespace swepo {

// Inserts the run as SCHEDULED with its params and group choices, or returns the existing run
// with the same (config hash, seed) untouched (a sweep is idempotent). Returns the run id.
int64_t run_register(Store& store, const RunSpec& spec);

// Runner: the job process `pid` was started for run `id`: RUNNING, attempts + 1, heartbeat now;
// clears a previous attempt's evals and artifacts, and its metrics unless that attempt was KILLED
// or died RUNNING (its relaunch resumes from the checkpoint; see run_claim).
void run_launch(Store& store, int64_t id, int64_t pid, const std::string& device, const Provenance& prov);
// Runner: records the job's process id once it is spawned (run_launch ran before the fork).
void run_set_pid(Store& store, int64_t id, int64_t pid);

// Job: the run begins. Accepts SCHEDULED, RUNNING (launched by the runner), KILLED and FAILED
// (a rerun); throws StoreError for a FINISHED or unknown run. Records provenance, clears a
// previous attempt's results when the run was not launched by a runner.
void run_start(Store& store, int64_t id, const Provenance& prov);

void run_heartbeat(Store& store, int64_t id);
void run_heartbeat_many(Store& store, const std::vector<int64_t>& ids);

// One step's metrics in one transaction. For many steps prefer MetricsWriter.
void run_log_metrics(Store& store, int64_t id, int64_t step, const std::map<std::string, double>& values);

// Batched metric writer: buffers rows and writes them in one transaction every `batch_rows` rows
// or `flush_seconds` seconds (whichever comes first), on flush() and on destruction. Each flush
// also refreshes the run's heartbeat. (step, key) pairs logged twice keep the last value.
class MetricsWriter {
 public:
  MetricsWriter(Store& store, int64_t run_id, size_t batch_rows = 512, double flush_seconds = 5.0);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  void log(int64_t step, const std::string& key, double value);
  void log(int64_t step, const std::map<std::string, double>& values);
  void flush();
  size_t pending() const { return rows_.size(); }

 private:
  struct Row {
    int64_t step;
    std::string key;
    double value, time;
  };
  void maybe_flush();
  Store& store_;
  int64_t run_;
  size_t batch_rows_;
  double flush_seconds_, last_flush_;
  std::vector<Row> rows_;
};

// Job: evals + artifacts + FINISHED in one transaction. Throws StoreError unless the run is
// RUNNING (e.g. the runner marked it KILLED meanwhile).
void run_finish(Store& store, int64_t id, const std::vector<EvalRow>& evals,
                const std::vector<ArtifactRow>& artifacts = {});

// FAILED with `error`, unless the run is already FINISHED (then nothing changes; returns false).
bool run_fail(Store& store, int64_t id, const std::string& error);
// KILLED with `reason`, unless FINISHED or FAILED (returns false then).
bool run_kill(Store& store, int64_t id, const std::string& reason);

// Adds artifact rows (an upsert) to a run in any state, e.g. the runner's log files.
void run_add_artifacts(Store& store, int64_t id, const std::vector<ArtifactRow>& artifacts);

// Upserts eval rows (key: suite, metric, decoding) into a run in any state, in one transaction, e.g.
// the verdicts `swepo import-eval` reads back. StoreError for an unknown run.
void run_put_evals(Store& store, int64_t id, const std::vector<EvalRow>& evals);

}  // namespace swepo
