#!/usr/bin/env python3
"""Measure recall below the top 10 and fit the engine's re-ranker, on the tune half only.

Input: the candidate dump the quality bench writes (every fused candidate of every
question, down to a depth per retriever, with the re-ranker's features, the file kind's
log prior (a fixed offset of the score) and whether it holds the answer):

    AIL_BENCH_WORKSPACE=bench-data/vendored AIL_QUALITY_MODES=none \
        AIL_QUALITY_CANDIDATES=bench-data/candidates.tsv cargo bench --bench quality
    python3 benches/fit_rerank.py bench-data/candidates.tsv

1. Recall: the share of questions whose answer is in BM25's, the vectors' and the fused
   list's top 10 / 50 / 100 / 200 (what any re-ranker of that head could reach at most).
2. The fit: a linear model over the features, score = w . x, trained listwise (softmax
   over a question's first `HEAD` fused candidates, maximising the probability of the
   candidates holding the answer), with a little L2, on the tune half (half 0) only. It
   prints the hit rates of the fused order and of the re-ranked head on the tune half,
   by two-fold cross-validation within the tune half (so that the figure is not the fit's
   own training error), and the weights fitted on the whole tune half as Rust constants
   for `server/engine/src/rerank.rs`. The report half is never read.

Needs NumPy (BSD-3).
"""

import argparse
import math
import sys

import numpy as np

HEAD = 100


