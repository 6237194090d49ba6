// swepo score: log-probabilities of responses under a Hugging Face model directory, the interface
// researchers (and tests) drive.
//
//   swepo score --model DIR [--input FILE|-] [--device auto|cpu|cuda[:N]] [--dtype auto|float32|bfloat16]
//               [--batch-size N] [--chat-template auto|NAME] [--max-length N]
// In: one JSON object per line (blank lines are skipped), either
//   {"prompt_ids": [...], "response_ids": [[...], ...]}  ids used exactly as given (no BOS, template
//                                                         or EOS added), or
//   {"prompt": "...", "responses": ["...", ...]}          text through DIR's tokenizer and chat template
//                                                         (see kTextHelp below).
// Out: one line per input line, in order: {"logps": [...], "lengths": [...]}: per response, the sum
// of log p(token | everything before it) over its tokens and their count (with ids input,
// lengths[k] == len(response_ids[k])).
//
// A row is prompt + response (engine/collate.h with every special id absent): exactly the response
// tokens are scored. --batch-size groups go through one forward of the shared-prompt layout
// (engine/pack.h: each prompt once, the output head only at scored positions); token log-probs are
// log_softmax in float32 (engine/logprobs.h) of a forward in the model dtype, summed in float64.
// Nothing is truncated: a row longer than --max-length (default: the model's
// max_position_embeddings, or its sliding window when smaller) is an error.
// Errors (not JSON, a missing field, an id outside [0, vocab), an empty prompt or response, a row
// too long) exit 2 naming FILE:LINE; the lines before it have been written.
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/text/chat_template.h"
#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "engine/device.h"
#include "engine/hf_checkpoint.h"
#include "engine/logprobs.h"
#include "engine/model.h"
#include "engine/pack.h"

namespace swepo::cli {

namespace {

const char* kTextHelp =
    "Text input ({\"prompt\", \"responses\"}) is tokenized with DIR's tokenizer, prompt and response\n"
    "separately (as TRL does):\n"
    "  a chat template T (--chat-template auto: detected from DIR/tokenizer_config.json; a name needs\n"
    "  no tokenizer_config.json, whose bos/eos tokens are used when it is there):\n"
    "    prompt ids   = encode(format_prompt(T, [{user, prompt}]))   (the template's own BOS, no extra specials)\n"
    "    response ids = encode(format_response(T, [{user, prompt}], response))   (ends with the end-of-turn token)\n"
    "  --chat-template none (raw text):\n"
    "    prompt ids   = the tokenizer's encode with special tokens (its BOS, if it adds one), a trailing\n"
    "                   EOS removed\n"
    "    response ids = encode(response) followed by the EOS id when the tokenizer has one\n"
    "Ids input ({\"prompt_ids\", \"response_ids\"}) is used exactly as given.\n"
    "Output: {\"logps\": [...], \"lengths\": [...]} per line: sum of log p(token | everything before)\n"
    "over each response's tokens (float32 log_softmax of the model-dtype forward, summed in float64),\n"
    "and the number of those tokens. Nothing is truncated: a longer row exits 2 naming the line.\n";

// One validated input line.
struct ScoreLine {
  std::string where;
  TokenizedGroup group;
};

std::vector<int64_t> read_ids(const nlohmann::json& v, const std::string& what, int64_t vocab) {
  if (!v.is_array()) throw UserError(what + " must be a list of token ids");
  std::vector<int64_t> ids;
  ids.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const auto& x = v[i];
    if (!x.is_number_integer())
      throw UserError(what + "[" + std::to_string(i) + "] must be an integer token id, got " + x.dump());
    const bool outside = x.is_number_unsigned() ? x.get<uint64_t>() >= static_cast<uint64_t>(vocab)
                                                : (x.get<int64_t>() < 0 || x.get<int64_t>() >= vocab);
    if (outside)
      throw UserError(what + "[" + std::to_string(i) + "] = " + x.dump() + " is outside the model's vocabulary [0, " +
                      std::to_string(vocab) + ")");
    ids.push_back(x.get<int64_t>());
  }
  return ids;
}

void check_vocab(const std::vector<int64_t>& ids, const std::string& what, int64_t vocab) {
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= vocab)
      throw UserError(what + " token " + std::to_string(i) + " has id " + std::to_string(ids[i]) +
                      ", outside the model's vocabulary [0, " + std::to_string(vocab) + ")");
}

