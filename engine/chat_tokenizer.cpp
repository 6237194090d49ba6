#include "engine/chat_tokenizer.h"

#include <algorithm>
#include <utility>

#include "core/util/error.h"

namespace swepo {

ChatRowTokenizer::ChatRowTokenizer(std::unique_ptr<Tokenizer> base, std::string chat_template)
    : base_(std::move(base)), template_(std::move(chat_template)) {
  if (template_ == "none") {
    const auto with = base_->encode_with_specials("");
    if (base_->bos_id() >= 0 && !with.empty() && with.front() == base_->bos_id()) bos_ = base_->bos_id();
    eos_ = base_->eos_id();
  }
  pad_ = base_->pad_id() >= 0 ? base_->pad_id() : std::max<int64_t>(base_->eos_id(), 0);
}

ChatGenerationTokenizer::ChatGenerationTokenizer(std::unique_ptr<Tokenizer> base, const std::string& chat_template,
                                                 const ChatTokens& tokens)
    : rows_(std::move(base), chat_template) {
  if (chat_template == "none") {
    stop_ = rows_.base().eos_id();
    return;
  }
  const std::vector<ChatMessage> conv = {{"user", "x"}};
  for (int64_t id : rows_.encode(format_response(chat_template, conv, "", tokens)))
    if (rows_.is_special_id(id)) {
      stop_ = id;
      return;
    }
  throw UserError("chat template '" + chat_template +
                  "': its end of turn holds no special token of the tokenizer, so generation cannot stop");
}

}  // namespace swepo
