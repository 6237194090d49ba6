#include "engine/metrics_sink.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace swepo {
namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

double get_or_nan(const MetricMap& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::nan("") : it->second;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// ---- ConsoleSink -----------------------------------------------------------------------------

ConsoleSink::ConsoleSink(std::FILE* out, int progress)
    : out_(out), progress_(progress < 0 ? ::isatty(::fileno(out)) != 0 : progress != 0) {}

void ConsoleSink::begin(int64_t total_steps, const std::string& phase) {
  total_ = total_steps;
  phase_ = phase;
  start_s_ = now_s();
  start_step_ = -1;
}

void ConsoleSink::log(int64_t step, const MetricMap& m) {
  const double t = now_s();
  if (start_step_ < 0) {  // ETA from the rate since the first record (resumed runs start late)
    start_step_ = step;
    start_s_ = t;
  }
  const double rate = step > start_step_ ? (t - start_s_) / double(step - start_step_) : std::nan("");
  const double eta = rate * double(total_ - step);
  if (progress_) {
    std::string line = fmt::format("\r[{}] step {}/{}  loss {:.4f}  lr {:.2e}  {:.0f} tok/s  ETA {}",
                                   phase_, step, total_, get_or_nan(m, "loss"), get_or_nan(m, "lr"),
                                   get_or_nan(m, "tokens_per_s"), format_duration(eta));
    std::fprintf(out_, "%s\x1b[K", line.c_str());
    dirty_line_ = true;
  } else {
    std::string line = fmt::format("[{}] step {}/{}", phase_, step, total_);
    for (const auto& [k, v] : m) line += fmt::format(" {}={:.6g}", k, v);
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void ConsoleSink::end() {
  if (dirty_line_) std::fprintf(out_, "\n");
  dirty_line_ = false;
  std::fflush(out_);
}

// ---- JsonlSink -------------------------------------------------------------------------------

JsonlSink::JsonlSink(const std::string& path, bool append) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos) make_dirs(path.substr(0, slash));
  f_ = std::fopen(path.c_str(), append ? "a" : "w");
  if (!f_) throw UserError("cannot open metrics file '" + path + "' for writing");
}

JsonlSink::~JsonlSink() {
  if (f_) std::fclose(f_);
}

void JsonlSink::log(int64_t step, const MetricMap& m) {
  nlohmann::json j;
  j["step"] = step;
  if (!phase_.empty()) j["phase"] = phase_;
  for (const auto& [k, v] : m) j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  std::string line = j.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
}

// ---- FanoutSink ------------------------------------------------------------------------------

void FanoutSink::begin(int64_t total_steps, const std::string& phase) {
  for (auto* s : sinks_) s->begin(total_steps, phase);
}
void FanoutSink::log(int64_t step, const MetricMap& m) {
  for (auto* s : sinks_) s->log(step, m);
}
void FanoutSink::flush() {
  for (auto* s : sinks_) s->flush();
}

void FanoutSink::end() {
  for (auto* s : sinks_) s->end();
}

}  // namespace swepo
