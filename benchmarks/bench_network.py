"""A network-size backprop problem through the CLI, against baselines measured in the same run.

The problem: an MLP 64-128-128-10 (ReLU hidden layers, softmax output, cross-entropy loss,
learning rate 0.1) with random weights from a fixed seed, written as a YAML problem file
into a temporary folder. Every figure is the median wall time of fresh processes:

- baseline ``python -c "import sympy, rich"`` (the cold start of calcai's dependencies);
- baseline: plain numpy forward/backward of the same network (this script with
  ``--numpy-baseline``: read the YAML with libyaml, compute, write JSON);
- ``calcai solve net.yaml --format json > out.json`` (target: at most 1 s);
- ``calcai solve net.yaml --format text > out.txt``.

The calcai answer is compared with the numpy baseline's (largest difference printed).
``--compare PYTHON`` also times another installation of calcai (e.g. a virtualenv with an
older version: ``--compare /tmp/old-venv/bin/python``) in the same run. Every process runs
in the temporary folder, so ``-m calcai`` never picks up a source tree from the current folder.

Run: python benchmarks/bench_network.py [--runs N] [--sizes 64,128,128,10] [--keep DIR] [--compare PYTHON]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile

from common import CALCAI, PYTHON, Figure, bytecode_cache, medians, wall

SIZES = (64, 128, 128, 10)
SEED = 20240601


def network_yaml(sizes=SIZES, seed=SEED, hidden="relu", output="softmax", loss="cross_entropy",
                 learning_rate="0.1", digits=6) -> str:
    """A backprop problem file: He-initialised weights, small biases, a one-hot target."""
    rng = random.Random(seed)
    number = f"{{:.{digits}f}}".format
    lines = ["title: Network-size backprop benchmark", "problems:", "  - id: mlp", "    kind: backprop",
             "    layers:"]
    for k in range(1, len(sizes)):
        n_in, n_out = sizes[k - 1], sizes[k]
        scale = (2.0 / n_in) ** 0.5
        rows = ", ".join("[" + ", ".join(number(rng.gauss(0, scale)) for _ in range(n_in)) + "]"
                         for _ in range(n_out))
        bias = ", ".join(number(rng.uniform(-0.1, 0.1)) for _ in range(n_out))
        act = output if k == len(sizes) - 1 else hidden
        lines += [f"      - weights: [{rows}]", f"        bias: [{bias}]", f"        activation: {act}"]
    x = ", ".join(number(rng.uniform(0, 1)) for _ in range(sizes[0]))
    target = [0] * sizes[-1]
    target[rng.randrange(sizes[-1])] = 1
    lines += [f"    input: [{x}]", f"    target: [{', '.join(map(str, target))}]", f"    loss: {loss}",
              f"    learning_rate: {learning_rate}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the numpy baseline

def numpy_baseline(path: str) -> dict:
    """Forward, backward and update of the file's network with plain numpy (ReLU / softmax + CE)."""
    import numpy as np
    import yaml

    problem = yaml.load(open(path, encoding="utf-8"), Loader=yaml.CSafeLoader)["problems"][0]
    a = [np.array(problem["input"], dtype=float)]
    Ws = [np.array(layer["weights"], dtype=float) for layer in problem["layers"]]
    bs = [np.array(layer["bias"], dtype=float) for layer in problem["layers"]]
    zs = []
    for k, (W, b) in enumerate(zip(Ws, bs)):
        z = W @ a[-1] + b
        zs.append(z)
        if k == len(Ws) - 1:
            e = np.exp(z - z.max())
            a.append(e / e.sum())
        else:
            a.append(np.maximum(z, 0))
    t = np.array(problem["target"], dtype=float)
    loss = float(-np.sum(t[t != 0] * np.log(a[-1][t != 0])))
    delta = a[-1] * t.sum() - t
    grads, updated = {}, {}
    for k in range(len(Ws) - 1, -1, -1):
        grads[f"W{k + 1}"] = np.outer(delta, a[k])
        grads[f"b{k + 1}"] = delta
        if k:
            delta = (Ws[k].T @ delta) * (zs[k - 1] > 0)
    rate = float(problem["learning_rate"])
    for k in range(len(Ws)):
        updated[f"W{k + 1}"] = Ws[k] - rate * grads[f"W{k + 1}"]
        updated[f"b{k + 1}"] = bs[k] - rate * grads[f"b{k + 1}"]
    forward = {}
    for k in range(len(Ws)):
        forward[f"z{k + 1}"], forward[f"a{k + 1}"] = zs[k].tolist(), a[k + 1].tolist()
    return {"forward": forward, "output": a[-1].tolist(), "loss": loss,
            "gradients": {k: v.tolist() for k, v in grads.items()},
            "updated": {k: v.tolist() for k, v in updated.items()}}


# ---------------------------------------------------------------- timing

