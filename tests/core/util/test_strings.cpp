#include <gtest/gtest.h>

#include "core/util/strings.h"

using namespace swepo;

TEST(Strings, EditDistanceByHand) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);  // k->s, e->i, +g
  EXPECT_EQ(edit_distance("", "abc"), 3);
  EXPECT_EQ(edit_distance("abc", "abc"), 0);
}

TEST(Strings, DidYouMean) {
  std::vector<std::string> names = {"beta", "alpha", "weighting"};
  EXPECT_EQ(closest_match("alpah", names), "alpha");
  EXPECT_EQ(did_you_mean("alpah", names), " (did you mean 'alpha'?)");
  EXPECT_EQ(did_you_mean("zzzzzzzzzzzzzzzz", names), "");
}

TEST(Strings, SplitJoinTrim) {
  EXPECT_EQ(split("a.b..c", '.'), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(join({"x", "y"}, ", "), "x, y");
  EXPECT_EQ(trim("  hi \n"), "hi");
}
