// The results store's schema: numbered forward migrations, applied in order inside one write
// transaction. A database records its version in `schema_version`; opening it with a newer swepo
// migrates it forward, opening it with an older swepo (version too new) is an error.
//
// How to change the schema: append a migration to store_migrations() (never edit an old one) and
// bump nothing else; kStoreSchemaVersion is the table's length.
#pragma once
#include <string>
#include <vector>

#include "core/store/sqlite_db.h"

namespace swepo {

struct StoreMigration {
  int version;          // the version the database has after this migration
  const char* summary;
  const char* sql;
};

const std::vector<StoreMigration>& store_migrations();
int store_schema_latest();  // the newest version this build knows

int store_schema_version(Db& db);  // 0 for an empty database
// Migrates `db` to `target` (default: latest). Throws StoreError if the database is newer.
void store_migrate(Db& db, int target = -1);

}  // namespace swepo
