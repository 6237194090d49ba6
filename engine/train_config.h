// Hyperparameters of one training phase (SFT or preference optimisation), declared once.
//
// The same struct serves both phases. Its defaults are the ONE source of every option's default:
// they are the preference stage's (experiments/conf/trainer/default.yaml changes nothing); the SFT
// presets (experiments/conf/sft/*.yaml) hold only what SFT changes. Loss options such as β live
// with the loss (losses/), not here. Tensor-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "engine/schedule.h"

namespace swepo {

struct TrainerConfig {
  // Optimiser (AdamW).
  double lr = 1e-4;                     // peak learning rate after warmup
  double weight_decay = 0.0;            // decoupled weight decay (not applied to norms/biases/embeddings)
  std::vector<double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double grad_clip = 1.0;               // max global L2 norm of the gradient; <= 0 disables
  // Schedule: linear warmup from 0 to lr, then decay to lr * min_lr_ratio at the last step.
  int64_t warmup_steps = 10;
  std::string decay = "cosine";         // cosine | linear | constant
  double min_lr_ratio = 0.1;            // final lr = lr * min_lr_ratio
  // Length and batching. One step = one optimizer update over batch_size prompts (demonstrations
  // for SFT), processed in micro-batches of micro_batch_size (exact gradient accumulation).
  int64_t max_steps = 0;                // > 0: number of optimizer steps; 0: use epochs
  int64_t epochs = 1;                   // full passes over the data when max_steps = 0
  int64_t batch_size = 16;
  int64_t micro_batch_size = 16;         // must divide batch_size
  int64_t ref_batch_size = 32;          // prompts per reference forward pass (no autograd)
  // Layout (engine/pack.h, engine/collate.h) and memory. Exact alternatives: same gradients.
  std::string layout = "shared_prompt"; // shared_prompt (each prompt once, packed rows) | rows
  int64_t tokens_per_micro_batch = 0;   // > 0: micro-batches of at most this many packed tokens
  int64_t response_chunk = 0;           // > 0: backward over chunks of this many responses
  // Bookkeeping.
  int64_t log_every = 10;               // steps between metric records (the only host syncs)
  int64_t checkpoint_every = 0;         // steps between checkpoints; 0: only at the end
  int64_t seed = 0;                     // init, data order, loss sampling and generation streams
  // Set by the run from its top-level data_seed / pair_seed (experiments/pipeline/run_config.h), not
  // stage config keys (visit() leaves them out): -1 means `seed`.
  int64_t data_seed = -1;               // the data order (which prompts form each batch)
  int64_t pair_seed = -1;               // the loss's sampling stream (DPO's random rejected response)
  int64_t order_seed() const { return data_seed >= 0 ? data_seed : seed; }
  int64_t loss_seed() const { return pair_seed >= 0 ? pair_seed : seed; }
  std::string device = "auto";          // auto | cpu | cuda | cuda:N
  // Memory and precision (engine/train_loop.h). Exact alternatives: activation_checkpointing.
  std::string precision = "auto";       // auto | fp32 | bf16_autocast | bf16 (frozen weights stored in bf16)
  bool activation_checkpointing = false;  // recompute each decoder layer in the backward pass
  std::string peft = "none";            // none | lora (the top-level `lora` section: engine/lora.h)
  int64_t nproc = 1;                    // data-parallel ranks `swepo run` starts on this machine (c10d)
  double dist_timeout_s = 300;          // a rendezvous or collective waiting longer fails the run
  std::string ref_cache_dir = "cache/ref_logps";  // on-disk cache of reference log-probs

