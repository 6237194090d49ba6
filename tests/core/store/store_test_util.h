// A fresh database path per test, removed (with its WAL files) at the end.
#pragma once
#include <filesystem>
#include <string>

#include <unistd.h>

namespace swepo::test {

struct TempDb {
  std::filesystem::path dir;
  std::string path;
  explicit TempDb(const std::string& name) {
    dir = std::filesystem::temp_directory_path() / ("swepo-store-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "r.db").string();
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
};

}  // namespace swepo::test
