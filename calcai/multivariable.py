"""Derivatives of functions of several variables: partials, gradient, Hessian, Jacobian,
directional and total derivatives. Each result keeps the rule trees it was built from."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from . import limits as _limits
from .differentiation import Derivation, derive, derive_tree, readable, to_expr, to_symbol
from .errors import CalcaiError, LimitError
from .evaluate import evaluate_at, point_map
from .solution import Equation, Section, Text, Walkthrough


def _natural_key(symbol):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", symbol.name)]


def resolve_vars(exprs, variables=None) -> tuple:
    """The variables to differentiate by: as given (names or Symbols), else all free symbols
    in natural order (w1, w2, …, w10)."""
    if variables is None:
        free = set().union(*(e.free_symbols for e in exprs))
        symbols = tuple(sorted(free, key=_natural_key))
    else:
        if isinstance(variables, (str, sp.Symbol)):
            variables = [v.strip() for v in variables.split(",")] if isinstance(variables, str) else [variables]
        symbols = tuple(to_symbol(v, sp.Tuple(*exprs)) for v in variables)
    limit = _limits.current().max_variables
    if len(symbols) > limit:
        raise LimitError(f"{len(symbols)} variables is more than the limit {limit} (limit max_variables)")
    if not symbols:
        raise CalcaiError("the expression has no variables to differentiate by")
    return symbols


def _label(symbol) -> str:
    from .render.text import math_text

    return math_text(symbol)


def _at_items(result, point) -> tuple:
    from .evaluate import describe_point

    return (Text(f"At {describe_point(point)}:"),)


def partial(expr, wrt) -> Derivation:
    """∂f/∂wrt with its rule tree (the other variables held constant); ``.at(point)`` evaluates it."""
    return derive(to_expr(expr), wrt)


@dataclass(frozen=True)
class Gradient(Walkthrough):
    """∇f = [∂f/∂x₁, …, ∂f/∂xₙ], one rule tree per component."""

    expr: sp.Expr
    vars: tuple
    result: tuple
    steps: tuple
    point: dict | None = None
    value: tuple | None = None

    @property
    def title(self):
        from .render.text import math_text

        return f"Gradient of {math_text(self.expr)}"

    @property
    def sections(self):
        sections = [Section(f"∂/∂{_label(v)}", (tree,)) for v, tree in zip(self.vars, self.steps)]
        if self.point is not None:
            sections.append(Section("At the point", _at_items(self.result, self.point) + tuple(
                Equation(f"∂f/∂{_label(v)}", val, via=r) for v, r, val in zip(self.vars, self.result, self.value))))
        return tuple(sections)

    @property
    def final(self):
        shown = self.value if self.value is not None else self.result
        return (Equation("∇f", list(shown)),)

    def at(self, point) -> tuple:
        return tuple(evaluate_at(r, point) for r in self.result)


def gradient(expr, vars=None, at=None) -> Gradient:
    """The gradient as a tuple of partial derivatives in ``vars`` order."""
    expr = to_expr(expr)
    symbols = resolve_vars([expr], vars)
    trees = tuple(derive_tree(expr, v) for v in symbols)
    result = tuple(t.result for t in trees)
    point = value = None
    if at is not None:
        point = point_map(at, expr)
        value = tuple(evaluate_at(r, point) for r in result)
    return Gradient(expr, symbols, result, trees, point, value)


def definiteness(eigenvalues) -> str:
    """positive/negative (semi)definite or indefinite, from the eigenvalues of a real symmetric matrix.

    Those are real, but exact forms (radicals of a cubic, CRootOf) can show a tiny imaginary part
    in decimals, so each sign is read from the real part of 30-digit decimals, with sympy's chop
    (an exact 0 evaluates to 0; a tiny nonzero value keeps its sign). An eigenvalue with symbols
    has a sign only when sympy can prove it (a² + 1 > 0); otherwise the verdict is
    "depends on the point".
    """
    signs = []
    for e in eigenvalues:
        e = sp.sympify(e)
        if e.free_symbols:
            sign = 0 if e.is_zero else 1 if e.is_positive else -1 if e.is_negative else None
            if sign is None and e.is_nonnegative:
                sign = 0.5                         # ≥ 0, sign of the zero case unknown
            elif sign is None and e.is_nonpositive:
                sign = -0.5
            if sign is None:
                return "depends on the point"
        elif e.is_zero:
            sign = 0
        else:
            approx = sp.re(sp.N(e, 30, chop=True))
            if not approx.is_comparable:
                return "depends on the point"
            sign = 0 if approx == 0 else (1 if approx > 0 else -1)
        signs.append(sign)
    if 1 in signs and -1 in signs:
        return "indefinite"
    if all(s == 1 for s in signs):
        return "positive definite"
    if all(s == -1 for s in signs):
        return "negative definite"
    if all(s >= 0 for s in signs):
        return "positive semidefinite"
    if all(s <= 0 for s in signs):
        return "negative semidefinite"
    return "depends on the point"                  # e.g. one eigenvalue < 0 and one only known ≥ 0


def eigenvalue_list(matrix) -> list:
    """Eigenvalues with multiplicity, sorted from largest to smallest.

    A symmetric matrix of rational numbers (decimals read as fractions) gets the exact real roots
    of its characteristic polynomial (integers, surds, or CRootOf where no formula in radicals
    is real); otherwise sympy's eigenvalues, ordered by the real part of their 30-digit
    decimals. Eigenvalues with symbols keep sympy's order, after the numeric ones.
    """
    values = None
    exact = matrix.applyfunc(lambda e: sp.nsimplify(e, rational=True) if e.has(sp.Float) else e)
    if matrix.is_square and all(e.is_Rational for e in exact) and exact.is_symmetric():
        poly = exact.charpoly()
        roots = sp.real_roots(sp.Poly(poly.as_expr(), poly.gen))
        if len(roots) == matrix.rows:
            values = list(roots)
    if values is None:
        values = []
        for value, mult in matrix.eigenvals().items():
            values.extend([value] * mult)

    def key(value):
        if not value.free_symbols:
            approx = sp.re(sp.N(value, 30, chop=True))
            if approx.is_comparable:
                return (0, -approx)
        return (1, 0)

    return sorted(values, key=key)


@dataclass(frozen=True)
class Hessian(Walkthrough):
    """H[i][j] = ∂²f/∂xᵢ∂xⱼ with eigenvalues and definiteness (at a point, or when constant)."""

    expr: sp.Expr
    vars: tuple
    result: sp.Matrix
    steps: tuple                 # first-derivative trees, then second-derivative trees (row-major)
    matrix: sp.Matrix            # the Hessian, evaluated at the point when one is given
    eigenvalues: tuple | None
    definiteness: str
    point: dict | None = None

    @property
    def title(self):
        from .render.text import math_text

        return f"Hessian of {math_text(self.expr)}"

    @property
    def sections(self):
        n = len(self.vars)
        first = Section("First partial derivatives", self.steps[:n])
        second = Section("Second partial derivatives", self.steps[n:])
        summary = [Equation("H", self.result)]
        if self.point is not None:
            summary += list(_at_items(None, self.point)) + [Equation("H", self.matrix)]
        if self.eigenvalues is not None:
            summary.append(Equation("eigenvalues", list(self.eigenvalues)))
            summary.append(Text(f"The Hessian is {self.definiteness}."))
        return (first, second, Section("Hessian", tuple(summary)))

    @property
    def final(self):
        return (Equation("H", self.matrix),)


def hessian(expr, vars=None, at=None) -> Hessian:
    """The Hessian matrix, with rule trees for every entry (symmetric entries derived once)."""
    expr = to_expr(expr)
    symbols = resolve_vars([expr], vars)
    firsts = [derive_tree(expr, v) for v in symbols]
    n = len(symbols)
    entries, seconds = {}, []
    for i in range(n):
        for j in range(i, n):
            tree = derive_tree(firsts[i].result, symbols[j])
            seconds.append(tree)
            entries[i, j] = entries[j, i] = tree.result
    matrix = sp.Matrix(n, n, lambda i, j: entries[i, j])
    point = None
    evaluated = matrix
    if at is not None:
        point = point_map(at, expr)
        evaluated = matrix.applyfunc(lambda e: evaluate_at(e, point))
    eigen = None
    kind = "depends on the point"
    if not evaluated.free_symbols and n <= 4:
        eigen = tuple(eigenvalue_list(evaluated))
        kind = definiteness(eigen)
    return Hessian(expr, symbols, matrix, tuple(firsts) + tuple(seconds), evaluated, eigen, kind, point)


@dataclass(frozen=True)
class Jacobian(Walkthrough):
    """J[i][j] = ∂fᵢ/∂xⱼ for a vector function f: ℝⁿ → ℝᵐ."""

    exprs: tuple
    vars: tuple
    result: sp.Matrix
    steps: tuple                 # rule trees, row-major
    matrix: sp.Matrix
    point: dict | None = None

    @property
    def title(self):
        from .render.text import math_text

        return "Jacobian of [" + ", ".join(math_text(e) for e in self.exprs) + "]"

    @property
    def sections(self):
        n = len(self.vars)
        rows = [Section(f"Row {i + 1}: ∂f{_sub(i + 1)}", self.steps[i * n:(i + 1) * n]) for i in range(len(self.exprs))]
        items = [Equation("J", self.result)]
        if self.point is not None:
            items += list(_at_items(None, self.point)) + [Equation("J", self.matrix)]
        return tuple(rows) + (Section("Jacobian", tuple(items)),)

    @property
    def final(self):
        return (Equation("J", self.matrix),)


def _sub(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def jacobian(exprs, vars=None, at=None) -> Jacobian:
    """The Jacobian of a list of expressions with respect to ``vars``."""
    if isinstance(exprs, (str, sp.Basic)):
        exprs = [exprs]
    exprs = tuple(to_expr(e) for e in exprs)
    symbols = resolve_vars(exprs, vars)
    trees = tuple(derive_tree(f, v) for f in exprs for v in symbols)
    n = len(symbols)
    matrix = sp.Matrix(len(exprs), n, lambda i, j: trees[i * n + j].result)
    point, evaluated = None, matrix
    if at is not None:
        point = point_map(at, sp.Tuple(*exprs))
        evaluated = matrix.applyfunc(lambda e: evaluate_at(e, point))
    return Jacobian(exprs, symbols, matrix, trees, evaluated, point)


@dataclass(frozen=True)
class DirectionalDerivative(Walkthrough):
    """D_v f = ∇f · v/‖v‖ at a point."""

    expr: sp.Expr
    vars: tuple
    gradient: Gradient
    direction: tuple
    unit: tuple
    result: sp.Expr

    @property
    def steps(self):
        return self.gradient.steps

    @property
    def title(self):
        from .render.text import math_text

        return f"Directional derivative of {math_text(self.expr)}"

    @property
    def sections(self):
        g = self.gradient
        norm = sp.sqrt(sum(d ** 2 for d in self.direction))
        return g.sections + (Section("Direction", (
            Equation("v", list(self.direction)),
            Equation("‖v‖", norm),
            Equation("v̂ = v/‖v‖", list(self.unit), approx=False),
            Equation("D_v f = ∇f · v̂", self.result,
                     via=" + ".join(f"({sp.sstr(a)})·({sp.sstr(b)})" for a, b in zip(g.value, self.unit))),
        )),)

    @property
    def final(self):
        return (Equation("D_v f", self.result),)


def directional_derivative(expr, at, direction, vars=None) -> DirectionalDerivative:
    """The rate of change of f at ``at`` in the direction of ``direction`` (normalised)."""
    expr = to_expr(expr)
    point = point_map(at, expr)
    symbols = resolve_vars([expr], vars if vars is not None else list(point))
    direction = tuple(to_expr(d) if not isinstance(d, (int, float)) else sp.Rational(repr(d)) for d in direction)
    if len(direction) != len(symbols):
        raise CalcaiError(f"the direction has {len(direction)} components but there are {len(symbols)} variables")
    norm = sp.sqrt(sum(d ** 2 for d in direction))
    if norm == 0:
        raise CalcaiError("the direction is the zero vector; it has no unit vector")
    unit = tuple(d / norm for d in direction)
    g = gradient(expr, symbols, point)
    value = sp.radsimp(sum(a * b for a, b in zip(g.value, unit)))
    return DirectionalDerivative(expr, symbols, g, direction, unit, value)


@dataclass(frozen=True)
class TotalDerivative(Walkthrough):
    """dz/dt = Σᵢ ∂f/∂xᵢ · dxᵢ/dt for z = f(x₁, …, xₙ), xᵢ = gᵢ(t)."""

    expr: sp.Expr
    substitutions: dict
    wrt: sp.Symbol
    partials: tuple              # rule trees ∂f/∂xᵢ
    inner: tuple                 # rule trees dxᵢ/dt
    combined: sp.Expr            # Σ ∂f/∂xᵢ·dxᵢ/dt with xᵢ still written
    result: sp.Expr
    point: dict | None = None
    value: sp.Expr | None = None

    @property
    def steps(self):
        return self.partials + self.inner

    @property
    def title(self):
        from .render.text import math_text

        subs = ", ".join(f"{math_text(k)} = {math_text(v)}" for k, v in self.substitutions.items())
        return f"Total derivative d/d{math_text(self.wrt)} of {math_text(self.expr)} with {subs}"

    @property
    def sections(self):
        items = (Equation(f"dz/d{_label(self.wrt)}", self.combined),
                 Equation(f"dz/d{_label(self.wrt)}", self.result, via=self.combined.subs(self.substitutions)))
        sections = [Section("Partial derivatives of the outer function", self.partials),
                    Section("Derivatives of the inner functions", self.inner),
                    Section("Multivariable chain rule", items)]
        if self.point is not None:
            sections.append(Section("At the point", _at_items(None, self.point) + (
                Equation(f"dz/d{_label(self.wrt)}", self.value),)))
        return tuple(sections)

    @property
    def final(self):
        return (Equation(f"dz/d{_label(self.wrt)}", self.value if self.value is not None else self.result),)


def total_derivative(expr, substitutions, wrt, at=None) -> TotalDerivative:
    """The multivariable chain rule for z = f(x, y, …) with x = g(t), y = h(t), …"""
    expr = to_expr(expr)
    subs = {}
    for key, value in dict(substitutions).items():
        sym = to_symbol(key, expr)
        subs[sym] = to_expr(value)
    t = to_symbol(wrt, sp.Tuple(*subs.values()))
    outer = tuple(derive_tree(expr, v) for v in subs)
    inner = tuple(derive_tree(g, t) for g in subs.values())
    combined = sp.Add(*(o.result * i.result for o, i in zip(outer, inner)))
    substituted = combined.subs(subs)
    result = readable(sp.expand(substituted)) if substituted.count_ops() < 300 else substituted
    if result.has(sp.sin, sp.cos) and result != 0:
        result = min((result, sp.trigsimp(result)), key=sp.count_ops)
    point = value = None
    if at is not None:
        point = point_map(at, result)
        value = evaluate_at(result, point)
    return TotalDerivative(expr, subs, t, outer, inner, combined, result, point, value)
