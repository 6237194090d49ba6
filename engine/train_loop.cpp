#include "engine/train_loop.h"

#include <filesystem>

#include <torch/torch.h>

#include "engine/autocast.h"
#include "engine/device.h"

namespace swepo {

TrainLoop train_loop_begin(Transformer& model, const Tokenizer& tok, const TrainerConfig& cfg,
                           const TruncationConfig& truncation, int64_t total_steps) {
  if (cfg.max_steps == 0)  // from_yaml warned about a set max_steps already
    warn_once(lr_warmup_warning(cfg.warmup_steps, total_steps, cfg.lr, "warmup_steps",
                                "the " + std::to_string(total_steps) + " optimizer steps that epochs = " +
                                    std::to_string(cfg.epochs) + " gives (max_steps = 0)"));
  const c10::Device device = resolve_device(cfg.device);
  model->to(device);
  model->set_activation_checkpointing(cfg.activation_checkpointing);
  TrainLoop loop{cfg,
                 device,
                 use_bf16_autocast(cfg.precision, device),
                 truncation_resolve(truncation, model->config().max_seq_len),
                 special_ids(tok),
                 make_adamw(*model, cfg),
                 LrSchedule(cfg, total_steps),
                 model->parameters(),
                 at::detail::getDefaultCPUGenerator()};
  return loop;
}

TrainState train_loop_resume(TrainLoop& loop, const TrainRunOptions& run, Transformer& model,
                             const std::string& phase, const std::string& fingerprint) {
  TrainState st = load_checkpoint(run.resume_from, model, loop.opt.get(), phase, fingerprint, run.owner);
  if (st.rng.count("global_cpu")) loop.global_cpu.set_state(st.rng.at("global_cpu"));
  return st;
}

void train_loop_step(TrainLoop& loop, int64_t step, LogWindow& win) {
  win.gnorm_sum += clip_grad_norm(loop.params, loop.cfg.grad_clip);
  set_learning_rate(*loop.opt, loop.lr.lr_at(step));
  loop.opt->step();
}

TrainState train_loop_state(const TrainLoop& loop, const std::string& phase, const std::string& fingerprint,
                            int64_t step, const DataSchedule& sched) {
  TrainState st;
  st.phase = phase;
  st.fingerprint = fingerprint;
  st.step = step;
  st.data_epoch = sched.epoch_of(step);
  st.data_offset = sched.offset_of(step);
  st.rng["global_cpu"] = loop.global_cpu.get_state();
  return st;
}

void train_loop_save(const TrainLoop& loop, const TrainRunOptions& run, const Transformer& model,
                     const TrainState& st, TrainResult& res, MetricSink& sink) {
  if (run.checkpoint_dir.empty()) return;
  sink.flush();  // the metrics up to this step are recorded before the checkpoint that skips them exists
  res.checkpoint_path = (std::filesystem::path(run.checkpoint_dir) / "last.pt").string();
  TrainState owned = st;
  owned.owner = run.owner;
  save_checkpoint(res.checkpoint_path, model, loop.opt.get(), owned);
}

}  // namespace swepo
