// Hugging Face checkpoints in and out (engine/hf_checkpoint.h): random tiny checkpoints written by
// the test (test_hf_util.h) for every architecture and option, loaded and compared with the
// float64 reference (relative error <= 1e-4 in float32); export -> load bit-exact, one file and
// sharded; native presets export as LlamaForCausalLM; every malformed case a UserError naming the
// file and the tensor or key.
//
// Dimension glossary: T tokens, V vocab, D hidden.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "core/hf/safetensors.h"
#include "core/util/error.h"
#include "engine/hf_checkpoint.h"
#include "engine/hf_config.h"
#include "engine/model.h"
#include "engine/tokenizer.h"
#include "tests/engine/test_hf_util.h"

namespace swepo {
namespace {

using namespace hftest;
namespace fs = std::filesystem;

const std::vector<int64_t> kIds = {3, 17, 5, 42, 0, 9, 33, 8, 21, 49, 14, 2};  // T = 12

double rel_err(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

at::Tensor engine_logits(Transformer& m) {
  torch::NoGradGuard ng;
  at::Tensor ids = torch::tensor(kIds, torch::kLong).view({1, -1});  // [1, T]
  return m->forward(ids)[0].to(at::kDouble);                            // [T, V]
}

// Every tensor of `a` equals `b`'s, bit for bit (and the name sets agree).
void expect_same_weights(const Transformer& a, const Transformer& b) {
  auto pa = a->named_parameters(), pb = b->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) {
    ASSERT_NE(pb.find(item.key()), nullptr) << item.key();
    EXPECT_EQ(item.value().scalar_type(), pb[item.key()].scalar_type()) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  }
}

struct Case {
  const char* label;
  Spec spec;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  Spec s;
  s.Hkv = 2;  // llama GQA, llama3 RoPE (theta 100, Dh 8: wavelengths 6.3 / 19.9 / 62.8 / 199 against
  s.rope = "llama3";  // original 32: high / medium / low / low frequency), untied, float32
  s.theta = 100.0;
  s.factor = 8.0;
  s.original_max = 32;
  out.push_back({"llama_gqa_llama3", s});
  s = Spec{};
  s.rope = "linear";  // llama, linear RoPE, tied, bfloat16, 3 shards, attention (and o) biases
  s.factor = 2.0;
  s.tied = true;
  s.attention_bias = true;
  s.dtype = "bfloat16";
  s.shards = 3;
  out.push_back({"llama_linear_tied_bf16_sharded_bias", s});
  s = Spec{};
  s.arch = "mistral";  // GQA 4:1, a window longer than the row: exact
  s.Hkv = 1;
  s.sliding_window = 4096;
  s.shards = 2;
  out.push_back({"mistral_gqa_sharded", s});
  s = Spec{};
  s.arch = "qwen2";  // q/k/v biases, no o bias, tied, bfloat16
  s.Hkv = 2;
  s.tied = true;
  s.dtype = "bfloat16";
  s.theta = 1e6;
  s.eps = 1e-6;
  out.push_back({"qwen2_bias_tied_bf16", s});
  s = Spec{};
  s.arch = "qwen3";  // q/k norm, head_dim 16 != D/H = 8, GQA, untied
  s.Hkv = 2;
  s.Dh = 16;
  s.eps = 1e-6;
  out.push_back({"qwen3_qknorm_headdim", s});
  return out;
}

TEST(HfCheckpoint, LogitsMatchTheFloat64ReferenceForEveryArchitecture) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.label);
    const std::string dir = temp_dir(std::string("ref_") + c.label);
    Weights w = random_weights(c.spec, 7);
    write_checkpoint(dir, c.spec, w);
    at::Tensor ref = reference_logits(c.spec, w, kIds);  // [T, V]
    Transformer m = load_hf_model(dir, "float32", torch::kCPU);
    EXPECT_EQ(m->config().arch, c.spec.arch);
    EXPECT_EQ(m->named_parameters()["model.norm.weight"].scalar_type(), at::kFloat);
    EXPECT_LE(rel_err(engine_logits(m), ref), 1e-4);
    // The comparison can fail: position matters, and the reference without the checkpoint's RoPE
    // scaling (or with another model's weights) is far from the engine.
    EXPECT_GT((ref[3] - ref[4]).abs().max().item<double>(), 1e-2);
    if (c.spec.rope != "none") {
      Spec plain = c.spec;
      plain.rope = "none";
      EXPECT_GT(rel_err(engine_logits(m), reference_logits(plain, w, kIds)), 1e-3);
    }
    EXPECT_GT(rel_err(engine_logits(m), reference_logits(c.spec, random_weights(c.spec, 8), kIds)), 1e-1);
    if (c.spec.dtype == "bfloat16") {  // auto = torch_dtype: bfloat16 weights, bf16 arithmetic
      Transformer b = load_hf_model(dir, "auto", torch::kCPU);
      EXPECT_EQ(b->named_parameters()["model.norm.weight"].scalar_type(), at::kBFloat16);
      EXPECT_LE(rel_err(engine_logits(b), ref), 0.05);
    }
  }
}

