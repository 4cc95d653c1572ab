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
    "name_share",
    "margin",
]
# The bench's default number of questions of each set (quality.rs): a larger sample
# (AIL_QUALITY_LIMIT) is weighed back to this mix, so that the fit serves the set the
# reliability diagram is reported on.
DEFAULT_MIX = {"doc": 1000, "doc (tests)": 500, "identifier": 300, "vendored identifier": 100}
# A little L2 on the weights keeps near-collinear features (coverage and its weighted
# form) from trading large opposite weights.
L2 = 1e-3
BUCKETS = 10
ENOUGH = 30
# The logistic model's output is then mapped through a monotone curve (isotonic
# regression over this many bins of equal weight), since one logistic cannot be right
# both for name lookups, almost always right, and for descriptions, rarely.
KNOT_BINS = 12


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


def fit(xs, ys, weights):
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
            for x, y, weight in zip(xs, ys, weights):
                xa = [x[i] if i < d else 1.0 for i in active]
                p = sigmoid(sum(w[i] * v for i, v in zip(active, xa)))
                for a_i, va in enumerate(xa):
                    grad[a_i] += weight * (p - y) * va
                    for b_i, vb in enumerate(xa):
                        hess[a_i][b_i] += weight * p * (1 - p) * va * vb
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


def isotonic_knots(scores, ys, weights):
    """Bins of equal weight by logistic score, each to its weighted precision, pooled
    where a bin is less right than the one below it (pool adjacent violators). Returns
    (score, probability) knots, increasing in both."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    total = sum(weights)
    bins = []  # [weight, weighted score sum, weighted right sum]
    acc = [0.0, 0.0, 0.0]
    for i in order:
        acc[0] += weights[i]
        acc[1] += weights[i] * scores[i]
        acc[2] += weights[i] * ys[i]
        if acc[0] >= total / KNOT_BINS * (1 - 1e-9):
            bins.append(acc)
            acc = [0.0, 0.0, 0.0]
    if acc[0] > 0:
        if bins:
            bins[-1] = [a + b for a, b in zip(bins[-1], acc)]
        else:
            bins.append(acc)
    pooled = []
    for b in bins:
        pooled.append(b[:])
        while len(pooled) > 1 and pooled[-2][2] / pooled[-2][0] >= pooled[-1][2] / pooled[-1][0]:
            last = pooled.pop()
            pooled[-1] = [a + b for a, b in zip(pooled[-1], last)]
    return [(w_s / w, r / w) for w, w_s, r in pooled]


def through_knots(p, knots):
    if p <= knots[0][0]:
        return knots[0][1]
    for (x0, y0), (x1, y1) in zip(knots, knots[1:]):
        if p <= x1:
            return y0 + (y1 - y0) * (p - x0) / (x1 - x0)
    return knots[-1][1]


def reliability(rows, predicted, half, weight=lambda r: 1.0):
    out = []
    buckets = [[0, 0, 0.0] for _ in range(BUCKETS)]
    for row, p in zip(rows, predicted):
        if int(row["half"]) != half:
            continue
        b = min(int(p * BUCKETS), BUCKETS - 1)
        w = weight(row)
        buckets[b][0] += w
        buckets[b][1] += w * int(row["correct"])
        buckets[b][2] += w * p
    worst = 0.0
    for b, (n, right, total) in enumerate(buckets):
        if n == 0:
            continue
        gap = (total / n - right / n) * 100
        if n >= ENOUGH:
            worst = max(worst, abs(gap))
        out.append(
            f"  {b / BUCKETS:.1f}-{(b + 1) / BUCKETS:.1f}: {n:6.0f} answers, stated {total / n:.3f}, "
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
    counts = {}
    for r in tune:
        counts[r["set"]] = counts.get(r["set"], 0) + 1
    mix = {s: DEFAULT_MIX.get(s, 0) for s in counts}
    if sum(mix.values()) == 0:
        mix = dict(counts)
    share = {s: mix[s] / sum(mix.values()) for s in counts}
    row_weight = [share[r["set"]] * len(tune) / counts[r["set"]] for r in tune]
    weights, bias = fit(xs, ys, row_weight)
    print(f"fitted on {len(tune)} tune-half answers ({sum(ys)} right at rank 1), sets {counts} weighed to {mix}\n")
    print("pub const WEIGHTS: [f32; %d] = [" % len(FEATURES))
    for name, w in zip(FEATURES, weights):
        print(f"    {w:.4f}, // {name}")
    print("];")
    print(f"pub const BIAS: f32 = {bias:.4f};\n")
    def logistic(r):
        return sigmoid(bias + sum(w * v for w, v in zip(weights, feature_vector(r))))

    knots = isotonic_knots([logistic(r) for r in tune], ys, row_weight)
    print("const KNOTS: [(f32, f32); %d] = [" % len(knots))
    for x, y in knots:
        print(f"    ({x:.4f}, {y:.4f}),")
    print("];\n")
    predicted = [through_knots(logistic(r), knots) for r in rows]
    for half, title in [(0, "tune half"), (1, "report half")]:
        print(f"{title}:")
        print(reliability(rows, predicted, half))
        # The same answers counted as if asked in the bench's default mix of sets.
        n_half = {}
        for r in rows:
            if int(r["half"]) == half:
                n_half[r["set"]] = n_half.get(r["set"], 0) + 1
        per = {k: mix.get(k, 0) / 2 / n_half[k] for k in n_half}
        print(f"{title}, weighed to the default mix ({mix}):")
        print(reliability(rows, predicted, half, lambda r: per.get(r["set"], 0.0)))


if __name__ == "__main__":
    main()
