#include "core/store/store_copy.h"

#include <cstdio>
#include <optional>

#include "core/store/store.h"
#include "core/store/store_url.h"
#include "core/util/error.h"
#include "core/util/hash.h"

namespace swepo {
namespace {

// A table's columns and their types: i integer, r real, t text; the tables in foreign-key order.
struct TableSpec {
  const char* name;
  std::vector<std::pair<const char*, char>> cols;
};

const std::vector<TableSpec>& copy_tables() {
  static const std::vector<TableSpec> t = {
      {"sweeps", {{"id", 'i'}, {"name", 't'}, {"description", 't'}, {"spec", 't'}, {"created", 'r'}, {"updated", 'r'}}},
      {"runs", {{"id", 'i'}, {"sweep_id", 'i'}, {"job", 'i'}, {"config", 't'}, {"overrides", 't'},
                {"config_hash", 't'}, {"seed", 'i'}, {"status", 't'}, {"created", 'r'}, {"started", 'r'},
                {"ended", 'r'}, {"heartbeat", 'r'}, {"error", 't'}, {"git_commit", 't'}, {"git_dirty", 'i'},
                {"host", 't'}, {"device", 't'}, {"torch_version", 't'}, {"pid", 'i'}, {"attempts", 'i'},
                {"launcher", 't'}}},
      {"params", {{"run_id", 'i'}, {"key", 't'}, {"value", 't'}, {"num", 'r'}}},  // see param_select()
      {"run_choices", {{"run_id", 'i'}, {"grp", 't'}, {"option", 't'}}},
      {"sweep_jobs", {{"sweep_id", 'i'}, {"job", 'i'}, {"run_id", 'i'}}},
      {"metrics", {{"run_id", 'i'}, {"key", 't'}, {"step", 'i'}, {"value", 'r'}, {"time", 'r'}}},
      {"evals", {{"run_id", 'i'}, {"suite", 't'}, {"metric", 't'}, {"value", 'r'}, {"stderr", 'r'}, {"n", 'i'},
                 {"decoding", 't'}}},
      {"artifacts", {{"run_id", 'i'}, {"kind", 't'}, {"path", 't'}, {"sha256", 't'}}},
      {"submissions", {{"id", 'i'}, {"sweep_id", 'i'}, {"launcher", 't'}, {"external_id", 't'}, {"script", 't'},
                       {"jobs", 't'}, {"created", 'r'}}},
  };
  return t;
}

using Value = std::optional<std::string>;  // a value in canonical text, nullopt for NULL

// SELECT of a table's columns in the neutral shape. SQLite's params keep the number in the typed
// `value`; both backends read as (run_id, key, value text, num or NULL).
std::string select_sql(const Db& db, const TableSpec& t) {
  if (std::string(t.name) == "params" && !db.postgres())
    return "SELECT run_id, key, CAST(value AS TEXT), CASE WHEN typeof(value) IN ('integer', 'real') THEN "
           "CAST(value AS REAL) END FROM params";
  std::string cols;
  for (const auto& [c, type] : t.cols) cols += (cols.empty() ? "" : ", ") + std::string(c);
  return "SELECT " + cols + " FROM " + t.name;
}

std::vector<Value> read_row(const Stmt& s, const TableSpec& t) {
  std::vector<Value> row;
  for (size_t i = 0; i < t.cols.size(); ++i) {
    int c = static_cast<int>(i);
    if (s.is_null(c)) {
      row.emplace_back();
    } else if (t.cols[i].second == 'i') {
      row.emplace_back(std::to_string(s.int64(c)));
    } else if (t.cols[i].second == 'r') {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", s.real(c));
      row.emplace_back(buf);
    } else {
      row.emplace_back(s.text(c));
    }
  }
  return row;
}

void bind_row(Stmt& s, const TableSpec& t, const std::vector<Value>& row) {
  for (size_t i = 0; i < row.size(); ++i) {
    int b = static_cast<int>(i) + 1;
    if (!row[i]) {
      s.bind_null(b);
    } else if (t.cols[i].second == 'i') {
      s.bind(b, static_cast<int64_t>(std::stoll(*row[i])));
    } else if (t.cols[i].second == 'r') {
      s.bind(b, std::strtod(row[i]->c_str(), nullptr));
    } else {
      s.bind(b, *row[i]);
    }
  }
}

std::string insert_sql(const Db& db, const TableSpec& t) {
  bool sqlite_params = std::string(t.name) == "params" && !db.postgres();
  std::string cols, qs;
  size_t n = sqlite_params ? 3 : t.cols.size();
  for (size_t i = 0; i < n; ++i) {
    cols += (i ? ", " : "") + std::string(t.cols[i].first);
    qs += i ? ", ?" : "?";
  }
  return "INSERT INTO " + std::string(t.name) + " (" + cols + ") VALUES (" + qs + ")";
}

// Sum over rows of the first 16 hex digits of SHA-256(canonical row), as 16 hex digits.
struct Checksum {
  uint64_t sum = 0;
  int64_t rows = 0;
  void add(const std::vector<Value>& row) {
    std::string canon;
    for (const auto& v : row) canon += v ? "v" + std::to_string(v->size()) + ":" + *v : std::string("N");
    sum += std::stoull(sha256_hex(canon).substr(0, 16), nullptr, 16);
    ++rows;
  }
  std::string hex() const {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(sum));
    return buf;
  }
};

Checksum table_checksum(Db& db, const TableSpec& t) {
  Checksum c;
  Stmt s(db, select_sql(db, t));
  while (s.step()) c.add(read_row(s, t));
  return c;
}

}  // namespace

