#include "core/text/sentencepiece_tokenizer.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/text/tokenizer_utf8.h"
#include "core/util/error.h"
#include "core/util/hash.h"

namespace swepo {

namespace text {

namespace {

// Protobuf wire format: a cursor over one message's bytes.
struct Wire {
  const std::string& file;
  const char* p;
  const char* end;
  std::string where;  // the message being read, for errors

  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(file + ": not a SentencePiece model (" + where + ": " + what + ")");
  }
  bool done() const { return p >= end; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) fail("truncated varint");
      const auto b = static_cast<unsigned char>(*p++);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint too long");
  }
  std::string bytes() {
    const uint64_t n = varint();
    if (n > static_cast<uint64_t>(end - p)) fail("length-delimited field runs past the end");
    std::string s(p, static_cast<size_t>(n));
    p += n;
    return s;
  }
  uint32_t fixed32() {
    if (end - p < 4) fail("truncated fixed32");
    uint32_t v;
    std::memcpy(&v, p, 4);  // little-endian hosts (x86-64, arm64)
    p += 4;
    return v;
  }
  void skip(int wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1: if (end - p < 8) fail("truncated fixed64"); p += 8; break;
      case 2: bytes(); break;
      case 5: fixed32(); break;
      default: fail("unknown wire type " + std::to_string(wire_type));
    }
  }
};

enum PieceType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

struct Piece {
  std::string text;
  float score = 0.0f;
  int type = kNormal;
};

struct SpModel {
  std::vector<Piece> pieces;
  int model_type = 1;  // UNIGRAM=1, BPE=2, WORD=3, CHAR=4 (TrainerSpec.model_type)
  int64_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  std::string normalizer_name;
  bool has_charsmap = false, add_dummy_prefix = true, remove_extra_whitespaces = true, escape_whitespaces = true;
};

int64_t as_int32(uint64_t v) { return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v))); }

SpModel parse_model(const std::string& bytes, const std::string& file) {
  SpModel m;
  Wire w{file, bytes.data(), bytes.data() + bytes.size(), "ModelProto"};
  while (!w.done()) {
    const uint64_t key = w.varint();
    const int field = static_cast<int>(key >> 3), wt = static_cast<int>(key & 7);
    if (field == 1 && wt == 2) {  // repeated SentencePiece pieces
      const std::string sub = w.bytes();
      Wire pw{file, sub.data(), sub.data() + sub.size(), "pieces[" + std::to_string(m.pieces.size()) + "]"};
      Piece piece;
      while (!pw.done()) {
        const uint64_t k = pw.varint();
        const int f = static_cast<int>(k >> 3), t = static_cast<int>(k & 7);
        if (f == 1 && t == 2) piece.text = pw.bytes();
        else if (f == 2 && t == 5) {
          const uint32_t u = pw.fixed32();
          std::memcpy(&piece.score, &u, 4);
        } else if (f == 3 && t == 0) piece.type = static_cast<int>(pw.varint());
        else pw.skip(t);
      }
      m.pieces.push_back(std::move(piece));
    } else if (field == 2 && wt == 2) {  // TrainerSpec
      const std::string sub = w.bytes();
      Wire tw{file, sub.data(), sub.data() + sub.size(), "trainer_spec"};
      while (!tw.done()) {
        const uint64_t k = tw.varint();
        const int f = static_cast<int>(k >> 3), t = static_cast<int>(k & 7);
        if (t != 0) { tw.skip(t); continue; }
        const uint64_t v = tw.varint();
        if (f == 3) m.model_type = static_cast<int>(v);
        else if (f == 40) m.unk_id = as_int32(v);
        else if (f == 41) m.bos_id = as_int32(v);
        else if (f == 42) m.eos_id = as_int32(v);
        else if (f == 43) m.pad_id = as_int32(v);
      }
    } else if (field == 3 && wt == 2) {  // NormalizerSpec
      const std::string sub = w.bytes();
      Wire nw{file, sub.data(), sub.data() + sub.size(), "normalizer_spec"};
      while (!nw.done()) {
        const uint64_t k = nw.varint();
        const int f = static_cast<int>(k >> 3), t = static_cast<int>(k & 7);
        if (f == 1 && t == 2) m.normalizer_name = nw.bytes();
        else if (f == 2 && t == 2) m.has_charsmap = !nw.bytes().empty();
        else if (f == 3 && t == 0) m.add_dummy_prefix = nw.varint() != 0;
        else if (f == 4 && t == 0) m.remove_extra_whitespaces = nw.varint() != 0;
        else if (f == 5 && t == 0) m.escape_whitespaces = nw.varint() != 0;
        else nw.skip(t);
      }
    } else {
      w.skip(wt);
    }
  }
  if (m.pieces.empty()) w.fail("no pieces");
  return m;
}

}  // namespace

