#include "engine/train_pref.h"

#include <torch/torch.h>

#include <cmath>
#include <csignal>

#include "core/data/fingerprint.h"
#include "core/util/error.h"
#include "engine/autocast.h"
#include "engine/distributed.h"
#include "engine/logprobs.h"
#include "engine/lora.h"
#include "engine/ref_cache.h"
#include "engine/rng.h"
#include "engine/stop_signal.h"
#include "engine/train_loop.h"

namespace swepo {
namespace {

// One micro-batch of a step in either layout; `groups` are kept to pack response chunks.
struct PrefMicro {
  std::vector<TokenizedGroup> groups;
  at::Tensor idx;        // [B] int64 CPU: dataset indices
  CollatedBatch rows;    // layout rows
  PackedBatch packed;    // layout shared_prompt
  at::Tensor scores;     // [B, K] float32 CPU
  at::Tensor valid;      // [B, K] bool CPU
  int64_t K = 0;
  int64_t fwd_tokens = 0, truncated_responses = 0;
};

// The step's dataset indices split into micro-batches: micro_batch_size prompts each, or (with
// tokens_per_micro_batch) as many prompts as fit in that many packed tokens (at least one).
std::vector<std::vector<int64_t>> split_step(const std::vector<int64_t>& idx, const TrainerConfig& cfg,
                                             const std::vector<TokenizedGroup>& groups,
                                             const SpecialIds& ids, const TruncationConfig& t) {
  std::vector<std::vector<int64_t>> out;
  if (cfg.tokens_per_micro_batch <= 0) {
    for (size_t m = 0; m < idx.size(); m += static_cast<size_t>(cfg.micro_batch_size))
      out.emplace_back(idx.begin() + m, idx.begin() + m + cfg.micro_batch_size);
    return out;
  }
  int64_t used = 0;
  for (int64_t i : idx) {
    const int64_t n = packed_group_tokens(groups[static_cast<size_t>(i)], ids, t);
    if (out.empty() || used + n > cfg.tokens_per_micro_batch) {
      out.emplace_back();
      used = 0;
    }
    out.back().push_back(i);
    used += n;
  }
  return out;
}

PrefMicro make_micro(const std::vector<int64_t>& ix, const std::vector<TokenizedGroup>& groups,
                     const TrainerConfig& cfg, const SpecialIds& ids, const TruncationConfig& t) {
  PrefMicro mb;
  for (int64_t i : ix) mb.groups.push_back(groups[static_cast<size_t>(i)]);
  mb.idx = torch::tensor(ix, torch::kInt64);
  if (cfg.layout == "rows") {
    mb.rows = collate_groups(mb.groups, ids, t);
    mb.scores = mb.rows.scores;
    mb.valid = mb.rows.valid;
    mb.K = mb.rows.K;
    mb.fwd_tokens = mb.rows.tokens.ne(ids.pad).sum().item<int64_t>();  // CPU tensor
    mb.truncated_responses = mb.rows.truncated_responses;
  } else {
    mb.packed = pack_groups(mb.groups, ids, t);
    mb.scores = mb.packed.scores;
    mb.valid = mb.packed.valid;
    mb.K = mb.packed.K;
    mb.fwd_tokens = mb.packed.tokens_total;
    mb.truncated_responses = mb.packed.truncated_responses;
  }
  return mb;
}

ResponseLogps micro_logps(Transformer& policy, const PrefMicro& mb, bool bf16) {
  AutocastGuard autocast(bf16);
  return mb.rows.tokens.defined() ? response_logps(policy, mb.rows) : response_logps(policy, mb.packed);
}

}  // namespace

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
  Distributed* dist = run.dist;
  const int64_t world = dist ? dist->size() : 1, rank = dist ? dist->rank() : 0;
  if (cfg.batch_size % (world * cfg.micro_batch_size) != 0)
    throw UserError("config key 'trainer.batch_size' (" + std::to_string(cfg.batch_size) + ") must be a multiple of " +
                    std::to_string(world) + " ranks x micro_batch_size " + std::to_string(cfg.micro_batch_size));
  DataSchedule sched_data(static_cast<int64_t>(groups.size()), cfg);
  const int64_t total = sched_data.total_steps();
  const int64_t end = run.stop_after_step >= 0 ? std::min(total, run.stop_after_step) : total;
  TrainLoop loop = train_loop_begin(policy, tok, cfg, truncation, total);
  const c10::Device device = loop.device;
  const TruncationConfig& trunc = loop.trunc;
  const SpecialIds& ids = loop.ids;
  const int64_t chunk = cfg.response_chunk;                  // 0: one backward over all responses

