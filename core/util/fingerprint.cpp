#include "core/util/fingerprint.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/hash.h"

namespace fs = std::filesystem;

namespace swepo {
namespace {

constexpr uint64_t P1 = 0x9E3779B185EBCA87ULL, P2 = 0xC2B2AE3D27D4EB4FULL, P3 = 0x165667B19E3779F9ULL,
                   P4 = 0x85EBCA77C2B2AE63ULL, P5 = 0x27D4EB2F165667C5ULL;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t read64(const char* p) {  // little-endian, as the reference reads its input
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t read32(const char* p) {
  uint64_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t round64(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
uint64_t merge(uint64_t acc, uint64_t v) { return (acc ^ round64(0, v)) * P1 + P4; }

}  // namespace

Xxh64::Xxh64() : v_{P1 + P2, P2, 0, 0 - P1} {}

void Xxh64::update(const char* p, size_t n) {
  total_ += n;
  if (buf_len_ > 0) {  // complete the pending stripe first
    const size_t take = std::min(n, sizeof(buf_) - buf_len_);
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
    if (buf_len_ < sizeof(buf_)) return;
    for (int i = 0; i < 4; ++i) v_[i] = round64(v_[i], read64(buf_ + 8 * i));
    buf_len_ = 0;
  }
  for (; n >= 32; p += 32, n -= 32)
    for (int i = 0; i < 4; ++i) v_[i] = round64(v_[i], read64(p + 8 * i));
  std::memcpy(buf_, p, n);
  buf_len_ = n;
}

uint64_t Xxh64::digest() const {
  uint64_t h;
  if (total_ >= 32) {
    h = rotl(v_[0], 1) + rotl(v_[1], 7) + rotl(v_[2], 12) + rotl(v_[3], 18);
    for (uint64_t v : v_) h = merge(h, v);
  } else {
    h = P5;  // seed 0
  }
  h += total_;
  const char* p = buf_;
  size_t n = buf_len_;
  for (; n >= 8; p += 8, n -= 8) h = rotl(h ^ round64(0, read64(p)), 27) * P1 + P4;
  if (n >= 4) {
    h = rotl(h ^ (read32(p) * P1), 23) * P2 + P3;
    p += 4;
    n -= 4;
  }
  for (; n > 0; ++p, --n) h = rotl(h ^ (static_cast<unsigned char>(*p) * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

uint64_t xxh64(std::string_view data) {
  Xxh64 x;
  x.update(data.data(), data.size());
  return x.digest();
}

namespace {

std::string hex64(uint64_t v) { return fmt::format("{:016x}", v); }

std::string hash_file_contents(const std::string& path, uint64_t* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read '" + path + "' (to fingerprint its contents)");
  Xxh64 x;
  std::vector<char> block(1 << 20);
  uint64_t total = 0;
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<size_t>(in.gcount());
    x.update(block.data(), got);
    total += got;
  }
  if (in.bad()) throw UserError("cannot read '" + path + "' (I/O error while fingerprinting it)");
  *size = total;
  return hex64(x.digest());
}

// One file: from the cache when path, size and mtime agree, else hashed (and cached).
std::string file_fingerprint(const std::string& abs, const std::string& cache_dir) {
  struct stat st {};
  if (::stat(abs.c_str(), &st) != 0) throw UserError("cannot read '" + abs + "' (to fingerprint its contents)");
  const auto size = static_cast<uint64_t>(st.st_size);
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  std::string entry_path;
  if (!cache_dir.empty()) {
    entry_path = (fs::path(cache_dir) / (sha256_hex(abs).substr(0, 32) + ".json")).string();
    std::ifstream in(entry_path);
    if (in) {
      try {  // a damaged or foreign entry is recomputed, never trusted
        nlohmann::json j = nlohmann::json::parse(in);
        if (j.at("path").get<std::string>() == abs && j.at("size").get<uint64_t>() == size &&
            j.at("mtime_ns").get<int64_t>() == mtime_ns) {
          const std::string fp = j.at("fingerprint").get<std::string>();
          const std::string prefix = fmt::format("size={} xxh64=", size);
          if (fp.size() == prefix.size() + 16 && fp.compare(0, prefix.size(), prefix) == 0 &&
              fp.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos)
            return fp;
        }
      } catch (const std::exception&) {
      }
    }
  }
  uint64_t read_size = 0;
  const std::string h = hash_file_contents(abs, &read_size);
  const std::string fp = fmt::format("size={} xxh64={}", read_size, h);
  if (!entry_path.empty() && read_size == size) {
    nlohmann::json j = {{"path", abs}, {"size", size}, {"mtime_ns", mtime_ns}, {"fingerprint", fp}};
    try {
      write_file_atomic(entry_path, j.dump() + "\n");
    } catch (const std::exception&) {  // a cache we cannot write costs time, not correctness
    }
  }
  return fp;
}

}  // namespace

std::string content_fingerprint(const std::string& path, const std::string& cache_dir) {
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec).lexically_normal();
  if (ec || !fs::exists(abs, ec)) throw UserError("'" + path + "' does not exist (it is an input of the run)");
  if (!fs::is_directory(abs, ec)) return file_fingerprint(abs.string(), cache_dir);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(abs, ec))
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  if (ec) throw UserError("cannot list '" + path + "' (to fingerprint its files): " + ec.message());
  std::sort(names.begin(), names.end());
  Xxh64 x;
  uint64_t total = 0;
  for (const auto& n : names) {
    const std::string fp = file_fingerprint((abs / n).string(), cache_dir);
    const std::string line = n + " " + fp + "\n";
    x.update(line.data(), line.size());
    total += fs::file_size(abs / n, ec);
  }
  return fmt::format("files={} size={} xxh64={}", names.size(), total, hex64(x.digest()));
}

}  // namespace swepo