// The tokenizer and chat template of the model directory, loaded at the first text line.
class TextEncoder {
 public:
  TextEncoder(std::string dir, std::string setting) : dir_(std::move(dir)), setting_(std::move(setting)) {}

  // (prompt ids, response ids) of one text group.
  std::pair<std::vector<int64_t>, std::vector<std::vector<int64_t>>> encode(
      const std::string& prompt, const std::vector<std::string>& responses) {
    init();
    std::pair<std::vector<int64_t>, std::vector<std::vector<int64_t>>> out;
    const int64_t eos = tok_->eos_id();
    if (template_ == "none") {
      out.first = tok_->encode_with_specials(prompt);
      if (eos >= 0 && !out.first.empty() && out.first.back() == eos) out.first.pop_back();
      for (const auto& r : responses) {
        std::vector<int64_t> ids = tok_->encode(r);
        if (eos >= 0) ids.push_back(eos);
        out.second.push_back(std::move(ids));
      }
      return out;
    }
    const std::vector<ChatMessage> conv = {{"user", prompt}};
    out.first = tok_->encode(format_prompt(template_, conv, tokens_));
    for (const auto& r : responses) out.second.push_back(tok_->encode(format_response(template_, conv, r, tokens_)));
    return out;
  }

 private:
  void init() {
    if (tok_) return;
    tok_ = load_hf_tokenizer(dir_);
    const ChatSetup chat = resolve_chat_setup(dir_, setting_, *tok_, kChatTemplateFlag);
    template_ = chat.name;
    tokens_ = chat.tokens;
  }

  std::string dir_, setting_, template_;
  std::unique_ptr<Tokenizer> tok_;
  ChatTokens tokens_;
};

// Parses and checks one line (errors without the FILE:LINE prefix; the caller adds it).
TokenizedGroup parse_line(const std::string& line, int64_t vocab, int64_t max_length, TextEncoder& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) throw UserError("expected a JSON object");
  TokenizedGroup g;
  const bool ids_in = j.contains("prompt_ids") || j.contains("response_ids");
  const bool text_in = j.contains("prompt") || j.contains("responses");
  if (ids_in && text_in)
    throw UserError("give either {\"prompt_ids\", \"response_ids\"} or {\"prompt\", \"responses\"}, not both");
  if (ids_in) {
    if (!j.contains("prompt_ids")) throw UserError("missing field 'prompt_ids'");
    if (!j.contains("response_ids")) throw UserError("missing field 'response_ids'");
    g.prompt = read_ids(j["prompt_ids"], "prompt_ids", vocab);
    const auto& rs = j["response_ids"];
    if (!rs.is_array()) throw UserError("field 'response_ids' must be a list of lists of token ids");
    for (size_t k = 0; k < rs.size(); ++k)
      g.responses.push_back(read_ids(rs[k], "response_ids[" + std::to_string(k) + "]", vocab));
  } else if (text_in) {
    if (!j.contains("prompt")) throw UserError("missing field 'prompt'");
    if (!j.contains("responses")) throw UserError("missing field 'responses'");
    if (!j["prompt"].is_string()) throw UserError("field 'prompt' must be a string");
    const auto& rs = j["responses"];
    if (!rs.is_array()) throw UserError("field 'responses' must be a list of strings");
    std::vector<std::string> responses;
    for (size_t k = 0; k < rs.size(); ++k) {
      if (!rs[k].is_string()) throw UserError("responses[" + std::to_string(k) + "] must be a string");
      responses.push_back(rs[k].get<std::string>());
    }
    auto [p, r] = text.encode(j["prompt"].get<std::string>(), responses);
    g.prompt = std::move(p);
    g.responses = std::move(r);
    check_vocab(g.prompt, "the prompt's", vocab);
    for (size_t k = 0; k < g.responses.size(); ++k)
      check_vocab(g.responses[k], "responses[" + std::to_string(k) + "]'s", vocab);
  } else {
    throw UserError("missing field 'prompt_ids' (or 'prompt')");
  }
  const char* pf = ids_in ? "prompt_ids" : "prompt";
  const char* rf = ids_in ? "response_ids" : "responses";
  if (g.prompt.empty())
    throw UserError(std::string(pf) + " is empty: the first response token would have no context");
  if (g.responses.empty()) throw UserError(std::string(rf) + " is empty: nothing to score");
  const int64_t P = static_cast<int64_t>(g.prompt.size());
  for (size_t k = 0; k < g.responses.size(); ++k) {
    const int64_t R = static_cast<int64_t>(g.responses[k].size());
    if (R == 0) throw UserError(std::string(rf) + "[" + std::to_string(k) + "] is empty: nothing to score");
    if (P + R > max_length)
      throw UserError(std::string(rf) + "[" + std::to_string(k) + "]: prompt (" + std::to_string(P) +
                      " tokens) + response (" + std::to_string(R) + " tokens) = " + std::to_string(P + R) +
                      " tokens exceeds the longest row, " + std::to_string(max_length) +
                      " (--max-length; nothing is truncated)");
  }
  g.scores.assign(g.responses.size(), 0.0);
  return g;
}

