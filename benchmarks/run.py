"""Every benchmark figure in one table: each measured against a baseline taken in the same run.

Run: python benchmarks/run.py [--runs N] [--quick] [--only derive,taylor,…] [--readme]

Each ``bench_*.py`` module gives its figures (``figures(runs, quick)``); this script collects
them into one Markdown table with the target each figure answers to and whether it was met.
``--readme`` writes the table into README.md between the ``benchmarks:start``/``end`` markers,
with the machine and the date. ``--quick`` is one run per figure and shorter time-outs (to see
that everything runs); the README's figures come from a full run. Exit status 1 when a target
was missed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import re
import sys
import time

from common import ROOT, bytecode_cache, table

BENCHES = {
    "derive": "bench_derive",        # derive vs sympy.diff; Hessians vs sympy.hessian
    "taylor": "bench_taylor",        # series arithmetic vs sympy.series / differentiation
    "startup": "bench_startup",      # one-off commands vs importing sympy and rich
    "integrals": "bench_integrals",  # forty textbook integrals; integrate commands
    "batch": "bench_batch",          # calcai check on problems/ and 240 generated problems
    "network": "bench_network",      # backprop at network size vs plain numpy
    "numeric": "bench_numeric",      # compiled gradients vs sympy subs
}


def machine() -> str:
    import sympy

    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, sympy {sympy.__version__}, "
            f"{datetime.date.today().isoformat()}")


def write_readme(text: str) -> None:
    readme = ROOT / "README.md"
    old = readme.read_text(encoding="utf-8")
    pattern = re.compile(r"(<!-- benchmarks:start -->\n).*?(<!-- benchmarks:end -->)", re.S)
    if not pattern.search(old):
        raise SystemExit("README.md has no <!-- benchmarks:start --> … <!-- benchmarks:end --> markers")
    readme.write_text(pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), old), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure (median); default 5")
    parser.add_argument("--quick", action="store_true", help="one run per figure, short time-outs")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHES)}")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    runs = 1 if args.quick else args.runs
    bytecode_cache()
    figures = []
    for name in names:
        start = time.perf_counter()
        module = importlib.import_module(BENCHES[name])
        got = module.figures(runs, args.quick)
        figures += got
        print(f"{name}: {len(got)} figures in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    text = (f"Measured on {machine()}; medians of {runs} fresh processes, each alternating with its "
            f"baseline.\n\n{table(figures)}")
    print(text)
    if args.readme:
        write_readme(text)
    return 1 if any(f.met is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
