// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_infonca.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"
#include "losses/loss_validate.h"

namespace swepo {

at::Tensor score_targets(const at::Tensor& scores, const at::Tensor& mask, double temperature) {
  at::Tensor logits = (scores / temperature).masked_fill(mask.logical_not(), kMaskedLogit);  // [B, K]
  at::Tensor p = logits.softmax(1);                                                          // [B, K]
  return at::where(mask, p, at::zeros({}, p.options()));                                    // [B, K]
}

namespace {

class InfoncaLoss final : public Loss {
 public:
  InfoncaLoss(InfoncaOptions o, LossId id) : o_(o), id_(std::move(id)) {}
  const LossTraits& traits() const override { return id_.traits; }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, id_);
    at::Tensor s = implicit_scores(batch, o_.beta);                                    // [B, K]
    at::Tensor scores = clean_scores(batch);                                           // [B, K]
    at::Tensor p = score_targets(scores, batch.mask, o_.reward_temperature).to(s.scalar_type());  // [B, K]
    at::Tensor log_q = s.masked_fill(batch.mask.logical_not(), kMaskedLogit).log_softmax(1);     // [B, K]
    at::Tensor raw = -masked_sum(p * log_q, batch.mask);                               // [B]
    return make_mean_split_output(raw, s, scores, batch.mask, id_.traits);
  }

 private:
  InfoncaOptions o_;
  LossId id_;
};

}  // namespace

std::unique_ptr<Loss> make_loss_infonca(const InfoncaOptions& options, LossId id) {
  return std::make_unique<InfoncaLoss>(options, std::move(id));
}

}  // namespace swepo
