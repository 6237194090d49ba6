// The two backends behind core/store/db.h (internal to core/store): a connection (DbBackend) and
// a statement (StmtBackend). sqlite_db.cpp and pg_db.cpp implement them; db.cpp forwards Db,
// Stmt and WriteTxn to them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace swepo {

struct StmtBackend {
  virtual ~StmtBackend() = default;
  virtual void bind_int64(int i, int64_t v) = 0;
  virtual void bind_double(int i, double v) = 0;
  virtual void bind_text(int i, const std::string& v) = 0;
  virtual void bind_null(int i) = 0;
  virtual bool step() = 0;
  virtual void done() = 0;   // the statement ran to completion (run())
  virtual void reset() = 0;  // rewind and clear bindings
  virtual int columns() const = 0;
  virtual bool is_null(int col) const = 0;
  virtual int64_t int64(int col) const = 0;
  virtual double real(int col) const = 0;
  virtual std::string text(int col) const = 0;
};

struct DbBackend {
  virtual ~DbBackend() = default;
  virtual void exec(const std::string& sql) = 0;
  virtual std::unique_ptr<StmtBackend> prepare(const std::string& sql) = 0;
  virtual int64_t last_insert_id() = 0;
  virtual int changes() const = 0;
  virtual void begin_write() = 0;
};

std::unique_ptr<DbBackend> sqlite_backend_open(const std::string& path, bool read_only, int busy_timeout_ms);
std::unique_ptr<DbBackend> pg_backend_open(const std::string& url);

}  // namespace swepo
