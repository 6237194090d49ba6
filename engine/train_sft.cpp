#include "engine/train_sft.h"

#include <torch/torch.h>

#include "core/data/fingerprint.h"
#include "engine/autocast.h"
#include "engine/logprobs.h"
#include "engine/stop_signal.h"
#include "engine/train_loop.h"

namespace swepo {

TrainResult train_sft(Transformer& model, const Tokenizer& tok, const std::vector<SftRecord>& data,
                      const TrainerConfig& cfg, const TruncationConfig& truncation, MetricSink& sink,
                      const TrainRunOptions& run) {
  const double t_begin = wall_seconds();
  std::vector<TokenizedSft> examples;
  examples.reserve(data.size());
  for (const auto& r : data) examples.push_back(tokenize_sft(tok, r));
  DataSchedule sched_data(static_cast<int64_t>(examples.size()), cfg);
  const int64_t total = sched_data.total_steps();
  const int64_t end = run.stop_after_step >= 0 ? std::min(total, run.stop_after_step) : total;
  TrainLoop loop = train_loop_begin(model, tok, cfg, truncation, total);
  const SpecialIds& ids = loop.ids;
  const bool packed = cfg.layout == "shared_prompt";

  TrainResult res;
  res.total_steps = total;
  res.fingerprint = run_fingerprint("sft", cfg, loop.trunc, model->config(), tok.fingerprint(),
                                    sft_dataset_fingerprint(data), run.extra_fingerprint);

  int64_t step = 0;
  if (!run.resume_from.empty()) {
    step = train_loop_resume(loop, run, model, "sft", res.fingerprint).step;
    if (run.on_resume) run.on_resume(step);
  }

  LogWindow win(loop.device);
  double win_tokens = 0;  // scored tokens (the loss denominator)

  sink.begin(total, "sft");
  model->train();
  while (step < end) {
    // Collate the step's micro-batches first: the token count of the whole step scales each one.
    const std::vector<int64_t> idx = sched_data.batch(step);  // [batch_size]
    std::vector<SftBatch> micro;           // layout rows
    std::vector<PackedBatch> micro_packed; // layout shared_prompt: several examples per row
    double step_tokens = 0;
    for (int64_t m = 0; m < cfg.batch_size; m += cfg.micro_batch_size) {
      std::vector<TokenizedSft> ex;
      for (int64_t i = m; i < m + cfg.micro_batch_size; ++i) ex.push_back(examples[idx[i]]);
      if (packed) {
        micro_packed.push_back(pack_sft(ex, ids, loop.trunc));
        step_tokens += double(micro_packed.back().score_slot.numel());
        win.fwd_tokens += micro_packed.back().tokens_total;
        res.truncated_responses += micro_packed.back().truncated_responses;
      } else {
        micro.push_back(collate_sft(ex, ids, loop.trunc));
        step_tokens += double(micro.back().loss_mask.sum().item<int64_t>());  // CPU tensor: no sync
        win.fwd_tokens += micro.back().tokens.ne(ids.pad).sum().item<int64_t>();
        res.truncated_responses += micro.back().truncated_responses;
      }
    }

    loop.opt->zero_grad();
    if (step_tokens > 0) {
      const size_t n_micro = packed ? micro_packed.size() : micro.size();
      for (size_t m = 0; m < n_micro; ++m) {
        NllSum nll;
        {
          AutocastGuard autocast(loop.bf16);
          nll = packed ? sft_loss(model, micro_packed[m]) : sft_loss(model, micro[m]);  // 0-d each
        }
        (nll.sum / step_tokens).backward();
        win.loss_sum += nll.sum.detach();
      }
      train_loop_step(loop, step, win);
    }
    win_tokens += step_tokens;
    ++win.steps;
    ++step;

    if (step % cfg.log_every == 0 || step == end) {
      MetricMap m;
      win.close(m, win_tokens, loop.lr.lr_at(step - 1),
                double(step) / double(sched_data.steps_per_epoch()), res);
      sink.log(step, m);
      win_tokens = 0;
    }
    const bool due = train_loop_checkpoint_due(cfg, step, end);
    const int sig = stop_requested();
    if (due || (sig && step < end))
      train_loop_save(loop, run, model, train_loop_state(loop, "sft", res.fingerprint, step, sched_data), res,
                      sink);
    if (sig && step < end) {  // preemption: checkpointed above, then stop
      sink.end();
      throw TrainingStopped(sig, step, res.checkpoint_path);
    }
  }
  sink.end();
  res.steps_done = step;
  res.seconds = wall_seconds() - t_begin;
  return res;
}

}  // namespace swepo
