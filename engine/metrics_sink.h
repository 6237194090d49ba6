// Where training metrics go: a small sink interface (the results store plugs in its own), a
// console sink (a \r progress line on a terminal, plain log lines otherwise), a JSONL file sink and
// a fan-out. Tensor-free: the trainer converts its tensors to doubles at logging steps only.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace swepo {

using MetricMap = std::map<std::string, double>;

class MetricSink {
 public:
  virtual ~MetricSink() = default;
  // Called once before the first step with the total number of optimizer steps and the phase
  // ("sft" or "pref").
  virtual void begin(int64_t total_steps, const std::string& phase) {}
  // Metrics of the logging window ending at optimizer step `step` (1-based: after `step` updates).
  virtual void log(int64_t step, const MetricMap& metrics) = 0;
  // Makes every metric logged so far durable. The trainer calls it before writing a checkpoint, so
  // a run resumed from that checkpoint never skips steps whose metrics were still buffered.
  virtual void flush() {}
  // Called once after the last step.
  virtual void end() {}
};

// Console output. Keys shown: loss, lr, grad_norm, tokens_per_s (progress line) and, in plain mode,
// every metric. `progress`: -1 auto (isatty of the stream's fd), 0 plain lines, 1 progress line.
class ConsoleSink final : public MetricSink {
 public:
  explicit ConsoleSink(std::FILE* out = stderr, int progress = -1);
  void begin(int64_t total_steps, const std::string& phase) override;
  void log(int64_t step, const MetricMap& metrics) override;
  void end() override;

 private:
  std::FILE* out_;
  bool progress_;
  int64_t total_ = 0;
  std::string phase_;
  double start_s_ = 0;
  int64_t start_step_ = -1;
  bool dirty_line_ = false;
};

// One JSON object per line: {"step": s, "phase": "...", "<key>": value, ...}; flushed per line.
// Non-finite values are written as null.
class JsonlSink final : public MetricSink {
 public:
  explicit JsonlSink(const std::string& path, bool append = true);
  ~JsonlSink() override;
  void begin(int64_t total_steps, const std::string& phase) override { phase_ = phase; }
  void log(int64_t step, const MetricMap& metrics) override;

 private:
  std::FILE* f_;
  std::string phase_;
};

// Keeps every record in memory (tests, and callers that post-process a run).
class MemorySink final : public MetricSink {
 public:
  void log(int64_t step, const MetricMap& metrics) override { records.push_back({step, metrics}); }
  struct Record {
    int64_t step;
    MetricMap metrics;
  };
  std::vector<Record> records;
};

// Forwards to several sinks (not owned).
class FanoutSink final : public MetricSink {
 public:
  explicit FanoutSink(std::vector<MetricSink*> sinks) : sinks_(std::move(sinks)) {}
  void begin(int64_t total_steps, const std::string& phase) override;
  void log(int64_t step, const MetricMap& metrics) override;
  void flush() override;
  void end() override;

 private:
  std::vector<MetricSink*> sinks_;
};

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace swepo
