// The SQLite backend of core/store/db.h: WAL, busy timeout, BEGIN IMMEDIATE (see db.h).
#include <sqlite3.h>

#include "core/store/db.h"
#include "core/store/db_backend.h"
#include "core/util/error.h"

namespace swepo {
namespace {

// A damaged file (SQLITE_CORRUPT: a b-tree page that does not parse; SQLITE_NOTADB: not a database
// at all) is bad input, not a transient store failure: a UserError (exit 2) that names the file and
// says what to do. SQLite keeps no per-page checksums, so damage that still parses (a flipped bit in
// a stored value) cannot be seen by any reader; `PRAGMA integrity_check` finds structural damage.
void throw_if_damaged(sqlite3* db, const std::string& path, const std::string& msg) {
  const int code = db ? (sqlite3_extended_errcode(db) & 0xff) : SQLITE_OK;
  if (code != SQLITE_CORRUPT && code != SQLITE_NOTADB) return;
  throw UserError("database '" + path + "' is damaged (" + msg +
                  "); swepo will not write to it. Restore it from a backup, or copy out what is readable: "
                  "sqlite3 '" + path + "' .recover | sqlite3 recovered.db");
}

class SqliteStmt : public StmtBackend {
 public:
  SqliteStmt(sqlite3* db, const std::string& path, const std::string& sql) : db_(db), path_(path), sql_(sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      fail("cannot prepare '" + sql + "'");
  }
  ~SqliteStmt() override { sqlite3_finalize(st_); }

  void bind_int64(int i, int64_t v) override { check(sqlite3_bind_int64(st_, i, v)); }
  void bind_double(int i, double v) override { check(sqlite3_bind_double(st_, i, v)); }
  void bind_text(int i, const std::string& v) override {
    check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind_null(int i) override { check(sqlite3_bind_null(st_, i)); }

  bool step() override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_reset(st_);
    throw_if_damaged(db_, path_, msg);
    throw StoreError("database '" + path_ + "': " + msg + " (in: " + sql_.substr(0, 80) + ")");
  }
  void done() override { sqlite3_reset(st_); }
  void reset() override {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  int columns() const override { return sqlite3_column_count(st_); }
  bool is_null(int col) const override { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int64_t int64(int col) const override { return sqlite3_column_int64(st_, col); }
  double real(int col) const override { return sqlite3_column_double(st_, col); }
  std::string text(int col) const override {
    const unsigned char* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : "";
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw StoreError(what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  void check(int rc) const {
    if (rc != SQLITE_OK) fail("bind");
  }
  sqlite3* db_;
  std::string path_, sql_;
  sqlite3_stmt* st_ = nullptr;
};

class SqliteDb : public DbBackend {
 public:
  SqliteDb(const std::string& path, bool read_only, int busy_timeout_ms) : path_(path) {
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw StoreError("cannot open database '" + path + "': " + msg);
    }
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    try {
      if (!read_only) exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");  // durable at each WAL checkpoint; safe against crashes
      exec("PRAGMA foreign_keys=ON");
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }
  ~SqliteDb() override { sqlite3_close(db_); }

  void exec(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw_if_damaged(db_, path_, msg);
      throw StoreError("database '" + path_ + "': " + msg + " (in: " + sql.substr(0, 80) + ")");
    }
  }
  std::unique_ptr<StmtBackend> prepare(const std::string& sql) override {
    return std::make_unique<SqliteStmt>(db_, path_, sql);
  }
  int64_t last_insert_id() override { return sqlite3_last_insert_rowid(db_); }
  int changes() const override { return sqlite3_changes(db_); }
  void begin_write() override { exec("BEGIN IMMEDIATE"); }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace

std::unique_ptr<DbBackend> sqlite_backend_open(const std::string& path, bool read_only, int busy_timeout_ms) {
  return std::make_unique<SqliteDb>(path, read_only, busy_timeout_ms);
}

}  // namespace swepo