def median_seconds(commands: dict, runs: int, cwd: str) -> dict:
    """{name: median wall seconds} of fresh processes; ``commands`` maps a name to
    (argv, stdout path or None). The commands take turns, run after run."""
    def timer(argv, path):
        def run():
            if path is None:
                return wall(argv, cwd=cwd)
            with open(path, "w", encoding="utf-8") as out:
                return wall(argv, cwd=cwd, stdout=out)
        return run

    return medians({name: timer(*command) for name, command in commands.items()}, runs)


def _largest_difference(a, b) -> float:
    if isinstance(a, dict):
        return max(_largest_difference(a[k], b[k]) for k in b)
    if isinstance(a, list):
        if len(a) != len(b):
            return float("inf")
        return max((_largest_difference(x, y) for x, y in zip(a, b)), default=0.0)
    return abs(float(a) - float(b))


def figures(runs: int = 3, quick: bool = False) -> list:
    """``calcai solve`` of the 64-128-128-10 network, JSON and text, against plain numpy."""
    with tempfile.TemporaryDirectory(prefix="calcai-bench-") as folder:
        net = os.path.join(folder, "net.yaml")
        with open(net, "w", encoding="utf-8") as f:
            f.write(network_yaml())
        paths = {fmt: os.path.join(folder, f"out.{fmt}") for fmt in ("json", "text", "numpy")}
        commands = {"plain": ([PYTHON, os.path.abspath(__file__), "--numpy-baseline", net], paths["numpy"]),
                    "json": ([*CALCAI, "solve", net, "--format", "json"], paths["json"]),
                    "text": ([*CALCAI, "solve", net, "--format", "text"], paths["text"])}
        got = median_seconds(commands, runs, folder)
        answer = json.load(open(paths["json"], encoding="utf-8"))[0]["answer"]
        difference = _largest_difference(answer, json.load(open(paths["numpy"], encoding="utf-8")))
        if difference > 1e-9:
            raise SystemExit(f"calcai's backprop differs from numpy's by {difference:g}")
    name = "-".join(map(str, SIZES))
    return [Figure(f"`calcai solve` backprop, MLP {name}, --format {fmt}", got[fmt],
                   "plain numpy forward/backward", got["plain"], "≤ 1 s", got[fmt] <= 1.0) for fmt in ("json", "text")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--keep", help="write the problem and outputs into this folder")
    parser.add_argument("--compare", metavar="PYTHON", help="also time calcai as installed for this interpreter")
    parser.add_argument("--numpy-baseline", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.numpy_baseline:
        json.dump(numpy_baseline(args.numpy_baseline), sys.stdout)
        return
    bytecode_cache()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    folder = args.keep or tempfile.mkdtemp(prefix="calcai-bench-")
    os.makedirs(folder, exist_ok=True)
    net = os.path.join(folder, "net.yaml")
    with open(net, "w", encoding="utf-8") as f:
        f.write(network_yaml(sizes))
    py = sys.executable
    out_json, out_text, out_np = (os.path.join(folder, n) for n in ("out.json", "out.txt", "numpy.json"))

    def solve(python, fmt, path):
        return [python, "-m", "calcai", "solve", net, "--format", fmt], path

    commands = {"deps": ([py, "-c", "import sympy, rich"], None),
                "plain": ([py, os.path.abspath(__file__), "--numpy-baseline", net], out_np),
                ("calcai", "json"): solve(py, "json", out_json), ("calcai", "text"): solve(py, "text", out_text)}
    if args.compare:
        for fmt in ("json", "text"):
            commands[("--compare", fmt)] = solve(args.compare, fmt, os.path.join(folder, f"other.{fmt}"))
    seconds = median_seconds(commands, args.runs, folder)
    deps, plain = seconds["deps"], seconds["plain"]

    answer = json.load(open(out_json, encoding="utf-8"))[0]["answer"]
    reference = json.load(open(out_np, encoding="utf-8"))
    diff = _largest_difference(answer, reference)
    n_params = sum(sizes[k] * sizes[k - 1] + sizes[k] for k in range(1, len(sizes)))
    print(f"MLP {'-'.join(map(str, sizes))}: {n_params} parameters, problem file "
          f"{os.path.getsize(net) / 1e3:.0f} kB; median of {args.runs} fresh processes")
    print(f"  python -c 'import sympy, rich'              {deps:6.3f} s   (baseline 1)")
    print(f"  plain numpy forward/backward                {plain:6.3f} s   (baseline 2)")
    for key in [k for k in commands if isinstance(k, tuple) and k[0] == "--compare"] + [("calcai", "json"),
                                                                                         ("calcai", "text")]:
        name, fmt = key
        path = commands[key][1]
        print(f"  {name:9s} solve --format {fmt:5s}          {seconds[key]:6.3f} s   "
              f"{seconds[key] / deps:5.2f}x baseline 1, {seconds[key] / plain:5.2f}x baseline 2, "
              f"output {os.path.getsize(path) / 1e6:.2f} MB")
    print(f"  largest difference of calcai's answer from numpy's: {diff:.3g}")
    if not args.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
