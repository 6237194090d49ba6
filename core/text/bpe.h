// The BPE model of tokenizer.json: vocabulary, ranked merges, byte_fallback, unk_token / fuse_unk,
// ignore_merges, continuing_subword_prefix / end_of_word_suffix. One word (a pre-token) in, ids
// out; merges apply lowest rank first (leftmost on ties) through a priority queue, and words are
// cached (thread-safe).
//
// Glossary: a "symbol" is one id of a word being merged; a merge (a, b) -> ab has a rank (its
// index in model.merges).
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/text/tokenizer_json.h"

namespace swepo::text {

class BpeModel {
 public:
  // Reads tokenizer.json's "model" object (type BPE); malformed entries are UserErrors naming
  // at.file and the key (e.g. model.merges[7]).
  BpeModel(const Json& model, const JsonAt& at);

  // Appends the ids of one word to `out`.
  void encode_word(const std::string& word, std::vector<int64_t>& out) const;

  std::optional<int64_t> token_to_id(const std::string& token) const;
  const std::string* id_to_token(int64_t id) const;  // nullptr when the model has no such id
  int64_t max_id() const { return static_cast<int64_t>(id_to_token_.size()) - 1; }
  size_t merge_count() const { return merges_.size(); }

 private:
  std::vector<int64_t> merge_word(const std::string& word) const;

  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> id_to_token_;  // "" for ids the vocabulary skips
  std::vector<bool> has_id_;
  // (left id << 32 | right id) -> (rank, merged id)
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_;
  std::optional<int64_t> unk_id_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string continuing_prefix_, end_suffix_;
  int64_t byte_ids_[256];  // id of "<0xNN>", or -1

  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache_;
};

}  // namespace swepo::text
