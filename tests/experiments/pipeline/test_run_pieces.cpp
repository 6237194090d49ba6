// The pipeline's pieces in-process: SFT data from JSONL records, decoding labels, eval rows for the
// store, the store metric sink, and batched decoding preserving prompt order.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "engine/rng.h"
#include "core/store/store_run.h"
#include "experiments/pipeline/run_data.h"
#include "experiments/pipeline/run_eval.h"
#include "experiments/pipeline/run_store.h"

namespace swepo::pipeline {
namespace {

std::string scratch(const std::string& name) {
  auto d = std::filesystem::path(SWEPO_BINARY_DIR) /
           ("test_pipeline_tmp_" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(RunData, SftUsesFirstBestScoredResponse) {
  std::vector<PreferenceRecord> recs = {
      {"p0", {"a", "b", "c"}, {3, 7, 7}},  // tie 7/7: the first (b)
      {"p1", {"x", "y"}, {9, 1}},          // x
      {"p2", {}, {}},                      // no response: skipped
  };
  auto sft = sft_from_best_responses(recs);
  ASSERT_EQ(sft.size(), 2u);
  EXPECT_EQ(sft[0].prompt, "p0");
  EXPECT_EQ(sft[0].response, "b");
  EXPECT_EQ(sft[1].response, "x");
}

TEST(RunEval, DecodingLabels) {
  EXPECT_EQ(decoding_label(0.0), "greedy");
  EXPECT_EQ(decoding_label(0.5), "t=0.5");
  EXPECT_EQ(decoding_label(0.2, 1), "t=0.2,seed=1");
  EXPECT_EQ(decoding_label(0.0, 0), "greedy,seed=0");
}

TEST(RunEval, RowsCarryStderrAndPromptCounts) {
  RunConfig cfg;
  cfg.eval.max_prompts = 3;
  synth::SynthData data;
  data.alpaca.items.resize(5);  // min(5, max_prompts 3) = 3 prompts
  data.arena.items.resize(2);   // min(2, 3) = 2
  data.mtbench.resize(4);
  // Two seeds at t=0.5: WR 40 and 50 -> per-temperature mean 45 -> average 45.
  synth::EvalReport rep = synth::aggregate_runs(
      {{0.5, 0, {{"alpaca/wr", 40.0}, {"alpaca/wr_se", 2.0}, {"arena/wr", 10.0}}},
       {0.5, 1, {{"alpaca/wr", 50.0}, {"alpaca/wr_se", 4.0}, {"arena/wr", 20.0}}}});
  auto rows = eval_rows(rep, cfg, data);
  // 2 runs + 1 temperature + 1 average, 2 metrics each (wr_se folds into wr's stderr).
  ASSERT_EQ(rows.size(), 8u);
  auto find = [&](const std::string& suite, const std::string& metric, const std::string& dec) {
    for (const auto& r : rows)
      if (r.suite == suite && r.metric == metric && r.decoding == dec) return r;
    ADD_FAILURE() << suite << "/" << metric << " @ " << dec;
    return EvalRow{};
  };
  EvalRow a = find("alpaca", "wr", "t=0.5,seed=1");
  EXPECT_DOUBLE_EQ(a.value, 50.0);
  EXPECT_DOUBLE_EQ(a.stderr_.value(), 4.0);
  EXPECT_EQ(a.n.value(), 3);
  EvalRow t = find("alpaca", "wr", "t=0.5");
  EXPECT_DOUBLE_EQ(t.value, 45.0);           // (40 + 50) / 2
  EXPECT_DOUBLE_EQ(t.stderr_.value(), 3.0);  // (2 + 4) / 2
  EXPECT_DOUBLE_EQ(find("arena", "wr", "avg").value, 15.0);  // (10 + 20) / 2
  EXPECT_EQ(find("arena", "wr", "avg").n.value(), 2);
  EXPECT_FALSE(find("arena", "wr", "avg").stderr_.has_value());
}

TEST(RunStore, SinkPrefixesPhaseAndFlushes) {
  const std::string dir = scratch("sink");
  Store store(dir + "/t.db");
  RunSpec spec;
  spec.config_yaml = "seed: 0\n";
  spec.config_hash = "h";
  const int64_t id = run_register(store, spec);
  {
    StoreMetricSink sink(store, id);
    sink.begin(2, "sft");
    sink.log(1, {{"loss", 2.5}});
    sink.end();
    sink.begin(2, "pref");
    sink.log(1, {{"loss", 0.7}});
    sink.log(2, {{"loss", 0.6}});
    sink.end();
  }
  auto sft = store.run_metric_history(id, "sft/loss");
  ASSERT_EQ(sft.size(), 1u);
  EXPECT_DOUBLE_EQ(sft[0].second, 2.5);
  auto pref = store.run_metric_history(id, "pref/loss");
  ASSERT_EQ(pref.size(), 2u);
  EXPECT_EQ(pref[1].first, 2);
  EXPECT_DOUBLE_EQ(pref[1].second, 0.6);
}

TEST(RunEval, BatchedGreedyDecodingKeepsPromptOrder) {
  ModelConfig mc;
  mc.vocab_size = 260;
  mc.n_layer = 1;
  mc.n_head = 2;
  mc.d_model = 16;
  mc.d_ff = 32;
  mc.max_seq_len = 48;
  seed_model_init(1);
  Transformer model(mc);
  ByteTokenizer tok;
  const std::vector<std::string> prompts = {"sort: abcdefghij", "reverse: ab", "upper: xyz12", "count: q",
                                            "dedup: aabbccdd"};
  GenerationConfig g;
  g.max_new_tokens = 6;
  auto gen = make_cpu_generator(0);
  std::vector<std::string> one_by_one;
  for (const auto& p : prompts) {
    g.batch_size = 1;
    one_by_one.push_back(respond_batched(model, tok, {p}, g, 0.0, gen)[0]);
  }
  g.batch_size = 2;  // sorted by length, three batches, then put back in order
  EXPECT_EQ(respond_batched(model, tok, prompts, g, 0.0, gen), one_by_one);
}

}  // namespace
}  // namespace swepo::pipeline
