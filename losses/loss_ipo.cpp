// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_ipo.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_validate.h"

namespace swepo {
namespace {

class IpoLoss final : public Loss {
 public:
  IpoLoss(IpoOptions o, LossId id) : o_(std::move(o)), id_(std::move(id)) {}
  const LossTraits& traits() const override { return id_.traits; }

  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    validate_batch(batch, id_);
    at::Tensor s = implicit_scores(batch, o_.beta);                      // [B, K]
    at::Tensor scores = clean_scores(batch);                             // [B, K]
    ResponsePair p = select_pair(scores, batch.mask, o_.pairing, gen);   // w, l: [B]
    at::Tensor used = prompts_used(scores, batch.mask, id_.traits);      // [B]
    at::Tensor d = (pick(s, p.w) - pick(s, p.l)) / o_.beta;              // [B]
    at::Tensor raw = (d - 1.0 / (2.0 * o_.beta)).pow(2);                 // [B]
    int64_t k = s.size(1);
    return make_loss_output(raw, used,
                            metrics_from_sets(s, index_mask(p.w, k), index_mask(p.l, k), used));
  }

 private:
  IpoOptions o_;
  LossId id_;
};

}  // namespace

std::unique_ptr<Loss> make_loss_ipo(const IpoOptions& options, LossId id) {
  return std::make_unique<IpoLoss>(options, std::move(id));
}

}  // namespace swepo
