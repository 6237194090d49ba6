// Fuzz target: training checkpoint files (engine/checkpoint.h; LibTorch): a torch::serialize
// archive with format, phase, fingerprint, step, data position, model, optimizer, RNG states and
// extra tensors.
//
// Feeds: the input as a checkpoint file, loaded by load_checkpoint into a tiny model (vocab 16,
// D 8, one layer, two heads) without an optimizer; then the input sealed (core/util/sealed.h: the
// SHA-256 trailer every checkpoint carries, so that a mutated archive still reaches the archive
// reader instead of stopping at the seal check), loaded again, with an AdamW optimizer and the
// expected phase "pref" when the input's length is odd.
// Checks: errors are swepo::UserError only (the loader wraps LibTorch's c10::Error for a corrupt
// file into one).
// Seed: SWEPO_FUZZ_WRITE_SEEDS=DIR makes the binary write valid checkpoints of that model into DIR
// and exit (scripts/fuzz.sh does not need it: fuzz/corpus/fuzz_checkpoint holds them).
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "core/util/error.h"
#include "core/util/sealed.h"
#include "engine/checkpoint.h"
#include "engine/model.h"
#include "engine/model_config.h"
#include "fuzz_common.h"

namespace {

swepo::ModelConfig tiny() {
  swepo::ModelConfig c;
  c.vocab_size = 16;
  c.n_layer = 1;
  c.n_head = 2;
  c.d_model = 8;
  c.d_ff = 16;
  c.max_seq_len = 8;
  return c;
}

swepo::Transformer& model() {
  static swepo::Transformer m(tiny());
  return m;
}

void write_seeds(const std::string& dir) {
  swepo::Transformer m(tiny());
  swepo::TrainState st;
  st.phase = "model";
  st.step = 3;
  st.rng["cpu"] = torch::arange(8, torch::kUInt8);
  st.tensors["ref"] = torch::ones({2, 2});
  swepo::save_checkpoint(dir + "/weights.pt", m, nullptr, st);
  torch::optim::AdamW opt(m->parameters(), torch::optim::AdamWOptions(1e-3));
  auto loss = m->parameters()[0].sum();
  loss.backward();
  opt.step();
  st.phase = "pref";
  st.fingerprint = "abc";
  swepo::save_checkpoint(dir + "/resume.pt", m, &opt, st);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  if (const char* dir = std::getenv("SWEPO_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  (void)model();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = (fz::scratch() / "ckpt.pt").string();
  fz::write_file(path, fz::as_string(data, size));
  try {
    swepo::TrainState st = swepo::load_checkpoint(path, model(), nullptr, "", "");
    (void)st;
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  fz::write_file(path, swepo::seal_bytes(fz::as_string(data, size)));
  try {
    if (size % 2 == 1) {
      torch::optim::AdamW opt(model()->parameters(), torch::optim::AdamWOptions(1e-3));
      swepo::TrainState st = swepo::load_checkpoint(path, model(), &opt, "pref", "");
      (void)st;
    } else {
      swepo::TrainState st = swepo::load_checkpoint(path, model(), nullptr, "", "");
      (void)st;
    }
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  return 0;
}
