"""Readable results: calcai's targeted rewrites against a blanket simplify() on every entry of a
Hessian, measured in the same run.

Run: python benchmarks/bench_readable.py
"""

import time

import sympy as sp

from calcai import hessian, parse

N = 6
TEXT = " + ".join(f"σ(w{i}·x{i}) · (w{i} + w{(i + 1) % N})^2" for i in range(N))


def main():
    expr = parse(TEXT)
    start = time.perf_counter()
    h = hessian(expr, [f"w{i}" for i in range(N)])
    ours = time.perf_counter() - start
    start = time.perf_counter()
    simplified = h.result.applyfunc(sp.simplify)
    blanket = time.perf_counter() - start
    assert simplified.shape == h.result.shape
    entries = h.result.rows * h.result.cols
    print(f"Hessian of a {N}-variable loss ({entries} entries)")
    print(f"  calcai (derivation trees + targeted rewrites)  {ours * 1000:9.1f} ms")
    print(f"  sympy simplify() on each entry (baseline)      {blanket * 1000:9.1f} ms   "
          f"ratio {blanket / ours:6.1f}x slower")


if __name__ == "__main__":
    main()
