#include "core/config/compose.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/config/interpolate.h"
#include "core/config/override.h"
#include "core/config/tree.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo {
namespace fs = std::filesystem;
namespace {

struct DefaultsEntry {
  enum class Kind { Self, Group, Config };
  Kind kind = Kind::Self;
  std::string name;                   // Group: the group ("model", "a/b"); Config: the file stem
  std::optional<std::string> option;  // Group: the option; nullopt for `group: null`
  std::string source;                 // who chose it, for messages: a file or an override
};

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

std::string entry_text(const YAML::Node& e) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << e;
  return out.c_str();
}

std::vector<DefaultsEntry> parse_defaults(const YAML::Node& defaults, const std::string& file,
                                          const std::string& conf_dir) {
  std::vector<DefaultsEntry> entries;
  if (!defaults.IsDefined() || defaults.IsNull()) return entries;
  if (!defaults.IsSequence())
    throw UserError(file + ": 'defaults' must be a list (- group: option, - _self_), got '" +
                    entry_text(defaults) + "'");
  const std::string source = file + " (defaults list)";
  for (size_t k = 0; k < defaults.size(); ++k) {
    const YAML::Node e = defaults[k];
    const std::string at = file + ": defaults entry " + std::to_string(k) + " '" + entry_text(e) + "'";
    DefaultsEntry d;
    d.source = source;
    if (e.IsScalar()) {
      const std::string s = e.Scalar();
      if (s == "_self_") {
        d.kind = DefaultsEntry::Kind::Self;
      } else {
        if (s.empty() || s.find('/') != std::string::npos || s.find('@') != std::string::npos)
          throw UserError(at + ": expected a config name in this folder, '- group: option' "
                               "or '- _self_'");
        d.kind = DefaultsEntry::Kind::Config;
        d.name = s;
      }
    } else if (e.IsMap() && e.size() == 1) {
      const auto kv = *e.begin();
      d.kind = DefaultsEntry::Kind::Group;
      d.name = kv.first.Scalar();
      if (d.name.find(' ') != std::string::npos || d.name.find('@') != std::string::npos)
        throw UserError(at + ": 'optional', 'override' and '@package' are not supported");
      if (!is_dir(fs::path(conf_dir) / d.name))
        throw UserError(at + ": no config group folder '" + (fs::path(conf_dir) / d.name).string() +
                        "'");
      if (kv.second.IsScalar()) d.option = kv.second.Scalar();
      else if (!kv.second.IsNull())
        throw UserError(at + ": the option must be one name or null (multi-select lists are not "
                             "supported)");
    } else {
      throw UserError(at + ": expected '- group: option', '- config_name' or '- _self_'");
    }
    for (const auto& prev : entries) {
      if (d.kind == DefaultsEntry::Kind::Self && prev.kind == DefaultsEntry::Kind::Self)
        throw UserError(at + ": _self_ appears twice");
      if (d.kind == DefaultsEntry::Kind::Group && prev.kind == DefaultsEntry::Kind::Group &&
          prev.name == d.name)
        throw UserError(at + ": config group '" + d.name + "' appears twice");
    }
    entries.push_back(d);
  }
  // Hydra 1.1+: without _self_, the primary config's own keys are merged last (they win).
  bool has_self = std::any_of(entries.begin(), entries.end(), [](const DefaultsEntry& d) {
    return d.kind == DefaultsEntry::Kind::Self;
  });
  if (!has_self) entries.push_back(DefaultsEntry{DefaultsEntry::Kind::Self, "", {}, source});
  return entries;
}

DefaultsEntry* find_group(std::vector<DefaultsEntry>& entries, const std::string& group) {
  for (auto& d : entries)
    if (d.kind == DefaultsEntry::Kind::Group && d.name == group) return &d;
  return nullptr;
}

bool is_group_override(const Override& o, const std::vector<DefaultsEntry>& entries,
                       const std::string& conf_dir) {
  if (o.key.find('.') != std::string::npos) return false;
  if (o.key.find('/') != std::string::npos) return true;
  for (const auto& d : entries)
    if (d.kind == DefaultsEntry::Kind::Group && d.name == o.key) return true;
  return is_dir(fs::path(conf_dir) / o.key);
}

// Applies one `group=option` style override to the defaults list.
void apply_group_override(std::vector<DefaultsEntry>& entries, const Override& o,
                          const std::string& primary) {
  const std::string ctx = "override '" + o.text + "'";
  std::optional<std::string> option;
  if (o.has_value && !o.value.IsNull()) {
    if (!o.value.IsScalar())
      throw UserError(ctx + ": config group '" + o.key + "' takes one option name, got '" +
                      yaml_scalar_text(o.value) + "'");
    option = o.value.Scalar();
  }
  const std::string shown = option ? *option : "null";
  DefaultsEntry* entry = find_group(entries, o.key);
  switch (o.op) {
    case Override::Op::Set:
      if (!entry)
        throw UserError(ctx + ": config group '" + o.key + "' is not in the defaults list of " +
                        primary + "; use '+" + o.text + "' to add it");
      entry->option = option;
      entry->source = ctx;
      break;
    case Override::Op::Add:
      if (entry)
        throw UserError(ctx + ": config group '" + o.key +
                        "' is already in the defaults list (option '" +
                        (entry->option ? *entry->option : "null") + "'); use '" +
                        o.text.substr(1) + "' to switch it");
      entries.push_back(DefaultsEntry{DefaultsEntry::Kind::Group, o.key, option, ctx});
      break;
    case Override::Op::ForceAdd:
      if (entry) {
        entry->option = option;
        entry->source = ctx;
      } else {
        entries.push_back(DefaultsEntry{DefaultsEntry::Kind::Group, o.key, option, ctx});
      }
      break;
    case Override::Op::Delete: {
      if (!entry)
        throw UserError(ctx + ": config group '" + o.key + "' is not in the defaults list of " +
                        primary);
      const std::string current = entry->option ? *entry->option : "null";
      if (o.has_value && current != shown)
        throw UserError(ctx + ": cannot delete config group '" + o.key + "': its option is '" +
                        current + "', not '" + shown + "'");
      entries.erase(entries.begin() + (entry - entries.data()));
      break;
    }
  }
}

