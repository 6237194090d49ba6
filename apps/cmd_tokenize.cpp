// swepo tokenize: a Hugging Face tokenizer directory's ids for JSONL text, for researchers checking
// their data (core/text/tokenizer_hf.h: tokenizer.json, or SentencePiece tokenizer.model).
//
//   swepo tokenize --tokenizer DIR [--input FILE|-] [--add-special-tokens] [--chat-template auto|NAME]
// In: one JSON object per line, {"text": "..."} or {"messages": [{"role", "content"}, ...]}.
// Out: one line per input line, {"ids": [...]}:
//   text      encode(text), or with --add-special-tokens the BOS/EOS the tokenizer adds (HF
//             encode(text) with add_special_tokens=True); the chat template is not used;
//   messages  the conversation formatted by --chat-template (core/text/chat_template.h
//             resolve_chat_setup, as swepo score and generate: default auto = detected from
//             DIR/tokenizer_config.json, resolved at the first messages line, so text-only input
//             needs no template; a name needs no tokenizer_config.json) and encoded without adding
//             BOS/EOS (the template writes them, as HF apply_chat_template(tokenize=True) does): the
//             prompt and assistant header when the last turn is not the assistant's, else prompt +
//             response.
// Blank lines are skipped. Every line is converted before anything is written: a line that is not
// a JSON object with a string "text" or a valid "messages" list (or messages when DIR has no chat
// template and none is named) exits 2 naming FILE:LINE, with nothing on stdout.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/text/chat_template.h"
#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "core/util/jsonl.h"
#include "core/util/strings.h"

namespace swepo::cli {

namespace {

std::vector<ChatMessage> read_messages(const nlohmann::json& list, const std::string& where) {
  if (!list.is_array() || list.empty()) throw UserError(where + ": field 'messages' must be a non-empty list");
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& m = list[i];
    const std::string at = where + ": messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw UserError(at + " must be an object {\"role\", \"content\"}");
    auto role = m.find("role"), content = m.find("content");
    if (role == m.end() || !role->is_string()) throw UserError(at + ".role must be a string");
    if (content == m.end() || !content->is_string()) throw UserError(at + ".content must be a string");
    out.push_back({role->get<std::string>(), content->get<std::string>()});
  }
  return out;
}

}  // namespace

int cmd_tokenize(const Args& args) {
  std::string dir, input = "-", chat_template = "auto";
  const std::string template_help = "messages lines: auto (from DIR/tokenizer_config.json) or a template name (" +
                                    join(chat_template_names(), ", ") + "); text lines never use it";
  po::options_description desc(
      "swepo tokenize --tokenizer DIR [--input FILE|-] [--add-special-tokens] [--chat-template auto|NAME]\n"
      "Token ids of JSONL {\"text\": ...} or {\"messages\": [...]} lines (one {\"ids\": [...]} line each, on "
      "stdout)");
  desc.add_options()("help,h", "show this help")(
      "tokenizer", po::value(&dir), "Hugging Face tokenizer directory (tokenizer.json [+ tokenizer_config.json], "
                                    "or tokenizer.model)")(
      "input", po::value(&input)->default_value(input), "JSONL file, or - for stdin")(
      "add-special-tokens", "text lines: add the BOS/EOS the tokenizer adds (HF add_special_tokens=True)")(
      "chat-template", po::value(&chat_template)->default_value(chat_template), template_help.c_str());
  po::variables_map vm;
  if (!cli_parse(args, desc, vm)) return 0;
  if (dir.empty()) throw UserError("--tokenizer is required (see swepo tokenize --help)");
  const bool specials = vm.count("add-special-tokens") > 0;
  const std::unique_ptr<Tokenizer> tok = load_hf_tokenizer(dir);
  // The chat template, resolved at the first messages line.
  std::optional<ChatSetup> chat;

  std::ifstream file;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) throw UserError(input + ": cannot be read");
  }
  std::istream& in = input == "-" ? std::cin : file;
  const std::string origin = input == "-" ? "<stdin>" : input;
  std::string out;  // every line's output, written once the whole input converted
  for_each_jsonl_line(in, origin, [&](const nlohmann::json& j, const std::string& where) {
    auto text = j.find("text");
    auto messages = j.find("messages");
    std::vector<int64_t> ids;
    try {
      if (text != j.end()) {
        if (!text->is_string()) throw UserError("field 'text' must be a string");
        ids = specials ? tok->encode_with_specials(text->get<std::string>()) : tok->encode(text->get<std::string>());
      } else if (messages != j.end()) {
        const auto conv = read_messages(*messages, where);
        if (!chat) chat = resolve_chat_setup(dir, chat_template, *tok, kChatTemplateFlag);
        std::string formatted;
        if (conv.back().role == "assistant") {
          const ChatPair pair = format_last_turn(chat->name, conv, chat->tokens);
          formatted = pair.prompt + pair.response;
        } else {
          formatted = format_prompt(chat->name, conv, chat->tokens);
        }
        ids = tok->encode(formatted);
      } else {
        throw UserError("missing field 'text' (or 'messages')");
      }
    } catch (const UserError& e) {
      const std::string msg = e.what();
      throw UserError(msg.rfind(where, 0) == 0 ? msg : where + ": " + msg);
    }
    out += nlohmann::json{{"ids", ids}}.dump();
    out += "\n";
  });
  std::cout << out;
  std::cout.flush();
  return 0;
}

}  // namespace swepo::cli
