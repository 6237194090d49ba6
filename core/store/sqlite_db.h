// Kept for includes written before the PostgreSQL backend: the store's connection layer is
// core/store/db.h (Db, Stmt, WriteTxn over SQLite or PostgreSQL); the SQLite backend itself is
// sqlite_db.cpp.
#pragma once
#include "core/store/db.h"
