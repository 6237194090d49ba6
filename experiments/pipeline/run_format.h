// Records as a chat model reads them: every prompt and response of a run's data rendered with the
// model's chat template (core/text/chat_template.h) before tokenization.
//
//   prompt   := format_prompt(template, [{user, prompt}])            (ends with the assistant header)
//   response := format_response(template, [{user, prompt}], response) (content + end-of-turn)
//
// The rendered text carries the template's own specials (BOS, headers, end-of-turn), so the rows
// are built without adding any (engine/chat_tokenizer.h). Prompt and responses are tokenized
// separately, as TRL does, so the K responses of a prompt share its tokens exactly. Tensor-free.
#pragma once
#include <string>
#include <vector>

#include "core/data/records.h"
#include "core/text/chat_template.h"

namespace swepo::pipeline {

// Renders each record in place. UserError naming the record index when the template rejects it.
void format_preference_records(std::vector<PreferenceRecord>& records, const std::string& chat_template,
                               const ChatTokens& tokens);
void format_sft_records(std::vector<SftRecord>& records, const std::string& chat_template,
                        const ChatTokens& tokens);

}  // namespace swepo::pipeline
