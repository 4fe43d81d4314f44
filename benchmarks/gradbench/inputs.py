#!/usr/bin/env python3
"""GradBench's default inputs for the evals stag's tool has, one JSON file per eval and size.

    inputs.py OUT_DIR [MIN_SECONDS [GRADBENCH_CHECKOUT]]

writes OUT_DIR/<eval>/<size>.json, <size> named as GradBench names the workload. The numbers are
those GradBench's eval generators send (gradbench/gradbench, python/gradbench/gradbench/evals/
<eval>/run.py): the same seed, random generator and draws in the same order, so a tool's output
can be checked against GradBench's `manual` tool on the same input. Each file also carries
min_runs = 1 and min_seconds (default 1, as GradBench's evals ask). ba's inputs are read from the
data files of a GradBench checkout (evals/ba/data, from ADBench), so they are written only when
one is given. lstm's text is the checkout's evals/lstm/data/lstm_full.txt where it has one (ADBench's
Shakespeare, 14 bits per character), and otherwise Debian's /usr/share/common-licenses/GPL-3 (7
bits). Needs numpy (Debian: python3-numpy).
"""
import json
import os
import sys

import numpy as np

SEED = 31337


def save(out, runs, evaluation, size, fields):
    folder = os.path.join(out, evaluation)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, size + ".json"), "w") as f:
        json.dump(dict(fields, **runs), f)


def lse(out, runs):
    # One legacy-seeded stream for every size, n doubling from 2500: x uniform in [0, 1).
    np.random.seed(SEED)
    for n in (2500 << i for i in range(10)):
        save(out, runs, "lse", f"n={n}", {"x": np.random.rand(n).tolist()})


def llsq(out, runs):
    # One stream; m = 128 coefficients uniform in [0, 1), sizes in the order GradBench lists them.
    np.random.seed(SEED)
    for n in [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8196, 16392]:
        save(out, runs, "llsq", f"n={n},m=128", {"x": np.random.rand(128).tolist(), "n": n})


def ode(out, runs):
    # One stream; x uniform in [0, 1) of n elements for s steps, sizes ordered by n s.
    np.random.seed(SEED)
    for n, s in sorted(((n, s) for n in [1000, 10000, 100000] for s in [1, 10, 100]), key=lambda v: v[0] * v[1]):
        save(out, runs, "ode", f"n={n},s={s}", {"x": np.random.rand(n).tolist(), "s": s})


def kmeans(out, runs):
    # One stream, sizes ordered by k n d: n points uniform in [0, 1)^d, the centroids their last k.
    np.random.seed(SEED)
    for k, n, d in sorted(((k, n, d) for k in [10, 100, 1000] for n in [1000, 10000] for d in [8, 16]), key=lambda v: v[0] * v[1] * v[2]):
        points = np.random.rand(n, d).tolist()
        save(out, runs, "kmeans", f"k={k},n={n},d={d}", {"points": points, "centroids": points[-k:]})


def det(out, runs):
    # One stream; an ell x ell matrix uniform in [0, 1), row-major, for ell from 5 to 11.
    np.random.seed(SEED)
    for ell in range(5, 12):
        save(out, runs, "det", f"{ell}", {"A": np.random.rand(ell * ell).tolist(), "ell": ell})


def gmm(out, runs):
    # A fresh generator per size; n = 1000 points, m = 0, gamma = 1. The draws, in order: the points
    # (standard normal), alpha (normal), mu (uniform), q (normal), the lower parts l (normal).
    n, m, gamma = 1000, 0, 1.0
    for d in [2, 10, 20, 32, 64]:
        for k in [5, 10, 25, 50, 100]:
            draw = np.random.default_rng(seed=SEED)
            fields = {"d": d, "k": k, "n": n, "m": m, "gamma": gamma}
            fields["x"] = [list(draw.normal(size=d)) for _ in range(n)]
            fields["alpha"] = list(draw.normal(size=k))
            fields["mu"] = [list(draw.uniform(size=d)) for _ in range(k)]
            fields["q"] = [list(draw.normal(size=d)) for _ in range(k)]
            fields["l"] = [list(draw.normal(size=d * (d - 1) // 2)) for _ in range(k)]
            save(out, runs, "gmm", f"{d}_{k}_{n}", fields)


def ba(out, runs, checkout):
    # ba1 to ba14 (GradBench's default range): the first lines of each data file give n m p, then
    # one camera, one point, one weight and one feature, which the tool repeats.
    folder = os.path.join(checkout, "evals", "ba", "data")
    for i in range(1, 15):
        names = [f for f in os.listdir(folder) if f.startswith(f"ba{i}_") and f.endswith(".txt")]
        if not names:
            continue
        with open(os.path.join(folder, names[0])) as f:
            lines = f.read().splitlines()
        n, m, p = (int(v) for v in lines[0].split())
        fields = {"n": n, "m": m, "p": p, "cam": [float(v) for v in lines[1].split()], "x": [float(v) for v in lines[2].split()],
                  "w": float(lines[3]), "feat": [float(v) for v in lines[4].split()]}
        save(out, runs, "ba", names[0][:-4], fields)


def lstm(out, runs, checkout):
    # One stream, sizes ordered by l c: the first c characters of the text as rows of b bits
    # (b = the largest code point's bit length: GradBench's ceil(log2(...)), except that it is one
    # more where that code point is a power of two, which GradBench's count would not fit), then the initial state (2l x b), the main
    # parameters (2l x 4b) and the extra parameters (3 x b), uniform in [0, 1), in GradBench's order.
    full = os.path.join(checkout, "evals", "lstm", "data", "lstm_full.txt") if checkout else ""
    if not os.path.exists(full):
        full = "/usr/share/common-licenses/GPL-3"
    with open(full, encoding="utf8") as f:
        text = f.read(8192)
    np.random.seed(SEED)
    for l, c in sorted(((l, c) for l in [2, 4, 6] for c in [1024, 4096, 8192]), key=lambda v: v[0] * v[1]):
        use = text[:c]
        top = max(ord(ch) for ch in use)
        bits = top.bit_length()
        sequence = [[float(b) for b in bin(ord(ch))[2:].zfill(bits)] for ch in use]
        fields = {"state": np.random.random((2 * l, bits)).tolist(), "main_params": np.random.random((2 * l, 4 * bits)).tolist(),
                  "extra_params": np.random.random((3, bits)).tolist(), "sequence": sequence}
        save(out, runs, "lstm", f"l={l},c={c}", fields)


def nested(out, runs):
    # saddle and particle: one input each.
    save(out, runs, "saddle", "start=1,1", {"start": [1.0, 1.0]})
    save(out, runs, "particle", "w=0", {"w": 0.0})


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3, 4):
        sys.exit("usage: inputs.py OUT_DIR [MIN_SECONDS [GRADBENCH_CHECKOUT]]")
    runs = {"min_runs": 1, "min_seconds": float(sys.argv[2]) if len(sys.argv) >= 3 else 1.0}
    for make in (lse, llsq, gmm, ode, kmeans, det, nested):
        make(sys.argv[1], runs)
    lstm(sys.argv[1], runs, sys.argv[3] if len(sys.argv) == 4 else None)
    if len(sys.argv) == 4:
        ba(sys.argv[1], runs, sys.argv[3])
