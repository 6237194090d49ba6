#include "engine/chat_tokenizer.h"

#include <algorithm>
#include <utility>

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

}  // namespace swepo
