#include "engine/checkpoint.h"

#include <sstream>

#include <torch/torch.h>

#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/sealed.h"

namespace swepo {
namespace {

c10::IValue read_ivalue(torch::serialize::InputArchive& ar, const std::string& key,
                        const std::string& path) {
  c10::IValue v;
  if (!ar.try_read(key, v)) throw UserError("checkpoint '" + path + "': missing field '" + key + "'");
  return v;
}

int64_t read_int(torch::serialize::InputArchive& ar, const std::string& key, const std::string& path) {
  c10::IValue v = read_ivalue(ar, key, path);
  if (!v.isInt()) throw UserError("checkpoint '" + path + "': field '" + key + "' is not an integer");
  return v.toInt();
}

std::string read_string(torch::serialize::InputArchive& ar, const std::string& key,
                        const std::string& path) {
  c10::IValue v = read_ivalue(ar, key, path);
  if (!v.isString()) throw UserError("checkpoint '" + path + "': field '" + key + "' is not a string");
  return v.toStringRef();
}

std::vector<std::string> read_names(torch::serialize::InputArchive& ar, const std::string& key,
                                    const std::string& path) {
  c10::IValue v = read_ivalue(ar, key, path);
  if (!v.isString()) throw UserError("checkpoint '" + path + "': field '" + key + "' is not a string");
  std::vector<std::string> names;
  std::string cur;
  for (char c : v.toStringRef()) {
    if (c == '\n') {
      names.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return names;
}

std::string join_names(const std::map<std::string, at::Tensor>& m) {
  std::string s;
  for (const auto& kv : m) s += kv.first + "\n";
  return s;
}

// Module::save nests submodules: "block0.attn_norm" is "attn_norm" in archive "block0".
bool read_nested(torch::serialize::InputArchive& ar, const std::string& dotted, at::Tensor& out,
                 bool is_buffer) {
  const auto dot = dotted.find('.');
  if (dot == std::string::npos) return ar.try_read(dotted, out, is_buffer);
  torch::serialize::InputArchive sub;
  if (!ar.try_read(dotted.substr(0, dot), sub)) return false;
  return read_nested(sub, dotted.substr(dot + 1), out, is_buffer);
}

// Parameters and buffers by name, shapes checked against the file.
void read_model(torch::serialize::InputArchive& ar, Transformer& model, const std::string& path) {
  torch::serialize::InputArchive mar;
  if (!ar.try_read("model", mar)) throw UserError("checkpoint '" + path + "': missing 'model'");
  torch::NoGradGuard no_grad;
  auto load_one = [&](const std::string& name, at::Tensor& dst, bool is_buffer) {
    at::Tensor src;
    if (!read_nested(mar, name, src, is_buffer)) {
      at::Tensor old;
      if (read_nested(mar, "tok_emb", old, false))  // parameter names before the HF naming
        throw UserError("checkpoint '" + path + "' was written by an older swepo (parameters 'tok_emb', "
                        "'block0.wqkv', ...); this build names them as Hugging Face does ('" + name +
                        "'): retrain, or load it with the swepo version that wrote it");
      throw UserError("checkpoint '" + path + "': missing model tensor '" + name + "'");
    }
    if (src.sizes() != dst.sizes()) {
      std::ostringstream os;
      os << "checkpoint '" << path << "': model tensor '" << name << "' has shape " << src.sizes()
         << ", the model expects " << dst.sizes();
      throw UserError(os.str());
    }
    dst.copy_(src);
  };
  for (auto& item : model->named_parameters(true)) load_one(item.key(), item.value(), false);
  for (auto& item : model->named_buffers(true)) load_one(item.key(), item.value(), true);
}

}  // namespace

void save_checkpoint(const std::string& path, const Transformer& model,
                     const torch::optim::Optimizer* opt, const TrainState& state) {
  torch::serialize::OutputArchive ar;
  ar.write("format", c10::IValue(kCheckpointFormat));
  ar.write("phase", c10::IValue(state.phase));
  ar.write("fingerprint", c10::IValue(state.fingerprint));
  ar.write("owner", c10::IValue(state.owner));
  ar.write("step", c10::IValue(state.step));
  ar.write("data_epoch", c10::IValue(state.data_epoch));
  ar.write("data_offset", c10::IValue(state.data_offset));
  torch::serialize::OutputArchive mar;
  model->save(mar);
  ar.write("model", mar);
  ar.write("has_optimizer", c10::IValue(int64_t(opt != nullptr)));
  if (opt) {
    torch::serialize::OutputArchive oar;
    opt->save(oar);
    ar.write("optimizer", oar);
  }
  ar.write("rng_names", c10::IValue(join_names(state.rng)));
  for (const auto& [name, t] : state.rng) ar.write("rng_" + name, t.cpu(), /*is_buffer=*/true);
  ar.write("tensor_names", c10::IValue(join_names(state.tensors)));
  for (const auto& [name, t] : state.tensors) ar.write("tensor_" + name, t.cpu(), true);
  std::ostringstream os;
  ar.save_to(os);
  write_file_sealed(path, os.str());  // atomic, with the SHA-256 trailer checked on load
}

TrainState load_checkpoint(const std::string& path, Transformer& model, torch::optim::Optimizer* opt,
                           const std::string& expect_phase, const std::string& expect_fingerprint,
                           const std::string& expect_owner) {
  std::string bytes = read_file(path);  // UserError when missing
  // A sealed file is checked before torch parses a byte of it; a file without a seal (written before
  // seals, or cut short) is left to the archive reader, which rejects a truncated zip.
  if (unseal_bytes(bytes) == SealState::broken)
    throw UserError("checkpoint '" + path + "' is corrupt: the SHA-256 of its contents does not match the "
                    "one it was written with (a damaged or hand-edited file); delete it to restart from "
                    "an earlier checkpoint or from scratch");
  torch::serialize::InputArchive ar;
  try {
    std::istringstream is(bytes);
    ar.load_from(is, model_device(model));
  } catch (const c10::Error& e) {
    throw UserError("checkpoint '" + path + "' is corrupt or not a swepo checkpoint: " +
                    e.what_without_backtrace());
  } catch (const std::exception& e) {  // torch::jit::ErrorReport (not a c10::Error): damaged archive code
    throw UserError("checkpoint '" + path + "' is corrupt or not a swepo checkpoint: " + e.what());
  }
  TrainState st;
  try {
    const int64_t format = read_int(ar, "format", path);
    if (format != kCheckpointFormat)
      throw UserError("checkpoint '" + path + "' has format version " + std::to_string(format) +
                      "; this build reads version " + std::to_string(kCheckpointFormat));
    st.phase = read_string(ar, "phase", path);
    if (!expect_phase.empty() && st.phase != expect_phase)
      throw UserError("checkpoint '" + path + "' is a '" + st.phase + "' checkpoint, expected '" +
                      expect_phase + "'");
    {
      c10::IValue owner;
      if (ar.try_read("owner", owner)) {
        if (!owner.isString()) throw UserError("checkpoint '" + path + "': field 'owner' is not a string");
        st.owner = owner.toStringRef();
      }
    }
    if (!expect_owner.empty() && !st.owner.empty() && st.owner != expect_owner)
      throw UserError("checkpoint '" + path + "' was written by run " + st.owner + ", not by this run (" +
                      expect_owner + "): a run never resumes another run's checkpoint; move or delete it, "
                      "or give this run its own output_dir");
    st.fingerprint = read_string(ar, "fingerprint", path);
    if (!expect_fingerprint.empty() && st.fingerprint != expect_fingerprint)
      throw UserError("checkpoint '" + path + "' belongs to a different run (config fingerprint " +
                      st.fingerprint.substr(0, 12) + ", this run " +
                      expect_fingerprint.substr(0, 12) +
                      "): the config, model, data or loss changed since it was written");
    st.step = read_int(ar, "step", path);
    st.data_epoch = read_int(ar, "data_epoch", path);
    st.data_offset = read_int(ar, "data_offset", path);
    read_model(ar, model, path);
    if (opt) {
      if (read_int(ar, "has_optimizer", path) == 0)
        throw UserError("checkpoint '" + path + "' holds weights only, no optimizer state to resume");
      torch::serialize::InputArchive oar;
      if (!ar.try_read("optimizer", oar))
        throw UserError("checkpoint '" + path + "': missing 'optimizer'");
      opt->load(oar);
    }
    for (const auto& name : read_names(ar, "rng_names", path)) {
      at::Tensor t;
      if (!ar.try_read("rng_" + name, t, true))
        throw UserError("checkpoint '" + path + "': missing RNG state '" + name + "'");
      st.rng[name] = t.cpu();
    }
    for (const auto& name : read_names(ar, "tensor_names", path)) {
      at::Tensor t;
      if (!ar.try_read("tensor_" + name, t, true))
        throw UserError("checkpoint '" + path + "': missing tensor '" + name + "'");
      st.tensors[name] = t.cpu();
    }
  } catch (const c10::Error& e) {
    throw UserError("checkpoint '" + path + "' is corrupt or does not match this model: " +
                    e.what_without_backtrace());
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {  // torch::jit::ErrorReport from a nested archive (optimizer)
    throw UserError("checkpoint '" + path + "' is corrupt or does not match this model: " + e.what());
  }
  return st;
}

void load_model_weights(const std::string& path, Transformer& model) {
  load_checkpoint(path, model, nullptr, "", "");
}

}  // namespace swepo
