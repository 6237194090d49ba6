// `swepo export` end to end through the built binary: a native-preset swepo checkpoint (its model
// from the run's config.yaml) and an HF-based checkpoint (its model from --base, or from the
// config.yaml's model.path) become HF directories whose weights load back bit-identical (sharded
// with an index at a small --shard-size); malformed inputs exit 2 naming the file.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/checkpoint.h"
#include "engine/hf_checkpoint.h"
#include "engine/hf_config.h"
#include "engine/model.h"
#include "tests/engine/test_hf_util.h"

namespace {

namespace fs = std::filesystem;
namespace ht = swepo::hftest;

// The checkpoints and runs this process wrote (ht::temp_dir's root) go when the tests end.
struct RemoveTempDirs : ::testing::Environment {
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path() / ("swepo_hf_" + std::to_string(::getpid())), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kRemoveTempDirs = ::testing::AddGlobalTestEnvironment(new RemoveTempDirs);

struct CliResult {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

CliResult run_export(const std::string& args) {
  static int n = 0;
  const fs::path d = fs::path(ht::temp_dir("export_run_" + std::to_string(n++)));
  const std::string cmd = std::string(SWEPO_EXE) + " export " + args + " > '" + (d / "out.txt").string() +
                          "' 2> '" + (d / "err.txt").string() + "'";
  const int status = std::system(cmd.c_str());
  return {WEXITSTATUS(status), slurp(d / "out.txt"), slurp(d / "err.txt")};
}

// Every parameter of `b` equals `a`'s bit for bit (same names, dtypes, shapes, values).
void expect_bit_identical(const swepo::Transformer& a, const swepo::Transformer& b) {
  const auto pa = a->named_parameters(true), pb = b->named_parameters(true);
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) {
    const at::Tensor* other = pb.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    EXPECT_EQ(other->scalar_type(), item.value().scalar_type()) << item.key();
    EXPECT_TRUE(torch::equal(*other, item.value())) << item.key();
  }
}

int count_shards(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("model-", 0) == 0 && e.path().extension() == ".safetensors") ++n;
  return n;
}

// A base HF model and a "trained" swepo checkpoint of it: the base's weights, each moved by a
// deterministic amount, saved with save_checkpoint under <run>/checkpoint/last.pt.
swepo::Transformer write_trained_checkpoint(const std::string& base, const ht::Spec& s, const std::string& ckpt) {
  ht::write_checkpoint(base, s, ht::random_weights(s, 21));
  swepo::Transformer m = swepo::load_hf_model(base, "auto", torch::kCPU);
  torch::NoGradGuard ng;
  int i = 0;
  for (auto& p : m->parameters()) p.add_(0.125 * (++i));
  swepo::TrainState st;
  st.phase = "pref";
  swepo::save_checkpoint(ckpt, m, nullptr, st);
  return m;
}

}  // namespace

TEST(CmdExport, NativePresetCheckpointFromItsRunConfig) {
  const fs::path run = ht::temp_dir("export_native");
  swepo::ModelConfig c;  // a native preset, byte vocabulary, tied head
  c.n_layer = 2;
  c.d_model = 16;
  c.n_head = 2;
  c.d_ff = 24;
  c.max_seq_len = 32;
  c.vocab_size = 260;
  torch::manual_seed(7);
  swepo::Transformer m(c);
  swepo::TrainState st;
  st.phase = "model";
  const std::string ckpt = (run / "checkpoint" / "last.pt").string();
  swepo::save_checkpoint(ckpt, m, nullptr, st);
  // The run's config.yaml: vocab_size left to the (byte) tokenizer, as the presets do.
  ht::write_text((run / "config.yaml").string(),
                 "seed: 0\nmodel:\n  name: tiny\n  tokenizer: byte\n  n_layer: 2\n  n_head: 2\n  d_model: 16\n"
                 "  d_ff: 24\n  max_seq_len: 32\nloss:\n  name: swepo\n");
  const std::string out = (run / "hf").string();
  const CliResult r = run_export("--checkpoint '" + ckpt + "' --out '" + out + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("model.safetensors"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out + "/generation_config.json"));
  const swepo::HfModelInfo info = swepo::hf_read_config(out);
  EXPECT_EQ(info.torch_dtype, "float32");
  EXPECT_EQ(info.bos_token_id, 256);  // ByteTokenizer's BOS
  EXPECT_EQ(info.model.vocab_size, 260);
  EXPECT_TRUE(info.model.tie_embeddings);
  expect_bit_identical(m, swepo::load_hf_model(out, "auto", torch::kCPU));
}

