// LossOutput's batch mean and the metric reductions declared in losses/loss.h.
// Dimension glossary: B prompts.
#include "losses/loss.h"

#include <torch/torch.h>

#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

at::Tensor loss_prompts_used(const PreferenceBatch& batch, const LossTraits& traits) {
  return prompts_used(clean_scores(batch), batch.mask, traits);  // [B] bool
}

at::Tensor LossOutput::mean_loss() const {
  at::Tensor n = used.sum().clamp_min(1).to(per_prompt.scalar_type());  // []
  return at::where(used, per_prompt, at::zeros({}, per_prompt.options())).sum() / n;  // []
}

std::map<std::string, double> finalize_metrics(const std::map<std::string, MetricSum>& metrics,
                                               const at::Tensor& used) {
  // One host transfer: [sum_0, count_0, sum_1, count_1, ..., used, total].
  std::vector<at::Tensor> parts;
  for (const auto& [name, m] : metrics) {
    parts.push_back(m.sum.detach().to(at::kDouble).reshape({1}).to(at::kCPU));
    parts.push_back(m.count.detach().to(at::kDouble).reshape({1}).to(at::kCPU));
  }
  parts.push_back(used.sum().to(at::kDouble).reshape({1}).to(at::kCPU));
  at::Tensor host = at::cat(parts).contiguous();  // [2 * metrics + 1]
  const double* v = host.data_ptr<double>();

  std::map<std::string, double> out;
  size_t i = 0;
  for (const auto& kv : metrics) {
    double sum = v[i], count = v[i + 1];
    i += 2;
    if (count > 0) out[kv.first] = sum / count;  // a metric with nothing to average is left out
  }
  auto chosen = out.find("rewards/chosen"), rejected = out.find("rewards/rejected");
  if (chosen != out.end() && rejected != out.end())
    out["rewards/margins"] = chosen->second - rejected->second;
  out["groups/used"] = v[i];
  out["groups/skipped"] = static_cast<double>(used.numel()) - v[i];
  return out;
}

void accumulate_metrics(std::map<std::string, MetricSum>& a,
                        const std::map<std::string, MetricSum>& b) {
  for (const auto& [name, m] : b) {
    auto it = a.find(name);
    if (it == a.end()) {
      a[name] = {m.sum.detach().clone(), m.count.detach().clone()};
    } else {
      it->second.sum = it->second.sum + m.sum.detach();
      it->second.count = it->second.count + m.count.detach();
    }
  }
}

}  // namespace swepo
