#include "losses/registry.h"

#include <cmath>
#include <utility>

#include <fmt/core.h>

#include "core/util/error.h"
#include "core/util/strings.h"
#include "losses/loss_dpo.h"
#include "losses/loss_dpo_all_pairs.h"
#include "losses/loss_dpo_best_vs_rest.h"
#include "losses/loss_infonca.h"
#include "losses/loss_ipo.h"
#include "losses/loss_nca.h"
#include "losses/loss_nll.h"
#include "losses/loss_simpo.h"
#include "losses/loss_swepo.h"
#include "losses/loss_swepo_1vk.h"
#include "losses/loss_validate.h"

namespace swepo {
namespace {

// A loss's compute function: per-prompt losses and metrics of an already validated batch.
template <class Options>
using ComputeFn = LossOutput (*)(const Options&, const PreferenceBatch&, const LossTraits&,
                                 at::Generator&);

// A loss's own options plus the options every loss has, declared once here: the auxiliary NLL
// term (losses/loss_nll.h). They come after the loss's own options in `swepo losses` and the
// recorded config.
template <class Options>
struct WithCommonOptions : Options {
  double nll_weight = 0.0;  // λ of the NLL term; 0 = none (the loss exactly as without it)
  template <class V>
  void visit(V& v) {
    Options::visit(v);
    v("nll_weight", nll_weight, kNllWeightHelp);
    v.require(nll_weight >= 0, "nll_weight", "must be >= 0");
  }
};

// The one Loss implementation: a registered row's name and traits, its parsed options and its
// compute function. Validates the batch against the traits once, then computes, then adds the
// common terms (nll_weight > 0: the NLL term, and the loss then needs lengths).
template <class Options>
class RegisteredLoss final : public Loss {
 public:
  RegisteredLoss(std::string name, LossTraits traits, WithCommonOptions<Options> options,
                 ComputeFn<Options> compute)
      : name_(std::move(name)), traits_(traits), options_(std::move(options)), compute_(compute) {
    traits_.needs_lengths = traits_.needs_lengths || options_.nll_weight > 0;
  }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, name_, traits_);
    LossOutput out = compute_(options_, batch, traits_, gen);
    if (options_.nll_weight > 0) add_nll_term(out, batch, options_.nll_weight);
    return out;
  }
  const LossTraits& traits() const override { return traits_; }

 private:
  std::string name_;  // registry name, used in error messages ("loss 'dpo': ...")
  LossTraits traits_;
  WithCommonOptions<Options> options_;
  ComputeFn<Options> compute_;
};

// Visitor that records each option's resolved value as one-line YAML text; numbers in their
// shortest round-trip form, as a preset writes them (0.1, not 0.10000000000000001; 1.0 as 1).
class OptionValues {
 public:
  template <class T>
  void operator()(const char* key, T& value, const char* /*help*/) {
    values.push_back({key, text(value)});
  }
  void choice(const char*, const std::string&, const std::vector<std::string>&) {}
  void require(bool, const char*, const std::string&) {}
  std::vector<OptionValue> values;

 private:
  static std::string text(double x) {
    if (std::isnan(x)) return ".nan";
    if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
    return fmt::format("{}", x);
  }
  template <class T>
  static std::string text(const T& x) {
    YAML::Emitter e;
    e << YAML::Flow << x;
    return e.c_str();
  }
};

// One table row: ties an options struct and its compute function to a name, a summary and traits.
template <class Options>
LossInfo row(const char* name, const char* summary, LossTraits traits, ComputeFn<Options> compute) {
  LossInfo info;
  info.name = name;
  info.summary = summary;
  info.traits = traits;
  info.describe = [] {
    OptionDocs docs;
    WithCommonOptions<Options> defaults;
    defaults.visit(docs);
    return docs.docs;
  };
  info.parse = [name = info.name, traits, compute](const YAML::Node& options,
                                                   const std::string& path, const Origins* origins) {
    WithCommonOptions<Options> o = read_fields<WithCommonOptions<Options>>(options, path, origins);
    OptionValues values;
    o.visit(values);
    LossSpec spec;
    spec.options = std::move(values.values);
    spec.build = [name, traits, o, compute]() -> std::unique_ptr<Loss> {
      return std::make_unique<RegisteredLoss<Options>>(name, traits, o, compute);
    };
    return spec;
  };
  return info;
}

