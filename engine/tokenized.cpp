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
  for (const auto& r : rec.responses) g.responses.push_back(tok.encode(r));
  g.scores = rec.scores;
  return g;
}

TokenizedSft tokenize_sft(const Tokenizer& tok, const SftRecord& rec) {
  return TokenizedSft{tok.encode(rec.prompt), tok.encode(rec.response)};
}

}  // namespace swepo
