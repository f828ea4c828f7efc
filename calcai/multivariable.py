"""Derivatives of functions of several variables: partials, gradient, Hessian, Jacobian,
directional and total derivatives. Each result keeps the rule trees it was built from.

Engine functions: expressions are sympy expressions, variables Symbols, points ``{Symbol: number}``
(calcai.api converts what users type). Matrices are computed fast — one gradient, each Hessian row
from it, symmetric entries once, every subtree derived once (calcai.differentiation memoises) —
and shown in full for small problems; past ``FULL_STEPS_MAX`` variables the walkthrough shows the
gradient's derivation and the pattern of the second derivatives, and ``steps_for(i, j)`` gives
any entry's rule tree on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from sympy.core.sympify import _sympify   # numbers only: strict, never reads text

from .differentiability import check as check_differentiable
from .differentiability import derivative_at
from .differentiation import derivative, derive_tree, readable, symbols_of
from .errors import CalcaiError
from .evaluate import describe_point
from .solution import Equation, Section, Text, Walkthrough

FULL_STEPS_MAX = 6            # more variables than this: the walkthrough is summarised
EXACT_EIGEN_MAX = 4           # eigenvalues in exact form up to this size, decimals beyond
SHOWN_ENTRIES = 12            # entries listed one by one in a summarised walkthrough


def _label(symbol) -> str:
    from .render.text import math_text

    return math_text(symbol)


def _sub(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _at_items(point) -> tuple:
    return (Text(f"At {describe_point(point)}:"),)


def _symmetric(expr, symbols) -> bool:
    """f is unchanged when x₁ is swapped with any other variable (so with any two of them)."""
    if len(symbols) < 2:
        return False
    first = symbols[0]
    return all(expr.xreplace({first: v, v: first}) == expr for v in symbols[1:]) and (
        len(symbols) < 3 or expr.xreplace({symbols[1]: symbols[2], symbols[2]: symbols[1]}) == expr)


def _constant(matrix) -> bool:
    return not any(symbols_of(e) for e in matrix)


def _steps_hint(what: str) -> Text:
    return Text(f"Every {what}'s derivation is available: --steps all on the command line, or "
                ".steps_for(i, j) in Python.")


# ---------------------------------------------------------------- gradient

@dataclass(frozen=True)
class Gradient(Walkthrough):
    """∇f = [∂f/∂x₁, …, ∂f/∂xₙ], one rule tree per component."""

    expr: sp.Expr
    vars: tuple
    result: tuple
    steps: tuple
    point: dict | None = None
    value: tuple | None = None
    notes: tuple = ()            # conventions used at a kink (ReLU'(0) = 0), one-sided derivatives

    @property
    def title(self):
        from .render.text import math_text

        return f"Gradient of {math_text(self.expr)}"

    @property
    def sections(self):
        if len(self.vars) <= FULL_STEPS_MAX:
            sections = [Section(f"∂/∂{_label(v)}", (tree,)) for v, tree in zip(self.vars, self.steps)]
        else:
            sections = [Section("Partial derivatives", _component_items(self.expr, self.vars, self.steps))]
        if self.point is not None:
            sections.append(Section("At the point", _at_items(self.point) + tuple(
                Equation(f"∂f/∂{_label(v)}", val, via=r) for v, r, val in zip(self.vars, self.result, self.value))
                + _notes(self.notes)))
        return tuple(sections)

    @property
    def final(self):
        shown = self.value if self.value is not None else self.result
        return (Equation("∇f", list(shown)),)

    def at(self, point) -> tuple:
        from .inputs import point_map

        values = point_map(point, self.expr)
        return _partials_at(self.expr, self.vars, self.result, values)[0]


def _component_items(expr, symbols, trees) -> tuple:
    """A summarised gradient: the first component's derivation, then the pattern or the others."""
    items = [trees[0]]
    if _symmetric(expr, symbols):
        items.append(Text(f"f is symmetric in {_label(symbols[0])}, …, {_label(symbols[-1])} (swapping two "
                          f"variables leaves it unchanged), so every ∂f/∂xᵢ is ∂f/∂{_label(symbols[0])} "
                          f"with {_label(symbols[0])} and xᵢ swapped."))
    else:
        items += [Equation(f"∂f/∂{_label(v)}", t.result) for v, t in zip(symbols[1:], trees[1:])]
    return tuple(items)


