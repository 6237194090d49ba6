// Fuzz target: Hugging Face config.json (engine/hf_config.h; its JSON part is tensor-free, so this
// target compiles engine/hf_config.cpp and engine/model_config.cpp without LibTorch).
//
// Feeds: the input as config.json text to hf_parse_config, and as DIR/config.json to hf_read_config.
// Checks: errors are swepo::UserError only; both entry points agree; a parsed config is written
// back with hf_config_json (the input as the base) and that text parses again to the same sizes.
#include <string>

#include "core/util/error.h"
#include "engine/hf_config.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fz::as_string(data, size);
  bool parsed = false;
  swepo::HfModelInfo info;
  try {
    info = swepo::hf_parse_config(text, "config.json");
    parsed = true;
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  const auto dir = fz::scratch() / "model";
  fz::write_file(dir / "config.json", text);
  try {
    swepo::HfModelInfo again = swepo::hf_read_config(dir.string());
    fz::check(parsed && again.model.d_model == info.model.d_model, "hf_read_config agrees with hf_parse_config");
  } catch (const swepo::UserError& e) {
    fz::note(e);
    fz::check(!parsed, "hf_read_config refuses only what hf_parse_config refuses");
  }
  if (!parsed) return 0;
  const swepo::ModelConfig& m = info.model;
  std::string out;
  try {
    out = swepo::hf_config_json(m, info.torch_dtype, text);
  } catch (const swepo::UserError& e) {
    fz::note(e);
    return 0;  // e.g. a base that is not an object is refused on write
  }
  swepo::HfModelInfo back;
  try {
    back = swepo::hf_parse_config(out, "written config.json");
  } catch (const swepo::UserError& e) {
    std::fprintf(stderr, "written config.json does not parse: %s\n%s\n", e.what(), out.c_str());
    fz::check(false, "hf_config_json output parses again");
  }
  const swepo::ModelConfig& b = back.model;
  fz::check(b.arch == m.arch && b.vocab_size == m.vocab_size && b.d_model == m.d_model &&
                b.d_ff == m.d_ff && b.n_layer == m.n_layer && b.n_head == m.n_head &&
                b.n_kv_head == m.n_kv_head && b.head_dim == m.head_dim &&
                b.tie_embeddings == m.tie_embeddings && b.attention_bias == m.attention_bias,
            "hf_config_json round-trips the sizes");
  return 0;
}
