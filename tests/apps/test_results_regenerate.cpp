// The committed tables and plots of results/ are exactly what scripts/render_results.sh (the
// commands of scripts/reproduce.sh) draws from results/swepo.db with the built binary: regenerated
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

}  // namespace

TEST(ResultsRegenerate, CommittedTablesAndPlotsMatchTheDatabase) {
  const fs::path src = SWEPO_SOURCE_DIR;
  const fs::path tmp = fs::temp_directory_path() / ("swepo_results_regen_" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  // A copy of the database: opening a store of an older schema migrates it in place, and the test
  // must not write to the source tree.
  const fs::path db = tmp / "swepo.db";
  fs::copy_file(src / "results/swepo.db", db);
  const std::string log = (tmp / "log.txt").string();
  const std::string cmd = "SWEPO=" + std::string(SWEPO_BIN) + " bash " + (src / "scripts/render_results.sh").string() +
                          " " + db.string() + " " + tmp.string() + " >" + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_EQ(WEXITSTATUS(status), 0) << slurp(log);
  for (const char* sub : {"tables", "plots"}) {
    const auto committed = files_under(src / "results" / sub);
    const auto drawn = files_under(tmp / sub);
    EXPECT_EQ(committed, drawn) << "results/" << sub << ": committed files differ from what render_results.sh draws";
    for (const auto& name : committed) {
      if (!drawn.count(name)) continue;
      const std::string a = slurp(src / "results" / sub / name), b = slurp(tmp / sub / name);
      EXPECT_TRUE(a == b) << "results/" << sub << "/" << name
                          << " differs from its regeneration; rerun: bash scripts/render_results.sh\n--- regenerated:\n"
                          << b.substr(0, 4000);
    }
  }
  fs::remove_all(tmp);
}
