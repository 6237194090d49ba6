// Sealed files: a payload followed by a fixed-size trailer holding the payload's SHA-256, so a
// reader can tell an intact file from a damaged one (a flipped byte, a torn or truncated write)
// before trusting it. Checkpoints (engine/checkpoint.h) and the reference log-prob cache
// (engine/ref_cache.h) are sealed; writes stay atomic (write_file_atomic), the seal covers what the
// file system cannot promise (a disk that flips a bit, a copy that was cut short, a hand edit).
//
// Trailer (78 bytes): "\nswepo-sha256:" followed by the payload's SHA-256 as 64 lowercase hex.
#pragma once
#include <string>

namespace swepo {

enum class SealState {
  valid,   // trailer present and the SHA-256 matches: `bytes` now holds the payload alone
  absent,  // no trailer (a file written before seals, or cut short before its end): bytes unchanged
  broken,  // trailer present but the SHA-256 differs: the file is damaged; bytes unchanged
};

std::string seal_bytes(std::string payload);  // payload + trailer
SealState unseal_bytes(std::string& bytes);   // see SealState

// Writes seal_bytes(payload) atomically (write_file_atomic).
void write_file_sealed(const std::string& path, const std::string& payload);

}  // namespace swepo
