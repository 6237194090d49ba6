// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_dpo_all_pairs.h"

#include <torch/torch.h>

#include "losses/loss_dpo.h"
#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"
#include "losses/loss_validate.h"

namespace swepo {
namespace {

class DpoAllPairsLoss final : public Loss {
 public:
  DpoAllPairsLoss(DpoAllPairsOptions o, LossId id) : o_(o), id_(std::move(id)) {}
  const LossTraits& traits() const override { return id_.traits; }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, id_);
    at::Tensor s = implicit_scores(batch, o_.beta);                               // [B, K]
    at::Tensor scores = clean_scores(batch);                                      // [B, K]
    at::Tensor both = batch.mask.unsqueeze(2).logical_and(batch.mask.unsqueeze(1));  // [B, K, K]
    at::Tensor pairs = both.logical_and(scores.unsqueeze(2).gt(scores.unsqueeze(1)));  // [B, K, K]
    at::Tensor count = pairs.sum({1, 2});                                         // [B]
    at::Tensor used = prompts_used(scores, batch.mask, id_.traits).logical_and(count.gt(0));  // [B]
    at::Tensor h = s.unsqueeze(2) - s.unsqueeze(1);                               // [B, K, K]
    at::Tensor pair_loss = dpo_pair_loss(h, o_.label_smoothing);                  // [B, K, K]
    at::Tensor total =
        at::where(pairs, pair_loss, at::zeros({}, pair_loss.options())).sum({1, 2});  // [B]
    at::Tensor raw = total / count.clamp_min(1).to(s.scalar_type());              // [B]
    return make_loss_output(raw, used, metrics_from_pairs(s, pairs, used));
  }

 private:
  DpoAllPairsOptions o_;
  LossId id_;
};

}  // namespace

std::unique_ptr<Loss> make_loss_dpo_all_pairs(const DpoAllPairsOptions& options, LossId id) {
  return std::make_unique<DpoAllPairsLoss>(options, std::move(id));
}

}  // namespace swepo
