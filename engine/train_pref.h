// Preference optimisation with any registered loss (losses/): the trainer reads the loss's traits,
// never its name.
//
// Dimension glossary: B prompts per micro-batch, K response slots (largest K_b in the micro-batch),
// R prompts in the dataset.
//
// Reference: when traits().needs_reference, log πref of every response is computed once, up front,
// by a frozen deep copy of the policy (clone_model + freeze_model) and cached on disk by
// fingerprint (ref_cache.h); the copy is dropped before training. A LoRA policy (engine/lora.h) is
// its own reference with its adapters switched off: computed in place, no copy, keyed by the base
// weights. A reference-free loss triggers no reference computation at all.
//
// Exact accumulation: the batch loss is the mean over USED prompts of the whole optimizer step.
// Whether a prompt is used depends only on its scores and mask: it is skipped iff
// traits().skips_ties and all its valid scores are equal. The trainer counts used prompts on the
// host with the loss's own rule (loss_prompts_used, losses/loss.h) from the collated (CPU) scores
// before any forward pass and backpropagates each
// micro-batch's Σ per_prompt / (used prompts in the step). At logging steps the count is checked
// against the loss's own `used` output (a mismatch is an internal error).
#pragma once
#include <vector>

#include "core/data/records.h"
#include "engine/collate.h"
#include "engine/metrics_sink.h"
#include "engine/model.h"
#include "engine/tokenizer.h"
#include "engine/train_common.h"
#include "engine/train_config.h"
#include "losses/loss.h"

namespace swepo {

// Trains `policy` in place (moved to cfg.device); the reference is the policy as passed in.
// Metrics per logging window: loss (mean over used prompts), the loss's finalized metrics
// (rewards/*, groups/used, groups/skipped, ...), lr, grad_norm, tokens_per_s, epoch,
// truncated_responses. UserError for bad config/data (e.g. a record with fewer than min_k
// responses) or a checkpoint that does not match this run.
TrainResult train_preference(Transformer& policy, const Tokenizer& tok,
                             const std::vector<PreferenceRecord>& data, const Loss& loss,
                             const TrainerConfig& cfg, const TruncationConfig& truncation,
                             MetricSink& sink, const TrainRunOptions& run = {});

}  // namespace swepo
