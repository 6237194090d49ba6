// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_nca.h"

#include <torch/torch.h>

#include "losses/loss_infonca.h"
#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"
#include "losses/loss_validate.h"

namespace swepo {
namespace {

class NcaLoss final : public Loss {
 public:
  NcaLoss(NcaOptions o, LossId id) : o_(o), id_(std::move(id)) {}
  const LossTraits& traits() const override { return id_.traits; }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, id_);
    at::Tensor s = implicit_scores(batch, o_.beta);                                    // [B, K]
    at::Tensor scores = clean_scores(batch);                                           // [B, K]
    at::Tensor p = score_targets(scores, batch.mask, o_.reward_temperature).to(s.scalar_type());  // [B, K]
    at::Tensor k_b = batch.mask.sum({1}).to(s.scalar_type());                          // [B]
    at::Tensor pull = masked_sum(p * at::log_sigmoid(s), batch.mask);                  // [B]
    at::Tensor push = masked_sum(at::log_sigmoid(-s), batch.mask) / k_b;               // [B]
    at::Tensor raw = -pull - push;                                                     // [B]
    return make_mean_split_output(raw, s, scores, batch.mask, id_.traits);
  }

 private:
  NcaOptions o_;
  LossId id_;
};

}  // namespace

std::unique_ptr<Loss> make_loss_nca(const NcaOptions& options, LossId id) {
  return std::make_unique<NcaLoss>(options, std::move(id));
}

}  // namespace swepo
