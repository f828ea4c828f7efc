"""Taylor polynomials: series arithmetic (calcai.taylor) against sympy.series and against the
derivative path (calcai.series.taylor_by_derivatives), measured in the same run.

Every figure is one call in a fresh process, timed after the imports; a measurement that takes
longer than the time-out is shown as "> N s". sympy.series is given the closed forms of σ and
softplus (1/(1 + e^(−x)), log(1 + e^x)), its fast route; on σ(x) itself it differentiates.

Run: python benchmarks/bench_taylor.py [--timeout SECONDS]
"""

import argparse
import subprocess
import sys
import time

ABOUT_0 = ["σ(x)", "tanh(x)", "softplus(x)", "exp(sin(x))", "log(1 + x)"]
CASES = ([(f, "x", 20) for f in ABOUT_0] + [(f, "x", 40) for f in ABOUT_0]
         + [("exp(x)·sin(y + z) + σ(x·y·z)", "x,y,z", 6), ("exp(x)·sin(y + z) + tanh(x·y·z)", "x,y,z", 6),
            ("σ(x)", "x", 5), ("σ(x)", "x", 10)])
METHODS = ("calcai", "engine", "sympy", "derivatives")


def measure(method: str, text: str, names: str, order: int) -> float:
    """One measurement, in this process (the child)."""
    import sympy as sp

    import calcai.render.text  # noqa: F401  (imports before the clock starts)
    from calcai import parse
    from calcai.differentiation import derive_tree  # noqa: F401
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
        call = {"calcai": lambda: taylor(expr, {n: 0 for n in names.split(",")}, order),
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
    print(f"{'function':32} {'order':>5} {'calcai':>10} {'engine':>10} {'sympy':>10} {'derivs':>10}"
          f" {'sympy/calcai':>13} {'sympy/engine':>13} {'derivs/calcai':>13}")
    for text, names, order in CASES:
        t = {m: fresh(m, text, names, order, args.timeout) for m in METHODS}
        ratios = [ratio(t[m], t[ours], args.timeout)
                  for m, ours in (("sympy", "calcai"), ("sympy", "engine"), ("derivatives", "calcai"))]
        print(f"{text:32} {order:5} " + " ".join(show(t[m], args.timeout) for m in METHODS) +
              "".join(f" {r:>13}" for r in ratios), flush=True)
    print("calcai: the whole taylor() call (series engine + derivative formulas for the table);"
          " engine: calcai.powerseries.expand alone")


if __name__ == "__main__":
    main()
