// Batched text generation: greedy (temperature 0) or temperature sampling with optional top-p,
// at most max_new_tokens per row, a row stops at its EOS, with or without a KV cache.
//
// Dimension glossary: N rows (prompts), P longest formatted prompt, V vocab.
//
// Each prompt is formatted as in training, BOS prompt SEP (engine/collate.h), LEFT-padded to
// P (the model masks padding and gives each row positions 0, 1, ...; engine/model.h), so the
// whole batch decodes in lockstep. Prompts too long for max_seq_len - max_new_tokens keep their
// last tokens. Sampling runs on the CPU with the given CPU generator: the same seed gives the same
// tokens, cached or not, on any device (up to float rounding of the logits).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>

#include "engine/model.h"
#include "engine/tokenizer.h"

namespace swepo {

// How text is decoded, declared once: the engine's generate() and the pipeline's `generation`
// config group (experiments/conf/generation/default.yaml) read this struct.
struct GenerationConfig {
  double temperature = 1.0;     // 0: greedy (argmax); in `swepo run` it comes from eval.decodings
  double top_p = 1.0;           // nucleus sampling: smallest set of tokens with mass >= top_p
  int64_t max_new_tokens = 32;  // longest response in tokens (SynthFeedback answers: <= 14 chars + filler)
  int64_t batch_size = 256;     // prompts decoded together in lockstep (callers that batch)
  bool use_cache = true;        // KV cache; false recomputes the whole sequence each step

  template <class V>
  void visit(V& v) {
    v("temperature", temperature, "sampling temperature; 0 = greedy");
    v("top_p", top_p, "nucleus sampling mass in (0, 1]; 1 = off");
    v("max_new_tokens", max_new_tokens, "most tokens generated per prompt (EOS excluded)");
    v("batch_size", batch_size, "prompts decoded together");
    v("use_cache", use_cache, "use the KV cache (false: recompute every step)");
    v.require(temperature >= 0, "temperature", "must be >= 0");
    v.require(top_p > 0 && top_p <= 1, "top_p", "must be in (0, 1]");
    v.require(max_new_tokens >= 1, "max_new_tokens", "must be >= 1");
    v.require(batch_size >= 1, "batch_size", "must be >= 1");
  }
};

struct GenerationResult {
  std::vector<std::vector<int64_t>> tokens;  // N x generated ids (no prompt, no EOS)
  std::vector<bool> finished;                // N: row ended with EOS (else hit max_new_tokens)
};

// `prompts`: N x ids without special tokens. `gen` must be a CPU generator (used only when
// temperature > 0). Runs in eval mode without autograd; restores the model's train/eval mode.
GenerationResult generate(Transformer& model, const Tokenizer& tok,
                          const std::vector<std::vector<int64_t>>& prompts,
                          const GenerationConfig& cfg, at::Generator& gen);

// Text in, text out (decoded without special tokens).
std::vector<std::string> generate_text(Transformer& model, const Tokenizer& tok,
                                       const std::vector<std::string>& prompts,
                                       const GenerationConfig& cfg, at::Generator& gen);

}  // namespace swepo
