// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_simpo.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_validate.h"

namespace swepo {
namespace {

class SimpoLoss final : public Loss {
 public:
  SimpoLoss(SimpoOptions o, LossId id) : o_(std::move(o)), id_(std::move(id)) {}
  const LossTraits& traits() const override { return id_.traits; }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, id_);
    at::Tensor s = length_normalised_scores(batch, o_.beta);             // [B, K]
    at::Tensor scores = clean_scores(batch);                             // [B, K]
    ResponsePair p = select_pair(scores, batch.mask, o_.pairing, gen);   // w, l: [B]
    at::Tensor used = prompts_used(scores, batch.mask, id_.traits);      // [B]
    at::Tensor h = pick(s, p.w) - pick(s, p.l);                          // [B]
    at::Tensor raw = -at::log_sigmoid(h - o_.gamma);                     // [B]
    int64_t k = s.size(1);
    return make_loss_output(raw, used,
                            metrics_from_sets(s, index_mask(p.w, k), index_mask(p.l, k), used));
  }

 private:
  SimpoOptions o_;
  LossId id_;
};

}  // namespace

std::unique_ptr<Loss> make_loss_simpo(const SimpoOptions& options, LossId id) {
  return std::make_unique<SimpoLoss>(options, std::move(id));
}

}  // namespace swepo
