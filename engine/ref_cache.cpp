#include "engine/ref_cache.h"

#include <filesystem>
#include <iostream>
#include <sstream>

#include <torch/torch.h>

#include "engine/autocast.h"
#include "engine/logprobs.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/hash.h"
#include "core/util/numerics.h"
#include "core/util/sealed.h"

namespace swepo {
namespace {

std::atomic<int64_t> g_reference_rows{0};

constexpr int64_t kRefCacheFormat = 1;

void append_field(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

std::string tensor_digest(const at::Tensor& t) {
  at::Tensor c = t.detach().to(torch::kCPU).contiguous();  // [...]
  std::string head = std::string(c10::toString(c.scalar_type())) + "|";
  for (auto s : c.sizes()) head += std::to_string(s) + ",";
  const auto* p = static_cast<const char*>(c.data_ptr());
  return sha256_hex(head + sha256_hex(std::string_view(p, c.numel() * c.element_size())));
}

}  // namespace

std::string model_weights_hash(const Transformer& model) {
  std::string all;
  const bool adapters_off = !adapters_enabled(model);
  for (const auto& item : model->named_parameters(true)) {
    if (adapters_off && is_adapter_parameter(item.key())) continue;  // they compute nothing
    append_field(all, "p:" + item.key());
    append_field(all, tensor_digest(item.value()));
  }
  for (const auto& item : model->named_buffers(true)) {
    append_field(all, "b:" + item.key());
    append_field(all, tensor_digest(item.value()));
  }
  return sha256_hex(all);
}

std::string RefCacheKey::digest() const {
  std::string all = "refcache-v" + std::to_string(kRefCacheFormat);
  append_field(all, "numerics=" + std::to_string(kNumericsVersion));
  append_field(all, weights_hash);
  append_field(all, dataset);
  append_field(all, tokenizer);
  append_field(all, std::to_string(truncation.max_prompt_tokens) + "/" +
                        std::to_string(truncation.max_total_tokens));
  append_field(all, bf16 ? "bf16" : "fp32");
  append_field(all, layout);
  return sha256_hex(all);
}

int64_t reference_rows_computed() { return g_reference_rows.load(); }

at::Tensor compute_reference_logps(Transformer& ref, const std::vector<TokenizedGroup>& groups,
                                   const SpecialIds& ids, const TruncationConfig& truncation,
                                   int64_t k_slots, int64_t batch_size, bool bf16,
                                   const std::string& layout) {
  const bool was_training = ref->is_training();
  ref->eval();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;  // each [b, K]
  const int64_t R = static_cast<int64_t>(groups.size());
  for (int64_t begin = 0; begin < R; begin += batch_size) {
    const int64_t end = std::min(R, begin + batch_size);
    std::vector<TokenizedGroup> chunk(groups.begin() + begin, groups.begin() + end);
    ResponseLogps lp;
    {
      AutocastGuard autocast(bf16);
      if (layout == "shared_prompt")
        lp = response_logps(ref, pack_groups(chunk, ids, truncation, k_slots));
      else
        lp = response_logps(ref, collate_groups(chunk, ids, truncation, k_slots));  // logps [b, K]
    }
    parts.push_back(lp.logps.to(torch::kCPU, torch::kFloat32));
    g_reference_rows += static_cast<int64_t>(chunk.size()) * k_slots;  // response slots
  }
  if (was_training) ref->train();
  if (parts.empty()) return torch::zeros({0, k_slots}, torch::kFloat32);
  return torch::cat(parts, 0);  // [R, K]
}

RefLogps reference_logps_cached(const Transformer& policy, const std::vector<TokenizedGroup>& groups,
                                const SpecialIds& ids, const RefCacheKey& key, int64_t k_slots,
                                int64_t batch_size, const std::string& cache_dir, bool in_place) {
  RefLogps out;
  out.fingerprint = key.digest();
  const int64_t R = static_cast<int64_t>(groups.size());
  if (!cache_dir.empty()) {
    out.path = (std::filesystem::path(cache_dir) / (out.fingerprint + ".pt")).string();
    if (std::filesystem::exists(out.path)) {
      // Only a sealed file whose SHA-256 matches is read; anything else (damaged, cut short, written
      // before seals, another shape) is recomputed and replaced below, never served.
      std::string bytes = read_file(out.path), problem;
      if (unseal_bytes(bytes) != SealState::valid) {
        problem = "its SHA-256 seal is missing or does not match";
      } else {
        try {
          std::istringstream is(bytes);
          torch::serialize::InputArchive ar;
          ar.load_from(is);
          c10::IValue fp, format;
          at::Tensor t;
          if (ar.try_read("format", format) && format.isInt() && format.toInt() == kRefCacheFormat &&
              ar.try_read("fingerprint", fp) && fp.isString() && fp.toStringRef() == out.fingerprint &&
              ar.try_read("logps", t) && t.dim() == 2 && t.size(0) == R && t.size(1) == k_slots &&
              t.scalar_type() == torch::kFloat32) {
            out.logps = t;
            out.from_cache = true;
            return out;
          }
          problem = "another format, fingerprint or shape";
        } catch (const c10::Error& e) {
          problem = e.what_without_backtrace();
        }
      }
      std::cerr << "ref cache: not using '" << out.path << "' (" << problem << "); recomputing it\n";
    }
  }
  Transformer ref = policy;  // in place: the policy itself (eval mode and no autograd in the pass)
  if (!in_place) {
    ref = clone_model(policy);
    freeze_model(ref);
  }
  out.logps = compute_reference_logps(ref, groups, ids, key.truncation, k_slots, batch_size, key.bf16,
                                      key.layout);
  if (!out.path.empty()) {
    torch::serialize::OutputArchive ar;
    ar.write("format", c10::IValue(kRefCacheFormat));
    ar.write("fingerprint", c10::IValue(out.fingerprint));
    ar.write("logps", out.logps, /*is_buffer=*/true);
    std::ostringstream os;
    ar.save_to(os);
    write_file_sealed(out.path, os.str());
  }
  return out;
}

}  // namespace swepo
