#include "experiments/pipeline/run_format.h"

#include "core/util/error.h"

namespace swepo::pipeline {
namespace {

template <class F>
void per_record(size_t n, const char* what, F&& f) {
  for (size_t i = 0; i < n; ++i) {
    try {
      f(i);
    } catch (const UserError& e) {
      throw UserError(std::string(what) + " record " + std::to_string(i) + ": " + e.what());
    }
  }
}

}  // namespace

void format_preference_records(std::vector<PreferenceRecord>& records, const std::string& chat_template,
                               const ChatTokens& tokens) {
  per_record(records.size(), "preference", [&](size_t i) {
    PreferenceRecord& r = records[i];
    const std::vector<ChatMessage> conv = {{"user", r.prompt}};
    for (auto& resp : r.responses) resp = format_response(chat_template, conv, resp, tokens);
    r.prompt = format_prompt(chat_template, conv, tokens);
  });
}

void format_sft_records(std::vector<SftRecord>& records, const std::string& chat_template,
                        const ChatTokens& tokens) {
  per_record(records.size(), "SFT", [&](size_t i) {
    SftRecord& r = records[i];
    const std::vector<ChatMessage> conv = {{"user", r.prompt}};
    r.response = format_response(chat_template, conv, r.response, tokens);
    r.prompt = format_prompt(chat_template, conv, tokens);
  });
}

}  // namespace swepo::pipeline
