// Safetensors reading/writing on hand-built byte buffers: the layout (8-byte LE length, JSON
// header, data), every validation rule with the file and tensor named, the shard index and plan.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <string>
#include <vector>

#include "core/hf/safetensors.h"
#include "core/util/error.h"

namespace swepo {
namespace {

// 8-byte little-endian length + header text + data bytes.
std::string file_image(const std::string& header, const std::string& data, uint64_t len_override = ~0ull) {
  const uint64_t n = len_override == ~0ull ? header.size() : len_override;
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s + header + data;
}

StHeader parse(const std::string& img) {
  return safetensors_parse(reinterpret_cast<const uint8_t*>(img.data()), img.size(), "x.safetensors");
}

// Expects a UserError whose message contains every fragment.
void expect_error(const std::string& img, std::vector<std::string> fragments) {
  try {
    parse(img);
    FAIL() << "no error; expected: " << fragments[0];
  } catch (const UserError& e) {
    const std::string m = e.what();
    for (const auto& f : fragments) EXPECT_NE(m.find(f), std::string::npos) << "'" << f << "' not in: " << m;
  }
}

std::string tmp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("swepo_test_hf_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// Two tensors: a F32 [2] (8 bytes at [0, 8)) and b BF16 [1, 3] (6 bytes at [8, 14)).
const std::string kHeader =
    R"({"b":{"dtype":"BF16","shape":[1,3],"data_offsets":[8,14]},)"
    R"("__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
const std::string kData = std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8) + std::string("\x80\x3f\x00\x40\x40\x40", 6);

TEST(Safetensors, ParsesAValidImage) {
  StHeader h = parse(file_image(kHeader, kData));
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.data_start, 8 + kHeader.size());
  // Sorted by offset: a first.
  EXPECT_EQ(h.tensors[0].name, "a");
  EXPECT_EQ(h.tensors[0].dtype, StDtype::F32);
  EXPECT_EQ(h.tensors[0].shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(h.tensors[0].begin, 0u);
  EXPECT_EQ(h.tensors[0].end, 8u);
  EXPECT_EQ(h.tensors[1].name, "b");
  EXPECT_EQ(h.tensors[1].dtype, StDtype::BF16);
  EXPECT_EQ(h.tensors[1].numel(), 3);
  EXPECT_EQ(h.metadata.at("format"), "pt");
}

TEST(Safetensors, TrailingSpacesInTheHeaderAndEmptyTensorsAreFine) {
  const std::string header = R"({"e":{"dtype":"F16","shape":[0,4],"data_offsets":[0,0]},"f":{"dtype":"F16","shape":[],"data_offsets":[0,2]}})";
  StHeader h = parse(file_image(header + "    ", std::string(2, '\x01')));
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].name, "e");
  EXPECT_EQ(h.tensors[1].numel(), 1);  // scalar
}

TEST(Safetensors, RejectsTooShortAndLyingLengths) {
  expect_error(std::string(5, '\0'), {"x.safetensors", "too short"});
  // Header length larger than the file.
  expect_error(file_image(kHeader, kData, kHeader.size() + kData.size() + 1), {"x.safetensors", "header length"});
  // Header length above the spec's cap.
  expect_error(file_image(kHeader, kData, kMaxSafetensorsHeader + 1), {"x.safetensors", "exceeds the limit"});
  // Not JSON.
  expect_error(file_image("{not json}", ""), {"x.safetensors", "not valid JSON"});
  expect_error(file_image("[1,2]", ""), {"x.safetensors", "JSON object"});
}

TEST(Safetensors, RejectsUnsupportedDtypesNamingTheTensor) {
  const std::string h = R"({"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
  expect_error(file_image(h, std::string(8, '\0')), {"x.safetensors", "'ids'", "I64", "F32, BF16, F16"});
}

TEST(Safetensors, RejectsSpansThatDisagreeWithTheShape) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})";
  expect_error(file_image(h, std::string(8, '\0')), {"'w'", "needs 12 bytes"});
  const std::string neg = R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})";
  expect_error(file_image(neg, std::string(8, '\0')), {"'w'", "non-negative"});
  const std::string back = R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})";
  expect_error(file_image(back, std::string(8, '\0')), {"'w'", "ends before"});
  const std::string missing = R"({"w":{"dtype":"F32","shape":[2]}})";
  expect_error(file_image(missing, std::string(8, '\0')), {"'w'", "data_offsets"});
}

TEST(Safetensors, RejectsOffsetsPastTheFileOverlapsGapsAndTrailingBytes) {
  // Truncated: the data section is 10 bytes, b needs [8, 14).
  expect_error(file_image(kHeader, kData.substr(0, 10)), {"'b'", "exceed the data section of 10 bytes"});
  // Overlap: b starts inside a.
  const std::string overlap = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  expect_error(file_image(overlap, std::string(8, '\0')), {"'b'", "overlap tensor 'a'"});
  // Gap: a starts at 4.
  const std::string gap = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  expect_error(file_image(gap, std::string(8, '\0')), {"'a'", "unaccounted"});
  // Trailing bytes.
  expect_error(file_image(kHeader, kData + "xx"), {"x.safetensors", "trailing"});
}

