#include "core/util/sealed.h"

#include "core/util/fs.h"
#include "core/util/hash.h"

namespace swepo {
namespace {
constexpr const char* kMagic = "\nswepo-sha256:";
constexpr size_t kMagicLen = 14, kHexLen = 64, kTrailerLen = kMagicLen + kHexLen;
}  // namespace

std::string seal_bytes(std::string payload) {
  const std::string digest = sha256_hex(payload);
  payload += kMagic;
  payload += digest;
  return payload;
}

SealState unseal_bytes(std::string& bytes) {
  if (bytes.size() < kTrailerLen) return SealState::absent;
  const size_t at = bytes.size() - kTrailerLen;
  if (bytes.compare(at, kMagicLen, kMagic) != 0) return SealState::absent;
  const std::string_view payload(bytes.data(), at);
  if (sha256_hex(payload) != bytes.substr(at + kMagicLen)) return SealState::broken;
  bytes.resize(at);
  return SealState::valid;
}

void write_file_sealed(const std::string& path, const std::string& payload) {
  write_file_atomic(path, seal_bytes(payload));
}

}  // namespace swepo
