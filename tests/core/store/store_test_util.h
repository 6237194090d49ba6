// Test stores for both backends. Every store test is value-parameterised over SQLite and
// PostgreSQL (INSTANTIATE_STORE_TESTS); each test gets a fresh database of its own: an SQLite
// file in a fresh temp dir, or a new database created on the server SWEPO_TEST_PG_URL names
// (dropped at the end), so the tests run in parallel under ctest -j. Without SWEPO_TEST_PG_URL
// the PostgreSQL instances skip with the reason (scripts/servers.sh start provides a server).
#pragma once
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/store/db.h"
#include "core/store/store_url.h"

namespace swepo::test {

enum class Backend { Sqlite, Postgres };

inline std::string pg_server_url() {
  const char* u = std::getenv("SWEPO_TEST_PG_URL");
  return u ? u : "";
}

inline const char* kNoPgReason = "SWEPO_TEST_PG_URL is not set (eval \"$(scripts/servers.sh start)\" starts a server)";

// A fresh database: `path` is the SQLite file or the PostgreSQL URL to open.
struct TempStore {
  Backend backend;
  std::filesystem::path dir;
  std::string path, dbname;
  TempStore(Backend b, const std::string& name) : backend(b) {
    static std::atomic<int> counter{0};
    std::string tag = name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    if (b == Backend::Sqlite) {
      dir = std::filesystem::temp_directory_path() / ("swepo-store-" + tag);
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      path = (dir / "r.db").string();
    } else {
      dbname = "swepo_t_" + tag;
      for (auto& c : dbname) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
      Db admin(pg_server_url());
      admin.exec("CREATE DATABASE " + dbname);
      path = store_url_with_dbname(pg_server_url(), dbname);
    }
  }
  ~TempStore() {
    if (backend == Backend::Sqlite) {
      std::filesystem::remove_all(dir);
      return;
    }
    try {
      Db admin(pg_server_url());
      admin.exec("DROP DATABASE IF EXISTS " + dbname + " WITH (FORCE)");
    } catch (...) {
    }
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;
};

// The fixture of the parameterised store tests: skips the PostgreSQL instance without a server.
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::Postgres && pg_server_url().empty()) GTEST_SKIP() << kNoPgReason;
  }
  bool pg() const { return GetParam() == Backend::Postgres; }
};

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "SQLite" : "PostgreSQL";
}

}  // namespace swepo::test

// Runs every TEST_P of `suite` (a subclass of test::StoreTest) on both backends.
#define INSTANTIATE_STORE_TESTS(suite)                                                                      \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                                 \
                           ::testing::Values(::swepo::test::Backend::Sqlite, ::swepo::test::Backend::Postgres), \
                           ::swepo::test::backend_name)
