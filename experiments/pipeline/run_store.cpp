#include "experiments/pipeline/run_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/fingerprint.h"
#include "core/util/fs.h"
#include "core/util/hash.h"
#include "core/util/numerics.h"

namespace fs = std::filesystem;

namespace swepo::pipeline {

RunInputs run_inputs(const RunConfig& cfg) {
  const std::string cache = (fs::path(cfg.cache_dir) / "fingerprints").string();
  RunInputs in;
  auto add = [&](const std::string& key, const std::string& path) {
    try {
      in.emplace_back(key, content_fingerprint(path, cache));
    } catch (const UserError& e) {
      throw UserError("config key '" + key + "': " + e.what());
    }
  };
  if (!cfg.data.is_synth()) add("data.path", cfg.data.file.path);
  if (!cfg.model.path.empty()) add("model.path", cfg.model.path);
  if (cfg.sft_data.source == "chat") add("sft_data.path", cfg.sft_data.path);
  std::sort(in.begin(), in.end());
  return in;
}

RunSpec run_spec_from(const ComposedConfig& c, const RunConfig& cfg) {
  RunSpec s = run_spec_of(c, cfg.seed, run_inputs(cfg));
  // The numerics version (core/util/numerics.h) is recorded with every run; from version 2 on it
  // is part of the identity too, so a build whose numbers moved reruns a sweep's jobs instead of
  // counting an older build's runs as done (version 1's runs keep the hash they always had).
  s.params.emplace_back("numerics", std::to_string(kNumericsVersion));
  if (kNumericsVersion > 1) s.config_hash = sha256_hex(s.config_hash + "\nnumerics " + std::to_string(kNumericsVersion));
  return s;
}

std::function<RunSpec(const std::vector<std::string>&)> run_spec_composer(const std::string& conf_dir) {
  return [conf_dir](const std::vector<std::string>& overrides) {
    ComposedConfig c = compose_run_config(conf_dir, overrides);
    RunConfig cfg = run_config_from(c);
    resolve_hf_model(c, cfg);
    return run_spec_from(c, cfg);
  };
}

std::string RunOwner::label() const {
  if (!store_uid.empty())
    return fmt::format("run {} of store {} ({})", run_id, store_uid, db.empty() ? "?" : db);
  return fmt::format("an unrecorded run (config {}, seed {})", config_hash.substr(0, 12), seed);
}

std::string RunOwner::checkpoint_owner() const {
  return store_uid.empty() ? "" : store_uid + "/run" + std::to_string(run_id);
}

namespace {

nlohmann::json owner_json(const RunOwner& o) {
  nlohmann::json j;
  j["store"] = o.store_uid.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.store_uid);
  j["db"] = o.store_uid.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.db);
  j["run_id"] = o.store_uid.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.run_id);
  j["config_hash"] = o.config_hash;
  j["seed"] = o.seed;
  return j;
}

// The folder's owner from its run.json; UserError naming the file when it does not parse.
RunOwner read_owner(const fs::path& file) {
  RunOwner o;
  try {
    std::ifstream in(file);
    nlohmann::json j = nlohmann::json::parse(in);
    if (!j.at("store").is_null()) {
      o.store_uid = j.at("store").get<std::string>();
      o.db = j.at("db").is_null() ? "" : j.at("db").get<std::string>();
      o.run_id = j.at("run_id").get<int64_t>();
    }
    o.config_hash = j.at("config_hash").get<std::string>();
    o.seed = j.at("seed").get<int64_t>();
  } catch (const std::exception& e) {
    throw UserError("output folder '" + file.parent_path().string() + "': its owner file '" + file.string() +
                    "' is damaged (" + e.what() + "), so which run owns the folder cannot be told; "
                    "remove the folder or give this run another output_dir");
  }
  return o;
}

bool same_owner(const RunOwner& a, const RunOwner& b) {
  if (a.store_uid.empty() != b.store_uid.empty()) return false;
  if (!a.store_uid.empty()) return a.store_uid == b.store_uid && a.run_id == b.run_id;
  return a.config_hash == b.config_hash && a.seed == b.seed;
}

}  // namespace

void claim_output_dir(const std::string& dir, const RunOwner& owner) {
  const fs::path file = fs::path(dir) / "run.json";
  const bool recorded = !owner.store_uid.empty();
  std::error_code ec;
  if (fs::exists(file, ec)) {
    const RunOwner found = read_owner(file);
    if (same_owner(found, owner)) return;
    // A recorded run's folder is its own for good (the store holds its files' checksums and may
    // resume it). An unrecorded run's folder holds nothing a store refers to: another unrecorded
    // run may take it over (`--no-db` reruns into one folder), a recorded one may not (it would
    // resume a checkpoint whose metrics no store has).
    if (!found.store_uid.empty() || recorded)
      throw UserError("output folder '" + dir + "' belongs to " + found.label() + " (" + file.string() +
                      "), not to this run, " + owner.label() +
                      ": a run never writes into, resumes from or overwrites another recorded run's folder, "
                      "and a recorded run never takes over another run's; set output_dir to a folder of its "
                      "own, or remove that one if its run is gone");
  } else if (recorded) {
    for (const char* leftover : {"summary.json", "checkpoint", "config.yaml"})
      if (fs::exists(fs::path(dir) / leftover, ec))
        throw UserError("output folder '" + dir + "' holds a run's files ('" + leftover +
                        "') but no run.json naming its owner (an older swepo or another tool wrote them): "
                        "this run (" + owner.label() + ") will not resume or overwrite them; set output_dir "
                        "to a folder of its own, or remove that one");
  }
  write_file_atomic(file.string(), owner_json(owner).dump(2) + "\n");
}

StoreMetricSink::StoreMetricSink(Store& store, int64_t run_id) : writer_(store, run_id) {}

void StoreMetricSink::log(int64_t step, const MetricMap& metrics) {
  std::map<std::string, double> prefixed;
  for (const auto& [k, v] : metrics) prefixed[phase_.empty() ? k : phase_ + "/" + k] = v;
  writer_.log(step, prefixed);
}

}  // namespace swepo::pipeline
