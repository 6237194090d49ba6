// Hydra override grammar: parsing of each form and typed values, and each form applied to a tree.
#include <gtest/gtest.h>

#include "core/config/override.h"
#include "core/config/tree.h"
#include "core/util/error.h"

namespace swepo {
namespace {

// Runs `f`, expects a UserError, and returns its message ("" if nothing was thrown).
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

ScalarKind kind_of(const YAML::Node& n) { return scalar_kind(n); }

TEST(OverrideParse, Forms) {
  Override set = override_parse("trainer.lr=0.01");
  EXPECT_EQ(set.op, Override::Op::Set);
  EXPECT_EQ(set.key, "trainer.lr");
  EXPECT_TRUE(set.has_value);
  EXPECT_EQ(set.value.Scalar(), "0.01");
  EXPECT_EQ(set.text, "trainer.lr=0.01");

  EXPECT_EQ(override_parse("+a.b=1").op, Override::Op::Add);
  EXPECT_EQ(override_parse("+a.b=1").key, "a.b");
  EXPECT_EQ(override_parse("++a.b=1").op, Override::Op::ForceAdd);
  EXPECT_EQ(override_parse("++a.b=1").key, "a.b");

  Override del = override_parse("~a.b");
  EXPECT_EQ(del.op, Override::Op::Delete);
  EXPECT_EQ(del.key, "a.b");
  EXPECT_FALSE(del.has_value);
  Override del_if = override_parse("~a.b=3");
  EXPECT_EQ(del_if.op, Override::Op::Delete);
  EXPECT_TRUE(del_if.has_value);
  EXPECT_EQ(del_if.value.Scalar(), "3");

  EXPECT_EQ(override_parse("db/engine=innodb").key, "db/engine");
}

TEST(OverrideParse, TypedPrimitives) {
  auto v = [](const std::string& s) { return override_value_parse(s, "test"); };
  EXPECT_EQ(kind_of(v("1")), ScalarKind::Int);
  EXPECT_EQ(kind_of(v("-12")), ScalarKind::Int);
  EXPECT_EQ(kind_of(v("1.5")), ScalarKind::Float);
  EXPECT_EQ(kind_of(v("1e-3")), ScalarKind::Float);
  EXPECT_EQ(kind_of(v("inf")), ScalarKind::Float);
  EXPECT_EQ(v("-inf").Scalar(), "-.inf");
  EXPECT_EQ(kind_of(v("nan")), ScalarKind::Float);
  EXPECT_EQ(kind_of(v("true")), ScalarKind::Bool);
  EXPECT_EQ(v("True").Scalar(), "true");  // Hydra: case-insensitive
  EXPECT_EQ(v("FALSE").Scalar(), "false");
  EXPECT_TRUE(v("null").IsNull());
  EXPECT_TRUE(v("NULL").IsNull());
  EXPECT_EQ(kind_of(v("dpo")), ScalarKind::String);
  EXPECT_EQ(v("  hello world  ").Scalar(), "hello world");  // ends trimmed, inside kept
  EXPECT_EQ(v("cuda:0").Scalar(), "cuda:0");
  EXPECT_EQ(v("a\\,b").Scalar(), "a,b");                        // escaped comma
  EXPECT_EQ(v("run_${seed}").Scalar(), "run_${seed}");          // kept for interpolation
  EXPECT_EQ(v("${a.${b}}").Scalar(), "${a.${b}}");              // braces kept whole
  // `key=` is the empty string.
  EXPECT_EQ(kind_of(v("")), ScalarKind::String);
  EXPECT_EQ(v("").Scalar(), "");
}

TEST(OverrideParse, QuotedStringsStayStrings) {
  auto v = [](const std::string& s) { return override_value_parse(s, "test"); };
  EXPECT_EQ(kind_of(v("'1'")), ScalarKind::String);
  EXPECT_EQ(v("'1'").Scalar(), "1");
  EXPECT_EQ(kind_of(v("\"true\"")), ScalarKind::String);
  EXPECT_EQ(kind_of(v("'null'")), ScalarKind::String);
  EXPECT_EQ(v("\"a,b\"").Scalar(), "a,b");  // no sweep inside quotes
  EXPECT_EQ(v("'it\\'s'").Scalar(), "it's");
  EXPECT_EQ(v("'[x]'").Scalar(), "[x]");
}

TEST(OverrideParse, ListsAndDicts) {
  YAML::Node l = override_value_parse("[1, b, 2.5, 'x', [3], null]", "test");
  ASSERT_TRUE(l.IsSequence());
  ASSERT_EQ(l.size(), 6u);
  EXPECT_EQ(kind_of(l[0]), ScalarKind::Int);
  EXPECT_EQ(l[1].Scalar(), "b");
  EXPECT_EQ(kind_of(l[2]), ScalarKind::Float);
  EXPECT_EQ(kind_of(l[3]), ScalarKind::String);
  ASSERT_TRUE(l[4].IsSequence());
  EXPECT_EQ(l[4][0].Scalar(), "3");
  EXPECT_TRUE(l[5].IsNull());
  EXPECT_EQ(override_value_parse("[]", "test").size(), 0u);

  YAML::Node d = override_value_parse("{a:1, b: [x,y], 'c d': {e: cuda:1}}", "test");
  ASSERT_TRUE(d.IsMap());
  EXPECT_EQ(map_keys(d), (std::vector<std::string>{"a", "b", "c d"}));
  EXPECT_EQ(kind_of(d["a"]), ScalarKind::Int);
  EXPECT_EQ(d["b"].size(), 2u);
  EXPECT_EQ(d["c d"]["e"].Scalar(), "cuda:1");
  EXPECT_TRUE(override_value_parse("{}", "test").IsMap());
}

TEST(OverrideParse, Choices) {
  auto c = override_choices_parse("dpo, swepo", "test");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].Scalar(), "dpo");
  EXPECT_EQ(c[1].Scalar(), "swepo");
  auto lists = override_choices_parse("[1,2],[3]", "test");
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(lists[0].size(), 2u);
  EXPECT_EQ(lists[1].size(), 1u);
}

