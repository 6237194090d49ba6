// Reading tokenizer.json / tokenizer_config.json fields with errors that name the file and the key
// (e.g. "tokenizer.json: pre_tokenizer.pretokenizers[1].type ..."). Every failure is a UserError.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace swepo::text {

using Json = nlohmann::json;

// Where a JSON value sits: the file's display name and the dotted key path inside it.
struct JsonAt {
  std::string file;  // e.g. "DIR/tokenizer.json"
  std::string path;  // e.g. "model.merges[3]"; "" for the document itself
  JsonAt key(const std::string& k) const { return {file, path.empty() ? k : path + "." + k}; }
  JsonAt index(size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
  std::string where() const { return file + ": " + (path.empty() ? "(top level)" : path); }
};

// UserError "FILE: PATH MESSAGE".
[[noreturn]] void json_fail(const JsonAt& at, const std::string& message);
// Parses `text` (the contents of at.file); a syntax error names the file and byte offset.
Json json_parse(const std::string& text, const JsonAt& at);
// obj[key] when present and not null, else nullptr; obj must be an object.
const Json* json_find(const Json& obj, const std::string& key, const JsonAt& at);
// obj[key], required (a missing or null key is an error).
const Json& json_require(const Json& obj, const std::string& key, const JsonAt& at);
std::string json_string(const Json& obj, const std::string& key, const JsonAt& at);
std::string json_string_or(const Json& obj, const std::string& key, const JsonAt& at, const std::string& def);
bool json_bool_or(const Json& obj, const std::string& key, const JsonAt& at, bool def);
int64_t json_int_or(const Json& obj, const std::string& key, const JsonAt& at, int64_t def);
// The "type" of a component object, required.
std::string json_type(const Json& obj, const JsonAt& at);
// obj.pattern, {"String": s} (*literal = true) or {"Regex": r} (*literal = false).
std::string json_pattern(const Json& obj, const JsonAt& at, bool* literal);

}  // namespace swepo::text
