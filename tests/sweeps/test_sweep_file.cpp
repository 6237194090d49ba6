// Sweep files: parsing, the job order (runs x grid x zip x seeds, last fastest), and errors that
// name the file and the key.
#include <gtest/gtest.h>

#include "core/util/error.h"
#include "sweeps/sweep_file.h"

namespace swepo {
namespace {

const std::string kConf = SWEPO_SOURCE_DIR "/tests/sweeps/conf";

std::vector<std::vector<std::string>> job_overrides(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (const auto& j : sweep_expand(sweep_parse(text, "t.yaml", kConf))) out.push_back(j.overrides);
  return out;
}

TEST(SweepFile, GridWithSeedsInHydraOrder) {
  auto jobs = job_overrides(
      "name: g\n"
      "overrides: [trainer.steps=5]\n"
      "grid:\n  loss: dpo,ipo\n  trainer.lr: [1e-3, 0.01]\n"
      "seeds: range(2)\n");
  // 2 losses x 2 lrs x 2 seeds = 8 jobs; the seed varies fastest, then lr, then loss.
  std::vector<std::vector<std::string>> want = {
      {"trainer.steps=5", "loss=dpo", "trainer.lr=0.001", "seed=0"},
      {"trainer.steps=5", "loss=dpo", "trainer.lr=0.001", "seed=1"},
      {"trainer.steps=5", "loss=dpo", "trainer.lr=0.01", "seed=0"},
      {"trainer.steps=5", "loss=dpo", "trainer.lr=0.01", "seed=1"},
      {"trainer.steps=5", "loss=ipo", "trainer.lr=0.001", "seed=0"},
      {"trainer.steps=5", "loss=ipo", "trainer.lr=0.001", "seed=1"},
      {"trainer.steps=5", "loss=ipo", "trainer.lr=0.01", "seed=0"},
      {"trainer.steps=5", "loss=ipo", "trainer.lr=0.01", "seed=1"},
  };
  EXPECT_EQ(jobs, want);
}

TEST(SweepFile, RunsRowsMaySweepAndCombineWithSeeds) {
  // Swepo with p = 0, 1, 2 beside DPO (which has no p): 4 rows, x 2 seeds = 8 jobs.
  auto jobs = job_overrides(
      "name: rows\n"
      "runs:\n  - [loss=dpo]\n  - {loss: swepo, loss.p: '0,1,2'}\n"
      "seeds: [0, 1]\n");
  std::vector<std::vector<std::string>> want = {
      {"loss=dpo", "seed=0"},
      {"loss=dpo", "seed=1"},
      {"loss=swepo", "loss.p=0", "seed=0"},
      {"loss=swepo", "loss.p=0", "seed=1"},
      {"loss=swepo", "loss.p=1", "seed=0"},
      {"loss=swepo", "loss.p=1", "seed=1"},
      {"loss=swepo", "loss.p=2", "seed=0"},
      {"loss=swepo", "loss.p=2", "seed=1"},
  };
  EXPECT_EQ(jobs, want);
}

TEST(SweepFile, ZipPairsElementWiseAfterTheGrid) {
  auto jobs = job_overrides(
      "name: z\n"
      "grid:\n  data: glob(*)\n"
      "zip:\n  trainer.lr: 0.1,0.2\n  trainer.steps: 10,20\n");
  // data options sorted: small, tiny; zip gives (0.1, 10) and (0.2, 20): 2 x 2 = 4 jobs.
  std::vector<std::vector<std::string>> want = {
      {"data=small", "trainer.lr=0.1", "trainer.steps=10"},
      {"data=small", "trainer.lr=0.2", "trainer.steps=20"},
      {"data=tiny", "trainer.lr=0.1", "trainer.steps=10"},
      {"data=tiny", "trainer.lr=0.2", "trainer.steps=20"},
  };
  EXPECT_EQ(jobs, want);
}

TEST(SweepFile, RowOverridesBaseAndGridOverridesRow) {
  // A later axis wins for the same key, in the first key's position.
  auto jobs = job_overrides("name: o\noverrides: [trainer.lr=0.5]\nruns:\n  - [trainer.lr=0.25]\n");
  EXPECT_EQ(jobs, (std::vector<std::vector<std::string>>{{"trainer.lr=0.25"}}));
}

TEST(SweepFile, NoAxesIsOneJob) {
  auto jobs = job_overrides("name: one\ndescription: just the defaults\n");
  EXPECT_EQ(jobs, (std::vector<std::vector<std::string>>{{}}));
}

void expect_error(const std::string& text, const std::string& key, const std::string& part) {
  try {
    sweep_parse(text, "sweeps/bad.yaml", kConf);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const UserError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("sweeps/bad.yaml"), std::string::npos) << m;
    EXPECT_NE(m.find("'" + key + "'"), std::string::npos) << m;
    EXPECT_NE(m.find(part), std::string::npos) << m;
  }
}

TEST(SweepFile, ErrorsNameFileAndKey) {
  expect_error("name: b\ngrdi:\n  loss: dpo\n", "grdi", "did you mean 'grid'");
  expect_error("name: b\ngrid:\n  loss: ''\n", "grid.loss", "empty axis");
  expect_error("name: b\ngrid:\n  loss: []\n", "grid.loss", "empty axis");
  expect_error("name: b\ngrid:\n  loss:\n", "grid.loss", "empty axis");
  expect_error("name: b\ngrid:\n  trainer.lr: range(0,1,0)\n", "grid.trainer.lr", "step must not be 0");
  expect_error("name: b\ngrid:\n  loss: glob(nope*)\n", "grid.loss", "matches no option");
  expect_error("name: b\nseeds: range(0)\n", "seeds", "is empty");
  expect_error("name: b\nseeds: a,b\n", "seeds", "not an integer");
  expect_error("name: b\nzip:\n  a: 1,2\n  b: 1,2,3\n", "zip", "same length");
  expect_error("name: b\noverrides: ['loss=dpo,ipo']\n", "overrides[0]", "is a sweep");
  expect_error("name: b\nruns: []\n", "runs", "empty axis");
  expect_error("name: b\nruns:\n  - ['loss=range(2,1)']\n", "runs[0]", "is empty");
  expect_error("description: x\n", "name", "missing");
  expect_error("name: 'a b'\n", "name", "may contain only");
  expect_error("name: b\ngrid:\n  seed: 1,2\n", "grid.seed", "seeds:");
}

// Found by fuzz/fuzz_sweep_file: a mapping key that is not a scalar (`? {a: 1}`, `? [a, b]`, valid
// YAML) made yaml-cpp's as<std::string>() throw YAML::TypedBadConversion out of sweep_parse.
TEST(SweepFile, FuzzNonScalarKeys) {
  auto error = [](const std::string& text) {
    try {
      sweep_parse(text, "sweeps/bad.yaml", kConf);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return std::string();
  };
  // The fuzzer's input (a '?' turned the grid's first line into a complex top-level key).
  const std::string crash =
      "orer: all\ndescription: every key\noverrides: [trainer.steps=5]\nrwns:\n  - [loss=dpo]\n"
      "  - {loss: swepo, loss.p: \"0,1\"}\ngrid:\n? data: \x90lob(*)\n  loss.beta: [0.1, 0.5]\nzip:\n"
      "  trainer.lr: 1e-3,5e-4\n  trainer.steps: \xff\xff\xff\n";
  std::string m = error(crash);
  EXPECT_NE(m.find("sweeps/bad.yaml"), std::string::npos) << m;
  EXPECT_NE(m.find("a key must be a plain name"), std::string::npos) << m;
  m = error("name: b\n? [a, b]\n: 1\n");
  EXPECT_NE(m.find("top level: a key must be a plain name, got [a, b]"), std::string::npos) << m;
  m = error("name: b\ngrid:\n  ? [loss]\n  : dpo,ipo\n");
  EXPECT_NE(m.find("key 'grid': a key must be a plain name"), std::string::npos) << m;
  m = error("name: b\nruns:\n  - {? {a: 1} : x}\n");
  EXPECT_NE(m.find("key 'runs[0]': a key must be a plain name"), std::string::npos) << m;
}

}  // namespace
}  // namespace swepo
