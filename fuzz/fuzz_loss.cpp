// Fuzz target: `swepo loss` input (apps/cmd_loss.cpp; LibTorch). Its JSON reader (read_groups) is
// file-local, so the target runs the command itself: the loss spec from --name/--set (the registry's
// parse_loss_spec), then the JSON groups, then the loss's forward and backward in float64.
//
// Feeds: the input's first line is "NAME [key=value ...]" (the loss name and its --set options,
// separated by spaces); the rest is the JSON input file, passed as --input FILE.
// Checks: the command returns 0 or throws swepo::UserError or boost::program_options::error (what
// `swepo` reports as exit 2: a usage or input error); anything else (an exception the CLI would
// call an internal error, exit 1) is a finding. Its JSON output goes to /dev/null.
#include <cstdio>
#include <string>
#include <vector>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/util/error.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!std::freopen("/dev/null", "w", stdout)) return 1;  // the command prints its result
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input = fz::as_string(data, size);
  size_t nl = input.find('\n');
  const std::string head = input.substr(0, nl);
  const std::string json = nl == std::string::npos ? "" : input.substr(nl + 1);
  std::vector<std::string> words;
  for (std::string& w : fz::split(head, " "))
    if (!w.empty()) words.push_back(w);
  if (words.empty() || words.size() > 8) return 0;
  const std::string path = (fz::scratch() / "loss.json").string();
  fz::write_file(path, json);
  swepo::cli::Args args = {"--name", words[0], "--input", path};
  for (size_t i = 1; i < words.size(); ++i) {
    args.push_back("--set");
    args.push_back(words[i]);
  }
  try {
    swepo::cli::cmd_loss(args);
  } catch (const swepo::UserError& e) {
    fz::note(e);
  } catch (const boost::program_options::error& e) {
    fz::note(e);
  }
  return 0;
}
