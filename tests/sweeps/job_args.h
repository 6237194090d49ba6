// The sweep runner's job command line (sweeps/sweep_runner.h), as the stand-in jobs of the tests
// read it: `JOB --db DB --run-id ID [--conf DIR] key=value...`; later key=value pairs override
// `defaults`.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace swepo::test {

struct JobArgs {
  std::string db;
  int64_t run = -1;
  std::map<std::string, std::string> overrides;
};

inline JobArgs parse_job_args(int argc, char** argv, std::map<std::string, std::string> defaults) {
  JobArgs j;
  j.overrides = std::move(defaults);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--db" && i + 1 < argc) j.db = argv[++i];
    else if (a == "--run-id" && i + 1 < argc) j.run = std::stoll(argv[++i]);
    else if (a == "--conf" && i + 1 < argc) ++i;
    else if (a.find('=') != std::string::npos) j.overrides[a.substr(0, a.find('='))] = a.substr(a.find('=') + 1);
  }
  return j;
}

}  // namespace swepo::test
