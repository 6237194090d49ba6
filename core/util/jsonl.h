// JSON Lines input with errors that name the line: the one reader behind `swepo winrate` and the
// JSONL / UltraFeedback data loaders.
#pragma once
#include <cstdint>
#include <istream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace swepo {

// Calls fn(object, where) for every non-blank line read from `in`, where = "<origin>:<line number>",
// each line as it arrives (a command reading stdin answers line by line). UserError naming
// origin:line for a line that is not valid JSON or not a JSON object.
template <class F>
void for_each_jsonl_line(std::istream& in, const std::string& origin, F fn) {
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = origin + ":" + std::to_string(lineno);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw UserError(where + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw UserError(where + ": expected a JSON object");
    fn(j, where);
  }
}

// The same over the whole `text` of a file.
template <class F>
void for_each_jsonl_object(const std::string& text, const std::string& origin, F fn) {
  std::istringstream in(text);
  for_each_jsonl_line(in, origin, fn);
}

}  // namespace swepo
