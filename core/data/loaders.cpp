#include "core/data/loaders.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/jsonl.h"

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

PreferenceRecord parse_ultra(const json& j, const std::string& where) {
  PreferenceRecord r;
  r.prompt = require_string(require_field(j, "instruction", where), "instruction", where);
  const json& cs = require_field(j, "completions", where);
  if (!cs.is_array() || cs.empty()) throw UserError(where + ": field 'completions' must be a non-empty array");
  for (size_t k = 0; k < cs.size(); ++k) {
    const std::string f = "completions[" + std::to_string(k) + "]";
    if (!cs[k].is_object()) throw UserError(where + ": field '" + f + "' must be an object");
    auto resp = cs[k].find("response");
    if (resp == cs[k].end()) throw UserError(where + ": missing field '" + f + ".response'");
    auto score = cs[k].find("overall_score");
    if (score == cs[k].end()) throw UserError(where + ": missing field '" + f + ".overall_score'");
    r.responses.push_back(require_string(*resp, f + ".response", where));
    r.scores.push_back(require_number(*score, f + ".overall_score", where));
  }
  return r;
}

}  // namespace

std::vector<PreferenceRecord> parse_jsonl_preferences(const std::string& text, const std::string& origin) {
  return for_each_line(text, origin, parse_canonical);
}
std::vector<PreferenceRecord> load_jsonl_preferences(const std::string& path) {
  return parse_jsonl_preferences(read_file(path), path);
}
std::vector<PreferenceRecord> parse_ultrafeedback(const std::string& text, const std::string& origin) {
  return for_each_line(text, origin, parse_ultra);
}
std::vector<PreferenceRecord> load_ultrafeedback(const std::string& path) {
  return parse_ultrafeedback(read_file(path), path);
}

}  // namespace swepo
