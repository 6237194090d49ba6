// Copying a whole results store between databases and backends (e.g. the cluster's PostgreSQL
// into a laptop's SQLite for analysis), verified table by table: the destination's row count and
// checksum must equal the source's. The checksum is order-independent (the sum of each row's
// SHA-256 prefix over a canonical text of its values: integers in decimal, reals as %.17g, NULL
// as a marker), so it compares the two backends' rows whatever their collation or row order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace swepo {

struct StoreTableCheck {
  std::string table;
  int64_t rows_from = 0, rows_to = 0;
  std::string checksum_from, checksum_to;
  bool ok() const { return rows_from == rows_to && checksum_from == checksum_to; }
};

struct StoreCopyReport {
  std::vector<StoreTableCheck> tables;  // in copy order
  bool ok() const;
};

// Copies every row of `from` into `to` (created and migrated when new) in one transaction on
// the destination, then verifies. The destination must hold no sweeps and no runs (UserError
// naming it otherwise); `from` must exist (UserError).
StoreCopyReport store_copy(const std::string& from, const std::string& to);

// Row count and checksum of each table of `location` (read-only), in copy order.
std::vector<StoreTableCheck> store_checksums(const std::string& location);

}  // namespace swepo
