// The contract every registered loss keeps, run over the registry (how to add a loss: one row in
// losses/registry.cpp, and this suite covers it automatically).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "core/config/tree.h"
#include "core/util/error.h"
#include "loss_test_util.h"

namespace swepo::test {
namespace {

class LossContract : public ::testing::TestWithParam<std::string> {};

// Four groups, K = 4: 0 and 1 with distinct scores, 2 padded to K_b = 3, 3 with all scores tied.
std::vector<Group> contract_groups() {
  return {{{-5, -6, -7, -4}, {-5.5, -5, -7, -6}, {8, 3, 5, 1}, {10, 12, 9, 4}},
          {{-2, -9, -3, -8}, {-3, -8, -3, -7}, {2, 7, 6, 9}, {3, 20, 4, 11}},
          {{-4, -3, -6}, {-4.5, -3.5, -5}, {1, 2, 3}, {6, 5, 8}},
          {{-4, -3, -6, -1}, {-4.5, -3.5, -5, -2}, {5, 5, 5, 5}, {6, 5, 8, 2}}};
}

TEST_P(LossContract, DefaultsConstructAndOutputIsWellFormed) {
  const LossInfo& info = find_loss(GetParam());
  EXPECT_EQ(info.name, GetParam());
  EXPECT_FALSE(info.summary.empty());
  auto loss = info.parse(YAML::Node(), "loss", nullptr).make();
  EXPECT_EQ(loss->traits().min_k, info.traits.min_k);
  EXPECT_EQ(loss->traits().needs_reference, info.traits.needs_reference);
  for (auto dtype : {at::kDouble, at::kFloat}) {
    PreferenceBatch b = make_batch(contract_groups(), 0, 0.0, dtype);
    if (!info.traits.needs_reference) b.ref_logps = at::Tensor();
    b.policy_logps = b.policy_logps.detach().requires_grad_(true);
    LossOutput out = run(*loss, b);
    ASSERT_EQ(out.per_prompt.sizes(), at::IntArrayRef({4}));
    ASSERT_EQ(out.used.sizes(), at::IntArrayRef({4}));
    EXPECT_EQ(out.used.scalar_type(), at::kBool);
    EXPECT_EQ(out.per_prompt.scalar_type(), dtype);
    EXPECT_TRUE(at::isfinite(out.per_prompt).all().item<bool>()) << out.per_prompt;
    // Groups 0-2 are used; the tied group 3 is used exactly when the loss does not skip ties.
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(out.used[i].item<bool>()) << i;
    EXPECT_EQ(out.used[3].item<bool>(), !info.traits.skips_ties);
    if (info.traits.skips_ties) {
      EXPECT_EQ(out.per_prompt[3].item<double>(), 0.0);
    }
    at::Tensor mean = out.mean_loss();
    EXPECT_EQ(mean.dim(), 0);
    mean.backward();
    at::Tensor g = b.policy_logps.grad();  // [4, 4]
    ASSERT_TRUE(g.defined());
    EXPECT_TRUE(at::isfinite(g).all().item<bool>());
    EXPECT_EQ(g[2][3].item<double>(), 0.0);  // padding
    if (info.traits.skips_ties) {
      EXPECT_EQ(g[3].abs().sum().item<double>(), 0.0);
    }
    EXPECT_GT(g.abs().sum().item<double>(), 0.0);
    // Metrics are detached (sum, count) pairs and finalize to finite numbers.
    for (const auto& [key, m] : out.metrics) {
      EXPECT_FALSE(m.sum.requires_grad()) << key;
      EXPECT_EQ(m.sum.dim(), 0) << key;
    }
    auto fin = finalize_metrics(out.metrics, out.used);
    for (const char* key : {"rewards/chosen", "rewards/rejected", "rewards/margins",
                            "rewards/accuracies", "groups/used", "groups/skipped"})
      ASSERT_TRUE(fin.count(key)) << key;
    for (const auto& [key, v] : fin) EXPECT_TRUE(std::isfinite(v)) << key;
    EXPECT_EQ(fin.at("groups/used") + fin.at("groups/skipped"), 4.0);
  }
}

TEST_P(LossContract, EveryOptionIsDocumentedAndHasAConfigFile) {
  const LossInfo& info = find_loss(GetParam());
  auto docs = info.describe();
  ASSERT_FALSE(docs.empty());
  EXPECT_EQ(docs[0].key, "beta");
  EXPECT_EQ(YAML::Load(docs[0].default_value).as<double>(), 0.1);
  std::set<std::string> keys;
  for (const auto& d : docs) {
    EXPECT_FALSE(d.help.empty()) << d.key;
    keys.insert(d.key);
  }
  // experiments/conf/loss/<name>.yaml: `name: <name>` plus only the options it deliberately
  // changes (the struct is the one source of defaults): each differs from its default and its line
  // carries a comment saying why.
  std::string path = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/loss/" + GetParam() + ".yaml";
  YAML::Node file = YAML::LoadFile(path);
  EXPECT_EQ(file["name"].as<std::string>(), GetParam());
  std::map<std::string, std::string> line_of;  // top-level key -> its line in the file
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#' && line[0] != ' ' && line.find(':') != std::string::npos)
      line_of[line.substr(0, line.find(':'))] = line;
  for (const auto& kv : file) {
    const std::string key = kv.first.as<std::string>();
    if (key == "name") continue;
    ASSERT_TRUE(keys.count(key)) << path << ": '" << key << "' is not an option";
    for (const auto& d : docs) {
      if (d.key != key) continue;
      YAML::Node want = YAML::Load(d.default_value), got = kv.second;
      double a = 0, b = 0;
      if (YAML::convert<double>::decode(want, a) && YAML::convert<double>::decode(got, b))
        EXPECT_NE(a, b) << path << ": " << key << " repeats its default";
      else
        EXPECT_NE(yaml_scalar_text(got), d.default_value) << path << ": " << key
                                                          << " repeats its default";
    }
    EXPECT_NE(line_of[key].find('#'), std::string::npos) << path << ": " << key
                                                         << " needs a comment saying why";
  }
  EXPECT_NO_THROW(make_loss(file));
}

TEST_P(LossContract, UnknownOptionIsAnErrorNamingTheClosestKey) {
  try {
    loss_named(GetParam(), "{betta: 0.2}");
    FAIL() << "no error";
  } catch (const UserError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("loss.betta"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'beta'"), std::string::npos) << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, LossContract, ::testing::ValuesIn(loss_names()));

TEST(LossRegistry, ListsEveryLossInTableOrder) {
  EXPECT_EQ(loss_names(), (std::vector<std::string>{"dpo", "dpo_best_vs_rest", "dpo_all_pairs", "ipo",
                                                    "infonca", "nca", "swepo_1vk", "swepo", "simpo"}));
  EXPECT_FALSE(find_loss("simpo").traits.needs_reference);
  EXPECT_TRUE(find_loss("simpo").traits.needs_lengths);
  EXPECT_FALSE(find_loss("infonca").traits.skips_ties);
}

TEST(LossRegistry, UnknownNameListsValidNames) {
  try {
    loss_named("swep");
    FAIL() << "no error";
  } catch (const UserError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("unknown loss 'swep'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'swepo'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dpo_all_pairs"), std::string::npos) << msg;
  }
}

TEST(LossRegistry, OptionErrorsNameKeyAndFile) {
  Origins origins = {{"loss", "conf/loss/swepo.yaml"}};
  YAML::Node cfg = YAML::Load("{name: swepo, weighting: absolute}");
  try {
    make_loss(cfg, &origins);
    FAIL() << "no error";
  } catch (const UserError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("loss.weighting"), std::string::npos) << msg;
    EXPECT_NE(msg.find("conf/loss/swepo.yaml"), std::string::npos) << msg;
    EXPECT_NE(msg.find("abs, signed"), std::string::npos) << msg;
  }
  EXPECT_THROW(loss_named("dpo", "{beta: fast}"), UserError);
  EXPECT_THROW(loss_named("dpo", "{beta: -1}"), UserError);
  EXPECT_THROW(loss_named("dpo", "{label_smoothing: 0.5}"), UserError);
  EXPECT_THROW(loss_named("swepo", "{p: -1}"), UserError);
  EXPECT_THROW(make_loss(YAML::Load("{beta: 0.1}")), UserError);  // no name
  EXPECT_THROW(make_loss(YAML::Load("swepo")), UserError);        // not a mapping
}

TEST(LossRegistry, SpecIsParsedOnceAndRecordsEveryOption) {
  LossSpec spec = parse_loss_spec(YAML::Load("{name: swepo, p: 2}"));
  EXPECT_EQ(spec.name(), "swepo");
  EXPECT_EQ(spec.info, &find_loss("swepo"));
  // Every option with its resolved value, defaults included, spelled as a preset writes them.
  EXPECT_EQ(tree_canonical(spec.to_yaml()),
            tree_canonical(YAML::Load("{name: swepo, beta: 0.1, alpha: 1, p: 2, weighting: abs, score_norm: none, "
                                      "split: mean, nll_weight: 0}")));
  ASSERT_EQ(spec.options.size(), 7u);
  EXPECT_EQ(spec.options[0].key, "beta");
  EXPECT_EQ(spec.options[0].value, "0.1");
  EXPECT_EQ(spec.options[6].key, "nll_weight");  // the options every loss has come last
  // make() builds independent losses from the parsed options, equal to building from YAML.
  PreferenceBatch b = make_batch(contract_groups());
  LossSpec copy = spec;
  double a = mean_value(*spec.make(), b), c = mean_value(*copy.make(), b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a, mean_value(*loss_named("swepo", "{p: 2}"), b));
  EXPECT_NE(a, mean_value(*loss_named("swepo"), b));
}

}  // namespace
}  // namespace swepo::test
