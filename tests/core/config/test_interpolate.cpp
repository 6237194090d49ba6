// ${...} interpolation: typed whole values, embedded strings, chains, and each error.
#include <gtest/gtest.h>

#include "core/config/interpolate.h"
#include "core/config/tree.h"
#include "core/util/error.h"

namespace swepo {
namespace {

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

YAML::Node resolved(const std::string& yaml) {
  YAML::Node root = YAML::Load(yaml);
  resolve_interpolations(root);
  return root;
}

TEST(Interpolate, WholeValueKeepsTheTargetsType) {
  YAML::Node r = resolved(
      "n: 3\n"
      "x: 0.5\n"
      "flag: true\n"
      "nothing: null\n"
      "s: '7'\n"
      "list: [1, 2]\n"
      "map: {a: 1}\n"
      "n2: ${n}\n"
      "x2: ${x}\n"
      "flag2: ${flag}\n"
      "nothing2: ${nothing}\n"
      "s2: ${s}\n"
      "list2: ${list}\n"
      "map2: ${map}\n");
  EXPECT_EQ(scalar_kind(r["n2"]), ScalarKind::Int);
  EXPECT_EQ(r["n2"].as<int>(), 3);
  EXPECT_EQ(scalar_kind(r["x2"]), ScalarKind::Float);
  EXPECT_EQ(r["x2"].as<double>(), 0.5);
  EXPECT_EQ(scalar_kind(r["flag2"]), ScalarKind::Bool);
  EXPECT_TRUE(r["nothing2"].IsNull());
  EXPECT_EQ(scalar_kind(r["s2"]), ScalarKind::String);  // '7' stays a string
  EXPECT_EQ(tree_canonical(r["list2"]), "[i:1,i:2]");
  EXPECT_EQ(tree_canonical(r["map2"]), R"({"a":i:1})");
  // A copy, not an alias: changing the copy leaves the original alone.
  r["map2"]["a"] = 5;
  EXPECT_EQ(r["map"]["a"].as<int>(), 1);
}

TEST(Interpolate, EmbeddedGivesAString) {
  YAML::Node r = resolved(
      "seed: 7\n"
      "loss: {name: swepo}\n"
      "a: 1\n"
      "b: 2\n"
      "nothing: null\n"
      "dir: outputs/${loss.name}/seed${seed}\n"
      "digits: ${a}${b}\n"
      "none: x_${nothing}\n");
  EXPECT_EQ(r["dir"].Scalar(), "outputs/swepo/seed7");
  EXPECT_EQ(r["digits"].Scalar(), "12");
  EXPECT_EQ(scalar_kind(r["digits"]), ScalarKind::String);  // "12", not the integer 12
  EXPECT_EQ(r["none"].Scalar(), "x_null");
}

TEST(Interpolate, ChainsNestingRelativeIndexAndEscape) {
  YAML::Node r = resolved(
      "a: ${b}\n"
      "b: ${c}\n"
      "c: 5\n"
      "x: ${y}\n"                // x is a copy of the mapping y ...
      "y: {z: 4}\n"
      "w: ${x.z}\n"              // ... and x.z is reachable through the reference
      "key: c\n"
      "nested: ${${key}}\n"      // ${c}
      "deep: ${y.${key2}}\n"
      "key2: z\n"
      "group:\n"
      "  p: 9\n"
      "  q: ${.p}\n"             // sibling
      "  inner:\n"
      "    r: ${..p}\n"          // the parent mapping's key
      "list: [10, 20, 30]\n"
      "second: ${list.1}\n"
      "items: ['${c}', lit]\n"   // references inside lists (quoted: '{' is flow syntax)
      "escaped: \\${c}\n"
      "later: ${escaped}\n");
  EXPECT_EQ(r["a"].as<int>(), 5);
  EXPECT_EQ(r["b"].as<int>(), 5);
  EXPECT_EQ(r["w"].as<int>(), 4);
  EXPECT_EQ(r["x"]["z"].as<int>(), 4);
  EXPECT_EQ(r["nested"].as<int>(), 5);
  EXPECT_EQ(r["deep"].as<int>(), 4);
  EXPECT_EQ(r["group"]["q"].as<int>(), 9);
  EXPECT_EQ(r["group"]["inner"]["r"].as<int>(), 9);
  EXPECT_EQ(r["second"].as<int>(), 20);
  EXPECT_EQ(r["items"][0].as<int>(), 5);
  EXPECT_EQ(r["escaped"].Scalar(), "${c}");
  EXPECT_EQ(r["later"].Scalar(), "${c}");  // a resolved value is never interpolated again
}

TEST(Interpolate, MissingTargetNamesKeyReferenceAndSuggestion) {
  std::string msg = error_of([] { resolved("loss: {name: dpo}\nout: run_${loss.nme}\n"); });
  EXPECT_HAS(msg, "config key 'out'");
  EXPECT_HAS(msg, "interpolation '${loss.nme}'");
  EXPECT_HAS(msg, "refers to key 'loss.nme', which is not in the config");
  EXPECT_HAS(msg, "(did you mean 'loss.name'?)");
  msg = error_of([] { resolved("a: ${nope}\n"); });
  EXPECT_HAS(msg, "refers to key 'nope'");
  msg = error_of([] { resolved("a: 1\nb: ${a.c}\n"); });
  EXPECT_HAS(msg, "but 'a' is '1', not a mapping");
  msg = error_of([] { resolved("l: [1]\nb: ${l.3}\n"); });
  EXPECT_HAS(msg, "'3' is not a valid index");
}

TEST(Interpolate, OriginsNameTheFile) {
  YAML::Node root = YAML::Load("out: ${missing}\n");
  Origins origins{{"out", "conf/config.yaml"}};
  std::string msg = error_of([&] { resolve_interpolations(root, &origins); });
  EXPECT_HAS(msg, "config key 'out' (from conf/config.yaml)");
}

TEST(Interpolate, CyclesAreErrors) {
  std::string msg = error_of([] { resolved("a: ${b}\nb: ${a}\n"); });
  // a is resolved first: a -> b, and b's reference to a closes the cycle.
  EXPECT_HAS(msg, "config key 'b': interpolation '${a}' forms a cycle: a -> b -> a");
  msg = error_of([] { resolved("a: ${a}\n"); });
  EXPECT_HAS(msg, "forms a cycle: a -> a");
  msg = error_of([] { resolved("a:\n  x: ${a}\n"); });  // a contains a reference to itself
  EXPECT_HAS(msg, "forms a cycle: a -> a.x -> a");
  msg = error_of([] { resolved("a: ${a.b}\n"); });
  EXPECT_HAS(msg, "forms a cycle: a -> a");
  msg = error_of([] { resolved("a: x${b}\nb: y${c}\nc: ${a}\n"); });
  EXPECT_HAS(msg, "forms a cycle: a -> b -> c -> a");
}

TEST(Interpolate, OtherErrors) {
  EXPECT_HAS(error_of([] { resolved("m: {a: 1}\ns: x_${m}\n"); }),
             "cannot embed '${m}' in the string 'x_${m}': its value is a mapping");
  EXPECT_HAS(error_of([] { resolved("s: ${oc.env:HOME}\n"); }), "uses a resolver");
  EXPECT_HAS(error_of([] { resolved("s: ${}\n"); }), "empty interpolation");
  EXPECT_HAS(error_of([] { resolved("s: ${a\n"); }), "unterminated interpolation");
  EXPECT_HAS(error_of([] { resolved("s: ${..a}\n"); }), "goes above the top of the config");
}

}  // namespace
}  // namespace swepo
