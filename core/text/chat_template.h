// Chat templates without a Jinja engine: the known templates, written out in C++.
//
// A model is trained on conversations rendered by its tokenizer_config.json `chat_template` (Jinja,
// rendered by Hugging Face's apply_chat_template). swepo does not run Jinja: it recognises which known
// template a tokenizer ships (detect_chat_template) and formats with that template's C++ twin.
//
//   prompt   = format_prompt(name, messages)       apply_chat_template(messages, add_generation_prompt=True)
//   response = format_response(name, messages, a)  what follows the prompt when the assistant answers `a`
//   prompt + response == apply_chat_template(messages + [{assistant, a}])   (exceptions below)
//
// Templates (strings exact; `content` is the message text, BOS/EOS the tokenizer's strings):
//   none     raw text: prompt = the messages' contents concatenated as-is, nothing between them;
//            response = the answer as-is. No BOS/EOS (the tokenizer adds its own, if any).
//   chatml   <|im_start|>ROLE\nCONTENT<|im_end|>\n per message; prompt ends <|im_start|>assistant\n;
//            response = A<|im_end|>\n
//   qwen3    Qwen3's template: chatml, but a final answer is written with its thinking block,
//            response = <think>\nREASONING\n</think>\n\nA<|im_end|>\n (REASONING empty unless A holds
//            <think>..</think>); earlier assistant turns lose their <think> part.
//   llama3   BOS<|start_header_id|>ROLE<|end_header_id|>\n\nTRIM(CONTENT)<|eot_id|>...; prompt ends
//            <|start_header_id|>assistant<|end_header_id|>\n\n; response = TRIM(A)<|eot_id|>.
//            (The @lenml llama3 package's template appends the assistant header unconditionally, so
//            its full conversation string is prompt + response + that header; the header after the
//            final <|eot_id|> is not part of the answer and is left out of the response.)
//   llama2   Llama-2-chat: BOS[INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nUSER [/INST] per user turn (the
//            <<SYS>> part only in the first, STRIP of the whole), response = " " STRIP(A) " " EOS.
//            Roles must alternate user/assistant after an optional first system message.
//   mistral  Mistral-7B-Instruct-v0.1: BOS then [INST] USER [/INST] per user turn, response = A EOS.
//            No system message; roles must alternate user/assistant.
//   zephyr   <|ROLE|>\nCONTENT EOS\n per message; prompt ends <|assistant|>\n; response = A EOS\n.
// TRIM/STRIP remove leading and trailing whitespace as Python's str.strip() does.
// Every template here renders a conversation as its prompt followed by the answer's response
// (prefix-consistent), so format_response is the difference of the two renderings.
// The named templates put BOS into the string where the template does: tokenize a prompt without
// adding special tokens again (HF tokenizes apply_chat_template's output that way).
#pragma once
#include <string>
#include <vector>

#include "core/text/tokenizer.h"

namespace swepo {

struct ChatMessage {
  std::string role;     // "system" | "user" | "assistant"
  std::string content;
};

struct ChatTokens {
  std::string bos, eos;  // the tokenizer's bos_token / eos_token strings ("" when it has none)
};

// What a tokenizer directory says about chat formatting.
struct ChatTemplateInfo {
  std::string jinja;   // tokenizer_config.json's chat_template ("" when absent)
  ChatTokens tokens;   // its bos_token / eos_token
  std::string source;  // the file the template came from (or was looked for in), for error messages
  bool found = true;   // false: DIR has neither tokenizer_config.json nor chat_template.jinja
};

// The template names, in a fixed order: none, chatml, qwen3, llama3, llama2, mistral, zephyr.
std::vector<std::string> chat_template_names();

// Reads DIR/tokenizer_config.json: chat_template (a string, or a list of {name, template} of which
// "default" is used; when absent, DIR/chat_template.jinja if present) and bos_token / eos_token (a
// string or {"content": ...}). Throws UserError naming the file on a missing file, bad JSON or a bad
// field.
ChatTemplateInfo read_chat_template_info(const std::string& dir);
// The same, but a missing tokenizer_config.json is not an error: then the template is
// DIR/chat_template.jinja when present, else there is none (found = false); the tokens are empty and
// source names DIR/tokenizer_config.json, the file auto detection looked in.
ChatTemplateInfo read_chat_template_info_if_present(const std::string& dir);

// How the command in use sets the template, for the hints in its errors: the run config's key
// (swepo run: "set model.chat_template=NAME") or a command's flag (swepo score, tokenize, generate:
// "pass --chat-template NAME").
inline constexpr const char* kChatTemplateKey = "model.chat_template";
inline constexpr const char* kChatTemplateFlag = "--chat-template";

// The known template `jinja` is (compared after normalising whitespace, whitespace control and quote
// style, so reformatted copies match). Throws UserError naming `file_for_errors`'s chat_template key,
// listing the names and saying to set `setting` (kChatTemplateKey or kChatTemplateFlag) when it is
// empty or unknown.
std::string detect_chat_template(const std::string& jinja, const std::string& file_for_errors,
                                 const std::string& setting = kChatTemplateKey);

// A chat template setting's value -> a template name: "auto" detects from `info` (an error naming
// info.source when the directory has no template), a name is checked (did-you-mean). `setting` as above.
std::string resolve_chat_template(const std::string& value, const ChatTemplateInfo& info,
                                  const std::string& setting = kChatTemplateKey);

// What a command formats chat text with for the tokenizer directory DIR, loaded as `tok`:
//   value auto   the template detected from DIR/tokenizer_config.json (or chat_template.jinja); a
//                directory without one is an error naming DIR/tokenizer_config.json and `setting`
//   value NAME   that template; tokenizer_config.json is optional (read when present, for its tokens)
// tokens: tokenizer_config.json's bos_token / eos_token, else the strings of tok's BOS / EOS ids.
// swepo run, score, tokenize and generate resolve their template this one way.
struct ChatSetup {
  std::string name;   // a template name (chat_template_names())
  ChatTokens tokens;
};
ChatSetup resolve_chat_setup(const std::string& dir, const std::string& value, const Tokenizer& tok,
                             const std::string& setting);

// The conversation (ending with a user turn) followed by the assistant header. Throws UserError on an
// unknown name, a bad role, a conversation not ending with a user turn or one the template rejects,
// naming the message index.
std::string format_prompt(const std::string& name, const std::vector<ChatMessage>& messages,
                          const ChatTokens& t);

// What follows format_prompt(name, messages, t) when the assistant answers `content`.
std::string format_response(const std::string& name, const std::vector<ChatMessage>& messages,
                            const std::string& content, const ChatTokens& t);

// SFT data ({"messages": [...]} records): the prompt and response for the LAST assistant turn, the
// earlier turns being part of the prompt. `conversation` must end with an assistant message.
struct ChatPair {
  std::string prompt, response;
};
ChatPair format_last_turn(const std::string& name, const std::vector<ChatMessage>& conversation,
                          const ChatTokens& t);

}  // namespace swepo
