// Benchmark names, question files and answer files (write and read back). Verdicts:
// benchmark_verdicts.cpp.
#include "analysis/benchmarks/benchmark_files.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "analysis/benchmarks/benchmark_json.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/hash.h"
#include "core/util/jsonl.h"
#include "core/util/strings.h"

namespace swepo::benchmarks {
namespace {

using namespace detail;
using ojson = nlohmann::ordered_json;  // answer files keep the benchmarks' own key order

struct BenchmarkInfo {
  Benchmark b;
  const char* name;
  const char* suite;
  int turns;
};

const std::vector<BenchmarkInfo>& table() {
  static const std::vector<BenchmarkInfo> t = {
      // benchmark              name           suite      turns
      {Benchmark::AlpacaEval,  "alpaca_eval", "alpaca",  1},
      {Benchmark::ArenaHard,   "arena_hard",  "arena",   1},
      {Benchmark::MtBench,     "mt_bench",    "mtbench", 2},
  };
  return t;
}

const BenchmarkInfo& info(Benchmark b) {
  for (const auto& i : table())
    if (i.b == b) return i;
  throw std::logic_error("unknown Benchmark value");
}

// Throws on a question id seen before (ids are the join key of every verdict file).
void check_unique(std::map<std::string, std::string>& seen, const std::string& id, const std::string& where) {
  auto [it, fresh] = seen.emplace(id, where);
  if (!fresh) throw UserError(where + ": question_id " + id + " appears twice (first at " + it->second + ")");
}

// turns: arena v0.1 [{content}] (one turn), FastChat [str, str].
std::vector<std::string> question_turns(Benchmark b, const json& j, const std::string& where) {
  const json& t = field(j, "turns", where);
  const size_t want = static_cast<size_t>(benchmark_turns(b));
  if (!t.is_array() || t.size() != want)
    throw UserError(where + ": field 'turns' must be a list of " + std::to_string(want) + " turn(s)");
  std::vector<std::string> out;
  for (size_t k = 0; k < t.size(); ++k) {
    const std::string f = "turns[" + std::to_string(k) + "]";
    if (b == Benchmark::ArenaHard) {
      if (!t[k].is_object()) throw UserError(where + ": field '" + f + "' must be an object {content}");
      out.push_back(string_field(t[k], "content", where + ": " + f));
    } else {
      if (!t[k].is_string()) throw UserError(where + ": field '" + f + "' must be a string");
      out.push_back(t[k].get<std::string>());
    }
  }
  return out;
}

std::string answer_id(const std::string& model_id, const std::string& id_json, const std::vector<std::string>& outs) {
  std::string key = model_id + '\0' + id_json;
  for (const auto& o : outs) key += '\0' + o;
  return sha256_hex(key).substr(0, 22);  // FastChat's shortuuid ids are 22 characters too
}

void check_shape(Benchmark b, const AnswerSet& a) {
  const size_t q = a.questions.size(), turns = static_cast<size_t>(benchmark_turns(b));
  if (a.outputs.size() != q) throw std::invalid_argument("write_answers: outputs must have one entry per question");
  for (const auto& o : a.outputs)
    if (o.size() != turns) throw std::invalid_argument("write_answers: each question needs one output per turn");
  if (!a.token_lens.empty()) {
    if (a.token_lens.size() != q) throw std::invalid_argument("write_answers: token_lens must be empty or [Q][turns]");
    for (const auto& t : a.token_lens)
      if (t.size() != turns) throw std::invalid_argument("write_answers: token_lens must be empty or [Q][turns]");
  }
  if (a.model_id.empty() || a.model_id.find('/') != std::string::npos)
    throw UserError("model id '" + a.model_id + "': must be non-empty without '/' (the judges name files after it)");
}

}  // namespace

Benchmark parse_benchmark(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& i : table()) {
    if (name == i.name) return i.b;
    names.push_back(i.name);
  }
  throw UserError("unknown benchmark '" + name + "'" + did_you_mean(name, names) + "; valid: " + join(names, ", "));
}

std::string benchmark_name(Benchmark b) { return info(b).name; }
std::string benchmark_suite(Benchmark b) { return info(b).suite; }
int benchmark_turns(Benchmark b) { return info(b).turns; }

double parse_decoding(const std::string& text) {
  if (text == "greedy") return 0.0;
  const std::string num = starts_with(text, "t=") ? text.substr(2) : starts_with(text, "t") ? text.substr(1) : "";
  char* end = nullptr;
  const double t = num.empty() ? 0 : std::strtod(num.c_str(), &end);
  if (num.empty() || end != num.c_str() + num.size() || !std::isfinite(t) || t <= 0)
    throw UserError("--decoding '" + text + "': expected greedy or tT with a temperature T > 0 (t0.2, t=0.2)");
  return t;
}

std::string decoding_label(double temperature, int64_t seed) {
  return (temperature == 0.0 ? std::string("greedy") : fmt::format("t={}", temperature)) + ",seed=" +
         std::to_string(seed);
}

