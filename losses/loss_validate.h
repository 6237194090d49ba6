// Input checks the registry runs once before a loss computes (one host sync per checked field).
//
// Dimension glossary: B prompts, K response slots per prompt.
#pragma once
#include <string>

#include "losses/loss.h"

namespace swepo {

// Throws UserError naming the loss, the field, the prompt index and the shape at fault when:
// mask is missing, not bool or not [B, K]; a field the loss reads is missing (ref_logps for a loss
// that needs a reference, scores, lengths); any defined field's shape differs from mask's; a valid
// entry of a field the loss reads is NaN or inf; a valid length is negative (or zero, for a loss
// that divides by it); a prompt has fewer than traits.min_k valid responses.
void validate_batch(const PreferenceBatch& batch, const std::string& loss_name,
                    const LossTraits& traits);

}  // namespace swepo