TEST(CmdExport, HfBaseCheckpointShardedRoundTrip) {
  for (const std::string dtype : {"float32", "bfloat16"}) {
    SCOPED_TRACE(dtype);
    const fs::path run = ht::temp_dir("export_hf_" + dtype);
    const std::string base = (run / "base").string();
    fs::create_directories(base);
    ht::Spec s;  // llama with GQA
    s.Hkv = 2;
    s.dtype = dtype;
    const std::string ckpt = (run / "checkpoint" / "last.pt").string();
    fs::create_directories(run / "checkpoint");
    ht::write_text(base + "/tokenizer.json", R"({"model": {"type": "BPE", "vocab": {}, "merges": []}})");
    ht::write_text(base + "/tokenizer_config.json", R"({"eos_token": "</s>"})");
    const swepo::Transformer trained = write_trained_checkpoint(base, s, ckpt);

    // --base, several shards of at most 10 KB (each layer's matrices are 2-5 KB).
    const std::string out = (run / "hf").string();
    const CliResult r = run_export("--checkpoint '" + ckpt + "' --base '" + base + "' --out '" + out +
                                   "' --shard-size 10KB");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_GT(count_shards(out), 2);
    EXPECT_TRUE(fs::exists(out + "/model.safetensors.index.json"));
    EXPECT_FALSE(fs::exists(out + "/model.safetensors"));
    EXPECT_EQ(slurp(out + "/tokenizer.json"), slurp(base + "/tokenizer.json"));
    EXPECT_EQ(slurp(out + "/tokenizer_config.json"), slurp(base + "/tokenizer_config.json"));
    EXPECT_EQ(swepo::hf_read_config(out).torch_dtype, dtype);
    expect_bit_identical(trained, swepo::load_hf_model(out, "auto", torch::kCPU));

    // The same from the run's config.yaml, whose model.path names the base; one file by default.
    ht::write_text((run / "config.yaml").string(), "model:\n  name: hf\n  tokenizer: hf\n  path: " + base + "\n");
    const std::string out2 = (run / "hf2").string();
    const CliResult r2 = run_export("--checkpoint '" + ckpt + "' --out '" + out2 + "'");
    ASSERT_EQ(r2.code, 0) << r2.err;
    EXPECT_TRUE(fs::exists(out2 + "/model.safetensors"));
    EXPECT_EQ(count_shards(out2), 0);
    expect_bit_identical(trained, swepo::load_hf_model(out2, "auto", torch::kCPU));

    // An HF directory as the checkpoint: re-sharded, bit-identical.
    const std::string out3 = (run / "hf3").string();
    const CliResult r3 = run_export("--checkpoint '" + out + "' --out '" + out3 + "' --shard-size 1000000");
    ASSERT_EQ(r3.code, 0) << r3.err;
    EXPECT_TRUE(fs::exists(out3 + "/model.safetensors"));
    expect_bit_identical(trained, swepo::load_hf_model(out3, "auto", torch::kCPU));
  }
}

TEST(CmdExport, MalformedInputsExit2NamingTheFile) {
  const fs::path run = ht::temp_dir("export_bad");
  const std::string base = (run / "base").string(), other = (run / "other").string();
  fs::create_directories(base);
  fs::create_directories(other);
  ht::Spec s;
  const std::string ckpt = (run / "checkpoint" / "last.pt").string();
  fs::create_directories(run / "checkpoint");
  write_trained_checkpoint(base, s, ckpt);
  const std::string out = (run / "hf").string();

  // A checkpoint that does not exist.
  CliResult r = run_export("--checkpoint '" + (run / "nope.pt").string() + "' --base '" + base + "' --out '" + out + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nope.pt"), std::string::npos) << r.err;

  // A base whose shapes differ from the checkpoint's (hidden size 16 instead of 32).
  ht::Spec small = s;
  small.D = 16;
  ht::write_checkpoint(other, small, ht::random_weights(small, 2));
  r = run_export("--checkpoint '" + ckpt + "' --base '" + other + "' --out '" + out + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(ckpt), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("shape"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));  // nothing written

  // No --base and no config.yaml next to the checkpoint.
  r = run_export("--checkpoint '" + ckpt + "' --out '" + out + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("config.yaml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--base"), std::string::npos) << r.err;

  // A file that is not a checkpoint.
  ht::write_text((run / "junk.pt").string(), "not a checkpoint");
  r = run_export("--checkpoint '" + (run / "junk.pt").string() + "' --base '" + base + "' --out '" + out + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("junk.pt"), std::string::npos) << r.err;

  // A config.yaml with an unknown model key names the file.
  ht::write_text((run / "config.yaml").string(), "model:\n  n_layers: 2\n");
  r = run_export("--checkpoint '" + ckpt + "' --out '" + out + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find((run / "config.yaml").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("n_layers"), std::string::npos) << r.err;

  // A shard size that is not one.
  r = run_export("--checkpoint '" + ckpt + "' --base '" + base + "' --out '" + out + "' --shard-size 5XB");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--shard-size '5XB'"), std::string::npos) << r.err;
}
