// The results store's connection layer, one API over two backends: SQLite (a file path, the
// embedded default) and PostgreSQL (a URL postgresql://user@host:port/dbname, through libpq).
// Db is one connection, Stmt a statement with `?` placeholders (rewritten to $1, $2, ... for
// PostgreSQL), WriteTxn a write transaction. Everything that fails throws StoreError with the
// backend's message. SQL that differs between the dialects is chosen with db.dialect() inside
// core/store only (store_schema.cpp, store.cpp, store_run.cpp, store_copy.cpp).
//
// Concurrency contract (several processes share one database):
//   SQLite: WAL journal (readers never block the writer), a busy timeout (a writer waits for
//     another writer instead of failing), and BEGIN IMMEDIATE for every write transaction (the
//     write lock is taken up front, so a transaction never upgrades a read snapshot to a write
//     lock, the one case the busy handler cannot help): write transactions are serial.
//   PostgreSQL: READ COMMITTED; write transactions run concurrently, and the read-modify-write
//     ones lock the rows they decide on (SELECT ... FOR UPDATE, see store_lock_clause()) or
//     decide in one conditional UPDATE / INSERT ... ON CONFLICT, so they serialise per run.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace swepo {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class StoreDialect { Sqlite, Postgres };

struct DbBackend;    // core/store/db_backend.h
struct StmtBackend;

class Db {
 public:
  // Opens `location`: a postgresql:// (or postgres://) URL, else an SQLite file path (created if
  // needed unless read_only; WAL, busy timeout, foreign keys). A PostgreSQL server that cannot be
  // reached is a UserError naming the URL (password hidden).
  explicit Db(const std::string& location, bool read_only = false, int busy_timeout_ms = 60000);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql);  // one or more statements, results ignored
  int64_t last_insert_id();           // SQLite: last rowid; PostgreSQL: lastval()
  int changes() const;                // rows changed by the last statement
  const std::string& path() const { return path_; }  // the location as given
  StoreDialect dialect() const { return dialect_; }
  bool postgres() const { return dialect_ == StoreDialect::Postgres; }
  DbBackend& backend() { return *impl_; }

 private:
  std::unique_ptr<DbBackend> impl_;
  std::string path_;
  StoreDialect dialect_;
};

class Stmt {
 public:
  Stmt(Db& db, const std::string& sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binding is 1-based like SQLite's; each returns *this so calls chain.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind_null(int i);
  template <class T>
  Stmt& bind(int i, const std::optional<T>& v) { return v ? bind(i, *v) : bind_null(i); }

  bool step();       // true: a row is available; false: done
  void run();        // step() to completion, for statements without results
  void reset();      // rewind and clear bindings, for reuse in a loop

  int columns() const;
  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;   // "" for NULL
  std::optional<int64_t> opt_int64(int col) const;
  std::optional<double> opt_real(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  std::unique_ptr<StmtBackend> impl_;
};

// A write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN) ... COMMIT; rolls back in the
// destructor unless commit() was called.
class WriteTxn {
 public:
  explicit WriteTxn(Db& db);
  ~WriteTxn();
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

// " FOR UPDATE" on PostgreSQL (lock the selected rows until the transaction ends), "" on SQLite
// (whose write transactions already hold the database's write lock).
const char* store_lock_clause(const Db& db);

}  // namespace swepo
