#include "core/text/tokenizer_hf.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text/bpe.h"
#include "core/text/pretokenize.h"
#include "core/text/sentencepiece_tokenizer.h"
#include "core/text/tokenizer_added.h"
#include "core/text/tokenizer_decode.h"
#include "core/text/tokenizer_json.h"
#include "core/text/tokenizer_normalize.h"
#include "core/text/tokenizer_utf8.h"
#include "core/util/error.h"
#include "core/util/hash.h"

namespace swepo {

using text::Json;
using text::JsonAt;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A tokenizer_config.json token entry: "text" or {"content": "text", ...} (AddedToken dict).
std::optional<std::string> config_token(const Json& cfg, const std::string& key, const JsonAt& at) {
  const Json* v = text::json_find(cfg, key, at);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_object()) return text::json_string(*v, "content", at.key(key));
  text::json_fail(at.key(key), "must be a string or an object with \"content\"");
}

// HF's clean_up_tokenization (tokenization_utils_base.py).
std::string clean_up_tokenization(std::string s) {
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : rules) {
    const std::string f = from, t = to;
    std::string out;
    size_t last = 0, pos;
    while ((pos = s.find(f, last)) != std::string::npos) {
      out.append(s, last, pos - last);
      out += t;
      last = pos + f.size();
    }
    out.append(s, last, std::string::npos);
    s = std::move(out);
  }
  return s;
}

}  // namespace

HfTokenizer::HfTokenizer(const std::string& dir) : dir_(dir) {
  namespace fs = std::filesystem;
  const std::string tj_path = (fs::path(dir) / "tokenizer.json").string();
  const std::string tc_path = (fs::path(dir) / "tokenizer_config.json").string();
  const std::string tj_text = read_file(tj_path);
  const JsonAt root{tj_path, ""};
  const Json tj = text::json_parse(tj_text, root);
  if (!tj.is_object()) text::json_fail(root, "must be a JSON object");
  std::string fp = "tokenizer.json=" + sha256_hex(tj_text);

  Json tc = Json::object();
  const JsonAt croot{tc_path, ""};
  if (fs::exists(tc_path)) {
    const std::string tc_text = read_file(tc_path);
    tc = text::json_parse(tc_text, croot);
    if (!tc.is_object()) text::json_fail(croot, "must be a JSON object");
    fp += "\ntokenizer_config.json=" + sha256_hex(tc_text);
  }
  fingerprint_ = "hf-" + sha256_hex(fp);
  init(tj, tc, root, croot);
}

HfTokenizer::HfTokenizer(std::string dir, const text::Json& tj, const text::Json& tc, const std::string& tj_name,
                         const std::string& tc_name, std::string fingerprint)
    : dir_(std::move(dir)), fingerprint_(std::move(fingerprint)) {
  init(tj, tc, JsonAt{tj_name, ""}, JsonAt{tc_name, ""});
}

