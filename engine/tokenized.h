// Text records (core/data/records.h) as token ids, before collation. Ids carry no special tokens;
// collation adds BOS/SEP/EOS (engine/collate.h). Tensor-free.
#pragma once
#include <cstdint>
#include <vector>

#include "core/data/records.h"
#include "engine/tokenizer.h"

namespace swepo {

struct TokenizedGroup {
  std::vector<int64_t> prompt;                  // [P]
  std::vector<std::vector<int64_t>> responses;  // K_b x [R_k]
  std::vector<double> scores;                   // [K_b]
};

struct TokenizedSft {
  std::vector<int64_t> prompt;    // [P]
  std::vector<int64_t> response;  // [R]
};

// Responses are tokenized as they continue the prompt (encode_continuation, core/text/tokenizer.h).
// UserError when responses and scores differ in length or the record has no response.
TokenizedGroup tokenize_group(const Tokenizer& tok, const PreferenceRecord& rec);
TokenizedSft tokenize_sft(const Tokenizer& tok, const SftRecord& rec);

}  // namespace swepo
