// Preference data sources beyond SynthFeedback: JSONL files, one record per line. Tensor-free.
//
//   canonical ("jsonl"):   {"prompt": str, "responses": [str, ...], "scores": [num, ...]}
//   openbmb/UltraFeedback: {"instruction": str, "completions": [{"response": str,
//                           "overall_score": num, "fine-grained_score": num, "annotations":
//                           {aspect: {"Rating": "1".."5" | "N/A", ...}}, ...}, ...], ...}
//   ultrafeedback_binarized: {"prompt", "chosen", "rejected", "score_chosen", "score_rejected"}
//   (other keys ignored)
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

// openbmb/UltraFeedback: which score becomes a response's score (data.score): overall_score,
// fine-grained_score, an aspect's rating (helpfulness, honesty, instruction_following,
// truthfulness: annotations.<aspect>.Rating) or mean_rating (the mean of the four). A rating of
// "N/A" (or a missing aspect) leaves the response unscored: it is dropped and counted.
std::vector<std::string> ultrafeedback_score_names();
std::vector<PreferenceRecord> parse_ultrafeedback(const std::string& text, const std::string& origin,
                                                  const std::string& score = "overall_score");
std::vector<PreferenceRecord> load_ultrafeedback(const std::string& path, const std::string& score = "overall_score");

// HuggingFaceH4/ultrafeedback_binarized: {"prompt": str, "chosen": [messages], "rejected":
// [messages], "score_chosen": num, "score_rejected": num}; each response is the content of the
// last assistant message of its list (K = 2).
std::vector<PreferenceRecord> parse_ultrafeedback_binarized(const std::string& text, const std::string& origin);
std::vector<PreferenceRecord> load_ultrafeedback_binarized(const std::string& path);

// Which records a run trains on, and what was left out (counted, never silently).
struct RecordSelection {
  int64_t max_records = 0;        // keep the first N records after the shuffle (0 = all)
  bool shuffle = false;           // shuffle the records with shuffle_seed before max_records / the split
  int64_t shuffle_seed = 0;
  double heldout_fraction = 0.0;  // the last ceil(f * N) of the kept records are held out of training
};
struct SelectedRecords {
  std::vector<PreferenceRecord> train, heldout;
  int64_t read = 0;               // records in the file
  int64_t empty_responses = 0;    // responses dropped: empty (or whitespace-only) text
  int64_t unscored = 0;           // responses dropped: no score (NaN, e.g. an "N/A" rating)
  int64_t too_few = 0;            // records dropped: fewer than min_k responses left
  int64_t equal_scores = 0;       // records dropped: all scores equal (when the loss skips ties)
  int64_t over_max = 0;           // records beyond max_records
  std::string summary() const;    // one line: "read 10, kept 7 (train 6, held out 1); dropped ..."
};
// Drops what cannot train (counted), then shuffles, caps and splits as `sel` says.
SelectedRecords select_records(std::vector<PreferenceRecord> records, const RecordSelection& sel, int min_k,
                               bool drop_equal_scores);

// Config group `data` for the file sources (experiments/conf/data/jsonl.yaml, ultrafeedback.yaml,
// ultrafeedback_binarized.yaml).
struct FileDataConfig {
  std::string source = "jsonl";
  std::string path;                     // the JSONL file
  std::string score = "overall_score";  // ultrafeedback only
  RecordSelection select;
  template <class V>
  void visit(V& v) {
    v("source", source, "data source: jsonl (canonical) | ultrafeedback (openbmb raw) | ultrafeedback_binarized");
    v.choice("source", source, {"jsonl", "ultrafeedback", "ultrafeedback_binarized"});
    v("path", path, "the JSONL file");
    v.require(!path.empty(), "path", "is required (the JSONL file)");
    v("score", score, "ultrafeedback: overall_score | fine-grained_score | an aspect's rating | mean_rating");
    v.choice("score", score, ultrafeedback_score_names());
    v.require(source == "ultrafeedback" || score == "overall_score", "score", "applies to source ultrafeedback only");
    v("max_records", select.max_records, "use at most N records (after the shuffle; 0 = all)");
    v.require(select.max_records >= 0, "max_records", "must be >= 0");
    v("shuffle", select.shuffle, "shuffle the records (seeded by shuffle_seed) before max_records and the split");
    v("shuffle_seed", select.shuffle_seed, "seed of the shuffle");
    v("heldout_fraction", select.heldout_fraction,
      "fraction of the records held out of training (written to <output_dir>/heldout.jsonl)");
    v.require(select.heldout_fraction >= 0 && select.heldout_fraction < 1, "heldout_fraction", "must be in [0, 1)");
  }
};

// The records of a file source, in file order (no selection).
std::vector<PreferenceRecord> load_file_records(const FileDataConfig& c);

// Writes records as canonical JSONL ({prompt, responses, scores}), atomically.
void write_jsonl_preferences(const std::string& path, const std::vector<PreferenceRecord>& records);

}  // namespace swepo
