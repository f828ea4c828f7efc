"""Start-up of one-off commands, each against a baseline measured in the same run.

Run: python benchmarks/bench_startup.py [--runs N]

Every figure is the median wall time of N fresh processes (default 9), the command and
its baseline run alternately so that a machine busy with other work slows both alike:

- ``calcai --help`` / ``--version`` against ``python -c pass`` (target: at most +50 ms);
- one-off commands on textbook-sized input, and ``calcai solve`` of a one-problem file,
  against ``python -c "import sympy, rich"`` (target: ratio at most 1.3). The ratio of CPU
  times (user + system, workers included) is printed beside it: on a machine shared with
  other work it moves less than wall time.

Then, for each one-off command, where its time goes, measured inside one fresh process
(median of N): importing sympy, importing calcai's modules that the command needs,
reading and validating the input, solving it with cold sympy caches (the engine's part),
and laying out the text — the rest of the wall time is the interpreter, the worker
process (fork, copy-on-write, reaping) and exit.

Whether calcai's own bytecode is cached matters (about 35 ms on the reference machine): an
editable install run with PYTHONDONTWRITEBYTECODE=1 compiles calcai's modules at every
start, while sympy's were compiled when it was installed. Like an installed package, every
process reads calcai's bytecode from a cache (``common.bytecode_cache``); ``--no-cache``
measures the other case.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from common import CALCAI, IMPORT_BASELINE, IMPORT_NAME, PYTHON, Figure, bytecode_cache, paired, timed, wall

ONE_OFF = [
    ["diff", "x^3 + 2x^2 + 5"],
    ["integrate", "x^2", "--from", "0", "--to", "2"],
    ["taylor", "e^x", "--about", "x=0", "--order", "3"],
    ["critical", "x^3 - 3x^2 + 2"],
]

ONE_PROBLEM = """\
problems:
  - id: chain
    kind: derivative
    expr: "(x^2 + 1)^3"
    wrt: x
    expected: "6x(x^2 + 1)^2"
"""

# Inside one fresh process: the pieces of a one-off command (argv in sys.argv[1:]).
PROBE = r"""
import sys, time
t0 = time.perf_counter()
import sympy, rich
t1 = time.perf_counter()
from calcai import cli, commands
from calcai.problems import load_problem
from calcai import solvers
from calcai.render import text
args = cli.build_parser().parse_args(sys.argv[1:])
problem_data = commands._one_off_problem(args)
solvers.load_kinds([problem_data["kind"]])
t2 = time.perf_counter()
commands._check_expressions(args)
problem = load_problem(problem_data, file=commands.COMMAND_LINE)
t3 = time.perf_counter()
solution = solvers.solve(problem)
t4 = time.perf_counter()
text.render_text(solution)
t5 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""


def paired_cpu(cmd, baseline, runs: int) -> tuple[float, float, float, float]:
    """Medians of wall and CPU time of ``cmd`` and ``baseline``, run alternately ``runs`` times
    each: (cmd wall, baseline wall, cmd CPU, baseline CPU)."""
    timed(cmd)                      # warm the file cache
    a, b = [], []
    for _ in range(runs):
        b.append(timed(baseline))
        a.append(timed(cmd))
    return (statistics.median(w for w, _ in a), statistics.median(w for w, _ in b),
            statistics.median(c for _, c in a), statistics.median(c for _, c in b))


def one_problem_file(folder) -> Path:
    path = Path(folder) / "one.yaml"
    path.write_text(ONE_PROBLEM, encoding="utf-8")
    return path


def figures(runs: int = 9, quick: bool = False) -> list:
    """--help and --version against ``python -c pass`` (≤ +50 ms); the one-off commands and a
    one-problem ``solve`` against importing sympy and rich (≤ 1.3×)."""
    out = []
    empty = [PYTHON, "-c", "pass"]
    for name in ("--help", "--version"):
        t, base = paired(lambda: wall([*CALCAI, name]), lambda: wall(empty), runs)
        out.append(Figure(f"`calcai {name}`", t, "python -c pass", base, "≤ +50 ms", t - base <= 0.050))
    with tempfile.TemporaryDirectory() as folder:
        one = one_problem_file(folder)
        cases = [(" ".join(a), a) for a in ONE_OFF] + [("solve <one derivative problem>", ["solve", str(one)])]
        for name, argv in cases:
            t, base = paired(lambda: wall([*CALCAI, *argv]), lambda: wall(IMPORT_BASELINE), runs)
            out.append(Figure(f"`calcai {name}`", t, IMPORT_NAME, base, "≤ 1.3×", t <= 1.3 * base))
    return out


def breakdown(cmd, argv, runs: int) -> list[float]:
    """Medians of the pieces (see PROBE) and, last, of the command's wall time minus their sum:
    the probe and the command run alternately."""
    rows = []
    for _ in range(runs):
        out = subprocess.run([PYTHON, "-c", PROBE, *argv], capture_output=True, text=True, check=True)
        parts = [float(v) for v in out.stdout.split()]
        wall, _cpu = timed(cmd)
        rows.append(parts + [wall - sum(parts)])
    return [statistics.median(col) for col in zip(*rows)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-cache", action="store_true", help="no bytecode cache for calcai's modules")
    args = parser.parse_args(argv)
    if not args.no_cache:
        bytecode_cache()
    program = CALCAI
    empty = [PYTHON, "-c", "pass"]
    sympy_rich = IMPORT_BASELINE
    print(f"medians of {args.runs} fresh processes, each alternating with its baseline; calcai's bytecode "
          + ("NOT cached (compiled from source at every start)" if args.no_cache else "cached") + "\n")
    for name, cmd in (("--help", [*program, "--help"]), ("--version", [*program, "--version"])):
        t, base, _cpu, _cpu_base = paired_cpu(cmd, empty, args.runs)
        print(f"calcai {name:38} {t * 1000:7.1f} ms   python -c pass {base * 1000:6.1f} ms   "
              f"extra {1000 * (t - base):+6.1f} ms")
    print()
    with tempfile.TemporaryDirectory() as folder:
        one = one_problem_file(folder)
        commands = [(" ".join(a), [*program, *a]) for a in ONE_OFF]
        commands.append(("solve <one derivative problem>", [*program, "solve", str(one)]))
        for name, cmd in commands:
            t, base, cpu, cpu_base = paired_cpu(cmd, sympy_rich, args.runs)
            print(f"calcai {name:38} {t * 1000:7.1f} ms   import sympy, rich {base * 1000:6.1f} ms   "
                  f"ratio {t / base:5.2f}   (CPU time ratio {cpu / cpu_base:5.2f})")
    print("\nwhere the time goes (ms, medians inside one fresh process):")
    print(f"  {'command':36} {'sympy+rich':>10} {'calcai imp':>10} {'validate':>9} {'engine':>8} "
          f"{'render':>7} {'rest':>6}")
    for argv_ in ONE_OFF:
        name = " ".join(argv_)
        parts = breakdown([*program, *argv_], argv_, args.runs)
        print(f"  {name:36} " + " ".join(f"{1000 * p:{w}.1f}" for p, w in zip(parts, (10, 10, 9, 8, 7, 6))))


if __name__ == "__main__":
    main()