TEST(OverrideParse, Errors) {
  EXPECT_HAS(error_of([] { override_parse("a=1,2"); }), "override 'a=1,2'");
  EXPECT_HAS(error_of([] { override_parse("a=1,2"); }), "sweep");
  EXPECT_HAS(error_of([] { override_parse("trainer.lr"); }), "expected key=value");
  EXPECT_HAS(error_of([] { override_parse("+trainer.lr"); }), "override '+trainer.lr'");
  EXPECT_HAS(error_of([] { override_parse("=3"); }), "invalid key ''");
  EXPECT_HAS(error_of([] { override_parse("a..b=3"); }), "invalid key 'a..b'");
  EXPECT_HAS(error_of([] { override_parse("a b=3"); }), "invalid key 'a b'");
  EXPECT_HAS(error_of([] { override_parse("a=[1,2"); }), "unterminated list");
  EXPECT_HAS(error_of([] { override_parse("a=[1 2]x"); }), "override 'a=[1 2]x'");
  EXPECT_HAS(error_of([] { override_parse("a={x 1}"); }), "expected ':'");
  EXPECT_HAS(error_of([] { override_parse("a={x:1,x:2}"); }), "duplicate dict key 'x'");
  EXPECT_HAS(error_of([] { override_parse("a='x"); }), "unterminated quoted string");
  EXPECT_HAS(error_of([] { override_parse("a=[1,,2]"); }), "empty value");
  EXPECT_HAS(error_of([] { override_parse("a=${b"); }), "unterminated interpolation");
  EXPECT_HAS(error_of([] { override_parse("a=x[1]"); }), "unexpected '['");
  EXPECT_HAS(error_of([] { override_parse(""); }), "empty override");
}

// ---- applying config-key overrides ------------------------------------------------------------

YAML::Node sample() {
  return YAML::Load(
      "seed: 0\n"
      "trainer:\n"
      "  lr: 0.001\n"
      "  steps: 10\n"
      "  tags: [a, b]\n");
}

void apply(YAML::Node& root, const std::string& text, Origins* origins = nullptr) {
  override_apply(root, override_parse(text), origins);
}

TEST(OverrideApply, SetChangesExistingKey) {
  YAML::Node root = sample();
  Origins origins{{"trainer", "f.yaml"}, {"trainer.lr", "f.yaml"}};
  apply(root, "trainer.lr=0.01", &origins);
  EXPECT_EQ(root["trainer"]["lr"].Scalar(), "0.01");
  EXPECT_EQ(origins.at("trainer.lr"), "<command line>");
  EXPECT_EQ(origins.at("trainer"), "f.yaml");
  apply(root, "trainer.tags=[x]");  // lists are replaced, not merged
  EXPECT_EQ(tree_canonical(root["trainer"]["tags"]), R"(["x"])");
  apply(root, "trainer={steps: 20}");  // dicts merge into dicts
  EXPECT_EQ(root["trainer"]["steps"].Scalar(), "20");
  EXPECT_EQ(root["trainer"]["lr"].Scalar(), "0.01");
  apply(root, "seed=null");  // null is a value: the key stays
  EXPECT_TRUE(root["seed"].IsNull());
}

