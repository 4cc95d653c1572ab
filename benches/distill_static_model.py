"""Distil a sentence-transformers BERT model into a Model2Vec-format static model.

The recipe is Model2Vec's: every vocabulary token is passed alone through the transformer
(`[CLS] token [SEP]`), its output mean-pooled as the model pools sentences; the token
vectors are centred and reduced by PCA; each row is then scaled by a SIF weight
`a / (a + p(token))`, where `p` is the token's probability. Model2Vec estimates `p` from
the vocabulary's order (Zipf); with `--frequency-corpus DIR` it is counted instead over
the `.py` files under DIR (a general corpus, never the workspace being measured), which
matters for code, where punctuation tokens are the most frequent of all.

The transformer runs in NumPy from `model.safetensors` (BERT: embeddings, post-LayerNorm
encoder layers, exact GELU), so nothing but NumPy and `tokenizers` is needed.

    python benches/distill_static_model.py TEACHER_DIR OUT_DIR [--dims 256]
        [--frequency-corpus DIR] [--token-vectors FILE.npy] [--check]

Writes OUT_DIR/tokenizer.json (the teacher's), OUT_DIR/model.safetensors (`embeddings`,
F32, one row per token) and OUT_DIR/config.json. `--check` prints the teacher's and the
static model's cosine for a few sentence pairs, as a sanity check of the forward pass.
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
from tokenizers import Tokenizer


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=dtypes[info["dtype"]])
        out[name] = array.reshape(info["shape"]).astype(np.float32)
    return out


def write_safetensors(path, tensors):
    """Write `tensors` (name -> array): integer arrays as I64, everything else as F32."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        integer = np.issubdtype(np.asarray(array).dtype, np.integer)
        blob = np.ascontiguousarray(array, dtype=np.int64 if integer else np.float32).tobytes()
        header[name] = {
            "dtype": "I64" if integer else "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def erf(x):
    # Abramowitz and Stegun 7.1.26 (error below 1.5e-7): NumPy has no erf.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class Bert:
    def __init__(self, directory):
        with open(os.path.join(directory, "config.json")) as f:
            self.config = json.load(f)
        self.w = read_safetensors(os.path.join(directory, "model.safetensors"))
        # Some exports prefix every name with "bert.".
        if not any(k.startswith("embeddings.") for k in self.w):
            self.w = {k.split("bert.", 1)[-1]: v for k, v in self.w.items()}
        self.heads = self.config["num_attention_heads"]
        self.layers = self.config["num_hidden_layers"]
        self.eps = self.config.get("layer_norm_eps", 1e-12)

    def linear(self, x, name):
        # As one 2-D product: NumPy's stacked matmul does not reach BLAS.
        flat = x.reshape(-1, x.shape[-1]) @ self.w[name + ".weight"].T + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def forward(self, ids, mask):
        """Last hidden states for `ids` (batch x length) with attention `mask` (0/1)."""
        w, eps = self.w, self.eps
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        hidden = x.shape[-1]
        head_dim = hidden // self.heads
        bias = (1.0 - mask[:, None, None, :].astype(np.float32)) * -1e9
        for n in range(self.layers):
            p = f"encoder.layer.{n}."

            def split(t):
                return t.reshape(batch, length, self.heads, head_dim).transpose(0, 2, 1, 3)

            q = split(self.linear(x, p + "attention.self.query"))
            k = split(self.linear(x, p + "attention.self.key"))
            v = split(self.linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            attended = self.linear(context, p + "attention.output.dense")
            x = layer_norm(x + attended, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            inner = gelu(self.linear(x, p + "intermediate.dense"))
            out = self.linear(inner, p + "output.dense")
            x = layer_norm(x + out, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        return x

    def mean_pooled(self, ids, mask):
        states = self.forward(ids, mask)
        m = mask[..., None].astype(np.float32)
        return (states * m).sum(1) / m.sum(1)


def special_ids(tokenizer):
    cls = tokenizer.token_to_id("[CLS]")
    sep = tokenizer.token_to_id("[SEP]")
    if cls is None or sep is None:
        sys.exit("the teacher's tokenizer has no [CLS]/[SEP]; only BERT-style teachers are supported")
    return cls, sep


def token_vectors(bert, vocab_size, cls, sep, batch=512):
    rows = []
    started = time.time()
    for start in range(0, vocab_size, batch):
        ids = np.arange(start, min(start + batch, vocab_size))
        seq = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], axis=1)
        rows.append(bert.mean_pooled(seq, np.ones_like(seq)))
        if (start // batch) % 10 == 0:
            print(f"  {start + len(ids)}/{vocab_size} tokens, {time.time() - started:.0f} s", file=sys.stderr)
    return np.concatenate(rows)


def token_probabilities(tokenizer, vocab_size, corpus_dir):
    """Each token's probability: counted over `.py` files under `corpus_dir`, or Zipf by id."""
    if corpus_dir is None:
        ranks = np.arange(1, vocab_size + 1, dtype=np.float64)
        p = 1.0 / ranks
        return p / p.sum()
    counts = np.ones(vocab_size, dtype=np.float64)  # add-one: every token is possible
    files = 0
    for root, _, names in os.walk(corpus_dir):
        for name in names:
            if not name.endswith(".py"):
                continue
            try:
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                continue
            files += 1
            ids = tokenizer.encode(text, add_special_tokens=False).ids
            np.add.at(counts, np.asarray(ids, dtype=np.int64), 1)
    print(f"  token frequencies from {files} files, {int(counts.sum() - vocab_size)} tokens", file=sys.stderr)
    return counts / counts.sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("teacher")
    parser.add_argument("out")
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--sif", type=float, default=1e-4, help="SIF coefficient a")
    parser.add_argument("--frequency-corpus")
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--token-vectors", help="a .npy file keeping the teacher's token vectors between runs"
    )
    args = parser.parse_args()

    tokenizer = Tokenizer.from_file(os.path.join(args.teacher, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
    cls, sep = special_ids(tokenizer)
    bert = Bert(args.teacher)

    cache = args.token_vectors
    if cache and os.path.isfile(cache):
        vectors = np.load(cache)
        print(f"token vectors read from {cache}", file=sys.stderr)
    else:
        started = time.time()
        vectors = token_vectors(bert, vocab_size, cls, sep)
        print(f"forward pass over {vocab_size} tokens: {time.time() - started:.0f} s", file=sys.stderr)
        if cache:
            np.save(cache, vectors)

    centred = vectors - vectors.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    dims = min(args.dims, vt.shape[0])
    reduced = centred @ vt[:dims].T
    p = token_probabilities(tokenizer, vocab_size, args.frequency_corpus)
    weights = args.sif / (args.sif + p)
    embeddings = reduced * weights[:, None]

    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "model.safetensors"), {"embeddings": embeddings})
    with open(os.path.join(args.teacher, "tokenizer.json")) as f:
        tok = json.load(f)
    tok["truncation"] = None
    tok["padding"] = None
    with open(os.path.join(args.out, "tokenizer.json"), "w") as f:
        json.dump(tok, f)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(
            {
                "model_type": "model2vec",
                "hidden_dim": dims,
                "normalize": True,
                "distilled_from": os.path.basename(os.path.normpath(args.teacher)),
                "sif_coefficient": args.sif,
                "frequencies": "counted" if args.frequency_corpus else "zipf-by-id",
            },
            f,
        )
    print(f"wrote {args.out}: {vocab_size} x {dims}", file=sys.stderr)

    if args.check:
        check(bert, tokenizer, embeddings)


def check(bert, tokenizer, embeddings):
    pairs = [
        ("A man is eating food.", "A man is eating a piece of bread."),
        ("A man is eating food.", "The girl is carrying a baby."),
        ("Return the cached value for this key.", "def get_from_cache(key): return cache[key]"),
        ("Return the cached value for this key.", "def render_template(name): ..."),
    ]

    def teacher(text):
        enc = tokenizer.encode(text)
        ids = np.asarray([enc.ids])
        v = bert.mean_pooled(ids, np.ones_like(ids))[0]
        return v / np.linalg.norm(v)

    def static(text):
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        v = embeddings[ids].sum(0)
        return v / np.linalg.norm(v)

    for a, b in pairs:
        print(f"teacher {teacher(a) @ teacher(b):.3f}  static {static(a) @ static(b):.3f}  {a!r} / {b!r}")


if __name__ == "__main__":
    main()
