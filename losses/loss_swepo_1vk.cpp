// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_swepo_1vk.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"
#include "losses/loss_validate.h"

namespace swepo {
namespace {

class Swepo1vkLoss final : public Loss {
 public:
  Swepo1vkLoss(Swepo1vkOptions o, LossId id) : o_(o), id_(std::move(id)) {}
  const LossTraits& traits() const override { return id_.traits; }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, id_);
    at::Tensor s = implicit_scores(batch, o_.beta);                       // [B, K]
    at::Tensor scores = clean_scores(batch);                              // [B, K]
    at::Tensor best = best_index(scores, batch.mask);                     // [B]
    at::Tensor raw = -pick(s, best) + masked_logsumexp(s, batch.mask);    // [B]
    at::Tensor used = prompts_used(scores, batch.mask, id_.traits);       // [B]
    at::Tensor acc = index_mask(best, s.size(1));                         // [B, K]
    at::Tensor rej = batch.mask.logical_and(acc.logical_not());           // [B, K]
    return make_loss_output(raw, used, metrics_from_sets(s, acc, rej, used));
  }

 private:
  Swepo1vkOptions o_;
  LossId id_;
};

}  // namespace

std::unique_ptr<Loss> make_loss_swepo_1vk(const Swepo1vkOptions& options, LossId id) {
  return std::make_unique<Swepo1vkLoss>(options, std::move(id));
}

}  // namespace swepo
