#include "core/store/store_schema.h"

namespace swepo {

// Times are Unix seconds (REAL); the views show them as ISO text. Status lifecycle:
// SCHEDULED -> RUNNING -> FINISHED | FAILED | KILLED (a rerun goes back to RUNNING).
const std::vector<StoreMigration>& store_migrations() {
  static const std::vector<StoreMigration> table = {
      {1, "sweeps, runs, params, metrics, evals, artifacts", R"SQL(
CREATE TABLE sweeps (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  spec        TEXT NOT NULL,            -- the sweep file's text
  created     REAL NOT NULL,
  updated     REAL NOT NULL
);
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  sweep_id      INTEGER REFERENCES sweeps(id),   -- the sweep that created the run
  job           INTEGER,                         -- its job number in that sweep
  config        TEXT NOT NULL,                   -- resolved config, YAML
  overrides     TEXT NOT NULL,                   -- JSON array of override strings
  config_hash   TEXT NOT NULL,                   -- hash of the resolved config without the seed
  seed          INTEGER NOT NULL,
  status        TEXT NOT NULL DEFAULT 'SCHEDULED'
                CHECK (status IN ('SCHEDULED','RUNNING','FINISHED','FAILED','KILLED')),
  created       REAL NOT NULL,
  started       REAL,
  ended         REAL,
  heartbeat     REAL,
  error         TEXT,
  git_commit    TEXT,
  git_dirty     INTEGER,                         -- 1 dirty, 0 clean, NULL unknown
  host          TEXT,
  device        TEXT,
  torch_version TEXT,
  UNIQUE (config_hash, seed)
);
CREATE INDEX runs_by_sweep ON runs(sweep_id, job);
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE params (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,                          -- dotted key of the resolved config
  value,                                         -- INTEGER, REAL or TEXT as the YAML scalar reads
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX params_by_key ON params(key, value);
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  step   INTEGER NOT NULL,
  value  REAL,
  time   REAL NOT NULL,
  PRIMARY KEY (run_id, key, step)
) WITHOUT ROWID;
CREATE TABLE evals (
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  suite    TEXT NOT NULL,
  metric   TEXT NOT NULL,
  value    REAL,
  stderr   REAL,
  n        INTEGER,
  decoding TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, suite, metric, decoding)
);
CREATE TABLE artifacts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind   TEXT NOT NULL,
  path   TEXT NOT NULL,
  sha256 TEXT,
  PRIMARY KEY (run_id, kind, path)
);
)SQL"},
      {2, "runner bookkeeping, sweep membership, group choices, immutable params, views", R"SQL(
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sweep_jobs (                        -- a run can belong to several sweeps
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  job      INTEGER NOT NULL,
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  PRIMARY KEY (sweep_id, job)
) WITHOUT ROWID;
INSERT INTO sweep_jobs (sweep_id, job, run_id)
  SELECT sweep_id, job, id FROM runs WHERE sweep_id IS NOT NULL AND job IS NOT NULL;
UPDATE runs SET attempts = 1 WHERE started IS NOT NULL;
CREATE TABLE run_choices (                       -- the option chosen in each config group
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  grp    TEXT NOT NULL,
  option TEXT NOT NULL,
  PRIMARY KEY (run_id, grp)
) WITHOUT ROWID;
CREATE TRIGGER params_immutable BEFORE UPDATE ON params
  BEGIN SELECT RAISE(ABORT, 'params are immutable'); END;

CREATE VIEW final_metrics AS                     -- last logged value of each metric of each run
  SELECT m.run_id, m.key, m.step, m.value FROM metrics m
  WHERE m.step = (SELECT MAX(step) FROM metrics x WHERE x.run_id = m.run_id AND x.key = m.key);
CREATE VIEW run_overview AS                      -- one row per run with its key params
  SELECT r.id AS run_id, s.name AS sweep, r.job, r.status, r.seed,
    (SELECT option FROM run_choices c WHERE c.run_id = r.id AND c.grp = 'model') AS model,
    (SELECT option FROM run_choices c WHERE c.run_id = r.id AND c.grp = 'data') AS data,
    (SELECT option FROM run_choices c WHERE c.run_id = r.id AND c.grp = 'loss') AS loss,
    (SELECT option FROM run_choices c WHERE c.run_id = r.id AND c.grp = 'trainer') AS trainer,
    (SELECT option FROM run_choices c WHERE c.run_id = r.id AND c.grp = 'eval') AS eval,
    (SELECT MAX(step) FROM metrics m WHERE m.run_id = r.id) AS last_step,
    (SELECT COUNT(*) FROM evals e WHERE e.run_id = r.id) AS n_evals,
    r.overrides, r.config_hash,
    datetime(r.started, 'unixepoch') AS started, r.ended - r.started AS seconds,
    r.attempts, r.git_commit, r.git_dirty, r.host, r.device, r.error
  FROM runs r LEFT JOIN sweeps s ON s.id = r.sweep_id;
CREATE VIEW run_final_metrics AS                 -- one row per run and metric: its final value
  SELECT o.run_id, o.sweep, o.status, o.seed, o.model, o.data, o.loss, f.key, f.step, f.value
  FROM run_overview o JOIN final_metrics f ON f.run_id = o.run_id;
CREATE VIEW run_evals AS                         -- one row per run and eval result
  SELECT o.run_id, o.sweep, o.status, o.seed, o.model, o.data, o.loss,
         e.suite, e.metric, e.decoding, e.value, e.stderr, e.n
  FROM run_overview o JOIN evals e ON e.run_id = o.run_id;
CREATE VIEW eval_over_seeds AS                   -- finished runs of one config, across seeds
  SELECT r.config_hash, MIN(o.sweep) AS sweep, o.model, o.data, o.loss,
         e.suite, e.metric, e.decoding, COUNT(*) AS n_seeds, AVG(e.value) AS mean,
         MIN(e.value) AS min, MAX(e.value) AS max, group_concat(r.seed, ',') AS seeds
  FROM runs r JOIN run_overview o ON o.run_id = r.id JOIN evals e ON e.run_id = r.id
  WHERE r.status = 'FINISHED'
  GROUP BY r.config_hash, e.suite, e.metric, e.decoding;
)SQL"},
  };
  return table;
}

int store_schema_latest() { return store_migrations().back().version; }

int store_schema_version(Db& db) {
  Stmt has(db, "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='schema_version'");
  has.step();
  if (has.int64(0) == 0) return 0;
  Stmt v(db, "SELECT MAX(version) FROM schema_version");
  if (!v.step() || v.is_null(0)) return 0;
  return static_cast<int>(v.int64(0));
}

void store_migrate(Db& db, int target) {
  const int latest = store_schema_latest();
  if (target < 0) target = latest;
  // Fast path without the write lock: most opens find the schema current.
  if (store_schema_version(db) == target) return;
  WriteTxn txn(db);  // serialises concurrent openers: only one migrates
  int version = store_schema_version(db);
  if (version > latest)
    throw StoreError("database '" + db.path() + "' has schema version " + std::to_string(version) +
                     ", newer than this swepo understands (" + std::to_string(latest) +
                     "); use a newer swepo");
  if (version == 0) db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
  for (const auto& m : store_migrations()) {
    if (m.version <= version || m.version > target) continue;
    db.exec(m.sql);
    db.exec("DELETE FROM schema_version; INSERT INTO schema_version VALUES (" +
            std::to_string(m.version) + ")");
  }
  txn.commit();
}

}  // namespace swepo
