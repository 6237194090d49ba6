// LoRA (Hu et al. 2021) as PEFT implements it, on the decoder layers' projections (engine/model.h,
// "Projection adapters"): projection y = x Wᵀ + b becomes
//   y = x Wᵀ + b + (alpha / r) · dropout(x) Aᵀ Bᵀ,   A [r, in], B [out, r],
// A drawn as PEFT's default (kaiming_uniform with a = √5: U(−1/√in, 1/√in)), B = 0, so a fresh
// adapter leaves the model's function unchanged. add_lora freezes every base parameter
// (requires_grad false) and registers the adapters as the only trainable parameters, named
//   model.layers.{i}.self_attn.q_proj.lora_A.weight   [r, in]
//   model.layers.{i}.self_attn.q_proj.lora_B.weight   [out, r]
// PEFT's adapter-file names are these with the prefix "base_model.model." (save/load add and strip
// it). The optimizer takes trainable parameters only; checkpoints hold every parameter by name, so
// a LoRA run resumes like any other (the adapters must be added before loading).
//
// The reference model of a LoRA run is the same model with its adapters switched off (LoraOff):
// no second copy of the weights. trainer.precision bf16 stores the frozen base in bf16
// (store_frozen_bf16); trainable parameters and the optimizer state stay float32.
//
// Files: save_peft_adapter / load_peft_adapter read and write PEFT's adapter directory
// (adapter_config.json + adapter_model.safetensors, loadable by peft.PeftModel.from_pretrained);
// lora_merged gives the plain model W + (alpha / r) B A for an HF export (swepo export --merge).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config/fields.h"
#include "engine/model.h"

namespace swepo {

struct LoraConfig {
  int64_t r = 8;                     // rank of each adapter
  double alpha = 16;                 // scale = alpha / r
  double dropout = 0.0;              // dropout on the adapter's input (training only)
  std::vector<std::string> target_modules = {"q_proj", "k_proj", "v_proj", "o_proj"};  // or [all-linear]

  template <class V>
  void visit(V& v) {
    v("r", r, "rank of each adapter (A [r, in], B [out, r])");
    v("alpha", alpha, "scaling numerator: the adapter's output is multiplied by alpha / r");
    v("dropout", dropout, "dropout probability on the adapter's input (training only)");
    v("target_modules", target_modules,
      "projections that get an adapter, by PEFT's names: q_proj, k_proj, v_proj, o_proj, gate_proj, "
      "up_proj, down_proj, or [all-linear] (all seven; never lm_head)");
    v.require(r >= 1, "r", "must be >= 1");
    v.require(alpha > 0, "alpha", "must be > 0");
    v.require(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1)");
    v.require(!target_modules.empty(), "target_modules", "must name at least one module");
    for (const auto& m : target_modules) {
      bool known = m == "all-linear";
      for (const auto& n : projection_names()) known = known || n == m;
      v.require(known, "target_modules",
                "unknown module '" + m + "'" + did_you_mean(m, lora_module_names()) +
                    "; valid: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, all-linear");
      v.require(m != "all-linear" || target_modules.size() == 1, "target_modules",
                "all-linear stands alone (it means all seven projections)");
    }
  }

  // projection_names() and "all-linear".
  static std::vector<std::string> lora_module_names() {
    std::vector<std::string> n = projection_names();
    n.push_back("all-linear");
    return n;
  }
};

// The projections `cfg` targets, in projection_names() order (all-linear: all seven).
std::vector<std::string> lora_targets(const LoraConfig& cfg);

// Validates `cfg` as the visit() does; UserError naming "<path>.<key>".
void lora_validate(const LoraConfig& cfg, const std::string& path = "lora");

// Freezes every parameter of `model` and attaches an adapter to each targeted projection of every
// layer: A ~ U(−1/√in, 1/√in) from the CPU stream derive_seed(seed, "lora"), B = 0, both float32
// (float64 for a float64 model) on the model's device, trainable. UserError for a bad `cfg` or a
// model that has adapters already.
void add_lora(Transformer& model, const LoraConfig& cfg, uint64_t seed);

// Whether any adapter is attached.
bool has_lora(const Transformer& model);

// The attached adapters' settings (r, alpha = scale · r, dropout, target modules).
// UserError when the model has none, or when they differ between projections.
LoraConfig lora_config_of(const Transformer& model);

// Number of adapter parameter elements.
int64_t lora_numel(const Transformer& model);

// Adapters off for the guard's lifetime (the base model's function), then restored; a no-op for a
// model without adapters.
class LoraOff {
 public:
  explicit LoraOff(Transformer& model);
  ~LoraOff();
  LoraOff(const LoraOff&) = delete;
  LoraOff& operator=(const LoraOff&) = delete;

 private:
  Transformer model_;
  bool prev_;
};

// trainer.precision bf16: stores the frozen (requires_grad false) parameters of the decoder layers
// in bf16; the forward upcasts them at use (CPU: float32 compute; CUDA: autocast). The embedding,
// the final norm and lm_head keep their dtype (the model's embed/head paths do not upcast).
// Returns the number of parameter elements converted; UserError when nothing is frozen.
int64_t store_frozen_bf16(Transformer& model);

// The plain model with every adapter merged, W' = W + (alpha / r) · B A (computed in float32, or
// float64 for a float64 adapter), no adapters, in eval mode without gradients. Parameters without
// an adapter share storage with `model`'s. UserError when `model` has no adapters.
Transformer lora_merged(const Transformer& model);

// Writes PEFT's adapter directory `dir` (created; files replaced): adapter_model.safetensors (float32,
// names "base_model.model.model.layers.{i}.<path>.lora_{A,B}.weight") and adapter_config.json
// (peft_type LORA, task_type CAUSAL_LM, r, lora_alpha, lora_dropout, target_modules, bias none,
// fan_in_fan_out false, base_model_name_or_path = `base_model`, ...).
void save_peft_adapter(const Transformer& model, const std::string& dir, const std::string& base_model);

// Reads a PEFT LoRA adapter directory into `model` (which must have no adapters): adds adapters as
// adapter_config.json says and loads their tensors. Strict: every adapter tensor present with its
// shape, no tensor unexplained, and settings swepo does not implement (use_dora, use_rslora, bias
// other than none, fan_in_fan_out, layers_to_transform, rank/alpha patterns, modules_to_save, a
// regex target_modules) are UserErrors naming the file and key.
void load_peft_adapter(Transformer& model, const std::string& dir);

// Whether the swepo checkpoint at `path` (engine/checkpoint.h) holds adapter parameters. UserError
// when it cannot be read.
bool checkpoint_has_lora(const std::string& path);

}  // namespace swepo
