#include "core/config/override.h"

#include <cctype>
#include <set>

#include "core/config/tree.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo {
namespace {

// Recursive-descent parser for one override value (Hydra's grammar, without functions/sweeps):
//   choices   := value (',' value)*
//   value     := quoted | list | dict | primitive
//   list      := '[' (value (',' value)*)? ']'
//   dict      := '{' (key ':' value (',' key ':' value)*)? '}'
//   primitive := characters up to ',' ']' '}' (with ${...} kept whole, '\' escaping one of ,[]{}:=\ )
class ValueParser {
 public:
  ValueParser(const std::string& s, const std::string& context) : s_(s), ctx_(context) {}

  std::vector<YAML::Node> choices() {
    std::vector<YAML::Node> out;
    skip_ws();
    if (at_end()) {  // `key=`: the empty string, as in Hydra
      out.push_back(config_string(""));
      return out;
    }
    while (true) {
      out.push_back(value());
      skip_ws();
      if (at_end()) return out;
      if (s_[i_] != ',') fail(std::string("unexpected '") + s_[i_] + "'");
      ++i_;
    }
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  void skip_ws() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(ctx_ + ": " + what + " at character " + std::to_string(i_ + 1) +
                    " of the value '" + s_ + "'");
  }

  YAML::Node value() {
    skip_ws();
    if (at_end()) fail("missing value");
    char c = s_[i_];
    if (c == '[') return list();
    if (c == '{') return dict();
    if (c == '\'' || c == '"') return config_string(quoted());
    return primitive();
  }

  std::string quoted() {
    const char q = s_[i_++];
    std::string out;
    while (!at_end()) {
      char c = s_[i_++];
      if (c == '\\' && !at_end() && (s_[i_] == q || s_[i_] == '\\')) {
        out += s_[i_++];
      } else if (c == q) {
        return out;
      } else {
        out += c;
      }
    }
    fail(std::string("unterminated quoted string (missing closing ") + q + ")");
  }

  YAML::Node list() {
    ++i_;  // '['
    YAML::Node seq(YAML::NodeType::Sequence);
    skip_ws();
    if (!at_end() && s_[i_] == ']') {
      ++i_;
      return seq;
    }
    while (true) {
      seq.push_back(value());
      skip_ws();
      if (at_end()) fail("unterminated list (missing ']')");
      if (s_[i_] == ']') {
        ++i_;
        return seq;
      }
      if (s_[i_] != ',') fail(std::string("expected ',' or ']' in a list, got '") + s_[i_] + "'");
      ++i_;
    }
  }

  YAML::Node dict() {
    ++i_;  // '{'
    YAML::Node map(YAML::NodeType::Map);
    std::set<std::string> keys;
    skip_ws();
    if (!at_end() && s_[i_] == '}') {
      ++i_;
      return map;
    }
    while (true) {
      skip_ws();
      std::string key;
      if (!at_end() && (s_[i_] == '\'' || s_[i_] == '"')) {
        key = quoted();
        skip_ws();
      } else {
        size_t start = i_;
        while (!at_end() && s_[i_] != ':' && s_[i_] != ',' && s_[i_] != '}') ++i_;
        key = trim(s_.substr(start, i_ - start));
      }
      if (key.empty()) fail("empty key in a dict");
      if (at_end() || s_[i_] != ':') fail("expected ':' after the dict key '" + key + "'");
      ++i_;
      if (!keys.insert(key).second) fail("duplicate dict key '" + key + "'");
      map[key] = value();
      skip_ws();
      if (at_end()) fail("unterminated dict (missing '}')");
      if (s_[i_] == '}') {
        ++i_;
        return map;
      }
      if (s_[i_] != ',') fail(std::string("expected ',' or '}' in a dict, got '") + s_[i_] + "'");
      ++i_;
    }
  }

