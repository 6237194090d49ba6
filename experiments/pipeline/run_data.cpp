#include "experiments/pipeline/run_data.h"

#include "core/data/loaders.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/jsonl.h"

namespace swepo::pipeline {

std::vector<SftRecord> sft_from_best_responses(const std::vector<PreferenceRecord>& records) {
  std::vector<SftRecord> out;
  out.reserve(records.size());
  for (const auto& r : records) {
    if (r.responses.empty()) continue;
    size_t best = 0;
    for (size_t k = 1; k < r.responses.size() && k < r.scores.size(); ++k)
      if (r.scores[k] > r.scores[best]) best = k;
    out.push_back({r.prompt, r.responses[best]});
  }
  return out;
}

std::vector<SftRecord> load_chat_sft(const std::string& path, const std::string& chat_template,
                                     const ChatTokens& tokens) {
  std::vector<SftRecord> out;
  for_each_jsonl_object(read_file(path), path, [&](const nlohmann::json& j, const std::string& where) {
    auto it = j.find("messages");
    if (it == j.end() || !it->is_array() || it->empty())
      throw UserError(where + ": expected \"messages\": a non-empty list of {\"role\", \"content\"}");
    std::vector<ChatMessage> conv;
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& m = (*it)[i];
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
          !m["content"].is_string())
        throw UserError(where + ": messages[" + std::to_string(i) + "] needs string \"role\" and \"content\"");
      conv.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
    try {
      ChatPair p = format_last_turn(chat_template, conv, tokens);
      out.push_back({p.prompt, p.response});
    } catch (const UserError& e) {
      throw UserError(where + ": " + e.what());
    }
  });
  if (out.empty()) throw UserError("config key 'sft_data.path': " + path + " holds no records");
  return out;
}

RunData load_run_data(const DataSource& d, int min_k, bool drop_equal_scores) {
  RunData out;
  if (d.is_synth()) {
    synth::SynthData s = synth::load_or_build_synth_data(d.synth);
    out.sft = s.sft;
    out.pref = s.pref;
    out.description = "synthfeedback " + s.fingerprint.substr(0, 12) + ": " + std::to_string(s.sft.size()) +
                      " SFT demonstrations, " + std::to_string(s.pref.size()) + " preference prompts";
    out.synth = std::move(s);
    return out;
  }
  SelectedRecords sel = select_records(load_file_records(d.file), d.file.select, min_k, drop_equal_scores);
  if (sel.train.empty())
    throw UserError("config key 'data.path': " + d.file.path + " leaves no record to train on (" + sel.summary() + ")");
  out.selection = sel.summary();
  out.pref = std::move(sel.train);
  out.heldout = std::move(sel.heldout);
  out.sft = sft_from_best_responses(out.pref);
  out.counts = {{"data/read", static_cast<double>(sel.read)},
                {"data/train", static_cast<double>(out.pref.size())},
                {"data/heldout", static_cast<double>(out.heldout.size())},
                {"data/dropped_empty_responses", static_cast<double>(sel.empty_responses)},
                {"data/dropped_unscored_responses", static_cast<double>(sel.unscored)},
                {"data/dropped_too_few", static_cast<double>(sel.too_few)},
                {"data/dropped_equal_scores", static_cast<double>(sel.equal_scores)},
                {"data/over_max_records", static_cast<double>(sel.over_max)}};
  out.description = d.source + " " + d.file.path + ": " + std::to_string(out.pref.size()) +
                    " preference prompts; " + out.selection;
  return out;
}

}  // namespace swepo::pipeline
