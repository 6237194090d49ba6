// File helpers: whole-file reads and atomic writes (write to a temporary, then rename).
#pragma once
#include <string>

namespace swepo {

std::string read_file(const std::string& path);                        // throws UserError
// mkdir -p parent; writes PATH.tmp.<pid>, fsyncs, renames; then removes PATH.tmp.<pid> files of
// dead writers (killed mid-write) last written over an hour ago.
void write_file_atomic(const std::string& path, const std::string& content);
void make_dirs(const std::string& dir);

}  // namespace swepo
