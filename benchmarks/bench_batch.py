"""Batches: `calcai check` on the bundled problems and on a generated 240-problem
differentiation file, each against a baseline measured in the same run.

Run: python benchmarks/bench_batch.py [--runs N] [--write FILE]

The generated file (``generate_problems``) is deterministic: polynomials of degree 1–12
with seeded integer coefficients, derivative orders 1–8, and each expected answer
computed by ``sympy.diff`` (never typed in). ``--write FILE`` only writes it.

Figures (medians over ``--runs`` fresh processes, default 3):

- baseline ``python -c "import sympy, rich"`` — what any sympy program pays to start;
- ``calcai check problems/`` and ``calcai check <generated file>``, each as a ratio against
  that baseline;
- the same two with ``--jobs 1`` (so the ratio of the two shows what the second core gives);
- engine time: the sum of the problems' solve times measured in one warm process, in the
  same run — the part of each figure that the symbolic engine, not process start-up,
  imports or rendering, is responsible for.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "problems"
COUNT = 240
SEED = 20240601


def generate_problems(count: int = COUNT, seed: int = SEED) -> str:
    """The YAML text of ``count`` derivative problems: polynomial of degree 1–12, order 1–8,
    expected answer = sympy.diff(polynomial, x, order)."""
    import sympy as sp

    x = sp.Symbol("x")
    rng = random.Random(seed)
    lines = ["title: Generated polynomial derivatives (benchmarks/bench_batch.py)", "problems:"]
    for n in range(count):
        degree = 1 + n % 12
        order = 1 + (n // 12) % 8                   # every (degree, order) pair within 96 problems
        coefficients = [rng.randint(-9, 9) for _ in range(degree)] + [rng.choice([-3, -2, -1, 1, 2, 3, 4, 5])]
        poly = sum(sp.Integer(c) * x**k for k, c in enumerate(coefficients))
        expected = sp.diff(poly, x, order)
        lines += [f"  - id: poly-{n:03d}",
                  "    kind: derivative",
                  f'    expr: "{poly}"',
                  "    wrt: x",
                  f"    order: {order}",
                  f'    expected: "{expected}"']
    return "\n".join(lines) + "\n"


def median_seconds(cmd, runs: int, ok_codes=(0,)) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok_codes:
            raise SystemExit(f"{' '.join(map(str, cmd))} exited {done.returncode}: {done.stderr[-2000:]}")
    return statistics.median(times)


def engine_seconds(paths) -> float:
    """Sum of solve times of every problem in one warm process (sympy caches as they fill)."""
    code = (
        "import sys, time\n"
        "from calcai.problems import load_many\n"
        "from calcai.solvers import solve\n"
        "problems, _ = load_many(sys.argv[1:])\n"
        "total = 0.0\n"
        "for p in problems:\n"
        "    t = time.perf_counter(); solve(p); total += time.perf_counter() - t\n"
        "print(total)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", metavar="FILE", help="only write the generated problem file")
    args = parser.parse_args(argv)
    if args.write:
        Path(args.write).write_text(generate_problems(), encoding="utf-8")
        return
    calcai = [sys.executable, "-m", "calcai"]
    with tempfile.TemporaryDirectory() as folder:
        generated = Path(folder) / "polynomial-derivatives.yaml"
        generated.write_text(generate_problems(), encoding="utf-8")
        baseline = median_seconds([sys.executable, "-c", "import sympy, rich"], max(args.runs, 5))
        rows = [
            ("check problems/", [*calcai, "check", str(PROBLEMS)], [PROBLEMS]),
            ("check problems/ -j1", [*calcai, "check", "-j", "1", str(PROBLEMS)], [PROBLEMS]),
            (f"check {COUNT} derivatives", [*calcai, "check", str(generated)], [generated]),
            (f"check {COUNT} derivatives -j1", [*calcai, "check", "-j", "1", str(generated)], [generated]),
        ]
        print(f"machine: {os.cpu_count()} cores; medians of {args.runs} runs\n")
        label = 'python -c "import sympy, rich"'
        print(f"{label:34} {baseline:7.2f} s  (baseline)")
        for name, cmd, paths in rows:
            wall = median_seconds(cmd, args.runs)
            engine = engine_seconds(paths) if not name.endswith("-j1") else None
            extra = f"   engine {engine:5.2f} s (one warm process, serial)" if engine is not None else ""
            print(f"calcai {name:27} {wall:7.2f} s  ratio {wall / baseline:5.1f}{extra}")


if __name__ == "__main__":
    main()
