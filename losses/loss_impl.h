// What every loss implementation shares: its registered identity (name + traits), passed in by the
// registry (losses/registry.cpp) so that the table row is the one place a loss's traits are stated.
//
// Dimension glossary: B prompts, K response slots per prompt.
#pragma once
#include <string>

#include "losses/loss.h"

namespace swepo {

struct LossId {
  std::string name;   // registry name, used in error messages ("loss 'dpo': ...")
  LossTraits traits;  // what the loss reads; validate_batch() enforces it
};

}  // namespace swepo
