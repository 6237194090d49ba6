// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_validate.h"

#include <torch/torch.h>

#include <string>
#include <vector>

#include <fmt/core.h>

#include "core/util/error.h"

namespace swepo {
namespace {

std::string shape_text(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

// First (prompt, response) where `bad` [B, K] is true, as {b, k}; {-1, -1} when none.
std::pair<int64_t, int64_t> first_true(const at::Tensor& bad) {
  at::Tensor flat = bad.reshape({-1}).to(at::kCPU);  // [B*K]
  if (!flat.any().item<bool>()) return {-1, -1};
  int64_t i = flat.to(at::kByte).argmax().item<int64_t>();
  return {i / bad.size(1), i % bad.size(1)};
}

void check_field(const PreferenceBatch& batch, const std::string& name, const char* field,
                 const at::Tensor& t, bool read) {
  if (!t.defined()) {
    if (read)
      throw UserError(fmt::format("loss '{}': field '{}' is missing (batch shape {}); this loss "
                                  "reads it", name, field, shape_text(batch.mask)));
    return;
  }
  if (t.sizes() != batch.mask.sizes())
    throw UserError(fmt::format("loss '{}': field '{}' has shape {} but mask has shape {}",
                                name, field, shape_text(t), shape_text(batch.mask)));
  if (!read) return;
  at::Tensor bad = batch.mask.logical_and(at::isfinite(t.detach()).logical_not());  // [B, K]
  auto [b, k] = first_true(bad);
  if (b >= 0)
    throw UserError(fmt::format("loss '{}': field '{}' of prompt {} has a non-finite value ({}) at "
                                "response {} (batch shape {})", name, field, b,
                                t[b][k].item<double>(), k, shape_text(t)));
}

}  // namespace

void validate_batch(const PreferenceBatch& batch, const std::string& name, const LossTraits& tr) {
  if (!batch.mask.defined())
    throw UserError(fmt::format("loss '{}': field 'mask' is missing", name));
  if (batch.mask.dim() != 2 || batch.mask.scalar_type() != at::kBool)
    throw UserError(fmt::format("loss '{}': field 'mask' must be a [B, K] bool tensor, got shape {} "
                                "of type {}", name, shape_text(batch.mask),
                                std::string(c10::toString(batch.mask.scalar_type()))));
  check_field(batch, name, "policy_logps", batch.policy_logps, true);
  check_field(batch, name, "ref_logps", batch.ref_logps, tr.needs_reference);
  check_field(batch, name, "scores", batch.scores, tr.needs_scores);
  check_field(batch, name, "lengths", batch.lengths, tr.needs_lengths);

  if (tr.needs_lengths) {
    at::Tensor bad = batch.mask.logical_and(batch.lengths.detach().le(0));  // [B, K]
    auto [b, k] = first_true(bad);
    if (b >= 0)
      throw UserError(fmt::format("loss '{}': field 'lengths' of prompt {} has length {} at response "
                                  "{} (batch shape {}); lengths must be positive", name, b,
                                  batch.lengths[b][k].item<double>(), k, shape_text(batch.lengths)));
  } else if (batch.lengths.defined()) {
    at::Tensor bad = batch.mask.logical_and(batch.lengths.detach().lt(0));  // [B, K]
    auto [b, k] = first_true(bad);
    if (b >= 0)
      throw UserError(fmt::format("loss '{}': field 'lengths' of prompt {} has negative length {} at "
                                  "response {} (batch shape {})", name, b,
                                  batch.lengths[b][k].item<double>(), k, shape_text(batch.lengths)));
  }

  at::Tensor valid = batch.mask.sum({1}).to(at::kCPU);  // [B]
  at::Tensor few = valid.lt(tr.min_k);                  // [B]
  if (few.any().item<bool>()) {
    int64_t b = few.to(at::kByte).argmax().item<int64_t>();
    throw UserError(fmt::format("loss '{}': prompt {} has {} valid response(s) (mask shape {}); this "
                                "loss needs at least {}", name, b, valid[b].item<int64_t>(),
                                shape_text(batch.mask), tr.min_k));
  }
}

}  // namespace swepo
