#include "experiments/pipeline/run_answers.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include <fmt/format.h>

#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "engine/chat_tokenizer.h"
#include "engine/device.h"
#include "engine/hf_checkpoint.h"
#include "engine/rng.h"

namespace fs = std::filesystem;

namespace swepo::pipeline {

ChatModel open_chat_model(const std::string& dir, const std::string& chat_template, const std::string& dtype,
                          const std::string& device) {
  if (!fs::is_directory(dir)) throw UserError("model directory '" + dir + "' does not exist");
  ChatModel cm;
  cm.dir = dir;
  std::unique_ptr<Tokenizer> base = load_hf_tokenizer(dir);
  ChatTemplateInfo info;
  if (fs::exists(fs::path(dir) / "tokenizer_config.json")) info = read_chat_template_info(dir);
  if (info.tokens.bos.empty() && base->bos_id() >= 0) info.tokens.bos = base->id_to_token(base->bos_id());
  if (info.tokens.eos.empty() && base->eos_id() >= 0) info.tokens.eos = base->id_to_token(base->eos_id());
  cm.chat_template = resolve_chat_template(chat_template, info);
  cm.chat_tokens = info.tokens;
  auto gen = std::make_unique<ChatGenerationTokenizer>(std::move(base), cm.chat_template, cm.chat_tokens);
  if (gen->eos_id() >= 0) cm.stop_token = gen->id_to_token(gen->eos_id());
  cm.tok = std::move(gen);
  cm.model = load_hf_model(dir, dtype, resolve_device(device));
  return cm;
}

namespace {

// The ids of one rendered prompt: the template's text carries its own specials; raw text gets the
// tokenizer's BOS from the row layout (ChatRowTokenizer), so no specials here.
std::vector<int64_t> prompt_ids(const ChatModel& cm, const std::vector<ChatMessage>& conv) {
  if (cm.chat_template == "none") {
    std::string text;
    for (const auto& m : conv) text += (text.empty() ? "" : "\n\n") + m.content;
    return cm.tok->encode(text);
  }
  return cm.tok->encode(format_prompt(cm.chat_template, conv, cm.chat_tokens));
}

// Decodes every conversation once, batched by similar prompt length; fills texts and token counts.
void decode_all(ChatModel& cm, const std::vector<std::vector<ChatMessage>>& convs, const GenerationConfig& gen,
                at::Generator& g, std::vector<std::string>& texts, std::vector<int64_t>& lens,
                const std::function<void(size_t)>& progress, size_t& done) {
  std::vector<std::vector<int64_t>> ids;
  ids.reserve(convs.size());
  for (const auto& c : convs) ids.push_back(prompt_ids(cm, c));
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  texts.assign(ids.size(), "");
  lens.assign(ids.size(), 0);
  const size_t bs = static_cast<size_t>(std::max<int64_t>(gen.batch_size, 1));
  for (size_t i = 0; i < order.size(); i += bs) {
    std::vector<std::vector<int64_t>> batch;
    for (size_t j = i; j < std::min(order.size(), i + bs); ++j) batch.push_back(ids[order[j]]);
    GenerationResult r = generate(cm.model, *cm.tok, batch, gen, g);
    for (size_t j = 0; j < r.tokens.size(); ++j) {
      texts[order[i + j]] = cm.tok->decode(r.tokens[j]);
      lens[order[i + j]] = static_cast<int64_t>(r.tokens[j].size());
    }
    done += batch.size();
    if (progress) progress(done);
  }
}

std::string decoding_tag(double temperature) {
  return temperature == 0.0 ? "greedy" : fmt::format("t={}", temperature);
}

}  // namespace

benchmarks::AnswerSet answer_questions(ChatModel& cm, benchmarks::Benchmark b,
                                       const std::vector<benchmarks::Question>& questions,
                                       const GenerationConfig& gen, int seed, const std::string& model_id,
                                       const std::function<void(size_t)>& progress) {
  torch::NoGradGuard no_grad;
  at::Generator g = make_cpu_generator(
      derive_seed(static_cast<uint64_t>(seed), "generate/" + benchmarks::benchmark_name(b) + "/" +
                                                   decoding_tag(gen.temperature)));
  const size_t Q = questions.size();
  const int turns = benchmarks::benchmark_turns(b);
  benchmarks::AnswerSet a;
  a.model_id = model_id;
  a.questions = questions;
  a.outputs.assign(Q, {});
  a.token_lens.assign(Q, {});
  std::vector<std::vector<ChatMessage>> convs(Q);
  size_t done = 0;
  for (int t = 0; t < turns; ++t) {
    for (size_t q = 0; q < Q; ++q) {
      if (questions[q].turns.size() <= static_cast<size_t>(t))
        throw UserError("question " + questions[q].id_json + " has " + std::to_string(questions[q].turns.size()) +
                        " turn(s); " + benchmarks::benchmark_name(b) + " needs " + std::to_string(turns));
      if (t > 0) convs[q].push_back({"assistant", a.outputs[q].back()});
      convs[q].push_back({"user", questions[q].turns[t]});
    }
    std::vector<std::string> texts;
    std::vector<int64_t> lens;
    decode_all(cm, convs, gen, g, texts, lens, progress, done);
    for (size_t q = 0; q < Q; ++q) {
      a.outputs[q].push_back(texts[q]);
      a.token_lens[q].push_back(lens[q]);
    }
  }
  return a;
}

}  // namespace swepo::pipeline
