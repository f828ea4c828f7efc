"""Probability: moments of a density, Monte Carlo integration, and KL divergence."""

from __future__ import annotations

import math
import random

import sympy

from .. import limits
from ..inputs import exact as as_sympy
from ..errors import LimitError, MathError
from ..numeric import (
    Compiled, as_int, count_within_limit, fmt, is_exact, name_of, plain, sub, table_rows, to_float, to_sympy,
)
from ..numeric import show as _show
from ..solution import Equation, Section, Solution, Table, Text
from . import solver

def show(expr) -> str:
    """Working in exact notation: 16/3 rather than 5.33333."""
    return _show(expr, fractions=True)


def _symbol_in(expr, var) -> sympy.Symbol:
    """The Symbol of ``expr`` named like ``var`` (a Symbol or a name), or a new real one."""
    name = name_of(var)
    for s in as_sympy(expr).free_symbols:
        if s.name == name:
            return s
    return var if isinstance(var, sympy.Symbol) else sympy.Symbol(name, real=True)


def _bound(value):
    value = as_sympy(value)
    if not value.is_number:
        raise MathError(f"a bound must be a number, not {value}")
    return value


def _integral(integrand, x, a, b, what: str):
    result = sympy.integrate(integrand, (x, a, b), conds="none")
    if result.has(sympy.Integral):
        raise MathError(f"sympy cannot find {what} in closed form")
    if result.has(sympy.zoo, sympy.nan) or result in (sympy.oo, -sympy.oo):
        raise MathError(f"{what} does not exist: the integral diverges")
    return result


def _tidy(expr):
    return sympy.simplify(expr) if expr.count_ops() < 200 else expr


def _with_bounds(expr, x, a, b) -> str:
    """'[x²/2]₀¹ = …' working for finite bounds, '' when there is no simple antiderivative."""
    if not (a.is_finite and b.is_finite):
        return ""
    F = sympy.integrate(expr, x)
    if F.has(sympy.Integral):
        return ""
    return f"[{show(F)}] from {show(a)} to {show(b)} = {show(F.subs(x, b))} − {_paren(F.subs(x, a))}"


def _paren(expr) -> str:
    text = show(expr)
    return f"({text})" if text.startswith("−") or "/" in text or " " in text else text


# ---------------------------------------------------------------- distribution

@solver("distribution")
def distribution(problem) -> Solution:
    """total = ∫p dx, E[X] = ∫x·p dx, Var(X) = ∫x²·p dx − E[X]² over the support."""
    f = problem.fields
    density = as_sympy(f["density"])
    support = f["support"]
    if not isinstance(support, (list, tuple)) or len(support) != 2:
        raise MathError("support must be a pair [a, b]")
    a, b = (_bound(v) for v in support)
    # parameters declared positive get positive Symbols while integrating, then their own back
    swap = {}
    for p in f.get("positive") or ():
        sym = _symbol_in(density, p)
        if sym in density.free_symbols and not sym.is_positive:
            swap[sym] = sympy.Symbol(sym.name, positive=True)
    back = {v: k for k, v in swap.items()}
    p = density.xreplace(swap)
    x = _symbol_in(p, f["var"])
    if x in swap:
        raise MathError(f"the variable {x} cannot also be a positive parameter")
    total = _tidy(_integral(p, x, a, b, "the total probability ∫p(x)dx"))
    normalised = sympy.simplify(total - 1) == 0
    if total.is_zero or total.is_negative:
        raise MathError(f"the density integrates to {show(total)}, so it cannot be normalised")
    raw_mean = _tidy(_integral(x * p, x, a, b, "the mean ∫x·p(x)dx"))
    raw_second = _tidy(_integral(x ** 2 * p, x, a, b, "E[X²] = ∫x²·p(x)dx"))
    mean = raw_mean if normalised else _tidy(raw_mean / total)
    second = raw_second if normalised else _tidy(raw_second / total)
    variance = _tidy(second - mean ** 2)
    total, mean, second, variance, raw_mean, raw_second = (
        e.xreplace(back) for e in (total, mean, second, variance, raw_mean, raw_second))

    X = show(x)
    rng = f"from {show(a)} to {show(b)}"
    items = [Equation(f"p({X})", density, via=None), Text(f"The support is {show(a)} ≤ {X} ≤ {show(b)}.")]
    if swap:
        items.append(Text(f"{', '.join(str(s) for s in swap)} is taken to be positive."))
    steps = [Equation(f"∫ p({X}) d{X} ({rng})", total, via=_with_bounds(p, x, a, b) or None)]
    if normalised:
        steps.append(Text("The density integrates to 1, so it is a probability density."))
        lhs_mean, lhs_second = f"E[{X}] = ∫ {X}·p({X}) d{X}", f"E[{X}²] = ∫ {X}²·p({X}) d{X}"
    else:
        steps.append(Text(f"The density is not normalised: it integrates to {show(total)}, not 1. The mean "
                          f"and variance below are those of the normalised density p({X})/{_paren(total)}."))
        lhs_mean, lhs_second = f"∫ {X}·p({X}) d{X}", f"∫ {X}²·p({X}) d{X}"
    steps.append(Equation(f"{lhs_mean} ({rng})", raw_mean, via=_with_bounds(x * p, x, a, b) or None))
    steps.append(Equation(f"{lhs_second} ({rng})", raw_second, via=_with_bounds(x ** 2 * p, x, a, b) or None))
    if not normalised:
        steps.append(Equation(f"E[{X}]", mean, via=f"{_paren(raw_mean)}/{_paren(total)}"))
        steps.append(Equation(f"E[{X}²]", second, via=f"{_paren(raw_second)}/{_paren(total)}"))
    steps.append(Equation(f"Var({X})", variance, via=f"E[{X}²] − E[{X}]² = {show(second)} − {_paren(mean)}²"))
    answer = {"total": total, "mean": mean, "variance": variance}
    return Solution(problem=problem, title=problem.title or f"Moments of p({X}) = {show(density)}",
                    sections=(Section("Density", tuple(items)), Section("Moments", tuple(steps))),
                    answer=answer,
                    final=tuple(Equation(k, v) for k, v in (("total", total), (f"E[{X}]", mean),
                                                            (f"Var({X})", variance))))


