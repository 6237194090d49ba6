// Small string helpers: splitting, joining, and "did you mean" suggestions.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace swepo {

std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// Levenshtein distance (unit costs) between two byte strings.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` by edit distance (ties: first in order); "" when empty.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" when a candidate is reasonably close, else "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace swepo
