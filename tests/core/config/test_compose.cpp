// compose_config over the fixture trees in tests/core/config/fixtures/: defaults lists, _self_
// ordering, group switching, overrides end to end, file errors, and Fields naming the source file.
#include <gtest/gtest.h>

#include "core/config/compose.h"
#include "core/config/fields.h"
#include "core/config/tree.h"
#include "core/util/error.h"

namespace swepo {
namespace {

const std::string kConf = std::string(SWEPO_SOURCE_DIR) + "/tests/core/config/fixtures/conf";
const std::string kBroken = std::string(SWEPO_SOURCE_DIR) + "/tests/core/config/fixtures/broken";

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError";
  return "";
}

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

ComposedConfig compose(const std::vector<std::string>& overrides, const std::string& name = "config") {
  return compose_config(kConf, overrides, name);
}

int get_int(const YAML::Node& root, const std::string& dotted) {
  auto n = tree_find(root, dotted);
  if (!n) ADD_FAILURE() << "missing key " << dotted;
  return n ? n->as<int>() : -1;
}

TEST(Compose, DefaultsListThenSelf) {
  ComposedConfig c = compose({});
  // Group keys come first (defaults order), then the primary's own keys (_self_ last).
  EXPECT_EQ(map_keys(c.config),
            (std::vector<std::string>{"model", "loss", "seed", "trainer", "output_dir"}));
  // model/tiny.yaml sets width 8, the primary sets 16 and is merged after it: 16 wins; the
  // other keys of tiny.yaml survive the deep merge.
  EXPECT_EQ(get_int(c.config, "model.width"), 16);
  EXPECT_EQ(get_int(c.config, "model.depth"), 2);
  EXPECT_EQ(c.config["model"]["activation"].Scalar(), "relu");
  EXPECT_EQ(c.config["loss"]["name"].Scalar(), "swepo");
  EXPECT_FALSE(map_child(c.config, "optim").has_value());  // optim: null selects nothing
  EXPECT_FALSE(map_child(c.config, "defaults").has_value());
  EXPECT_EQ(c.config["output_dir"].Scalar(), "out/swepo/seed0");  // interpolation resolved
  EXPECT_EQ(c.choices, (std::map<std::string, std::string>{
                           {"model", "tiny"}, {"loss", "swepo"}, {"optim", "null"}}));
  EXPECT_EQ(c.origins.at("model.width"), kConf + "/config.yaml");
  EXPECT_EQ(c.origins.at("model.depth"), kConf + "/model/tiny.yaml");
  EXPECT_EQ(c.origins.at("loss.name"), kConf + "/loss/swepo.yaml");
  EXPECT_EQ(c.origins.at("trainer.lr"), kConf + "/config.yaml");
}

TEST(Compose, SelfFirstLetsGroupsWin) {
  ComposedConfig c = compose({}, "self_first");
  EXPECT_EQ(get_int(c.config, "model.width"), 8);  // tiny.yaml merged after the primary
  EXPECT_EQ(c.origins.at("model.width"), kConf + "/model/tiny.yaml");
  EXPECT_EQ(map_keys(c.config), (std::vector<std::string>{"seed", "model"}));
}

TEST(Compose, MissingSelfMeansLast) {
  ComposedConfig c = compose({}, "no_self");  // Hydra 1.1+: _self_ appended at the end
  EXPECT_EQ(get_int(c.config, "model.width"), 16);
  EXPECT_EQ(get_int(c.config, "model.depth"), 2);
}

TEST(Compose, PlainConfigEntryMergesAtTheTop) {
  ComposedConfig c = compose({}, "with_base");
  EXPECT_EQ(get_int(c.config, "common.x"), 1);
  EXPECT_EQ(get_int(c.config, "common.y"), 2);  // primary after base.yaml
  EXPECT_EQ(c.origins.at("common.x"), kConf + "/base.yaml");
  EXPECT_EQ(c.origins.at("common.y"), kConf + "/with_base.yaml");
}

TEST(Compose, GroupSwitch) {
  ComposedConfig c = compose({"model=big", "loss=dpo"});
  EXPECT_EQ(get_int(c.config, "model.depth"), 12);
  EXPECT_EQ(get_int(c.config, "model.width"), 16);  // the primary still wins (_self_ last)
  EXPECT_EQ(c.config["model"]["activation"].Scalar(), "gelu");
  EXPECT_EQ(c.config["loss"]["name"].Scalar(), "dpo");
  EXPECT_FALSE(map_child(c.config["loss"], "alpha").has_value());  // swepo.yaml not merged
  EXPECT_EQ(c.config["output_dir"].Scalar(), "out/dpo/seed0");
  EXPECT_EQ(c.choices.at("model"), "big");
  EXPECT_EQ(c.choices.at("loss"), "dpo");
  EXPECT_EQ(c.origins.at("model.depth"), kConf + "/model/big.yaml");
}

TEST(Compose, GroupOverridesApplyBeforeKeyOverrides) {
  // Whatever the order on the command line, the group is switched before keys are set.
  ComposedConfig c = compose({"model.depth=3", "model=big", "seed=4"});
  EXPECT_EQ(get_int(c.config, "model.depth"), 3);
  EXPECT_EQ(c.config["model"]["activation"].Scalar(), "gelu");
  EXPECT_EQ(c.config["output_dir"].Scalar(), "out/swepo/seed4");  // uses the overridden seed
  EXPECT_EQ(c.origins.at("model.depth"), "<command line>");
  EXPECT_EQ(c.overrides, (std::vector<std::string>{"model.depth=3", "model=big", "seed=4"}));
}

TEST(Compose, NullPlaceholderAndAddedGroups) {
  ComposedConfig c = compose({"optim=adam", "+extra=fast"});
  EXPECT_EQ(c.config["optim"]["lr"].Scalar(), "0.001");
  EXPECT_EQ(c.choices.at("optim"), "adam");
  EXPECT_EQ(get_int(c.config, "extra.steps"), 1);
  EXPECT_EQ(c.choices.at("extra"), "fast");
  EXPECT_EQ(map_keys(c.config).back(), "extra");  // appended after _self_

  c = compose({"++extra=fast", "++model=big"});  // ++ adds or switches
  EXPECT_EQ(c.choices.at("extra"), "fast");
  EXPECT_EQ(c.choices.at("model"), "big");

  c = compose({"model=null"});  // disables the group; the primary's model keys remain
  EXPECT_EQ(tree_canonical(c.config["model"]), R"({"width":i:16})");
  EXPECT_EQ(c.choices.at("model"), "null");
}

TEST(Compose, DeleteGroup) {
  ComposedConfig c = compose({"~model"});
  EXPECT_EQ(tree_canonical(c.config["model"]), R"({"width":i:16})");
  EXPECT_EQ(c.choices.count("model"), 0u);
  c = compose({"~model=tiny"});
  EXPECT_EQ(c.choices.count("model"), 0u);
  std::string msg = error_of([] { compose({"~model=big"}); });
  EXPECT_HAS(msg, "override '~model=big': cannot delete config group 'model': its option is "
                  "'tiny', not 'big'");
  msg = error_of([] { compose({"~extra"}); });
  EXPECT_HAS(msg, "config group 'extra' is not in the defaults list");
}

TEST(Compose, GroupErrors) {
  std::string msg = error_of([] { compose({"model=tinny"}); });
  EXPECT_HAS(msg, "override 'model=tinny': unknown option 'tinny' for config group 'model' "
                  "(did you mean 'tiny'?); valid options: big, tiny, typo");
  msg = error_of([] { compose({}, "bad_option"); });
  EXPECT_HAS(msg, kConf + "/bad_option.yaml (defaults list): unknown option 'tinny'");
  EXPECT_HAS(msg, "valid options: big, tiny, typo");
  msg = error_of([] { compose({"extra=fast"}); });
  EXPECT_HAS(msg, "override 'extra=fast': config group 'extra' is not in the defaults list");
  EXPECT_HAS(msg, "use '+extra=fast' to add it");
  msg = error_of([] { compose({"+model=big"}); });
  EXPECT_HAS(msg, "config group 'model' is already in the defaults list (option 'tiny'); use "
                  "'model=big' to switch it");
  msg = error_of([] { compose({"model=[tiny,big]"}); });
  EXPECT_HAS(msg, "config group 'model' takes one option name");
  msg = error_of([] { compose({"+optim=sgd"}); });  // a null placeholder is switched, not added
  EXPECT_HAS(msg, "already in the defaults list (option 'null')");
  EXPECT_EQ(config_group_options(kConf, "model"), (std::vector<std::string>{"big", "tiny", "typo"}));
}

TEST(Compose, KeyOverridesEndToEnd) {
  ComposedConfig c = compose({"trainer.lr=0.01", "+trainer.clip=1", "~trainer.tags", "seed='5'",
                              "+run=${loss.name}_${seed}"});
  EXPECT_EQ(c.config["trainer"]["lr"].Scalar(), "0.01");
  EXPECT_EQ(get_int(c.config, "trainer.clip"), 1);
  EXPECT_FALSE(map_child(c.config["trainer"], "tags").has_value());
  EXPECT_EQ(scalar_kind(c.config["seed"]), ScalarKind::String);
  EXPECT_EQ(c.config["output_dir"].Scalar(), "out/swepo/seed5");
  EXPECT_EQ(c.config["run"].Scalar(), "swepo_5");  // overrides may interpolate too
  EXPECT_EQ(c.origins.at("trainer.clip"), "<command line>");
  EXPECT_EQ(c.origins.count("trainer.tags"), 0u);

  std::string msg = error_of([] { compose({"trainer.lrr=1"}); });
  EXPECT_HAS(msg, "override 'trainer.lrr=1': key 'trainer.lrr' is not in the config (did you "
                  "mean 'trainer.lr'?)");
  msg = error_of([] { compose({"+seed=1"}); });
  EXPECT_HAS(msg, "key 'seed' already exists with value '0' (from " + kConf + "/config.yaml)");
  msg = error_of([] { compose({"oops"}); });
  EXPECT_HAS(msg, "override 'oops': expected key=value");
}

// A typed schema closes the mappings it declares, the root included (Hydra's struct mode): the
// typed config rejects any other key, so `key=value` on a missing key names the closest key and
// does not suggest '+key=value' (which would only fail later as an unknown key); '+' is suggested
// under a mapping the schema leaves open, and everywhere without a schema.
TEST(Compose, SchemaClosedMappingsHintTheClosestKeyNotPlus) {
  const ConfigSchemaFn schema = [](const YAML::Node&) {
    return YAML::Load("{model: {width: 1, depth: 1, activation: relu}, loss: {name: swepo, alpha: 1.0, p: 1.0}}");
  };
  auto typed = [&](const std::vector<std::string>& o) { return compose_config(kConf, o, "config", schema); };
  std::string msg = error_of([&] { typed({"loss.alpah=0.01"}); });
  EXPECT_HAS(msg, "override 'loss.alpah=0.01': key 'loss.alpah' is not in the config (did you mean "
                  "'loss.alpha'?); keys under 'loss': name, alpha, p");
  EXPECT_HAS(msg, "the typed config has no such key");
  EXPECT_EQ(msg.find("'+"), std::string::npos) << msg;
  msg = error_of([&] { typed({"sedd=1"}); });
  EXPECT_HAS(msg, "key 'sedd' is not in the config (did you mean 'seed'?)");
  EXPECT_EQ(msg.find("'+"), std::string::npos) << msg;
  msg = error_of([&] { typed({"model.widht.x=1"}); });  // a missing intermediate mapping too
  EXPECT_HAS(msg, "(did you mean 'model.width'?)");
  EXPECT_EQ(msg.find("'+"), std::string::npos) << msg;
  msg = error_of([&] { typed({"trainer.lrr=1"}); });  // trainer: not declared, open
  EXPECT_HAS(msg, "(did you mean 'trainer.lr'?)");
  EXPECT_HAS(msg, "use '+trainer.lrr=1' to add it");
  EXPECT_EQ(typed({"loss.alpha=0.5"}).config["loss"]["alpha"].Scalar(), "0.5");  // existing keys still change
  msg = error_of([] { compose({"loss.alpah=0.01"}); });
  EXPECT_HAS(msg, "use '+loss.alpah=0.01' to add it");
}

TEST(Compose, FileErrors) {
  // model/bad.yaml line 4 is indented by one space under a two-space mapping.
  std::string msg = error_of([] { compose_config(kBroken, {}); });
  EXPECT_HAS(msg, kBroken + "/model/bad.yaml:4:2: invalid YAML: end of map not found");
  msg = error_of([] { compose_config(kBroken, {}, "bad_primary"); });
  EXPECT_HAS(msg, kBroken + "/bad_primary.yaml:4:2: invalid YAML");
  msg = error_of([] { compose_config(kBroken, {}, "list_primary"); });
  EXPECT_HAS(msg, kBroken + "/list_primary.yaml: expected a mapping");
  msg = error_of([] { compose_config(kBroken, {}, "bad_defaults"); });
  EXPECT_HAS(msg, kBroken + "/bad_defaults.yaml: defaults entry 1 '{model: bad}': config group "
                            "'model' appears twice");
  // dup_keys.yaml repeats `lr` on line 4 (column 3, under `trainer:`).
  msg = error_of([] { compose_config(kBroken, {}, "dup_keys"); });
  EXPECT_HAS(msg, kBroken + "/dup_keys.yaml:4:3: duplicate key 'lr'");
  msg = error_of([] { compose_config(kBroken, {}, "nope"); });
  EXPECT_HAS(msg, "config file not found: '" + kBroken + "/nope.yaml'");
  msg = error_of([] { compose_config(kBroken + "/missing", {}); });
  EXPECT_HAS(msg, "config folder not found");
}

// A typed section, as the commands declare them.
struct ModelOptions {
  int width = 1;
  int depth = 1;
  std::string activation = "relu";
  template <class V>
  void visit(V& v) {
    v("width", width, "hidden size");
    v("depth", depth, "number of layers");
    v("activation", activation, "nonlinearity");
  }
};

TEST(Compose, FieldsNameTheFileOfAnUnknownKey) {
  ComposedConfig c = compose({"model=typo"});
  ModelOptions m;
  Fields f(c.config["model"], "model", &c.origins);
  m.visit(f);
  std::string msg = error_of([&] { f.done(); });
  EXPECT_HAS(msg, "unknown config key 'model.widht' (from " + kConf +
                      "/model/typo.yaml) (did you mean 'width'?)");

  ComposedConfig ok = compose({"+model.dropout=0.1"});
  Fields g(ok.config["model"], "model", &ok.origins);
  m.visit(g);
  msg = error_of([&] { g.done(); });
  EXPECT_HAS(msg, "unknown config key 'model.dropout' (from <command line>)");

  ComposedConfig good = compose({"model.depth=5"});
  Fields h(good.config["model"], "model", &good.origins);
  m.visit(h);
  h.done();
  EXPECT_EQ(m.width, 16);
  EXPECT_EQ(m.depth, 5);
}

// Found by fuzzing sweep files (fuzz/fuzz_sweep_file): Fields::done() read every key with
// as<std::string>(), which throws yaml-cpp's bad conversion for a non-scalar key (`? [a, b]: 1`).
TEST(Compose, FuzzFieldsRefuseNonScalarKeys) {
  YAML::Node node = YAML::Load("width: 2\n? [a, b]\n: 1\n");
  Origins origins{{"model", "conf/model/x.yaml"}};
  ModelOptions m;
  Fields f(node, "model", &origins);
  m.visit(f);
  std::string msg = error_of([&] { f.done(); });
  EXPECT_HAS(msg, "config section 'model' (from conf/model/x.yaml): a key must be a plain name, got [a, b]");
}

}  // namespace
}  // namespace swepo
