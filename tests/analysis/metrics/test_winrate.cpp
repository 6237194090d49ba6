#include <gtest/gtest.h>

#include <cmath>

#include "analysis/metrics/winrate.h"
#include "core/util/error.h"

using namespace swepo::metrics;

TEST(WinRate, HandWorked) {
  // pref − 1 = [1, 0, .5, .75]; mean .5625 -> WR 56.25.
  // deviations .4375, −.5625, −.0625, .1875; squares sum .546875; var (ddof 1) = .18229167;
  // std = .42695628; se = std / sqrt(4) = .21347814 -> 21.347814.
  WinRate r = win_rate({2.0, 1.0, 1.5, 1.75});
  EXPECT_EQ(r.n, 4);
  EXPECT_NEAR(r.win_rate, 56.25, 1e-12);
  EXPECT_NEAR(r.standard_error, 100.0 * std::sqrt(0.546875 / 3.0) / 2.0, 1e-12);
  EXPECT_NEAR(r.standard_error, 21.347814, 1e-6);
}

TEST(WinRate, SingleRowHasNoStandardError) {
  WinRate r = win_rate({1.25});
  EXPECT_NEAR(r.win_rate, 25.0, 1e-12);
  EXPECT_EQ(r.standard_error, 0.0);
}

TEST(WinRate, OutOfRangeNamesTheIndex) {
  try {
    win_rate({1.5, 2.5});
    FAIL();
  } catch (const swepo::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("preference[1]"), std::string::npos) << e.what();
  }
}

TEST(WinRate, JudgePreference) {
  EXPECT_DOUBLE_EQ(judge_preference(0.0, 1.0), 1.5);
  // σ(ln 3) = 3/4; with temperature 2 the difference 2 ln 3 gives the same.
  EXPECT_NEAR(judge_preference(std::log(3.0), 1.0), 1.75, 1e-12);
  EXPECT_NEAR(judge_preference(2.0 * std::log(3.0), 2.0), 1.75, 1e-12);
  EXPECT_NEAR(judge_preference(-std::log(3.0), 1.0), 1.25, 1e-12);
}
