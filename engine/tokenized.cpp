#include "engine/tokenized.h"

#include <string>

#include "core/util/error.h"

namespace swepo {

TokenizedGroup tokenize_group(const Tokenizer& tok, const PreferenceRecord& rec) {
  if (rec.responses.empty())
    throw UserError("preference record has no response (prompt '" + rec.prompt.substr(0, 40) + "')");
  if (rec.responses.size() != rec.scores.size())
    throw UserError("preference record has " + std::to_string(rec.responses.size()) +
                    " responses but " + std::to_string(rec.scores.size()) + " scores (prompt '" +
                    rec.prompt.substr(0, 40) + "')");
  TokenizedGroup g;
  g.prompt = tok.encode(rec.prompt);
  g.responses.reserve(rec.responses.size());
  for (const auto& r : rec.responses) g.responses.push_back(encode_continuation(tok, rec.prompt, g.prompt, r));
  g.scores = rec.scores;
  return g;
}

TokenizedSft tokenize_sft(const Tokenizer& tok, const SftRecord& rec) {
  std::vector<int64_t> prompt = tok.encode(rec.prompt);
  std::vector<int64_t> response = encode_continuation(tok, rec.prompt, prompt, rec.response);
  return TokenizedSft{std::move(prompt), std::move(response)};
}

}  // namespace swepo