  YAML::Node primitive() {
    static const std::string kEscapable = ",[]{}():=\\ ";
    std::string text;
    while (!at_end()) {
      char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size() && kEscapable.find(s_[i_ + 1]) != std::string::npos) {
        text += s_[i_ + 1];
        i_ += 2;
        continue;
      }
      if (c == '$' && i_ + 1 < s_.size() && s_[i_ + 1] == '{') {  // keep ${...} whole
        size_t start = i_;
        int depth = 0;
        for (; i_ < s_.size(); ++i_) {
          if (s_[i_] == '{') ++depth;
          if (s_[i_] == '}' && --depth == 0) break;
        }
        if (i_ >= s_.size()) {
          i_ = start;
          fail("unterminated interpolation '${' (missing '}')");
        }
        ++i_;
        text += s_.substr(start, i_ - start);
        continue;
      }
      if (c == ',' || c == ']' || c == '}') break;
      if (c == '[' || c == '{')
        fail(std::string("unexpected '") + c + "' inside a value (quote the value to keep it)");
      text += c;
      ++i_;
    }
    text = trim(text);
    if (text.empty()) fail("empty value");
    return typed(text);
  }

  // Hydra's primitive types: null/true/false case-insensitively, inf/nan as floats, YAML numbers.
  static YAML::Node typed(const std::string& text) {
    std::string lower;
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "null" || text == "~") return YAML::Node(YAML::NodeType::Null);
    if (lower == "true" || lower == "false") return YAML::Node(lower);
    if (lower == "inf" || lower == "+inf") return YAML::Node(".inf");
    if (lower == "-inf") return YAML::Node("-.inf");
    if (lower == "nan") return YAML::Node(".nan");
    return YAML::Node(text);  // int, float or string, as the YAML core schema reads the text
  }

  const std::string& s_;
  const std::string& ctx_;
  size_t i_ = 0;
};

bool valid_key(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.' &&
        c != '/' && c != '@')
      return false;
  if (key.front() == '.' || key.back() == '.' || key.front() == '/' || key.back() == '/')
    return false;
  return key.find("..") == std::string::npos && key.find("//") == std::string::npos;
}

std::string op_prefix(Override::Op op) {
  switch (op) {
    case Override::Op::Add: return "+";
    case Override::Op::ForceAdd: return "++";
    case Override::Op::Delete: return "~";
    case Override::Op::Set: break;
  }
  return "";
}

// " (did you mean 'a.b'?); keys under 'a': b, c" for a key missing from mapping `parent`.
std::string missing_key_hint(const YAML::Node& parent, const std::string& prefix,
                             const std::string& path) {
  std::vector<std::string> candidates;
  for (const auto& k : map_keys(parent)) candidates.push_back(key_path_join(prefix, k));
  std::string msg = did_you_mean(path, candidates);
  if (!candidates.empty() && candidates.size() <= 30)
    msg += std::string("; ") + (prefix.empty() ? "top-level keys" : "keys under '" + prefix + "'") +
           ": " + join(map_keys(parent), ", ");
  return msg;
}

void assign(YAML::Node& parent, const std::string& key, const std::optional<YAML::Node>& existing,
            const YAML::Node& value, const std::string& path, Origins* origins) {
  if (existing && existing->IsMap() && value.IsMap()) {  // dicts merge into dicts, like Hydra
    YAML::Node sub = *existing;
    tree_merge(sub, value, path, kCommandLineOrigin, origins);
    return;
  }
  parent[key] = tree_copy(value);
  if (origins) {
    origins_erase_under(*origins, path);
    origins_record(*origins, value, path, kCommandLineOrigin);
  }
}

}  // namespace

std::vector<YAML::Node> override_choices_parse(const std::string& value,
                                               const std::string& context) {
  return ValueParser(value, context).choices();
}

YAML::Node override_value_parse(const std::string& value, const std::string& context) {
  auto choices = override_choices_parse(value, context);
  if (choices.size() > 1)
    throw UserError(context + ": the value '" + value +
                    "' has a top-level comma, which means a sweep; quote it ('" + value +
                    "') for a string or write a list [" + value + "]");
  return choices.front();
}

