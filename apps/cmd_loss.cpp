// `swepo loss`: evaluate one registered loss in float64 on JSON groups and print the loss, the
// per-group values, d loss / d policy_logps and the metrics as JSON.
//
// Dimension glossary: B groups (prompts), K the largest group's response count (smaller groups are
// padded and masked).
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "losses/registry.h"

using nlohmann::json;

namespace swepo::cli {
namespace {

constexpr const char* kHelp = R"(swepo loss: evaluate one preference loss (float64) on JSON groups

usage: swepo loss --name NAME [--set key=value ...] [--input FILE|-]

input (JSON; groups may have different numbers of responses K_b):
  {"groups": [{"policy_logps": [..], "ref_logps": [..], "scores": [..], "lengths": [..]}, ...],
   "seed": 0}
  policy_logps  summed log πθ(y|x) of each response (always required; defines K_b)
  ref_logps     summed log πref(y|x); required when the loss needs a reference model
  scores        annotator scores S_i; required when the loss needs scores
  lengths       response lengths in tokens (> 0); required by length-normalised losses (simpo)
  seed          seed of the RNG for losses that sample (dpo's random rejected response); default 0
output (JSON):
  {"loss": mean over used groups, "per_group": [.. (null for skipped groups)],
   "grad_policy_logps": [[d loss / d policy_logps of each group's K_b responses], ..],
   "metrics": {"rewards/chosen": .., ...}, "used": n, "skipped": m}
exit codes: 0 success, 2 usage or input error (the message names the field, group and shape),
  1 internal error. Losses and their options: swepo losses.

options)";

struct Group {
  std::vector<double> policy_logps, ref_logps, scores, lengths;  // each [K_b] (or empty: absent)
};

const std::vector<std::string> kGroupFields = {"policy_logps", "ref_logps", "scores", "lengths"};

// Reads group[field] as a list of finite numbers of length `k` (k < 0: any length >= 1).
std::vector<double> read_numbers(const json& group, size_t g, const std::string& field, long k) {
  const json& v = group.at(field);
  if (!v.is_array())
    throw UserError(fmt::format("input: group {}: field '{}' must be a list of numbers, got {}", g,
                                field, v.dump()));
  if (k >= 0 && static_cast<long>(v.size()) != k)
    throw UserError(fmt::format("input: group {}: field '{}' has shape [{}], expected [{}] (the "
                                "shape of policy_logps)", g, field, v.size(), k));
  if (v.empty())
    throw UserError(fmt::format("input: group {}: field '{}' has shape [0]; a group needs at "
                                "least one response", g, field));
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number())
      throw UserError(fmt::format("input: group {}: field '{}' (shape [{}]) entry {} is not a "
                                  "number: {}", g, field, v.size(), i, v[i].dump()));
    double x = v[i].get<double>();
    if (!std::isfinite(x))
      throw UserError(fmt::format("input: group {}: field '{}' (shape [{}]) entry {} is not "
                                  "finite", g, field, v.size(), i));
    out.push_back(x);
  }
  return out;
}

// `tr`: the built loss's traits (an option may add needs, e.g. nll_weight > 0 needs lengths).
std::vector<Group> read_groups(const json& in, const LossInfo& info, const LossTraits& tr) {
  if (!in.is_object()) throw UserError("input: expected a JSON object {\"groups\": [..], \"seed\": 0}");
  for (const auto& [key, value] : in.items()) {
    std::vector<std::string> known = {"groups", "seed"};
    if (key != "groups" && key != "seed")
      throw UserError("input: unknown key '" + key + "'" + did_you_mean(key, known) +
                      "; valid: groups, seed");
  }
  if (!in.contains("groups") || !in["groups"].is_array() || in["groups"].empty())
    throw UserError("input: 'groups' must be a non-empty list of groups");
  std::vector<Group> groups;
  const json& gs = in["groups"];
  for (size_t g = 0; g < gs.size(); ++g) {
    const json& j = gs[g];
    if (!j.is_object()) throw UserError(fmt::format("input: group {} must be an object", g));
    for (const auto& [key, value] : j.items())
      if (std::find(kGroupFields.begin(), kGroupFields.end(), key) == kGroupFields.end())
        throw UserError(fmt::format("input: group {}: unknown field '{}'{}; valid: {}", g, key,
                                    did_you_mean(key, kGroupFields), join(kGroupFields, ", ")));
    auto require = [&](const char* field, bool needed, const char* why) {
      if (needed && !j.contains(field))
        throw UserError(fmt::format("input: group {}: field '{}' is missing; loss '{}' {}", g, field,
                                    info.name, why));
    };
    require("policy_logps", true, "reads it");
    require("ref_logps", tr.needs_reference, "needs a reference model");
    require("scores", tr.needs_scores, "needs scores");
    require("lengths", tr.needs_lengths, "reads response lengths (length-normalised, or nll_weight > 0)");
    Group grp;
    grp.policy_logps = read_numbers(j, g, "policy_logps", -1);
    long k = static_cast<long>(grp.policy_logps.size());
    if (j.contains("ref_logps")) grp.ref_logps = read_numbers(j, g, "ref_logps", k);
    if (j.contains("scores")) grp.scores = read_numbers(j, g, "scores", k);
    if (j.contains("lengths")) grp.lengths = read_numbers(j, g, "lengths", k);
    if (k < tr.min_k)
      throw UserError(fmt::format("input: group {}: policy_logps has shape [{}]; loss '{}' needs at "
                                  "least {} responses per group", g, k, info.name, tr.min_k));
    for (size_t i = 0; i < grp.lengths.size(); ++i)
      if (grp.lengths[i] < 0 || (tr.needs_lengths && grp.lengths[i] == 0))
        throw UserError(fmt::format("input: group {}: field 'lengths' (shape [{}]) entry {} is {}; "
                                    "lengths must be {}", g, k, i, grp.lengths[i],
                                    tr.needs_lengths ? "positive" : "non-negative"));
    groups.push_back(std::move(grp));
  }
  return groups;
}

// Pads one field of every group to [B, K] (fill where absent or padded); undefined when no group
// has the field.
at::Tensor pad_field(const std::vector<Group>& groups, std::vector<double> Group::*field, int64_t k,
                     double fill) {
  bool any = false;
  for (const auto& g : groups) any = any || !(g.*field).empty();
  if (!any) return {};
  int64_t b = static_cast<int64_t>(groups.size());
  at::Tensor t = at::full({b, k}, fill, at::kDouble);  // [B, K]
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < b; ++i)
    for (size_t j = 0; j < (groups[i].*field).size(); ++j) a[i][j] = (groups[i].*field)[j];
  return t;
}

using ojson = nlohmann::ordered_json;  // output keeps the documented key order

ojson number_or_null(double x) { return std::isfinite(x) ? ojson(x) : ojson(nullptr); }

std::string read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream f(path);
  if (!f) throw UserError("--input: cannot read '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

int cmd_loss(const Args& args) {
  std::string name, input;
  std::vector<std::string> sets;
  po::options_description opts(kHelp);
  opts.add_options()
      ("help,h", "print this help")
      ("name", po::value(&name)->required(), "the loss to evaluate (see swepo losses)")
      ("set", po::value(&sets)->composing(),
       "key=value: one of the loss's options, value YAML-typed (e.g. --set alpha=2 --set "
       "weighting=signed); repeatable")
      ("input", po::value(&input)->default_value("-"), "JSON input file, or - for stdin");
  po::variables_map vm;
  if (!cli_parse(args, opts, vm)) return 0;

  // The loss section {name: NAME, key: value, ...}; keys from --set are reported as such.
  YAML::Node cfg(YAML::NodeType::Map);
  cfg["name"] = name;
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError("--set '" + s + "': expected key=value");
    std::string key = trim(s.substr(0, eq));
    if (key == "name") throw UserError("--set name=...: use --name");
    try {
      cfg[key] = YAML::Load(s.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      throw UserError("--set '" + s + "': value is not valid YAML: " + e.what());
    }
  }
  Origins origins = {{"loss", "--set"}};
  const LossSpec spec = parse_loss_spec(cfg, &origins);
  std::unique_ptr<Loss> loss = spec.make();

  json in;
  try {
    in = json::parse(read_input(input));
  } catch (const json::exception& e) {  // syntax errors, and numbers like 1e999 that overflow
    throw UserError(std::string("input: invalid JSON: ") + e.what());
  }
  std::vector<Group> groups = read_groups(in, *spec.info, loss->traits());
  uint64_t seed = 0;
  if (in.contains("seed")) {
    if (!in["seed"].is_number_integer() || in["seed"].get<int64_t>() < 0)
      throw UserError("input: 'seed' must be a non-negative integer, got " + in["seed"].dump());
    seed = in["seed"].get<uint64_t>();
  }

  int64_t b = static_cast<int64_t>(groups.size()), k = 0;
  for (const auto& g : groups) k = std::max<int64_t>(k, g.policy_logps.size());
  PreferenceBatch batch;
  batch.policy_logps = pad_field(groups, &Group::policy_logps, k, 0.0).requires_grad_(true);  // [B, K]
  batch.ref_logps = pad_field(groups, &Group::ref_logps, k, 0.0);                             // [B, K]
  batch.scores = pad_field(groups, &Group::scores, k, 0.0);                                   // [B, K]
  batch.lengths = pad_field(groups, &Group::lengths, k, 1.0);                                 // [B, K]
  batch.mask = at::zeros({b, k}, at::kBool);                                                  // [B, K]
  for (int64_t i = 0; i < b; ++i)
    batch.mask[i].narrow(0, 0, static_cast<int64_t>(groups[i].policy_logps.size())).fill_(true);

  at::Generator gen = at::detail::createCPUGenerator(seed);
  LossOutput out = loss->compute(batch, gen);
  at::Tensor mean = out.mean_loss();  // []
  mean.backward();
  at::Tensor grad = batch.policy_logps.grad();  // [B, K]

  ojson per_group = ojson::array(), grads = ojson::array();
  int64_t used = 0;
  for (int64_t i = 0; i < b; ++i) {
    bool u = out.used[i].item<bool>();
    used += u;
    per_group.push_back(u ? number_or_null(out.per_prompt[i].item<double>()) : ojson(nullptr));
    ojson row = ojson::array();
    for (size_t j = 0; j < groups[i].policy_logps.size(); ++j)
      row.push_back(number_or_null(grad[i][static_cast<int64_t>(j)].item<double>()));
    grads.push_back(row);
  }
  ojson metrics = ojson::object();
  for (const auto& [key, value] : finalize_metrics(out.metrics, out.used))
    metrics[key] = number_or_null(value);
  ojson result = {{"loss", number_or_null(mean.item<double>())},
                 {"per_group", per_group},
                 {"grad_policy_logps", grads},
                 {"metrics", metrics},
                 {"used", used},
                 {"skipped", b - used}};
  std::cout << result.dump(2) << "\n";
  return 0;
}

}  // namespace swepo::cli
