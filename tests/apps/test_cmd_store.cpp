// `swepo store copy|checksum` as a user runs them (through sweep_test_cli): a sweep recorded by
// the local runner is copied into a new database of each backend, verified, and listed there by
// `swepo runs`; copying into a non-empty database exits 2 naming it.
#include <cstdio>

#include <gtest/gtest.h>

#include "core/store/store.h"
#include "tests/core/store/store_test_util.h"
#include "tests/sweeps/sweep_test_util.h"

namespace swepo {
namespace {

class StoreCli : public test::StoreTest {};

// The copy report's row for `table` with `n` rows on both sides.
std::string row(const char* table, int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-12s %10d %10d", table, n, n);
  return buf;
}
INSTANTIATE_STORE_TESTS(StoreCli);

TEST_P(StoreCli, CopyMovesASweepBetweenBackendsVerified) {
  test::TempDir dir("store-copy");
  test::TempStore src(GetParam(), "cli_src");
  std::string file = dir / "s.yaml";
  test::write(file, "name: cp\ngrid:\n  loss: dpo,ipo\nseeds: range(2)\n");
  test::Proc p = test::sh(test::kCli + " sweep " + file + " --db " + src.path + " --conf " + test::kConf +
                          " --job-cmd " + test::kJob + " --jobs 2 --log-dir " + (dir / "logs"));
  ASSERT_EQ(p.code, 0) << p.out;
  for (test::Backend to : {test::Backend::Sqlite, test::Backend::Postgres}) {
    if (to == test::Backend::Postgres && test::pg_server_url().empty()) continue;
    test::TempStore dst(to, "cli_dst");
    p = test::sh(test::kCli + " store copy --from " + src.path + " --to " + dst.path);
    ASSERT_EQ(p.code, 0) << p.out;
    // 4 runs; each job logs 3 steps x 2 metrics (loss, threads) = 24 metric rows; 1 eval each.
    EXPECT_NE(p.out.find(row("runs", 4)), std::string::npos) << p.out;
    EXPECT_NE(p.out.find(row("metrics", 24)), std::string::npos) << p.out;
    EXPECT_NE(p.out.find(row("evals", 4)), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("verified (row counts and checksums match)"), std::string::npos) << p.out;
    test::Proc runs = test::sh(test::kCli + " runs --db " + dst.path + " --sweep cp --status FINISHED");
    EXPECT_EQ(runs.code, 0) << runs.out;
    EXPECT_NE(runs.out.find("4 run(s)"), std::string::npos) << runs.out;
    test::Proc show = test::sh(test::kCli + " show 1 --db " + dst.path + " --history loss");
    EXPECT_EQ(show.code, 0) << show.out;
    EXPECT_NE(show.out.find("status FINISHED"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("evals (1):"), std::string::npos) << show.out;
    test::Proc a = test::sh(test::kCli + " store checksum --db " + src.path);
    test::Proc b = test::sh(test::kCli + " store checksum --db " + dst.path);
    EXPECT_EQ(a.code, 0) << a.out;
    EXPECT_EQ(a.out, b.out);  // same counts, same checksums
    p = test::sh(test::kCli + " store copy --from " + src.path + " --to " + dst.path);
    EXPECT_EQ(p.code, 2) << p.out;
    EXPECT_NE(p.out.find("already holds sweeps or runs"), std::string::npos) << p.out;
  }
  p = test::sh(test::kCli + " store copy --from " + (dir / "nope.db") + " --to " + (dir / "x.db"));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("no results database at '" + (dir / "nope.db") + "'"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace swepo
