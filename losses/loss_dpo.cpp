// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_dpo.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_validate.h"

namespace swepo {

at::Tensor dpo_pair_loss(const at::Tensor& h, double label_smoothing) {
  at::Tensor l = -at::log_sigmoid(h);  // same shape as h
  if (label_smoothing > 0) l = (1 - label_smoothing) * l - label_smoothing * at::log_sigmoid(-h);
  return l;
}

namespace {

class DpoLoss final : public Loss {
 public:
  DpoLoss(DpoOptions o, LossId id) : o_(std::move(o)), id_(std::move(id)) {}
  const LossTraits& traits() const override { return id_.traits; }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, id_);
    at::Tensor s = implicit_scores(batch, o_.beta);                      // [B, K]
    at::Tensor scores = clean_scores(batch);                             // [B, K]
    ResponsePair p = select_pair(scores, batch.mask, o_.pairing, gen);   // w, l: [B]
    at::Tensor used = prompts_used(scores, batch.mask, id_.traits);  // [B]
    at::Tensor h = pick(s, p.w) - pick(s, p.l);                          // [B]
    int64_t k = s.size(1);
    return make_loss_output(dpo_pair_loss(h, o_.label_smoothing), used,
                            metrics_from_sets(s, index_mask(p.w, k), index_mask(p.l, k), used));
  }

 private:
  DpoOptions o_;
  LossId id_;
};

}  // namespace

std::unique_ptr<Loss> make_loss_dpo(const DpoOptions& options, LossId id) {
  return std::make_unique<DpoLoss>(options, std::move(id));
}

}  // namespace swepo
