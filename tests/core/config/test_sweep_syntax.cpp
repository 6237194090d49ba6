// Hydra's sweep syntax: each expected list is written out by hand from Hydra's rules
// (BasicSweeper = itertools.product over the overrides in order; the last varies fastest).
#include <gtest/gtest.h>

#include "core/util/error.h"
#include "core/config/sweep_syntax.h"

namespace swepo {
namespace {

using Jobs = std::vector<std::vector<std::string>>;
const std::string kConf = SWEPO_SOURCE_DIR "/tests/sweeps/conf";

TEST(SweepSyntax, ProductLastAxisVariesFastest) {
  Jobs want = {{"a=1", "b=x"}, {"a=1", "b=y"}, {"a=2", "b=x"}, {"a=2", "b=y"}};
  EXPECT_EQ(expand_multirun({"a=1,2", "b=x,y"}), want);
}

TEST(SweepSyntax, PlainOverridesKeepTheirPlace) {
  Jobs want = {{"c=0", "a=1", "d=z"}, {"c=0", "a=2", "d=z"}};
  EXPECT_EQ(expand_multirun({"c=0", "a=1,2", "d=z"}), want);
}

TEST(SweepSyntax, RepeatedKeyKeepsFirstPositionAndLastValue) {
  // OrderedDict semantics: a's axis [1,2] is replaced by [5] where a first appeared.
  Jobs want = {{"a=5", "b=3"}};
  EXPECT_EQ(expand_multirun({"a=1,2", "b=3", "a=5"}), want);
}

TEST(SweepSyntax, IntRanges) {
  EXPECT_EQ(sweep_values("s", "range(3)"), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(sweep_values("s", "range(1,7,2)"), (std::vector<std::string>{"1", "3", "5"}));
  EXPECT_EQ(sweep_values("s", "range(5, 0, -2)"), (std::vector<std::string>{"5", "3", "1"}));
  EXPECT_EQ(sweep_values("s", "range(start=2,stop=4)"), (std::vector<std::string>{"2", "3"}));
}

TEST(SweepSyntax, FloatRangesAccumulateExactly) {
  // 0 + k * 0.25 for k = 0..3 (1.0 is excluded); Hydra prints floats with Python's repr.
  EXPECT_EQ(sweep_values("x", "range(0,1,0.25)"), (std::vector<std::string>{"0.0", "0.25", "0.5", "0.75"}));
  // Decimal accumulation: 0.0, 0.1, 0.2 and not 0.30000000000000004 (< 0.3 in binary floats).
  EXPECT_EQ(sweep_values("x", "range(0,0.3,0.1)"), (std::vector<std::string>{"0.0", "0.1", "0.2"}));
  EXPECT_EQ(sweep_values("x", "range(1.5,0,-0.5)"), (std::vector<std::string>{"1.5", "1.0", "0.5"}));
}

TEST(SweepSyntax, ChoiceQuotesAndBrackets) {
  EXPECT_EQ(sweep_values("k", "choice(dpo, swepo)"), (std::vector<std::string>{"dpo", "swepo"}));
  EXPECT_EQ(sweep_values("k", "'a,b',c"), (std::vector<std::string>{"'a,b'", "c"}));
  EXPECT_EQ(sweep_values("k", "[1,2],[3]"), (std::vector<std::string>{"[1,2]", "[3]"}));
  EXPECT_EQ(sweep_values("k", "{a: 1, b: 2}"), (std::vector<std::string>{"{a: 1, b: 2}"}));
  EXPECT_EQ(sweep_values("k", "plain"), (std::vector<std::string>{"plain"}));
}

TEST(SweepSyntax, ElementsAreNormalisedLikeHydra) {
  // int(007) = 7; float('1e-3') = 0.001; float('2.50') = 2.5; float('1.') = 1.0
  EXPECT_EQ(sweep_values("k", "007,1e-3,2.50,1.,true,null"),
            (std::vector<std::string>{"7", "0.001", "2.5", "1.0", "true", "null"}));
}

TEST(SweepSyntax, PythonFloatRepr) {
  EXPECT_EQ(sweep_python_float(0.1), "0.1");
  EXPECT_EQ(sweep_python_float(1.0), "1.0");
  EXPECT_EQ(sweep_python_float(-2.5), "-2.5");
  EXPECT_EQ(sweep_python_float(1e-5), "1e-05");
  EXPECT_EQ(sweep_python_float(2.5e-7), "2.5e-07");
  EXPECT_EQ(sweep_python_float(0.0001), "0.0001");
  EXPECT_EQ(sweep_python_float(1e16), "1e+16");
  EXPECT_EQ(sweep_python_float(123456789.0), "123456789.0");
  EXPECT_EQ(sweep_python_float(0.1 + 0.2), "0.30000000000000004");
}

TEST(SweepSyntax, GlobOverGroupOptions) {
  // conf/loss holds dpo.yaml, ipo.yaml, swepo.yaml: sorted, then filtered.
  EXPECT_EQ(sweep_values("loss", "glob(*)", kConf), (std::vector<std::string>{"dpo", "ipo", "swepo"}));
  EXPECT_EQ(sweep_values("loss", "glob(*,exclude=ipo)", kConf), (std::vector<std::string>{"dpo", "swepo"}));
  EXPECT_EQ(sweep_values("loss", "glob([s*,d*])", kConf), (std::vector<std::string>{"dpo", "swepo"}));
  EXPECT_EQ(sweep_values("loss", "glob(include=*po,exclude=[s*])", kConf),
            (std::vector<std::string>{"dpo", "ipo"}));
  Jobs want = {{"loss=dpo", "seed=0"}, {"loss=dpo", "seed=1"}, {"loss=ipo", "seed=0"},
               {"loss=ipo", "seed=1"}, {"loss=swepo", "seed=0"}, {"loss=swepo", "seed=1"}};
  EXPECT_EQ(expand_multirun({"loss=glob(*)", "seed=range(2)"}, kConf), want);
}

TEST(SweepSyntax, PrefixesAndDeletions) {
  Jobs want = {{"+trainer.clip=1.0", "~eval"}, {"+trainer.clip=2.0", "~eval"}};
  EXPECT_EQ(expand_multirun({"+trainer.clip=1.0,2.0", "~eval"}), want);
}

void expect_error(const std::string& ov, const std::string& part, const std::string& conf = "") {
  try {
    expand_multirun({ov}, conf);
    ADD_FAILURE() << ov << " did not throw";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(ov.substr(0, ov.find('='))), std::string::npos) << e.what();
  }
}

TEST(SweepSyntax, Errors) {
  expect_error("a=range(0,3,0)", "step must not be 0");
  expect_error("a=range(x,3)", "must be numbers");
  expect_error("a=range(3,0)", "is empty");
  expect_error("a=range(1,2,3,4)", "at most 3");
  expect_error("a=1,,2", "empty element");
  expect_error("a='x,y", "unterminated quote");
  expect_error("a=shuffle(1,2)", "not supported");
  expect_error("loss=glob(zz*)", "matches no option", kConf);
  expect_error("nosuch=glob(*)", "no config group 'nosuch'", kConf);
  expect_error("novalue", "expected key=value");
}

// Found by fuzz/fuzz_sweep_syntax (libFuzzer + UBSan): range() arguments whose exact decimals do
// not fit a long long overflowed (signed overflow in pow10 / the products / x += step), and an
// exponent past int made std::stoi throw std::out_of_range instead of a UserError.
TEST(SweepSyntax, FuzzRangeDigitsOverflow) {
  // The fuzzer's input, verbatim: a step of 2.5e-3103 needs 3104 decimal places.
  EXPECT_EQ(expand_multirun({"loss=dpo,swepo"}).size(), 2u);
  expect_error("seed=range(5,-0.0,2.5e-3103)", "more than 17 significant digits or 18 decimal places");
  expect_error("a=range(0,1,1e-30)", "decimal places");
  expect_error("a=range(0,1e99999999999)", "significant digits");
  expect_error("a=range(1,123456789012345678)", "significant digits");
  // Each fits alone, not at the common scale of 0.001: 9e16 * 1000 > 2^63.
  expect_error("a=range(0,90000000000000000,0.001)", "more than 18 digits at a common scale");
  // The step would carry x past 2^63 - 1 after the second value: the range ends there.
  EXPECT_EQ(sweep_values("a", "range(0.00,92000000000000000,50000000000000000)"),
            (std::vector<std::string>{"0.0", "5e+16"}));
  // Leading zeros are not significant digits; a zero with any exponent is zero.
  EXPECT_EQ(sweep_values("a", "range(00000000000000000001,3)"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(sweep_values("a", "range(0e-40,0.5,0.25)"), (std::vector<std::string>{"0.0", "0.25"}));
}

}  // namespace
}  // namespace swepo