  template <class V>
  void visit(V& v) {
    v("lr", lr, "peak learning rate (after warmup)");
    v("weight_decay", weight_decay, "AdamW decoupled weight decay; norms, biases, embeddings get none");
    v("betas", betas, "AdamW [beta1, beta2]");
    v("eps", eps, "AdamW epsilon");
    v("grad_clip", grad_clip, "clip the global gradient L2 norm to this value; <= 0 disables");
    v("warmup_steps", warmup_steps, "linear warmup steps from 0 to lr");
    v("decay", decay, "decay after warmup: cosine | linear | constant");
    v.choice("decay", decay, {"cosine", "linear", "constant"});
    v("min_lr_ratio", min_lr_ratio, "final learning rate as a fraction of lr");
    v("max_steps", max_steps, "optimizer steps; 0 means epochs * (examples / batch_size)");
    v("epochs", epochs, "passes over the data when max_steps is 0");
    v("batch_size", batch_size, "examples (prompts) per optimizer step");
    v("micro_batch_size", micro_batch_size, "examples per forward/backward; divides batch_size");
    v("ref_batch_size", ref_batch_size, "prompts per reference forward pass");
    v("layout", layout, "shared_prompt: a prompt once, then its responses, several per packed row "
                        "(also SFT examples and the reference pass) | rows: one row per (prompt, response)");
    v.choice("layout", layout, {"shared_prompt", "rows"});
    v("tokens_per_micro_batch", tokens_per_micro_batch,
      "shared_prompt: form micro-batches of at most this many packed tokens instead of "
      "micro_batch_size prompts (0: micro_batch_size)");
    v("response_chunk", response_chunk,
      "0: one backward over all K responses | M: the loss's gradient from a no-grad pass, then "
      "forward + backward over chunks of M responses (activation memory flat in K; shared_prompt)");
    v.require(tokens_per_micro_batch >= 0, "tokens_per_micro_batch", "must be >= 0");
    v.require(tokens_per_micro_batch == 0 || layout == "shared_prompt", "tokens_per_micro_batch",
              "needs layout: shared_prompt");
    v.require(response_chunk >= 0, "response_chunk", "must be >= 0");
    v.require(response_chunk == 0 || layout == "shared_prompt", "response_chunk",
              "needs layout: shared_prompt");
    v("log_every", log_every, "steps between metric records");
    v("checkpoint_every", checkpoint_every, "steps between checkpoints; 0: only at the end");
    v("seed", seed, "seed of the init, data-order, loss-sampling and generation streams");
    v("device", device, "auto | cpu | cuda | cuda:N");
    v("precision", precision,
      "auto (bf16_autocast on CUDA, fp32 on CPU) | fp32 | bf16_autocast (CUDA: bf16 compute, fp32 master "
      "weights) | bf16 (frozen weights stored in bf16; trainable ones and the optimizer state stay fp32)");
    v.choice("precision", precision, {"auto", "fp32", "bf16_autocast", "bf16"});
    v("activation_checkpointing", activation_checkpointing,
      "recompute each decoder layer in the backward pass (saves activation memory; same gradients)");
    v("peft", peft, "none (full fine-tuning) | lora (adapters from the `lora` section; the base is frozen)");
    v.choice("peft", peft, {"none", "lora"});
    v("nproc", nproc, "data-parallel ranks on this machine (c10d: Gloo on CPU, NCCL on CUDA); 1 = none");
    v.require(nproc >= 1, "nproc", "must be >= 1");
    v("dist_timeout_s", dist_timeout_s,
      "data-parallel: seconds a rendezvous or collective may wait (a dead or hung rank fails the run then)");
    v.require(dist_timeout_s > 0, "dist_timeout_s", "must be > 0");
    v("ref_cache_dir", ref_cache_dir, "directory of cached reference log-probs");
    v.require(lr > 0, "lr", "must be > 0");
    v.require(weight_decay >= 0, "weight_decay", "must be >= 0");
    v.require(betas.size() == 2 && betas[0] >= 0 && betas[0] < 1 && betas[1] >= 0 && betas[1] < 1,
              "betas", "must be two numbers in [0, 1)");
    v.require(eps > 0, "eps", "must be > 0");
    v.require(warmup_steps >= 0, "warmup_steps", "must be >= 0");
    v.require(min_lr_ratio >= 0 && min_lr_ratio <= 1, "min_lr_ratio", "must be in [0, 1]");
    v.require(max_steps >= 0, "max_steps", "must be >= 0");
    v.require(max_steps > 0 || epochs > 0, "epochs", "must be > 0 when max_steps is 0");
    v.require(batch_size > 0, "batch_size", "must be > 0");
    v.require(micro_batch_size > 0 && batch_size % micro_batch_size == 0, "micro_batch_size",
              "must be > 0 and divide batch_size (" + std::to_string(batch_size) + ")");
    v.require(ref_batch_size > 0, "ref_batch_size", "must be > 0");
    v.require(log_every > 0, "log_every", "must be > 0");
    v.require(checkpoint_every >= 0, "checkpoint_every", "must be >= 0");
  }

  // Reads `node` (a mapping or null) at dotted `path`; unknown keys and bad values are UserErrors.
  // warmup_steps >= max_steps > 0 is a warning on stderr (engine/schedule.h lr_warmup_warning), not
  // an error: short smoke runs keep the default warmup. With max_steps 0 the step count depends on
  // the data: the trainer warns when it starts (train_loop_begin).
  static TrainerConfig from_yaml(const YAML::Node& node, const std::string& path = "trainer",
                                 const Origins* origins = nullptr) {
    TrainerConfig c = read_fields<TrainerConfig>(node, path, origins);
    if (c.max_steps > 0)
      warn_once(lr_warmup_warning(c.warmup_steps, c.max_steps, c.lr, path + ".warmup_steps",
                                  path + ".max_steps (" + std::to_string(c.max_steps) + ")"));
    return c;
  }
};

}  // namespace swepo