def _notes(notes) -> tuple:
    return tuple(Text(n) for n in dict.fromkeys(notes))


def _partials_at(expr, symbols, partials, point) -> tuple[tuple, tuple]:
    """(values, notes): each ∂f/∂xᵢ at ``point``, after checking that it exists there where f
    has a kink piece (calcai.differentiability; NotDifferentiable otherwise)."""
    values, notes = [], []
    for v, r in zip(symbols, partials):
        value, said = derivative_at(expr, v, r, point)
        values.append(value)
        notes += said
    return tuple(values), tuple(notes)


def gradient(expr, symbols, point=None) -> Gradient:
    """The gradient as a tuple of partial derivatives in ``symbols`` order; values at ``point``."""
    trees = tuple(derive_tree(expr, v) for v in symbols)
    result = tuple(t.result for t in trees)
    if point is None:
        return Gradient(expr, symbols, result, trees)
    value, notes = _partials_at(expr, symbols, result, point)
    return Gradient(expr, symbols, result, trees, point, value, notes)


# ---------------------------------------------------------------- eigenvalues and definiteness

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
        e = _sympify(e)
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
    return _verdict(signs)


def _verdict(signs) -> str:
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


def inertia(rows) -> tuple[int, int, int]:
    """(positive, negative, zero) eigenvalue counts of a symmetric matrix of Fractions, exactly, by
    symmetric elimination (Sylvester's law of inertia: congruent matrices have the same counts)."""
    a = [list(r) for r in rows]
    n = len(a)
    pos = neg = 0
    active = list(range(n))
    while active:
        pivot = next((i for i in active if a[i][i] != 0), None)
        if pivot is None:
            if any(a[i][j] != 0 for i in active for j in active):
                # a zero diagonal with a nonzero a[i][j]: the block [[0, c], [c, 0]] has
                # eigenvalues ±c, so what is left has both signs; eliminate that 2×2 block
                i, j = next((i, j) for i in active for j in active if a[i][j] != 0)
                for r in active:                   # a[i] += a[j] makes a[i][i] = 2·a[i][j] ≠ 0
                    a[i][r] += a[j][r]
                for r in active:
                    a[r][i] += a[r][j]
                continue
            return pos, neg, n - pos - neg
        d = a[pivot][pivot]
        pos, neg = (pos + 1, neg) if d > 0 else (pos, neg + 1)
        active.remove(pivot)
        row = a[pivot]
        for i in active:
            if row[i] != 0:
                f = row[i] / d
                ai = a[i]
                for j in active:
                    if row[j] != 0:
                        ai[j] -= f * row[j]
    return pos, neg, n - pos - neg


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


def numeric_spectrum(matrix) -> tuple[tuple, str]:
    """Eigenvalues of a constant symmetric matrix as 15-digit decimals (largest first) and its
    definiteness: exact (by ``inertia``) when every entry is rational, else from the decimals,
    counting |λ| ≤ 1e-10·max|λ| as zero."""
    import numpy

    n = matrix.rows
    values = numpy.array([[float(matrix[i, j]) for j in range(n)] for i in range(n)])
    eigen = sorted(numpy.linalg.eigvalsh(values), reverse=True)
    shown = tuple(sp.Float(float(v), 15) for v in eigen)
    if all(e.is_Rational for e in matrix):
        pos, neg, zero = inertia([[Fraction(int(matrix[i, j].p), int(matrix[i, j].q)) for j in range(n)]
                                  for i in range(n)])
        signs = [1] * pos + [-1] * neg + [0] * zero
    else:
        scale = max([abs(float(v)) for v in eigen] + [1e-300])
        signs = [0 if abs(v) <= 1e-10 * scale else (1 if v > 0 else -1) for v in eigen]
    return shown, _verdict(signs)


def spectrum(matrix) -> tuple[tuple | None, str]:
    """(eigenvalues, definiteness) of a Hessian: exact up to EXACT_EIGEN_MAX variables, decimals
    beyond; (None, 'depends on the point') while entries hold variables."""
    if not _constant(matrix):
        return None, "depends on the point"
    if matrix.rows <= EXACT_EIGEN_MAX:
        eigen = tuple(eigenvalue_list(matrix))
        return eigen, definiteness(eigen)
    return numeric_spectrum(matrix)


