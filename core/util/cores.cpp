#include "core/util/cores.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <thread>

namespace swepo {
namespace {

// The cgroup CPU quota in cores (rounded up), or 0 when there is none.
int cgroup_quota_cores() {
  {
    std::ifstream v2("/sys/fs/cgroup/cpu.max");  // "max 100000" or "200000 100000"
    std::string quota;
    double period = 0;
    if (v2 >> quota >> period && quota != "max" && period > 0) {
      try {
        return std::max(1, static_cast<int>(std::ceil(std::stod(quota) / period)));
      } catch (const std::exception&) {
      }
    }
  }
  std::ifstream q("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), p("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  double quota = -1, period = 0;
  if (q >> quota && p >> period && quota > 0 && period > 0)
    return std::max(1, static_cast<int>(std::ceil(quota / period)));
  return 0;
}

}  // namespace

int available_cores() {
  int n = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (const int quota = cgroup_quota_cores(); quota > 0) n = std::min(n, quota);
  return std::max(1, n);
}

}  // namespace swepo
