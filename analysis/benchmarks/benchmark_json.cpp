#include "analysis/benchmarks/benchmark_json.h"

#include <algorithm>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace swepo::benchmarks::detail {

json parse_json_document(const std::string& text, const std::string& path) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    const size_t byte = std::min<size_t>(e.byte, text.size());
    const int64_t line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n');
    throw UserError(path + ":" + std::to_string(line) + ": not valid JSON (byte " + std::to_string(e.byte) + ": " +
                    e.what() + ")");
  } catch (const json::exception& e) {  // out_of_range: a number that overflows a double (1e999)
    throw UserError(path + ": not valid JSON (" + e.what() + ")");
  }
}

std::vector<int64_t> array_element_lines(const std::string& text) {
  std::vector<int64_t> lines;
  int64_t line = 1;
  int depth = 0;
  bool in_string = false, escaped = false, expect_element = false;
  for (char c : text) {
    if (c == '\n') ++line;
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (depth == 1 && expect_element && c != ']') {
      lines.push_back(line);
      expect_element = false;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth == 1) expect_element = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_element = true;
    }
  }
  return lines;
}

JsonList read_json_list(const std::string& path) {
  const std::string text = read_file(path);
  JsonList out;
  out.items = parse_json_document(text, path);
  if (!out.items.is_array()) throw UserError(path + ":1: expected a JSON list of records");
  const std::vector<int64_t> lines = array_element_lines(text);
  for (size_t i = 0; i < out.items.size(); ++i)
    out.where.push_back(path + ":" + std::to_string(i < lines.size() ? lines[i] : 1) + " (record " +
                        std::to_string(i) + ")");
  return out;
}

const json& field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object()) throw UserError(where + ": expected a JSON object");
  auto it = j.find(key);
  if (it == j.end()) throw UserError(where + ": missing field '" + key + "'");
  return *it;
}

std::string string_field(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_string()) throw UserError(where + ": field '" + key + "' must be a string, not " + v.type_name());
  return v.get<std::string>();
}

std::string opt_string_field(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (!it->is_string()) throw UserError(where + ": field '" + key + "' must be a string, not " + it->type_name());
  return it->get<std::string>();
}

std::string id_field(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_string() && !v.is_number_integer())
    throw UserError(where + ": field '" + key + "' must be a string or an integer, not " + v.type_name());
  return v.dump();
}

int64_t char_count(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string quote_short(const std::string& s) {
  constexpr size_t kMax = 60;
  size_t end = std::min(s.size(), kMax);
  while (end < s.size() && end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  std::string out = "'";
  for (size_t i = 0; i < end; ++i) out += s[i] == '\n' ? std::string("\\n") : std::string(1, s[i]);
  return out + (end < s.size() ? "...'" : "'");
}

}  // namespace swepo::benchmarks::detail