# ---------------------------------------------------------------- Hessian

@dataclass(frozen=True)
class Hessian(Walkthrough):
    """H[i][j] = ∂²f/∂xᵢ∂xⱼ with eigenvalues and definiteness (at a point, or when constant).

    ``steps``: the first-derivative trees, then the second-derivative trees shown (row-major,
    i ≤ j): all of them up to FULL_STEPS_MAX variables (or with ``all_steps``), else H₁₁ and H₁₂.
    """

    expr: sp.Expr
    vars: tuple
    result: sp.Matrix
    steps: tuple
    matrix: sp.Matrix            # the Hessian, evaluated at the point when one is given
    eigenvalues: tuple | None
    definiteness: str
    point: dict | None = None
    full: bool = True            # every entry's tree is in ``steps``
    notes: tuple = ()            # conventions used at a kink, one-sided derivatives

    def steps_for(self, i: int, j: int):
        """The rule tree of H[i][j] = ∂/∂xⱼ (∂f/∂xᵢ) (0-based indices)."""
        n = len(self.vars)
        if not (0 <= i < n and 0 <= j < n):
            raise IndexError(f"the Hessian is {n}×{n}; ({i}, {j}) is outside it")
        return derive_tree(self.steps[i].result, self.vars[j])

    @property
    def title(self):
        from .render.text import math_text

        return f"Hessian of {math_text(self.expr)}"

    @property
    def sections(self):
        n = len(self.vars)
        if self.full:
            first = Section("First partial derivatives", self.steps[:n])
            second = Section("Second partial derivatives", self.steps[n:])
        else:
            first = Section("First partial derivatives", _component_items(self.expr, self.vars, self.steps[:n]))
            second = Section("Second partial derivatives", self._pattern())
        summary = []
        if self.full or self.point is None and n <= 2 * FULL_STEPS_MAX and _constant(self.result):
            summary.append(Equation("H", self.result))
        elif self.point is None:
            summary.append(Text(f"H is the {n}×{n} symmetric matrix of these second derivatives (all of them "
                                "are in the JSON answer); its definiteness depends on the point."))
        if self.point is not None:
            summary += list(_at_items(self.point))
            summary.append(Equation("H", self.matrix) if n <= 2 * FULL_STEPS_MAX else
                           Text(f"H is the {n}×{n} matrix of these values (all of them are in the JSON answer)."))
            summary += list(_notes(self.notes))
        if self.eigenvalues is not None:
            summary.append(Equation("eigenvalues", list(self.eigenvalues)))
            summary.append(Text(f"The Hessian is {self.definiteness}."))
        return (first, second, Section("Hessian", tuple(summary)))

    def _pattern(self) -> tuple:
        """The second derivatives of a summarised walkthrough: H₁₁ and H₁₂ derived, then either the
        symmetry that gives every other entry, or the nonzero entries."""
        n, x = len(self.vars), self.vars
        items = list(self.steps[n:])
        if _symmetric(self.expr, x):
            items.append(Text(f"By the symmetry of f, every diagonal entry ∂²f/∂xᵢ² is H₁₁ with {_label(x[0])} "
                              f"and xᵢ swapped, and every off-diagonal entry ∂²f/∂xᵢ∂xⱼ is H₁₂ with "
                              f"({_label(x[0])}, {_label(x[1])}) replaced by (xᵢ, xⱼ)."))
        else:
            H = self.result
            zero = sum(1 for i in range(n) for j in range(i, n) if H[i, j] == 0)
            items.append(Text(f"{zero} of the {n * (n + 1) // 2} entries on and above the diagonal are 0; "
                              "the others:"))
            shown = [(i, j) for i in range(n) for j in range(i, n) if H[i, j] != 0 and (i, j) not in ((0, 0), (0, 1))]
            for i, j in shown[:SHOWN_ENTRIES]:
                items.append(Equation(f"H{_sub(i + 1)}{'' if n < 10 else ','}{_sub(j + 1)}", H[i, j]))
            if len(shown) > SHOWN_ENTRIES:
                items.append(Text(f"… and {len(shown) - SHOWN_ENTRIES} more (all of them are in the JSON answer)."))
        items.append(_steps_hint("entry"))
        return tuple(items)

    @property
    def final(self):
        n = len(self.vars)
        if self.full or n <= 2 * FULL_STEPS_MAX and _constant(self.matrix):
            return (Equation("H", self.matrix),)
        verdict = "" if self.eigenvalues is None else f", {self.definiteness}"
        return (Equation("H", f"{n}×{n} symmetric matrix{verdict}"),)


