#include "core/config/sweep_syntax.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>

#include <fnmatch.h>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo {
namespace {

const std::regex kIntRe("[-+]?[0-9]+");
const std::regex kFloatRe(
    "[-+]?(([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)");
const std::regex kCallRe("([a-z_]+)\\((.*)\\)");

bool is_quoted(const std::string& s) {
  return s.size() >= 2 && (s[0] == '\'' || s[0] == '"') && s.back() == s[0];
}

// Splits on commas outside quotes and brackets; trims each part.
std::vector<std::string> split_top(const std::string& s, const std::string& where) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      cur += c;
      if (c == '\\' && i + 1 < s.size()) cur += s[++i];
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    else if (c == '[' || c == '{' || c == '(') ++depth;
    else if (c == ']' || c == '}' || c == ')') --depth;
    if (depth < 0) throw UserError(where + ": unbalanced '" + std::string(1, c) + "'");
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (quote) throw UserError(where + ": unterminated quote");
  if (depth != 0) throw UserError(where + ": unbalanced brackets");
  out.push_back(trim(cur));
  return out;
}

std::string normalize_element(const std::string& raw) {
  std::string s = trim(raw);
  if (is_quoted(s)) return s;
  if (std::regex_match(s, kIntRe) && s.size() < 19) return std::to_string(std::stoll(s));
  if (std::regex_match(s, kFloatRe)) return sweep_python_float(std::strtod(s.c_str(), nullptr));
  return s;
}

// A decimal number as mantissa * 10^-scale (exact for what a user types).
struct Decimal {
  long long mant = 0;
  int scale = 0;
  bool is_int = true;
};

// range() steps in exact decimals held in a long long: at most 17 significant digits and 18
// decimal places (Hydra's Decimal has no such limit, but no sweep needs more).
constexpr size_t kMaxDecimalDigits = 17;
constexpr int kMaxDecimalScale = 18;

// False when `text` is not a number; UserError (prefixed with `where`) for a number that range()
// cannot step through exactly (too many digits, or an exponent that would make it so).
bool parse_decimal(const std::string& text, Decimal& d, const std::string& where) {
  std::string s = trim(text);
  bool is_int = std::regex_match(s, kIntRe);
  if (!is_int && !std::regex_match(s, kFloatRe)) return false;
  d.is_int = is_int;
  const std::string too_precise = where + ": bad range: '" + s + "' has more than " +
                                  std::to_string(kMaxDecimalDigits) + " significant digits or " +
                                  std::to_string(kMaxDecimalScale) + " decimal places";
  int exp10 = 0;
  auto epos = s.find_first_of("eE");
  if (epos != std::string::npos) {
    std::string e = s.substr(epos + 1);
    size_t sign = (!e.empty() && (e[0] == '-' || e[0] == '+')) ? 1 : 0;
    size_t nz = e.find_first_not_of('0', sign);  // the exponent's digits, leading zeros dropped
    if (nz != std::string::npos && e.size() - nz > 4) throw UserError(too_precise);  // |exp| >= 10^4
    exp10 = nz == std::string::npos ? 0 : std::stoi(e.substr(nz)) * (sign && e[0] == '-' ? -1 : 1);
    s = s.substr(0, epos);
  }
  bool neg = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s = s.substr(1);
  std::string digits;
  int frac = 0;
  auto dot = s.find('.');
  if (dot != std::string::npos) {
    digits = s.substr(0, dot) + s.substr(dot + 1);
    frac = static_cast<int>(s.size() - dot - 1);
  } else {
    digits = s;
  }
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));  // leading zeros
  if (digits.empty()) digits = "0";
  int scale = frac - exp10;
  if (scale < 0) {
    if (digits == "0") scale = 0;  // 0e5
    else if (digits.size() + static_cast<size_t>(-scale) > kMaxDecimalDigits) throw UserError(too_precise);
    while (scale < 0) {
      digits += '0';
      ++scale;
    }
  }
  if (digits.size() > kMaxDecimalDigits || scale > kMaxDecimalScale) {
    if (digits == "0") scale = 0;  // 0.000...0
    else throw UserError(too_precise);
  }
  d.mant = std::stoll(digits) * (neg ? -1 : 1);
  d.scale = scale;
  return true;
}