std::vector<Question> load_questions(Benchmark b, const std::string& path) {
  std::vector<Question> out;
  if (b == Benchmark::AlpacaEval) {
    const JsonList list = read_json_list(path);
    for (size_t i = 0; i < list.items.size(); ++i) {
      const json& j = list.items[i];
      Question q;
      q.id_json = std::to_string(i);
      q.dataset = opt_string_field(j, "dataset", list.where[i]);
      q.turns = {string_field(j, "instruction", list.where[i])};
      out.push_back(std::move(q));
    }
    return out;
  }
  std::map<std::string, std::string> seen;
  for_each_jsonl_object(read_file(path), path, [&](const json& j, const std::string& where) {
    Question q;
    q.id_json = id_field(j, "question_id", where);
    check_unique(seen, q.id_json, where);
    q.category = opt_string_field(j, "category", where);
    q.turns = question_turns(b, j, where);
    out.push_back(std::move(q));
  });
  return out;
}

std::string write_answers(Benchmark b, const std::string& dir, const AnswerSet& a) {
  check_shape(b, a);
  const auto utf8_replace = nlohmann::json::error_handler_t::replace;
  if (b == Benchmark::AlpacaEval) {
    ojson list = ojson::array();
    for (size_t i = 0; i < a.questions.size(); ++i) {
      const Question& q = a.questions[i];
      list.push_back(ojson{{"instruction", q.turns.at(0)},
                           {"output", a.outputs[i][0]},
                           {"generator", a.model_id},
                           {"dataset", q.dataset}});
    }
    const std::string path = (std::filesystem::path(dir) / "model_outputs.json").string();
    write_file_atomic(path, list.dump(2, ' ', false, utf8_replace) + "\n");
    return path;
  }
  std::string text;
  for (size_t i = 0; i < a.questions.size(); ++i) {
    const Question& q = a.questions[i];
    ojson turns = ojson::array();
    for (size_t k = 0; k < a.outputs[i].size(); ++k) {
      if (b == Benchmark::MtBench) {
        turns.push_back(a.outputs[i][k]);  // FastChat: plain strings
      } else {
        ojson t = {{"content", a.outputs[i][k]}};
        if (!a.token_lens.empty()) t["token_len"] = a.token_lens[i][k];
        turns.push_back(std::move(t));
      }
    }
    ojson row = {{"question_id", ojson::parse(q.id_json)},
                 {"answer_id", answer_id(a.model_id, q.id_json, a.outputs[i])},
                 {"model_id", a.model_id},
                 {"choices", ojson::array({ojson{{"index", 0}, {"turns", std::move(turns)}}})},
                 {"tstamp", a.tstamp}};
    text += row.dump(-1, ' ', false, utf8_replace) + "\n";
  }
  const std::string path = (std::filesystem::path(dir) / "model_answer" / (a.model_id + ".jsonl")).string();
  write_file_atomic(path, text);
  return path;
}

std::vector<AnswerRow> read_answers(Benchmark b, const std::string& path) {
  std::vector<AnswerRow> out;
  std::string first_where;
  auto same_model = [&](const AnswerRow& r, const std::string& where) {
    if (out.empty()) {
      first_where = where;
      return;
    }
    if (r.model_id != out.front().model_id)
      throw UserError(where + ": model '" + r.model_id + "' differs from '" + out.front().model_id + "' (" +
                      first_where + "): an answer file holds one model's answers");
  };
  if (b == Benchmark::AlpacaEval) {
    const JsonList list = read_json_list(path);
    for (size_t i = 0; i < list.items.size(); ++i) {
      const json& j = list.items[i];
      AnswerRow r;
      r.id_json = std::to_string(i);
      r.instruction = string_field(j, "instruction", list.where[i]);
      r.outputs = {string_field(j, "output", list.where[i])};
      r.model_id = string_field(j, "generator", list.where[i]);
      same_model(r, list.where[i]);
      out.push_back(std::move(r));
    }
    return out;
  }
  std::map<std::string, std::string> seen;
  const size_t want = static_cast<size_t>(benchmark_turns(b));
  for_each_jsonl_object(read_file(path), path, [&](const json& j, const std::string& where) {
    AnswerRow r;
    r.id_json = id_field(j, "question_id", where);
    check_unique(seen, r.id_json, where);
    r.model_id = string_field(j, "model_id", where);
    const json& choices = field(j, "choices", where);
    if (!choices.is_array() || choices.empty()) throw UserError(where + ": field 'choices' must be a non-empty list");
    const json& turns = field(choices[0], "turns", where + ": choices[0]");
    if (!turns.is_array() || turns.size() != want)
      throw UserError(where + ": field 'choices[0].turns' must be a list of " + std::to_string(want) + " turn(s)");
    for (size_t k = 0; k < turns.size(); ++k) {
      const std::string f = "choices[0].turns[" + std::to_string(k) + "]";
      if (b == Benchmark::ArenaHard) {
        if (!turns[k].is_object()) throw UserError(where + ": field '" + f + "' must be an object {content, token_len}");
        r.outputs.push_back(string_field(turns[k], "content", where + ": " + f));
      } else {
        if (!turns[k].is_string()) throw UserError(where + ": field '" + f + "' must be a string");
        r.outputs.push_back(turns[k].get<std::string>());
      }
    }
    same_model(r, where);
    out.push_back(std::move(r));
  });
  return out;
}

}  // namespace swepo::benchmarks