void HfTokenizer::init(const text::Json& tj, const text::Json& tc, const text::JsonAt& root,
                       const text::JsonAt& croot) {
  const std::string& tj_path = root.file;
  // The model.
  const Json& model = text::json_require(tj, "model", root);
  const std::string mtype = text::json_string_or(model, "type", root.key("model"), "BPE");
  if (mtype != "BPE")
    text::json_fail(root.key("model.type"), "'" + mtype + "' is not supported (supported: BPE)");
  model_ = std::make_unique<text::BpeModel>(model, root.key("model"));
  vocab_size_ = model_->max_id() + 1;

  // Components.
  auto component = [&](const char* key) -> const Json& {
    static const Json null_json;
    auto it = tj.find(key);
    return it == tj.end() ? null_json : *it;
  };
  normalizer_ = text::make_normalizer(component("normalizer"), root.key("normalizer"));
  pre_tokenizer_ = text::make_pre_tokenizer(component("pre_tokenizer"), root.key("pre_tokenizer"));
  decoder_ = text::make_decoder(component("decoder"), root.key("decoder"));

  // Added tokens.
  if (const Json* list = text::json_find(tj, "added_tokens", root)) {
    const JsonAt lat = root.key("added_tokens");
    if (!list->is_array()) text::json_fail(lat, "must be a list");
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& e = (*list)[i];
      const JsonAt eat = lat.index(i);
      auto t = std::make_unique<text::AddedToken>();
      const Json& idj = text::json_require(e, "id", eat);
      if (!idj.is_number_integer() || idj.get<int64_t>() < 0) text::json_fail(eat.key("id"), "must be a non-negative integer");
      t->id = idj.get<int64_t>();
      t->content = text::json_string(e, "content", eat);
      if (t->content.empty()) text::json_fail(eat.key("content"), "must not be empty");
      t->special = text::json_bool_or(e, "special", eat, false);
      t->lstrip = text::json_bool_or(e, "lstrip", eat, false);
      t->rstrip = text::json_bool_or(e, "rstrip", eat, false);
      t->single_word = text::json_bool_or(e, "single_word", eat, false);
      t->normalized = text::json_bool_or(e, "normalized", eat, !t->special);
      if (const std::string* m = model_->id_to_token(t->id); m && *m != t->content)
        text::json_fail(eat.key("id"), std::to_string(t->id) + " is '" + *m + "' in model.vocab, not '" + t->content + "'");
      vocab_size_ = std::max(vocab_size_, t->id + 1);
      added_by_id_[t->id] = t.get();
      added_by_content_[t->content] = t->id;
      if (t->special) special_ids_.insert(t->id);
      added_.push_back(std::move(t));
    }
  }
  std::vector<const text::AddedToken*> raw, norm;
  for (const auto& t : added_) (t->normalized && normalizer_ ? norm : raw).push_back(t.get());
  raw_matcher_ = std::make_unique<text::AddedTokenMatcher>(raw);
  normalized_matcher_ = std::make_unique<text::AddedTokenMatcher>(norm);

  // Special ids from tokenizer_config.json.
  auto lookup = [&](const char* key) -> int64_t {
    const auto tok = config_token(tc, key, croot);
    if (!tok) return -1;
    const auto id = token_to_id(*tok);
    if (!id) text::json_fail(croot.key(key), "'" + *tok + "' is not a token of " + tj_path);
    return *id;
  };
  bos_ = lookup("bos_token");
  eos_ = lookup("eos_token");
  pad_ = lookup("pad_token");
  sep_ = lookup("sep_token");
  unk_ = lookup("unk_token");
  if (const Json* extra = text::json_find(tc, "additional_special_tokens", croot)) {
    if (!extra->is_array()) text::json_fail(croot.key("additional_special_tokens"), "must be a list");
    for (size_t i = 0; i < extra->size(); ++i) {
      const Json& e = (*extra)[i];
      const std::string c = e.is_object() ? text::json_string(e, "content", croot.key("additional_special_tokens").index(i))
                            : e.is_string() ? e.get<std::string>()
                                            : (text::json_fail(croot.key("additional_special_tokens").index(i),
                                                               "must be a string"), std::string());
      if (const auto id = token_to_id(c)) special_ids_.insert(*id);
    }
  }
  if (const Json* m = text::json_find(tc, "model_max_length", croot)) {
    if (!m->is_number()) text::json_fail(croot.key("model_max_length"), "must be a number");
    const double v = m->get<double>();
    // Below -9.2e18 the cast to int64 is undefined (found by fuzz/fuzz_tokenizer); a negative
    // length means nothing, so it is refused.
    if (!(v >= 0)) text::json_fail(croot.key("model_max_length"), "must be >= 0, got " + m->dump());
    model_max_length_ = v >= 9.0e18 ? INT64_MAX : static_cast<int64_t>(v);
  }
  clean_up_spaces_ = text::json_bool_or(tc, "clean_up_tokenization_spaces", croot, false);

  // BOS/EOS for encode_with_specials: the post_processor's TemplateProcessing, unless
  // tokenizer_config.json's add_bos_token / add_eos_token rebuild it (as LlamaTokenizerFast and
  // GemmaTokenizerFast do); other post-processors (ByteLevel) add nothing.
  const Json& post = component("post_processor");
  const JsonAt pat = root.key("post_processor");
  std::function<void(const Json&, const JsonAt&)> read_post = [&](const Json& p, const JsonAt& at) {
    if (p.is_null()) return;
    const std::string type = text::json_type(p, at);
    if (type == "ByteLevel") return;
    if (type == "Sequence") {
      const Json& list = text::json_require(p, "processors", at);
      if (!list.is_array()) text::json_fail(at.key("processors"), "must be a list");
      for (size_t i = 0; i < list.size(); ++i) read_post(list[i], at.key("processors").index(i));
      return;
    }
    if (type != "TemplateProcessing")
      text::json_fail(at.key("type"), "'" + type + "' is not supported (supported: TemplateProcessing, ByteLevel, Sequence)");
    const Json& single = text::json_require(p, "single", at);
    const JsonAt sat = at.key("single");
    if (!single.is_array()) text::json_fail(sat, "must be a list");
    const Json* specials = text::json_find(p, "special_tokens", at);
    has_template_ = true;
    template_.clear();
    for (size_t i = 0; i < single.size(); ++i) {
      const Json& item = single[i];
      const JsonAt iat = sat.index(i);
      if (const Json* st = text::json_find(item, "SpecialToken", iat)) {
        const std::string name = text::json_string(*st, "id", iat.key("SpecialToken"));
        const Json* entry = specials ? text::json_find(*specials, name, at.key("special_tokens")) : nullptr;
        if (!entry) text::json_fail(at.key("special_tokens"), "has no entry '" + name + "' (used by single[" + std::to_string(i) + "])");
        const Json& ids = text::json_require(*entry, "ids", at.key("special_tokens").key(name));
        if (!ids.is_array()) text::json_fail(at.key("special_tokens").key(name).key("ids"), "must be a list");
        for (const auto& v : ids) {
          if (!v.is_number_integer()) text::json_fail(at.key("special_tokens").key(name).key("ids"), "must hold integers");
          template_.push_back(v.get<int64_t>());
        }
      } else if (const Json* sq = text::json_find(item, "Sequence", iat)) {
        const std::string id = text::json_string(*sq, "id", iat.key("Sequence"));
        if (id != "A") text::json_fail(iat.key("Sequence.id"), "must be 'A' in a single template, got '" + id + "'");
        template_.push_back(-1);
      } else {
        text::json_fail(iat, "must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
      }
    }
  };
  read_post(post, pat);
  const std::string cls = text::json_string_or(tc, "tokenizer_class", croot, "");
  const bool rebuilds = cls == "LlamaTokenizer" || cls == "LlamaTokenizerFast" || cls == "GemmaTokenizer" ||
                        cls == "GemmaTokenizerFast" || cls == "CodeLlamaTokenizer" || cls == "CodeLlamaTokenizerFast";
  const bool has_flags = text::json_find(tc, "add_bos_token", croot) || text::json_find(tc, "add_eos_token", croot);
  add_bos_ = text::json_bool_or(tc, "add_bos_token", croot, false);
  add_eos_ = text::json_bool_or(tc, "add_eos_token", croot, false);
  if (has_template_ && rebuilds && has_flags) has_template_ = false;
  if (!has_template_ && add_bos_ && bos_ < 0)
    text::json_fail(croot.key("add_bos_token"), "is true but there is no bos_token");
  if (!has_template_ && add_eos_ && eos_ < 0)
    text::json_fail(croot.key("add_eos_token"), "is true but there is no eos_token");
  for (int64_t id : template_)
    if (id >= vocab_size_) text::json_fail(pat.key("special_tokens"), "id " + std::to_string(id) + " is outside the vocabulary");
}

