#include "engine/train_pref.h"

#include <torch/torch.h>

#include "core/data/fingerprint.h"
#include "core/util/error.h"
#include "engine/autocast.h"
#include "engine/logprobs.h"
#include "engine/ref_cache.h"
#include "engine/rng.h"
#include "engine/train_loop.h"

namespace swepo {

TrainResult train_preference(Transformer& policy, const Tokenizer& tok,
                             const std::vector<PreferenceRecord>& data, const Loss& loss,
                             const TrainerConfig& cfg, const TruncationConfig& truncation,
                             MetricSink& sink, const TrainRunOptions& run) {
  const double t_begin = wall_seconds();
  const LossTraits& traits = loss.traits();

  // Tokenize once; every record must have at least min_k responses.
  std::vector<TokenizedGroup> groups;
  groups.reserve(data.size());
  int64_t k_max = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    try {
      groups.push_back(tokenize_group(tok, data[i]));
    } catch (const UserError& e) {
      throw UserError("preference record " + std::to_string(i) + ": " + e.what());
    }
    const auto k = static_cast<int64_t>(groups.back().responses.size());
    if (k < traits.min_k)
      throw UserError("preference record " + std::to_string(i) + " has " + std::to_string(k) +
                      " response(s); the loss needs at least " + std::to_string(traits.min_k));
    k_max = std::max(k_max, k);
  }
  DataSchedule sched_data(static_cast<int64_t>(groups.size()), cfg);
  const int64_t total = sched_data.total_steps();
  const int64_t end = run.stop_after_step >= 0 ? std::min(total, run.stop_after_step) : total;
  TrainLoop loop = train_loop_begin(policy, tok, cfg, truncation, total);
  const c10::Device device = loop.device;
  const TruncationConfig& trunc = loop.trunc;
  const SpecialIds& ids = loop.ids;

  TrainResult res;
  res.total_steps = total;
  res.reference_used = traits.needs_reference;
  const std::string dataset_fp = preference_dataset_fingerprint(data);
  res.fingerprint = run_fingerprint("pref", cfg, trunc, policy->config(), tok.fingerprint(),
                                    dataset_fp, run.extra_fingerprint);

  at::Generator loss_gen = make_cpu_generator(derive_seed(cfg.seed, "loss"));  // Loss::compute's stream

  // Resume, or compute the reference log-probs from the policy as passed in.
  int64_t step = 0;
  at::Tensor ref_all;  // [R, k_max] float32 CPU, undefined for reference-free losses
  if (!run.resume_from.empty()) {
    TrainState st = train_loop_resume(loop, run, policy, "pref", res.fingerprint);
    step = st.step;
    if (st.rng.count("loss")) loss_gen.set_state(st.rng.at("loss"));
    if (traits.needs_reference) {
      auto it = st.tensors.find("ref_logps");
      if (it == st.tensors.end())
        throw UserError("checkpoint '" + run.resume_from + "' holds no reference log-probs");
      ref_all = it->second;
      res.reference_from_cache = true;
    }
  } else if (traits.needs_reference) {
    RefCacheKey key{model_weights_hash(policy), dataset_fp, tok.fingerprint(), trunc, loop.bf16};
    const int64_t rows_before = reference_rows_computed();
    RefLogps ref = reference_logps_cached(policy, groups, ids, key, k_max, cfg.ref_batch_size,
                                          cfg.ref_cache_dir);
    ref_all = ref.logps;
    res.reference_from_cache = ref.from_cache;
    res.reference_rows = reference_rows_computed() - rows_before;
    res.reference_fingerprint = ref.fingerprint;
  }

  auto save = [&](int64_t s) {  // the shared state plus the loss stream and the reference
    TrainState st = train_loop_state(loop, "pref", res.fingerprint, s, sched_data);
    st.rng["loss"] = loss_gen.get_state();
    if (ref_all.defined()) st.tensors["ref_logps"] = ref_all;
    train_loop_save(loop, run, policy, st, res);
  };