long long pow10(int n) {
  long long p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

std::vector<std::string> range_values(const std::string& where, const std::string& args_text) {
  auto args = split_top(args_text, where);
  std::map<std::string, std::string> named;
  std::vector<std::string> pos;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq != std::string::npos) named[trim(a.substr(0, eq))] = trim(a.substr(eq + 1));
    else if (!a.empty()) pos.push_back(a);
  }
  std::string start = "0", stop, step = "1";
  if (pos.size() == 1 && named.empty()) {
    stop = pos[0];
  } else {
    std::vector<std::string*> slots = {&start, &stop, &step};
    if (pos.size() > 3) throw UserError(where + ": bad range: at most 3 arguments (start, stop, step)");
    for (size_t i = 0; i < pos.size(); ++i) *slots[i] = pos[i];
    for (const auto& [k, v] : named) {
      if (k == "start") start = v;
      else if (k == "stop") stop = v;
      else if (k == "step") step = v;
      else throw UserError(where + ": bad range: unknown argument '" + k + "' (start, stop, step)");
    }
  }
  if (stop.empty()) throw UserError(where + ": bad range: missing stop");
  Decimal a, b, s;
  if (!parse_decimal(start, a, where) || !parse_decimal(stop, b, where) || !parse_decimal(step, s, where))
    throw UserError(where + ": bad range: arguments must be numbers, got range(" + args_text + ")");
  if (s.mant == 0) throw UserError(where + ": bad range: step must not be 0");
  bool ints = a.is_int && b.is_int && s.is_int;
  int scale = std::max({a.scale, b.scale, s.scale});
  // The three on a common scale; a product past a long long is a range() needs too many digits for.
  long long A = 0, B = 0, S = 0;
  if (__builtin_mul_overflow(a.mant, pow10(scale - a.scale), &A) ||
      __builtin_mul_overflow(b.mant, pow10(scale - b.scale), &B) ||
      __builtin_mul_overflow(s.mant, pow10(scale - s.scale), &S))
    throw UserError(where + ": bad range: range(" + args_text + ") needs more than 18 digits at a common scale");
  std::vector<std::string> out;
  for (long long x = A; S > 0 ? x < B : x > B;) {
    if (out.size() > 1000000) throw UserError(where + ": bad range: more than a million values");
    if (ints) {
      out.push_back(std::to_string(x));
    } else {
      // The exact decimal, then the nearest double (Hydra: float(Decimal)).
      std::string t = std::to_string(std::llabs(x));
      if (static_cast<int>(t.size()) <= scale) t = std::string(scale - t.size() + 1, '0') + t;
      t.insert(t.size() - scale, ".");
      if (x < 0) t = "-" + t;
      out.push_back(sweep_python_float(std::strtod(t.c_str(), nullptr)));
    }
    if (__builtin_add_overflow(x, S, &x)) break;  // past a long long is past the stop
  }
  if (out.empty()) throw UserError(where + ": bad range: range(" + args_text + ") is empty");
  return out;
}

std::vector<std::string> glob_list(const std::string& where, const std::string& text) {
  std::string t = trim(text);
  std::vector<std::string> out;
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
    for (auto& p : split_top(t.substr(1, t.size() - 2), where)) out.push_back(p);
  } else {
    out.push_back(t);
  }
  for (auto& p : out)
    if (is_quoted(p)) p = p.substr(1, p.size() - 2);
  return out;
}

std::vector<std::string> glob_values(const std::string& where, const std::string& key,
                                     const std::string& args_text, const std::string& conf_dir) {
  auto args = split_top(args_text, where);
  std::vector<std::string> include, exclude;
  size_t npos = 0;
  for (const auto& a : args) {
    auto eq = a.find('=');
    bool named = eq != std::string::npos && a[0] != '[';
    std::string name = named ? trim(a.substr(0, eq)) : (npos++ == 0 ? "include" : "exclude");
    std::string val = named ? a.substr(eq + 1) : a;
    if (name == "include") include = glob_list(where, val);
    else if (name == "exclude") exclude = glob_list(where, val);
    else throw UserError(where + ": glob: unknown argument '" + name + "' (include, exclude)");
  }
  std::string group = key;
  while (!group.empty() && (group[0] == '+' || group[0] == '~')) group = group.substr(1);
  std::replace(group.begin(), group.end(), '.', '/');
  auto match = [](const std::string& s, const std::vector<std::string>& globs) {
    for (const auto& g : globs)
      if (::fnmatch(g.c_str(), s.c_str(), 0) == 0) return true;
    return false;
  };
  std::vector<std::string> out;
  for (const auto& o : sweep_group_options(conf_dir, group))
    if (match(o, include) && !match(o, exclude)) out.push_back(o);
  if (out.empty())
    throw UserError(where + ": glob(" + args_text + ") matches no option of config group '" + group + "'");
  return out;
}

}  // namespace

std::string sweep_python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  for (int p = 0; p < 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;  // [-]d[.ddd]e(+|-)XX
  bool neg = s[0] == '-';
  if (neg) s = s.substr(1);
  auto e = s.find('e');
  int exp10 = std::stoi(s.substr(e + 1));
  std::string digits = s.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp10 < -4 || exp10 >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += eb;
  } else if (exp10 >= 0) {
    std::string ip = digits.substr(0, std::min<size_t>(digits.size(), exp10 + 1));
    while (static_cast<int>(ip.size()) < exp10 + 1) ip += '0';
    std::string fp = digits.size() > static_cast<size_t>(exp10 + 1) ? digits.substr(exp10 + 1) : "0";
    out = ip + "." + fp;
  } else {
    out = "0." + std::string(-exp10 - 1, '0') + digits;
  }
  return neg ? "-" + out : out;
}

