#!/usr/bin/env python3
"""Fit the engine's confidence calibration on the tune half of the quality benchmark.

Input: the evidence file the quality bench writes (one row per hybrid answer):

    AIL_QUALITY_EVIDENCE=bench-data/evidence.tsv AIL_QUALITY_MODES=hybrid \
        cargo bench --bench quality
    python3 benches/fit_confidence.py bench-data/evidence.tsv

A logistic regression of "the first result is the right place" on the evidence features,
fitted on the tune half only (half 0), with every weight kept at zero or above so that the
confidence can only rise with the evidence (the engine's unit tests check this). It prints
the fitted weights as Rust constants for `server/engine/src/confidence.rs`, and the
reliability table the fitted model gives on each half, which the bench reproduces once
the constants are in the engine. Standard library only.
"""

import math
import sys

# The features, in the order of `confidence::WEIGHTS`; each is 0..1 and more means more
# evidence for the first place.
FEATURES = [
    "coverage",
    "weighted_coverage",
    "known_terms",
    "top_in_lexical",
    "top_in_vector",
    "lexical_first",
    "vector_first",
    "top_similarity",
    "named",
    "margin",
]
# A little L2 on the weights keeps near-collinear features (coverage and its weighted
# form) from trading large opposite weights.
L2 = 1e-3
BUCKETS = 10
ENOUGH = 30


def feature_vector(row):
    x = []
    for name in FEATURES:
        v = float(row[name])
        if name == "named":
            v = min(v, 1.0)
        x.append(max(0.0, min(1.0, v)))
    return x


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def solve(a, b):
    """Gaussian elimination with partial pivoting: a x = b."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-12:
            m[c][c] = 1e-12
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(xs, ys):
    """Logistic regression by Newton's method; weights (not the bias) held at >= 0 by
    fixing at zero any that would go negative, then refitting the rest."""
    d = len(xs[0])
    free = set(range(d))
    while True:
        w = [0.0] * (d + 1)  # bias last
        active = sorted(free) + [d]
        for _ in range(100):
            grad = [0.0] * len(active)
            hess = [[0.0] * len(active) for _ in active]
            for x, y in zip(xs, ys):
                xa = [x[i] if i < d else 1.0 for i in active]
                p = sigmoid(sum(w[i] * v for i, v in zip(active, xa)))
                for a_i, va in enumerate(xa):
                    grad[a_i] += (p - y) * va
                    for b_i, vb in enumerate(xa):
                        hess[a_i][b_i] += p * (1 - p) * va * vb
            for a_i, i in enumerate(active):
                if i < d:
                    grad[a_i] += L2 * len(xs) * w[i]
                    hess[a_i][a_i] += L2 * len(xs)
            step = solve(hess, grad)
            for a_i, i in enumerate(active):
                w[i] -= step[a_i]
            if max(abs(s) for s in step) < 1e-7:
                break
        negative = [i for i in free if w[i] < 0]
        if not negative:
            return w[:d], w[d]
        free.remove(min(negative, key=lambda i: w[i]))


def reliability(rows, predicted, half):
    out = []
    buckets = [[0, 0, 0.0] for _ in range(BUCKETS)]
    for row, p in zip(rows, predicted):
        if int(row["half"]) != half:
            continue
        b = min(int(p * BUCKETS), BUCKETS - 1)
        buckets[b][0] += 1
        buckets[b][1] += int(row["correct"])
        buckets[b][2] += p
    worst = 0.0
    for b, (n, right, total) in enumerate(buckets):
        if n == 0:
            continue
        gap = (total / n - right / n) * 100
        if n >= ENOUGH:
            worst = max(worst, abs(gap))
        out.append(
            f"  {b / BUCKETS:.1f}-{(b + 1) / BUCKETS:.1f}: {n:4d} answers, stated {total / n:.3f}, "
            f"precision {right / n:.3f}, gap {gap:+.1f}{' (few)' if n < ENOUGH else ''}"
        )
    out.append(f"  largest gap in a bucket of {ENOUGH}+ answers: {worst:.1f} points")
    return "\n".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fit_confidence.py EVIDENCE.tsv (written by the quality bench)")
    with open(sys.argv[1], encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    missing = [c for c in FEATURES + ["half", "correct"] if c not in header]
    if missing:
        sys.exit(f"{sys.argv[1]}: no column {', '.join(missing)}; is it the quality bench's evidence file?")
    tune = [r for r in rows if r["half"] == "0"]
    if not tune:
        sys.exit("no tune-half answers to fit on")
    xs = [feature_vector(r) for r in tune]
    ys = [int(r["correct"]) for r in tune]
    weights, bias = fit(xs, ys)
    print(f"fitted on {len(tune)} tune-half answers ({sum(ys)} right at rank 1)\n")
    print("pub const WEIGHTS: [f32; %d] = [" % len(FEATURES))
    for name, w in zip(FEATURES, weights):
        print(f"    {w:.4f}, // {name}")
    print("];")
    print(f"pub const BIAS: f32 = {bias:.4f};\n")
    predicted = [
        sigmoid(bias + sum(w * v for w, v in zip(weights, feature_vector(r)))) for r in rows
    ]
    for half, title in [(0, "tune half"), (1, "report half")]:
        print(f"{title}:")
        print(reliability(rows, predicted, half))


if __name__ == "__main__":
    main()