TEST(Safetensors, WriteThenMapReadsTheSameBytes) {
  const std::string path = tmp_path("rt.safetensors");
  const float a[3] = {1.5f, -2.0f, 3.25f};
  const uint16_t b[2] = {0x3f80, 0xc000};  // bf16 1.0, -2.0
  std::vector<StWriteEntry> entries = {
      {"layer.a", StDtype::F32, {3}, [&](std::ostream& o) { o.write(reinterpret_cast<const char*>(a), 12); }},
      {"layer.b", StDtype::BF16, {2, 1}, [&](std::ostream& o) { o.write(reinterpret_cast<const char*>(b), 4); }},
  };
  safetensors_write(path, entries, {{"format", "pt"}});
  SafetensorsFile f(path);
  EXPECT_EQ(f.header().data_start % 8, 0u);  // header padded to 8
  EXPECT_EQ(f.file_size(), f.header().data_start + 16);
  ASSERT_NE(f.find("layer.a"), nullptr);
  EXPECT_EQ(f.find("nope"), nullptr);
  EXPECT_EQ(std::memcmp(f.data(*f.find("layer.a")), a, 12), 0);
  EXPECT_EQ(std::memcmp(f.data(*f.find("layer.b")), b, 4), 0);
  EXPECT_EQ(f.find("layer.b")->shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(f.header().metadata.at("format"), "pt");
  // A writer that writes the wrong number of bytes is caught.
  std::vector<StWriteEntry> bad = {{"w", StDtype::F32, {2}, [&](std::ostream& o) { o.write("abcd", 4); }}};
  EXPECT_THROW(safetensors_write(tmp_path("bad.safetensors"), bad, {}), UserError);
}

TEST(Safetensors, OpeningAMissingOrTruncatedFileNamesIt) {
  try {
    SafetensorsFile f(tmp_path("absent.safetensors"));
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.safetensors"), std::string::npos);
  }
  const std::string path = tmp_path("trunc.safetensors");
  const std::string img = file_image(kHeader, kData);
  std::ofstream(path, std::ios::binary) << img.substr(0, img.size() - 3);
  try {
    SafetensorsFile f(path);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("trunc.safetensors"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'b'"), std::string::npos);
  }
}

TEST(SafetensorsIndex, RoundTripAndErrors) {
  SafetensorsIndex idx;
  idx.total_size = 1234;
  idx.weight_map = {{"a", safetensors_shard_name(1, 2)}, {"b", safetensors_shard_name(2, 2)}};
  const std::string path = tmp_path("model.safetensors.index.json");
  std::ofstream(path) << safetensors_index_json(idx);
  SafetensorsIndex back = safetensors_index_read(path);
  EXPECT_EQ(back.total_size, 1234u);
  EXPECT_EQ(back.weight_map, idx.weight_map);
  EXPECT_EQ(back.weight_map.at("b"), "model-00002-of-00002.safetensors");
  const std::string bad = tmp_path("bad.index.json");
  std::ofstream(bad) << R"({"metadata": {}})";
  try {
    safetensors_index_read(bad);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("weight_map"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("bad.index.json"), std::string::npos);
  }
  std::ofstream(bad) << R"({"weight_map": {"a": "../x.safetensors"}})";
  EXPECT_THROW(safetensors_index_read(bad), UserError);
}

TEST(SafetensorsIndex, ShardNamesAndGreedyPlan) {
  EXPECT_EQ(safetensors_shard_name(1, 3), "model-00001-of-00003.safetensors");
  EXPECT_EQ(safetensors_shard_name(12, 100), "model-00012-of-00100.safetensors");
  // Limit 10: [4, 5] fit (9); 3 would make 12 -> new shard; [3, 7] = 10 fits; 20 alone; 1.
  auto plan = safetensors_plan_shards({4, 5, 3, 7, 20, 1}, 10);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0], (std::vector<size_t>{0, 1}));
  EXPECT_EQ(plan[1], (std::vector<size_t>{2, 3}));
  EXPECT_EQ(plan[2], (std::vector<size_t>{4}));
  EXPECT_EQ(plan[3], (std::vector<size_t>{5}));
  EXPECT_EQ(safetensors_plan_shards({1, 2}, 100).size(), 1u);
}

// Found by fuzz/fuzz_safetensors (UBSan): an empty tensor whose other dimensions are large, e.g.
// [1e15, 1e15, 0], is valid (0 bytes), but StTensorInfo::numel() multiplied left to right and
// overflowed int64 before reaching the 0.
TEST(Safetensors, FuzzEmptyTensorWithHugeDimensions) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[1000000000000000,1000000000000000,0],"data_offsets":[0,0]}})";
  StHeader hd = parse(file_image(h, ""));
  ASSERT_EQ(hd.tensors.size(), 1u);
  EXPECT_EQ(hd.tensors[0].numel(), 0);
  EXPECT_EQ(hd.tensors[0].shape, (std::vector<int64_t>{1000000000000000, 1000000000000000, 0}));
  // A hand-built shape whose product does not fit saturates instead of overflowing.
  StTensorInfo t;
  t.shape = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(t.numel(), INT64_MAX);
}

}  // namespace
}  // namespace swepo