TEST(HfCheckpoint, ExportThenLoadIsBitExactOneFileAndSharded) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.label);
    const std::string src = temp_dir(std::string("src_") + c.label);
    write_checkpoint(src, c.spec, random_weights(c.spec, 8));
    write_text(src + "/tokenizer.json", "{\"model\": {}}");
    write_text(src + "/tokenizer_config.json", "{\"chat_template\": \"x\"}");
    Transformer m = load_hf_model(src, "auto", torch::kCPU);

    const std::string one = temp_dir(std::string("out1_") + c.label) + "/export";
    export_hf_model(m, one);  // defaults: the source's dtype, one file
    EXPECT_TRUE(fs::exists(one + "/model.safetensors"));
    EXPECT_FALSE(fs::exists(one + "/model.safetensors.index.json"));
    for (const char* f : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"})
      EXPECT_TRUE(fs::exists(one + "/" + f)) << f;
    expect_same_weights(m, load_hf_model(one, "auto", torch::kCPU));
    // Tied: no lm_head tensor in the file, as transformers saves it.
    SafetensorsFile f(one + "/model.safetensors");
    EXPECT_EQ(f.find("lm_head.weight") == nullptr, c.spec.tied);
    EXPECT_EQ(std::string(st_dtype_name(f.tensors()[0].dtype)), c.spec.dtype == "bfloat16" ? "BF16" : "F32");
    // config.json round trip: the same ModelConfig, the source's other keys kept.
    HfModelInfo back = hf_read_config(one);
    EXPECT_EQ(back.torch_dtype, c.spec.dtype);
    EXPECT_EQ(back.bos_token_id, 1);
    EXPECT_EQ(back.model.n_kv_head, c.spec.Hkv);
    EXPECT_EQ(back.model.rope_scaling_type, c.spec.rope);
    EXPECT_EQ(back.model.tie_embeddings, c.spec.tied);

    HfExportOptions small;
    small.shard_bytes = 3000;
    const std::string many = temp_dir(std::string("outn_") + c.label) + "/export";
    export_hf_model(m, many, small);
    EXPECT_FALSE(fs::exists(many + "/model.safetensors"));
    SafetensorsIndex idx = safetensors_index_read(many + "/model.safetensors.index.json");
    std::set<std::string> shards;
    for (const auto& [t, s] : idx.weight_map) shards.insert(s);
    EXPECT_GT(shards.size(), 2u);
    for (const auto& s : shards) EXPECT_TRUE(fs::exists(many + "/" + s)) << s;
    expect_same_weights(m, load_hf_model(many, "auto", torch::kCPU));
    // Exporting again over an existing directory replaces it (no leftovers from the shards).
    export_hf_model(m, many);
    EXPECT_TRUE(fs::exists(many + "/model.safetensors"));
    EXPECT_FALSE(fs::exists(many + "/model.safetensors.index.json"));
  }
}

TEST(HfCheckpoint, Float32ExportOfBf16AndBackIsExact) {
  Spec s = cases()[3].spec;  // qwen2, bfloat16
  const std::string src = temp_dir("bf16src");
  write_checkpoint(src, s, random_weights(s, 9));
  Transformer m = load_hf_model(src, "bfloat16", torch::kCPU);
  HfExportOptions o;
  o.dtype = "float32";
  const std::string out = temp_dir("bf16out") + "/x";
  export_hf_model(m, out, o);
  EXPECT_EQ(hf_read_config(out).torch_dtype, "float32");
  Transformer back = load_hf_model(out, "bfloat16", torch::kCPU);  // bf16 -> f32 -> bf16 exact
  expect_same_weights(m, back);
}