nlohmann::json sentencepiece_to_tokenizer_json(const std::string& bytes, const std::string& file) {
  using nlohmann::json;
  const SpModel m = parse_model(bytes, file);
  if (m.model_type != 2)
    throw UserError(file + ": trainer_spec.model_type " +
                    (m.model_type == 1 ? std::string("UNIGRAM") : std::to_string(m.model_type)) +
                    " is not supported (supported: BPE); give the directory a tokenizer.json");
  if (m.has_charsmap)
    throw UserError(file + ": normalizer_spec '" + m.normalizer_name +
                    "' (a precompiled charsmap) is not supported (supported: identity); give the directory a "
                    "tokenizer.json");
  if (!m.escape_whitespaces)
    throw UserError(file + ": normalizer_spec.escape_whitespaces false is not supported");
  const int64_t n = static_cast<int64_t>(m.pieces.size());
  auto check_id = [&](int64_t id, const char* what) {
    if (id >= n) throw UserError(file + ": trainer_spec." + what + " " + std::to_string(id) + " is not a piece id");
  };
  check_id(m.unk_id, "unk_id");
  check_id(m.bos_id, "bos_id");
  check_id(m.eos_id, "eos_id");
  check_id(m.pad_id, "pad_id");

  json vocab = json::object();
  json added = json::array();
  std::unordered_map<std::string, int64_t> normal;  // NORMAL piece -> id
  bool has_bytes = false;
  for (int64_t id = 0; id < n; ++id) {
    const Piece& p = m.pieces[static_cast<size_t>(id)];
    if (vocab.contains(p.text)) throw UserError(file + ": piece '" + p.text + "' appears twice");
    vocab[p.text] = id;
    if (p.type == kNormal) normal.emplace(p.text, id);
    if (p.type == kByte) has_bytes = true;
    if (p.type == kControl || p.type == kUnknown || p.type == kUserDefined)
      added.push_back({{"id", id}, {"content", p.text}, {"special", p.type != kUserDefined},
                       {"normalized", false}, {"lstrip", false}, {"rstrip", false}, {"single_word", false}});
  }
  // Merges: every split of a NORMAL piece into two NORMAL pieces, ranked by the merged piece's
  // score (highest first), then by the halves' ids (HF's SentencePieceExtractor order).
  struct Merge { float score; int64_t merged, left, right; };
  std::vector<Merge> merges;
  for (const auto& [text, id] : normal) {
    for (size_t cut = utf8_char_len(text, 0); cut < text.size(); cut += utf8_char_len(text, cut)) {
      auto l = normal.find(text.substr(0, cut)), r = normal.find(text.substr(cut));
      if (l != normal.end() && r != normal.end())
        merges.push_back({m.pieces[static_cast<size_t>(id)].score, id, l->second, r->second});
    }
  }
  std::sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.merged != b.merged) return a.merged < b.merged;
    if (a.left != b.left) return a.left < b.left;
    return a.right < b.right;
  });
  json merge_list = json::array();
  for (const auto& mg : merges)
    merge_list.push_back(json::array({m.pieces[static_cast<size_t>(mg.left)].text, m.pieces[static_cast<size_t>(mg.right)].text}));

  const std::string meta = "\xE2\x96\x81";  // ▁
  json normalizers = json::array();
  if (m.remove_extra_whitespaces) {
    normalizers.push_back({{"type", "Replace"}, {"pattern", {{"Regex", "^ +| +$"}}}, {"content", ""}});
    normalizers.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
  }
  if (m.add_dummy_prefix) normalizers.push_back({{"type", "Prepend"}, {"prepend", meta}});
  normalizers.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", meta}});
  json decoders = json::array({{{"type", "Replace"}, {"pattern", {{"String", meta}}}, {"content", " "}},
                               {{"type", "ByteFallback"}},
                               {{"type", "Fuse"}}});
  if (m.add_dummy_prefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  json model = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merge_list}, {"byte_fallback", has_bytes},
                {"fuse_unk", true}};
  if (m.unk_id >= 0) model["unk_token"] = m.pieces[static_cast<size_t>(m.unk_id)].text;
  return {{"normalizer", {{"type", "Sequence"}, {"normalizers", normalizers}}},
          {"pre_tokenizer", nullptr},
          {"model", model},
          {"decoder", {{"type", "Sequence"}, {"decoders", decoders}}},
          {"post_processor", nullptr},
          {"added_tokens", added},
          // not a tokenizer.json key: the special pieces, read back by load_sentencepiece_tokenizer
          {"swepo_special_ids", {{"unk", m.unk_id}, {"bos", m.bos_id}, {"eos", m.eos_id}, {"pad", m.pad_id}}}};
}

}  // namespace text

std::unique_ptr<HfTokenizer> load_sentencepiece_tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string model_path = (fs::path(dir) / "tokenizer.model").string();
  const std::string tc_path = (fs::path(dir) / "tokenizer_config.json").string();
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UserError(path + ": cannot be read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string bytes = read(model_path);
  nlohmann::json tj = text::sentencepiece_to_tokenizer_json(bytes, model_path);
  const nlohmann::json ids = tj["swepo_special_ids"];
  tj.erase("swepo_special_ids");
  std::string fp = "tokenizer.model=" + sha256_hex(bytes);
  nlohmann::json tc = nlohmann::json::object();
  if (fs::exists(tc_path)) {
    const std::string tc_text = read(tc_path);
    tc = text::json_parse(tc_text, text::JsonAt{tc_path, ""});
    if (!tc.is_object()) text::json_fail(text::JsonAt{tc_path, ""}, "must be a JSON object");
    fp += "\ntokenizer_config.json=" + sha256_hex(tc_text);
  }
  // The model's own special pieces, unless tokenizer_config.json names them; BOS added by default.
  std::vector<std::string> by_id(tj["model"]["vocab"].size());
  for (const auto& [text, id] : tj["model"]["vocab"].items()) by_id[id.get<size_t>()] = text;
  for (const auto& [key, name] : {std::pair<const char*, const char*>{"unk", "unk_token"}, {"bos", "bos_token"},
                                  {"eos", "eos_token"}, {"pad", "pad_token"}}) {
    const int64_t id = ids[key].get<int64_t>();
    if (id >= 0 && !tc.contains(name)) tc[name] = by_id[static_cast<size_t>(id)];
  }
  if (!tc.contains("add_bos_token")) tc["add_bos_token"] = tc.contains("bos_token") && !tc["bos_token"].is_null();
  tc.erase("tokenizer_class");  // the flags above decide BOS/EOS (there is no post_processor)
  return std::make_unique<HfTokenizer>(dir, tj, tc, model_path, tc_path, "hf-" + sha256_hex(fp));
}

}  // namespace swepo
