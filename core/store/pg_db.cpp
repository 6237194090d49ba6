// The PostgreSQL backend of core/store/db.h, over libpq: `?` placeholders become $1, $2, ...;
// parameters travel as text with their type (int8, float8; text left for the server to infer);
// results are read whole (PQexecParams) and returned row by row.
#include <libpq-fe.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/store/db.h"
#include "core/store/db_backend.h"
#include "core/store/store_url.h"
#include "core/util/error.h"

namespace swepo {
namespace {

constexpr Oid kInt8 = 20, kFloat8 = 701, kUnknown = 0;

std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// `?` -> `$n` outside quoted literals and identifiers; counts the parameters.
std::string number_placeholders(const std::string& sql, int* n) {
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  *n = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += "$" + std::to_string(++*n);
    } else {
      out += c;
    }
  }
  return out;
}

class PgDb;

class PgStmt : public StmtBackend {
 public:
  PgStmt(PgDb& db, const std::string& sql);
  ~PgStmt() override { clear(); }

  void bind_int64(int i, int64_t v) override { set(i, std::to_string(v), kInt8); }
  void bind_double(int i, double v) override {
    if (std::isnan(v)) return set(i, "NaN", kFloat8);
    if (std::isinf(v)) return set(i, v > 0 ? "Infinity" : "-Infinity", kFloat8);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    set(i, buf, kFloat8);
  }
  void bind_text(int i, const std::string& v) override { set(i, v, kUnknown); }
  void bind_null(int i) override {
    check_index(i);
    vals_[i - 1].reset();
    types_[i - 1] = kUnknown;
  }

  bool step() override;
  void done() override { clear(); }
  void reset() override {
    clear();
    for (auto& v : vals_) v.reset();
    for (auto& t : types_) t = kUnknown;
  }
  int columns() const override { return res_ ? PQnfields(res_) : 0; }
  bool is_null(int col) const override { return !res_ || PQgetisnull(res_, row_, col); }
  int64_t int64(int col) const override {
    if (is_null(col)) return 0;
    const char* v = PQgetvalue(res_, row_, col);
    char* end = nullptr;
    long long x = std::strtoll(v, &end, 10);
    if (end && *end) return static_cast<int64_t>(std::strtod(v, nullptr));  // a REAL read as an integer
    return x;
  }
  double real(int col) const override { return is_null(col) ? 0.0 : std::strtod(PQgetvalue(res_, row_, col), nullptr); }
  std::string text(int col) const override {
    if (is_null(col)) return "";
    return std::string(PQgetvalue(res_, row_, col), PQgetlength(res_, row_, col));
  }

 private:
  void check_index(int i) const {
    if (i < 1 || i > static_cast<int>(vals_.size()))
      throw StoreError("bind: parameter " + std::to_string(i) + " out of range (in: " + sql_.substr(0, 80) + ")");
  }
  void set(int i, const std::string& v, Oid t) {
    check_index(i);
    vals_[i - 1] = v;
    types_[i - 1] = t;
  }
  void clear() {
    if (res_) PQclear(res_);
    res_ = nullptr;
    executed_ = false;
    row_ = -1;
  }
  PgDb& db_;
  std::string sql_, pg_sql_;
  std::vector<std::optional<std::string>> vals_;
  std::vector<Oid> types_;
  PGresult* res_ = nullptr;
  bool executed_ = false;
  int row_ = -1, rows_ = 0;
};

class PgDb : public DbBackend {
 public:
  explicit PgDb(const std::string& url) : url_(url) {
    conn_ = PQconnectdb(url.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
      PQfinish(conn_);
      conn_ = nullptr;
      throw UserError("cannot connect to the results database '" + store_redact(url) + "': " + msg);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    exec("SET client_min_messages = warning");
  }
  ~PgDb() override { PQfinish(conn_); }

  void exec(const std::string& sql) override {
    PGresult* r = PQexec(conn_, sql.c_str());
    check(r, sql);
    changes_ = std::atoi(PQcmdTuples(r));
    PQclear(r);
  }
  std::unique_ptr<StmtBackend> prepare(const std::string& sql) override {
    return std::make_unique<PgStmt>(*this, sql);
  }
  int64_t last_insert_id() override {
    PGresult* r = PQexec(conn_, "SELECT lastval()");
    check(r, "SELECT lastval()");
    int64_t id = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
    PQclear(r);
    return id;
  }
  int changes() const override { return changes_; }
  void begin_write() override { exec("BEGIN"); }

  // Throws StoreError (and frees `r`) unless `r` succeeded.
  void check(PGresult* r, const std::string& sql) const {
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
    std::string msg = r ? trimmed(PQresultErrorMessage(r)) : trimmed(PQerrorMessage(conn_));
    const char* code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    if (code) msg += std::string(" [SQLSTATE ") + code + "]";
    if (r) PQclear(r);
    throw StoreError("database '" + store_redact(url_) + "': " + msg + " (in: " + sql.substr(0, 80) + ")");
  }
  PGconn* conn() const { return conn_; }
  void set_changes(int n) { changes_ = n; }

 private:
  PGconn* conn_ = nullptr;
  std::string url_;
  int changes_ = 0;
};

PgStmt::PgStmt(PgDb& db, const std::string& sql) : db_(db), sql_(sql) {
  int n = 0;
  pg_sql_ = number_placeholders(sql, &n);
  vals_.resize(n);
  types_.assign(n, kUnknown);
}

bool PgStmt::step() {
  if (!executed_) {
    std::vector<const char*> values(vals_.size());
    for (size_t i = 0; i < vals_.size(); ++i) values[i] = vals_[i] ? vals_[i]->c_str() : nullptr;
    PGresult* r = PQexecParams(db_.conn(), pg_sql_.c_str(), static_cast<int>(vals_.size()), types_.data(),
                               values.data(), nullptr, nullptr, 0);
    db_.check(r, sql_);
    res_ = r;
    executed_ = true;
    rows_ = PQntuples(r);
    row_ = -1;
    db_.set_changes(std::atoi(PQcmdTuples(r)));
  }
  if (row_ + 1 < rows_) {
    ++row_;
    return true;
  }
  row_ = rows_;
  return false;
}

}  // namespace

std::unique_ptr<DbBackend> pg_backend_open(const std::string& url) { return std::make_unique<PgDb>(url); }

}  // namespace swepo
