"""Batches: `calcai check` on the bundled problems and on a generated 240-problem
differentiation file, each against a baseline measured in the same run.

Run: python benchmarks/bench_batch.py [--runs N] [--write FILE]

The generated file (``generate_problems``) is deterministic: polynomials of degree 1–12
with seeded integer coefficients, derivative orders 1–8, and each expected answer
computed by ``sympy.diff`` (never typed in). ``--write FILE`` only writes it.

Figures (medians over ``--runs`` rounds, default 3; each round runs every command once in a
fresh process, so a machine busy with other work slows all of them alike):

- baseline ``python -c "import sympy, rich"``: what any sympy program pays to start;
- ``calcai check`` on all cores and with ``-j 1``, each as a ratio against that baseline;
- in one process, the way ``-j 1`` would do it without worker processes: the seconds to
  import calcai and load the problems, and the engine's seconds (the sum of every problem's
  solve-and-check time, sympy's caches warming as they go);
- what is left of the ``-j 1`` time: the cost of running in worker processes (forking,
  copy-on-write, results through pipes), laying out the check rows and printing.

Each figure is given as wall time and as CPU time (user + system, workers included): on a
machine shared with other work, CPU time moves much less than wall time.

The engine's part is what the symbolic engine's own speed decides; the rest is this
command's overhead.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import CALCAI, IMPORT_BASELINE, IMPORT_NAME, ROOT, Figure, bytecode_cache, paired, timed, wall

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


def engine_seconds(paths) -> tuple[float, float, float, float]:
    """In one process, as ``calcai check -j 1`` would do it without worker processes: wall and
    CPU seconds to import calcai and load the problems, then wall and CPU seconds of the sum of
    the problems' solve-and-check times."""
    code = (
        "import sys, time\n"
        "w0, c0 = time.perf_counter(), time.process_time()\n"
        "from calcai.problems import load_many\n"
        "from calcai.solvers import solve\n"
        "problems, _ = load_many(sys.argv[1:])\n"
        "w1, c1 = time.perf_counter(), time.process_time()\n"
        "wall = cpu = 0.0\n"
        "for p in problems:\n"
        "    w, c = time.perf_counter(), time.process_time()\n"
        "    solve(p)\n"
        "    wall += time.perf_counter() - w; cpu += time.process_time() - c\n"
        "print(w1 - w0, c1 - c0, wall, cpu)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True, check=True)
    return tuple(map(float, out.stdout.split()))


def figures(runs: int = 3, quick: bool = False) -> list:
    """``calcai check`` on the tutorial's bundled problems (≤ 2 s), on all of problems/, and on the
    generated file (≤ 6 s), all cores, against importing sympy and rich."""
    out = []
    with tempfile.TemporaryDirectory() as folder:
        generated = Path(folder) / "polynomial-derivatives.yaml"
        generated.write_text(generate_problems(), encoding="utf-8")
        beyond = ("matrix-calculus.yaml", "convexity.yaml")      # beyond the tutorial, verified at solve time
        tutorial = sorted(f for f in PROBLEMS.glob("*.yaml") if f.name not in beyond)

        def count(files):
            return sum(f.read_text(encoding="utf-8").count("\n  - id:") for f in files)

        for name, paths, limit in (
                (f"`calcai check` on the tutorial's problems ({count(tutorial)}, problems/ but the two below)",
                 tutorial, 2.0),
                (f"`calcai check problems/` ({count(PROBLEMS.rglob('*.yaml'))}, with matrix-calculus.yaml, "
                 "convexity.yaml and the exercise templates)", [PROBLEMS], None),
                (f"`calcai check` on {COUNT} generated derivative problems", [generated], 6.0)):
            t, base = paired(lambda: wall([*CALCAI, "check", *map(str, paths)]), lambda: wall(IMPORT_BASELINE), runs)
            out.append(Figure(name, t, IMPORT_NAME, base, f"≤ {limit:g} s" if limit else "",
                              None if limit is None else t <= limit))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", metavar="FILE", help="only write the generated problem file")
    args = parser.parse_args(argv)
    if args.write:
        Path(args.write).write_text(generate_problems(), encoding="utf-8")
        return
    bytecode_cache()
    calcai = CALCAI
    with tempfile.TemporaryDirectory() as folder:
        generated = Path(folder) / "polynomial-derivatives.yaml"
        generated.write_text(generate_problems(), encoding="utf-8")
        print(f"machine: {os.cpu_count()} cores; medians of {args.runs} runs, alternating with the baseline\n")
        for name, paths in (("problems/", [PROBLEMS]), (f"{COUNT} derivatives", [generated])):
            cmd = [*calcai, "check", *map(str, paths)]
            rounds = []
            for _ in range(args.runs):
                rounds.append((*timed(IMPORT_BASELINE), *timed(cmd),
                               *timed([*cmd, "-j", "1"]), *engine_seconds(paths)))
            (base, base_cpu, wall, cpu, wall_j1, cpu_j1, load, load_cpu, engine, engine_cpu) = (
                statistics.median(column) for column in zip(*rounds))
            print(f"calcai check {name}{'':25} wall            CPU (user + system)")
            print(f"  baseline python -c 'import sympy, rich'  {base:6.2f} s           {base_cpu:6.2f} s")
            print(f"  all cores                                {wall:6.2f} s  ratio {wall / base:4.1f}"
                  f"  {cpu:6.2f} s")
            print(f"  -j 1                                     {wall_j1:6.2f} s  ratio {wall_j1 / base:4.1f}"
                  f"  {cpu_j1:6.2f} s")
            print(f"  in one process: import and load          {load:6.2f} s           {load_cpu:6.2f} s")
            print(f"  in one process: engine (solve + check)   {engine:6.2f} s           {engine_cpu:6.2f} s")
            rest, rest_cpu = wall_j1 - load - engine, cpu_j1 - load_cpu - engine_cpu
            print(f"  -j 1 rest: workers, layout, printing     {rest:6.2f} s ({rest / wall_j1:4.0%})   "
                  f"{rest_cpu:6.2f} s ({rest_cpu / cpu_j1:4.0%})")
            print()

if __name__ == "__main__":
    main()