HfTokenizer::~HfTokenizer() = default;

std::vector<int64_t> HfTokenizer::encode_impl(const std::string& s) const {
  if (const size_t bad = text::utf8_invalid_offset(s); bad != std::string::npos)
    throw UserError(name() + ": text is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
  std::vector<int64_t> ids;
  auto run_model = [&](const std::string& t, bool at_start) {
    if (t.empty()) return;
    std::vector<text::Piece> pieces{{t, at_start}};
    if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pieces);
    for (const auto& p : pieces) model_->encode_word(p.text, ids);
  };
  for (const auto& sec : raw_matcher_->split(s)) {
    if (sec.id >= 0) {
      ids.push_back(sec.id);
      continue;
    }
    const std::string normalized = normalizer_ ? normalizer_->normalize(sec.text) : sec.text;
    if (normalized_matcher_->empty()) {
      run_model(normalized, sec.offset == 0);
      continue;
    }
    for (const auto& sub : normalized_matcher_->split(normalized)) {
      if (sub.id >= 0) ids.push_back(sub.id);
      else run_model(sub.text, sec.offset == 0 && sub.offset == 0);
    }
  }
  return ids;
}

std::vector<int64_t> HfTokenizer::encode(const std::string& text) const { return encode_impl(text); }

std::vector<int64_t> HfTokenizer::encode_with_specials(const std::string& text) const {
  std::vector<int64_t> ids = encode_impl(text);
  std::vector<int64_t> out;
  if (has_template_) {
    for (int64_t t : template_) {
      if (t < 0) out.insert(out.end(), ids.begin(), ids.end());
      else out.push_back(t);
    }
    return out;
  }
  if (add_bos_) out.push_back(bos_);
  out.insert(out.end(), ids.begin(), ids.end());
  if (add_eos_) out.push_back(eos_);
  return out;
}

