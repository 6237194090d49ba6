// Fuzz target: the preference data loaders (core/data/loaders.h): canonical JSONL,
// openbmb/UltraFeedback (raw) and HuggingFaceH4/ultrafeedback_binarized (chat messages).
//
// Feeds: the input, written to a temporary file, loaded through load_file_records with each source
// (UltraFeedback with a score name chosen by the input's length); what loads goes through
// select_records (min_k 2, shuffled, capped, with a held-out split) and the dataset fingerprint;
// canonical records are written back with write_jsonl_preferences and loaded again.
// Checks: errors are swepo::UserError only; every record has as many scores as responses and at
// least one response; select_records' counts add up (kept + dropped = read); the canonical
// round trip keeps the record count.
#include <string>
#include <vector>

#include "core/data/fingerprint.h"
#include "core/data/loaders.h"
#include "core/util/error.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = (fz::scratch() / "data.jsonl").string();
  fz::write_file(path, fz::as_string(data, size));
  const std::vector<std::string> scores = swepo::ultrafeedback_score_names();
  for (const char* source : {"jsonl", "ultrafeedback", "ultrafeedback_binarized"}) {
    swepo::FileDataConfig c;
    c.source = source;
    c.path = path;
    if (c.source == "ultrafeedback") c.score = scores[size % scores.size()];
    std::vector<swepo::PreferenceRecord> records;
    try {
      records = swepo::load_file_records(c);
    } catch (const swepo::UserError& e) {
    fz::note(e);
      continue;
    }
    for (const auto& r : records) {
      fz::check(!r.responses.empty(), "a record has at least one response");
      fz::check(r.responses.size() == r.scores.size(), "as many scores as responses");
    }
    (void)swepo::preference_dataset_fingerprint(records);
    swepo::RecordSelection sel;
    sel.shuffle = true;
    sel.shuffle_seed = static_cast<int64_t>(size);
    sel.max_records = static_cast<int64_t>(size % 5);
    sel.heldout_fraction = 0.25;
    const size_t n = records.size();
    swepo::SelectedRecords s = swepo::select_records(records, sel, 2, true);
    (void)s.summary();
    fz::check(s.read == static_cast<int64_t>(n), "select_records counts what it read");
    fz::check(static_cast<int64_t>(s.train.size() + s.heldout.size()) + s.too_few + s.equal_scores +
                      s.over_max == s.read,
              "kept + dropped records = read");
    if (c.source == "jsonl") {
      const std::string back = (fz::scratch() / "back.jsonl").string();
      swepo::write_jsonl_preferences(back, records);
      fz::check(swepo::load_jsonl_preferences(back).size() == n, "canonical JSONL round-trips");
    }
  }
  return 0;
}
