// Reference tokenizer for swepo's tokenizer tests: @lenml/tokenizers (a port of transformers.js's
// tokenizers), run on a tokenizer directory's tokenizer.json + tokenizer_config.json.
//
//   node tests/reference/tokenize_ref.js DIR < texts.jsonl > ref.jsonl
//
// Input: one JSON object per line, {"text": "..."}. Output: one line per input line,
//   {"ids": [...],            encode(text, add_special_tokens=false)
//    "ids_special": [...],    encode(text, add_special_tokens=true)
//    "decode": "...",         decode(ids_special, skip_special_tokens=true)
//    "decode_all": "..."}     decode(ids_special, skip_special_tokens=false)
"use strict";
const fs = require("fs");
const path = require("path");
const { TokenizerLoader } = require(path.join(__dirname, "npm/node_modules/@lenml/tokenizers"));

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: node tokenize_ref.js DIR < texts.jsonl\n");
  process.exit(2);
}
const readJson = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
const tokenizerConfig = fs.existsSync(path.join(dir, "tokenizer_config.json"))
  ? readJson("tokenizer_config.json") : {};
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON: readJson("tokenizer.json"), tokenizerConfig });

const lines = fs.readFileSync(0, "utf8").split("\n");
const out = [];
for (const line of lines) {
  if (line.trim() === "") continue;
  const { text } = JSON.parse(line);
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  const idsSpecial = tokenizer.encode(text, { add_special_tokens: true });
  // decode() rejects an empty list; the decode of no ids is "".
  const decode = (skip) => idsSpecial.length ? tokenizer.decode(idsSpecial, { skip_special_tokens: skip }) : "";
  out.push(JSON.stringify({ ids, ids_special: idsSpecial, decode: decode(true), decode_all: decode(false) }));
}
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