def load(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        names = header[8:]
        rows = []
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[1] != "0":
                continue  # the report half is never read
            rows.append(parts)
    return names, rows


def group(names, rows):
    """Per question: set, fused ranks, lexical ranks, vector ranks, labels, features."""
    questions = {}
    for p in rows:
        q = questions.setdefault(int(p[2]), {"set": p[0], "rows": []})
        q["rows"].append(p)
    out = []
    for qid in sorted(questions):
        q = questions[qid]
        rs = sorted(q["rows"], key=lambda p: int(p[3]))
        rank = lambda x: math.inf if x == "-" else int(x)
        out.append(
            {
                "set": q["set"],
                "lexical": np.array([rank(p[4]) for p in rs]),
                "vector": np.array([rank(p[5]) for p in rs]),
                "label": np.array([p[6] == "1" for p in rs]),
                "prior": np.array([float(p[7]) for p in rs]),
                "x": np.array([[float(v) for v in p[8:]] for p in rs], dtype=np.float64),
            }
        )
    return out


def first_hit(order_labels):
    hits = np.nonzero(order_labels)[0]
    return int(hits[0]) if len(hits) else math.inf


def recall_table(path):
    """From the `.recall` file: the answer's best rank in each deep list, per question."""
    with open(path) as f:
        f.readline()
        rows = [line.rstrip("\n").split("\t") for line in f]
    rows = [r for r in rows if r[1] == "0"]  # the report half is never read
    rank = lambda x: math.inf if x == "-" else int(x)
    print("recall (tune half): share of questions with the answer in the top k")
    print()
    print("| questions | n | list | top 10 | top 50 | top 100 | top 200 |")
    print("|---|---|---|---|---|---|---|")
    for s in sorted({r[0] for r in rows}):
        sub = [r for r in rows if r[0] == s]
        for col, name in [(3, "BM25"), (4, "vectors"), (5, "fused")]:
            cells = [f"{np.mean([rank(r[col]) < k for r in sub]):.3f}" for k in [10, 50, 100, 200]]
            print(f"| {s} | {len(sub)} | {name} | " + " | ".join(cells) + " |")
        either = np.mean([min(rank(r[3]), rank(r[4])) < 10 for r in sub])
        print(f"| {s} | {len(sub)} | BM25 or vectors | {either:.3f} | | | |")
    print()


def head_arrays(qs, head):
    xs, labels, priors, seg = [], [], [], []
    for i, q in enumerate(qs):
        x = q["x"][:head]
        xs.append(x)
        labels.append(q["label"][:head])
        priors.append(q["prior"][:head])
        seg.append(np.full(len(x), i))
    return np.vstack(xs), np.concatenate(labels), np.concatenate(priors), np.concatenate(seg)


def fit(qs, head, l2, set_weights, steps=3000, lr=0.05):
    # `l2` is one number for every feature, or an array of one per feature.
    """Listwise softmax with L2 by Adam, each question's loss weighed by its set's weight
    in `set_weights` (1 when absent); returns weights over standardised features and the
    standardisation. The file kind's log prior is a fixed offset of the score: policy
    the model works within, not a weight it learns."""
    x, y, prior, seg = head_arrays(qs, head)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    xs = (x - mean) / std
    nq = len(qs)
    has_pos = np.bincount(seg, weights=y.astype(float), minlength=nq) > 0
    keep = has_pos[seg]
    xs, y, prior, seg = xs[keep], y[keep], prior[keep], seg[keep]
    # Renumber the questions that have an answer in the head.
    _, seg = np.unique(seg, return_inverse=True)
    nq = seg.max() + 1
    weight = np.array([set_weights.get(q["set"], 1.0) for q in qs])[has_pos]
    w = np.zeros(x.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        z = xs @ w + prior
        zmax = np.full(nq, -np.inf)
        np.maximum.at(zmax, seg, z)
        e = np.exp(z - zmax[seg])
        total = np.bincount(seg, weights=e, minlength=nq)
        pos = np.bincount(seg, weights=e * y, minlength=nq)
        # d/dz of -log(pos/total) = p_all - p_pos
        g_z = (e / total[seg] - y * e / pos[seg]) * weight[seg]
        grad = xs.T @ g_z / weight.sum() + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w, mean, std


def evaluate(qs, w, mean, std, head):
    """Hit@1, hit@10 and MRR@10 per set, of the fused order and the re-ranked head."""
    res = {}
    for q in qs:
        r0 = first_hit(q["label"])
        if w is None:
            r = r0
        else:
            n = min(head, len(q["x"]))
            z = ((q["x"][:n] - mean) / std) @ w + q["prior"][:n]
            order = np.argsort(-z, kind="stable")
            labels = np.concatenate([q["label"][:n][order], q["label"][n:]])
            r = first_hit(labels)
        res.setdefault(q["set"], []).append(r)
    return {
        s: (
            np.mean([r < 1 for r in rs]),
            np.mean([r < 10 for r in rs]),
            np.mean([1 / (r + 1) if r < 10 else 0 for r in rs]),
            len(rs),
        )
        for s, rs in res.items()
    }


def show(title, scores):
    cells = ", ".join(
        f"{s} {h1:.3f}/{h10:.3f}/{mrr:.3f} (n={n})" for s, (h1, h10, mrr, n) in sorted(scores.items())
    )
    print(f"{title}: {cells}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--head", type=int, default=HEAD)
    ap.add_argument("--l2", type=float, default=1e-3)
    # Every answer in the bench is a definition, so nothing in the set bounds the weight of
    # "is a definition": a stronger L2 on it keeps it from growing past what prose answers
    # elsewhere can bear (the fixture test, docs and README sections).
    ap.add_argument("--l2-of", default="definition=0.01",
                    help="comma-separated FEATURE=L2 overriding --l2 for those features")
    ap.add_argument("--drop", default="", help="comma-separated features to leave out")
    # Doc questions answered by test code are left out of the fit: a question that does not
    # ask about tests means the implementation (issue 12's policy), and with them in the fit,
    # even counted a quarter each, tests lead "how are migrations squashed" on Django.
    ap.add_argument("--sets", default="doc,identifier,vendored identifier",
                    help="sets to fit on (all sets are evaluated)")
    ap.add_argument("--set-weights", default="",
                    help="comma-separated SET=WEIGHT for the fit's loss (default 1 each)")
    args = ap.parse_args()
    set_weights = {
        k: float(v) for k, v in (kv.rsplit("=", 1) for kv in args.set_weights.split(",") if kv)
    }
    names, rows = load(args.dump)
    qs = group(names, rows)
    recall_table(args.dump + ".recall")
    l2 = np.full(len(names), args.l2)
    for kv in args.l2_of.split(","):
        if kv:
            name, value = kv.rsplit("=", 1)
            l2[names.index(name)] = float(value)
    drop = [names.index(d) for d in args.drop.split(",") if d]
    if drop:
        for q in qs:
            q["x"][:, drop] = 0.0
    fit_sets = args.sets.split(",")
    show("fused order (tune half; hit@1/hit@10/MRR@10)", evaluate(qs, None, None, None, args.head))
    # Two folds within the tune half: fit on one, measure on the other, and add up.
    folds = [[q for i, q in enumerate(qs) if i % 2 == k] for k in range(2)]
    out = {}
    for k in range(2):
        train = [q for q in folds[1 - k] if q["set"] in fit_sets]
        w, mean, std = fit(train, args.head, l2, set_weights)
        for s, (h1, h10, mrr, n) in evaluate(folds[k], w, mean, std, args.head).items():
            a = out.setdefault(s, [0, 0, 0, 0])
            a[0] += h1 * n
            a[1] += h10 * n
            a[2] += mrr * n
            a[3] += n
    show(
        f"re-ranked head {args.head}, two-fold within the tune half",
        {s: (a[0] / a[3], a[1] / a[3], a[2] / a[3], a[3]) for s, a in out.items()},
    )
    w, mean, std = fit([q for q in qs if q["set"] in fit_sets], args.head, l2, set_weights)
    show("re-ranked, fitted on the whole tune half (training error)", evaluate(qs, w, mean, std, args.head))
    # Back to raw features: score = sum(w_i / std_i * x_i) + constant (the constant does
    # not change an order, so it is left out).
    raw = w / std
    print()
    print("// Fitted by benches/fit_rerank.py on the tune half (see BENCHMARKS.md).")
    print("pub const WEIGHTS: [f32; FEATURES] = [")
    for name, value in zip(names, raw):
        print(f"    {value:.4f}, // {name}")
    print("];")


if __name__ == "__main__":
    sys.exit(main())
