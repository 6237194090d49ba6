#include "experiments/pipeline/pipeline.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/config/conf_dir.h"
#include "core/config/emit.h"
#include "core/config/override.h"
#include "core/config/tree.h"
#include "engine/device.h"
#include "engine/distributed.h"
#include "engine/hf_checkpoint.h"
#include "engine/lora.h"
#include "engine/model.h"
#include "engine/stop_signal.h"
#include "engine/train_common.h"
#include "engine/train_pref.h"
#include "core/store/provenance.h"
#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "core/store/store_url.h"
#include "core/util/cores.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/hash.h"
#include "core/util/numerics.h"
#include "core/util/strings.h"
#include "experiments/pipeline/run_data.h"
#include "experiments/pipeline/run_eval.h"
#include "experiments/pipeline/run_format.h"
#include "experiments/pipeline/run_model.h"
#include "experiments/pipeline/run_sft.h"
#include "experiments/pipeline/run_store.h"
#include "experiments/pipeline/run_summary.h"
#include "losses/registry.h"
#include "core/config/sweep_syntax.h"

namespace fs = std::filesystem;

namespace swepo::pipeline {

std::string default_conf_dir() { return find_conf_dir(); }

ResolvedRun resolve_run(const std::string& conf_dir, const std::vector<std::string>& overrides) {
  ResolvedRun r;
  r.composed = compose_run_config(conf_dir, overrides);
  r.cfg = run_config_from(r.composed);
  resolve_hf_model(r.composed, r.cfg);  // model=hf: config.json's values are what is recorded
  return r;
}

std::string run_folder_name(int64_t run_id, const std::string& store_uid) {
  return "run" + std::to_string(run_id) + "-" + store_uid;
}

namespace {

// The store side of one run: registration, start, failure and finish.
struct StoreRun {
  std::unique_ptr<Store> store;
  int64_t id = -1;
  RunSpec spec;    // the run's identity (config hash with its inputs' fingerprints)
  RunOwner owner;  // who owns the output folder (run.json) and its checkpoints
  std::unique_ptr<StoreMetricSink> sink;
  double last_heartbeat = 0;
  void heartbeat() {
    if (!store || wall_seconds() - last_heartbeat < 10.0) return;
    last_heartbeat = wall_seconds();
    run_heartbeat(*store, id);
  }
};

std::string torch_version_text() {
  return fmt::format("{}.{}.{}", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH);
}

std::string device_text(const c10::Device& d) { return d.str(); }

void apply_thread_env() {
  if (const char* t = std::getenv("SWEPO_THREADS")) {
    const int n = std::atoi(t);
    if (n > 0) torch::set_num_threads(n);
  }
}

ArtifactRow artifact(const std::string& kind, const std::string& path) {
  return {kind, fs::absolute(path).lexically_normal().string(), sha256_file(path)};
}

// What the SFT stage trains on (sft_data, run_config.h).
std::vector<SftRecord> sft_corpus(const RunConfig& cfg, const RunModel& rm, const RunData& data) {
  const std::string& src = cfg.sft_data.source;
  if (src == "none" || (src == "auto" && rm.hf)) return {};
  if (src == "chat")
    return load_chat_sft(cfg.sft_data.path, rm.hf ? rm.chat_template : "none", rm.chat_tokens);
  return data.sft;  // auto (native) or best
}

// An HF directory's artifact hash: SHA-256 over its files' names and SHA-256s, in name order.
std::string directory_hash(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string acc;
  for (const auto& n : names) acc += n + " " + sha256_file((fs::path(dir) / n).string()) + "\n";
  return sha256_hex(acc);
}

// Everything after registration; throws on failure (the caller marks the run FAILED).
// dist: the data-parallel ranks (null: one process). Every rank runs the stages (SFT replicated,
// the preference stage data-parallel); rank 0 alone writes outputs, evaluates, exports and records.
RunOutcome run_stages(const ResolvedRun& rr, StoreRun& sr, std::ostream& out, Distributed* dist) {
  const bool primary = !dist || dist->rank() == 0;
  const RunConfig& cfg = rr.cfg;
  const double t_start = wall_seconds();
  RunOutcome res;
  res.run_id = sr.id;
  res.output_dir = cfg.output_dir;
  apply_thread_env();
  if (primary) claim_output_dir(cfg.output_dir, sr.owner);  // before anything is written there
  make_dirs(cfg.output_dir);
  const std::string config_path = (fs::path(cfg.output_dir) / "config.yaml").string();
  if (primary) write_file_atomic(config_path, config_to_yaml(rr.composed.config));

  // Data.
  double t = wall_seconds();
  LossTraits traits;  // loss none: every record with a response is kept
  traits.min_k = 1;
  traits.skips_ties = false;
  if (!cfg.skip_preference) traits = cfg.loss.info->traits;
  RunData data = load_run_data(cfg.data, traits.min_k, traits.skips_ties);
  if (!data.heldout.empty() && primary) {
    const std::string held = (fs::path(cfg.output_dir) / "heldout.jsonl").string();
    write_jsonl_preferences(held, data.heldout);
    std::cerr << "data: " << data.heldout.size() << " held-out records -> " << held << "\n";
  }
  const double data_s = wall_seconds() - t;
  std::cerr << "data: " << data.description << " (" << format_duration(data_s) << ")\n";
  // The model side: a native preset or model=hf (its tokenizer, chat template and weights).
  RunModel rm = open_run_model(cfg);
  const Tokenizer& tok = *rm.tok;
  std::vector<SftRecord> sft_records = sft_corpus(cfg, rm, data);
  if (rm.hf && rm.chat_template != "none") {  // render the text the way the model was trained
    format_preference_records(data.pref, rm.chat_template, rm.chat_tokens);
    if (cfg.sft_data.source == "best") format_sft_records(sft_records, rm.chat_template, rm.chat_tokens);
  }
  if (rm.hf) std::cerr << "model: " << cfg.model.path << " (chat template " << rm.chat_template << ")\n";

  // Metric sinks: console, <output_dir>/metrics.jsonl, the store.
  ConsoleSink console(stderr);
  const std::string metrics_path = (fs::path(cfg.output_dir) / "metrics.jsonl").string();
  JsonlSink jsonl(primary ? metrics_path : "/dev/null", /*append=*/false);
  std::vector<MetricSink*> sinks = {&console, &jsonl};
  if (!primary) sinks.clear();  // rank 0 reports the (all-reduced) metrics
  if (sr.sink) sinks.push_back(sr.sink.get());
  FanoutSink sink(sinks);
  if (!data.counts.empty()) {  // what the data selection kept and dropped, as step-0 metrics
    jsonl.log(0, data.counts);
    if (sr.sink) sr.sink->log(0, data.counts);
  }

  // SFT (cached).
  SftOutcome sft = sft_stage(cfg, rm, sft_records, sink);
  res.sft_cached = sft.cached;
  sr.heartbeat();

  // Preference optimisation (the trainer reads the loss's traits, never its name).
  Transformer policy = sft.model;
  std::optional<TrainResult> pref;
  std::string pref_checkpoint;
  double pref_s = 0;
  if (!cfg.skip_preference) {
    std::unique_ptr<Loss> loss = cfg.loss.make();
    TrainRunOptions run;
    run.checkpoint_dir = (fs::path(cfg.output_dir) / "checkpoint").string();
    // A recorded run owns its output dir (<output_dir>/run<ID>): a checkpoint there is this run's
    // earlier attempt (preempted, requeued, killed), so resume from it and redo only what follows.
    const fs::path last = fs::path(run.checkpoint_dir) / "last.pt";
    bool resume = sr.store && fs::exists(last);
    if (dist) resume = dist->all_reduce_sum(resume ? 1.0 : 0.0) > 0;  // rank 0 decides for every rank
    if (resume) {
      run.resume_from = last.string();
      run.on_resume = [&sr](int64_t step) {
        std::cerr << "pref: resumed at step " << step << "\n";
        if (sr.sink) sr.sink->flush();
        if (sr.store) run_truncate_metrics(*sr.store, sr.id, step + 1, "pref/");
      };
      std::cerr << "pref: resuming from " << run.resume_from << "\n";
    }
    run.dist = dist;
    run.owner = sr.owner.checkpoint_owner();
    run.extra_fingerprint = "sft=" + sft.fingerprint + "\nloss=" + tree_canonical(cfg.loss.to_yaml());
    if (cfg.trainer.peft == "lora") {  // adapters on the SFT model, the base frozen (engine/lora.h)
      add_lora(policy, cfg.lora, static_cast<uint64_t>(cfg.seed));
      const int64_t bf16 = cfg.trainer.precision == "bf16" ? store_frozen_bf16(policy) : 0;
      std::cerr << "pref: LoRA r=" << cfg.lora.r << " alpha=" << cfg.lora.alpha << " on "
                << join(lora_targets(cfg.lora), ",") << ": " << lora_numel(policy) << " trainable of "
                << model_numel(policy) << " parameters" << (bf16 > 0 ? ", frozen base stored in bf16" : "")
                << "; the reference is the base (adapters off)\n";
      run.extra_fingerprint += "\nlora=" + tree_canonical(with_defaults(YAML::Node(), cfg.lora));
    }
    std::cerr << fmt::format("pref: loss {} on {} prompts, seed {} (data order {}, loss sampling {})\n",
                             cfg.loss_name, data.pref.size(), cfg.seed, cfg.trainer.order_seed(),
                             cfg.trainer.loss_seed());
    pref = train_preference(policy, tok, data.pref, *loss, cfg.trainer, cfg.truncation, sink, run);
    pref_s = pref->seconds;
    pref_checkpoint = pref->checkpoint_path;
    res.preference_trained = true;
  } else {
    std::cerr << "pref: loss none: evaluating the SFT model\n";
  }
  if (sr.sink) sr.sink->flush();

  // Evaluation.
  t = wall_seconds();
  std::optional<synth::EvalReport> report;
  if (data.synth && primary) {
    report = eval_stage(policy, tok, *data.synth, cfg, [&] { sr.heartbeat(); });
    res.average = report->average;
  } else {
    std::cerr << "eval: skipped (the alpaca/arena/mtbench suites need data=synthfeedback)\n";
  }
  const double eval_s = wall_seconds() - t;

  // LoRA: the adapters in PEFT's format (peft.PeftModel.from_pretrained(base, DIR) loads them).
  std::string adapter_dir;
  const bool lora = has_lora(policy);
  if (lora && primary) {
    adapter_dir = (fs::path(cfg.output_dir) / "adapter").string();
    save_peft_adapter(policy, adapter_dir,
                      rm.hf ? fs::absolute(cfg.model.path).lexically_normal().string() : cfg.model.name);
    std::cerr << "adapter: " << adapter_dir << "\n";
  }

  // model=hf: the trained policy as a Hugging Face directory (transformers / vLLM / the judges'
  // generation scripts load it), with DIR's tokenizer files; with LoRA the adapters merged in.
  std::string hf_export_dir;
  if (rm.hf && primary) {
    hf_export_dir = (fs::path(cfg.output_dir) / "hf_model").string();
    HfExportOptions eo;
    eo.source_dir = cfg.model.path;
    export_hf_model(lora ? lora_merged(policy) : policy, hf_export_dir, eo);
    std::cerr << "export: " << hf_export_dir << (lora ? " (adapters merged)" : "") << "\n";
  }

  if (!primary) return res;  // rank 0 writes the summary and records the run

  // Summary.
  nlohmann::json j;
  j["run_id"] = sr.id >= 0 ? nlohmann::json(sr.id) : nlohmann::json(nullptr);
  j["config_hash"] = sr.spec.config_hash;
  j["numerics"] = kNumericsVersion;
  j["store"] = sr.owner.store_uid.empty() ? nlohmann::json(nullptr) : nlohmann::json(sr.owner.store_uid);
  {
    nlohmann::json inputs = nlohmann::json::object();
    for (const auto& [k, v] : sr.spec.params)
      if (k.rfind(kInputParamPrefix, 0) == 0) inputs[k.substr(std::string(kInputParamPrefix).size())] = v;
    j["inputs"] = inputs;
  }
  j["seed"] = cfg.seed;
  j["seeds"] = {{"data", cfg.trainer.order_seed()}, {"pair", cfg.trainer.loss_seed()},
                {"eval", cfg.eval_seed ? nlohmann::json(*cfg.eval_seed) : nlohmann::json("decodings")}};
  j["loss"] = cfg.loss_name;
  j["model"] = {{"name", cfg.model.name}, {"parameters", count_parameters(sft.model->config())}};
  j["data"] = data.description;
  j["overrides"] = rr.composed.overrides;
  j["sft"] = {{"fingerprint", sft.fingerprint}, {"checkpoint", sft.checkpoint}, {"cached", sft.cached},
              {"seconds", sft.seconds},         {"train_seconds", sft.train_seconds},
              {"steps", sft.steps},             {"last_loss", sft.last_loss}};
  if (pref) {
    j["pref"] = {{"steps", pref->steps_done},
                 {"seconds", pref->seconds},
                 {"last_loss", pref->last_loss},
                 {"tokens", pref->tokens},
                 {"truncated_responses", pref->truncated_responses},
                 {"reference_used", pref->reference_used},
                 {"reference_from_cache", pref->reference_from_cache},
                 {"reference_rows", pref->reference_rows},
                 {"checkpoint", pref->checkpoint_path},
                 {"peft", cfg.trainer.peft},
                 {"adapter", lora ? nlohmann::json(adapter_dir) : nlohmann::json(nullptr)}};
  } else {
    j["pref"] = nullptr;
  }
  j["eval"] = report ? eval_report_json(*report) : nlohmann::json(nullptr);
  j["timings"] = {{"data_s", data_s}, {"sft_s", sft.seconds}, {"sft_cached", sft.cached},
                  {"pref_s", pref_s},  {"eval_s", eval_s},     {"total_s", wall_seconds() - t_start}};
  res.summary_path = (fs::path(cfg.output_dir) / "summary.json").string();
  write_file_atomic(res.summary_path, j.dump(2) + "\n");

  out << fmt::format("\nrun {} | loss {} | seed {} | SFT {} ({}) | pref {} | eval {} | output {}\n",
                     sr.id >= 0 ? std::to_string(sr.id) : "-", cfg.loss_name, cfg.seed,
                     sft.skipped ? "none" : sft.cached ? "cached" : "trained", format_duration(sft.seconds),
                     pref ? format_duration(pref_s) : "skipped", format_duration(eval_s), cfg.output_dir);
  if (report) print_eval_table(out, *report);
  out << std::flush;

  if (sr.store) {
    std::vector<ArtifactRow> artifacts = {artifact("config", config_path), artifact("summary", res.summary_path),
                                          artifact("metrics", metrics_path),
                                          };
    if (!sft.skipped) artifacts.push_back(artifact("sft_checkpoint", sft.checkpoint));
    if (!pref_checkpoint.empty()) artifacts.push_back(artifact("checkpoint", pref_checkpoint));
    if (!hf_export_dir.empty())
      artifacts.push_back({"hf_model", fs::absolute(hf_export_dir).lexically_normal().string(),
                           directory_hash(hf_export_dir)});
    if (!adapter_dir.empty())
      artifacts.push_back({"peft_adapter", fs::absolute(adapter_dir).lexically_normal().string(),
                           directory_hash(adapter_dir)});
    std::vector<EvalRow> rows;
    if (report) rows = eval_rows(*report, cfg, *data.synth);
    run_finish(*sr.store, sr.id, rows, artifacts);
  }
  return res;
}

}  // namespace

RunOutcome run_pipeline(const RunOptions& opt) {
  const std::string conf = opt.conf_dir.empty() ? default_conf_dir() : opt.conf_dir;
  std::ostream& out = opt.out ? *opt.out : std::cout;
  // Data-parallel ranks (torchrun, srun or `trainer.nproc`, engine/distributed.h): rank 0 alone
  // opens the store.
  const WorldInfo world = world_from_env();
  StoreRun sr;
  if (!opt.db_path.empty() && world.rank == 0) sr.store = std::make_unique<Store>(opt.db_path);

  ResolvedRun rr;
  try {
    rr = resolve_run(conf, opt.overrides);
  } catch (const std::exception& e) {
    // A job of the sweep runner already has a run: record why it could not start.
    if (sr.store && opt.run_id >= 0) run_fail(*sr.store, opt.run_id, e.what());
    throw;
  }

  try {
    sr.spec = run_spec_from(rr.composed, rr.cfg);  // fingerprints the data and model files
  } catch (const std::exception& e) {
    if (sr.store && opt.run_id >= 0) run_fail(*sr.store, opt.run_id, e.what());
    throw;
  }
  sr.owner.config_hash = sr.spec.config_hash;
  sr.owner.seed = rr.cfg.seed;

  if (rr.cfg.trainer.nproc > 1 && !world.distributed())
    throw UserError("config key 'trainer.nproc' = " + std::to_string(rr.cfg.trainer.nproc) +
                    ": start the run with `swepo run` for one config (not -m), torchrun or srun");
  std::unique_ptr<Distributed> dist;
  if (world.distributed()) {
    try {
      if (rr.cfg.trainer.nproc > 1 && rr.cfg.trainer.nproc != world.size)
        throw UserError("config key 'trainer.nproc' is " + std::to_string(rr.cfg.trainer.nproc) + " but the " +
                        world.source + " environment starts " + std::to_string(world.size) + " ranks");
      c10::Device device = resolve_device(rr.cfg.trainer.device);
      if (device.is_cuda()) {  // one GPU per rank on its node
        rr.cfg.trainer.device = "cuda:" + std::to_string(world.local_rank);
        device = resolve_device(rr.cfg.trainer.device);
      }
      if (!std::getenv("SWEPO_THREADS"))  // share this node's cores between its ranks
        torch::set_num_threads(std::max(1, available_cores() /
                                               std::max(1, static_cast<int>(rr.cfg.trainer.nproc))));
      dist = std::make_unique<Distributed>(
          world, device, std::chrono::milliseconds(static_cast<int64_t>(rr.cfg.trainer.dist_timeout_s * 1000)));
      dist->check_same("config (hash of the resolved config, inputs and seed)",
                       sr.spec.config_hash + ":" + std::to_string(rr.cfg.seed));
      // One write per line: every rank shares the terminal, and pieces written apart interleave.
      std::cerr << fmt::format("distributed: rank {} of {} ({}, {})\n", world.rank, world.size, dist->backend(),
                               world.source);
    } catch (const std::exception& e) {
      if (sr.store && opt.run_id >= 0) run_fail(*sr.store, opt.run_id, "rank " + std::to_string(world.rank) + ": " + e.what());
      throw;
    }
  }

  if (sr.store) {
    const RunSpec& spec = sr.spec;
    if (opt.run_id >= 0) {
      auto row = sr.store->run_get(opt.run_id);
      if (!row) throw UserError("--run-id " + std::to_string(opt.run_id) + ": no such run in " + opt.db_path);
      if (row->config_hash != spec.config_hash || row->seed != spec.seed) {
        const std::string why = "run " + std::to_string(opt.run_id) +
                                " was registered with another config or seed than these overrides compose (" +
                                join(opt.overrides, " ") + ")";
        run_fail(*sr.store, opt.run_id, why);
        throw UserError(why);
      }
      sr.id = opt.run_id;
    } else {
      if (auto row = sr.store->run_find(spec.config_hash, spec.seed); row && row->status == kRunFinished) {
        out << "run " << row->id << " with this config and seed " << spec.seed << " is already FINISHED in "
            << opt.db_path << "; nothing to do (`swepo show " << row->id << "`, or --no-db to run anyway)\n";
        RunOutcome done;
        done.run_id = row->id;
        done.already_finished = true;
        done.output_dir = rr.cfg.output_dir;
        if (dist) dist->all_reduce_sum(-1.0);  // tells the other ranks (below) there is nothing to do
        return done;
      }
      sr.id = run_register(*sr.store, spec);
    }
    // Runs of one sweep may share a loss and seed (other model, K or p), and two stores may share a
    // working directory (or a store is deleted and made again, numbering from 1): unless output_dir
    // was set on the command line, a recorded run writes into <output_dir>/run<ID>-<store uid>,
    // a folder no other run of any store has. run.json in it names the owner (claim_output_dir).
    sr.owner.store_uid = sr.store->uid();
    sr.owner.db = store_redact(opt.db_path);
    sr.owner.run_id = sr.id;
    const auto origin = rr.composed.origins.find("output_dir");
    if (origin == rr.composed.origins.end() || origin->second != kCommandLineOrigin)
      rr.cfg.output_dir = (fs::path(rr.cfg.output_dir) / run_folder_name(sr.id, sr.owner.store_uid)).string();
    run_start(*sr.store, sr.id, provenance_collect(device_text(resolve_device(rr.cfg.device)), torch_version_text()));
    sr.sink = std::make_unique<StoreMetricSink>(*sr.store, sr.id);
    sr.last_heartbeat = wall_seconds();
  }
  if (dist) {  // every rank works in rank 0's output directory (<output_dir>/run<ID>-<uid> when recorded)
    const double id = dist->all_reduce_sum(world.rank == 0 && sr.store ? static_cast<double>(sr.id) + 1 : 0.0);
    if (id < 0) {  // rank 0 found the run FINISHED already
      RunOutcome done;
      done.already_finished = true;
      return done;
    }
    // The store's uid: 16 hex digits = 64 bits, sent as two 32-bit halves (exact in a double).
    uint64_t uid = 0;
    if (world.rank == 0 && sr.store) uid = std::stoull(sr.owner.store_uid, nullptr, 16);
    const auto hi = static_cast<uint64_t>(dist->all_reduce_sum(static_cast<double>(uid >> 32)));
    const auto lo = static_cast<uint64_t>(dist->all_reduce_sum(static_cast<double>(uid & 0xffffffffULL)));
    const auto origin = rr.composed.origins.find("output_dir");
    if (world.rank != 0 && id > 0) {
      sr.owner.store_uid = fmt::format("{:016x}", (hi << 32) | lo);
      sr.owner.run_id = static_cast<int64_t>(id) - 1;
      if (origin == rr.composed.origins.end() || origin->second != kCommandLineOrigin)
        rr.cfg.output_dir = (fs::path(rr.cfg.output_dir) / run_folder_name(sr.owner.run_id, sr.owner.store_uid)).string();
    }
  }

  try {
    return run_stages(rr, sr, out, dist.get());
  } catch (const TrainingStopped& e) {  // preempted: resumable from its checkpoint
    if (sr.store) {
      sr.sink.reset();
      run_kill(*sr.store, sr.id, e.what());
    }
    throw;
  } catch (const std::exception& e) {
    if (sr.store) {
      sr.sink.reset();  // flush what was logged before the failure
      run_fail(*sr.store, sr.id, dist ? "rank 0 of " + std::to_string(world.size) + ": " + e.what() : e.what());
    }
    throw;
  }
}

int run_multirun(const RunOptions& opt) {
  if (opt.run_id >= 0) throw UserError("--run-id names one run; it cannot be combined with -m");
  const std::string conf = opt.conf_dir.empty() ? default_conf_dir() : opt.conf_dir;
  std::ostream& out = opt.out ? *opt.out : std::cout;
  const auto jobs = expand_multirun(opt.overrides, conf);
  // Validate every job before any runs.
  for (size_t i = 0; i < jobs.size(); ++i) {
    try {
      resolve_run(conf, jobs[i]);
    } catch (const UserError& e) {
      throw UserError("job " + std::to_string(i) + " (" + join(jobs[i], " ") + "): " + e.what());
    }
  }
  out << "multirun: " << jobs.size() << " job(s)\n";
  int user_failures = 0, internal_failures = 0;
  std::vector<std::string> lines;
  for (size_t i = 0; i < jobs.size(); ++i) {
    out << "\n[" << i + 1 << "/" << jobs.size() << "] " << join(jobs[i], " ") << "\n" << std::flush;
    RunOptions o = opt;
    o.overrides = jobs[i];
    o.conf_dir = conf;
    std::string status = "ok";
    try {
      RunOutcome r = run_pipeline(o);
      if (r.already_finished) status = "already finished";
      if (r.average.count("alpaca/wr")) status += fmt::format(" (alpaca WR {:.1f})", r.average.at("alpaca/wr"));
    } catch (const TrainingStopped&) {
      throw;  // a stop signal ends the whole multirun (this job resumes when it is run again)
    } catch (const UserError& e) {
      ++user_failures;
      status = std::string("FAILED: ") + e.what();
      std::cerr << "swepo run: job " << i << ": error: " << e.what() << "\n";
    } catch (const std::exception& e) {
      ++internal_failures;
      status = std::string("FAILED: ") + e.what();
      std::cerr << "swepo run: job " << i << ": internal error: " << e.what() << "\n";
    }
    lines.push_back(fmt::format("  job {:>3}: {:<50} {}", i, join(jobs[i], " "), status));
  }
  out << "\nmultirun summary:\n";
  for (const auto& l : lines) out << l << "\n";
  if (internal_failures) return 1;
  return user_failures ? 2 : 0;
}

}  // namespace swepo::pipeline
