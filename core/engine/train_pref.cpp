#include "core/engine/train_pref.h"

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

std::vector<bool> used_prompts(const CollatedBatch& batch, bool skips_ties) {
  at::Tensor scores = batch.scores.to(torch::kCPU, torch::kFloat32).contiguous();  // [B, K]
  at::Tensor valid = batch.valid.to(torch::kCPU, torch::kBool).contiguous();       // [B, K]
  const float* s = scores.data_ptr<float>();
  const bool* v = valid.data_ptr<bool>();
  std::vector<bool> used(static_cast<size_t>(batch.B), true);
  if (!skips_ties) return used;
  for (int64_t b = 0; b < batch.B; ++b) {
    bool any = false, all_equal = true;
    float first = 0;
    for (int64_t k = 0; k < batch.K; ++k) {
      if (!v[b * batch.K + k]) continue;
      if (!any) {
        first = s[b * batch.K + k];
        any = true;
      } else if (s[b * batch.K + k] != first) {
        all_equal = false;
      }
    }
    used[b] = !all_equal;
  }
  return used;
}

TrainResult train_preference(Transformer& policy, const Tokenizer& tok,
                             const std::vector<PreferenceRecord>& data, const Loss& loss,
                             const TrainerConfig& cfg, const TruncationConfig& truncation,
                             MetricSink& sink, const TrainRunOptions& run) {
  const double t_begin = wall_seconds();
  const LossTraits& traits = loss.traits();
  const c10::Device device = resolve_device(cfg.device);
  const bool bf16 = use_bf16_autocast(cfg.precision, device);
  policy->to(device);
  const TruncationConfig trunc = truncation_resolve(truncation, policy->config().max_seq_len);
  const SpecialIds ids = special_ids(tok);

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

  TrainResult res;
  res.total_steps = total;
  res.reference_used = traits.needs_reference;
  const std::string dataset_fp = preference_dataset_fingerprint(data);
  res.fingerprint = run_fingerprint("pref", cfg, trunc, policy->config(), tok.fingerprint(),
                                    dataset_fp, run.extra_fingerprint);

  auto opt = make_adamw(*policy, cfg);
  const LrSchedule lr_sched(cfg, total);
  const std::vector<at::Tensor> params = policy->parameters();
  RunRngs rngs(cfg.seed);
  auto global_cpu = at::detail::getDefaultCPUGenerator();

  // Resume, or compute the reference log-probs from the policy as passed in.
  int64_t step = 0;
  at::Tensor ref_all;  // [R, k_max] float32 CPU, undefined for reference-free losses
  if (!run.resume_from.empty()) {
    TrainState st = load_checkpoint(run.resume_from, policy, opt.get(), "pref", res.fingerprint);
    step = st.step;
    if (st.rng.count("loss")) rngs.loss.set_state(st.rng.at("loss"));
    if (st.rng.count("sample")) rngs.sample.set_state(st.rng.at("sample"));
    if (st.rng.count("global_cpu")) global_cpu.set_state(st.rng.at("global_cpu"));
    if (traits.needs_reference) {
      auto it = st.tensors.find("ref_logps");
      if (it == st.tensors.end())
        throw UserError("checkpoint '" + run.resume_from + "' holds no reference log-probs");
      ref_all = it->second;
      res.reference_from_cache = true;
    }
  } else if (traits.needs_reference) {
    RefCacheKey key{model_weights_hash(policy), dataset_fp, tok.fingerprint(), trunc, bf16};
    const int64_t rows_before = reference_rows_computed();
    RefLogps ref = reference_logps_cached(policy, groups, ids, key, k_max, cfg.ref_batch_size,
                                          cfg.ref_cache_dir);
    ref_all = ref.logps;
    res.reference_from_cache = ref.from_cache;
    res.reference_rows = reference_rows_computed() - rows_before;
    res.reference_fingerprint = ref.fingerprint;
  }

  auto save = [&](int64_t s) {
    if (run.checkpoint_dir.empty()) return;
    TrainState st;
    st.phase = "pref";
    st.fingerprint = res.fingerprint;
    st.step = s;
    st.data_epoch = sched_data.epoch_of(s);
    st.data_offset = sched_data.offset_of(s);
    st.rng["loss"] = rngs.loss.get_state();
    st.rng["sample"] = rngs.sample.get_state();
    st.rng["global_cpu"] = global_cpu.get_state();
    if (ref_all.defined()) st.tensors["ref_logps"] = ref_all;
    res.checkpoint_path = (std::filesystem::path(run.checkpoint_dir) / "last.pt").string();
    save_checkpoint(res.checkpoint_path, policy, opt.get(), st);
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
      for (bool u : used_prompts(micro.back(), traits.skips_ties)) step_used += u;
      win.fwd_tokens += micro.back().tokens.ne(ids.pad).sum().item<int64_t>();  // CPU tensor
      res.truncated_responses += micro.back().truncated_responses;
    }

    opt->zero_grad();
    for (size_t m = 0; m < micro.size(); ++m) {
      const CollatedBatch& cb = micro[m];
      ResponseLogps pl;
      {
        AutocastGuard autocast(bf16);
        pl = response_logps(policy, cb);  // logps [B, K], lengths [B, K]
      }
      PreferenceBatch pb;
      pb.policy_logps = pl.logps;                                     // [B, K]
      if (ref_all.defined())                                          // [B, K]
        pb.ref_logps = ref_all.index_select(0, micro_idx[m]).narrow(1, 0, cb.K).to(device);
      pb.scores = cb.scores.to(device);                               // [B, K]
      pb.lengths = pl.lengths;                                        // [B, K]
      pb.mask = cb.valid.to(device);                                  // [B, K]
      LossOutput out = loss.compute(pb, rngs.loss);
      at::Tensor obj = out.per_prompt.sum();  // 0-d
      if (step_used > 0 && obj.requires_grad()) (obj / double(step_used)).backward();
      win.loss_sum += obj.detach().to(torch::kFloat32);
      accumulate_metrics(win_metrics, out.metrics);
      win_used.push_back(out.used.detach());
    }
    if (step_used > 0) {
      win.gnorm_sum += clip_grad_norm(params, cfg.grad_clip);
      set_learning_rate(*opt, lr_sched.lr_at(step));
      opt->step();
    }
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
      win.close(m, double(win_used_host), lr_sched.lr_at(step - 1),
                double(step) / double(sched_data.steps_per_epoch()), res);
      sink.log(step, m);
      win_metrics.clear();
      win_used.clear();
      win_used_host = 0;
    }
    if ((cfg.checkpoint_every > 0 && step % cfg.checkpoint_every == 0) || step == end) save(step);
  }
  sink.end();
  res.steps_done = step;
  res.seconds = wall_seconds() - t_begin;
  return res;
}

}  // namespace swepo
