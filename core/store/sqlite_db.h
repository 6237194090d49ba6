// A thin RAII layer over the SQLite3 C API: one connection (Db), prepared statements (Stmt) and
// write transactions (WriteTxn). Everything that fails throws StoreError with SQLite's message.
//
// Concurrency contract (several processes share one database file):
//   - WAL journal, so readers never block the writer and vice versa;
//   - a busy timeout, so a writer waits for another writer instead of failing;
//   - every write transaction starts with BEGIN IMMEDIATE: it takes the write lock up front, so a
//     transaction never has to upgrade a read snapshot to a write lock (the one case in which the
//     busy handler cannot help and SQLite returns "database is locked" at once).
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace swepo {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Db {
 public:
  // Opens (creating if needed, unless read_only) the database at `path`; sets WAL, the busy
  // timeout and foreign keys.
  explicit Db(const std::string& path, bool read_only = false, int busy_timeout_ms = 60000);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql);                 // one or more statements, no results
  int64_t last_insert_id() const;
  int changes() const;                               // rows changed by the last statement
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
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

  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;   // "" for NULL
  std::optional<int64_t> opt_int64(int col) const;
  std::optional<double> opt_real(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  Db& db_;
  sqlite3_stmt* st_ = nullptr;
  std::string sql_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless commit() was called.
class WriteTxn {
 public:
  explicit WriteTxn(Db& db);
  ~WriteTxn();
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace swepo
