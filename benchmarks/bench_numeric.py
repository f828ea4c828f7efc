"""Numeric loops: gradient descent with a gradient compiled once (floats, and exact Fractions)
against the naive baseline that substitutes into the sympy gradient at every step.

Run: python benchmarks/bench_numeric.py      (prints times and ratios against the baseline)
"""

import statistics

import time
from fractions import Fraction

import sympy as sp

from common import Figure
from calcai import parse
from calcai.numeric import compile_gradient

ITERATIONS = 300
x, y = sp.symbols("x y", real=True)
OBJECTIVE = parse("x^2 + 4y^2 + σ(x·y) + ln(1 + x^2)", [x, y])
POLYNOMIAL = parse("x^2 + 4y^2 + x·y", [x, y])


def baseline_subs(expr, start, rate, iterations):
    grad = [sp.diff(expr, v) for v in (x, y)]
    point = dict(zip((x, y), start))
    for _ in range(iterations):
        g = [float(d.subs(point)) for d in grad]
        point = {x: point[x] - rate * g[0], y: point[y] - rate * g[1]}
    return point


def compiled(expr, start, rate, iterations):
    grad = compile_gradient(expr, (x, y))
    point = list(start)
    for _ in range(iterations):
        g = grad(point)
        point = [p - rate * d for p, d in zip(point, g)]
    return point


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def figures(runs: int = 3, quick: bool = False) -> list:
    """300 steps of gradient descent on a σ/log objective: the compiled gradient (as the
    optimiser kinds run it) against substituting into the sympy gradient at every step."""
    ours, base = [], []
    for _ in range(runs):
        t, expected = timed(baseline_subs, OBJECTIVE, (4.0, 2.0), 0.1, ITERATIONS)
        base.append(t)
        t, got = timed(compiled, OBJECTIVE, (4.0, 2.0), 0.1, ITERATIONS)
        ours.append(t)
        assert abs(got[0] - expected[x]) < 1e-9 and abs(got[1] - expected[y]) < 1e-9
    return [Figure(f"gradient descent, {ITERATIONS} steps on x² + 4y² + σ(xy) + ln(1 + x²) (compiled gradient)",
                   statistics.median(ours), "sympy subs at every step", statistics.median(base))]


def main():
    base, expected = timed(baseline_subs, OBJECTIVE, (4.0, 2.0), 0.1, ITERATIONS)
    fast, got = timed(compiled, OBJECTIVE, (4.0, 2.0), 0.1, ITERATIONS)
    assert abs(got[0] - expected[x]) < 1e-9 and abs(got[1] - expected[y]) < 1e-9
    exact_time, _ = timed(compiled, POLYNOMIAL, (Fraction(4), Fraction(2)), Fraction(1, 10), 40)
    exact_base, _ = timed(baseline_subs, POLYNOMIAL, (4.0, 2.0), 0.1, 40)
    print(f"{ITERATIONS} iterations, sigmoid/log objective")
    print(f"  subs per step (baseline)   {base * 1000:9.1f} ms")
    print(f"  compiled, floats           {fast * 1000:9.1f} ms   ratio {base / fast:8.1f}x faster")
    print("40 iterations, polynomial objective")
    print(f"  subs per step (baseline)   {exact_base * 1000:9.1f} ms")
    print(f"  compiled, exact Fractions  {exact_time * 1000:9.1f} ms   ratio {exact_base / exact_time:8.1f}x faster")


if __name__ == "__main__":
    main()
