// LoRA (engine/lora.h) on the tiny HF fixtures of test_hf_util.h (GQA, q/k/v biases, q/k norms):
//  * a fresh adapter (B = 0) leaves the log-probs exactly equal, float32 and float64, both layouts,
//    train mode (dropout on) and eval;
//  * LoraOff gives the base model back exactly (and its weights hash);
//  * the merged HF export computes the adapted model's logits (<= 1e-5 relative, float32);
//  * only adapter parameters get gradients, and only they reach the optimizer; activation
//    checkpointing gives them the same gradients;
//  * model-state bytes per parameter as the README states them (16 full; 2 / 4 + 16 with LoRA bf16);
//  * a bf16-stored frozen base computes in float32 (= the float32 model with bf16-rounded weights);
//  * PEFT's files: names, shapes, dtypes, adapter_config.json, and loading them back;
//  * bad settings name the key;
//  * a LoRA preference run resumes from its checkpoint, and its reference is the base computed in
//    place (its cache entry is the base model's).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "core/hf/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "engine/hf_checkpoint.h"
#include "engine/logprobs.h"
#include "engine/lora.h"
#include "engine/metrics_sink.h"
#include "engine/optim.h"
#include "engine/ref_cache.h"
#include "engine/tokenized.h"
#include "engine/train_pref.h"
#include "losses/registry.h"
#include "tests/engine/test_hf_util.h"
#include "train_test_util.h"

