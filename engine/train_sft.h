// Supervised fine-tuning: next-token loss on demonstration responses (prompt tokens masked).
//
// One optimizer step reads batch_size demonstrations (DataSchedule) in micro-batches of
// micro_batch_size. Exact accumulation: the step's loss is Σ token NLL / (response tokens in the
// whole step), so each micro-batch backpropagates its NLL sum divided by the step's token count
// (counted on the host from the collated masks before any forward pass): k micro-batches give the
// same gradient as one batch of k times the size.
#pragma once
#include <vector>

#include "core/data/records.h"
#include "engine/collate.h"
#include "engine/metrics_sink.h"
#include "engine/model.h"
#include "engine/tokenizer.h"
#include "engine/train_common.h"
#include "engine/train_config.h"

namespace swepo {

// Trains `model` in place (moved to cfg.device). Metrics per logging window to `sink`: loss (mean
// token NLL), lr, grad_norm (mean over the window's steps, before clipping), tokens_per_s, epoch,
// truncated_responses. UserError for bad config/data or a checkpoint that does not match.
TrainResult train_sft(Transformer& model, const Tokenizer& tok, const std::vector<SftRecord>& data,
                      const TrainerConfig& cfg, const TruncationConfig& truncation, MetricSink& sink,
                      const TrainRunOptions& run = {});

}  // namespace swepo
