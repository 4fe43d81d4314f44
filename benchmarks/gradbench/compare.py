#!/usr/bin/env python3
"""Runs stag's GradBench programs and GradBench's own `manual` and `adol-c` tools on the same
inputs, checks stag's outputs against manual's, and prints the table of docs/gradbench.md.

    compare.py INPUT_DIR STAG_BIN MANUAL_BIN ADOLC_BIN TABLE.md CHART.dat

INPUT_DIR/<eval>/<size>.json are the inputs (inputs.py); the *_BIN folders hold one program per
eval. Each program runs once per input and function, repeating the function as the input's
min_runs and min_seconds ask; the figure is the median of its evaluate timings. Exit status 1 if
an output of stag's disagrees with manual's beyond GradBench's tolerance.
"""
import json
import math
import os
import statistics
import subprocess
import sys

# The evals stag's tool has: (objective function, gradient function).
FUNCTIONS = {"lse": ("primal", "gradient"), "llsq": ("primal", "gradient"), "gmm": ("objective", "jacobian"),
             "ode": ("primal", "gradient"), "kmeans": ("cost", "dir"), "det": ("primal", "gradient"),
             "ba": ("objective", "jacobian"), "lstm": ("objective", "jacobian")}
# The nested evals: four functions (the outer level's mode, then the inner one's), no objective, and
# neither manual nor adol-c implements them: stag's outputs are checked against the values
# GradBench's eval expects (python/gradbench/gradbench/evals/<eval>/run.py) for its one input.
NESTED = {"saddle": [8.246324826140356e-06] * 4, "particle": 0.2071918746486116}
# Evals where stag's program does other work than manual's, so that their times are not compared
# with targets: det computes each minor once, O(ell 2^ell), where manual recurses, O(ell!).
NOT_COMPARABLE = {"det": "not comparable: each minor once"}


