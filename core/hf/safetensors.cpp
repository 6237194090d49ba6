#include "core/hf/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace swepo {
namespace {

using json = nlohmann::json;

// Spans and element counts are checked without overflow: anything past 2^62 is an error anyway.
constexpr uint64_t kHuge = uint64_t(1) << 62;

uint64_t read_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

std::string where(const std::string& label, const std::string& tensor) {
  return "safetensors file '" + label + "': tensor '" + tensor + "'";
}

// A non-negative JSON integer, or UserError naming `what`.
uint64_t as_count(const json& v, const std::string& what) {
  if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<int64_t>() < 0))
    throw UserError(what + ": expected a non-negative integer, got " + v.dump());
  return v.get<uint64_t>();
}

StTensorInfo parse_entry(const std::string& name, const json& e, const std::string& label) {
  const std::string at = where(label, name);
  if (!e.is_object()) throw UserError(at + ": header entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!e.contains(key)) throw UserError(at + ": header entry has no '" + key + "'");
  if (!e["dtype"].is_string()) throw UserError(at + ": 'dtype' is not a string");
  StTensorInfo t;
  t.name = name;
  t.dtype = st_dtype_parse(e["dtype"].get<std::string>(), at);
  const json& shape = e["shape"];
  if (!shape.is_array()) throw UserError(at + ": 'shape' is not a list");
  uint64_t numel = 1;
  for (const auto& d : shape) {
    const uint64_t n = as_count(d, at + ": 'shape'");
    if (n >= kHuge) throw UserError(at + ": 'shape' dimension " + std::to_string(n) + " is too large");
    t.shape.push_back(static_cast<int64_t>(n));
    numel = (n == 0 || numel == 0) ? 0 : (numel > kHuge / n ? kHuge : numel * n);
  }
  const json& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2) throw UserError(at + ": 'data_offsets' is not a [begin, end] pair");
  t.begin = as_count(off[0], at + ": 'data_offsets'");
  t.end = as_count(off[1], at + ": 'data_offsets'");
  if (t.end < t.begin)
    throw UserError(at + ": 'data_offsets' [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                    "] ends before it begins");
  const uint64_t want = numel >= kHuge / 4 ? kHuge : numel * st_dtype_size(t.dtype);
  if (t.end - t.begin != want)
    throw UserError(at + ": 'data_offsets' span " + std::to_string(t.end - t.begin) + " bytes, but " +
                    st_dtype_name(t.dtype) + " " + shape_text(t.shape) + " needs " +
                    std::to_string(want) + " bytes");
  return t;
}

}  // namespace

const char* st_dtype_name(StDtype d) {
  switch (d) {
    case StDtype::F32: return "F32";
    case StDtype::BF16: return "BF16";
    case StDtype::F16: return "F16";
  }
  return "?";
}

size_t st_dtype_size(StDtype d) { return d == StDtype::F32 ? 4 : 2; }

StDtype st_dtype_parse(const std::string& name, const std::string& at) {
  if (name == "F32") return StDtype::F32;
  if (name == "BF16") return StDtype::BF16;
  if (name == "F16") return StDtype::F16;
  throw UserError(at + ": dtype '" + name + "' is not supported (supported: F32, BF16, F16)");
}

int64_t StTensorInfo::numel() const {
  // A zero dimension first: [1e15, 1e15, 0] is a valid empty tensor whose other dimensions' product
  // overflows. A non-empty shape's product is bounded by the file size (safetensors_parse checks
  // the span), so the saturation below only guards shapes built by hand.
  for (auto d : shape)
    if (d == 0) return 0;
  int64_t n = 1;
  for (auto d : shape)
    if (__builtin_mul_overflow(n, d, &n)) return INT64_MAX;
  return n;
}

StHeader safetensors_parse(const uint8_t* bytes, size_t size, const std::string& label) {
  const std::string file = "safetensors file '" + label + "'";
  if (size < 8)
    throw UserError(file + ": " + std::to_string(size) +
                    " bytes, too short for the 8-byte header length (truncated?)");
  const uint64_t n = read_le64(bytes);
  if (n > kMaxSafetensorsHeader)
    throw UserError(file + ": header length " + std::to_string(n) + " exceeds the limit of " +
                    std::to_string(kMaxSafetensorsHeader) + " bytes (not a safetensors file?)");
  if (n > size - 8)
    throw UserError(file + ": header length " + std::to_string(n) + " is larger than the " +
                    std::to_string(size - 8) + " bytes after the length field (truncated?)");
  if (n < 2 || bytes[8] != '{')
    throw UserError(file + ": the header does not start with a JSON object");
  json h;
  try {
    h = json::parse(bytes + 8, bytes + 8 + n);
  } catch (const json::exception& e) {
    throw UserError(file + ": the header is not valid JSON: " + e.what());
  }
  if (!h.is_object()) throw UserError(file + ": the header is not a JSON object");
  StHeader out;
  out.data_start = 8 + n;
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw UserError(file + ": '__metadata__' is not an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw UserError(file + ": '__metadata__' value '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    out.tensors.push_back(parse_entry(it.key(), it.value(), label));
  }
  std::sort(out.tensors.begin(), out.tensors.end(), [](const StTensorInfo& a, const StTensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_size = size - out.data_start;
  uint64_t pos = 0;
  const StTensorInfo* prev = nullptr;
  for (const auto& t : out.tensors) {
    if (t.end > data_size)
      throw UserError(where(label, t.name) + ": 'data_offsets' [" + std::to_string(t.begin) + ", " +
                      std::to_string(t.end) + "] exceed the data section of " +
                      std::to_string(data_size) + " bytes (truncated file?)");
    if (t.begin < pos)
      throw UserError(where(label, t.name) + ": 'data_offsets' [" + std::to_string(t.begin) + ", " +
                      std::to_string(t.end) + "] overlap tensor '" + prev->name + "'");
    if (t.begin > pos)
      throw UserError(where(label, t.name) + ": 'data_offsets' start at " + std::to_string(t.begin) +
                      ", leaving bytes [" + std::to_string(pos) + ", " + std::to_string(t.begin) +
                      ") of the data section unaccounted for");
    pos = t.end;
    prev = &t;
  }
  if (pos != data_size)
    throw UserError(file + ": the tensors cover " + std::to_string(pos) + " bytes of a " +
                    std::to_string(data_size) + "-byte data section (trailing bytes)");
  return out;
}

// ---- SafetensorsFile ---------------------------------------------------------------------------

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError("safetensors file '" + path + "': cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw UserError("safetensors file '" + path + "': cannot stat: " + std::strerror(errno));
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw UserError("safetensors file '" + path + "': cannot mmap: " + std::strerror(errno));
    }
    base_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);  // the mapping stays valid
  static const uint8_t kEmpty[1] = {0};
  try {
    header_ = safetensors_parse(base_ ? base_ : kEmpty, size_, path);
  } catch (...) {
    release();
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() { release(); }

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)), base_(o.base_), size_(o.size_), header_(std::move(o.header_)) {
  o.base_ = nullptr;
  o.size_ = 0;
}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    base_ = o.base_;
    size_ = o.size_;
    header_ = std::move(o.header_);
    o.base_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