TEST(HfCheckpoint, NativePresetExportsAsLlama) {
  ModelConfig c;  // the tiny preset's architecture, smaller
  c.vocab_size = ByteTokenizer::kVocab;
  c.n_layer = 2;
  c.d_model = 32;
  c.n_head = 4;
  c.d_ff = 48;
  c.max_seq_len = 64;
  torch::manual_seed(1);
  Transformer m(c);
  const std::string out = temp_dir("native") + "/hf";
  export_hf_model(m, out);
  HfModelInfo info = hf_read_config(out);
  EXPECT_EQ(info.torch_dtype, "float32");
  EXPECT_EQ(info.bos_token_id, ByteTokenizer::kBos);
  ASSERT_EQ(info.eos_token_ids.size(), 1u);
  EXPECT_EQ(info.eos_token_ids[0], ByteTokenizer::kEos);
  std::ifstream in(out + "/config.json");
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["architectures"][0], "LlamaForCausalLM");
  EXPECT_EQ(j["num_key_value_heads"], 4);
  EXPECT_EQ(j["tie_word_embeddings"], true);
  Transformer back = load_hf_model(out, "auto", torch::kCPU);
  expect_same_weights(m, back);
  at::Tensor ids = torch::tensor(kIds, torch::kLong).view({1, -1});
  EXPECT_TRUE(torch::equal(m->forward(ids), back->forward(ids)));
  // The float64 reference agrees with the native model too (it is a Llama).
  Spec s;
  s.V = c.vocab_size;
  s.D = 32;
  s.H = 4;
  s.Hkv = 4;
  s.Dh = 8;
  s.F = 48;
  s.L = 2;
  s.tied = true;
  s.eps = c.norm_eps;
  Weights w;
  for (const auto& item : m->named_parameters()) w.emplace_back(item.key(), item.value().detach().to(at::kDouble));
  EXPECT_LE(rel_err(engine_logits(m), reference_logits(s, w, kIds)), 1e-4);
}

// ---- malformed checkpoints ------------------------------------------------------------------

void expect_load_error(const std::string& dir, std::vector<std::string> fragments) {
  try {
    load_hf_model(dir, "auto", torch::kCPU);
    FAIL() << "no error; expected " << fragments[0];
  } catch (const UserError& e) {
    const std::string m = e.what();
    for (const auto& f : fragments) EXPECT_NE(m.find(f), std::string::npos) << "'" << f << "' not in: " << m;
  }
}

Spec small_spec() {
  Spec s;
  s.L = 1;
  return s;
}

