// Db, Stmt and WriteTxn: the backend-neutral front of core/store/db.h.
#include "core/store/db.h"

#include "core/store/db_backend.h"
#include "core/store/store_url.h"

namespace swepo {

Db::Db(const std::string& location, bool read_only, int busy_timeout_ms)
    : path_(location), dialect_(store_is_url(location) ? StoreDialect::Postgres : StoreDialect::Sqlite) {
  impl_ = postgres() ? pg_backend_open(location) : sqlite_backend_open(location, read_only, busy_timeout_ms);
}
Db::~Db() = default;

void Db::exec(const std::string& sql) { impl_->exec(sql); }
int64_t Db::last_insert_id() { return impl_->last_insert_id(); }
int Db::changes() const { return impl_->changes(); }

Stmt::Stmt(Db& db, const std::string& sql) : impl_(db.backend().prepare(sql)) {}
Stmt::~Stmt() = default;

Stmt& Stmt::bind(int i, int64_t v) {
  impl_->bind_int64(i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  impl_->bind_double(i, v);
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  impl_->bind_text(i, v);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  impl_->bind_null(i);
  return *this;
}

bool Stmt::step() { return impl_->step(); }
void Stmt::run() {
  while (step()) {
  }
  impl_->done();
}
void Stmt::reset() { impl_->reset(); }

int Stmt::columns() const { return impl_->columns(); }
bool Stmt::is_null(int col) const { return impl_->is_null(col); }
int64_t Stmt::int64(int col) const { return impl_->int64(col); }
double Stmt::real(int col) const { return impl_->real(col); }
std::string Stmt::text(int col) const { return impl_->text(col); }
std::optional<int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}
std::optional<double> Stmt::opt_real(int col) const {
  if (is_null(col)) return std::nullopt;
  return real(col);
}
std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

WriteTxn::WriteTxn(Db& db) : db_(db) { db_.backend().begin_write(); }
WriteTxn::~WriteTxn() {
  if (done_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (...) {
  }
}
void WriteTxn::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

const char* store_lock_clause(const Db& db) { return db.postgres() ? " FOR UPDATE" : ""; }

}  // namespace swepo
