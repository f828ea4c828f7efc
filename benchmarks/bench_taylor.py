"""Taylor polynomials: series arithmetic (calcai.taylor) against sympy.series and against the
derivative path (calcai.series.taylor_by_derivatives), measured in the same run.

Every figure is one call in a fresh process, timed after the imports; a measurement that takes
longer than the time-out is shown as "> N s". sympy.series is given the closed forms of σ and
softplus (1/(1 + e^(−x)), log(1 + e^x)), its fast route; on σ(x) itself it differentiates.

Run: python benchmarks/bench_taylor.py [--timeout SECONDS]
"""

import argparse
import os
import subprocess
import sys
import time

from common import CALCAI, Figure, bytecode_cache

ABOUT_0 = ["σ(x)", "tanh(x)", "softplus(x)", "exp(sin(x))", "log(1 + x)"]
CASES = ([(f, "x", 20) for f in ABOUT_0] + [(f, "x", 40) for f in ABOUT_0]
         + [("exp(x)·sin(y + z) + σ(x·y·z)", "x,y,z", 6), ("exp(x)·sin(y + z) + tanh(x·y·z)", "x,y,z", 6),
            ("σ(x)", "x", 5), ("σ(x)", "x", 12)])
METHODS = ("calcai", "engine", "sympy", "derivatives")


def measure(method: str, text: str, names: str, order: int) -> float:
    """One measurement, in this process (the child)."""
    import sympy as sp

    import calcai.differentiation  # noqa: F401  (imports before the clock starts)
    import calcai.render.text  # noqa: F401
    from calcai import parse
    from calcai.functions import rewrite_activations
    from calcai.powerseries import expand
    from calcai.api import taylor
    from calcai.series import taylor_by_derivatives

    expr = parse(text)
    symbols = tuple(sp.Symbol(n, real=True) for n in names.split(","))
    centre = {s: sp.S.Zero for s in symbols}
    if method == "sympy" and len(symbols) == 1:
        closed = rewrite_activations(expr)
        start = time.perf_counter()
        sp.series(closed, symbols[0], 0, order + 1)
    elif method == "sympy":        # several variables: sympy has no total-degree series
        return float("nan")
    else:
        call = {"calcai": lambda: str(taylor(expr, {n: 0 for n in names.split(",")}, order)),
                "engine": lambda: expand(expr, symbols, centre, order),
                "derivatives": lambda: taylor_by_derivatives(expr, symbols, centre, order)}[method]
        start = time.perf_counter()
        call()
    return time.perf_counter() - start


def fresh(method, text, names, order, timeout):
    try:
        done = subprocess.run([sys.executable, __file__, "--one", method, text, names, str(order)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode:
        print(f"  {method} failed: {done.stderr.strip().splitlines()[-1]}", file=sys.stderr)
        return float("nan")
    return float(done.stdout)


TARGETS = {("x", 20): 0.1, ("x", 40): 0.5, ("x,y,z", 6): 0.5}


def widest_line(order: int = 5) -> int:
    """Characters in the widest line of ``calcai taylor "σ(x)" --about x=0 --order N``."""
    done = subprocess.run([*CALCAI, "taylor", "σ(x)", "--about", "x=0", "--order", str(order)],
                          capture_output=True, text=True, check=True, env={**os.environ, "COLUMNS": "200"})
    return max(len(line.rstrip()) for line in done.stdout.splitlines())


def figures(runs: int = 3, quick: bool = False) -> list:
    """calcai.taylor in a fresh process (median of ``runs``) against sympy.series of the closed form
    (one variable) or the derivative path (several), each stopped after a time-out; and the width
    of the σ order-5 derivative table."""
    timeout = 10.0 if quick else 30.0
    out = []
    for text, names, order in CASES:
        times = [fresh("calcai", text, names, order, timeout) for _ in range(runs)]
        ours = sorted(t if t is not None else float("inf") for t in times)[runs // 2]
        method = "sympy" if names == "x" else "derivatives"
        base = fresh(method, text, names, order, timeout)
        limit = TARGETS.get((names, order))
        label = "sympy.series" if method == "sympy" else "k-fold differentiation"
        out.append(Figure(f"taylor {text}, order {order}" + ("" if names == "x" else f" in {names}"), ours,
                          label if base is not None else f"{label} > {timeout:g} s", base,
                          f"≤ {limit:g} s" if limit else "", None if limit is None else ours <= limit))
    width = widest_line()
    out.append(Figure("widest line of `calcai taylor σ(x) --order 5`", width, unit="columns", target="≤ 100",
                      met=width <= 100))
    return out


def show(seconds, timeout):
    if seconds is None:
        return f"> {timeout:g} s".rjust(10)
    if seconds != seconds:
        return "—".rjust(10)
    return f"{seconds * 1000:8.1f}ms"


def ratio(other, ours, timeout):
    if ours is None or ours != ours:
        return "—".rjust(9)
    if other is None:
        return f"> {timeout / ours:,.0f}×".rjust(9)
    if other != other:
        return "—".rjust(9)
    return f"{other / ours:8.1f}×"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--one", nargs=4)
    args = parser.parse_args()
    if args.one:
        method, text, names, order = args.one
        print(measure(method, text, names, int(order)))
        return
    bytecode_cache()
    print(f"{'function':32} {'order':>5} {'calcai':>10} {'engine':>10} {'sympy':>10} {'derivs':>10}"
          f" {'sympy/calcai':>13} {'sympy/engine':>13} {'derivs/calcai':>13}")
    for text, names, order in CASES:
        t = {m: fresh(m, text, names, order, args.timeout) for m in METHODS}
        ratios = [ratio(t[m], t[ours], args.timeout)
                  for m, ours in (("sympy", "calcai"), ("sympy", "engine"), ("derivatives", "calcai"))]
        print(f"{text:32} {order:5} " + " ".join(show(t[m], args.timeout) for m in METHODS) +
              "".join(f" {r:>13}" for r in ratios), flush=True)
    print("calcai: the whole taylor() call and its text walkthrough (series engine + derivative formulas);"
          " engine: calcai.powerseries.expand alone")


if __name__ == "__main__":
    main()