TEST(HfCheckpointErrors, ConfigProblemsNameConfigJsonAndTheKey) {
  Spec s = small_spec();
  Weights w = random_weights(s, 1);
  const std::string dir = temp_dir("bad_arch");
  nlohmann::json cfg = config_json(s);
  cfg["architectures"] = {"GPT2LMHeadModel"};
  write_checkpoint(dir, s, w, &cfg);
  expect_load_error(dir, {"config.json", "'architectures'", "GPT2LMHeadModel"});
  const std::string dir2 = temp_dir("bad_rope");
  cfg = config_json(s);
  cfg["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  write_checkpoint(dir2, s, w, &cfg);
  expect_load_error(dir2, {"config.json", "'rope_scaling.rope_type'", "yarn"});
  const std::string dir3 = temp_dir("no_config");
  expect_load_error(dir3, {"config.json"});
}

TEST(HfCheckpointErrors, MissingWrongShapeAndUnusedTensors) {
  Spec s = small_spec();
  Weights w = random_weights(s, 2);
  // Missing.
  Weights missing;
  for (const auto& kv : w)
    if (kv.first != "model.layers.0.mlp.up_proj.weight") missing.push_back(kv);
  const std::string d1 = temp_dir("missing");
  write_checkpoint(d1, s, missing);
  expect_load_error(d1, {"missing tensor 'model.layers.0.mlp.up_proj.weight'", "model.safetensors"});
  // Wrong shape.
  Weights wrong = w;
  for (auto& kv : wrong)
    if (kv.first == "model.layers.0.self_attn.k_proj.weight") kv.second = torch::zeros({16, 32}, torch::kDouble);
  const std::string d2 = temp_dir("shape");
  write_checkpoint(d2, s, wrong);
  expect_load_error(d2, {"model.safetensors", "'model.layers.0.self_attn.k_proj.weight'", "[16, 32]", "[32, 32]"});
  // Unused (an extra tensor; and lm_head in an untied... no: a bias the config does not declare).
  Weights extra = w;
  extra.emplace_back("model.layers.0.self_attn.o_proj.bias", torch::zeros({32}, torch::kDouble));
  const std::string d3 = temp_dir("extra");
  write_checkpoint(d3, s, extra);
  expect_load_error(d3, {"model.safetensors", "'model.layers.0.self_attn.o_proj.bias'", "not used"});
  // Tied: an lm_head copy equal to the embedding loads; a different one is refused.
  Spec t = small_spec();
  t.tied = true;
  Weights tw = random_weights(t, 3);
  Weights with_head = tw;
  with_head.emplace_back("lm_head.weight", get(tw, "model.embed_tokens.weight").clone());
  const std::string d4 = temp_dir("tied_ok");
  write_checkpoint(d4, t, with_head);
  EXPECT_NO_THROW(load_hf_model(d4, "auto", torch::kCPU));
  with_head.back().second = with_head.back().second + 1.0;
  const std::string d5 = temp_dir("tied_bad");
  write_checkpoint(d5, t, with_head);
  expect_load_error(d5, {"model.safetensors", "'lm_head.weight'", "tie_word_embeddings"});
  // Old conversions' rotary_emb.inv_freq buffers are skipped.
  Weights inv = w;
  inv.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", torch::ones({4}, torch::kDouble));
  const std::string d6 = temp_dir("inv_freq");
  write_checkpoint(d6, s, inv);
  EXPECT_NO_THROW(load_hf_model(d6, "auto", torch::kCPU));
}

// A model.safetensors made of raw bytes: 8-byte LE length (or `len`), header, data.
void write_raw(const std::string& path, const std::string& header, const std::string& data, uint64_t len = ~0ull) {
  const uint64_t n = len == ~0ull ? header.size() : len;
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  write_text(path, s + header + data);
}

TEST(HfCheckpointErrors, FilesThatLieAboutSizes) {
  Spec s = small_spec();
  Weights w = random_weights(s, 4);
  // Truncated: a valid file cut short.
  const std::string d1 = temp_dir("truncated");
  write_checkpoint(d1, s, w);
  const auto size = fs::file_size(d1 + "/model.safetensors");
  fs::resize_file(d1 + "/model.safetensors", size - 10);
  expect_load_error(d1, {"model.safetensors", "'lm_head.weight'", "exceed the data section"});
  // Offsets past the end of the file.
  const std::string d2 = temp_dir("offsets");
  write_text(d2 + "/config.json", config_json(s).dump());
  write_raw(d2 + "/model.safetensors", R"({"model.norm.weight":{"dtype":"F32","shape":[250],"data_offsets":[0,1000]}})",
            std::string(8, '\0'));
  expect_load_error(d2, {"model.safetensors", "'model.norm.weight'", "exceed"});
  // Header length larger than the file.
  const std::string d3 = temp_dir("hlen");
  write_text(d3 + "/config.json", config_json(s).dump());
  write_raw(d3 + "/model.safetensors", "{}", "", 1 << 20);
  expect_load_error(d3, {"model.safetensors", "header length"});
  // Unsupported dtype.
  const std::string d4 = temp_dir("i64");
  write_text(d4 + "/config.json", config_json(s).dump());
  write_raw(d4 + "/model.safetensors", R"({"model.norm.weight":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})",
            std::string(8, '\0'));
  expect_load_error(d4, {"model.safetensors", "'model.norm.weight'", "I64"});
}

TEST(HfCheckpointErrors, ShardsAndIndex) {
  Spec s = small_spec();
  s.shards = 2;
  Weights w = random_weights(s, 5);
  const std::string d1 = temp_dir("shard_missing");
  write_checkpoint(d1, s, w);
  fs::remove(d1 + "/model-00002-of-00002.safetensors");
  expect_load_error(d1, {"model.safetensors.index.json", "model-00002-of-00002.safetensors", "missing"});
  // A shard holding a tensor the index maps elsewhere.
  const std::string d2 = temp_dir("shard_mismatch");
  write_checkpoint(d2, s, w);
  std::ifstream in(d2 + "/model.safetensors.index.json");
  nlohmann::json idx = nlohmann::json::parse(in);
  in.close();
  idx["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors";
  write_text(d2 + "/model.safetensors.index.json", idx.dump());
  expect_load_error(d2, {"'model.norm.weight'", "model-00002-of-00002.safetensors", "index"});
  // No weights at all.
  const std::string d3 = temp_dir("no_weights");
  write_text(d3 + "/config.json", config_json(s).dump());
  expect_load_error(d3, {"no model.safetensors"});
}

TEST(HfCheckpointErrors, ExportFailureLeavesNoDirectory) {
  Spec s = small_spec();
  const std::string src = temp_dir("exp_fail");
  write_checkpoint(src, s, random_weights(s, 6));
  Transformer m = load_hf_model(src, "auto", torch::kCPU);
  HfExportOptions o;
  o.dtype = "int8";
  const std::string out = temp_dir("exp_fail_out") + "/x";
  EXPECT_THROW(export_hf_model(m, out, o), UserError);
  EXPECT_FALSE(fs::exists(out));
  o = HfExportOptions{};
  o.shard_bytes = 0;
  EXPECT_THROW(export_hf_model(m, out, o), UserError);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace swepo
