// The committed tables and plots of results/ are exactly what scripts/render_results.sh (the
// commands of scripts/reproduce.sh) draws from results/swepo.db with the built binary, and those of
// results/archive/ what results/archive/render.sh draws from results/archive/swepo.db: regenerated
// into a temp folder, every file under results/tables and results/plots compares byte for byte, and
// nothing is drawn that is not committed. A table filter that stops matching one configuration per
// cell fails here too (the report exits 2).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.insert(e.path().filename().string());
  return out;
}

// Renders `script` over a copy of `db_rel` into a temp folder and compares every file under
// `out_rel`/tables and `out_rel`/plots with what was drawn.
void expect_regenerates(const std::string& script, const std::string& db_rel, const std::string& out_rel) {
  const fs::path src = SWEPO_SOURCE_DIR;
  const fs::path tmp = fs::temp_directory_path() / ("swepo_results_regen_" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  // A copy of the database: opening a store of an older schema migrates it in place, and the test
  // must not write to the source tree.
  const fs::path db = tmp / "swepo.db";
  fs::copy_file(src / db_rel, db);
  const std::string log = (tmp / "log.txt").string();
  const std::string cmd = "SWEPO=" + std::string(SWEPO_BIN) + " bash " + (src / script).string() + " " + db.string() +
                          " " + tmp.string() + " >" + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_EQ(WEXITSTATUS(status), 0) << slurp(log);
  for (const char* sub : {"tables", "plots"}) {
    const auto committed = files_under(src / out_rel / sub);
    const auto drawn = files_under(tmp / sub);
    EXPECT_EQ(committed, drawn) << out_rel << "/" << sub << ": committed files differ from what " << script << " draws";
    for (const auto& name : committed) {
      if (!drawn.count(name)) continue;
      const std::string a = slurp(src / out_rel / sub / name), b = slurp(tmp / sub / name);
      EXPECT_TRUE(a == b) << out_rel << "/" << sub << "/" << name << " differs from its regeneration; rerun: bash "
                          << script << "\n--- regenerated:\n"
                          << b.substr(0, 4000);
    }
  }
  fs::remove_all(tmp);
}

}  // namespace

TEST(ResultsRegenerate, CommittedTablesAndPlotsMatchTheDatabase) {
  expect_regenerates("scripts/render_results.sh", "results/swepo.db", "results");
}

// The first binaries' reproduction, kept with its own store and table specs (results/archive/README.md).
TEST(ResultsRegenerate, ArchivedTablesAndPlotsMatchTheArchivedDatabase) {
  expect_regenerates("results/archive/render.sh", "results/archive/swepo.db", "results/archive");
}
