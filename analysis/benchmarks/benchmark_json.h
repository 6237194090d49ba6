// Helpers shared by analysis/benchmarks' readers (internal to the folder): whole JSON documents whose
// errors name a line, the line where each record of a JSON list starts, typed field access with
// "<where>: ..." errors, and character counts as Python's len() makes them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace swepo::benchmarks::detail {

using json = nlohmann::json;

// Parses a whole JSON document; UserError "<path>:<line>: not valid JSON (byte N: ...)".
json parse_json_document(const std::string& text, const std::string& path);

// The JSON list in `path` (read and parsed), with each record's "<path>:<line> (record i)" for
// errors. UserError when the document is not a list.
struct JsonList {
  json items;
  std::vector<std::string> where;  // [items.size()]
};
JsonList read_json_list(const std::string& path);

// The 1-based line where each element of the top-level array of valid JSON `text` starts.
std::vector<int64_t> array_element_lines(const std::string& text);

const json& field(const json& j, const char* key, const std::string& where);  // missing: UserError
std::string string_field(const json& j, const char* key, const std::string& where);
std::string opt_string_field(const json& j, const char* key, const std::string& where);  // absent/null: ""
// A question id (string or integer) as its JSON text; anything else is a UserError.
std::string id_field(const json& j, const char* key, const std::string& where);

// Unicode code points of UTF-8 text (Python's len()).
int64_t char_count(const std::string& s);
// `s` for a message: quoted, newlines escaped, cut at about 60 bytes (on a character boundary).
std::string quote_short(const std::string& s);

}  // namespace swepo::benchmarks::detail
