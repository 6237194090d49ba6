#include "core/text/bpe.h"

#include <queue>

#include "core/text/tokenizer_utf8.h"

namespace swepo::text {

namespace {
constexpr size_t kCacheLimit = 200000;      // words; the cache is cleared when it grows past this
constexpr size_t kCacheMaxWordBytes = 256;  // longer words are not cached

uint64_t pair_key(int64_t a, int64_t b) {
  return (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(static_cast<uint32_t>(b));
}
}  // namespace

BpeModel::BpeModel(const Json& model, const JsonAt& at) {
  const Json& vocab = json_require(model, "vocab", at);
  const JsonAt vat = at.key("vocab");
  if (!vocab.is_object()) json_fail(vat, "must be an object {token: id}");
  vocab_.reserve(vocab.size() * 2);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0)
      json_fail(vat, "entry '" + it.key() + "' must map to a non-negative integer id");
    const int64_t id = it.value().get<int64_t>();
    if (id >= (int64_t(1) << 31)) json_fail(vat, "entry '" + it.key() + "' has an id too large");
    vocab_[it.key()] = id;
    if (static_cast<size_t>(id) >= id_to_token_.size()) {
      id_to_token_.resize(static_cast<size_t>(id) + 1);
      has_id_.resize(static_cast<size_t>(id) + 1, false);
    }
    if (has_id_[static_cast<size_t>(id)])
      json_fail(vat, "id " + std::to_string(id) + " is given to both '" + id_to_token_[static_cast<size_t>(id)] +
                         "' and '" + it.key() + "'");
    id_to_token_[static_cast<size_t>(id)] = it.key();
    has_id_[static_cast<size_t>(id)] = true;
  }

  const Json& merges = json_require(model, "merges", at);
  const JsonAt mat = at.key("merges");
  if (!merges.is_array()) json_fail(mat, "must be a list");
  merges_.reserve(merges.size() * 2);
  for (size_t i = 0; i < merges.size(); ++i) {
    const Json& m = merges[i];
    std::string a, b;
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        json_fail(mat.index(i), "'" + s + "' must be two tokens separated by one space");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      json_fail(mat.index(i), "must be \"a b\" or [\"a\", \"b\"], got " + m.dump());
    }
    const auto ia = vocab_.find(a), ib = vocab_.find(b), iab = vocab_.find(a + b);
    if (ia == vocab_.end()) json_fail(mat.index(i), "token '" + a + "' is not in model.vocab");
    if (ib == vocab_.end()) json_fail(mat.index(i), "token '" + b + "' is not in model.vocab");
    if (iab == vocab_.end()) json_fail(mat.index(i), "merged token '" + a + b + "' is not in model.vocab");
    // A repeated pair keeps its first (lowest) rank, as tokenizers does.
    merges_.emplace(pair_key(ia->second, ib->second),
                    std::make_pair(static_cast<int32_t>(i), static_cast<int32_t>(iab->second)));
  }

  const std::string type = json_string_or(model, "type", at, "BPE");
  if (type != "BPE") json_fail(at.key("type"), "'" + type + "' is not supported (supported: BPE)");
  if (const Json* d = json_find(model, "dropout", at))
    if (!d->is_number() || d->get<double>() != 0.0) json_fail(at.key("dropout"), "must be null (BPE dropout is not supported)");
  if (json_find(model, "unk_token", at)) {
    const std::string unk = json_string(model, "unk_token", at);
    auto it = vocab_.find(unk);
    if (it == vocab_.end()) json_fail(at.key("unk_token"), "'" + unk + "' is not in model.vocab");
    unk_id_ = it->second;
  }
  fuse_unk_ = json_bool_or(model, "fuse_unk", at, false);
  byte_fallback_ = json_bool_or(model, "byte_fallback", at, false);
  ignore_merges_ = json_bool_or(model, "ignore_merges", at, false);
  continuing_prefix_ = json_string_or(model, "continuing_subword_prefix", at, "");
  end_suffix_ = json_string_or(model, "end_of_word_suffix", at, "");
  static const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const std::string t = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
    auto it = vocab_.find(t);
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
}

std::optional<int64_t> BpeModel::token_to_id(const std::string& token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(id_to_token_.size()) || !has_id_[static_cast<size_t>(id)]) return nullptr;
  return &id_to_token_[static_cast<size_t>(id)];
}

std::vector<int64_t> BpeModel::merge_word(const std::string& word) const {
  // Initial symbols: one per character (with the subword prefix / word suffix when configured);
  // characters outside the vocabulary become <0xNN> byte tokens or the unk token.
  std::vector<int64_t> sym;
  bool last_unk = false;
  for (size_t i = 0; i < word.size();) {
    const size_t n = utf8_char_len(word, i);
    std::string ch = word.substr(i, n);
    if (i > 0 && !continuing_prefix_.empty()) ch = continuing_prefix_ + ch;
    if (i + n == word.size() && !end_suffix_.empty()) ch += end_suffix_;
    i += n;
    auto it = vocab_.find(ch);
    if (it != vocab_.end()) {
      sym.push_back(it->second);
      last_unk = false;
      continue;
    }
    if (byte_fallback_) {
      const std::string raw = word.substr(i - n, n);
      bool all = true;
      for (unsigned char c : raw) all = all && byte_ids_[c] >= 0;
      if (all) {
        for (unsigned char c : raw) sym.push_back(byte_ids_[c]);
        last_unk = false;
        continue;
      }
    }
    if (unk_id_) {
      if (!(fuse_unk_ && last_unk)) sym.push_back(*unk_id_);
      last_unk = true;
    }  // no unk token: the character is dropped, as tokenizers does
  }
  const size_t n = sym.size();
  if (n < 2) return sym;

  // Doubly linked symbols; a queue of candidate merges (rank, left position), validated on pop.
  std::vector<int64_t> prev(n), next(n);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int64_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int64_t>(i + 1) : -1;
  }
  struct Cand {
    int32_t rank;
    int64_t pos;
    int64_t left, right;  // the ids the candidate was made for (to detect stale entries)
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> q;
  auto push = [&](int64_t i) {
    if (i < 0 || next[i] < 0) return;
    auto it = merges_.find(pair_key(sym[i], sym[next[i]]));
    if (it != merges_.end()) q.push({it->second.first, i, sym[i], sym[next[i]]});
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int64_t>(i));
  std::vector<bool> alive(n, true);
  while (!q.empty()) {
    const Cand c = q.top();
    q.pop();
    const int64_t i = c.pos;
    if (!alive[i] || next[i] < 0 || sym[i] != c.left || sym[next[i]] != c.right) continue;
    const int64_t j = next[i];
    sym[i] = merges_.at(pair_key(c.left, c.right)).second;
    alive[j] = false;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    push(prev[i]);
    push(i);
  }
  std::vector<int64_t> out;
  for (int64_t i = 0; i >= 0; i = next[i]) out.push_back(sym[i]);
  return out;
}

void BpeModel::encode_word(const std::string& word, std::vector<int64_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    auto it = vocab_.find(word);
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(word);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int64_t> ids = merge_word(word);
  out.insert(out.end(), ids.begin(), ids.end());
  if (word.size() > kCacheMaxWordBytes) return;  // long words are rare: not worth the memory
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cache_.size() >= kCacheLimit) cache_.clear();
  cache_.emplace(word, std::move(ids));
}

}  // namespace swepo::text
