// Training checkpoints: model, optimizer, scheduler position, step, RNG states and data position,
// written atomically (serialised in memory, written to a temporary file, then renamed).
//
// File: a torch::serialize archive with
//   format            int     kCheckpointFormat (a mismatch is a UserError)
//   phase             string  "sft" | "pref" | "model" (weights only)
//   fingerprint       string  run fingerprint (config, model, data, loss); must match on resume
//   owner             string  the run that wrote it ("<store uid>/run<ID>", "" unrecorded); a
//                             resume by another run is refused (absent in older files: "")
//   step              int     optimizer updates done
//   data_epoch        int     epoch of the next batch
//   data_offset       int     position of the next batch in that epoch's permutation
//   model             archive parameters and buffers
//   optimizer         archive (absent for weights-only files)
//   rng_<name>        tensor  generator states (CPU mt19937 state as uint8)
//   tensor_<name>     tensor  extra tensors (e.g. cached reference log-probs)
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

#include "engine/model.h"

namespace torch::optim {
class Optimizer;
}

namespace swepo {

constexpr int64_t kCheckpointFormat = 2;  // 2: Hugging Face parameter names (model.layers.{i}...)

struct TrainState {
  std::string phase;        // "sft" | "pref" | "model"
  std::string fingerprint;  // run fingerprint
  std::string owner;        // the run that wrote it: "<store uid>/run<ID>"; "" = not recorded
  int64_t step = 0;
  int64_t data_epoch = 0;
  int64_t data_offset = 0;
  std::map<std::string, at::Tensor> rng;      // generator states
  std::map<std::string, at::Tensor> tensors;  // extra tensors
};

// Writes `path` atomically (parent directories created). `opt` may be null (weights only).
void save_checkpoint(const std::string& path, const Transformer& model,
                     const torch::optim::Optimizer* opt, const TrainState& state);

// Reads `path` into `model` (and `opt` when non-null), mapping tensors to the model's device.
// UserError naming the path when the file is missing or corrupt, the format version differs,
// the phase differs from `expect_phase` (when non-empty), the fingerprint differs from
// `expect_fingerprint` (when non-empty), or a parameter's name or shape does not match the model.
// `expect_owner` non-empty: a checkpoint whose owner is set and differs is refused first, naming
// both runs (it was written by another run; its fingerprint is not even compared).
TrainState load_checkpoint(const std::string& path, Transformer& model, torch::optim::Optimizer* opt,
                           const std::string& expect_phase, const std::string& expect_fingerprint,
                           const std::string& expect_owner = "");

// Weights only (any phase), e.g. the SFT result as the start of preference training.
void load_model_weights(const std::string& path, Transformer& model);

}  // namespace swepo
