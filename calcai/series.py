"""Taylor polynomials in one or several variables: f(x) ≈ Σ_{|α| ≤ n} a_α·(x − a)^α with
a_α = ∂^α f(a)/α!. The coefficients come from series arithmetic (calcai.powerseries); the
derivative path, which differentiates k times, remains for what series cannot expand."""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import comb, factorial

import sympy as sp

from . import limits as _limits
from .differentiation import derive_tree
from .errors import LimitError
from .evaluate import evaluate_at
from .powerseries import NotExpandable, expand
from .solution import Equation, Section, Table, Text, Walkthrough

VALUE_DIGITS = 8            # significant digits of T and f at the point, at least
MAX_VALUE_DIGITS = 30       # and at most (an error below 10⁻²⁸·|f| shows as equal decimals)


@dataclass(frozen=True)
class TaylorTerm:
    """One term: the derivative ∂^α f (None where its formula is too long to show), its value at
    a, and the term it contributes."""

    orders: tuple            # α: how often each variable is differentiated
    derivative: sp.Expr | None
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
    method: str = "series"           # how the values at the centre were found: "series" or "derivatives"
    digits: int = VALUE_DIGITS       # significant digits of T and f: enough to see them differ
    kinks: tuple = ()                # sentences: a convention used at a kink (ReLU'(0) = 0), a one-sided value

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
        table = (Table(("derivative", "formula", "at the centre", "term"), rows),)
        sections = [Section("Derivatives at the centre", table + self._notes(names)),
            Section("Polynomial", (Equation("T(x)" if len(self.vars) == 1 else "T", self.centred),))]
        if self.point is not None:
            from .evaluate import describe_point

            sections.append(Section("Approximation", (
                Text(f"At {describe_point(self.point)}:"),
                Equation("T", self.approximation, digits=self.digits),
                Equation("f (true value)", self.exact, digits=self.digits),
                Equation("|f − T| (error)", self.error),
            )))
        return tuple(sections)

    def _notes(self, names) -> tuple:
        one = len(self.vars) == 1
        notes = []
        if self.method == "series":
            notes.append(Text("At the centre: " + ("k!·aₖ, with aₖ" if one else "α!·a_α, with a_α") +
                              " the coefficients of the power series of f (series arithmetic)."))
        missing = [t for t in self.terms if t.derivative is None]
        if missing:
            notes.append(Text(f"Formulas from {_derivative_name(missing[0].orders, names)} on are left out: "
                              "they grow too long to read." if one else
                              "Formulas are shown up to the second order while they are short."))
        return tuple(notes) + tuple(Text(k) for k in self.kinks)

    @property
    def final(self):
        if self.point is not None:
            return (Equation("T", self.approximation, digits=self.digits),
                    Equation("f", self.exact, digits=self.digits), Equation("error", self.error))
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
    from .render.text import superscript

    total = sum(orders)
    if total == 0:
        return "f"
    if len(names) == 1:
        return "f" + ("'" * total if total <= 3 else f"⁽{superscript(total)}⁾")
    parts = "".join(f"∂{n}" + ("" if k == 1 else superscript(k)) for n, k in zip(names, orders) if k)
    return f"∂{superscript(total) if total > 1 else ''}f/{parts}"


FORMULA_CHARS = 80          # a longer derivative formula is left out of the table
FORMULA_ORDER = 6           # one variable: formulas up to f⁽⁶⁾
FORMULA_ORDER_SEVERAL = 2   # several variables: the gradient and Hessian entries


def taylor_expansion(expr, symbols, centre, order, point=None) -> Taylor:
    """The Taylor polynomial of ``expr`` in ``symbols`` about ``centre`` ({Symbol: number}) to total
    degree ``order``; with ``point``: approximation, true value and error.

    By series arithmetic (calcai.powerseries): exact coefficients a_α in O(n²) operations,
    ∂^α f(a) = α!·a_α. Where the series engine cannot expand (|x|, ReLU, max, unknown functions,
    a point where f is not analytic) it falls back to ``taylor_by_derivatives``."""
    _check(symbols, centre, order)
    try:
        coefficients = expand(expr, symbols, centre, order)
    except NotExpandable:
        return taylor_by_derivatives(expr, symbols, centre, order, point)
    formulas = derivative_formulas(expr, symbols, order)
    terms = []
    for orders in _multi_indices(len(symbols), order):
        coeff = coefficients.get(orders, sp.S.Zero)
        weight = sp.Mul(*(sp.Integer(factorial(k)) for k in orders))
        powers = sp.Mul(*((s - centre[s]) ** k for s, k in zip(symbols, orders)))
        terms.append(TaylorTerm(orders, formulas.get(orders), coeff * weight, coeff * powers))
    return _result(expr, symbols, centre, order, terms, point, "series")


