// How many CPU cores this process may use: the CPUs of its affinity mask (taskset, Slurm's
// cpusets), capped by a cgroup CPU quota (docker --cpus, systemd CPUQuota: cgroup v2 cpu.max or
// v1 cpu.cfs_quota_us / cpu.cfs_period_us, rounded up). std::thread::hardware_concurrency()
// counts every online CPU of the host, which oversubscribes a quota-limited container: OpenMP
// threads that spin-wait on cores they do not get run many times slower.
#pragma once

namespace swepo {

int available_cores();  // >= 1

}  // namespace swepo
