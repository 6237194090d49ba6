#include "core/util/fs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "core/util/error.h"

namespace swepo {
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void make_dirs(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UserError("cannot create directory '" + dir + "': " + ec.message());
}

void write_file_atomic(const std::string& path, const std::string& content) {
  fs::path p(path);
  if (p.has_parent_path()) make_dirs(p.parent_path().string());
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw UserError("cannot write file '" + tmp + "'");
    out << content;
    out.flush();
    if (!out) throw UserError("write failed for '" + tmp + "'");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp);
    throw UserError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  }
}

}  // namespace swepo
