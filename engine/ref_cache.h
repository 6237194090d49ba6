// Reference log-probs log πref(y|x) of every response of a preference dataset, computed once per
// fingerprint and cached on disk.
//
// Dimension glossary: R records (prompts) of the dataset, K = the largest K_b.
//
// Fingerprint = SHA-256 of (reference weights hash, dataset fingerprint, tokenizer fingerprint,
// resolved truncation limits, compute precision). The cache file <dir>/<fingerprint>.pt holds the
// [R, K] float32 tensor and its fingerprint; it is written atomically and reused by every later
// run and sweep member with the same fingerprint. Computation runs on a frozen deep copy of the
// model (clone_model + freeze_model: eval mode, no autograd).
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/data/fingerprint.h"  // the dataset part of the key
#include "core/data/records.h"
#include "engine/collate.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

namespace swepo {

// SHA-256 over every parameter and buffer: name, dtype, shape and bytes (as float32 on the CPU).
// While the model's adapters are switched off (engine/lora.h LoraOff), their parameters are left
// out: the hash is the base model's, the function the model then computes.
std::string model_weights_hash(const Transformer& model);

struct RefCacheKey {
  std::string weights_hash;
  std::string dataset;
  std::string tokenizer;
  TruncationConfig truncation;  // resolved
  bool bf16 = false;
  std::string layout = "rows";  // rows | shared_prompt (same values up to float rounding)
  std::string digest() const;   // 64 hex characters
};

// Rows forwarded through a reference model by this process (a spy for tests and logs).
int64_t reference_rows_computed();

// [R, K] float32 on the CPU: log πref of response k of record r (0 where k >= K_r). Runs `ref` (eval
// mode, no autograd, bf16 autocast when `bf16`) over batches of `batch_size` prompts, in `layout`.
at::Tensor compute_reference_logps(Transformer& ref, const std::vector<TokenizedGroup>& groups,
                                   const SpecialIds& ids, const TruncationConfig& truncation,
                                   int64_t k_slots, int64_t batch_size, bool bf16,
                                   const std::string& layout = "rows");

struct RefLogps {
  at::Tensor logps;        // [R, K] float32, CPU
  std::string fingerprint; // the cache key digest
  bool from_cache = false;
  std::string path;        // cache file ("" when cache_dir is empty)
};

// Loads <cache_dir>/<key.digest()>.pt when present and valid (shape [R, K], same fingerprint);
// otherwise clones and freezes `policy`, computes, writes the file atomically and returns.
// in_place: computes with `policy` itself instead of a frozen copy (eval mode for the pass, then
// its mode restored; no autograd): a LoRA policy whose reference is itself with its adapters
// switched off (engine/lora.h), so no second copy of the weights.
// An empty cache_dir disables the disk cache. A cache file that fails to load is recomputed.
RefLogps reference_logps_cached(const Transformer& policy, const std::vector<TokenizedGroup>& groups,
                                const SpecialIds& ids, const RefCacheKey& key, int64_t k_slots,
                                int64_t batch_size, const std::string& cache_dir, bool in_place = false);

}  // namespace swepo