Override override_parse(const std::string& text) {
  const std::string ctx = "override '" + text + "'";
  if (text.empty()) throw UserError("empty override");
  Override o;
  o.text = text;
  size_t p = 0;
  if (starts_with(text, "~")) o.op = Override::Op::Delete, p = 1;
  else if (starts_with(text, "++")) o.op = Override::Op::ForceAdd, p = 2;
  else if (starts_with(text, "+")) o.op = Override::Op::Add, p = 1;
  size_t eq = text.find('=', p);
  o.key = text.substr(p, eq == std::string::npos ? std::string::npos : eq - p);
  if (!valid_key(o.key))
    throw UserError(ctx + ": invalid key '" + o.key +
                    "' (expected a dotted path such as trainer.lr, or a config group)");
  if (eq == std::string::npos) {
    if (o.op != Override::Op::Delete)
      throw UserError(ctx + ": expected key=value (or ~key to delete a key)");
    return o;
  }
  o.has_value = true;
  o.value = override_value_parse(text.substr(eq + 1), ctx);
  return o;
}

void override_apply(YAML::Node& root, const Override& o, Origins* origins, const YAML::Node& schema) {
  const std::string ctx = "override '" + o.text + "'";
  const std::string body = o.text.substr(op_prefix(o.op).size());  // text without ~ + ++
  const bool adds = o.op == Override::Op::Add || o.op == Override::Op::ForceAdd;
  if (o.key.find('/') != std::string::npos)
    throw UserError(ctx + ": '" + o.key + "' is not a config group of this config");
  const auto segs = key_path_split(o.key);
  YAML::Node cur = root;
  YAML::Node sch;  // the schema's node at `prefix`; undefined where the schema declares nothing
  if (schema && schema.IsMap()) sch.reset(schema);
  std::string prefix;
  // What to say about a key missing from `cur`: the closest existing key, and '+' only where adding
  // is possible (the schema does not declare the mapping: a typed config rejects any other key).
  auto missing = [&](const std::string& path) {
    const bool closed = sch.IsDefined() && sch.IsMap();
    std::string msg = ": key '" + path + "' is not in the config" + missing_key_hint(cur, prefix, path);
    if (o.op == Override::Op::Set)
      msg += closed ? "; the typed config has no such key, so it cannot be added either"
                    : "; use '+" + body + "' to add it";
    return msg;
  };
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& seg = segs[i];
    const std::string path = key_path_join(prefix, seg);
    const bool last = i + 1 == segs.size();
    if (!cur.IsMap())
      throw UserError(ctx + ": cannot address '" + path + "': '" + prefix + "' is " +
                      (cur.IsSequence() ? "a list" : "'" + yaml_scalar_text(cur) + "'") +
                      ", not a mapping" + origin_of(origins, prefix));
    auto child = map_child(cur, seg);
    if (!last) {
      if (!child) {
        if (!adds) throw UserError(ctx + missing(path));
        cur[seg] = YAML::Node(YAML::NodeType::Map);
        if (origins) (*origins)[path] = kCommandLineOrigin;
        child = map_child(cur, seg);
      }
      cur.reset(*child);
      YAML::Node next;
      if (sch.IsDefined() && sch.IsMap())
        if (auto s = map_child(sch, seg); s && s->IsMap()) next.reset(*s);
      sch.reset(next);
      prefix = path;
      continue;
    }
    switch (o.op) {
      case Override::Op::Set:
        if (!child) throw UserError(ctx + missing(path));
        assign(cur, seg, child, o.value, path, origins);
        break;
      case Override::Op::Add:
        if (child)
          throw UserError(ctx + ": key '" + path + "' already exists with value '" +
                          yaml_scalar_text(*child) + "'" + origin_of(origins, path) + "; use '" +
                          body + "' to change it or '++" + body + "' to add or change it");
        assign(cur, seg, child, o.value, path, origins);
        break;
      case Override::Op::ForceAdd:
        assign(cur, seg, child, o.value, path, origins);
        break;
      case Override::Op::Delete:
        if (!child)
          throw UserError(ctx + ": cannot delete key '" + path + "': it is not in the config" +
                          missing_key_hint(cur, prefix, path));
        if (o.has_value && !tree_equal(*child, o.value))
          throw UserError(ctx + ": cannot delete key '" + path + "': its value is '" +
                          yaml_scalar_text(*child) + "', not '" + yaml_scalar_text(o.value) + "'");
        cur.remove(seg);
        if (origins) origins_erase_under(*origins, path);
        break;
    }
  }
}

}  // namespace swepo
