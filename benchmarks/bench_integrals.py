"""Integrals: calcai's engine on forty textbook integrals, each in a fresh process, and the
`calcai integrate` command against `python -c "import sympy, rich"`, measured in the same run.

- engine: ``calcai.integrals.integrate(f, x)`` with its text rendering, timed after imports and
  parsing in a fresh interpreter (so the first call's lazy imports count), median of --runs, per
  integral and in total; with --before PATH the same integrals run with another checkout's calcai
  (e.g. the main branch), alternating with this one, for before/after figures;
- CLI: wall time of `calcai integrate …` on a few of them (two definite) against the import
  baseline; target: at most 1.3× (the command's own start-up counts too, so `calcai diff x^2`
  is shown for reference).

Every process reads compiled bytecode from one temporary cache (PYTHONPYCACHEPREFIX), filled by
a warm-up run, as an installed package would: with PYTHONDONTWRITEBYTECODE set and no cache,
each run would compile calcai's modules from source again (tens of milliseconds), which a user
never pays twice.

Run: python benchmarks/bench_integrals.py [--runs N] [--before /work/main] [--root PATH] [--skip-engine]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from common import IMPORT_BASELINE, IMPORT_NAME, Figure, bytecode_cache, paired, seconds, table, wall

ROOT = Path(__file__).resolve().parents[1]

# The data set: forty textbook integrals, shared with the tests.
TEXTBOOK = [line for line in (ROOT / "tests" / "data" / "textbook-integrals.txt").read_text(
    encoding="utf-8").splitlines() if line and not line.startswith("#")]

CLI_CASES = [["x^2"], ["x*e^x"], ["1/(x*(x+1))"], ["sigmoid(x)"], ["x^2*ln(x)"],
             ["x^2/(x^3+1)", "--from", "0", "--to", "1"], ["1/(x*(x+1))", "--from", "1", "--to", "inf"]]

ENGINE = """
import sys, time
sys.path.insert(0, {root!r})
import sympy
from calcai.inputs import sole_variable, to_expr
from calcai.integrals import integrate
f = to_expr({text!r})
x = sole_variable(f, "integrate")
start = time.perf_counter()
try:
    str(integrate(f, x))
    ok = "ok"
except Exception as error:
    ok = type(error).__name__
print(ok, time.perf_counter() - start)
"""

CLI = "import sys; sys.path.insert(0, {root!r}); from calcai.cli import main; sys.exit(main())"


def engine_once(root, text) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", ENGINE.format(root=str(root), text=text)],
                         capture_output=True, text=True, check=True)
    ok, t = out.stdout.split()[-2:]
    return ok, float(t)


def engine_table(runs: int, before: Path | None):
    """Per integral: (text, outcome, median seconds, outcome before, median seconds before)."""
    rows = []
    for text in TEXTBOOK:
        now, then, ok_now, ok_then = [], [], "ok", ""
        for _ in range(runs):
            if before is not None:
                ok_then, t = engine_once(before, text)
                then.append(t)
            ok_now, t = engine_once(ROOT, text)
            now.append(t)
        rows.append((text, ok_now, statistics.median(now), ok_then, statistics.median(then) if then else None))
        print(f"  integrate {text:22s} {seconds(rows[-1][2]):>8s}" +
              (f"   before {seconds(rows[-1][4]):>8s} {ok_then}" if before is not None else ""),
              file=sys.stderr, flush=True)
    return rows


def engine_markdown(rows) -> str:
    with_before = rows[0][4] is not None
    head = "| integral | engine | " + ("before | ratio |" if with_before else "")
    lines = [head, "|---|---|" + ("---|---|" if with_before else "")]
    for text, ok, t, ok_before, t_before in rows:
        cell = seconds(t) + ("" if ok == "ok" else f" ({ok})")
        if with_before:
            old = seconds(t_before) + ("" if ok_before == "ok" else f" ({ok_before})")
            lines.append(f"| `{text}` | {cell} | {old} | {t / t_before:.2f}× |")
        else:
            lines.append(f"| `{text}` | {cell} |")
    total = sum(r[2] for r in rows)
    if with_before:
        total_before = sum(r[4] for r in rows)
        lines.append(f"| **total** | {seconds(total)} | {seconds(total_before)} | {total / total_before:.2f}× |")
    else:
        lines.append(f"| **total** | {seconds(total)} |")
    slow = [r for r in rows if r[2] > 0.1]
    lines.append("")
    lines.append(f"{len(rows) - len(slow)} of {len(rows)} within 0.1 s"
                 + (f"; slower: {', '.join(f'`{r[0]}` {seconds(r[2])}' for r in slow)}" if slow else ""))
    return "\n".join(lines)


def cli_figures(runs: int, before: Path | None) -> list:
    base_cmd = IMPORT_BASELINE
    out = []
    reference, base = paired(lambda: wall([sys.executable, "-c", CLI.format(root=str(ROOT)), "diff", "x^2"]),
                             lambda: wall(base_cmd), runs)
    out.append(Figure("for reference: `calcai diff x^2`", reference, IMPORT_NAME, base))
    for args in CLI_CASES:
        ours, base = paired(lambda: wall([sys.executable, "-c", CLI.format(root=str(ROOT)), "integrate", *args]),
                            lambda: wall(base_cmd), runs)
        out.append(Figure(f"`calcai integrate {' '.join(args)}`", ours, IMPORT_NAME, base,
                          "≤ 1.3×", ours <= 1.3 * base))
        if before is not None:
            old, base = paired(lambda: wall([sys.executable, "-c", CLI.format(root=str(before)), "integrate", *args]),
                               lambda: wall(base_cmd), runs)
            out.append(Figure(f"… before ({before})", old, IMPORT_NAME, base, "≤ 1.3×",
                              old <= 1.3 * base))
    return out


def warm_up(before: Path | None) -> None:
    """Fill the bytecode cache: every command once, output discarded."""
    for root in [ROOT] + ([before] if before is not None else []):
        wall([sys.executable, "-c", CLI.format(root=str(root)), "integrate", "1/(x*(x+1))", "--from", "1", "--to", "2"])
        wall([sys.executable, "-c", CLI.format(root=str(root)), "diff", "x^2"])
        engine_once(root, "x*e^(-x^2)")
    wall([sys.executable, "-c", "import sympy, rich"])


def figures(runs: int = 3, quick: bool = False) -> list:
    """The engine's median and slowest integral of the forty (each in a fresh process, median of
    ``runs``) and the CLI on a few of them against importing sympy and rich (≤ 1.3×)."""
    warm_up(None)
    rows = engine_table(runs, None)
    times = sorted(r[2] for r in rows)
    failed = [r[0] for r in rows if r[1] != "ok"]
    slowest = max(rows, key=lambda r: r[2])
    out = [Figure(f"integrate, {len(rows)} textbook integrals (engine, text walkthrough): median", times[len(times) // 2],
                  target="all succeed", met=not failed),
           Figure(f"… slowest: `{slowest[0]}`", slowest[2])]
    return out + [f for f in cli_figures(runs, None) if f.target]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to time in the same run (e.g. /work/main)")
    parser.add_argument("--root", type=Path, help="the checkout to measure (default: this one)")
    parser.add_argument("--skip-engine", action="store_true", help="only the CLI figures")
    args = parser.parse_args()
    if args.root is not None:
        ROOT = args.root.resolve()
    bytecode_cache()
    warm_up(args.before)
    if not args.skip_engine:
        print(engine_markdown(engine_table(args.runs, args.before)))
        print()
    print(table(cli_figures(max(args.runs, 5), args.before)))
