#include "core/text/tokenizer_json.h"

#include "core/util/error.h"

namespace swepo::text {

void json_fail(const JsonAt& at, const std::string& message) {
  throw UserError(at.file + ": " + (at.path.empty() ? "" : at.path + " ") + message);
}

Json json_parse(const std::string& text, const JsonAt& at) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
    throw UserError(at.file + ": not valid JSON (" + e.what() + ")");
  }
}

const Json* json_find(const Json& obj, const std::string& key, const JsonAt& at) {
  if (!obj.is_object()) json_fail(at, "must be a JSON object, got " + std::string(obj.type_name()));
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const Json& json_require(const Json& obj, const std::string& key, const JsonAt& at) {
  const Json* v = json_find(obj, key, at);
  if (!v) json_fail(at.key(key), "is missing");
  return *v;
}

std::string json_string(const Json& obj, const std::string& key, const JsonAt& at) {
  const Json& v = json_require(obj, key, at);
  if (!v.is_string()) json_fail(at.key(key), "must be a string, got " + std::string(v.type_name()));
  return v.get<std::string>();
}

std::string json_string_or(const Json& obj, const std::string& key, const JsonAt& at, const std::string& def) {
  return json_find(obj, key, at) ? json_string(obj, key, at) : def;
}

bool json_bool_or(const Json& obj, const std::string& key, const JsonAt& at, bool def) {
  const Json* v = json_find(obj, key, at);
  if (!v) return def;
  if (!v->is_boolean()) json_fail(at.key(key), "must be true or false, got " + std::string(v->type_name()));
  return v->get<bool>();
}

int64_t json_int_or(const Json& obj, const std::string& key, const JsonAt& at, int64_t def) {
  const Json* v = json_find(obj, key, at);
  if (!v) return def;
  if (!v->is_number_integer()) json_fail(at.key(key), "must be an integer, got " + std::string(v->type_name()));
  return v->get<int64_t>();
}

std::string json_type(const Json& obj, const JsonAt& at) { return json_string(obj, "type", at); }

std::string json_pattern(const Json& obj, const JsonAt& at, bool* literal) {
  const Json& p = json_require(obj, "pattern", at);
  const JsonAt pat = at.key("pattern");
  if (const Json* s = json_find(p, "String", pat)) {
    if (!s->is_string()) json_fail(pat.key("String"), "must be a string");
    *literal = true;
    return s->get<std::string>();
  }
  if (const Json* r = json_find(p, "Regex", pat)) {
    if (!r->is_string()) json_fail(pat.key("Regex"), "must be a string");
    *literal = false;
    return r->get<std::string>();
  }
  json_fail(pat, "must be {\"String\": ...} or {\"Regex\": ...}");
}


}  // namespace swepo::text