TEST(OverrideApply, SetUnknownKeyIsAnError) {
  YAML::Node root = sample();
  std::string msg = error_of([&] { apply(root, "trainer.lrr=0.01"); });
  EXPECT_HAS(msg, "override 'trainer.lrr=0.01'");
  EXPECT_HAS(msg, "key 'trainer.lrr' is not in the config");
  EXPECT_HAS(msg, "(did you mean 'trainer.lr'?)");
  EXPECT_HAS(msg, "keys under 'trainer': lr, steps, tags");
  EXPECT_HAS(msg, "use '+trainer.lrr=0.01' to add it");
  msg = error_of([&] { apply(root, "trainr.lr=0.01"); });
  EXPECT_HAS(msg, "key 'trainr' is not in the config (did you mean 'trainer'?)");
  msg = error_of([&] { apply(root, "seed.x=1"); });
  EXPECT_HAS(msg, "'seed' is '0', not a mapping");
}

TEST(OverrideApply, AddRequiresANewKey) {
  YAML::Node root = sample();
  Origins origins{{"trainer.lr", "f.yaml"}};
  apply(root, "+trainer.clip=1.0", &origins);
  EXPECT_EQ(root["trainer"]["clip"].Scalar(), "1.0");
  EXPECT_EQ(origins.at("trainer.clip"), "<command line>");
  apply(root, "+new.deep.key=[1]", &origins);  // intermediate mappings are created
  EXPECT_EQ(root["new"]["deep"]["key"][0].Scalar(), "1");
  std::string msg = error_of([&] { apply(root, "+trainer.lr=1", &origins); });
  EXPECT_HAS(msg, "override '+trainer.lr=1'");
  EXPECT_HAS(msg, "key 'trainer.lr' already exists with value '0.001' (from f.yaml)");
  EXPECT_HAS(msg, "use 'trainer.lr=1' to change it or '++trainer.lr=1'");
}

TEST(OverrideApply, ForceAddSetsOrAdds) {
  YAML::Node root = sample();
  apply(root, "++trainer.lr=5");
  apply(root, "++trainer.clip=2");
  apply(root, "++x.y=z");
  EXPECT_EQ(root["trainer"]["lr"].Scalar(), "5");
  EXPECT_EQ(root["trainer"]["clip"].Scalar(), "2");
  EXPECT_EQ(root["x"]["y"].Scalar(), "z");
}

TEST(OverrideApply, Delete) {
  YAML::Node root = sample();
  Origins origins{{"trainer.steps", "f.yaml"}};
  apply(root, "~trainer.steps", &origins);
  EXPECT_FALSE(map_child(root["trainer"], "steps").has_value());
  EXPECT_EQ(origins.count("trainer.steps"), 0u);
  std::string msg = error_of([&] { apply(root, "~trainer.steps"); });
  EXPECT_HAS(msg, "override '~trainer.steps': cannot delete key 'trainer.steps'");

  // ~key=value deletes only when the value matches (compared as typed values: 0.001 == 1e-3).
  msg = error_of([&] { apply(root, "~trainer.lr=0.5"); });
  EXPECT_HAS(msg, "its value is '0.001', not '0.5'");
  apply(root, "~trainer.lr=1e-3");
  EXPECT_FALSE(map_child(root["trainer"], "lr").has_value());
  apply(root, "~trainer");
  EXPECT_FALSE(map_child(root, "trainer").has_value());
  EXPECT_EQ(map_keys(root), std::vector<std::string>{"seed"});
}

TEST(OverrideApply, QuotedValueStaysAString) {
  YAML::Node root = sample();
  apply(root, "seed='5'");
  EXPECT_EQ(scalar_kind(root["seed"]), ScalarKind::String);
  apply(root, "seed=5");
  EXPECT_EQ(scalar_kind(root["seed"]), ScalarKind::Int);
}

}  // namespace
}  // namespace swepo
