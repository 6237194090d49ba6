#include "core/engine/train_sft.h"

#include <filesystem>

#include <torch/torch.h>

#include "core/engine/autocast.h"
#include "core/engine/checkpoint.h"
#include "core/engine/device.h"
#include "core/engine/log_window.h"
#include "core/engine/logprobs.h"
#include "core/engine/optim.h"
#include "core/engine/ref_cache.h"
#include "core/engine/rng.h"
#include "core/engine/schedule.h"
#include "core/util/error.h"

namespace swepo {

TrainResult train_sft(Transformer& model, const Tokenizer& tok, const std::vector<SftRecord>& data,
                      const TrainerConfig& cfg, const TruncationConfig& truncation, MetricSink& sink,
                      const TrainRunOptions& run) {
  const double t_begin = wall_seconds();
  const c10::Device device = resolve_device(cfg.device);
  const bool bf16 = use_bf16_autocast(cfg.precision, device);
  model->to(device);
  const TruncationConfig trunc = truncation_resolve(truncation, model->config().max_seq_len);
  const SpecialIds ids = special_ids(tok);

  std::vector<TokenizedSft> examples;
  examples.reserve(data.size());
  for (const auto& r : data) examples.push_back(tokenize_sft(tok, r));
  DataSchedule sched_data(static_cast<int64_t>(examples.size()), cfg);
  const int64_t total = sched_data.total_steps();
  const int64_t end = run.stop_after_step >= 0 ? std::min(total, run.stop_after_step) : total;

  TrainResult res;
  res.total_steps = total;
  res.fingerprint = run_fingerprint("sft", cfg, trunc, model->config(), tok.fingerprint(),
                                    sft_dataset_fingerprint(data), run.extra_fingerprint);

  auto opt = make_adamw(*model, cfg);
  const LrSchedule lr_sched(cfg, total);
  const std::vector<at::Tensor> params = model->parameters();
  RunRngs rngs(cfg.seed);
  auto global_cpu = at::detail::getDefaultCPUGenerator();

  int64_t step = 0;
  if (!run.resume_from.empty()) {
    TrainState st = load_checkpoint(run.resume_from, model, opt.get(), "sft", res.fingerprint);
    step = st.step;
    if (st.rng.count("global_cpu")) global_cpu.set_state(st.rng.at("global_cpu"));
  }

  auto save = [&](int64_t s) {
    if (run.checkpoint_dir.empty()) return;
    TrainState st;
    st.phase = "sft";
    st.fingerprint = res.fingerprint;
    st.step = s;
    st.data_epoch = sched_data.epoch_of(s);
    st.data_offset = sched_data.offset_of(s);
    st.rng["global_cpu"] = global_cpu.get_state();
    res.checkpoint_path = (std::filesystem::path(run.checkpoint_dir) / "last.pt").string();
    save_checkpoint(res.checkpoint_path, model, opt.get(), st);
  };

  LogWindow win(device);
  double win_tokens = 0;  // scored tokens (the loss denominator)

  sink.begin(total, "sft");
  model->train();
  while (step < end) {
    // Collate the step's micro-batches first: the token count of the whole step scales each one.
    const std::vector<int64_t> idx = sched_data.batch(step);  // [batch_size]
    std::vector<SftBatch> micro;
    double step_tokens = 0;
    for (int64_t m = 0; m < cfg.batch_size; m += cfg.micro_batch_size) {
      std::vector<TokenizedSft> ex;
      for (int64_t i = m; i < m + cfg.micro_batch_size; ++i) ex.push_back(examples[idx[i]]);
      micro.push_back(collate_sft(ex, ids, trunc));
      step_tokens += double(micro.back().loss_mask.sum().item<int64_t>());  // CPU tensor: no sync
      win.fwd_tokens += micro.back().tokens.ne(ids.pad).sum().item<int64_t>();
      res.truncated_responses += micro.back().truncated_responses;
    }

    opt->zero_grad();
    if (step_tokens > 0) {
      for (const auto& mb : micro) {
        NllSum nll;
        {
          AutocastGuard autocast(bf16);
          nll = sft_loss(model, mb);  // sum: 0-d, count: 0-d
        }
        (nll.sum / step_tokens).backward();
        win.loss_sum += nll.sum.detach();
      }
      win.gnorm_sum += clip_grad_norm(params, cfg.grad_clip);
      set_learning_rate(*opt, lr_sched.lr_at(step));
      opt->step();
    }
    win_tokens += step_tokens;
    ++win.steps;
    ++step;

    if (step % cfg.log_every == 0 || step == end) {
      MetricMap m;
      win.close(m, win_tokens, lr_sched.lr_at(step - 1),
                double(step) / double(sched_data.steps_per_epoch()), res);
      sink.log(step, m);
      win_tokens = 0;
    }
    if ((cfg.checkpoint_every > 0 && step % cfg.checkpoint_every == 0) || step == end) save(step);
  }
  sink.end();
  res.steps_done = step;
  res.seconds = wall_seconds() - t_begin;
  return res;
}

}  // namespace swepo