bool StoreCopyReport::ok() const {
  for (const auto& t : tables)
    if (!t.ok()) return false;
  return true;
}

std::vector<StoreTableCheck> store_checksums(const std::string& location) {
  Store store = Store::open_read_only(location);
  std::vector<StoreTableCheck> out;
  for (const auto& t : copy_tables()) {
    Checksum c = table_checksum(store.db(), t);
    out.push_back({t.name, c.rows, c.rows, c.hex(), c.hex()});
  }
  return out;
}

StoreCopyReport store_copy(const std::string& from, const std::string& to) {
  if (from == to) throw UserError("store copy: --from and --to are the same database '" + store_redact(from) + "'");
  Store src = Store::open_read_only(from);
  Store dst(to);
  {
    Stmt n(dst.db(), "SELECT (SELECT COUNT(*) FROM sweeps) + (SELECT COUNT(*) FROM runs)");
    n.step();
    if (n.int64(0) > 0)
      throw UserError("store copy: the destination '" + store_redact(to) +
                      "' already holds sweeps or runs; copy into a new, empty database");
  }
  StoreCopyReport rep;
  Db& out = dst.db();
  {
    WriteTxn txn(out);
    for (const auto& t : copy_tables()) {
      bool sqlite_params = std::string(t.name) == "params" && !out.postgres();
      Stmt ins(out, insert_sql(out, t));
      Stmt sel(src.db(), select_sql(src.db(), t));
      Checksum c;
      while (sel.step()) {
        std::vector<Value> row = read_row(sel, t);
        c.add(row);
        ins.reset();
        bind_row(ins, t, sqlite_params ? std::vector<Value>(row.begin(), row.begin() + 3) : row);
        if (sqlite_params && row[3]) store_bind_scalar(ins, 3, *row[2]);  // a number: typed again
        ins.run();
      }
      rep.tables.push_back({t.name, c.rows, 0, c.hex(), ""});
    }
    if (out.postgres())  // the identity columns continue after the copied ids
      for (const char* t : {"sweeps", "runs", "submissions"})
        out.exec(std::string("SELECT setval(pg_get_serial_sequence('") + t + "', 'id'), COALESCE(MAX(id), 1), " +
                 "MAX(id) IS NOT NULL) FROM " + t);
    txn.commit();
  }
  for (size_t i = 0; i < copy_tables().size(); ++i) {
    Checksum c = table_checksum(out, copy_tables()[i]);
    rep.tables[i].rows_to = c.rows;
    rep.tables[i].checksum_to = c.hex();
  }
  return rep;
}

}  // namespace swepo
