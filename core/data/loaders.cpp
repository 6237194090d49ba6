#include "core/data/loaders.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/jsonl.h"
#include "core/util/seeding.h"

namespace swepo {
namespace {

using json = nlohmann::json;

// parse(record, where) for every non-blank line (core/util/jsonl.h); `where` is "<origin>:<line>".
template <class F>
std::vector<PreferenceRecord> for_each_line(const std::string& text, const std::string& origin, F parse) {
  std::vector<PreferenceRecord> out;
  for_each_jsonl_object(text, origin, [&](const json& j, const std::string& where) { out.push_back(parse(j, where)); });
  return out;
}

const json& require_field(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) throw UserError(where + ": missing field '" + key + "'");
  return *it;
}

std::string require_string(const json& j, const std::string& field, const std::string& where) {
  if (!j.is_string()) throw UserError(where + ": field '" + field + "' must be a string");
  return j.get<std::string>();
}

double require_number(const json& j, const std::string& field, const std::string& where) {
  if (!j.is_number()) throw UserError(where + ": field '" + field + "' must be a number");
  return j.get<double>();
}

PreferenceRecord parse_canonical(const json& j, const std::string& where) {
  PreferenceRecord r;
  r.prompt = require_string(require_field(j, "prompt", where), "prompt", where);
  const json& ys = require_field(j, "responses", where);
  const json& ss = require_field(j, "scores", where);
  if (!ys.is_array() || ys.empty()) throw UserError(where + ": field 'responses' must be a non-empty array");
  if (!ss.is_array()) throw UserError(where + ": field 'scores' must be an array");
  if (ss.size() != ys.size())
    throw UserError(where + ": field 'scores' has " + std::to_string(ss.size()) + " entries but 'responses' has " +
                    std::to_string(ys.size()));
  for (size_t k = 0; k < ys.size(); ++k) {
    r.responses.push_back(require_string(ys[k], "responses[" + std::to_string(k) + "]", where));
    r.scores.push_back(require_number(ss[k], "scores[" + std::to_string(k) + "]", where));
  }
  return r;
}

// One completion's score as data.score says; NaN when it has none (an "N/A" rating).
double ultra_score(const json& c, const std::string& score, const std::string& f, const std::string& where) {
  static const std::vector<std::string> aspects = {"helpfulness", "honesty", "instruction_following", "truthfulness"};
  if (score == "overall_score" || score == "fine-grained_score") {
    auto it = c.find(score);
    if (it == c.end()) throw UserError(where + ": missing field '" + f + "." + score + "'");
    if (it->is_null()) return std::nan("");
    return require_number(*it, f + "." + score, where);
  }
  auto rating = [&](const std::string& aspect) {
    auto a = c.find("annotations");
    if (a == c.end() || !a->is_object()) throw UserError(where + ": missing field '" + f + ".annotations'");
    auto it = a->find(aspect);
    if (it == a->end() || !it->is_object()) return std::nan("");
    auto r = it->find("Rating");
    if (r == it->end() || r->is_null()) return std::nan("");
    const std::string field = f + ".annotations." + aspect + ".Rating";
    if (r->is_number()) return r->get<double>();
    const std::string v = require_string(*r, field, where);
    if (v == "N/A") return std::nan("");
    try {
      size_t used = 0;
      double x = std::stod(v, &used);
      if (used == v.size()) return x;
    } catch (const std::exception&) {
    }
    throw UserError(where + ": field '" + field + "' must be a number or \"N/A\", got \"" + v + "\"");
  };
  if (score != "mean_rating") return rating(score);
  double sum = 0;
  for (const auto& a : aspects) sum += rating(a);  // NaN when any is missing
  return sum / static_cast<double>(aspects.size());
}

PreferenceRecord parse_ultra(const json& j, const std::string& where, const std::string& score) {
  PreferenceRecord r;
  r.prompt = require_string(require_field(j, "instruction", where), "instruction", where);
  const json& cs = require_field(j, "completions", where);
  if (!cs.is_array() || cs.empty()) throw UserError(where + ": field 'completions' must be a non-empty array");
  for (size_t k = 0; k < cs.size(); ++k) {
    const std::string f = "completions[" + std::to_string(k) + "]";
    if (!cs[k].is_object()) throw UserError(where + ": field '" + f + "' must be an object");
    auto resp = cs[k].find("response");
    if (resp == cs[k].end()) throw UserError(where + ": missing field '" + f + ".response'");
    r.responses.push_back(require_string(*resp, f + ".response", where));
    r.scores.push_back(ultra_score(cs[k], score, f, where));
  }
  return r;
}

// The content of the last assistant message of a binarized record's message list.
std::string last_assistant(const json& list, const std::string& field, const std::string& where) {
  if (!list.is_array() || list.empty())
    throw UserError(where + ": field '" + field + "' must be a non-empty list of {role, content} messages");
  for (size_t i = list.size(); i-- > 0;) {
    const json& m = list[i];
    const std::string f = field + "[" + std::to_string(i) + "]";
    if (!m.is_object()) throw UserError(where + ": field '" + f + "' must be an object");
    const std::string role = require_string(require_field(m, "role", where), f + ".role", where);
    if (role == "assistant") return require_string(require_field(m, "content", where), f + ".content", where);
  }
  throw UserError(where + ": field '" + field + "' has no assistant message");
}

PreferenceRecord parse_binarized(const json& j, const std::string& where) {
  PreferenceRecord r;
  r.prompt = require_string(require_field(j, "prompt", where), "prompt", where);
  r.responses = {last_assistant(require_field(j, "chosen", where), "chosen", where),
                 last_assistant(require_field(j, "rejected", where), "rejected", where)};
  r.scores = {require_number(require_field(j, "score_chosen", where), "score_chosen", where),
              require_number(require_field(j, "score_rejected", where), "score_rejected", where)};
  return r;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

std::vector<PreferenceRecord> parse_jsonl_preferences(const std::string& text, const std::string& origin) {
  return for_each_line(text, origin, parse_canonical);
}
std::vector<PreferenceRecord> load_jsonl_preferences(const std::string& path) {
  return parse_jsonl_preferences(read_file(path), path);
}
std::vector<std::string> ultrafeedback_score_names() {
  return {"overall_score", "fine-grained_score", "helpfulness", "honesty", "instruction_following", "truthfulness",
          "mean_rating"};
}
std::vector<PreferenceRecord> parse_ultrafeedback(const std::string& text, const std::string& origin,
                                                  const std::string& score) {
  return for_each_line(text, origin, [&](const json& j, const std::string& where) { return parse_ultra(j, where, score); });
}
std::vector<PreferenceRecord> load_ultrafeedback(const std::string& path, const std::string& score) {
  return parse_ultrafeedback(read_file(path), path, score);
}
std::vector<PreferenceRecord> parse_ultrafeedback_binarized(const std::string& text, const std::string& origin) {
  return for_each_line(text, origin, parse_binarized);
}
std::vector<PreferenceRecord> load_ultrafeedback_binarized(const std::string& path) {
  return parse_ultrafeedback_binarized(read_file(path), path);
}

std::vector<PreferenceRecord> load_file_records(const FileDataConfig& c) {
  if (c.source == "jsonl") return load_jsonl_preferences(c.path);
  if (c.source == "ultrafeedback") return load_ultrafeedback(c.path, c.score);
  if (c.source == "ultrafeedback_binarized") return load_ultrafeedback_binarized(c.path);
  throw UserError("config key 'data.source': unknown file source '" + c.source + "'");
}

std::string SelectedRecords::summary() const {
  return fmt::format(
      "read {}, kept {} (train {}, held out {}); dropped {} empty and {} unscored responses, {} records with "
      "fewer than the loss's minimum K, {} with all scores equal, {} beyond max_records",
      read, train.size() + heldout.size(), train.size(), heldout.size(), empty_responses, unscored, too_few,
      equal_scores, over_max);
}

SelectedRecords select_records(std::vector<PreferenceRecord> records, const RecordSelection& sel, int min_k,
                               bool drop_equal_scores) {
  SelectedRecords out;
  out.read = static_cast<int64_t>(records.size());
  std::vector<PreferenceRecord> kept;
  for (auto& r : records) {
    PreferenceRecord c;
    c.prompt = std::move(r.prompt);
    for (size_t k = 0; k < r.responses.size(); ++k) {
      if (blank(r.responses[k])) {
        ++out.empty_responses;
      } else if (std::isnan(r.scores[k])) {
        ++out.unscored;
      } else {
        c.responses.push_back(std::move(r.responses[k]));
        c.scores.push_back(r.scores[k]);
      }
    }
    if (static_cast<int>(c.responses.size()) < min_k) {
      ++out.too_few;
      continue;
    }
    if (drop_equal_scores && std::all_of(c.scores.begin(), c.scores.end(), [&](double s) { return s == c.scores[0]; })) {
      ++out.equal_scores;
      continue;
    }
    kept.push_back(std::move(c));
  }
  if (sel.shuffle) {  // Fisher-Yates with the portable RNG: the same order on every platform
    Rng rng(derive_seed(static_cast<uint64_t>(sel.shuffle_seed), "data/shuffle"));
    for (size_t i = kept.size(); i > 1; --i)
      std::swap(kept[i - 1], kept[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i) - 1))]);
  }
  if (sel.max_records > 0 && static_cast<int64_t>(kept.size()) > sel.max_records) {
    out.over_max = static_cast<int64_t>(kept.size()) - sel.max_records;
    kept.resize(static_cast<size_t>(sel.max_records));
  }
  const auto n_held = static_cast<size_t>(std::ceil(sel.heldout_fraction * static_cast<double>(kept.size())));
  out.heldout.assign(std::make_move_iterator(kept.end() - static_cast<std::ptrdiff_t>(n_held)),
                     std::make_move_iterator(kept.end()));
  kept.resize(kept.size() - n_held);
  out.train = std::move(kept);
  return out;
}

void write_jsonl_preferences(const std::string& path, const std::vector<PreferenceRecord>& records) {
  std::string text;
  for (const auto& r : records)
    text += json{{"prompt", r.prompt}, {"responses", r.responses}, {"scores", r.scores}}.dump() + "\n";
  write_file_atomic(path, text);
}

}  // namespace swepo
