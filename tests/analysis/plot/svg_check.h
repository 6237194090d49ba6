// Test helper: a small XML well-formedness check for the SVG writer's output (balanced tags,
// quoted attributes, no raw '&' or '<' in text) and counters for elements and attributes.
#pragma once
#include <cctype>
#include <string>
#include <vector>

namespace swepo::testing_plot {

// '<' never; '&' only as one of XML's five entities.
inline bool entities_ok(const std::string& v) {
  if (v.find('<') != std::string::npos) return false;
  for (size_t a = v.find('&'); a != std::string::npos; a = v.find('&', a + 1)) {
    bool ok = false;
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) ok = ok || v.compare(a, std::string(e).size(), e) == 0;
    if (!ok) return false;
  }
  return true;
}

// "" when well-formed, else what is wrong and where.
inline std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  size_t i = 0;
  if (s.compare(0, 5, "<?xml") == 0) i = s.find("?>") + 2;
  bool root_seen = false;
  while (i < s.size()) {
    if (s[i] == '<') {
      const size_t end = s.find('>', i);
      if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
      std::string tag = s.substr(i + 1, end - i - 1);
      // attributes: every '=' must be followed by a quoted value
      for (size_t q = tag.find('='); q != std::string::npos; q = tag.find('=', q + 1)) {
        if (q + 1 >= tag.size() || tag[q + 1] != '"') return "unquoted attribute in <" + tag + ">";
        const size_t close = tag.find('"', q + 2);
        if (close == std::string::npos) return "unterminated attribute in <" + tag + ">";
        if (!entities_ok(tag.substr(q + 2, close - q - 2))) return "raw '<' or '&' in an attribute of <" + tag + ">";
        q = close;
      }
      if (tag[0] == '/') {
        const std::string name = tag.substr(1);
        if (stack.empty() || stack.back() != name) return "unbalanced </" + name + ">";
        stack.pop_back();
      } else if (tag.back() != '/') {
        const std::string name = tag.substr(0, tag.find_first_of(" \n"));
        if (stack.empty() && root_seen) return "second root element <" + name + ">";
        if (stack.empty()) {
          if (name != "svg") return "root element is <" + name + ">, not <svg>";
          root_seen = true;
        }
        stack.push_back(name);
      } else if (stack.empty()) {
        return "element outside the root";
      }
      i = end + 1;
    } else {
      if (s[i] == '&') {
        const std::string t = s.substr(i, 6);
        const size_t semi = t.find(';');
        if (semi == std::string::npos || !entities_ok(t.substr(0, semi + 1)))
          return "raw '&' in text at " + std::to_string(i);
      }
      if (stack.empty() && !std::isspace(static_cast<unsigned char>(s[i]))) return "text outside the root";
      ++i;
    }
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (!root_seen) return "no <svg> root";
  return "";
}

inline size_t count_of(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

}  // namespace swepo::testing_plot
