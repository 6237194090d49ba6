// Where a result came from: the code (git commit + dirty flag), the machine and the libraries.
// The store never links LibTorch; the caller passes the LibTorch version and device as text.
#pragma once
#include <optional>
#include <string>

namespace swepo {

struct Provenance {
  std::string git_commit;         // compiled in (SWEPO_GIT_COMMIT), "unknown" outside a checkout
  std::optional<bool> git_dirty;  // uncommitted changes in the checkout; nullopt: unknown
  std::string host;
  std::string device;             // e.g. "cpu", "cuda:0 (NVIDIA H100)"; "" leaves it unchanged
  std::string torch_version;      // e.g. "1.13.1"; "" leaves it unchanged
};

// Collects the git commit, the dirty flag (`git status` in the source checkout this binary was
// built from, when it is present and at the compiled commit) and the host name.
Provenance provenance_collect(const std::string& device = "", const std::string& torch_version = "");

std::string provenance_git_commit();            // the compiled-in commit
std::optional<bool> provenance_git_dirty();     // cached after the first call
std::string provenance_host();

}  // namespace swepo
