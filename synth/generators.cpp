#include "synth/generators.h"

#include <cmath>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::synth {
namespace {

std::string gen_exact(const Item& it, Rng&) { return it.answer; }
std::string gen_noisy05(const Item& it, Rng& rng) { return corrupt(it.answer, 0.05, rng); }
std::string gen_noisy15(const Item& it, Rng& rng) { return corrupt(it.answer, 0.15, rng); }
std::string gen_noisy30(const Item& it, Rng& rng) { return corrupt(it.answer, 0.30, rng); }
// Stops early: keeps between half and all-but-one of the characters (at least one).
std::string gen_truncate(const Item& it, Rng& rng) {
  const int n = static_cast<int>(it.answer.size());
  if (n <= 1) return it.answer;
  const int keep = static_cast<int>(rng.uniform_int((n + 1) / 2, n - 1));
  return it.answer.substr(0, keep);
}
std::string gen_filler_ok(const Item& it, Rng&) { return it.answer + " ok"; }
std::string gen_filler_done(const Item& it, Rng& rng) { return corrupt(it.answer, 0.05, rng) + " done"; }
// Follows a different instruction family than asked (a misread instruction).
std::string gen_wrong_family(const Item& it, Rng& rng) {
  std::vector<const Family*> others;
  for (const auto& f : family_table())
    if (it.family != f.name) others.push_back(&f);
  return others[rng.uniform_int(0, static_cast<int64_t>(others.size()) - 1)]->apply(it.payload);
}
std::string gen_chatty(const Item& it, Rng& rng) {
  return corrupt(it.answer, 0.15, rng) + " sure here you go";
}

}  // namespace

const std::vector<Generator>& generator_table() {
  static const std::vector<Generator> table = {
      // name            generate          help
      {"exact",          gen_exact,        "the correct answer"},
      {"noisy05",        gen_noisy05,      "answer with a 5% per-character error rate"},
      {"noisy15",        gen_noisy15,      "answer with a 15% per-character error rate"},
      {"noisy30",        gen_noisy30,      "answer with a 30% per-character error rate"},
      {"truncate",       gen_truncate,     "stops early: a strict prefix of the answer"},
      {"filler_ok",      gen_filler_ok,    "correct answer + ' ok' (verbose)"},
      {"filler_done",    gen_filler_done,  "5% error rate + ' done' (verbose)"},
      {"wrong_family",   gen_wrong_family, "applies a different instruction family"},
      {"chatty",         gen_chatty,       "15% error rate + ' sure here you go' (very verbose)"},
  };
  return table;
}

std::vector<std::string> generator_names() {
  std::vector<std::string> names;
  for (const auto& g : generator_table()) names.push_back(g.name);
  return names;
}

const Generator& generator_by_name(const std::string& name) {
  for (const auto& g : generator_table())
    if (name == g.name) return g;
  throw UserError("unknown generator '" + name + "'" + did_you_mean(name, generator_names()) +
                  "; valid: " + join(generator_names(), ", "));
}

std::string corrupt(const std::string& s, double rate, Rng& rng) {
  std::string r = s;
  for (char& c : r) {
    if (!rng.bernoulli(rate)) continue;
    char d;
    do d = kAlphabet[rng.uniform_int(0, 35)]; while (d == c);
    c = d;
  }
  return r;
}

BaselineOutputs baseline_outputs(const Item& item, double rate, Rng& rng) {
  BaselineOutputs b;
  b.plain = corrupt(item.answer, rate, rng);
  b.verbose = b.plain + " ok done";
  const size_t n = b.plain.size();
  const size_t keep = std::max<size_t>(1, static_cast<size_t>(std::ceil(0.7 * static_cast<double>(n))));
  b.concise = b.plain.substr(0, std::min(n, keep));
  return b;
}

std::string sft_demonstration(const Item& item, double error_rate, double filler_fraction, Rng& rng) {
  std::string y = corrupt(item.answer, error_rate, rng);
  if (rng.bernoulli(filler_fraction)) y += " ok";
  return y;
}

}  // namespace swepo::synth