std::string SweepOverride::text() const {
  if (!has_value) return key;
  return key + "=" + (values.empty() ? "" : values[0]);
}

std::vector<std::string> sweep_values(const std::string& key, const std::string& value_text,
                                      const std::string& conf_dir) {
  std::string where = "override '" + key + "=" + value_text + "'";
  std::string v = trim(value_text);
  std::smatch m;
  if (std::regex_match(v, m, kCallRe)) {
    std::string fn = m[1], args = m[2];
    // The call must span the whole value: "f(a),g(b)" is a choice between two calls.
    auto parts = split_top(v, where);
    if (parts.size() == 1) {
      if (fn == "range") return range_values(where, args);
      if (fn == "glob") return glob_values(where, key, args, conf_dir);
      if (fn == "choice") {
        std::vector<std::string> out;
        for (const auto& a : split_top(args, where)) {
          if (a.empty()) throw UserError(where + ": empty element in choice()");
          out.push_back(normalize_element(a));
        }
        return out;
      }
      if (fn == "interval" || fn == "sort" || fn == "shuffle" || fn == "tag")
        throw UserError(where + ": sweep function '" + fn + "' is not supported (use a,b,c, "
                        "choice(), range() or glob())");
    }
  }
  auto parts = split_top(v, where);
  std::vector<std::string> out;
  for (const auto& p : parts) {
    if (p.empty()) {
      if (parts.size() == 1) return {""};  // "key=" sets an empty value
      throw UserError(where + ": empty element in a comma-separated sweep");
    }
    out.push_back(normalize_element(p));
  }
  return out;
}

SweepOverride sweep_parse_override(const std::string& text, const std::string& conf_dir) {
  SweepOverride o;
  auto eq = text.find('=');
  if (eq == std::string::npos) {
    if (!starts_with(text, "~"))
      throw UserError("override '" + text + "': expected key=value (or ~key to delete)");
    o.key = trim(text);
    o.has_value = false;
    return o;
  }
  o.key = trim(text.substr(0, eq));
  if (o.key.empty()) throw UserError("override '" + text + "': empty key");
  std::string value = text.substr(eq + 1);
  std::string v = trim(value);
  o.values = sweep_values(o.key, value, conf_dir);
  o.is_sweep = o.values.size() > 1 || std::regex_match(v, kCallRe);
  return o;
}

std::vector<std::vector<std::string>> sweep_product(
    const std::vector<std::vector<std::vector<std::string>>>& axes) {
  std::vector<std::vector<std::string>> out;
  for (const auto& axis : axes)
    if (axis.empty()) return out;
  std::vector<size_t> idx(axes.size(), 0);
  while (true) {
    // Concatenate one choice per axis, then deduplicate keys (first position, last value).
    std::vector<std::string> keys, values;
    for (size_t a = 0; a < axes.size(); ++a) {
      for (const auto& ov : axes[a][idx[a]]) {
        auto eq = ov.find('=');
        std::string k = ov.substr(0, eq);
        auto it = std::find(keys.begin(), keys.end(), k);
        if (it == keys.end()) {
          keys.push_back(k);
          values.push_back(ov);
        } else {
          values[it - keys.begin()] = ov;
        }
      }
    }
    out.push_back(values);
    // Odometer: the last axis varies fastest.
    size_t a = axes.size();
    while (a > 0) {
      --a;
      if (++idx[a] < axes[a].size()) break;
      idx[a] = 0;
      if (a == 0) return out;
    }
    if (axes.empty()) return out;
  }
}

std::vector<std::vector<std::string>> expand_multirun(const std::vector<std::string>& overrides,
                                                      const std::string& conf_dir) {
  // Hydra keys its axes by key: a repeated key replaces the earlier axis in place.
  std::vector<std::string> keys;
  std::vector<std::vector<std::vector<std::string>>> axes;
  for (const auto& text : overrides) {
    SweepOverride o = sweep_parse_override(text, conf_dir);
    std::vector<std::vector<std::string>> axis;
    if (!o.has_value) axis.push_back({o.key});
    for (const auto& v : o.values) axis.push_back({o.key + "=" + v});
    auto it = std::find(keys.begin(), keys.end(), o.key);
    if (it == keys.end()) {
      keys.push_back(o.key);
      axes.push_back(axis);
    } else {
      axes[it - keys.begin()] = axis;
    }
  }
  return sweep_product(axes);
}

std::vector<std::string> sweep_group_options(const std::string& conf_dir, const std::string& group) {
  namespace fs = std::filesystem;
  if (conf_dir.empty()) throw UserError("glob() over config group '" + group + "' needs a config directory");
  fs::path dir = fs::path(conf_dir) / group;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UserError("no config group '" + group + "' in '" + conf_dir + "' (no directory " + dir.string() + ")");
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace swepo
