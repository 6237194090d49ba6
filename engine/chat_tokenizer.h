// The tokenizer a chat model's rows are built with: a Hugging Face tokenizer (core/text) whose
// text a chat template (core/text/chat_template.h) has already rendered, so the row layout of
// engine/collate.h adds no special token of its own:
//
//   template != none   bos, sep, eos = -1: the prompt text holds BOS and the assistant header, a
//                      response's text ends with the end-of-turn token (<|im_end|>, <|eot_id|>,
//                      </s>): row = prompt response, exactly the response tokens are scored.
//   template == none   raw text: BOS when the tokenizer adds one (encode_with_specials), no SEP,
//                      the tokenizer's EOS after the response.
// PAD is the tokenizer's, else EOS, else 0 (padding is never scored). Tensor-free.
#pragma once
#include <memory>
#include <string>

#include "core/text/chat_template.h"
#include "core/text/tokenizer.h"

namespace swepo {

class ChatRowTokenizer final : public Tokenizer {
 public:
  ChatRowTokenizer(std::unique_ptr<Tokenizer> base, std::string chat_template);
  std::vector<int64_t> encode(const std::string& text) const override { return base_->encode(text); }
  std::vector<int64_t> encode_with_specials(const std::string& text) const override {
    return base_->encode_with_specials(text);
  }
  std::string decode(const std::vector<int64_t>& ids) const override { return base_->decode(ids); }
  int64_t vocab_size() const override { return base_->vocab_size(); }
  int64_t bos_id() const override { return bos_; }
  int64_t eos_id() const override { return eos_; }
  int64_t pad_id() const override { return pad_; }
  int64_t sep_id() const override { return -1; }
  std::string name() const override { return base_->name(); }
  std::string fingerprint() const override { return base_->fingerprint() + "|chat:" + template_; }
  std::optional<int64_t> token_to_id(const std::string& t) const override { return base_->token_to_id(t); }
  std::string id_to_token(int64_t id) const override { return base_->id_to_token(id); }
  bool is_special_id(int64_t id) const override { return base_->is_special_id(id); }

  const Tokenizer& base() const { return *base_; }
  const std::string& chat_template() const { return template_; }

 private:
  std::unique_ptr<Tokenizer> base_;
  std::string template_;
  int64_t bos_ = -1, eos_ = -1, pad_ = 0;
};

// Generation with a chat model (`swepo generate`): the rows of ChatRowTokenizer, but decoding
// stops at the template's end-of-turn token, the first special token of
// format_response(template, [{user, "x"}], "") (<|im_end|>, <|eot_id|>, </s>); with template none,
// at the tokenizer's EOS. UserError when the template's end of turn holds no special token.
class ChatGenerationTokenizer final : public Tokenizer {
 public:
  ChatGenerationTokenizer(std::unique_ptr<Tokenizer> base, const std::string& chat_template,
                          const ChatTokens& tokens);
  std::vector<int64_t> encode(const std::string& text) const override { return rows_.encode(text); }
  std::string decode(const std::vector<int64_t>& ids) const override { return rows_.decode(ids); }
  int64_t vocab_size() const override { return rows_.vocab_size(); }
  int64_t bos_id() const override { return rows_.bos_id(); }
  int64_t eos_id() const override { return stop_; }
  int64_t pad_id() const override { return rows_.pad_id(); }
  int64_t sep_id() const override { return -1; }
  std::string name() const override { return rows_.name(); }
  std::string fingerprint() const override { return rows_.fingerprint() + "|stop:" + std::to_string(stop_); }
  std::optional<int64_t> token_to_id(const std::string& t) const override { return rows_.token_to_id(t); }
  std::string id_to_token(int64_t id) const override { return rows_.id_to_token(id); }
  bool is_special_id(int64_t id) const override { return rows_.is_special_id(id); }

  const ChatRowTokenizer& rows() const { return rows_; }

 private:
  ChatRowTokenizer rows_;
  int64_t stop_ = -1;
};

}  // namespace swepo
