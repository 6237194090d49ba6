#include "core/store/provenance.h"

#include <array>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include "swepo_git_commit.h"  // SWEPO_GIT_COMMIT, generated at build time (cmake/git_commit.cmake)
#ifndef SWEPO_SOURCE_DIR
#define SWEPO_SOURCE_DIR ""
#endif

namespace swepo {
namespace {

// Runs a shell command; returns its stdout and whether it exited with 0.
std::pair<std::string, bool> capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {"", false};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(p);
  return {out, rc == 0};
}

}  // namespace

std::string provenance_git_commit() { return SWEPO_GIT_COMMIT; }

std::optional<bool> provenance_git_dirty() {
  static const std::optional<bool> dirty = []() -> std::optional<bool> {
    std::string dir = SWEPO_SOURCE_DIR;
    std::error_code ec;
    if (dir.empty() || !std::filesystem::exists(std::filesystem::path(dir) / ".git", ec)) return std::nullopt;
    auto [head, ok] = capture("git -C '" + dir + "' rev-parse HEAD 2>/dev/null");
    while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.pop_back();
    if (!ok || head != provenance_git_commit()) return std::nullopt;  // checkout moved on
    auto [status, ok2] = capture("git -C '" + dir + "' status --porcelain --untracked-files=no 2>/dev/null");
    if (!ok2) return std::nullopt;
    return !status.empty();
  }();
  return dirty;
}

std::string provenance_host() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

Provenance provenance_collect(const std::string& device, const std::string& torch_version) {
  Provenance p;
  p.git_commit = provenance_git_commit();
  p.git_dirty = provenance_git_dirty();
  p.host = provenance_host();
  p.device = device;
  p.torch_version = torch_version;
  return p;
}

}  // namespace swepo
