// SHA-256 (FIPS 180-4) for stable config hashes, data fingerprints and artifact checksums.
#pragma once
#include <string>
#include <string_view>

namespace swepo {

std::string sha256_hex(std::string_view data);           // 64 lowercase hex characters
std::string sha256_file(const std::string& path);         // throws UserError if unreadable

}  // namespace swepo
