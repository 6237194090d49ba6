// Answers to a real benchmark's questions from a Hugging Face model directory (`swepo generate`):
// every question rendered with the model's chat template, decoded in batches, stopped at the
// template's end-of-turn token (engine/chat_tokenizer.h: ChatGenerationTokenizer).
//
//   alpaca_eval, arena_hard   one turn: format_prompt(T, [{user, q}])
//   mt_bench                  turn 1 as above; turn 2 after turn 1's answer in the conversation:
//                             format_prompt(T, [{user, q1}, {assistant, a1}, {user, q2}])
//
// Sampling (temperature > 0) draws from one CPU generator seeded by derive_seed(seed, "generate/
// <benchmark>/<decoding label>"), so a (model, questions, decoding, seed) gives the same answers.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/benchmarks/benchmark_files.h"
#include "core/text/chat_template.h"
#include "engine/generate.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

namespace swepo::pipeline {

struct ChatModel {
  Transformer model{nullptr};
  std::unique_ptr<Tokenizer> tok;  // a ChatGenerationTokenizer
  std::string chat_template;       // resolved name
  ChatTokens chat_tokens;
  std::string stop_token;          // the token decoding stops at ("" when none)
  std::string dir;
};

// UserError naming the directory / tokenizer / template at fault.
ChatModel open_chat_model(const std::string& dir, const std::string& chat_template, const std::string& dtype,
                          const std::string& device);

// The answers to `questions` ([Q]); gen.temperature and `seed` pick the decoding. `progress` is
// called after each batch with the number of turns answered so far.
benchmarks::AnswerSet answer_questions(ChatModel& cm, benchmarks::Benchmark b,
                                       const std::vector<benchmarks::Question>& questions,
                                       const GenerationConfig& gen, int seed, const std::string& model_id,
                                       const std::function<void(size_t)>& progress = {});

}  // namespace swepo::pipeline
