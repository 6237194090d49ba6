// Preference losses over a batch of B prompts with up to K scored responses each.
//
// Dimension glossary: B prompts in the batch, K response slots per prompt (prompt b has
// K_b <= K valid responses; the rest are padding, masked out).
//
// A loss is a small stateless object: it turns summed response log-probs into per-prompt losses
// plus detached metrics, and declares its traits so the trainer never branches on its name.
// Formulas: docs/SPEC.md section 2 (summarised in README.md's loss table); how to add a loss:
// losses/README.md.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace swepo {

struct PreferenceBatch {
  at::Tensor policy_logps;  // [B, K] float: log πθ(y|x), summed over response tokens (has grad)
  at::Tensor ref_logps;     // [B, K] float: log πref(y|x); undefined for reference-free losses
  at::Tensor scores;        // [B, K] float: annotator scores S_i
  at::Tensor lengths;       // [B, K] float: response lengths in tokens (length-normalised losses)
  at::Tensor mask;          // [B, K] bool: true for valid responses, false for padding
};

// What a loss needs; the trainer and the data pipeline read these instead of the loss's name.
struct LossTraits {
  bool needs_reference = true;  // reads ref_logps (false: no reference model is ever computed)
  bool needs_scores = true;     // reads scores
  bool needs_lengths = false;   // reads lengths
  int min_k = 2;                // fewer valid responses in a prompt is an input error
  bool skips_ties = true;       // a prompt whose valid scores are all equal contributes nothing
};

// A metric as (sum, count), so that micro-batches and uneven batches reduce exactly.
struct MetricSum {
  at::Tensor sum;    // 0-d, detached
  at::Tensor count;  // 0-d, detached
};

struct LossOutput {
  at::Tensor per_prompt;  // [B] loss of each prompt; exactly 0 (and no gradient) where !used
  at::Tensor used;        // [B] bool: prompts that contribute
  // Detached metrics by docs/SPEC.md's names (rewards/chosen, rewards/rejected, rewards/accuracies,
  // weights/accepted, ...); rewards/margins, groups/used and groups/skipped are derived by
  // finalize_metrics().
  std::map<std::string, MetricSum> metrics;

  // The batch loss: mean over used prompts (0 when none is used).
  at::Tensor mean_loss() const;
};

class Loss {
 public:
  virtual ~Loss() = default;
  // `gen` is a seeded CPU generator for losses that sample (DPO's random rejected response).
  // Validates the batch (shapes, NaN/inf, min_k) and throws UserError naming field and prompt.
  virtual LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const = 0;
  virtual const LossTraits& traits() const = 0;
};

// The prompts a loss with `traits` uses, from the batch's scores and mask alone ([B] bool): all
// prompts, except, when traits.skips_ties, those whose valid scores are all equal. The same rule
// every compute() applies; the trainer calls it on the host, before any forward pass, to count the
// used prompts of an optimizer step (the normaliser of exact gradient accumulation).
at::Tensor loss_prompts_used(const PreferenceBatch& batch, const LossTraits& traits);

// Metric values as doubles (one host sync): sum/count for each metric, plus rewards/margins =
// rewards/chosen - rewards/rejected, groups/used and groups/skipped.
std::map<std::string, double> finalize_metrics(const std::map<std::string, MetricSum>& metrics,
                                               const at::Tensor& used);

// Adds b's sums and counts into a (for gradient accumulation and logging windows).
void accumulate_metrics(std::map<std::string, MetricSum>& a,
                        const std::map<std::string, MetricSum>& b);

}  // namespace swepo
