// Safetensors files (the Hugging Face weight format), read memory-mapped and written streamed, plus
// the shard index (model.safetensors.index.json). Tensor-free: tensors are (name, dtype, shape,
// bytes); engine/hf_checkpoint.h turns them into LibTorch tensors.
//
// Layout of a file (the safetensors spec):
//   [8 bytes]  N, unsigned little-endian: length of the header
//   [N bytes]  UTF-8 JSON object {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]},
//              ..., "__metadata__": {"k": "v"}} (optional metadata: strings only), may be padded
//              with trailing spaces
//   [rest]     the data section: tensor NAME is bytes [b, e) of it, little-endian, row-major
// Validation (every failure is a UserError naming the file and the tensor or field): the file
// holds the 8-byte length, N <= kMaxSafetensorsHeader and 8 + N <= file size, the header is a JSON
// object, every dtype is F32, BF16 or F16 (others, e.g. I64, are named and refused), shapes are
// non-negative, e - b == prod(shape) * itemsize, and the spans, sorted, tile the data section
// exactly: the first starts at 0, each starts where the previous ends (no overlap, no gap), the
// last ends at the end of the file (no truncation, no trailing bytes).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace swepo {

enum class StDtype { F32, BF16, F16 };

constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;  // the spec's cap on N (100 MB)

const char* st_dtype_name(StDtype d);  // "F32" | "BF16" | "F16"
size_t st_dtype_size(StDtype d);       // 4 | 2 | 2
// The dtype called `name`; UserError naming `where` (file and tensor) for any other name.
StDtype st_dtype_parse(const std::string& name, const std::string& where);

struct StTensorInfo {
  std::string name;
  StDtype dtype = StDtype::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte span within the data section
  int64_t numel() const;
};

struct StHeader {
  std::vector<StTensorInfo> tensors;              // in data order (sorted by begin)
  std::map<std::string, std::string> metadata;    // "__metadata__"
  uint64_t data_start = 0;                        // 8 + N: file offset of the data section
};

// Parses and validates the whole file image `bytes` [size] (see above). `label` names the file.
StHeader safetensors_parse(const uint8_t* bytes, size_t size, const std::string& label);

// A safetensors file mapped read-only (mmap), its header validated on open. Data pointers stay
// valid while the object lives. Move-only.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);  // UserError: missing, unreadable, invalid
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&& o) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& o) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const StHeader& header() const { return header_; }
  const std::vector<StTensorInfo>& tensors() const { return header_.tensors; }
  const StTensorInfo* find(const std::string& name) const;  // nullptr when absent
  const uint8_t* data(const StTensorInfo& t) const { return base_ + header_.data_start + t.begin; }
  size_t file_size() const { return size_; }

 private:
  void release();
  std::string path_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  StHeader header_;
};

// One tensor to write: its bytes come from `write(out)`, which must write exactly
// prod(shape) * itemsize bytes (checked).
struct StWriteEntry {
  std::string name;
  StDtype dtype = StDtype::F32;
  std::vector<int64_t> shape;
  std::function<void(std::ostream& out)> write;
};

// Writes a safetensors file at `path` (entries in the given order; header padded with spaces to a
// multiple of 8 bytes; "__metadata__" = `metadata`, e.g. {"format": "pt"} as transformers expects).
// UserError when the file cannot be written, a name repeats, or an entry writes the wrong size.
void safetensors_write(const std::string& path, const std::vector<StWriteEntry>& entries,
                       const std::map<std::string, std::string>& metadata);

// model.safetensors.index.json: {"metadata": {"total_size": B}, "weight_map": {tensor: file}}.
struct SafetensorsIndex {
  uint64_t total_size = 0;                        // sum of the tensors' data bytes
  std::map<std::string, std::string> weight_map;  // tensor name -> shard file name (no directory)
};

// UserError naming the file and the key when it is missing, not JSON or misshapen.
SafetensorsIndex safetensors_index_read(const std::string& path);
std::string safetensors_index_json(const SafetensorsIndex& index);  // pretty-printed JSON text

// Hugging Face shard names: "model-00001-of-00003.safetensors" (i from 1).
std::string safetensors_shard_name(size_t i, size_t n);

// Greedy sharding in order (as huggingface_hub splits a state dict): a tensor opens a new shard
// when adding it would push a non-empty shard past `max_shard_bytes`; a tensor larger than the
// limit gets a shard of its own. Returns, per shard, the indices of its tensors.
std::vector<std::vector<size_t>> safetensors_plan_shards(const std::vector<uint64_t>& sizes,
                                                         uint64_t max_shard_bytes);

}  // namespace swepo