std::optional<int64_t> HfTokenizer::token_to_id(const std::string& token) const {
  auto it = added_by_content_.find(token);
  if (it != added_by_content_.end()) return it->second;
  return model_->token_to_id(token);
}

std::string HfTokenizer::id_to_token(int64_t id) const {
  auto it = added_by_id_.find(id);
  if (it != added_by_id_.end()) return it->second->content;
  const std::string* t = model_->id_to_token(id);
  return t ? *t : std::string();
}

bool HfTokenizer::is_special_id(int64_t id) const { return special_ids_.count(id) > 0; }

std::string HfTokenizer::decode_impl(const std::vector<int64_t>& ids, bool skip_special) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    if (id < 0 || id >= vocab_size_)
      throw UserError(name() + ": id " + std::to_string(id) + " at index " + std::to_string(i) +
                      " is outside [0, " + std::to_string(vocab_size_) + ")");
    if (skip_special && special_ids_.count(id)) continue;
    auto it = added_by_id_.find(id);
    if (it != added_by_id_.end()) {
      tokens.push_back(it->second->content);
    } else if (const std::string* t = model_->id_to_token(id)) {
      tokens.push_back(*t);
    }  // an id the vocabulary skips decodes to nothing, as in tokenizers
  }
  std::string out = text::decode_tokens(decoder_.get(), std::move(tokens));
  return clean_up_spaces_ ? clean_up_tokenization(std::move(out)) : out;
}

std::string HfTokenizer::decode(const std::vector<int64_t>& ids) const { return decode_impl(ids, true); }
std::string HfTokenizer::decode_keep_specials(const std::vector<int64_t>& ids) const { return decode_impl(ids, false); }

std::unique_ptr<Tokenizer> load_hf_tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw UserError("tokenizer directory '" + dir + "' does not exist");
  if (fs::exists(fs::path(dir) / "tokenizer.json")) return std::make_unique<HfTokenizer>(dir);
  if (fs::exists(fs::path(dir) / "tokenizer.model")) return std::unique_ptr<Tokenizer>(load_sentencepiece_tokenizer(dir));
  throw UserError("tokenizer directory '" + dir + "' has neither tokenizer.json nor tokenizer.model");
}

}  // namespace swepo
