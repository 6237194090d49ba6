// File helpers: whole-file reads and atomic writes (write to a temporary, then rename).
#pragma once
#include <string>

namespace swepo {

std::string read_file(const std::string& path);                        // throws UserError
void write_file_atomic(const std::string& path, const std::string& content);  // mkdir -p parent
void make_dirs(const std::string& dir);

}  // namespace swepo
