#include "losses/registry.h"

#include "core/util/error.h"
#include "core/util/strings.h"
#include "losses/loss_dpo.h"
#include "losses/loss_dpo_all_pairs.h"
#include "losses/loss_dpo_best_vs_rest.h"
#include "losses/loss_impl.h"
#include "losses/loss_infonca.h"
#include "losses/loss_ipo.h"
#include "losses/loss_nca.h"
#include "losses/loss_simpo.h"
#include "losses/loss_swepo.h"
#include "losses/loss_swepo_1vk.h"

namespace swepo {
namespace {

// One table row: ties an options struct and its factory to a name, a summary and traits.
template <class Options>
LossInfo row(const char* name, const char* summary, LossTraits traits,
             std::unique_ptr<Loss> (*make)(const Options&, LossId)) {
  LossInfo info;
  info.name = name;
  info.summary = summary;
  info.traits = traits;
  info.describe = [] {
    OptionDocs docs;
    Options defaults;
    defaults.visit(docs);
    return docs.docs;
  };
  LossId id{name, traits};
  info.make = [id, make](const YAML::Node& options, const std::string& path, const Origins* origins) {
    Options o;
    Fields fields(options, path, origins);
    o.visit(fields);
    fields.done();
    return make(o, id);
  };
  return info;
}

//                  needs_reference  needs_scores  needs_lengths  min_k  skips_ties
constexpr LossTraits kRefScored     {true,           true,         false,         2,     true};
constexpr LossTraits kRefScoredAll  {true,           true,         false,         2,     false};
constexpr LossTraits kRefFree       {false,          true,         true,          2,     true};

}  // namespace

const std::vector<LossInfo>& loss_registry() {
  static const std::vector<LossInfo> table = {
      row("dpo", "DPO on one (best, other) pair; rejected drawn at random by default "
                 "(Rafailov et al. 2023; Zephyr pairing, Tunstall et al. 2023; cDPO smoothing)",
          kRefScored, make_loss_dpo),
      row("dpo_best_vs_rest", "DPO averaged over (best, j) for every other j; DPOx3 at K=4 "
                              "(Rafailov et al. 2023; baseline of Gupta et al. 2025)",
          kRefScored, make_loss_dpo_best_vs_rest),
      row("dpo_all_pairs", "DPO averaged over every pair with S_i > S_j (Rafailov et al. 2023; "
                           "all pairs as in Ouyang et al. 2022)",
          kRefScored, make_loss_dpo_all_pairs),
      row("ipo", "IPO: squared log-ratio margin regressed to 1/(2 beta) (Azar et al. 2024)",
          kRefScored, make_loss_ipo),
      row("infonca", "InfoNCA: cross-entropy from softmax(S/tau) to softmax(s) (Chen et al. 2024)",
          kRefScoredAll, make_loss_infonca),
      row("nca", "NCA: per-response sigmoid, pulled by softmax(S/tau), pushed uniformly "
                 "(Chen et al. 2024)",
          kRefScoredAll, make_loss_nca),
      row("swepo_1vk", "Swepo-1-vs-k: best response against all via log-sum-exp "
                       "(Gupta et al. 2025)",
          kRefScored, make_loss_swepo_1vk),
      row("swepo", "Swepo-dynamic: above-mean responses against all, weighted by exp(alpha "
                   "|S - mean|^p) (Gupta et al. 2025)",
          kRefScored, make_loss_swepo),
      row("simpo", "SimPO: reference-free length-normalised reward with margin gamma "
                   "(Meng et al. 2024)",
          kRefFree, make_loss_simpo),
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

std::unique_ptr<Loss> make_loss(const YAML::Node& loss_cfg, const Origins* origins) {
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
  return info.make(options, "loss", origins);
}

}  // namespace swepo
