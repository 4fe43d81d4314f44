#!/usr/bin/env python3
"""Runs GradBench's own eval scripts against stag's tool, as GradBench's command line does, and
reports how many outputs each eval accepted:

    harness.py GRADBENCH_CHECKOUT EVAL [EVAL_ARGS...]
    harness.py /path/to/gradbench lstm -l 2 -c 1024 --min-seconds 0

It connects the eval (python/gradbench/gradbench/evals/EVAL/run.py, which validates every output,
most against GradBench's `manual` tool, which must be built in the checkout) to GradBench's
harness for C++ tools (python/gradbench/gradbench/cpp.py), which builds and runs
tools/stag/bin/EVAL: link this folder there first (`ln -s .../benchmarks/gradbench
GRADBENCH_CHECKOUT/tools/stag`; see the Makefile). GradBench's CLI, which normally connects the two,
is a Rust program; this script stands in for it. The evals need numpy, scipy and dataclasses-json
(Debian: python3-numpy python3-scipy python3-dataclasses-json) and pydantic 2; where only
pydantic 1 is installed (Debian 12), a stand-in for the two names eval.py uses is put on the path.
Exit status 1 if an output was rejected, a build failed or the eval failed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

STAND_IN = '''class BaseModel:  # what GradBench's eval.py uses of pydantic 2
    def __init__(self, **fields):
        for name in getattr(type(self), "__annotations__", {}):
            setattr(self, name, getattr(type(self), name, None))
        for name, value in fields.items():
            setattr(self, name, value)

    @classmethod
    def model_validate(cls, data):
        return cls(**data)
'''


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    checkout, evaluation, args = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    extra = tempfile.mkdtemp()
    try:
        import pydantic
        old = int(pydantic.VERSION.split(".")[0]) < 2
    except ImportError:
        old = True
    if old:
        with open(os.path.join(extra, "pydantic.py"), "w") as f:
            f.write(STAND_IN)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([extra, os.path.join(checkout, "python", "gradbench")]))
    run = lambda command: subprocess.Popen(command, cwd=checkout, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ev = run([sys.executable, "-m", f"gradbench.evals.{evaluation}.run", *args])
    tool = run([sys.executable, os.path.join("python", "gradbench", "gradbench", "cpp.py"), "stag"])
    accepted, failures, asked = 0, [], {}
    for line in ev.stdout:
        message = json.loads(line)
        if message["kind"] == "evaluate":
            asked[message["id"]] = f"{message['function']} {message.get('description', '')}".strip()
        if message["kind"] == "analysis":
            if message["valid"]:
                accepted += 1
            else:
                failures.append(f"rejected: {asked.get(message['of'])}: {message.get('error', '')}")
        tool.stdin.write(line)
        tool.stdin.flush()
        if message["kind"] == "end":
            break
        reply = tool.stdout.readline()
        answer = json.loads(reply)
        if message["kind"] in ("define", "evaluate") and not answer.get("success", True):
            failures.append(f"{message['kind']} failed: {asked.get(message['id'], '')}: {answer.get('error', '')}")
        ev.stdin.write(reply)
        ev.stdin.flush()
    ev.stdin.close()
    tool.stdin.close()
    ev.wait()
    tool.wait()
    shutil.rmtree(extra, ignore_errors=True)
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{evaluation}: {accepted} outputs accepted, {len(failures)} failures; the eval exited with {ev.returncode}")
    return 0 if not failures and ev.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
