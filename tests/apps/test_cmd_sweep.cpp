// `swepo sweep|runs|show` as a user runs them (through sweep_test_cli, which maps errors to exit
// codes as apps/main.cpp does): exit codes, messages, dry-run output, listing and showing runs.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/sweeps/sweep_test_util.h"

namespace swepo {
namespace {

using test::TempDir;

std::string sweep_cmd(const std::string& file, const std::string& db, const std::string& extra = "") {
  return test::kCli + " sweep " + file + " --db " + db + " --conf " + test::kConf + " --job-cmd " + test::kJob +
         " " + extra;
}

void expect_bad(const std::string& body, const std::string& key, const std::string& part) {
  TempDir dir("bad");
  std::string file = dir / "bad.yaml", db = dir / "r.db";
  test::write(file, body);
  test::Proc p = test::sh(sweep_cmd(file, db));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find(file), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(key), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(part), std::string::npos) << p.out;
  EXPECT_FALSE(std::filesystem::exists(db)) << "an invalid sweep must not touch the database";
}

TEST(SweepCli, BadSweepFilesExit2NamingFileAndKey) {
  expect_bad("name: b\ngrdi:\n  loss: dpo\n", "'grdi'", "did you mean 'grid'");
  expect_bad("name: b\ngrid:\n  loss: ''\n", "'grid.loss'", "empty axis");
  expect_bad("name: b\ngrid:\n  trainer.lr: range(1,0,0)\n", "'grid.trainer.lr'", "step must not be 0");
  expect_bad("name: b\ngrid:\n  trainer.steps: range(a,3)\n", "'grid.trainer.steps'", "bad range");
  // An unknown group option is found when job 1's config is composed, before anything runs.
  expect_bad("name: b\ngrid:\n  loss: dpo,nosuch\n", "job 1 (loss=nosuch)", "nosuch");
  expect_bad("name: b\noverrides: [trainer.lrr=0.1]\n", "job 0", "trainer.lrr");
}

TEST(SweepCli, DryRunListsJobsStatusesAndTotals) {
  TempDir dir("dry");
  std::string file = dir / "dr.yaml", db = dir / "r.db";
  test::write(file, "name: dr\ndescription: dry run test\ngrid:\n  loss: dpo,ipo\nseeds: 0,1\n");
  test::Proc p = test::sh(sweep_cmd(file, db, "--dry-run --jobs 2"));
  EXPECT_EQ(p.code, 0) << p.out;
  std::string want =
      "sweep 'dr' (" + file + "): 4 jobs\n"
      "  dry run test\n"
      "  job  status       run  action     overrides\n"
      "    0  -              -  run        loss=dpo seed=0\n"
      "    1  -              -  run        loss=dpo seed=1\n"
      "    2  -              -  run        loss=ipo seed=0\n"
      "    3  -              -  run        loss=ipo seed=1\n"
      "total: 4 jobs (4 new); 4 would run with --jobs 2\n";
  EXPECT_EQ(p.out, want);
  EXPECT_FALSE(std::filesystem::exists(db));

  test::Proc run = test::sh(sweep_cmd(file, db, "--jobs 2"));
  ASSERT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("[4/4]"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ETA"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("4 jobs: 4 finished (0 before, 4 now), 0 failed, 0 killed"), std::string::npos) << run.out;

  p = test::sh(sweep_cmd(file, db, "--dry-run"));
  EXPECT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("    0  FINISHED       1  skip       loss=dpo seed=0\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("total: 4 jobs (4 FINISHED); 0 would run with --jobs 1\n"), std::string::npos) << p.out;

  // Listing: by sweep, by status, by param (numeric params compare as numbers: 1e-3 == 0.001).
  p = test::sh(test::kCli + " runs --db " + db + " --sweep dr");
  EXPECT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("4 run(s)"), std::string::npos) << p.out;
  p = test::sh(test::kCli + " runs --db " + db + " --where loss.name=ipo");
  EXPECT_NE(p.out.find("2 run(s)"), std::string::npos) << p.out;
  p = test::sh(test::kCli + " runs --db " + db + " --where loss.name=ipo seed=1 trainer.lr=1e-3");
  EXPECT_NE(p.out.find("1 run(s)"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("loss=ipo seed=1"), std::string::npos) << p.out;
  p = test::sh(test::kCli + " runs --db " + db + " --status FAILED");
  EXPECT_NE(p.out.find("0 run(s)"), std::string::npos) << p.out;
  p = test::sh(test::kCli + " runs --db " + db + " --status DONE");
  EXPECT_EQ(p.code, 2) << p.out;
  p = test::sh(test::kCli + " runs --db " + db + " --sweep nope");
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("no such sweep"), std::string::npos) << p.out;

  // One run: config, history summary (loss = 1, 1/2, 1/3 at steps 0..2), evals (score 10*0 + 3).
  p = test::sh(test::kCli + " show 1 --db " + db);
  EXPECT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("run 1  status FINISHED  seed 0  attempts 1"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("groups: data=tiny loss=dpo"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("  loss:\n    name: dpo\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("  loss                          3       0       2            1     0.333333     0.333333            1"),
            std::string::npos) << p.out;
  EXPECT_NE(p.out.find("score"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("greedy"), std::string::npos) << p.out;
  p = test::sh(test::kCli + " show 99 --db " + db);
  EXPECT_EQ(p.code, 2) << p.out;
}

TEST(SweepCli, FailedJobMeansNonZeroExit) {
  TempDir dir("fail");
  std::string file = dir / "f.yaml", db = dir / "r.db";
  test::write(file, "name: f\ngrid:\n  job.mode: ok,exit3\n");
  test::Proc p = test::sh(sweep_cmd(file, db));
  EXPECT_EQ(p.code, 1) << p.out;
  EXPECT_NE(p.out.find("job 1 FAILED"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("exit code 3"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace swepo