// Loads a config file that must hold a mapping (an empty file is an empty mapping).
YAML::Node load_mapping(const std::string& path) {
  YAML::Node n = load_yaml_file(path);
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!n.IsMap())
    throw UserError(path + ": expected a mapping (key: value lines) at the top level, got '" +
                    entry_text(n) + "'");
  return n;
}

// Merges `content` under the package of `group` ("model" -> model, "a/b" -> a.b).
void merge_group(YAML::Node& root, const std::string& group, const YAML::Node& content,
                 const std::string& origin, Origins& origins) {
  YAML::Node wrapped = content;
  auto parts = split(group, '/');
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    YAML::Node outer(YAML::NodeType::Map);
    outer[*it] = wrapped;
    wrapped.reset(outer);
  }
  tree_merge(root, wrapped, "", origin, &origins);
}

}  // namespace

std::vector<std::string> config_group_options(const std::string& conf_dir,
                                              const std::string& group) {
  std::vector<std::string> options;
  const fs::path dir = fs::path(conf_dir) / group;
  if (!is_dir(dir)) return options;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && e.path().extension() == ".yaml")
      options.push_back(e.path().stem().string());
  std::sort(options.begin(), options.end());
  return options;
}

namespace {

// Adds to `dst` every key of `defaults` it lacks, recursing into mappings both have.
void fill_missing(YAML::Node& dst, const YAML::Node& defaults) {
  if (!defaults || !defaults.IsMap()) return;
  for (const auto& kv : defaults) {
    const std::string key = kv.first.Scalar();
    auto have = map_child(dst, key);
    if (!have || have->IsNull()) {
      dst[key] = tree_copy(kv.second);
    } else if (have->IsMap() && kv.second.IsMap()) {
      YAML::Node child = *have;
      fill_missing(child, kv.second);
    }
  }
}

}  // namespace

ComposedConfig compose_config(const std::string& conf_dir,
                              const std::vector<std::string>& overrides,
                              const std::string& config_name, const ConfigSchemaFn& schema) {
  ComposedConfig out;
  out.overrides = overrides;
  std::string name = config_name;
  if (ends_with(name, ".yaml")) name = name.substr(0, name.size() - 5);
  if (!is_dir(conf_dir)) throw UserError("config folder not found: '" + conf_dir + "'");
  const std::string primary = (fs::path(conf_dir) / (name + ".yaml")).string();
  const YAML::Node primary_node = load_mapping(primary);

  std::vector<DefaultsEntry> entries;
  YAML::Node self(YAML::NodeType::Map);  // the primary's own keys, without `defaults`
  for (const auto& kv : primary_node) {
    if (kv.first.Scalar() == "defaults") entries = parse_defaults(kv.second, primary, conf_dir);
    else self[kv.first.Scalar()] = tree_copy(kv.second);
  }
  if (entries.empty()) entries = parse_defaults(YAML::Node(), primary, conf_dir);

  // Parse every override first (syntax errors before any file is read), then route them.
  std::vector<Override> key_overrides;
  for (const auto& text : overrides) {
    Override o = override_parse(text);
    if (is_group_override(o, entries, conf_dir)) apply_group_override(entries, o, primary);
    else key_overrides.push_back(o);
  }

  YAML::Node root(YAML::NodeType::Map);
  for (const auto& d : entries) {
    switch (d.kind) {
      case DefaultsEntry::Kind::Self:
        tree_merge(root, self, "", primary, &out.origins);
        break;
      case DefaultsEntry::Kind::Config: {
        const std::string path = (fs::path(conf_dir) / (d.name + ".yaml")).string();
        YAML::Node content = load_mapping(path);
        if (map_child(content, "defaults"))
          throw UserError(path + ": a defaults list is only supported in the primary config");
        tree_merge(root, content, "", path, &out.origins);
        break;
      }
      case DefaultsEntry::Kind::Group: {
        if (!d.option) {
          out.choices[d.name] = "null";
          break;
        }
        const std::string path =
            (fs::path(conf_dir) / d.name / (*d.option + ".yaml")).string();
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
          auto valid = config_group_options(conf_dir, d.name);
          throw UserError(d.source + ": unknown option '" + *d.option + "' for config group '" +
                          d.name + "'" + did_you_mean(*d.option, valid) +
                          (valid.empty() ? "; the folder '" +
                                               (fs::path(conf_dir) / d.name).string() +
                                               "' has no .yaml files"
                                         : "; valid options: " + join(valid, ", ")));
        }
        YAML::Node content = load_mapping(path);
        if (map_child(content, "defaults"))
          throw UserError(path + ": a defaults list is only supported in the primary config");
        merge_group(root, d.name, content, path, out.origins);
        out.choices[d.name] = *d.option;
        break;
      }
    }
  }

  YAML::Node shape;  // the typed config's shape: closes the mappings it declares (override.h)
  if (schema) {
    shape = schema(root);
    fill_missing(root, shape);
  }
  for (const auto& o : key_overrides) override_apply(root, o, &out.origins, shape);
  resolve_interpolations(root, &out.origins);
  out.config = root;
  return out;
}

}  // namespace swepo
