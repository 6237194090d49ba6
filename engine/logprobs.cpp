// Dimension glossary: B prompts, K response slots, N = B*K rows, T tokens, V vocab.
#include "engine/logprobs.h"

#include <torch/torch.h>

#include <string>

#include "core/util/error.h"

namespace swepo {

at::Tensor next_token_logps(const at::Tensor& logits, const at::Tensor& tokens) {
  if (logits.dim() != 3 || tokens.dim() != 2 || logits.size(0) != tokens.size(0) ||
      logits.size(1) != tokens.size(1))
    throw UserError("next_token_logps: expected logits [N, T, V] and tokens [N, T]");
  const int64_t N = tokens.size(0), T = tokens.size(1);
  // float32, or float64 for a float64 model (finite-difference tests).
  const auto dt = logits.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  at::Tensor lp = torch::log_softmax(logits.slice(1, 0, T - 1).to(dt), -1);  // [N, T-1, V]
  at::Tensor target = tokens.slice(1, 1, T).unsqueeze(-1);                            // [N, T-1, 1]
  at::Tensor picked = lp.gather(-1, target).squeeze(-1);                              // [N, T-1]
  at::Tensor last = torch::zeros({N, 1}, picked.options());                           // [N, 1]
  return torch::cat({picked, last}, 1);                                               // [N, T]
}

ResponseLogps response_logps(Transformer& model, const CollatedBatch& batch) {
  const int64_t B = batch.B, K = batch.K;
  if (!batch.tokens.defined() || batch.tokens.size(0) != B * K)
    throw UserError("response_logps: batch tokens must have B*K = " + std::to_string(B * K) + " rows");
  const c10::Device dev = model_device(model);
  at::Tensor tokens = batch.tokens.to(dev);                                  // [N, T]
  at::Tensor mask = batch.response_mask.to(dev);                             // [N, T] bool
  at::Tensor logits = model->forward(tokens);                                // [N, T, V]
  at::Tensor lp = next_token_logps(logits, tokens);                          // [N, T] float32
  // where() rather than multiply: a masked-out position can never leak a non-finite value.
  at::Tensor summed = torch::where(mask, lp, torch::zeros_like(lp)).sum(1);  // [N]
  ResponseLogps out;
  out.logps = summed.view({B, K});                                           // [B, K]
  out.lengths = batch.lengths.to(dev, at::kFloat);                           // [B, K]
  return out;
}

at::Tensor scored_logps(Transformer& model, const PackedBatch& batch) {
  const c10::Device dev = model_device(model);
  at::Tensor h = model->hidden_packed(batch.tokens.to(dev), batch.positions.to(dev), batch.attn);  // [L, D]
  at::Tensor picked = h.index_select(0, batch.score_col.to(dev));                 // [M, D]
  at::Tensor logits = model->logits(picked);                                       // [M, V]
  const auto dt = logits.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  at::Tensor lp = torch::log_softmax(logits.to(dt), -1);                           // [M, V]
  return lp.gather(1, batch.score_target.to(dev).unsqueeze(1)).squeeze(1);         // [M]
}

ResponseLogps response_logps(Transformer& model, const PackedBatch& batch) {
  const int64_t B = batch.B, K = batch.K;
  const c10::Device dev = model_device(model);
  at::Tensor lp = scored_logps(model, batch);                                      // [M]
  at::Tensor sums = torch::zeros({B * K}, lp.options())
                        .index_add(0, batch.score_slot.to(dev), lp);              // [B*K]
  ResponseLogps out;
  out.logps = sums.view({B, K});                          // [B, K]: exactly 0 where nothing is scored
  out.lengths = batch.lengths.to(dev, at::kFloat);        // [B, K]
  return out;
}

NllSum sft_loss(Transformer& model, const PackedBatch& batch) {
  at::Tensor lp = scored_logps(model, batch);  // [M]
  NllSum out;
  out.sum = -lp.sum();                                                        // 0-d
  out.count = torch::full({}, static_cast<double>(lp.size(0)), lp.options()).to(at::kFloat);  // 0-d
  return out;
}

NllSum sft_loss(Transformer& model, const SftBatch& batch) {
  const c10::Device dev = model_device(model);
  at::Tensor tokens = batch.tokens.to(dev);                                  // [N, T]
  at::Tensor mask = batch.loss_mask.to(dev);                                 // [N, T] bool
  at::Tensor lp = next_token_logps(model->forward(tokens), tokens);          // [N, T] float32
  NllSum out;
  out.sum = -torch::where(mask, lp, torch::zeros_like(lp)).sum();            // 0-d
  out.count = mask.sum().to(at::kFloat);                                     // 0-d
  return out;
}

}  // namespace swepo
