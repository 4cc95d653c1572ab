"""Learn word vectors from a workspace's own text and write them as a Model2Vec-format model.

A prototype of a workspace-learned semantic signal, measured through the engine's static
model path: words are the lowercased parts of identifiers and the words of comments and
prose (`parseArgs` -> parse, args); co-occurrence is counted within a window of the file's
word stream; the matrix is reweighted by positive PMI (context counts smoothed by ^0.75)
and reduced by truncated SVD; a word's vector is U * sqrt(S), scaled by a SIF weight
a / (a + p(word)). A chunk's vector is then the normalised sum of its words' vectors, as the
engine embeds with any Model2Vec model.

The text read is what the quality benchmark indexes: Python function and method docstrings
are left out (the benchmark blanks them in the copy it indexes), everything else is kept.

    python benches/learn_workspace_vectors.py WORKSPACE OUT_DIR [--dims 128] [--window 5]

The tokenizer is a WordLevel model over every spelling met (`Parse`, `parse`, `PARSE`),
split by a regex pre-tokenizer; spellings of one word share a row through the `mapping`
tensor.
"""

import argparse
import ast
import json
import os
import re
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from distill_static_model import write_safetensors  # noqa: E402

# Identifier parts: an acronym before a capitalised word, a capitalised or lower-case word,
# a run of capitals, a number. The same pattern splits text in the tokenizer written out.
WORD = r"[A-Z]+(?![a-z])|[A-Z][a-z]+|[a-z]+|[0-9]+"
WORD_RE = re.compile(WORD)
TEXT_SUFFIXES = (".py", ".txt", ".rst", ".md", ".html", ".js", ".css", ".cfg", ".toml", ".ini", ".yaml", ".yml")
MAX_FILE_BYTES = 1 << 20


def function_docstrings_removed(source):
    """Python source with every function and method docstring cut out (line count kept)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    lines = source.splitlines(keepends=True)
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) and isinstance(first.value.value, str):
                spans.append((first.lineno - 1, first.end_lineno))
    for start, end in spans:
        for i in range(start, min(end, len(lines))):
            lines[i] = "\n"
    return "".join(lines)


def files(root):
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.endswith(TEXT_SUFFIXES):
                yield os.path.join(base, name)


def word_streams(root):
    for path in files(root):
        try:
            if os.path.getsize(path) > MAX_FILE_BYTES:
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        if path.endswith(".py"):
            text = function_docstrings_removed(text)
        yield WORD_RE.findall(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace")
    parser.add_argument("out")
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--max-words", type=int, default=40000)
    parser.add_argument("--sif", type=float, default=1e-3)
    args = parser.parse_args()
    started = time.time()

    streams = list(word_streams(args.workspace))
    counts, spellings = {}, {}
    for stream in streams:
        for w in stream:
            lw = w.lower()
            counts[lw] = counts.get(lw, 0) + 1
            spellings.setdefault(lw, set()).add(w)
    words = sorted((w for w, c in counts.items() if c >= args.min_count), key=lambda w: (-counts[w], w))
    words = words[: args.max_words]
    index = {w: i for i, w in enumerate(words)}
    n = len(words)
    total_tokens = sum(len(s) for s in streams)
    print(f"{len(streams)} files, {total_tokens} words, vocabulary {n}", file=sys.stderr)

    rows, cols, vals = [], [], []
    for stream in streams:
        ids = np.fromiter((index.get(w.lower(), -1) for w in stream), dtype=np.int64, count=len(stream))
        for d in range(1, args.window + 1):
            a, b = ids[:-d], ids[d:]
            keep = (a >= 0) & (b >= 0) & (a != b)
            weight = 1.0 / d
            rows.append(a[keep]); cols.append(b[keep]); vals.append(np.full(keep.sum(), weight, dtype=np.float32))
    r = np.concatenate(rows); c = np.concatenate(cols); v = np.concatenate(vals)
    co = sp.coo_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n)).tocsr()
    co.sum_duplicates()
    print(f"co-occurrence: {co.nnz} pairs, {time.time() - started:.0f} s", file=sys.stderr)

    row_sum = np.asarray(co.sum(1)).ravel()
    col_smoothed = np.asarray(co.sum(0)).ravel() ** 0.75
    total = row_sum.sum()
    co = co.tocoo()
    pmi = np.log(co.data * col_smoothed.sum() / (row_sum[co.row] * col_smoothed[co.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep].astype(np.float32), (co.row[keep], co.col[keep])), shape=(n, n))
    dims = min(args.dims, n - 2)
    u, s, _ = svds(ppmi, k=dims)
    vectors = u * np.sqrt(s)[None, :]
    p = np.array([counts[w] for w in words], dtype=np.float64) / total_tokens
    vectors *= (args.sif / (args.sif + p))[:, None]
    print(f"PPMI {ppmi.nnz} entries, SVD to {dims}: {time.time() - started:.0f} s (total {total:.0f})", file=sys.stderr)

    # Token ids: [UNK] first, then every spelling of every kept word; rows: one per word, and
    # a zero row for the unknown token.
    vocab = {"[UNK]": 0}
    mapping = [n]
    for i, w in enumerate(words):
        for spelling in sorted(spellings[w]):
            vocab[spelling] = len(vocab)
            mapping.append(i)
    matrix = np.vstack([vectors, np.zeros((1, dims))])

    os.makedirs(args.out, exist_ok=True)
    write_safetensors(
        os.path.join(args.out, "model.safetensors"),
        {"embeddings": matrix.astype(np.float32), "mapping": np.asarray(mapping, dtype=np.int64)},
    )
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": {"type": "Split", "pattern": {"Regex": WORD}, "behavior": "Isolated", "invert": False},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }
    with open(os.path.join(args.out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump({"model_type": "model2vec", "hidden_dim": dims, "normalize": True, "learned_from": "workspace"}, f)
    print(f"wrote {args.out}: {len(vocab)} spellings, {n} words x {dims}, {time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
