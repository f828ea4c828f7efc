"""Derivatives and Hessians against sympy, each in a fresh process, timed after imports.

- ``calcai.derive`` (rule tree and readable answer) of the issue's expression, and of 44 mixed
  expressions in turn, against ``sympy.diff`` of the same expressions (target: at most 2×);
- ``calcai.hessian`` of Σxᵢ² + log Σ exp(xᵢ) with its (summarised) text walkthrough, against
  ``sympy.hessian`` (targets: n = 20 within 1 s, n = 80 within 3 s).

Run: python benchmarks/bench_derive.py [--runs N]
"""

from __future__ import annotations

import argparse

from common import Figure, bytecode_cache, in_fresh_process, paired, table

BIG = "sin(x^2)*exp(-x)*log(1 + x^2) + tanh(3x)/(1 + x^4) + sigmoid(x)^3*sqrt(1 + cos(x)^2)"

MIXED = [
    BIG, "x^3 + 2x^2 + 5", "(x^2 + 1)^3", "e^(2x)", "ln(x^2)", "x*sin(x)", "sin(x)/x", "x^x", "2^x",
    "σ(x)", "tanh(x)", "softplus(x)", "relu(x)", "1/(1 + e^(-x))", "tanh(2x + 1)", "sin(e^(x^2))",
    "sqrt(1 + x^2)", "atan(x)", "e^(-(x - 2)^2/8)/sqrt(8π)", "log(1 + e^(-3x))", "x^2*e^(-x)",
    "(x - 1)/(x + 1)", "sigmoid(2x + 1)*(1 - sigmoid(2x + 1))", "tanh(x)^2", "cos(x)^3*sin(x)^2",
    "log(sigmoid(x))", "-0.3*log(sigmoid(x)) - 0.7*log(1 - sigmoid(x))", "x^4 - 4x^2 + 3",
    "(3x - 2)^5*(x + 4)^2", "exp(sin(x))", "log(cos(x))", "sqrt(x)*log(x)", "x/(1 + x^2)^2",
    "sigmoid(x)^2*tanh(x)", "max(0, x)^2", "sinh(x)*cosh(2x)", "e^x/(1 + e^x)", "(1 + 1/x)^x",
    "asin(x/2)", "log(x)/x^2", "softplus(3x - 1)^2", "x^5*sigmoid(x)", "tan(x^2)", "(x^2 - 1)/(x - 1)",
]

DERIVE = """
import time, calcai, sympy
exprs = [calcai.parse(t) for t in {texts!r}]
x = sorted(exprs[0].free_symbols, key=str)[0]
t = time.perf_counter()
for e in exprs:
    {call}(e, x)
print(time.perf_counter() - t)
"""

HESSIAN = """
import time, calcai, sympy
from calcai import limits
limits.configure(max_variables=200)
n = {n}
xs = sympy.symbols(f"x1:{{n + 1}}", real=True)
f = sum(v**2 for v in xs) + sympy.log(sum(sympy.exp(v) for v in xs))
t = time.perf_counter()
{body}
print(time.perf_counter() - t)
"""


def figures(runs: int = 3, quick: bool = False) -> list:
    out = []
    for name, texts in ((f"derive {BIG}", [BIG]), (f"derive, {len(MIXED)} mixed expressions", MIXED)):
        ours, base = paired(lambda: in_fresh_process(DERIVE.format(texts=texts, call="calcai.derive")),
                            lambda: in_fresh_process(DERIVE.format(texts=texts, call="sympy.diff")), runs)
        out.append(Figure(name, ours, "sympy.diff", base, "≤ 2×", ours <= 2 * base))
    for n, limit in ((5, None), (10, None), (15, None), (20, 1.0), (80, 3.0)):
        ours, base = paired(
            lambda: in_fresh_process(HESSIAN.format(n=n, body="str(calcai.hessian(f))")),
            lambda: in_fresh_process(HESSIAN.format(n=n, body="sympy.hessian(f, xs)")), runs)
        out.append(Figure(f"hessian of Σxᵢ² + log Σ exp(xᵢ), n = {n}, with walkthrough", ours, "sympy.hessian",
                          base, f"≤ {limit:g} s" if limit else "", None if limit is None else ours <= limit))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    bytecode_cache()
    print(table(figures(parser.parse_args().runs)))
