// swepo store: whole-database operations on the results store.
//
//   swepo store copy --from A --to B    copy every row into a new, empty database (any backends),
//                                       then verify each table's row count and checksum
//   swepo store checksum --db A         each table's row count and checksum
// A and B are SQLite paths or postgresql://user@host:port/dbname URLs. Exit 1 if a check fails.
#include <iostream>

#include <fmt/core.h>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/store/store_copy.h"
#include "core/store/store_url.h"
#include "core/util/error.h"

namespace swepo::cli {
namespace {

void print_checks(const std::vector<StoreTableCheck>& t, bool both) {
  if (both)
    std::cout << fmt::format("{:<12} {:>10} {:>10}  {:<16}  {:<16}  {}\n", "table", "rows from", "rows to",
                             "checksum from", "checksum to", "ok");
  else
    std::cout << fmt::format("{:<12} {:>10}  {}\n", "table", "rows", "checksum");
  for (const auto& c : t)
    if (both)
      std::cout << fmt::format("{:<12} {:>10} {:>10}  {:<16}  {:<16}  {}\n", c.table, c.rows_from, c.rows_to,
                               c.checksum_from, c.checksum_to, c.ok() ? "yes" : "NO");
    else
      std::cout << fmt::format("{:<12} {:>10}  {}\n", c.table, c.rows_from, c.checksum_from);
}

}  // namespace

int cmd_store(const Args& args) {
  std::string action, from, to, db;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("action", po::value(&action)->required(), "copy | checksum")
      ("from", po::value(&from), "copy: the source database (path or postgresql:// URL)")
      ("to", po::value(&to), "copy: the destination (new or empty)")
      ("db", po::value(&db), "checksum: the database");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, &pos, "usage: swepo store copy --from A --to B | swepo store checksum --db A"))
    return 0;
  if (action == "checksum") {
    if (db.empty()) throw UserError("store checksum: --db is required");
    print_checks(store_checksums(db), false);
    return 0;
  }
  if (action != "copy") throw UserError("store '" + action + "': unknown action; valid: copy, checksum");
  if (from.empty() || to.empty()) throw UserError("store copy: --from and --to are both required");
  StoreCopyReport rep = store_copy(from, to);
  print_checks(rep.tables, true);
  int64_t rows = 0;
  for (const auto& t : rep.tables) rows += t.rows_to;
  std::cout << fmt::format("{} rows copied from {} to {}: {}\n", rows, store_redact(from), store_redact(to),
                           rep.ok() ? "verified (row counts and checksums match)" : "VERIFICATION FAILED");
  return rep.ok() ? 0 : 1;
}

}  // namespace swepo::cli