// Scores `lines` in one forward and writes their output lines.
void score_batch(Transformer& model, const std::vector<ScoreLine>& lines, const SpecialIds& ids,
                 const TruncationConfig& trunc, std::ostream& out) {
  if (lines.empty()) return;
  std::vector<TokenizedGroup> groups;
  for (const auto& l : lines) groups.push_back(l.group);
  const PackedBatch batch = pack_groups(groups, ids, trunc);
  if (batch.truncated_prompts != 0 || batch.truncated_responses != 0)
    throw std::logic_error("swepo score: a row was truncated despite the length checks");
  torch::NoGradGuard no_grad;
  at::Tensor lp;  // [M] float64: log p of every scored token
  try {
    lp = scored_logps(model, batch).to(torch::kCPU, at::kDouble);
  } catch (const UserError& e) {
    const std::string span = lines.size() == 1 ? lines.front().where : lines.front().where + " to " + lines.back().where;
    throw UserError(span + ": " + e.what());
  }
  const at::Tensor sums = torch::zeros({batch.B * batch.K}, lp.options())
                              .index_add(0, batch.score_slot, lp);  // [B*K] float64
  auto s = sums.accessor<double, 1>();
  auto len = batch.lengths.accessor<int64_t, 2>();  // [B, K]
  for (int64_t b = 0; b < batch.B; ++b) {
    nlohmann::json logps = nlohmann::json::array(), lengths = nlohmann::json::array();
    const int64_t Kb = static_cast<int64_t>(groups[static_cast<size_t>(b)].responses.size());
    for (int64_t k = 0; k < Kb; ++k) {
      logps.push_back(s[b * batch.K + k]);
      lengths.push_back(len[b][k]);
    }
    out << nlohmann::json{{"logps", logps}, {"lengths", lengths}}.dump() << "\n";
  }
  out.flush();
}

}  // namespace