def hessian(expr, symbols, point=None, all_steps: bool = False) -> Hessian:
    """The Hessian matrix: one gradient, each row derived from it, symmetric entries once."""
    n = len(symbols)
    firsts = tuple(derive_tree(expr, v) for v in symbols)
    full = all_steps or n <= FULL_STEPS_MAX
    entries, seconds = {}, []
    for i in range(n):
        gi = firsts[i].result
        for j in range(i, n):
            if full:
                tree = derive_tree(gi, symbols[j])
                seconds.append(tree)
                value = tree.result
            else:
                value = derivative(gi, symbols[j])
            entries[i, j] = entries[j, i] = value
    if not full:
        seconds = [derive_tree(firsts[0].result, symbols[0]), derive_tree(firsts[0].result, symbols[1])]
    matrix = sp.ImmutableMatrix(n, n, lambda i, j: entries[i, j])
    evaluated, notes = matrix, []
    if point is not None:
        for v in symbols:                      # f must have its first derivatives there
            verdict = check_differentiable(expr, v, point)
            notes += verdict.notes if verdict is not None else ()
        values = {}
        for i in range(n):
            for j in range(i, n):
                values[i, j], said = derivative_at(firsts[i].result, symbols[j], entries[i, j], point,
                                                   _partial_name(expr, symbols[i], firsts[i].result))
                values[j, i] = values[i, j]
                notes += said
        evaluated = sp.ImmutableMatrix(n, n, lambda i, j: values[i, j])
    eigen, kind = spectrum(evaluated)
    return Hessian(expr, symbols, matrix, firsts + tuple(seconds), evaluated, eigen, kind, point, full,
                   tuple(notes))


def _partial_name(expr, v, partial) -> str:
    """'∂f/∂x = {1 if x > 0; 0 otherwise}': a first derivative named in a message."""
    from .render.text import math_text

    return f"∂f/∂{_label(v)} = {math_text(partial)}"


# ---------------------------------------------------------------- Jacobian

@dataclass(frozen=True)
class Jacobian(Walkthrough):
    """J[i][j] = ∂fᵢ/∂xⱼ for a vector function f: ℝⁿ → ℝᵐ."""

    exprs: tuple
    vars: tuple
    result: sp.Matrix
    steps: tuple                 # rule trees, row-major (the first row only when summarised)
    matrix: sp.Matrix
    point: dict | None = None
    full: bool = True
    notes: tuple = ()            # conventions used at a kink, one-sided derivatives

    def steps_for(self, i: int, j: int):
        """The rule tree of J[i][j] = ∂fᵢ/∂xⱼ (0-based indices)."""
        if not (0 <= i < len(self.exprs) and 0 <= j < len(self.vars)):
            raise IndexError(f"the Jacobian is {len(self.exprs)}×{len(self.vars)}; ({i}, {j}) is outside it")
        return derive_tree(self.exprs[i], self.vars[j])

    @property
    def title(self):
        from .render.text import math_text

        return "Jacobian of [" + ", ".join(math_text(e) for e in self.exprs) + "]"

    @property
    def sections(self):
        n, m = len(self.vars), len(self.exprs)
        if self.full:
            rows = [Section(f"Row {i + 1}: ∂f{_sub(i + 1)}", self.steps[i * n:(i + 1) * n]) for i in range(m)]
        else:
            J = self.result
            items = [Text(f"Row 1 in full; the other rows' entries follow (J is {m}×{n}).")] + list(self.steps)
            items += [Equation(f"J{_sub(i + 1)},{_sub(j + 1)}", J[i, j])
                      for i in range(1, m) for j in range(n) if J[i, j] != 0][:SHOWN_ENTRIES]
            zero = sum(1 for e in J if e == 0)
            items += [Text(f"{zero} of the {m * n} entries are 0."), _steps_hint("entry")]
            rows = [Section("Partial derivatives", tuple(items))]
        big = m > 2 * FULL_STEPS_MAX or n > 2 * FULL_STEPS_MAX
        items = [Equation("J", self.result)] if not big else []
        if self.point is not None:
            items += list(_at_items(self.point))
            items.append(Equation("J", self.matrix) if not big else
                         Text(f"J is the {m}×{n} matrix of these values (all of them are in the JSON answer)."))
            items += list(_notes(self.notes))
        return tuple(rows) + ((Section("Jacobian", tuple(items)),) if items else ())

    @property
    def final(self):
        m, n = len(self.exprs), len(self.vars)
        if max(m, n) > 2 * FULL_STEPS_MAX:
            return (Equation("J", f"{m}×{n} matrix"),)
        return (Equation("J", self.matrix),)