  LogWindow win(device);
  std::map<std::string, MetricSum> win_metrics;  // the loss's own metrics
  std::vector<at::Tensor> win_used;              // each [B] bool
  int64_t win_used_host = 0;                     // used prompts (the loss denominator)

  sink.begin(total, "pref");
  policy->train();
  while (step < end) {
    // Collate the step's micro-batches and count its used prompts before any forward pass.
    const std::vector<int64_t> idx = sched_data.batch(step);  // [batch_size]
    std::vector<CollatedBatch> micro;
    std::vector<at::Tensor> micro_idx;  // each [B] int64 CPU
    int64_t step_used = 0;
    for (int64_t m = 0; m < cfg.batch_size; m += cfg.micro_batch_size) {
      std::vector<TokenizedGroup> gs;
      std::vector<int64_t> ix(idx.begin() + m, idx.begin() + m + cfg.micro_batch_size);
      for (int64_t i : ix) gs.push_back(groups[i]);
      micro.push_back(collate_groups(gs, ids, trunc));
      micro_idx.push_back(torch::tensor(ix, torch::kInt64));
      PreferenceBatch host;  // CPU: the loss's rule for which prompts count (losses/loss.h)
      host.scores = micro.back().scores;
      host.mask = micro.back().valid;
      step_used += loss_prompts_used(host, traits).sum().item<int64_t>();
      win.fwd_tokens += micro.back().tokens.ne(ids.pad).sum().item<int64_t>();  // CPU tensor
      res.truncated_responses += micro.back().truncated_responses;
    }

    loop.opt->zero_grad();
    for (size_t m = 0; m < micro.size(); ++m) {
      const CollatedBatch& cb = micro[m];
      ResponseLogps pl;
      {
        AutocastGuard autocast(loop.bf16);
        pl = response_logps(policy, cb);  // logps [B, K], lengths [B, K]
      }
      PreferenceBatch pb;
      pb.policy_logps = pl.logps;                                     // [B, K]
      if (ref_all.defined())                                          // [B, K]
        pb.ref_logps = ref_all.index_select(0, micro_idx[m]).narrow(1, 0, cb.K).to(device);
      pb.scores = cb.scores.to(device);                               // [B, K]
      pb.lengths = pl.lengths;                                        // [B, K]
      pb.mask = cb.valid.to(device);                                  // [B, K]
      LossOutput out = loss.compute(pb, loss_gen);
      at::Tensor obj = out.per_prompt.sum();  // 0-d
      if (step_used > 0 && obj.requires_grad()) (obj / double(step_used)).backward();
      win.loss_sum += obj.detach().to(torch::kFloat32);
      accumulate_metrics(win_metrics, out.metrics);
      win_used.push_back(out.used.detach());
    }
    if (step_used > 0) train_loop_step(loop, step, win);
    win_used_host += step_used;
    ++win.steps;
    ++step;

    if (step % cfg.log_every == 0 || step == end) {
      MetricMap m = finalize_metrics(win_metrics, torch::cat(win_used));
      if (static_cast<int64_t>(m["groups/used"]) != win_used_host)
        throw std::logic_error(
            "preference trainer: the loss used " + std::to_string(m["groups/used"]) +
            " prompts but its traits (skips_ties) predict " + std::to_string(win_used_host) +
            "; gradient accumulation would be mis-scaled");
      win.close(m, double(win_used_host), loop.lr.lr_at(step - 1),
                double(step) / double(sched_data.steps_per_epoch()), res);
      sink.log(step, m);
      win_metrics.clear();
      win_used.clear();
      win_used_host = 0;
    }
    if (train_loop_checkpoint_due(cfg, step, end)) save(step);
  }
  sink.end();
  res.steps_done = step;
  res.seconds = wall_seconds() - t_begin;
  return res;
}

}  // namespace swepo
