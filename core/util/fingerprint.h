// Content fingerprints of input files (data, model weights, tokenizer files): what a run's identity
// holds besides its config, so that new contents under an old path make a new run.
//
//   "size=<bytes> xxh64=<16 hex>"        for a file
//   "files=<n> size=<bytes> xxh64=<16 hex>"  for a directory: XXH64 over "<name> <file fingerprint>\n"
//                                        of its regular files (not recursive), in name order
//
// XXH64 (Collet's xxHash, 64-bit, seed 0) reads at memory speed, about 10x SHA-256, so a 15 GB
// checkpoint costs seconds once; the result is cached per file in `cache_dir` keyed by the
// absolute path, size and modification time (nanoseconds), so an unchanged file is not read again.
// A cache entry that does not parse or names another path is recomputed and rewritten, never
// trusted; a cache that cannot be written (read-only disk) is skipped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace swepo {

// XXH64 of `data` with seed 0 (the reference's test vectors: "" -> ef46db3751d8e999).
uint64_t xxh64(std::string_view data);

// Streaming XXH64, for files read in blocks.
class Xxh64 {
 public:
  Xxh64();
  void update(const char* p, size_t n);
  uint64_t digest() const;

 private:
  uint64_t v_[4];
  uint64_t total_ = 0;
  char buf_[32];
  size_t buf_len_ = 0;
};

// The fingerprint of a file or directory (see above). `cache_dir` "" = no cache. UserError naming
// the path when it does not exist or cannot be read.
std::string content_fingerprint(const std::string& path, const std::string& cache_dir = "");

}  // namespace swepo