// Trait presets, named for what they mean (columns as in LossTraits):
//   kWithRefSkipTies    reads πref and scores; a prompt whose scores all tie states no preference
//                       and is skipped (pairwise DPO/IPO, Swepo)
//   kWithRefKeepTies    reads πref and scores; tied scores give uniform soft targets, so every
//                       prompt trains (InfoNCA, NCA)
//   kRefFreeLengthNorm  no πref: the reward is the length-normalised policy log-prob, so it reads
//                       lengths; ties skipped (SimPO)
//                         needs_reference  needs_scores  needs_lengths  min_k  skips_ties
constexpr LossTraits kWithRefSkipTies   {true,           true,         false,         2,     true};
constexpr LossTraits kWithRefKeepTies   {true,           true,         false,         2,     false};
constexpr LossTraits kRefFreeLengthNorm {false,          true,         true,          2,     true};

}  // namespace

const std::vector<LossInfo>& loss_registry() {
  static const std::vector<LossInfo> table = {
      row("dpo", "DPO on one (best, other) pair; rejected drawn at random by default "
                 "(Rafailov et al. 2023; Zephyr pairing, Tunstall et al. 2023; cDPO smoothing)",
          kWithRefSkipTies, loss_dpo),
      row("dpo_best_vs_rest", "DPO averaged over (best, j) for every other j; DPOx3 at K=4 "
                              "(Rafailov et al. 2023; baseline of Gupta et al. 2025)",
          kWithRefSkipTies, loss_dpo_best_vs_rest),
      row("dpo_all_pairs", "DPO averaged over every pair with S_i > S_j (Rafailov et al. 2023; "
                           "all pairs as in Ouyang et al. 2022)",
          kWithRefSkipTies, loss_dpo_all_pairs),
      row("ipo", "IPO: squared log-ratio margin regressed to 1/(2 beta) (Azar et al. 2024)",
          kWithRefSkipTies, loss_ipo),
      row("infonca", "InfoNCA: cross-entropy from softmax(S/tau) to softmax(s) (Chen et al. 2024)",
          kWithRefKeepTies, loss_infonca),
      row("nca", "NCA: per-response sigmoid, pulled by softmax(S/tau), pushed uniformly "
                 "(Chen et al. 2024)",
          kWithRefKeepTies, loss_nca),
      row("swepo_1vk", "Swepo-1-vs-k: best response against all via log-sum-exp "
                       "(Gupta et al. 2025)",
          kWithRefSkipTies, loss_swepo_1vk),
      row("swepo", "Swepo-dynamic: above-mean responses against all, weighted by exp(alpha "
                   "|S - mean|^p) (Gupta et al. 2025)",
          kWithRefSkipTies, loss_swepo),
      row("simpo", "SimPO: reference-free length-normalised reward with margin gamma "
                   "(Meng et al. 2024)",
          kRefFreeLengthNorm, loss_simpo),
  };
  return table;
}

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const auto& info : loss_registry()) names.push_back(info.name);
  return names;
}

const LossInfo& find_loss(const std::string& name) {
  for (const auto& info : loss_registry())
    if (info.name == name) return info;
  std::vector<std::string> names = loss_names();
  throw UserError("unknown loss '" + name + "'" + did_you_mean(name, names) +
                  "; valid: " + join(names, ", "));
}

const std::string& LossSpec::name() const { return info->name; }

YAML::Node LossSpec::to_yaml() const {
  YAML::Node node(YAML::NodeType::Map);
  node["name"] = info->name;
  for (const auto& o : options) node[o.key] = YAML::Load(o.value);
  return node;
}

LossSpec parse_loss_spec(const YAML::Node& loss_cfg, const Origins* origins) {
  if (!loss_cfg || !loss_cfg.IsMap())
    throw UserError("config key 'loss'" + origin_of(origins, "loss") +
                    ": expected a mapping {name: <loss>, <options>}, got '" +
                    (loss_cfg ? yaml_scalar_text(loss_cfg) : std::string("nothing")) + "'");
  YAML::Node name = loss_cfg["name"];
  if (!name || !name.IsScalar())
    throw UserError("config key 'loss.name'" + origin_of(origins, "loss.name") +
                    " is missing; valid: " + join(loss_names(), ", "));
  const LossInfo& info = find_loss(name.as<std::string>());
  YAML::Node options(YAML::NodeType::Map);  // the section without `name`
  for (const auto& kv : loss_cfg)
    if (kv.first.as<std::string>() != "name") options[kv.first.as<std::string>()] = kv.second;
  LossSpec spec = info.parse(options, "loss", origins);
  spec.info = &info;
  return spec;
}

std::unique_ptr<Loss> make_loss(const YAML::Node& loss_cfg, const Origins* origins) {
  return parse_loss_spec(loss_cfg, origins).make();
}

}  // namespace swepo
