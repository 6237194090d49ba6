#include "core/config/interpolate.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/config/tree.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo {
namespace {

bool has_interpolation(const YAML::Node& n) {
  return n.IsScalar() && n.Scalar().find("${") != std::string::npos;
}

// Depth-first resolution. `stack_` holds the key paths being resolved (a reference to one of
// them is a cycle); `done_` the paths whose whole subtree is resolved.
class Resolver {
 public:
  Resolver(YAML::Node root, const Origins* origins) : root_(root), origins_(origins) {}

  void resolve(const std::string& path, YAML::Node node) {
    if (is_done(path)) return;
    stack_.push_back(path);
    if (has_interpolation(node)) {
      YAML::Node result = interpolate(path, node.Scalar());
      node = result;  // Node assignment writes through to the tree's node at `path`
    } else if (node.IsMap()) {
      for (const auto& kv : node) resolve(key_path_join(path, kv.first.Scalar()), kv.second);
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        const YAML::Node& seq = node;
        resolve(key_path_join(path, std::to_string(i)), seq[i]);
      }
    }
    stack_.pop_back();
    done_.insert(path);
  }

 private:
  bool is_done(std::string path) const {
    while (true) {
      if (done_.count(path)) return true;
      if (path.empty()) return false;
      auto dot = path.rfind('.');
      path = dot == std::string::npos ? "" : path.substr(0, dot);
    }
  }

  std::string where(const std::string& from) const {
    return "config key '" + from + "'" + origin_of(origins_, from);
  }

  // Replaces every ${...} in `text` (the value at `from`). A text that is exactly one reference
  // takes the target's value and type; anything else becomes a string.
  YAML::Node interpolate(const std::string& from, const std::string& text) {
    std::string out;
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
      if (text[i] == '\\' && text.compare(i + 1, 2, "${") == 0) {  // escaped: literal ${
        out += "${";
        i += 3;
        continue;
      }
      if (text[i] != '$' || i + 1 >= n || text[i + 1] != '{') {
        out += text[i++];
        continue;
      }
      size_t j = i;
      int depth = 0;
      for (; j < n; ++j) {
        if (text[j] == '{') ++depth;
        if (text[j] == '}' && --depth == 0) break;
      }
      if (j >= n)
        throw UserError(where(from) + ": unterminated interpolation in '" + text +
                        "' (missing '}')");
      const std::string ref_text = text.substr(i, j - i + 1);
      std::string inner = text.substr(i + 2, j - i - 2);
      if (inner.find("${") != std::string::npos) {  // nested: ${a.${b}}
        YAML::Node r = interpolate(from, inner);
        if (!r.IsScalar() && !r.IsNull())
          throw UserError(where(from) + ": the nested reference in '" + ref_text +
                          "' must give a key name, not a mapping or list");
        inner = r.IsNull() ? "null" : r.Scalar();
      }
      YAML::Node target = lookup(from, trim(inner), ref_text);
      if (i == 0 && j == n - 1) return tree_copy(target);
      if (target.IsMap() || target.IsSequence())
        throw UserError(where(from) + ": cannot embed '" + ref_text + "' in the string '" + text +
                        "': its value is a " + (target.IsMap() ? "mapping" : "list"));
      out += target.IsNull() ? "null" : target.Scalar();
      i = j + 1;
    }
    return config_string(out);
  }

  void check_cycle(const std::string& from, const std::string& ref_text,
                   const std::string& path) const {
    auto it = std::find(stack_.begin(), stack_.end(), path);
    if (it == stack_.end()) return;
    std::vector<std::string> chain;
    for (; it != stack_.end(); ++it)
      if (!it->empty()) chain.push_back(*it);
    chain.push_back(path);
    throw UserError(where(from) + ": interpolation '" + ref_text +
                    "' forms a cycle: " + join(chain, " -> "));
  }

  YAML::Node lookup(const std::string& from, const std::string& ref, const std::string& ref_text) {
    if (ref.empty()) throw UserError(where(from) + ": empty interpolation '" + ref_text + "'");
    if (ref.find(':') != std::string::npos)
      throw UserError(where(from) + ": '" + ref_text +
                      "' uses a resolver (name:args); only ${path.to.key} references are supported");
    std::vector<std::string> segs;
    std::string rest = ref;
    if (ref[0] == '.') {  // relative: '.' = the mapping holding `from`, '..' = its parent, ...
      size_t dots = ref.find_first_not_of('.');
      if (dots == std::string::npos) dots = ref.size();
      segs = key_path_split(from);
      if (dots > segs.size())
        throw UserError(where(from) + ": '" + ref_text + "' goes above the top of the config");
      segs.resize(segs.size() - dots);
      rest = ref.substr(dots);
    }
    if (!rest.empty()) {
      for (const auto& s : split(rest, '.')) {
        if (s.empty())
          throw UserError(where(from) + ": '" + ref_text + "' has an empty key segment");
        segs.push_back(s);
      }
    }
    if (segs.empty())
      throw UserError(where(from) + ": '" + ref_text + "' refers to the whole config");

    YAML::Node cur = root_;
    std::string prefix;
    for (const auto& seg : segs) {
      if (has_interpolation(cur) && !is_done(prefix)) {  // e.g. ${a.b} where a: ${c}
        check_cycle(from, ref_text, prefix);
        resolve(prefix, cur);  // writes through: `cur` now sees the resolved value
      }
      const std::string path = key_path_join(prefix, seg);
      std::optional<YAML::Node> child;
      if (cur.IsMap()) {
        child = map_child(cur, seg);
        if (!child) {
          std::vector<std::string> candidates;
          for (const auto& k : map_keys(cur)) candidates.push_back(key_path_join(prefix, k));
          throw UserError(where(from) + ": interpolation '" + ref_text + "' refers to key '" +
                          path + "', which is not in the config" + did_you_mean(path, candidates));
        }
      } else if (cur.IsSequence()) {
        bool index = !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos;
        if (!index || std::stoul(seg) >= cur.size())
          throw UserError(where(from) + ": interpolation '" + ref_text + "': '" + prefix +
                          "' is a list of " + std::to_string(cur.size()) +
                          " elements; '" + seg + "' is not a valid index");
        const YAML::Node& seq = cur;
        child = seq[std::stoul(seg)];
      } else {
        throw UserError(where(from) + ": interpolation '" + ref_text + "' refers to key '" + path +
                        "', but '" + prefix + "' is '" + yaml_scalar_text(cur) +
                        "', not a mapping");
      }
      cur.reset(*child);
      prefix = path;
    }
    check_cycle(from, ref_text, prefix);
    resolve(prefix, cur);
    return cur;
  }

  YAML::Node root_;
  const Origins* origins_;
  std::set<std::string> done_;
  std::vector<std::string> stack_;
};

}  // namespace

void resolve_interpolations(YAML::Node& root, const Origins* origins) {
  Resolver(root, origins).resolve("", root);
}

}  // namespace swepo