void SafetensorsFile::release() {
  if (base_) ::munmap(const_cast<uint8_t*>(base_), size_);
  base_ = nullptr;
}

const StTensorInfo* SafetensorsFile::find(const std::string& name) const {
  for (const auto& t : header_.tensors)
    if (t.name == name) return &t;
  return nullptr;
}

// ---- writing -----------------------------------------------------------------------------------

void safetensors_write(const std::string& path, const std::vector<StWriteEntry>& entries,
                       const std::map<std::string, std::string>& metadata) {
  json h = json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  std::set<std::string> names;
  uint64_t pos = 0;
  std::vector<uint64_t> sizes;
  for (const auto& e : entries) {
    if (e.name == "__metadata__" || !names.insert(e.name).second)
      throw UserError("safetensors file '" + path + "': tensor name '" + e.name + "' repeats or is reserved");
    uint64_t n = st_dtype_size(e.dtype);
    for (auto d : e.shape) n *= static_cast<uint64_t>(d);
    h[e.name] = {{"dtype", st_dtype_name(e.dtype)}, {"shape", e.shape}, {"data_offsets", {pos, pos + n}}};
    sizes.push_back(n);
    pos += n;
  }
  std::string text = h.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw UserError("safetensors file '" + path + "': cannot write");
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>((uint64_t(text.size()) >> (8 * i)) & 0xff);
  out.write(reinterpret_cast<const char*>(len), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto before = out.tellp();
    entries[i].write(out);
    const auto written = static_cast<uint64_t>(out.tellp() - before);
    if (!out) throw UserError("safetensors file '" + path + "': write failed at tensor '" + entries[i].name + "'");
    if (written != sizes[i])
      throw UserError("safetensors file '" + path + "': tensor '" + entries[i].name + "' wrote " +
                      std::to_string(written) + " bytes, expected " + std::to_string(sizes[i]));
  }
  out.flush();
  if (!out) throw UserError("safetensors file '" + path + "': write failed");
}

// ---- index -------------------------------------------------------------------------------------

SafetensorsIndex safetensors_index_read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("shard index '" + path + "': cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  json j;
  try {
    j = json::parse(ss.str());
  } catch (const json::exception& e) {
    throw UserError("shard index '" + path + "': not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw UserError("shard index '" + path + "': key 'weight_map' missing or not an object");
  SafetensorsIndex idx;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      throw UserError("shard index '" + path + "': key 'weight_map." + it.key() + "' is not a file name");
    const std::string f = it.value().get<std::string>();
    if (f.empty() || f.find('/') != std::string::npos || f == "." || f == "..")
      throw UserError("shard index '" + path + "': key 'weight_map." + it.key() + "' names '" + f +
                      "', not a file in the same directory");
    idx.weight_map[it.key()] = f;
  }
  if (j.contains("metadata") && j["metadata"].is_object() && j["metadata"].contains("total_size")) {
    const json& t = j["metadata"]["total_size"];
    if (t.is_number_integer() && (t.is_number_unsigned() || t.get<int64_t>() >= 0)) idx.total_size = t.get<uint64_t>();
  }
  return idx;
}

std::string safetensors_index_json(const SafetensorsIndex& index) {
  json j = {{"metadata", {{"total_size", index.total_size}}}, {"weight_map", index.weight_map}};
  return j.dump(2) + "\n";
}

std::string safetensors_shard_name(size_t i, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i, n);
  return buf;
}

std::vector<std::vector<size_t>> safetensors_plan_shards(const std::vector<uint64_t>& sizes,
                                                         uint64_t max_shard_bytes) {
  std::vector<std::vector<size_t>> shards;
  uint64_t cur = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (shards.empty() || (!shards.back().empty() && cur + sizes[i] > max_shard_bytes)) {
      shards.emplace_back();
      cur = 0;
    }
    shards.back().push_back(i);
    cur += sizes[i];
  }
  return shards;
}

}  // namespace swepo