# ---------------------------------------------------------------- Monte Carlo

@solver("monte_carlo")
def monte_carlo(problem) -> Solution:
    """∫ₐᵇ f(x)dx ≈ ((b − a)/n)·Σᵢ f(xᵢ) for samples xᵢ in [a, b]; error = |estimate − exact|."""
    fields = problem.fields
    expr = as_sympy(fields["expr"])
    x = _symbol_in(expr, fields["wrt"])
    others = sorted(s.name for s in expr.free_symbols - {x})
    if others:
        raise MathError(f"Monte Carlo needs numbers: the integrand also contains {', '.join(others)}")
    bounds = fields["bounds"]
    if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
        raise MathError("bounds must be a pair [a, b]")
    a, b = (_bound(v) for v in bounds)
    if not (a.is_finite and b.is_finite):
        raise MathError("Monte Carlo needs finite numeric bounds")
    if sympy.simplify(b - a).is_negative:
        raise MathError(f"the lower bound {show(a)} is above the upper bound {show(b)}")
    cap = limits.current().max_samples
    if fields.get("samples") is not None:
        samples = list(fields["samples"])
        if not samples:
            raise MathError("samples must not be empty")
        if len(samples) > cap:
            raise LimitError(f"{len(samples)} samples is more than the limit {cap} (limit max_samples)")
        for i, s in enumerate(samples, 1):
            v = to_float(s, f"sample {i}")
            if not float(a) <= v <= float(b):
                raise MathError(f"sample {i} ({fmt(s)}) lies outside the bounds [{show(a)}, {show(b)}]")
        how = "the given samples"
    else:
        n = count_within_limit(fields.get("n"), "n", "max_samples", minimum=1)
        seed = fields.get("seed")
        seed = as_int(seed, "seed") if seed is not None else 0
        rng = random.Random(seed)
        lo, hi = float(a), float(b)
        samples = [rng.uniform(lo, hi) for _ in range(n)]
        how = f"{n} uniform samples from random.Random({seed})"
    n = len(samples)
    f = Compiled([expr], [x])
    exact = f.exact and all(is_exact(v) for v in [*samples, a, b])
    numbers, exact = plain([*samples, a, b], exact)
    xs, (lo, hi) = numbers[:n], numbers[n:]
    values = []
    for xi in xs:
        try:
            values.append(f([xi])[0])
        except (ZeroDivisionError, ValueError, OverflowError):
            raise MathError(f"f is undefined at the sample {show(x)} = {fmt(xi)}") from None
    total = sum(values, start=0 * lo)
    estimate = (hi - lo) / n * total
    exact_value = sympy.integrate(expr, (x, a, b))
    numeric_exact = exact_value.has(sympy.Integral)
    if numeric_exact:
        exact_value = sympy.Float(sympy.Integral(expr, (x, a, b)).evalf(15), 15)
    if exact and exact_value.is_Rational:
        error = abs(to_sympy(estimate) - exact_value)
    else:
        error = sympy.Float(abs(float(estimate) - float(exact_value.evalf(17))), 15)

    rows = table_rows(list(zip(xs, values)), lambda i, r: (i, to_sympy(r[0]), to_sympy(r[1])))
    width = hi - lo
    terms = " + ".join(fmt(v) for v in values) if n <= 10 else "Σ f(xᵢ)"
    sample_items = [Text(f"Samples: {how}."), Table(("i", "xᵢ", "f(xᵢ)"), rows),
                    Equation("Σ f(xᵢ)", to_sympy(total))]
    est = Equation("∫ ≈ ((b − a)/n)·Σ f(xᵢ)", to_sympy(estimate),
                   via=f"(({show(b)} − {show(a)})/{n})·({terms}) = {fmt(width / n)}·{fmt(total)}")
    working = _with_bounds(expr, x, a, b)
    exact_items = [Equation(f"∫ from {show(a)} to {show(b)} of {show(expr)} d{show(x)}", exact_value,
                            via=working or None)]
    if numeric_exact:
        exact_items.append(Text("There is no closed form; the integral is evaluated numerically."))
    exact_items.append(Equation("error", error, via="|estimate − exact|"))
    exact_items.append(Text("The error of a Monte Carlo estimate shrinks like 1/√n as samples are added."))
    answer = {"estimate": to_sympy(estimate), "exact": exact_value, "error": error}
    return Solution(problem=problem, title=problem.title or f"Monte Carlo estimate of ∫ {show(expr)} d{show(x)}",
                    sections=(Section("Samples", tuple(sample_items)), Section("Estimate", (est,)),
                              Section("Exact value", tuple(exact_items))),
                    answer=answer,
                    final=(Equation("estimate", answer["estimate"]), Equation("exact", exact_value),
                           Equation("error", error)))