int cmd_score(const Args& args) {
  std::string dir, input = "-", device = "auto", dtype = "auto", chat_template = "auto";
  int64_t batch_size = 8, max_length = 0;
  po::options_description desc(
      "swepo score --model DIR [--input FILE|-] [options]\n"
      "Log-probabilities of responses under a Hugging Face model: JSONL groups in, one\n"
      "{\"logps\": [...], \"lengths\": [...]} line per input line out (stdout)");
  desc.add_options()("help,h", "show this help")(
      "model", po::value(&dir), "Hugging Face model directory (config.json + safetensors; tokenizer files for text input)")(
      "input", po::value(&input)->default_value(input), "JSONL file, or - for stdin")(
      "device", po::value(&device)->default_value(device), "auto | cpu | cuda | cuda:N")(
      "dtype", po::value(&dtype)->default_value(dtype), "auto (config.json's torch_dtype) | float32 | bfloat16")(
      "batch-size", po::value(&batch_size)->default_value(batch_size), "input lines (groups) per forward pass")(
      "chat-template", po::value(&chat_template)->default_value(chat_template),
      "text input: auto (from DIR/tokenizer_config.json) or a template name (none, chatml, qwen3, llama3, "
      "llama2, mistral, zephyr)")(
      "max-length", po::value(&max_length)->default_value(max_length),
      "longest row (prompt + response tokens); 0 = the model's max_position_embeddings (its sliding "
      "window when smaller). Longer rows are errors, never cut");
  po::variables_map vm;
  if (!cli_parse(args, desc, vm, nullptr, "", kTextHelp)) return 0;
  if (dir.empty()) throw UserError("--model is required (see swepo score --help)");
  if (batch_size < 1) throw UserError("--batch-size must be >= 1, got " + std::to_string(batch_size));
  if (dtype != "auto" && dtype != "float32" && dtype != "bfloat16")
    throw UserError("--dtype must be auto, float32 or bfloat16, got '" + dtype + "'");
  if (max_length < 0) throw UserError("--max-length must be >= 0, got " + std::to_string(max_length));

  std::ifstream file;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) throw UserError(input + ": cannot be read");
  }
  const c10::Device dev = resolve_device(device);
  Transformer model = load_hf_model(dir, dtype, dev);
  freeze_model(model);  // eval mode, no gradients
  const ModelConfig& mc = model->config();
  const int64_t vocab = mc.vocab_size;
  int64_t limit = mc.max_seq_len;
  if (mc.sliding_window > 0) limit = std::min(limit, mc.sliding_window);
  if (max_length > limit)
    throw UserError("--max-length " + std::to_string(max_length) + " exceeds the model's limit of " +
                    std::to_string(limit) + " tokens (" + dir + "/config.json max_position_embeddings" +
                    (mc.sliding_window > 0 ? " / sliding_window)" : ")"));
  if (max_length == 0) max_length = limit;
  if (max_length < 2) throw UserError("--max-length must be >= 2 (a prompt token and a response token)");

  TextEncoder text(dir, chat_template);
  // Rows are prompt + response (no BOS/SEP/EOS added). The packed layout has no pad tokens (its
  // padding is masked index entries), so PAD only has to be a valid id: 0.
  const SpecialIds ids{-1, -1, -1, 0};
  // Limits under which make_row cuts nothing: every row was checked to be <= max_length above.
  TruncationConfig trunc;
  trunc.max_prompt_tokens = max_length;
  trunc.max_total_tokens = max_length + 3;

  std::istream& in = input == "-" ? std::cin : file;
  const std::string origin = input == "-" ? "<stdin>" : input;
  std::vector<ScoreLine> pending;
  std::string line;
  for (int64_t lineno = 1; std::getline(in, line); ++lineno) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = origin + ":" + std::to_string(lineno);
    TokenizedGroup g;
    try {
      g = parse_line(line, vocab, max_length, text);
    } catch (const UserError& e) {
      score_batch(model, pending, ids, trunc, std::cout);  // the lines before it are written
      const std::string msg = e.what();
      throw UserError(msg.rfind(where, 0) == 0 ? msg : where + ": " + msg);
    }
    pending.push_back({where, std::move(g)});
    if (static_cast<int64_t>(pending.size()) == batch_size) {
      score_batch(model, pending, ids, trunc, std::cout);
      pending.clear();
    }
  }
  score_batch(model, pending, ids, trunc, std::cout);
  return 0;
}

}  // namespace swepo::cli
