// Dimension glossary: N rows (prompts), P longest formatted prompt, V vocab.
#include "engine/generate.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <string>

#include "core/util/error.h"

namespace swepo {

namespace {

// One token per row from the last logits [N, V] (any device): greedy or nucleus sampling on the
// CPU with `gen`. BOS, SEP and PAD are never produced (they never follow a response token).
at::Tensor sample_next(const at::Tensor& logits, const Tokenizer& tok, const GenerationConfig& cfg,
                       at::Generator& gen) {
  at::Tensor l = logits.to(at::kCPU, at::kFloat).clone();  // [N, V]
  const double ninf = -std::numeric_limits<double>::infinity();
  for (int64_t id : {tok.bos_id(), tok.sep_id(), tok.pad_id()})
    if (id >= 0 && id != tok.eos_id()) l.select(1, id).fill_(ninf);  // -1: the tokenizer has none
  if (cfg.temperature == 0.0) return l.argmax(-1);  // [N]
  at::Tensor probs = torch::softmax(l / cfg.temperature, -1);  // [N, V]
  if (cfg.top_p < 1.0) {
    auto sorted = probs.sort(-1, /*descending=*/true);
    at::Tensor sp = std::get<0>(sorted);                  // [N, V] descending probabilities
    at::Tensor idx = std::get<1>(sorted);                 // [N, V]
    at::Tensor before = sp.cumsum(-1) - sp;               // [N, V] mass of strictly larger tokens
    at::Tensor keep = before < cfg.top_p;                 // [N, V] the first is always kept
    at::Tensor kept = torch::where(keep, sp, torch::zeros_like(sp));  // [N, V]
    probs = torch::zeros_like(probs).scatter(-1, idx, kept);          // [N, V] unnormalised
  }
  return torch::multinomial(probs, 1, false, gen).squeeze(-1);  // [N]
}

}  // namespace

GenerationResult generate(Transformer& model, const Tokenizer& tok,
                          const std::vector<std::vector<int64_t>>& prompts,
                          const GenerationConfig& cfg, at::Generator& gen) {
  if (prompts.empty()) return {};
  if (cfg.temperature < 0 || !(cfg.top_p > 0 && cfg.top_p <= 1) || cfg.max_new_tokens < 1)
    throw UserError("generation config: need temperature >= 0, top_p in (0, 1], max_new_tokens >= 1");
  if (cfg.temperature > 0 && gen.device().type() != c10::kCPU)
    throw UserError("generate: the sampling generator must be a CPU generator");
  const ModelConfig& mc = model->config();
  const int64_t max_prompt = mc.max_seq_len - cfg.max_new_tokens - 2;  // room left for BOS, SEP
  if (max_prompt < 1)
    throw UserError("config key 'generation.max_new_tokens' (" + std::to_string(cfg.max_new_tokens) +
                    ") leaves no room for a prompt in model.max_seq_len (" +
                    std::to_string(mc.max_seq_len) + ")");

  // Formatted prompts BOS prompt SEP (keeping the prompt's last tokens), left-padded to P.
  const int64_t N = static_cast<int64_t>(prompts.size());
  std::vector<std::vector<int64_t>> rows;
  int64_t P = 0;
  for (const auto& p : prompts) {
    const int64_t keep = std::min<int64_t>(static_cast<int64_t>(p.size()), max_prompt);
    std::vector<int64_t> r;
    if (tok.bos_id() >= 0) r.push_back(tok.bos_id());
    r.insert(r.end(), p.end() - keep, p.end());
    if (tok.sep_id() >= 0) r.push_back(tok.sep_id());
    P = std::max<int64_t>(P, static_cast<int64_t>(r.size()));
    rows.push_back(std::move(r));
  }
  const c10::Device dev = model_device(model);
  // Padding id: any valid id works (padding slots are masked); a tokenizer without PAD uses EOS.
  const int64_t pad = tok.pad_id() >= 0 ? tok.pad_id() : std::max<int64_t>(tok.eos_id(), 0);
  at::Tensor prompt = torch::full({N, P}, pad, torch::TensorOptions().dtype(at::kLong));  // [N, P]
  at::Tensor left_pad = torch::zeros({N}, torch::TensorOptions().dtype(at::kLong));                // [N]
  {
    auto pa = prompt.accessor<int64_t, 2>();
    auto la = left_pad.accessor<int64_t, 1>();
    for (int64_t n = 0; n < N; ++n) {
      const auto& r = rows[static_cast<size_t>(n)];
      const int64_t pad = P - static_cast<int64_t>(r.size());
      la[n] = pad;
      for (size_t j = 0; j < r.size(); ++j) pa[n][pad + static_cast<int64_t>(j)] = r[j];
    }
  }
  prompt = prompt.to(dev);
  left_pad = left_pad.to(dev);

  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;

  GenerationResult out;
  out.tokens.assign(static_cast<size_t>(N), {});
  out.finished.assign(static_cast<size_t>(N), false);
  KVCache cache;
  if (cfg.use_cache) cache = model->make_cache(N, P + cfg.max_new_tokens, left_pad);
  at::Tensor seq = prompt;  // [N, P + s] (uncached path)
  at::Tensor next;          // [N, 1] last sampled tokens (on dev)
  int64_t n_done = 0;
  for (int64_t s = 0; s < cfg.max_new_tokens && n_done < N; ++s) {
    at::Tensor logits;  // [N, V]
    if (cfg.use_cache) {
      logits = model->forward_cached(s == 0 ? prompt : next, cache).select(1, -1);
    } else {
      if (s > 0) seq = torch::cat({seq, next}, 1);
      logits = model->forward(seq, left_pad).select(1, -1);
    }
    at::Tensor picked = sample_next(logits, tok, cfg, gen);  // [N] int64 on CPU
    auto acc = picked.accessor<int64_t, 1>();
    for (int64_t n = 0; n < N; ++n) {
      if (out.finished[static_cast<size_t>(n)]) {
        acc[n] = pad;  // a finished row is fed padding; its output is complete
      } else if (acc[n] == tok.eos_id()) {
        out.finished[static_cast<size_t>(n)] = true;
        ++n_done;
      } else {
        out.tokens[static_cast<size_t>(n)].push_back(acc[n]);
      }
    }
    next = picked.view({N, 1}).to(dev);
  }
  model->train(was_training);
  return out;
}

std::vector<std::string> generate_text(Transformer& model, const Tokenizer& tok,
                                       const std::vector<std::string>& prompts,
                                       const GenerationConfig& cfg, at::Generator& gen) {
  std::vector<std::vector<int64_t>> ids;
  ids.reserve(prompts.size());
  for (const auto& p : prompts) ids.push_back(tok.encode(p));
  GenerationResult r = generate(model, tok, ids, cfg, gen);
  std::vector<std::string> texts;
  texts.reserve(r.tokens.size());
  for (const auto& t : r.tokens) texts.push_back(tok.decode(t));
  return texts;
}

}  // namespace swepo