  TrainResult res;
  res.total_steps = total;
  res.reference_used = traits.needs_reference;
  const std::string dataset_fp = preference_dataset_fingerprint(data);
  res.fingerprint = run_fingerprint("pref", cfg, trunc, policy->config(), tok.fingerprint(), dataset_fp,
                                    run.extra_fingerprint + (world > 1 ? "\nworld=" + std::to_string(world) : ""));
  if (dist) dist->check_same("preference run fingerprint (config, data, model)", res.fingerprint);

  // Loss::compute's stream, one per rank (rank 0's is the single-process stream).
  at::Generator loss_gen = make_cpu_generator(derive_seed(cfg.loss_seed(), "loss", static_cast<uint64_t>(rank)));

  // Resume, or compute the reference log-probs from the policy as passed in.
  int64_t step = 0;
  at::Tensor ref_all;  // [R, k_max] float32 CPU, undefined for reference-free losses
  if (!run.resume_from.empty()) {
    TrainState st = train_loop_resume(loop, run, policy, "pref", res.fingerprint);
    step = st.step;
    if (run.on_resume) run.on_resume(step);
    if (st.rng.count("loss")) loss_gen.set_state(st.rng.at("loss"));
    if (traits.needs_reference) {
      auto it = st.tensors.find("ref_logps");
      if (it == st.tensors.end())
        throw UserError("checkpoint '" + run.resume_from + "' holds no reference log-probs");
      ref_all = it->second;
      res.reference_from_cache = true;
    }
  } else if (traits.needs_reference && rank != 0) {  // rank 0 computes (or loads) it; broadcast below
    ref_all = torch::zeros({static_cast<int64_t>(groups.size()), k_max}, torch::kFloat32);
  } else if (traits.needs_reference) {
    // LoRA: the reference is the policy itself with its adapters off (engine/lora.h), no second
    // copy of the weights; the key hashes the base alone. Otherwise a frozen deep copy.
    const bool lora = has_lora(policy);
    LoraOff adapters_off(policy);  // restored at the end of this block
    RefCacheKey key{model_weights_hash(policy), dataset_fp, tok.fingerprint(), trunc, loop.bf16, cfg.layout};
    const int64_t rows_before = reference_rows_computed();
    RefLogps ref = reference_logps_cached(policy, groups, ids, key, k_max, cfg.ref_batch_size,
                                          cfg.ref_cache_dir, /*in_place=*/lora);
    ref_all = ref.logps;
    res.reference_from_cache = ref.from_cache;
    res.reference_rows = reference_rows_computed() - rows_before;
    res.reference_fingerprint = ref.fingerprint;
  }
  if (dist && run.resume_from.empty() && ref_all.defined()) dist->broadcast(ref_all, 0);
  if (dist && !run.resume_from.empty() && rank != 0)  // rank 0's stream was saved; the others redraw
    loss_gen = make_cpu_generator(derive_seed(cfg.loss_seed(), "loss/resumed", static_cast<uint64_t>(rank * (1 << 20) + step)));

  auto save = [&](int64_t s) {  // the shared state plus the loss stream and the reference
    if (rank != 0) return;  // rank 0 alone writes (every rank holds the same weights)
    TrainState st = train_loop_state(loop, "pref", res.fingerprint, s, sched_data);
    st.rng["loss"] = loss_gen.get_state();
    if (ref_all.defined()) st.tensors["ref_logps"] = ref_all;
    train_loop_save(loop, run, policy, st, res, sink);
  };

  LogWindow win(device);
  std::map<std::string, MetricSum> win_metrics;  // the loss's own metrics
  std::vector<at::Tensor> win_used;              // each [B] bool
  int64_t win_used_host = 0;                     // used prompts (the loss denominator)

