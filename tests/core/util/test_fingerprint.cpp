// Content fingerprints (core/util/fingerprint.h): XXH64 against the reference's own values
// (xxhsum -H64, Debian's xxhash 0.8), block-boundary independence of the streaming hash, and the
// per-file cache: reused while path, size and mtime agree, recomputed when the contents change
// or the entry is damaged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/util/error.h"
#include "core/util/fingerprint.h"

namespace swepo {
namespace {

namespace fs = std::filesystem;

std::string pattern100() {
  std::string s;
  for (int i = 0; i < 100; ++i) s += static_cast<char>('a' + (i * 7) % 26);
  return s;
}

std::string pattern1m() {
  std::string s(1 << 20, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>((i * 31 + 7) % 251);
  return s;
}

TEST(Xxh64, MatchesTheReferenceImplementation) {
  // printf '' | xxhsum -H64, and so on.
  EXPECT_EQ(xxh64(""), 0xef46db3751d8e999ULL);
  EXPECT_EQ(xxh64("a"), 0xd24ec4f1a98c6e5bULL);
  EXPECT_EQ(xxh64("abc"), 0x44bc2cf5ad770999ULL);
  EXPECT_EQ(xxh64(pattern100()), 0xe645df0208c9f1d6ULL);  // > 32 bytes: the 4-lane path
  EXPECT_EQ(xxh64(pattern1m()), 0x9d70cecff6ad57cdULL);
}

TEST(Xxh64, StreamingEqualsOneShotForAnySplit) {
  const std::string s = pattern100();
  for (size_t a = 0; a <= s.size(); a += 7)
    for (size_t b = a; b <= s.size(); b += 13) {
      Xxh64 x;
      x.update(s.data(), a);
      x.update(s.data() + a, b - a);
      x.update(s.data() + b, s.size() - b);
      ASSERT_EQ(x.digest(), xxh64(s)) << a << " " << b;
    }
}

struct FingerprintTest : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("swepo_fp_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir / "model"); }
  void TearDown() override { fs::remove_all(dir); }
  void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
};

TEST_F(FingerprintTest, FileIsSizeAndXxh64) {
  write(dir / "d.jsonl", "abc");
  EXPECT_EQ(content_fingerprint((dir / "d.jsonl").string()), "size=3 xxh64=44bc2cf5ad770999");
  EXPECT_THROW(content_fingerprint((dir / "missing").string()), UserError);
}

TEST_F(FingerprintTest, CacheIsUsedWhileSizeAndMtimeAgreeAndRebuiltWhenDamaged) {
  const fs::path f = dir / "d.jsonl", cache = dir / "cache";
  write(f, "abc");
  const std::string fp = content_fingerprint(f.string(), cache.string());
  ASSERT_EQ(std::distance(fs::directory_iterator(cache), fs::directory_iterator()), 1);
  const fs::path entry = fs::directory_iterator(cache)->path();
  // An entry that agrees on path, size and mtime is trusted (the file is not read): shown by
  // planting another well-formed fingerprint in it.
  std::string text;
  {
    std::ifstream in(entry);
    std::getline(in, text);
  }
  const std::string planted = "size=3 xxh64=0123456789abcdef";
  const auto at = text.find(fp);
  ASSERT_NE(at, std::string::npos);
  write(entry, text.substr(0, at) + planted + text.substr(at + fp.size()));
  EXPECT_EQ(content_fingerprint(f.string(), cache.string()), planted);
  // Damaged entries are recomputed and rewritten, never trusted.
  for (const std::string bad : {std::string("{not json"), std::string("{}"),
                                text.substr(0, at) + "size=3 xxh64=zz" + text.substr(at + fp.size())}) {
    write(entry, bad);
    EXPECT_EQ(content_fingerprint(f.string(), cache.string()), fp) << bad;
  }
  // New contents (same size, new mtime) give a new fingerprint.
  const auto t = fs::last_write_time(f);
  write(f, "abd");
  fs::last_write_time(f, t + std::chrono::seconds(2));
  EXPECT_NE(content_fingerprint(f.string(), cache.string()), fp);
}

TEST_F(FingerprintTest, DirectoryCoversEveryFileByName) {
  write(dir / "model/config.json", "{}");
  write(dir / "model/model.safetensors", "weights");
  const std::string a = content_fingerprint((dir / "model").string());
  EXPECT_EQ(a.rfind("files=2 size=9 xxh64=", 0), 0u) << a;
  write(dir / "model/model.safetensors", "weightz");
  EXPECT_NE(content_fingerprint((dir / "model").string()), a);
  write(dir / "model/model.safetensors", "weights");
  EXPECT_EQ(content_fingerprint((dir / "model").string()), a);
  fs::rename(dir / "model/config.json", dir / "model/config2.json");
  EXPECT_NE(content_fingerprint((dir / "model").string()), a);
}

}  // namespace
}  // namespace swepo
