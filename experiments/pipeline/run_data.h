// The data of a run: the SFT corpus, the preference corpus and (for SynthFeedback) the evaluation
// suites, built or loaded once. SynthFeedback data is cached on disk by fingerprint (synth/);
// JSONL / UltraFeedback (raw or binarized) records are read from data.path, and SFT uses each
// record's best-scored response (the first of the highest scores).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/data/records.h"
#include "core/text/chat_template.h"
#include "synth/corpus.h"
#include "experiments/pipeline/run_config.h"

namespace swepo::pipeline {

struct RunData {
  std::vector<SftRecord> sft;
  std::vector<PreferenceRecord> pref;
  std::vector<PreferenceRecord> heldout;  // file sources: data.heldout_fraction of the records
  std::string selection;                  // file sources: what was kept and dropped (SelectedRecords)
  std::map<std::string, double> counts;   // file sources: data/read, data/train, data/dropped_* ...
  std::optional<synth::SynthData> synth;  // set for data.source = synthfeedback (the eval suites)
  std::string description;                // one line for logs
};

// File sources drop (and count) empty and unscored responses, records with fewer than `min_k`
// responses and, when `drop_equal_scores`, records whose scores are all equal (the loss's traits),
// then shuffle, cap and split as data.{shuffle, max_records, heldout_fraction} say.
RunData load_run_data(const DataSource& d, int min_k = 1, bool drop_equal_scores = false);

// Chat SFT data (sft_data.source: chat): JSONL records {"messages": [{"role", "content"}, ...]}
// (UltraChat-200k), each rendered with `chat_template` on its last assistant turn (earlier turns
// are the prompt). UserError naming FILE:LINE for a bad record.
std::vector<SftRecord> load_chat_sft(const std::string& path, const std::string& chat_template,
                                     const ChatTokens& tokens);

// The best-scored response of each record (first of the highest scores) as an SFT demonstration.
std::vector<SftRecord> sft_from_best_responses(const std::vector<PreferenceRecord>& records);

}  // namespace swepo::pipeline