def taylor_by_derivatives(expr, symbols, centre, order, point=None) -> Taylor:
    """The Taylor polynomial from the derivatives ∂^α f, each evaluated at the centre (the slow
    path: derivatives grow fast with the order)."""
    from .differentiability import derivative_at
    from .render.text import math_text

    _check(symbols, centre, order)
    terms, kinks = [], []
    zero = (0,) * len(symbols)
    cache = {zero: expr}
    names = [math_text(v) for v in symbols]
    for orders in _multi_indices(len(symbols), order):
        derivative = _derivative(cache, orders, symbols)
        if orders == zero:
            value = evaluate_at(derivative, centre)
        else:                                # ∂^α f exists at the centre only where ∂^(α−eᵢ) f is differentiable
            i, lower = _lower(orders)
            name = f"{_derivative_name(lower, names)} = {math_text(cache[lower])}" if lower != zero else None
            value, said = derivative_at(cache[lower], symbols[i], derivative, centre, name)
            kinks += [k for k in said if k not in kinks]
        weight = sp.Mul(*(sp.Integer(factorial(k)) for k in orders))
        powers = sp.Mul(*((s - centre[s]) ** k for s, k in zip(symbols, orders)))
        terms.append(TaylorTerm(orders, derivative, value, value / weight * powers))
    shown = derivative_formulas(expr, symbols, order, lambda f, x, orders: cache[orders])
    terms = [t if t.orders in shown else replace(t, derivative=None) for t in terms]
    return replace(_result(expr, symbols, centre, order, terms, point, "derivatives"), kinks=tuple(kinks))


def _lower(orders) -> tuple:
    """(i, α − eᵢ): the derivative ∂^α f is ∂/∂xᵢ of that one (i: the first variable in α)."""
    i = next(k for k, n in enumerate(orders) if n)
    return i, orders[:i] + (orders[i] - 1,) + orders[i + 1:]


def derivative_formulas(expr, symbols, order, derive=None) -> dict:
    """``{α: ∂^α f}`` for the first orders (f⁽⁶⁾ for one variable, the Hessian for several), each
    from the one before (by the derivative engine unless ``derive(f, x, α)`` is given), while its
    text stays within FORMULA_CHARS; for one variable they stop at the first longer one."""
    from .render.text import math_text

    derive = derive or (lambda f, x, orders: derive_tree(f, x).result)
    limit = min(order, FORMULA_ORDER if len(symbols) == 1 else FORMULA_ORDER_SEVERAL)
    zero = (0,) * len(symbols)
    if len(math_text(expr)) > FORMULA_CHARS:
        return {}
    formulas = {zero: expr}
    for orders in _multi_indices(len(symbols), limit):
        if orders == zero:
            continue
        i = next(k for k, n in enumerate(orders) if n)
        lower = orders[:i] + (orders[i] - 1,) + orders[i + 1:]
        if lower not in formulas:
            continue
        formula = derive(formulas[lower], symbols[i], orders)
        if len(math_text(formula)) <= FORMULA_CHARS:
            formulas[orders] = formula
        elif len(symbols) == 1:
            break
    return formulas


def _check(symbols, centre, order):
    limit = _limits.current().max_series_order
    if not isinstance(order, int) or order < 0:
        raise ValueError("order must be a whole number ≥ 0")
    if order > limit:
        raise LimitError(f"Taylor order {order} is larger than the limit {limit} (limit max_series_order)")
    terms = comb(len(symbols) + order, order)
    most = _limits.current().max_series_terms
    if terms > most:
        raise LimitError(f"a Taylor polynomial of order {order} in {len(symbols)} variables has {terms:.3g} terms, "
                         f"more than the limit {most} (limit max_series_terms)")
    missing = [s for s in symbols if s not in centre]
    if missing:
        raise ValueError(f"the centre gives no value for {', '.join(s.name for s in missing)}")


def _multi_indices(count: int, order: int) -> list:
    """Every α with |α| ≤ order, by total degree, x before y: (0,0), (1,0), (0,1), (2,0), …"""
    def with_total(total, count):
        if count == 1:
            yield (total,)
            return
        for first in range(total, -1, -1):
            for rest in with_total(total - first, count - 1):
                yield (first,) + rest

    return [alpha for total in range(order + 1) for alpha in with_total(total, count)]


def _result(expr, symbols, centre, order, terms, point, method) -> Taylor:
    polynomial = sp.Add(*(t.term for t in terms))
    approximation = exact = error = None
    digits = VALUE_DIGITS
    if point is not None:
        approximation = evaluate_at(polynomial, point)
        exact = evaluate_at(expr, point)
        error = sp.Abs(exact - approximation)
        digits = visible_digits(exact, approximation, error)
    return Taylor(expr, symbols, centre, order, tuple(terms), polynomial, point, approximation, exact,
                  error, method, digits)


def visible_digits(exact, approximation, error) -> int:
    """Significant digits that show f and T differ: down to the error's leading digit and one
    more (0.62245933 and 0.62246094 for an error of 1.6·10⁻⁶), VALUE_DIGITS at least."""
    from .numbers import EVALF_MAXN

    try:
        size = max(abs(sp.N(exact, 15)), abs(sp.N(approximation, 15)))
        gap = abs(sp.N(error, 15, maxn=EVALF_MAXN))
    except (TypeError, ValueError, ArithmeticError):
        return VALUE_DIGITS
    if not (size.is_comparable and gap.is_comparable) or gap == 0 or size == 0:
        return VALUE_DIGITS
    needed = int(sp.floor(sp.log(size, 10)) - sp.floor(sp.log(gap, 10))) + 2
    return min(max(VALUE_DIGITS, needed), MAX_VALUE_DIGITS)


def _derivative(cache: dict, orders: tuple, symbols: tuple):
    """∂^α f, reusing the derivative one order lower."""
    if orders in cache:
        return cache[orders]
    i, lower = _lower(orders)
    result = sp.diff(_derivative(cache, lower, symbols), symbols[i])
    cache[orders] = result
    return result