def run(program, input_file, function):
    """The output and the median evaluate time (seconds) of one run, or None where it failed."""
    if not os.path.exists(program):
        return None
    done = subprocess.run([program, input_file, function], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{program} {input_file} {function}: exit status {done.returncode}: {done.stderr.strip()}", file=sys.stderr)
        return None
    lines = done.stdout.splitlines()
    times = [json.loads(line)["nanoseconds"] for line in lines[1:] if json.loads(line)["name"] == "evaluate"]
    return json.loads(lines[0]), statistics.median(times) * 1e-9


def numbers(value):
    """The numbers of an output, in a fixed order (objects by key)."""
    if isinstance(value, dict):
        return [x for key in sorted(value) for x in numbers(value[key])]
    if isinstance(value, list):
        return [x for item in value for x in numbers(item)]
    return [float(value)]


def disagreement(a, b):
    """The largest |x - y| / max(1, |x| + |y|) (GradBench's rule; it accepts up to 1e-4)."""
    x, y = numbers(a), numbers(b)
    if len(x) != len(y):
        return math.inf
    return max((abs(p - q) / max(1.0, abs(p) + abs(q)) for p, q in zip(x, y)), default=0.0)


def size_key(name):
    """Sizes in the order of their numbers."""
    return [int(t) for t in "".join(c if c.isdigit() else " " for c in name).split()]


def ms(t):
    """Milliseconds: three decimals, two significant digits below 1 microsecond, one decimal from 10 ms."""
    if t is None:
        return "-"
    return f"{t * 1e3:.2g}" if t < 1e-6 else f"{t * 1e3:.3f}" if t < 0.01 else f"{t * 1e3:.1f}"


def main():
    inputs, stag, manual, adolc, table_file, chart_file = sys.argv[1:7]
    rows, chart, worst, within, ratios = [], [], 0.0, True, []
    for evaluation, (objective, gradient) in FUNCTIONS.items():
        folder = os.path.join(inputs, evaluation)
        if not os.path.exists(os.path.join(stag, evaluation)):
            continue  # not asked for this time
        for name in sorted((f[:-5] for f in os.listdir(folder) if f.endswith(".json")), key=size_key):
            file = os.path.join(folder, name + ".json")
            got = {tool: {fn: run(os.path.join(path, evaluation), file, fn) for fn in (objective, gradient)}
                   for tool, path in (("stag", stag), ("manual", manual), ("adol-c", adolc))}
            s_f, s_j, m_f, m_j, a_j = (got[t][fn] for t, fn in (("stag", objective), ("stag", gradient), ("manual", objective),
                                                                 ("manual", gradient), ("adol-c", gradient)))
            err = max(disagreement(s_f[0], m_f[0]), disagreement(s_j[0], m_j[0])) if s_f and s_j and m_f and m_j else math.inf
            worst = max(worst, err)
            t = lambda r: r[1] if r else None
            # Against manual's gradient, or (where manual's gradient costs less than its objective:
            # a closed form) against 2x manual's objective.
            closed_form = m_j and m_f and t(m_j) < t(m_f)
            target = (2 * t(m_f) if closed_form else 1.5 * t(m_j)) if m_j and m_f else None
            vs_manual = t(s_j) / t(m_j) if s_j and m_j else None
            vs_adolc = t(s_j) / t(a_j) if s_j and a_j else None
            met = s_j and target and t(s_j) <= target
            if evaluation in NOT_COMPARABLE:
                verdict = NOT_COMPARABLE[evaluation]
            else:
                within = within and bool(met)
                if vs_manual and not closed_form:
                    ratios.append(vs_manual)
                verdict = f"{'2 F' if closed_form else '1.5 J'}: {'met' if met else 'MISSED'}"
            rows.append(f"| {evaluation} | {name} | {ms(t(s_f))} | {ms(t(s_j))} | {t(s_j) / t(s_f):.2f} | {ms(t(m_f))} | {ms(t(m_j))} | "
                        f"{vs_manual:.2f} | {verdict} | {ms(t(a_j))} | "
                        f"{(f'{vs_adolc:.3f}' if vs_adolc else '-')} | {err:.1e} |")
            chart.append(f"\"{evaluation} {name}\" {vs_manual or 0:.4f} {(t(a_j) / t(m_j)) if a_j and m_j else 0:.4f}")
    nested = []
    for evaluation, expected in NESTED.items():
        folder = os.path.join(inputs, evaluation)
        if not os.path.exists(os.path.join(stag, evaluation)):
            continue
        for name in sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".json")):
            for fn in ("ff", "fr", "rf", "rr"):
                r = run(os.path.join(stag, evaluation), os.path.join(folder, name + ".json"), fn)
                err = disagreement(r[0], expected) if r else math.inf
                worst = max(worst, err)
                nested.append(f"| {evaluation} | {name} | {fn} | {ms(r[1]) if r else '-'} | {err:.1e} |")
    mean = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else math.nan
    with open(table_file, "w") as out:
        out.write("| eval | size | stag F (ms) | stag J (ms) | J / F | manual F (ms) | manual J (ms) | stag J / manual J | target "
                  "| adol-c J (ms) | stag J / adol-c J | max disagreement |\n")
        out.write("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |\n")
        out.write("\n".join(rows) + "\n\n")
        out.write(f"Geometric mean of stag J / manual J (the compared inputs whose target is 1.5 J): {mean:.2f} (target 1.2). "
                  f"Every per-input target {'met' if within else 'NOT met'}. Largest disagreement with manual: {worst:.1e} "
                  f"(GradBench accepts 1e-4).\n")
        if nested:
            out.write("\nThe nested evals (no manual or adol-c program in GradBench; checked against GradBench's expected output):\n\n"
                      "| eval | input | function | stag (ms) | disagreement with the expected output |\n| --- | --- | --- | ---: | ---: |\n")
            out.write("\n".join(nested) + "\n")
    with open(chart_file, "w") as out:
        out.write("\n".join(chart) + "\n")
    print(open(table_file).read())
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
