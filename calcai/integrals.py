"""Integration with steps from sympy's own rule tree (``integral_steps``), and definite
integrals by the fundamental theorem: ∫ₐᵇ f = F(b) − F(a)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import sympy as sp

from .differentiation import sole_variable, to_expr, to_symbol
from .errors import MathError
from .solution import Equation, Section, Text, Walkthrough


@dataclass(frozen=True)
class IntegralStep:
    """One rule of sympy's integration tree: ∫ expr d(wrt) = result."""

    rule: str
    expr: sp.Expr
    wrt: sp.Symbol
    result: sp.Expr
    substeps: tuple = ()


def _rule_name(rule) -> str:
    name = type(rule).__name__.removesuffix("Rule")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _convert(rule) -> IntegralStep:
    """Turn a manualintegrate Rule (and its nested rules) into IntegralStep nodes."""
    from sympy.integrals.manualintegrate import Rule

    subs = []
    for f in dataclasses.fields(rule):
        value = getattr(rule, f.name)
        if isinstance(value, Rule):
            subs.append(_convert(value))
        elif isinstance(value, (list, tuple)):
            subs.extend(_convert(v) for v in value if isinstance(v, Rule))
    return IntegralStep(_rule_name(rule), rule.integrand, rule.variable, rule.eval(), tuple(subs))


def integral_tree(expr, x) -> IntegralStep:
    """The rule tree of ∫ expr dx; rule 'sympy' where manualintegrate has no rule."""
    from sympy.integrals.manualintegrate import DontKnowRule, integral_steps

    rules = integral_steps(expr, x)
    if isinstance(rules, DontKnowRule) or any(isinstance(r, DontKnowRule) for r in _walk_rules(rules)):
        result = sp.integrate(expr, x)
        if result.has(sp.Integral):
            raise MathError(f"no closed-form antiderivative of {expr} was found")
        return IntegralStep("sympy", expr, x, result)
    return _convert(rules)


def _walk_rules(rule):
    from sympy.integrals.manualintegrate import Rule

    for f in dataclasses.fields(rule):
        value = getattr(rule, f.name)
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, Rule):
                yield v
                yield from _walk_rules(v)


@dataclass(frozen=True)
class Integral(Walkthrough):
    """∫ f dx (indefinite: ``result`` is F) or ∫ₐᵇ f dx (definite: ``result`` is F(b) − F(a))."""

    expr: sp.Expr
    wrt: sp.Symbol
    steps: IntegralStep
    antiderivative: sp.Expr
    bounds: tuple | None
    upper_value: sp.Expr | None
    lower_value: sp.Expr | None
    result: sp.Expr
    improper: bool = False        # the integrand is undefined somewhere in [a, b]

    @property
    def title(self):
        from .render.text import math_text

        span = f" from {math_text(self.bounds[0])} to {math_text(self.bounds[1])}" if self.bounds else ""
        return f"Integrate {math_text(self.expr)} d{math_text(self.wrt)}{span}"

    @property
    def sections(self):
        from .render.text import math_text

        sections = [Section("Antiderivative", (self.steps, Equation("F", self.antiderivative)))]
        if self.improper:
            a, b = self.bounds
            sections.append(Section("Improper integral", (
                Text(f"The integrand is undefined somewhere in [{sp.sstr(a)}, {sp.sstr(b)}], so F(b) − F(a) "
                     "is not enough: the integral is the limit at the singularity, and it converges."),
                Equation("∫", self.result))))
        elif self.bounds is not None:
            a, b = self.bounds
            sections.append(Section("Fundamental theorem: F(b) − F(a)", (
                Equation(f"F({sp.sstr(b)})", self.upper_value),
                Equation(f"F({sp.sstr(a)})", self.lower_value),
                Equation("F(b) − F(a)", self.result, via=f"{math_text(self.upper_value)} − {math_text(self.lower_value)}"),
            )))
        else:
            sections.append(Section("Note", (Text("Add any constant C: every F + C has the same derivative."),)))
        return tuple(sections)

    @property
    def final(self):
        label = "∫" if self.bounds is None else f"∫ from {sp.sstr(self.bounds[0])} to {sp.sstr(self.bounds[1])}"
        return (Equation(label, self.result),)


def _value_at(antiderivative, x, bound):
    """F at a bound; a one-sided limit at ±∞ or where F is undefined."""
    if bound in (sp.oo, -sp.oo):
        return _limit(antiderivative, x, bound)
    value = antiderivative.subs(x, bound)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return _limit(antiderivative, x, bound)
    return value


def _limit(antiderivative, x, bound):
    try:
        return sp.limit(antiderivative, x, bound)
    except (TypeError, ValueError, NotImplementedError):   # sympy: "Invalid comparison of non-real zoo"
        where = {sp.oo: "∞", -sp.oo: "−∞"}.get(bound, bound)
        raise MathError(f"sympy cannot find the limit of the antiderivative as {x} → {where}; "
                        "the integral may diverge") from None


def integrate(expr, wrt=None, bounds=None) -> Integral:
    """Integrate step by step; with ``bounds=(a, b)`` the definite integral via F(b) − F(a)."""
    expr = to_expr(expr)
    x = to_symbol(wrt, expr) if wrt is not None else sole_variable(expr, "integrate")
    tree = integral_tree(expr, x)
    F = tree.result
    if bounds is None:
        return Integral(expr, x, tree, F, None, None, None, F)
    a, b = (to_expr(v) if not isinstance(v, (int, float)) else sp.Rational(repr(v)) for v in bounds)
    if _has_singularity(expr, x, a, b):
        # F(b) − F(a) is wrong across a singularity: let sympy take the limits (improper integral)
        result = sp.integrate(expr, (x, a, b))
        if result.has(sp.zoo, sp.nan, sp.Integral) or result in (sp.oo, -sp.oo):
            raise MathError(f"the integral of {expr} from {a} to {b} diverges "
                            "(the function is unbounded inside the interval)")
        upper, lower = _value_at(F, x, b), _value_at(F, x, a)
        return Integral(expr, x, tree, F, (a, b), upper, lower, result, improper=True)
    upper, lower = _value_at(F, x, b), _value_at(F, x, a)
    result = sp.simplify(upper - lower) if (upper - lower).has(sp.exp, sp.log, sp.erf) else upper - lower
    if result.has(sp.zoo, sp.nan) or result in (sp.oo, -sp.oo):
        raise MathError(f"the integral of {expr} from {a} to {b} diverges")
    return Integral(expr, x, tree, F, (a, b), upper, lower, result)


def _has_singularity(expr, x, a, b) -> bool:
    """Whether ``expr`` is undefined somewhere in [a, b] (finite parts only)."""
    from sympy.calculus.util import continuous_domain

    interval = sp.Interval(a, b)
    try:
        return continuous_domain(expr, x, interval) != interval
    except (NotImplementedError, TypeError, ValueError):
        return False
