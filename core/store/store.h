// The results store: sweeps, runs and their params, metric history, evals and artifacts, in SQLite
// (a path; default ./swepo.db) or PostgreSQL (a URL postgresql://user@host:port/dbname; see
// core/store/db.h). One Store is one connection; open one per process (the runner and each job
// open their own). Schema: core/store/store_schema.cpp. The run lifecycle (what a job
// calls) is in core/store/store_run.h; whole-store reads (report, plot) in core/store/store_query.h.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store/db.h"

namespace swepo {

// The default store: swepo.db in the working directory (never the committed results/swepo.db,
// which the reproduction names with --db).
inline constexpr const char* kStoreDefaultPath = "swepo.db";

// Run statuses, as stored in runs.status.
inline constexpr const char* kRunScheduled = "SCHEDULED";
inline constexpr const char* kRunRunning = "RUNNING";
inline constexpr const char* kRunFinished = "FINISHED";
inline constexpr const char* kRunFailed = "FAILED";
inline constexpr const char* kRunKilled = "KILLED";

double store_now();  // Unix time in seconds, sub-second resolution

// Binds a config scalar's text as INTEGER or REAL when it reads as a number, else as TEXT, so
// params compare numerically in SQL (1e-3 = 0.001) and `--where key=value` matches them.
void store_bind_scalar(Stmt& s, int i, const std::string& text);

// A config scalar as the store keeps it: its text as SQLite prints the typed value ("1e-3" ->
// "0.001", "100" -> "100", "1" -> "1", "1.0" -> "1.0") and its number (nullopt for text).
struct StoreScalar {
  std::string text;
  std::optional<double> num;
};
StoreScalar store_scalar(const std::string& text);

// What identifies and describes a run before it starts (written once, immutable afterwards).
struct RunSpec {
  std::optional<int64_t> sweep_id;                        // the sweep creating it, if any
  std::optional<int64_t> job;                             // its job number in that sweep
  std::string config_yaml;                                // resolved config
  std::vector<std::string> overrides;
  std::string config_hash;                                // without the seed
  int64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> params;  // flattened config (dotted, scalar)
  std::map<std::string, std::string> choices;             // config group -> chosen option
};

struct RunRow {
  int64_t id = 0;
  std::optional<int64_t> sweep_id, job;
  std::string sweep;  // name of the creating sweep, "" if none
  std::string config_yaml;
  std::vector<std::string> overrides;
  std::string config_hash;
  int64_t seed = 0;
  std::string status;
  double created = 0;
  std::optional<double> started, ended, heartbeat;
  std::string error;
  std::string git_commit;
  std::optional<int64_t> git_dirty;
  std::string host, device, torch_version;
  std::optional<int64_t> pid;
  int64_t attempts = 0;
  std::string launcher;  // who runs the latest attempt: "local", "slurm JOB_TASK"; "" unknown
};

struct SweepRow {
  int64_t id = 0;
  std::string name, description, spec;
  double created = 0, updated = 0;
};

// Filters for runs_list(); empty fields do not filter.
struct RunFilter {
  std::string sweep;                                        // runs that are jobs of this sweep
  std::string status;
  std::vector<std::pair<std::string, std::string>> where;  // param key = value
};

struct MetricSummary {
  std::string key;
  int64_t count = 0;
  int64_t first_step = 0, last_step = 0;
  double first = 0, last = 0, min = 0, max = 0;
};

struct EvalRow {
  std::string suite, metric;
  double value = 0;
  std::optional<double> stderr_;  // standard error of `value`, if known
  std::optional<int64_t> n;       // number of examples
  std::string decoding;           // e.g. "greedy", "t=0.7,seed=1"; "" when not applicable
};

struct ArtifactRow {
  std::string kind, path, sha256;  // sha256 "" when not computed
};

class Store {
 public:
  // Opens or creates the database (and its directory; a PostgreSQL URL names an existing
  // database) and migrates it to the latest schema.
  explicit Store(const std::string& path = kStoreDefaultPath);
  // Opens an existing database read-only; throws UserError if it does not exist. A database with
  // an older schema is migrated first (opened read-write once). PostgreSQL: a normal connection.
  static Store open_read_only(const std::string& path);

  // The raw connection: for core/store's own code and for tests only. Everything above
  // core/store uses the named queries (here, store_query.h, store_run.h): no SQL outside it.
  Db& db() { return *db_; }
  const std::string& path() const { return path_; }  // the path or URL as given
  bool postgres() const { return db_->postgres(); }
  // The store's own id: 16 hex digits drawn when the database was made (schema 4, store_info),
  // different for a second store in the same folder or a deleted and remade one. Runs' output
  // folders are keyed by it (<output_dir>/run<ID>-<uid>), so two stores never share a folder.
  std::string uid();

  // ---- sweeps
  std::optional<SweepRow> sweep_find(const std::string& name);
  // Inserts the sweep or updates its description and spec; returns its id.
  int64_t sweep_upsert(const std::string& name, const std::string& description, const std::string& spec);
  std::vector<std::pair<int64_t, int64_t>> sweep_jobs(int64_t sweep_id);  // (job, run id) by job
  // Replaces the sweep's job -> run mapping (one transaction).
  void sweep_set_jobs(int64_t sweep_id, const std::vector<std::pair<int64_t, int64_t>>& jobs);

  // ---- runs
  std::optional<RunRow> run_get(int64_t id);
  std::optional<RunRow> run_find(const std::string& config_hash, int64_t seed);
  std::vector<RunRow> runs_list(const RunFilter& filter = {});
  std::vector<std::pair<std::string, std::string>> run_params(int64_t id);  // as text, by key
  std::map<std::string, std::string> run_choices(int64_t id);
  std::vector<MetricSummary> run_metric_summary(int64_t id);
  std::vector<std::pair<int64_t, double>> run_metric_history(int64_t id, const std::string& key);
  std::vector<EvalRow> run_evals(int64_t id);
  std::vector<ArtifactRow> run_artifacts(int64_t id);

 private:
  Store(const std::string& path, bool read_only);
  std::shared_ptr<Db> db_;
  std::string path_;
};

}  // namespace swepo