  sink.begin(total, "pref");
  policy->train();
  while (step < end) {
    // Collate the step's micro-batches and count its used prompts before any forward pass.
    std::vector<int64_t> idx = sched_data.batch(step);  // [batch_size]
    if (world > 1) {  // this rank's contiguous block of the global batch
      const int64_t per = static_cast<int64_t>(idx.size()) / world;
      idx = std::vector<int64_t>(idx.begin() + rank * per, idx.begin() + (rank + 1) * per);
    }
    std::vector<PrefMicro> micro;
    int64_t step_used = 0;
    for (const auto& ix : split_step(idx, cfg, groups, ids, trunc)) {
      micro.push_back(make_micro(ix, groups, cfg, ids, trunc));
      PreferenceBatch host;  // CPU: the loss's rule for which prompts count (losses/loss.h)
      host.scores = micro.back().scores;
      host.mask = micro.back().valid;
      step_used += loss_prompts_used(host, traits).sum().item<int64_t>();
      win.fwd_tokens += micro.back().fwd_tokens;
      res.truncated_responses += micro.back().truncated_responses;
    }

    if (dist) step_used = static_cast<int64_t>(std::llround(dist->all_reduce_sum(double(step_used))));

    loop.opt->zero_grad();
    for (const PrefMicro& mb : micro) {
      // response_chunk > 0: the log-probs without a graph first; the chunks below backpropagate.
      ResponseLogps pl;
      if (chunk > 0) {
        torch::NoGradGuard no_grad;
        pl = micro_logps(policy, mb, loop.bf16);
      } else {
        pl = micro_logps(policy, mb, loop.bf16);  // logps [B, K], lengths [B, K]
      }
      PreferenceBatch pb;
      pb.policy_logps = chunk > 0 ? pl.logps.detach().requires_grad_(true) : pl.logps;  // [B, K]
      if (ref_all.defined())                                          // [B, K]
        pb.ref_logps = ref_all.index_select(0, mb.idx).narrow(1, 0, mb.K).to(device);
      pb.scores = mb.scores.to(device);                               // [B, K]
      pb.lengths = pl.lengths;                                        // [B, K]
      pb.mask = mb.valid.to(device);                                  // [B, K]
      LossOutput out = loss.compute(pb, loss_gen);
      at::Tensor obj = out.per_prompt.sum();  // 0-d
      if (step_used > 0 && obj.requires_grad()) {
        at::Tensor scaled = obj / double(step_used);
        if (chunk == 0) {
          scaled.backward();
        } else {
          // g = d loss / d logp [B, K]; Σ_k g_k · logp_k over each chunk of M response slots has
          // the same gradient in θ as the loss, with one chunk's activations alive at a time.
          at::Tensor g = torch::autograd::grad({scaled}, {pb.policy_logps})[0].detach();  // [B, K]
          for (int64_t c = 0; c < mb.K; c += chunk) {
            PackedBatch part = pack_groups(mb.groups, ids, trunc, mb.K, {c, c + chunk});
            if (part.score_slot.numel() == 0) continue;
            ResponseLogps cl;
            {
              AutocastGuard autocast(loop.bf16);
              cl = response_logps(policy, part);  // [B, K], 0 outside the chunk
            }
            (g * cl.logps).sum().backward();
          }
        }
      }
      win.loss_sum += obj.detach().to(torch::kFloat32);
      accumulate_metrics(win_metrics, out.metrics);
      win_used.push_back(out.used.detach());
    }
    if (dist && step_used > 0) all_reduce_gradients(*dist, loop.params);  // Σ over ranks = the batch's gradient
    if (step_used > 0) train_loop_step(loop, step, win);
    win_used_host += step_used;
    ++win.steps;
    ++step;

    if (step % cfg.log_every == 0 || step == end) {
      at::Tensor used = torch::cat(win_used);  // [prompts of the window] bool
      if (dist) {  // the window over every rank: metric sums, counts, loss, tokens, used prompts
        std::vector<at::Tensor> parts = {win.loss_sum};
        for (auto& [name, ms] : win_metrics) {
          parts.push_back(ms.sum);
          parts.push_back(ms.count);
        }
        for (auto& t : parts) t = t.to(torch::kDouble).reshape({1});
        at::Tensor flat = torch::cat(parts);
        at::Tensor counts = torch::tensor({double(win.fwd_tokens), used.sum().item<double>(), double(used.numel())},
                                          torch::kDouble);
        dist->all_reduce_sum({flat, counts});
        int64_t i = 0;
        win.loss_sum = flat[i++].to(torch::kFloat32).to(win.loss_sum.device());
        for (auto& [name, ms] : win_metrics) {
          ms.sum = flat[i++].to(ms.sum.scalar_type());
          ms.count = flat[i++].to(ms.count.scalar_type());
        }
        win.fwd_tokens = static_cast<int64_t>(counts[0].item<double>());
        used = torch::arange(static_cast<int64_t>(counts[2].item<double>())) <
               static_cast<int64_t>(counts[1].item<double>());  // the global count, as finalize_metrics reads it
      }
      MetricMap m = finalize_metrics(win_metrics, used);
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
    const bool due = train_loop_checkpoint_due(cfg, step, end);
    int sig = stop_requested();
    if (dist) sig = static_cast<int>(dist->all_reduce_sum(double(sig)) > 0 ? (sig ? sig : SIGTERM) : 0);  // stop together
    if (sig && step < end) {  // preemption: checkpoint, then stop
      if (!due) save(step);
      sink.end();
      throw TrainingStopped(sig, step, res.checkpoint_path);
    }
    if (due) save(step);
  }
  sink.end();
  res.steps_done = step;
  res.seconds = wall_seconds() - t_begin;
  return res;
}

}  // namespace swepo
