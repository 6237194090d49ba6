#include "synth/corpus.h"

#include <filesystem>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "synth/gold.h"
#include "synth/generators.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace swepo::synth {
namespace {

using json = nlohmann::json;

AnnotatorParams annotator_of(const SynthConfig& c) { return {c.annotator_noise, c.verbosity_bias}; }

uint64_t seed_of(const SynthConfig& c) { return static_cast<uint64_t>(c.data_seed); }

BaselineSuite build_baseline_suite(const SynthConfig& c, const char* stream, int n,
                                   const std::vector<std::string>& families, int lmin, int lmax) {
  BaselineSuite s;
  const std::string diff_stream = std::string(stream) + "_difficulty";
  for (int i = 0; i < n; ++i) {
    Rng rng(derive_seed(seed_of(c), stream, i));
    Item it = sample_item(rng, families, lmin, lmax);
    BaselineOutputs b = baseline_outputs(it, c.baseline_error_rate, rng);
    double shortfall = 0;
    for (size_t g = 0; g < c.panel.size(); ++g) {
      Rng grng(derive_seed(seed_of(c), diff_stream, static_cast<uint64_t>(i) * 64 + g));
      const std::string y = generator_by_name(c.panel[g]).generate(it, grng);
      shortfall += (10.0 - gold_reward(it.answer, y, c.filler_penalty)) / 10.0;
    }
    s.difficulty.push_back(shortfall / static_cast<double>(c.panel.size()));
    s.items.push_back(std::move(it));
    s.baseline.push_back(std::move(b.plain));
    s.baseline_verbose.push_back(std::move(b.verbose));
    s.baseline_concise.push_back(std::move(b.concise));
  }
  return s;
}

Item sample_training_item(Rng& rng, const SynthConfig& c, const std::unordered_set<std::string>& heldout) {
  while (true) {
    Item it = sample_item(rng, c.families, c.payload_min, c.payload_max);
    if (!heldout.count(it.prompt)) return it;
  }
}

json item_json(const Item& it) { return json::array({it.family, it.payload}); }
Item item_from_json(const json& j) { return make_item(j.at(0).get<std::string>(), j.at(1).get<std::string>()); }

json suite_json(const BaselineSuite& s) {
  json items = json::array();
  for (const auto& it : s.items) items.push_back(item_json(it));
  return {{"items", items},
          {"baseline", s.baseline},
          {"baseline_verbose", s.baseline_verbose},
          {"baseline_concise", s.baseline_concise},
          {"difficulty", s.difficulty}};
}

BaselineSuite suite_from_json(const json& j) {
  BaselineSuite s;
  for (const auto& it : j.at("items")) s.items.push_back(item_from_json(it));
  s.baseline = j.at("baseline").get<std::vector<std::string>>();
  s.baseline_verbose = j.at("baseline_verbose").get<std::vector<std::string>>();
  s.baseline_concise = j.at("baseline_concise").get<std::vector<std::string>>();
  s.difficulty = j.at("difficulty").get<std::vector<double>>();
  return s;
}

}  // namespace

double annotate_response(const SynthConfig& c, const Item& item, const std::string& response, Rng& rng) {
  return annotate(item.answer, response, c.filler_penalty, annotator_of(c), rng);
}

SynthData build_synth_data(const SynthConfig& c) {
  SynthData d;
  d.fingerprint = synth_fingerprint(c);
  d.alpaca = build_baseline_suite(c, "alpaca", c.n_alpaca, c.families, c.payload_min, c.payload_max);
  d.arena = build_baseline_suite(c, "arena", c.n_arena, c.arena_families, c.arena_payload_min,
                                 c.arena_payload_max);
  for (int i = 0; i < c.n_mtbench; ++i) {
    Rng rng(derive_seed(seed_of(c), "mtbench", i));
    MtQuestion q{sample_item(rng, c.mtbench_families, c.payload_min, c.payload_max), ""};
    do q.family2 = c.mtbench_families[rng.uniform_int(0, static_cast<int64_t>(c.mtbench_families.size()) - 1)];
    while (q.family2 == q.item.family);
    d.mtbench.push_back(std::move(q));
  }
  std::unordered_set<std::string> heldout;
  for (const auto& it : d.alpaca.items) heldout.insert(it.prompt);
  for (const auto& it : d.arena.items) heldout.insert(it.prompt);
  for (const auto& q : d.mtbench) heldout.insert(q.item.prompt);

  for (int i = 0; i < c.n_sft; ++i) {
    Rng rng(derive_seed(seed_of(c), "sft", i));
    Item it = sample_training_item(rng, c, heldout);
    d.sft.push_back({it.prompt, sft_demonstration(it, c.sft_error_rate, c.sft_filler_fraction, rng)});
  }
  for (int i = 0; i < c.n_pref; ++i) {
    Rng rng(derive_seed(seed_of(c), "pref", i));
    Item it = sample_training_item(rng, c, heldout);
    // K distinct panel generators: a partial Fisher-Yates shuffle of the panel's indices.
    std::vector<size_t> idx(c.panel.size());
    for (size_t g = 0; g < idx.size(); ++g) idx[g] = g;
    PreferenceRecord rec;
    rec.prompt = it.prompt;
    std::vector<std::string> gens;
    for (int k = 0; k < c.K; ++k) {
      const auto j = static_cast<size_t>(rng.uniform_int(k, static_cast<int64_t>(idx.size()) - 1));
      std::swap(idx[k], idx[j]);
      const std::string& name = c.panel[idx[k]];
      rec.responses.push_back(generator_by_name(name).generate(it, rng));
      gens.push_back(name);
    }
    for (const auto& y : rec.responses) rec.scores.push_back(annotate_response(c, it, y, rng));
    d.pref.push_back(std::move(rec));
    d.pref_generators.push_back(std::move(gens));
  }
  return d;
}

