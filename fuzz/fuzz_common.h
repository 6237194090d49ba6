// Shared by the fuzz targets (fuzz/fuzz_*.cpp): a scratch directory per process, file writing,
// splitting an input into parts, and the rule for what a target may catch.
//
// The rule: a parser's documented "bad input" exceptions (swepo::UserError, plus any a target names
// in its header comment) are the expected outcome for garbage and are swallowed; anything else
// (a crash, a sanitizer report, an abort, an uncaught exception, a hang) is a finding.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fz {

// A directory private to this process: under /dev/shm when there is one (the targets write their
// input to a file on every run; tmpfs keeps that off the disk), else TMPDIR. Removed at exit, but
// a crash (and libFuzzer's own exits) may skip that: scripts/fuzz.sh removes
// /dev/shm/swepo_fuzz_<pid> after each run.
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const std::filesystem::path base = ::access("/dev/shm", W_OK) == 0 && !std::getenv("TMPDIR")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path(ec);
    std::filesystem::path p = base / ("swepo_fuzz_" + std::to_string(::getpid()));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch(), ec);
    });
    return p;
  }();
  return dir;
}

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", p.c_str());
    std::abort();
  }
}

// Copies the files under `from` (if it exists) into `to`, except a top-level config.yaml.
inline void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  if (!std::filesystem::is_directory(from, ec)) return;
  for (const auto& e : std::filesystem::recursive_directory_iterator(from)) {
    if (!e.is_regular_file()) continue;
    const auto rel = std::filesystem::relative(e.path(), from);
    if (rel == "config.yaml") continue;
    std::filesystem::create_directories((to / rel).parent_path());
    std::filesystem::copy_file(e.path(), to / rel, std::filesystem::copy_options::overwrite_existing);
  }
}

inline std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Splits `s` at every occurrence of `sep` (the separator is dropped).
inline std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size())
    out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

// Lines of `s` without their '\n' (and without a trailing '\r'); empty lines dropped.
inline std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  for (std::string& l : split(s, "\n")) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

// An expected error of a parser; printed when SWEPO_FUZZ_VERBOSE is set (to see why a seed is
// refused: SWEPO_FUZZ_VERBOSE=1 build-fuzz/fuzz_x -runs=0 fuzz/corpus/fuzz_x).
inline void note(const std::exception& e) {
  static const bool verbose = std::getenv("SWEPO_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "fuzz: expected error: %s\n", e.what());
}

// A property a target checks on parsed output; failing it is a finding (abort with a message).
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace fz