def jacobian(exprs, symbols, point=None, all_steps: bool = False) -> Jacobian:
    """The Jacobian of a tuple of expressions with respect to ``symbols``."""
    n, m = len(symbols), len(exprs)
    full = all_steps or m * n <= FULL_STEPS_MAX ** 2
    if full:
        trees = tuple(derive_tree(f, v) for f in exprs for v in symbols)
        matrix = sp.ImmutableMatrix(m, n, lambda i, j: trees[i * n + j].result)
    else:
        trees = tuple(derive_tree(exprs[0], v) for v in symbols)
        matrix = sp.ImmutableMatrix(m, n, lambda i, j: trees[j].result if i == 0 else derivative(exprs[i], symbols[j]))
    evaluated, notes = matrix, ()
    if point is not None:
        rows = [_partials_at(f, symbols, [matrix[i, j] for j in range(n)], point) for i, f in enumerate(exprs)]
        evaluated = sp.ImmutableMatrix(m, n, lambda i, j: rows[i][0][j])
        notes = tuple(note for _values, said in rows for note in said)
    return Jacobian(tuple(exprs), symbols, matrix, trees, evaluated, point, full, notes)


# ---------------------------------------------------------------- directional and total derivatives

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


def directional_derivative(expr, symbols, point, direction) -> DirectionalDerivative:
    """The rate of change of f at ``point`` in the direction of ``direction`` (normalised)."""
    if len(direction) != len(symbols):
        raise CalcaiError(f"the direction has {len(direction)} components but there are {len(symbols)} variables")
    norm = sp.sqrt(sum(d ** 2 for d in direction))
    if norm == 0:
        raise CalcaiError("the direction is the zero vector; it has no unit vector")
    unit = tuple(d / norm for d in direction)
    g = gradient(expr, symbols, point)
    value = sp.radsimp(sum(a * b for a, b in zip(g.value, unit)))
    return DirectionalDerivative(expr, symbols, g, tuple(direction), unit, value)


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
    notes: tuple = ()            # conventions used at a kink, one-sided derivatives

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
            sections.append(Section("At the point", _at_items(self.point) + (
                Equation(f"dz/d{_label(self.wrt)}", self.value),) + _notes(self.notes)))
        return tuple(sections)

    @property
    def final(self):
        return (Equation(f"dz/d{_label(self.wrt)}", self.value if self.value is not None else self.result),)


def total_derivative(expr, substitutions: dict, t, point=None) -> TotalDerivative:
    """The multivariable chain rule for z = f(x, y, …) with x = g(t), y = h(t), …"""
    outer = tuple(derive_tree(expr, v) for v in substitutions)
    inner = tuple(derive_tree(g, t) for g in substitutions.values())
    combined = sp.Add(*(o.result * i.result for o, i in zip(outer, inner)))
    substituted = combined.subs(substitutions)
    result = readable(sp.expand(substituted)) if substituted.count_ops() < 300 else substituted
    if result.has(sp.sin, sp.cos) and result != 0:
        result = min((result, sp.trigsimp(result)), key=sp.count_ops)
    value, notes = None, ()
    if point is not None:                      # z(t) = f(x(t), y(t), …) must be differentiable there
        value, notes = derivative_at(expr.xreplace(substitutions), t, result, point)
    return TotalDerivative(expr, substitutions, t, outer, inner, combined, result, point, value, notes)
