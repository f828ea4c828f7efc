"""Taylor polynomials in one or several variables, built coefficient by coefficient:
f(x) ≈ Σ_{|α| ≤ n} ∂^α f(a)/α! · (x − a)^α."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import factorial

import sympy as sp

from . import limits as _limits
from .errors import LimitError
from .evaluate import evaluate_at
from .inputs import point_map, resolve_vars, to_expr
from .solution import Equation, Section, Table, Text, Walkthrough


@dataclass(frozen=True)
class TaylorTerm:
    """One term: the derivative ∂^α f, its value at a, and the term it contributes."""

    orders: tuple            # α: how often each variable is differentiated
    derivative: sp.Expr
    at_centre: sp.Expr
    term: sp.Expr


@dataclass(frozen=True)
class Taylor(Walkthrough):
    """The Taylor polynomial of ``expr`` about ``about`` to total degree ``order``."""

    expr: sp.Expr
    vars: tuple
    about: dict
    order: int
    terms: tuple
    result: sp.Expr                  # the polynomial
    point: dict | None = None
    approximation: sp.Expr | None = None
    exact: sp.Expr | None = None
    error: sp.Expr | None = None

    @property
    def steps(self):
        return self.terms

    @property
    def title(self):
        from .evaluate import describe_point
        from .render.text import math_text

        return f"Taylor polynomial of {math_text(self.expr)} about {describe_point(self.about)}, order {self.order}"

    @property
    def sections(self):
        from .render.text import math_text

        names = [math_text(v) for v in self.vars]
        rows = tuple((_derivative_name(t.orders, names), t.derivative, t.at_centre, t.term) for t in self.terms)
        sections = [Section("Derivatives at the centre", (
            Table(("derivative", "formula", "at the centre", "term"), rows),)),
            Section("Polynomial", (Equation("T(x)" if len(self.vars) == 1 else "T", self.centred),))]
        if self.point is not None:
            from .evaluate import describe_point

            sections.append(Section("Approximation", (
                Text(f"At {describe_point(self.point)}:"),
                Equation("T", self.approximation, digits=8),
                Equation("f (true value)", self.exact, digits=8),
                Equation("|f − T| (error)", self.error),
            )))
        return tuple(sections)

    @property
    def final(self):
        if self.point is not None:
            return (Equation("T", self.approximation, digits=8), Equation("f", self.exact, digits=8),
                    Equation("error", self.error))
        return (Equation("T", self.centred),)

    @property
    def centred(self):
        """The polynomial for display, in powers of (x − a): 4(x − 1), not 4x − 4."""
        shown = []
        for t in self.terms:
            if t.at_centre == 0:
                continue
            coeff = t.at_centre / sp.Mul(*(sp.factorial(k) for k in t.orders))
            powers = sp.Mul(*((s - self.about[s]) ** k for s, k in zip(self.vars, t.orders)))
            shown.append(coeff if powers == 1 else powers if coeff == 1 else sp.Mul(coeff, powers, evaluate=False))
        if not shown:
            return sp.S.Zero
        return sp.Add(*shown, evaluate=False) if len(shown) > 1 else shown[0]


def _derivative_name(orders, names) -> str:
    total = sum(orders)
    if total == 0:
        return "f"
    if len(names) == 1:
        return "f" + ("'" * total if total <= 3 else f"⁽{total}⁾")
    parts = "".join(f"∂{n}" + ("" if k == 1 else "^" + str(k)) for n, k in zip(names, orders) if k)
    return f"∂^{total}f/{parts}"


def taylor(expr, about, order: int, vars=None, at=None) -> Taylor:
    """Taylor polynomial to total degree ``order``; with ``at``: approximation, true value, error."""
    expr = to_expr(expr)
    centre = point_map(about, expr)
    symbols = resolve_vars([expr], vars if vars is not None else list(centre))
    limit = _limits.current().max_series_order
    if not isinstance(order, int) or order < 0:
        raise ValueError("order must be a whole number ≥ 0")
    if order > limit:
        raise LimitError(f"Taylor order {order} is larger than the limit {limit} (limit max_series_order)")
    missing = [s for s in symbols if s not in centre]
    if missing:
        raise ValueError(f"the centre gives no value for {', '.join(s.name for s in missing)}")
    terms = []
    cache = {(0,) * len(symbols): expr}
    for orders in sorted((o for o in product(range(order + 1), repeat=len(symbols)) if sum(o) <= order),
                         key=lambda o: (sum(o), tuple(-k for k in o))):
        derivative = _derivative(cache, orders, symbols)
        value = evaluate_at(derivative, centre)
        weight = sp.Mul(*(sp.Integer(factorial(k)) for k in orders))
        powers = sp.Mul(*((s - centre[s]) ** k for s, k in zip(symbols, orders)))
        terms.append(TaylorTerm(orders, derivative, value, value / weight * powers))
    polynomial = sp.Add(*(t.term for t in terms))
    point = approximation = exact = error = None
    if at is not None:
        point = point_map(at, expr)
        approximation = evaluate_at(polynomial, point)
        exact = evaluate_at(expr, point)
        error = sp.Abs(exact - approximation)
    return Taylor(expr, symbols, centre, order, tuple(terms), polynomial, point, approximation, exact, error)


def _derivative(cache: dict, orders: tuple, symbols: tuple):
    """∂^α f, reusing the derivative one order lower."""
    if orders in cache:
        return cache[orders]
    i = next(k for k, n in enumerate(orders) if n)
    lower = orders[:i] + (orders[i] - 1,) + orders[i + 1:]
    result = sp.diff(_derivative(cache, lower, symbols), symbols[i])
    cache[orders] = result
    return result
