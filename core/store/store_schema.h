// The results store's schema, for SQLite and PostgreSQL: numbered forward migrations, applied in
// order inside one write transaction. A database records its version in `schema_version`;
// opening it with a newer swepo migrates it forward, opening it with an older swepo (version too
// new) is an error.
//
// How to change the schema: append a migration to store_migrations() (never edit an old one),
// with its SQL for both dialects, and bump nothing else; the latest version is the table's last.
#pragma once
#include <string>
#include <vector>

#include "core/store/db.h"

namespace swepo {

struct StoreMigration {
  int version;          // the version the database has after this migration
  const char* summary;
  const char* sql;      // SQLite
  const char* pg_sql;   // PostgreSQL: the same tables, keys and views
};

const std::vector<StoreMigration>& store_migrations();
int store_schema_latest();  // the newest version this build knows

int store_schema_version(Db& db);  // 0 for an empty database
// The database's tables or views (`kind` "table" or "view"), sorted by name.
std::vector<std::string> store_schema_objects(Db& db, const std::string& kind);
// Migrates `db` to `target` (default: latest). Throws StoreError if the database is newer.
void store_migrate(Db& db, int target = -1);

}  // namespace swepo
