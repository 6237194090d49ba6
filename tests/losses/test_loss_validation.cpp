// Bad input is a UserError naming the loss, the field, the prompt index and the shape.
#include <gtest/gtest.h>

#include <cmath>

#include "core/util/error.h"
#include "loss_test_util.h"

namespace swepo::test {
namespace {

const Group kA{{-1, -2, -3}, {-1, -1, -1}, {1, 2, 3}, {4, 5, 6}};

// The message of the UserError that compute() throws (fails the test when none is thrown).
std::string error_of(const std::string& loss_name, const PreferenceBatch& b) {
  auto loss = loss_named(loss_name);
  try {
    run(*loss, b);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UserError for " << loss_name;
  return "";
}

void expect_contains(const std::string& msg, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

TEST(LossValidation, ShapeMismatch) {
  PreferenceBatch b = make_batch({kA, kA});
  b.scores = b.scores.narrow(1, 0, 2);
  expect_contains(error_of("swepo", b), {"loss 'swepo'", "'scores'", "[2, 2]", "[2, 3]"});
}

TEST(LossValidation, NonFiniteValidEntryNamesFieldPromptAndResponse) {
  PreferenceBatch b = make_batch({kA, kA});
  b.ref_logps[1][2] = std::nan("");
  expect_contains(error_of("dpo", b), {"'ref_logps'", "prompt 1", "response 2", "[2, 3]"});
  b = make_batch({kA, kA});
  b.scores[0][1] = INFINITY;
  expect_contains(error_of("infonca", b), {"'scores'", "prompt 0", "response 1", "inf"});
  b = make_batch({kA, kA});
  b.policy_logps = b.policy_logps.detach().clone();
  b.policy_logps[1][0] = -INFINITY;
  expect_contains(error_of("swepo", b), {"'policy_logps'", "prompt 1"});
}

TEST(LossValidation, NonFiniteInPaddingIsFine) {
  Group short_group{{-1, -2}, {-1, -1}, {1, 2}, {4, 5}};
  PreferenceBatch b = make_batch({kA, short_group}, 0, std::nan(""));
  for (const auto& name : loss_names()) EXPECT_NO_THROW(run(*loss_named(name), b)) << name;
}

TEST(LossValidation, TooFewValidResponses) {
  Group one{{-1}, {-1}, {1}, {3}};
  PreferenceBatch b = make_batch({kA, kA, one});
  expect_contains(error_of("dpo_all_pairs", b), {"prompt 2", "1 valid response", "at least 2", "[3, 3]"});
}

TEST(LossValidation, NegativeAndZeroLengths) {
  PreferenceBatch b = make_batch({kA, kA});
  b.lengths[1][1] = -3;
  expect_contains(error_of("simpo", b), {"'lengths'", "prompt 1", "response 1", "positive"});
  expect_contains(error_of("dpo", b), {"'lengths'", "prompt 1", "negative"});  // checked when given
  b.lengths[1][1] = 0;
  expect_contains(error_of("simpo", b), {"'lengths'", "prompt 1", "positive"});
  EXPECT_NO_THROW(run(*loss_named("dpo"), b));  // dpo does not divide by lengths
}

TEST(LossValidation, MissingFieldsTheLossReads) {
  PreferenceBatch b = make_batch({kA});
  b.ref_logps = at::Tensor();
  expect_contains(error_of("swepo", b), {"'ref_logps'", "missing"});
  EXPECT_NO_THROW(run(*loss_named("simpo"), b));  // reference-free
  b = make_batch({kA});
  b.lengths = at::Tensor();
  expect_contains(error_of("simpo", b), {"'lengths'", "missing"});
  b = make_batch({kA});
  b.mask = b.mask.to(at::kFloat);
  expect_contains(error_of("dpo", b), {"'mask'", "bool"});
}

}  // namespace
}  // namespace swepo::test