std::string synth_data_to_json(const SynthData& d) {
  json sft = json::array();
  for (const auto& r : d.sft) sft.push_back({r.prompt, r.response});
  json pref = json::array();
  for (size_t i = 0; i < d.pref.size(); ++i)
    pref.push_back({{"prompt", d.pref[i].prompt},
                    {"responses", d.pref[i].responses},
                    {"scores", d.pref[i].scores},
                    {"generators", d.pref_generators[i]}});
  json mt = json::array();
  for (const auto& q : d.mtbench) mt.push_back({q.item.family, q.item.payload, q.family2});
  json j = {{"format", "synthfeedback-data-v1"},
            {"fingerprint", d.fingerprint},
            {"sft", sft},
            {"pref", pref},
            {"alpaca", suite_json(d.alpaca)},
            {"arena", suite_json(d.arena)},
            {"mtbench", mt}};
  return j.dump();
}

SynthData synth_data_from_json(const std::string& text, const std::string& origin) {
  try {
    const json j = json::parse(text);
    if (j.at("format").get<std::string>() != "synthfeedback-data-v1")
      throw UserError(origin + ": not a synthfeedback-data-v1 file");
    SynthData d;
    d.fingerprint = j.at("fingerprint").get<std::string>();
    for (const auto& r : j.at("sft")) d.sft.push_back({r.at(0).get<std::string>(), r.at(1).get<std::string>()});
    for (const auto& r : j.at("pref")) {
      d.pref.push_back({r.at("prompt").get<std::string>(), r.at("responses").get<std::vector<std::string>>(),
                        r.at("scores").get<std::vector<double>>()});
      d.pref_generators.push_back(r.at("generators").get<std::vector<std::string>>());
    }
    d.alpaca = suite_from_json(j.at("alpaca"));
    d.arena = suite_from_json(j.at("arena"));
    for (const auto& q : j.at("mtbench"))
      d.mtbench.push_back({make_item(q.at(0).get<std::string>(), q.at(1).get<std::string>()),
                           q.at(2).get<std::string>()});
    return d;
  } catch (const json::exception& e) {
    throw UserError(origin + ": corrupt SynthFeedback data cache (" + e.what() + "); delete the file to rebuild");
  }
}

std::string synth_cache_path(const SynthConfig& c) {
  return c.cache_dir + "/synthfeedback-" + synth_fingerprint(c).substr(0, 16) + ".json";
}

SynthData load_or_build_synth_data(const SynthConfig& c) {
  if (c.cache_dir.empty()) return build_synth_data(c);
  const std::string path = synth_cache_path(c);
  if (std::filesystem::exists(path)) {
    SynthData d = synth_data_from_json(read_file(path), path);
    if (d.fingerprint != synth_fingerprint(c))
      throw UserError(path + ": fingerprint " + d.fingerprint + " differs from the config's " +
                      synth_fingerprint(c) + "; delete the file to rebuild");
    return d;
  }
  SynthData d = build_synth_data(c);
  write_file_atomic(path, synth_data_to_json(d));
  return d;
}

Item parse_prompt(const std::string& prompt) {
  const auto pos = prompt.find(": ");
  if (pos == std::string::npos)
    throw UserError("prompt '" + prompt + "' is not of the form '<family>: <payload>'");
  const std::string fam = prompt.substr(0, pos);
  bool known = false;
  for (const auto& f : family_table()) known = known || fam == f.name;
  if (!known)
    throw UserError("prompt '" + prompt + "': unknown instruction family '" + fam + "'");
  return make_item(fam, prompt.substr(pos + 2));
}

std::vector<PreferenceRecord> build_on_policy_preferences(const SynthConfig& c,
                                                          const std::vector<std::string>& prompts,
                                                          const SampleFn& sample, int n_samples) {
  if (n_samples < 1) throw UserError("on-policy data: n_samples must be >= 1");
  const std::vector<std::string> ys = sample(prompts, n_samples);
  if (ys.size() != prompts.size() * static_cast<size_t>(n_samples))
    throw UserError("on-policy data: the sampler returned " + std::to_string(ys.size()) +
                    " responses for " + std::to_string(prompts.size()) + " prompts x " +
                    std::to_string(n_samples) + " samples");
  std::vector<PreferenceRecord> out;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const Item it = parse_prompt(prompts[i]);
    Rng rng(derive_seed(seed_of(c), "onpolicy", i));
    PreferenceRecord rec;
    rec.prompt = prompts[i];
    for (int k = 0; k < n_samples; ++k) {
      rec.responses.push_back(ys[i * n_samples + k]);
      rec.scores.push_back(annotate_response(c, it, rec.responses.back(), rng));
    }
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace swepo::synth
