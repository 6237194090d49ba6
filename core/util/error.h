// Error types shared by every swepo library.
//
// UserError: the input, a config or a command line is wrong. The CLI prints the message and exits 2.
// Anything else that escapes to main is an internal error: exit 1.
#pragma once
#include <stdexcept>
#include <string>

namespace swepo {

struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace swepo