namespace swepo {
namespace {

using nlohmann::json;

hftest::Spec spec_of(const std::string& arch) {
  hftest::Spec s;
  s.arch = arch;
  s.V = ByteTokenizer::kVocab;  // the byte tokenizer's ids score responses
  s.Hkv = 2;                    // GQA: k/v projections narrower than q
  s.attention_bias = arch == "llama";
  return s;
}

// The fixture checkpoint of `arch` written to a fresh directory, loaded as float32.
struct Fixture {
  hftest::Spec spec;
  std::string dir;
  Transformer load() const { return load_hf_model(dir, "float32", torch::kCPU); }
};
Fixture fixture(const std::string& arch, uint64_t seed = 7) {
  Fixture f{spec_of(arch), hftest::temp_dir("lora_" + arch + std::to_string(seed))};
  hftest::write_checkpoint(f.dir, f.spec, hftest::random_weights(f.spec, seed));
  return f;
}

std::vector<TokenizedGroup> groups() {
  ByteTokenizer tok;
  std::vector<TokenizedGroup> g;
  for (const auto& r : test::pref_records()) g.push_back(tokenize_group(tok, r));
  return g;
}

LoraConfig all_linear(int64_t r = 4, double alpha = 8, double dropout = 0.0) {
  LoraConfig c;
  c.r = r;
  c.alpha = alpha;
  c.dropout = dropout;
  c.target_modules = {"all-linear"};
  return c;
}

// Every adapter's B drawn from N(0, std²) (a trained adapter), deterministically.
void randomize_b(Transformer& m, double std, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  for (auto& item : m->named_parameters(true))
    if (item.key().find(".lora_B.") != std::string::npos)
      item.value().copy_(torch::randn(item.value().sizes(), gen, item.value().options()) * std);
}

at::Tensor logits_of(Transformer& m) {
  torch::NoGradGuard no_grad;
  const at::Tensor tokens = torch::tensor({{1, 5, 9, 33, 2, 7, 100, 250, 3, 4, 90, 12}}, torch::kInt64);  // [1, 12]
  return m->forward(tokens);  // [1, 12, V]
}

double rel_err(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

TEST(Lora, FreshAdaptersLeaveLogpsExactlyEqual) {
  const auto g = groups();
  const SpecialIds ids = special_ids(ByteTokenizer());
  const TruncationConfig t = truncation_resolve({}, 64);
  for (const std::string arch : {"llama", "qwen2", "qwen3"}) {
    const Fixture f = fixture(arch);
    for (const auto dtype : {torch::kFloat, torch::kDouble}) {
      SCOPED_TRACE(arch + (dtype == torch::kDouble ? " float64" : " float32"));
      Transformer base = f.load(), pol = f.load();
      base->to(dtype);
      pol->to(dtype);
      add_lora(pol, all_linear(4, 8, /*dropout=*/0.2), 3);
      ASSERT_TRUE(has_lora(pol));
      const ProjectionAdapter* a = find_adapter(pol, 1, "down_proj");
      ASSERT_NE(a, nullptr);
      EXPECT_EQ(a->A.scalar_type(), dtype);
      EXPECT_GT(a->A.abs().max().item<double>(), 0.0);  // A random, B zero
      EXPECT_EQ(a->B.abs().max().item<double>(), 0.0);
      EXPECT_DOUBLE_EQ(a->scale, 2.0);                  // alpha / r
      for (bool train : {true, false}) {  // train: the adapters' dropout draws masks
        base->train(train);
        pol->train(train);
        torch::NoGradGuard no_grad;
        EXPECT_TRUE(torch::equal(response_logps(pol, collate_groups(g, ids, t)).logps,
                                 response_logps(base, collate_groups(g, ids, t)).logps));
        EXPECT_TRUE(torch::equal(response_logps(pol, pack_groups(g, ids, t)).logps,
                                 response_logps(base, pack_groups(g, ids, t)).logps));
      }
      EXPECT_TRUE(torch::equal(logits_of(pol), logits_of(base)));
    }
  }
}

TEST(Lora, LoraOffIsTheBaseAndRestores) {
  const Fixture f = fixture("qwen2");
  Transformer base = f.load(), pol = f.load();
  add_lora(pol, LoraConfig{}, 1);  // q, k, v, o
  randomize_b(pol, 0.1, 2);
  const at::Tensor adapted = logits_of(pol);
  EXPECT_GT(rel_err(adapted, logits_of(base)), 1e-3);
  EXPECT_NE(model_weights_hash(pol), model_weights_hash(base));
  {
    LoraOff off(pol);
    EXPECT_FALSE(adapters_enabled(pol));
    EXPECT_TRUE(torch::equal(logits_of(pol), logits_of(base)));
    EXPECT_EQ(model_weights_hash(pol), model_weights_hash(base));  // the reference cache's key
  }
  EXPECT_TRUE(adapters_enabled(pol));
  EXPECT_TRUE(torch::equal(logits_of(pol), adapted));
}

TEST(Lora, MergedExportEqualsTheAdaptedModel) {
  for (const std::string arch : {"llama", "qwen2", "qwen3"}) {
    SCOPED_TRACE(arch);
    const Fixture f = fixture(arch);
    Transformer base = f.load(), pol = f.load();
    add_lora(pol, all_linear(4, 16), 5);
    randomize_b(pol, 0.05, 6);
    const at::Tensor adapted = logits_of(pol);
    ASSERT_GT(rel_err(adapted, logits_of(base)), 1e-3);  // the adapters matter

    Transformer merged = lora_merged(pol);
    EXPECT_FALSE(has_lora(merged));
    EXPECT_EQ(merged->named_parameters().size(), base->named_parameters().size());
    const std::string out = hftest::temp_dir("merged_" + arch);
    HfExportOptions eo;
    eo.source_dir = f.dir;
    eo.dtype = "float32";
    export_hf_model(merged, out, eo);
    Transformer loaded = load_hf_model(out, "float32", torch::kCPU);
    EXPECT_LE(rel_err(logits_of(loaded), adapted), 1e-5);
    // Merging left the adapted model's own weights alone.
    EXPECT_TRUE(torch::equal(projection_weight(pol, 0, "q_proj").first, projection_weight(base, 0, "q_proj").first));
    EXPECT_TRUE(torch::equal(logits_of(pol), adapted));
  }
}

TEST(Lora, OnlyAdapterParametersReceiveGradients) {
  const Fixture f = fixture("qwen3");
  Transformer pol = f.load();
  add_lora(pol, all_linear(), 1);
  randomize_b(pol, 0.05, 3);  // with B = 0 the gradient of A is exactly zero
  const auto g = groups();
  const SpecialIds ids = special_ids(ByteTokenizer());
  const TruncationConfig t = truncation_resolve({}, 64);
  response_logps(pol, pack_groups(g, ids, t)).logps.sum().backward();
  int64_t adapters = 0;
  for (const auto& item : pol->named_parameters(true)) {
    const at::Tensor& p = item.value();
    if (is_adapter_parameter(item.key())) {
      ++adapters;
      EXPECT_TRUE(p.requires_grad()) << item.key();
      ASSERT_TRUE(p.grad().defined()) << item.key();
      EXPECT_GT(p.grad().abs().max().item<double>(), 0.0) << item.key();
    } else {
      EXPECT_FALSE(p.requires_grad()) << item.key();
      EXPECT_FALSE(p.grad().defined()) << item.key();
    }
  }
  EXPECT_EQ(adapters, 2 * 2 * 7);  // A and B, 2 layers, 7 projections
  auto opt = make_adamw(*pol, test::tiny_trainer_config(""));
  int64_t in_opt = 0;
  for (const auto& group : opt->param_groups()) in_opt += static_cast<int64_t>(group.params().size());
  EXPECT_EQ(in_opt, adapters);
  EXPECT_EQ(lora_numel(pol), 2 * 4 * (32 + 32 + 32 + 16 + 32 + 16 + 32 + 32 + 32 + 40 + 32 + 40 + 40 + 32));
}

TEST(Lora, Bf16FrozenBaseComputesInFloat32) {
  const Fixture f = fixture("llama");
  Transformer pol = f.load(), ref = f.load();
  {  // ref: the float32 model whose layer weights are the bf16-rounded ones
    torch::NoGradGuard no_grad;
    for (auto& item : ref->named_parameters(true))
      if (item.key().rfind("model.layers.", 0) == 0) item.value().copy_(item.value().to(torch::kBFloat16));
  }
  for (Transformer* m : {&pol, &ref}) {
    add_lora(*m, all_linear(), 9);
    randomize_b(*m, 0.05, 10);
  }
  const int64_t converted = store_frozen_bf16(pol);
  int64_t layer_numel = 0;
  for (const auto& item : pol->named_parameters(true)) {
    const bool layer = item.key().rfind("model.layers.", 0) == 0;
    if (layer && !is_adapter_parameter(item.key())) layer_numel += item.value().numel();
    const auto want = is_adapter_parameter(item.key()) || !layer ? torch::kFloat : torch::kBFloat16;
    EXPECT_EQ(item.value().scalar_type(), want) << item.key();
  }
  EXPECT_EQ(converted, layer_numel);
  EXPECT_LE(rel_err(logits_of(pol), logits_of(ref)), 1e-6);
  // The same gradients for the adapters (the frozen bf16 weights are upcast in the backward too).
  const auto g = groups();
  const SpecialIds ids = special_ids(ByteTokenizer());
  const TruncationConfig t = truncation_resolve({}, 64);
  for (Transformer* m : {&pol, &ref}) response_logps(*m, collate_groups(g, ids, t)).logps.sum().backward();
  auto pp = pol->named_parameters(true), pr = ref->named_parameters(true);
  for (const auto& item : pp) {
    if (!is_adapter_parameter(item.key())) continue;
    EXPECT_LE(rel_err(item.value().grad(), pr[item.key()].grad()), 1e-5) << item.key();
  }
  // Nothing frozen: bf16 storage has nothing to act on.
  Transformer full = f.load();
  try {
    store_frozen_bf16(full);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("bf16_autocast"), std::string::npos) << e.what();
  }
}

// Activation checkpointing (model.h) recomputes each layer with its adapters (dropout masks
// replayed, frozen bf16 weights upcast again): the adapters' gradients are the plain path's.
TEST(Lora, ActivationCheckpointingGivesTheSameAdapterGradients) {
  const Fixture f = fixture("qwen2");
  const auto g = groups();
  const SpecialIds ids = special_ids(ByteTokenizer());
  const TruncationConfig t = truncation_resolve({}, 64);
  std::vector<Transformer> models;
  for (bool recompute : {false, true}) {
    Transformer m = f.load();
    add_lora(m, all_linear(4, 8, /*dropout=*/0.1), 2);
    randomize_b(m, 0.05, 4);
    store_frozen_bf16(m);
    m->set_activation_checkpointing(recompute);
    torch::manual_seed(5);  // the same dropout masks
    response_logps(m, pack_groups(g, ids, t)).logps.sum().backward();
    models.push_back(m);
  }
  auto plain = models[0]->named_parameters(true);
  for (const auto& item : models[1]->named_parameters(true)) {
    if (!is_adapter_parameter(item.key())) continue;
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    EXPECT_LE(rel_err(item.value().grad(), plain[item.key()].grad()), 1e-6) << item.key();
  }
}

// The README's bytes per parameter of model state, counted after one AdamW step: weights + gradients
// + AdamW's m and v. Full fine-tuning: 16 B/param; LoRA with a bf16 base: 2 B per decoder-layer
// weight, 4 B for the float32 embedding / final norm / lm_head, 16 B per adapter parameter.
int64_t state_bytes(Transformer& m, torch::optim::Optimizer& opt) {
  int64_t bytes = 0;
  for (const auto& p : m->parameters(true)) {
    bytes += p.numel() * p.element_size();
    if (p.grad().defined()) bytes += p.grad().numel() * p.grad().element_size();
  }
  for (const auto& kv : opt.state()) {
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*kv.second);
    bytes += s.exp_avg().numel() * s.exp_avg().element_size() + s.exp_avg_sq().numel() * s.exp_avg_sq().element_size();
  }
  return bytes;
}

TEST(Lora, ModelStateBytesPerParameter) {
  const Fixture f = fixture("llama");
  const auto g = groups();
  const SpecialIds ids = special_ids(ByteTokenizer());
  const TruncationConfig t = truncation_resolve({}, 64);
  auto step = [&](Transformer& m) {
    auto opt = make_adamw(*m, test::tiny_trainer_config(""));
    response_logps(m, pack_groups(g, ids, t)).logps.sum().backward();
    opt->step();
    return state_bytes(m, *opt);
  };
  Transformer full = f.load();
  const int64_t n = model_numel(full);
  EXPECT_EQ(step(full), 16 * n);

  Transformer lora = f.load();
  add_lora(lora, LoraConfig{}, 1);
  const int64_t adapters = lora_numel(lora);
  const int64_t layers = store_frozen_bf16(lora);
  EXPECT_EQ(step(lora), 2 * layers + 4 * (n - layers) + 16 * adapters);
}

TEST(Lora, PeftFilesHaveNamesShapesAndConfigAndLoadBack) {
  const Fixture f = fixture("llama");
  Transformer pol = f.load();
  add_lora(pol, all_linear(4, 8, 0.05), 11);
  randomize_b(pol, 0.05, 12);
  const std::string dir = hftest::temp_dir("peft_adapter");
  save_peft_adapter(pol, dir, f.dir);

  // adapter_model.safetensors: PEFT's names, [r, in] and [out, r], float32, values as trained.
  SafetensorsFile st(dir + "/adapter_model.safetensors");
  std::set<std::string> names;
  const int64_t D = f.spec.D, q = f.spec.H * f.spec.Dh, kv = f.spec.Hkv * f.spec.Dh, F = f.spec.F;
  const std::vector<std::tuple<std::string, int64_t, int64_t>> shapes = {
      {"self_attn.q_proj", q, D},  {"self_attn.k_proj", kv, D}, {"self_attn.v_proj", kv, D},
      {"self_attn.o_proj", D, q},  {"mlp.gate_proj", F, D},     {"mlp.up_proj", F, D},
      {"mlp.down_proj", D, F}};
  for (int64_t l = 0; l < f.spec.L; ++l)
    for (const auto& [path, out, in] : shapes) {
      const std::string p = "base_model.model.model.layers." + std::to_string(l) + "." + path;
      const StTensorInfo* a = st.find(p + ".lora_A.weight");
      const StTensorInfo* b = st.find(p + ".lora_B.weight");
      ASSERT_NE(a, nullptr) << p;
      ASSERT_NE(b, nullptr) << p;
      EXPECT_EQ(a->shape, (std::vector<int64_t>{4, in})) << p;
      EXPECT_EQ(b->shape, (std::vector<int64_t>{out, 4})) << p;
      EXPECT_EQ(a->dtype, StDtype::F32);
      names.insert(p);
    }
  EXPECT_EQ(st.tensors().size(), 2 * names.size());  // nothing else
  EXPECT_EQ(st.header().metadata.at("format"), "pt");
  {
    const ProjectionAdapter* a = find_adapter(pol, 1, "k_proj");
    const StTensorInfo* b = st.find("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight");
    at::Tensor fb = torch::from_blob(const_cast<uint8_t*>(st.data(*b)), b->shape, torch::kFloat).clone();
    EXPECT_TRUE(torch::equal(fb, a->B));
  }

  // adapter_config.json: PEFT's LoraConfig fields.
  const json j = json::parse(read_file(dir + "/adapter_config.json"));
  EXPECT_EQ(j.at("peft_type"), "LORA");
  EXPECT_EQ(j.at("task_type"), "CAUSAL_LM");
  EXPECT_EQ(j.at("r"), 4);
  EXPECT_TRUE(j.at("lora_alpha").is_number_integer());
  EXPECT_EQ(j.at("lora_alpha"), 8);
  EXPECT_DOUBLE_EQ(j.at("lora_dropout").get<double>(), 0.05);
  EXPECT_EQ(j.at("target_modules"),
            json({"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}));
  EXPECT_EQ(j.at("bias"), "none");
  EXPECT_EQ(j.at("fan_in_fan_out"), false);
  EXPECT_EQ(j.at("use_rslora"), false);
  EXPECT_EQ(j.at("use_dora"), false);
  EXPECT_EQ(j.at("base_model_name_or_path"), f.dir);
  EXPECT_TRUE(j.at("modules_to_save").is_null());

  // Loaded into a fresh base: the adapted model exactly (eval mode: no dropout).
  Transformer back = f.load();
  load_peft_adapter(back, dir);
  back->eval();
  pol->eval();
  EXPECT_TRUE(torch::equal(logits_of(back), logits_of(pol)));
  EXPECT_EQ(lora_config_of(back).r, 4);
  EXPECT_DOUBLE_EQ(lora_config_of(back).alpha, 8);

  // What swepo does not implement, or files that do not fit, name the file and the key or tensor.
  auto expect_error = [&](const json& cfg, const std::string& needle) {
    const std::string bad = hftest::temp_dir("peft_bad");
    std::filesystem::copy_file(dir + "/adapter_model.safetensors", bad + "/adapter_model.safetensors");
    hftest::write_text(bad + "/adapter_config.json", cfg.dump());
    Transformer m = f.load();
    try {
      load_peft_adapter(m, bad);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("peft_bad"), std::string::npos) << e.what();
    }
  };
  json c = j;
  c["use_dora"] = true;
  expect_error(c, "use_dora");
  c = j;
  c["target_modules"] = ".*(q|v)_proj";
  expect_error(c, "target_modules");
  c = j;
  c["r"] = 5;
  expect_error(c, "r = 5");
  c = j;
  c["target_modules"] = {"q_proj", "k_proj"};  // the file holds tensors of the other five
  expect_error(c, "not an adapter of this model");
  c = j;
  c["peft_type"] = "IA3";
  expect_error(c, "peft_type");
}

TEST(Lora, BadSettingsNameTheKey) {
  auto message = [](const std::string& yaml) -> std::string {
    try {
      read_fields<LoraConfig>(YAML::Load(yaml), "lora");
    } catch (const UserError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message("{r: 0}").find("lora.r"), std::string::npos);
  const std::string unknown = message("{target_modules: [q_proj, qproj]}");
  EXPECT_NE(unknown.find("lora.target_modules"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("'qproj'"), std::string::npos) << unknown;
  EXPECT_NE(message("{target_modules: [all-linear, q_proj]}").find("lora.target_modules"), std::string::npos);
  EXPECT_NE(message("{dropout: 1.0}").find("lora.dropout"), std::string::npos);
  EXPECT_NE(message("{rank: 4}").find("rank"), std::string::npos);  // unknown key
  EXPECT_EQ(message("{target_modules: [all-linear]}"), "");
  // The engine's entry point checks too, and adds adapters only once.
  Transformer m = test::tiny_model(1);
  LoraConfig bad;
  bad.r = 0;
  EXPECT_THROW(add_lora(m, bad, 0), UserError);
  add_lora(m, LoraConfig{}, 0);
  EXPECT_THROW(add_lora(m, LoraConfig{}, 0), UserError);
}

// A LoRA preference run: stopped after 4 steps and resumed (into a model with other adapters)
// equals the uninterrupted run; the base never moves; the reference is the base computed in place,
// so a full fine-tuning run of the same base finds it in the cache.
TEST(Lora, PreferenceRunResumesAndItsReferenceIsTheBase) {
  const std::string cache = test::temp_dir("lora_ref_cache");
  ByteTokenizer tok;
  auto loss = make_loss(YAML::Load("{name: dpo, pairing: best_vs_random}"));
  TrainerConfig cfg = test::tiny_trainer_config(cache);
  cfg.max_steps = 8;
  cfg.lr = 5e-3;
  const auto data = test::pref_records();
  LoraConfig lc = all_linear(4, 8, 0.1);

  MemorySink full;
  Transformer m_full = test::tiny_model(21);
  add_lora(m_full, lc, 5);
  TrainResult rf = train_preference(m_full, tok, data, *loss, cfg, {}, full);
  EXPECT_GT(rf.reference_rows, 0);
  EXPECT_TRUE(adapters_enabled(m_full));
  Transformer start = test::tiny_model(21);
  auto pf = m_full->named_parameters(true);
  double adapter_change = 0;
  for (const auto& item : start->named_parameters(true))
    EXPECT_TRUE(torch::equal(item.value(), pf[item.key()])) << item.key();  // the base is frozen
  for (const auto& item : pf)
    if (item.key().find(".lora_B.") != std::string::npos)
      adapter_change = std::max(adapter_change, item.value().abs().max().item<double>());
  EXPECT_GT(adapter_change, 0.0);

  const std::string ckpt = test::temp_dir("lora_ckpt");
  MemorySink first, second;
  Transformer m1 = test::tiny_model(21);
  add_lora(m1, lc, 5);
  TrainRunOptions stop;
  stop.checkpoint_dir = ckpt;
  stop.stop_after_step = 4;
  TrainResult r1 = train_preference(m1, tok, data, *loss, cfg, {}, first, stop);
  EXPECT_TRUE(r1.reference_from_cache);
  Transformer m2 = test::tiny_model(21);
  add_lora(m2, lc, 77);  // other A: the checkpoint restores the adapters
  TrainRunOptions resume;
  resume.resume_from = r1.checkpoint_path;
  train_preference(m2, tok, data, *loss, cfg, {}, second, resume);
  ASSERT_EQ(first.records.size() + second.records.size(), full.records.size());
  for (size_t i = 0; i < second.records.size(); ++i)
    EXPECT_EQ(second.records[i].metrics.at("loss"), full.records[4 + i].metrics.at("loss")) << i;
  EXPECT_EQ(test::max_param_diff(m2, m_full), 0.0);

  // Full fine-tuning of the same base: the reference cache entry is the LoRA run's.
  MemorySink ft;
  Transformer plain = test::tiny_model(21);
  TrainerConfig one = cfg;
  one.max_steps = 1;
  TrainResult rp = train_preference(plain, tok, data, *loss, one, {}, ft);
  EXPECT_TRUE(rp.reference_from_cache);
  EXPECT_EQ(rp.reference_fingerprint, rf.reference_fingerprint);
}

}  // namespace
}  // namespace swepo
