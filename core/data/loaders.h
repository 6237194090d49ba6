// Preference data sources beyond SynthFeedback: JSONL files, one record per line. Tensor-free.
//
//   canonical ("jsonl"):   {"prompt": str, "responses": [str, ...], "scores": [num, ...]}
//   openbmb/UltraFeedback: {"instruction": str, "completions": [{"response": str,
//                           "overall_score": num, ...}, ...], ...}  (other keys ignored)
//
// Blank lines are skipped. A malformed line throws UserError "<file>:<line>: <what>", naming the
// field at fault. Every record needs at least one response, with as many scores as responses.
#pragma once
#include <string>
#include <vector>

#include "core/data/records.h"

namespace swepo {

std::vector<PreferenceRecord> parse_jsonl_preferences(const std::string& text, const std::string& origin);
std::vector<PreferenceRecord> load_jsonl_preferences(const std::string& path);

std::vector<PreferenceRecord> parse_ultrafeedback(const std::string& text, const std::string& origin);
std::vector<PreferenceRecord> load_ultrafeedback(const std::string& path);

// Config group `data` for these sources (experiments/conf/data/jsonl.yaml, ultrafeedback.yaml).
struct JsonlDataConfig {
  std::string source = "jsonl";
  std::string path;  // the JSONL file
  template <class V>
  void visit(V& v) {
    v("source", source, "data source: jsonl (canonical multi-response JSONL)");
    v.choice("source", source, {"jsonl"});
    v("path", path, "JSONL file: {prompt, responses, scores} per line");
    v.require(!path.empty(), "path", "is required (the JSONL file)");
  }
};

struct UltraFeedbackDataConfig {
  std::string source = "ultrafeedback";
  std::string path;  // the UltraFeedback JSONL file
  template <class V>
  void visit(V& v) {
    v("source", source, "data source: ultrafeedback (openbmb/UltraFeedback records)");
    v.choice("source", source, {"ultrafeedback"});
    v("path", path, "JSONL file of openbmb/UltraFeedback records");
    v.require(!path.empty(), "path", "is required (the UltraFeedback JSONL file)");
  }
};

}  // namespace swepo
