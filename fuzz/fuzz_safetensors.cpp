// Fuzz target: safetensors files (core/hf/safetensors.h) and the shard index.
//
// Feeds: the input as a whole safetensors file image to safetensors_parse (the bytes sit in a heap
// buffer of exactly their size, so ASan sees any read past the end), then as a file opened with
// SafetensorsFile (mmap), and as model.safetensors.index.json to safetensors_index_read.
// Checks: errors are swepo::UserError only; a parsed header's tensors tile [data_start, size)
// exactly, each span is numel * itemsize bytes, and every byte of every span is readable (each is
// touched: ASan reports a span outside the buffer); SafetensorsFile agrees with safetensors_parse.
#include <cstring>
#include <memory>
#include <string>

#include "core/hf/safetensors.h"
#include "core/util/error.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size copy: libFuzzer's own buffer is exact too, but be explicit about it.
  std::unique_ptr<uint8_t[]> buf(new uint8_t[size ? size : 1]);
  if (size) std::memcpy(buf.get(), data, size);
  bool parsed = false;
  size_t n_tensors = 0;
  try {
    swepo::StHeader h = swepo::safetensors_parse(buf.get(), size, "fuzz.safetensors");
    parsed = true;
    n_tensors = h.tensors.size();
    fz::check(h.data_start >= 8 && h.data_start <= size, "data section inside the file");
    uint64_t at = 0;
    unsigned sum = 0;
    for (const auto& t : h.tensors) {
      fz::check(t.begin == at && t.end >= t.begin, "spans tile the data section");
      fz::check(t.end - t.begin == static_cast<uint64_t>(t.numel()) * swepo::st_dtype_size(t.dtype),
                "span = numel * itemsize");
      const uint8_t* p = buf.get() + h.data_start;
      for (uint64_t i = t.begin; i < t.end; ++i) sum += p[i];
      at = t.end;
    }
    fz::check(h.data_start + at == size, "the last span ends at the end of the file");
    (void)sum;
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }

  const auto path = fz::scratch() / "model.safetensors";
  fz::write_file(path, fz::as_string(data, size));
  try {
    swepo::SafetensorsFile f(path.string());
    fz::check(parsed && f.tensors().size() == n_tensors, "SafetensorsFile agrees with safetensors_parse");
    for (const auto& t : f.tensors()) fz::check(f.find(t.name) != nullptr, "find() sees every tensor");
  } catch (const swepo::UserError& e) {
    fz::note(e);
    fz::check(!parsed, "SafetensorsFile refuses only what safetensors_parse refuses");
  }

  const auto index = fz::scratch() / "model.safetensors.index.json";
  fz::write_file(index, fz::as_string(data, size));
  try {
    swepo::SafetensorsIndex ix = swepo::safetensors_index_read(index.string());
    (void)swepo::safetensors_index_json(ix);
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  return 0;
}