# ---------------------------------------------------------------- KL divergence

def _gaussian(d, which):
    by_name = {name_of(k): v for k, v in d.items()}
    if "mean" not in by_name or "std" not in by_name:
        raise MathError(f"{which} must give mean and std for a Gaussian")
    mean, std = as_sympy(by_name["mean"]), as_sympy(by_name["std"])
    if std.is_number and not std.is_positive:
        raise MathError(f"the std of {which} must be positive, not {show(std)}")
    return mean, std


@solver("kl_divergence")
def kl_divergence(problem) -> Solution:
    """KL(P‖Q) = Σ pᵢ log(pᵢ/qᵢ); for Gaussians log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − 1/2."""
    P, Q = problem.fields["p"], problem.fields["q"]
    if isinstance(P, dict) and isinstance(Q, dict):
        (m1, s1), (m2, s2) = _gaussian(P, "p"), _gaussian(Q, "q")
        value = sympy.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - sympy.Rational(1, 2)
        value = _tidy(value)
        items = [Text("For P = N(μ₁, σ₁²) and Q = N(μ₂, σ₂²) the integral ∫p·log(p/q) has the closed form "
                      "log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − 1/2."),
                 Equation("KL(P‖Q)", value,
                          via=f"log({show(s2)}/{show(s1)}) + ({show(s1)}² + ({show(m1)} − {show(m2)})²)/(2·{show(s2)}²) − 1/2")]
        title = "KL divergence between two Gaussians"
    elif isinstance(P, (list, tuple)) and isinstance(Q, (list, tuple)):
        if len(P) != len(Q) or not P:
            raise MathError(f"p and q must be lists of the same length (p has {len(P)}, q has {len(Q)})")
        p = [as_sympy(v) for v in P]
        q = [as_sympy(v) for v in Q]
        for name, dist in (("p", p), ("q", q)):
            for i, v in enumerate(dist, 1):
                if to_float(v, f"{name}{sub(i)}") < 0:
                    raise MathError(f"{name}{sub(i)} = {show(v)} is negative; probabilities cannot be")
            total = sum(dist)
            if abs(to_float(total) - 1) > 1e-9:
                raise MathError(f"the probabilities in {name} sum to {show(total)}, not 1")
        terms, work = [], []
        for i, (pi, qi) in enumerate(zip(p, q), 1):
            if pi == 0:
                continue
            if qi == 0:
                raise MathError(f"KL(P‖Q) is infinite: q{sub(i)} = 0 where p{sub(i)} = {show(pi)} > 0")
            terms.append(pi * sympy.log(pi / qi))
            work.append(f"{show(pi)}·log({show(pi)}/{show(qi)})")
        exact = len(terms) <= 100
        value = sympy.Add(*terms) if exact else sympy.Float(
            sum(to_float(pi) * math.log(to_float(pi) / to_float(qi)) for pi, qi in zip(p, q) if pi != 0), 15)
        items = [Text("KL(P‖Q) = Σᵢ pᵢ·log(pᵢ/qᵢ); terms with pᵢ = 0 contribute 0."),
                 Equation("KL(P‖Q)", value, via=" + ".join(work) if len(work) <= 10 else None)]
        title = "KL divergence between discrete distributions"
    else:
        raise MathError("p and q must both be lists (discrete) or both be {mean, std} (Gaussian)")
    if value.is_number and not value.is_Float:
        items.append(Equation("KL(P‖Q)", sympy.Float(value.evalf(15), 15), via=None, approx=False))
    items.append(Text("KL divergence is never negative and is 0 exactly when the distributions agree."))
    return Solution(problem=problem, title=problem.title or title,
                    sections=(Section("KL divergence", tuple(items)),),
                    answer={"value": value}, final=(Equation("KL(P‖Q)", value),))
