"""Solving equations as a tree of named rules, each node a small frozen dataclass.

Every node holds the equations it solves (``equations``: pairs ``(lhs, rhs)`` meaning
lhs = rhs), the unknowns, every real solution it finds (``solutions``: dicts {unknown: value})
and the nodes it used (``substeps``). Its working is built here, in textbook form, as
``shown`` (and ``label_math``, ``note``) from ``calcai.solution.Relation``, ``Join`` and
``PlusMinus``; renderers only lay it out::

    factor out 3x: 3x² − 6x = 3x·(x − 2) = 0 ⇒ x = 0 or x = 2
      zero-product rule: 3x = 0 or x − 2 = 0
        linear equation: 3x = 0 ⇒ x = 0
        linear equation: x − 2 = 0 ⇒ x = 2

One unknown: move terms to one side, expand, factor out a common factor, factor, the
zero-product rule, a zero power, linear equations, the square (n-th) root with ±, the quadratic
formula (discriminant shown), a fraction's numerator, ln/exp of both sides, and "no real
solution" with its reason (x² = −1, a negative discriminant, eᵘ = 0, 1 = 0). Systems:
separate equations with no unknown in common, substitution (an unknown isolated from an
equation linear in it) and back-substitution, an equation in one unknown solved first with a
case per root, and the zero-product rule with a case per factor.

Where no rule applies the node says so (``SympyRule``, "solved with sympy") and checks each
solution by substitution, each check its own node (``CheckRule``).

The tree explains; it is not the source of the answer. ``explain(equations, unknowns,
points)`` builds it and keeps it only when its solutions are the solver's ``points`` and
``verify`` finds nothing wrong; otherwise it gives the "solved with sympy" node for the
solver's points. ``verify(node)`` checks every node: each solution satisfies the node's
equations, and the rule's own claim holds (factorisations expand back, a substitution gives
the equations shown, a node's solutions are what its substeps give).

Trees are built for small systems only (``MAX_UNKNOWNS``, ``MAX_DEGREE``, ``MAX_NODES``,
``MAX_SIZE``); beyond that, or with parameters or decimals, the answer is "solved with sympy".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import sympy as sp
from sympy.core.sympify import _sympify   # numbers only: strict, never reads text

from .solution import Join, PlusMinus, Relation

MAX_UNKNOWNS = 6          # unknowns of a system the rules take on
MAX_EQUATIONS = 6
MAX_DEGREE = 8            # degree of a polynomial equation
MAX_NODES = 300           # nodes of one tree (cases multiply)
MAX_SIZE = 300            # nodes of an equation's expression tree

_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
_U = sp.Symbol("u", real=True)
_EXP_POSITIVE = Join(("but", Relation((sp.exp(_U), 0), ">"), "for every real", _U), " ")


class _GiveUp(Exception):
    """The rules do not reach: the caller shows "solved with sympy" instead."""


# ---------------------------------------------------------------- the nodes

@dataclass(frozen=True, eq=False)
class SolveStep:
    """Solving ``equations`` (pairs lhs = rhs) for ``unknowns``: ``solutions`` is every real
    solution, as dicts {unknown: value}. Nodes compare by identity (``eq=False``: no generated
    __eq__/__hash__, which keeps importing the module cheap)."""

    equations: tuple
    unknowns: tuple
    solutions: tuple
    substeps: tuple = ()
    shown: Any = None              # the working: Relation / Join / PlusMinus / text
    label_math: Any = None         # mathematics right after the label: 'factor out 4x'
    note: Any = None               # shown in brackets after the label

    rule: ClassVar[str] = "?"
    label: ClassVar[str] = "?"
    formula: ClassVar[str] = ""

    def claims(self) -> list:
        """What is wrong with this step's own claim ([] when it holds); ``verify`` also checks
        that every solution satisfies ``equations``."""
        return []


@dataclass(frozen=True, eq=False)
class MoveTermsRule(SolveStep):
    """A = B ⇔ A − B = 0"""
    rule = "move_terms"
    label = "move terms to one side"
    formula = "A = B ⇔ A − B = 0"
    moved: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        return _unless(_identically_zero(lhs - rhs - self.moved), "A − B is not the moved form") + \
            _same_solutions(self, self.substeps[0].solutions)


@dataclass(frozen=True, eq=False)
class ExpandRule(SolveStep):
    """Multiply out the products and powers: P = p(x) expanded"""
    rule = "expand"
    label = "expand"
    formula = "multiply out products and powers"
    expanded: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        return _unless(_identically_zero(lhs - rhs - self.expanded), "the expansion is wrong") + \
            _same_solutions(self, self.substeps[0].solutions)


@dataclass(frozen=True, eq=False)
class FactorOutRule(SolveStep):
    """c·A + c·B = c·(A + B)"""
    rule = "factor_out"
    label = "factor out"
    formula = "c·A + c·B = c·(A + B)"
    factor: Any = None
    rest: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        return _unless(_identically_zero(self.factor * self.rest - (lhs - rhs)),
                       "factor·rest does not expand back") + _same_solutions(self, self.substeps[0].solutions)


@dataclass(frozen=True, eq=False)
class FactorRule(SolveStep):
    """p(x) = c·(x − r₁)·q(x)… as a product of irreducible factors"""
    rule = "factor"
    label = "factor"
    formula = "p = c·p₁·p₂·… (irreducible factors)"
    factored: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        return _unless(_identically_zero(self.factored - (lhs - rhs)), "the factors do not expand back") + \
            _same_solutions(self, self.substeps[0].solutions)


@dataclass(frozen=True, eq=False)
class ZeroProductRule(SolveStep):
    """A·B = 0 ⇔ A = 0 or B = 0"""
    rule = "zero_product"
    label = "zero-product rule"
    formula = "A·B = 0 ⇔ A = 0 or B = 0"
    factors: tuple = ()

    def claims(self):
        (lhs, rhs), = self.equations
        x, = self.unknowns
        problems = []
        ratio = sp.cancel((lhs - rhs) / sp.Mul(*self.factors))
        if ratio.has(x) or ratio == 0:
            problems.append("the factors are not the product")
        found = [s for step in self.substeps for s in step.solutions]
        found += [{x: sp.S.Zero} for f in self.factors if f == x]
        return problems + _same_solutions(self, found)


@dataclass(frozen=True, eq=False)
class DivideRule(SolveStep):
    """c·A = 0 ⇔ A = 0 (c a nonzero number)"""
    rule = "divide"
    label = "divide both sides by"
    formula = "c·A = 0 ⇔ A = 0 (c ≠ 0)"
    divisor: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        child = self.substeps[0]
        (c_lhs, c_rhs), = child.equations
        return _unless(self.divisor.is_number and not _vanishes(self.divisor) and c_rhs == 0
                       and _identically_zero(lhs - rhs - self.divisor * c_lhs), "not c·A") + \
            _same_solutions(self, child.solutions)


@dataclass(frozen=True, eq=False)
class SumOfSquaresRule(SolveStep):
    """a₁·u₁²ᵏ + a₂·u₂²ᵐ + … = 0 with every aᵢ > 0 (or every aᵢ < 0) ⇔ every uᵢ = 0"""
    rule = "sum_of_squares"
    label = "sum of squares"
    formula = "a·u²ᵏ + b·v²ᵐ + … = 0, a, b, … > 0 ⇔ u = v = … = 0"
    index: int = 0
    bases: tuple = ()

    def claims(self):
        lhs, rhs = self.equations[self.index]
        terms = sp.Add.make_args(sp.expand(lhs - rhs))
        signs = set()
        ok = len(terms) == len(self.bases)
        for t, b in zip(sorted(terms, key=sp.default_sort_key), sorted(self.bases, key=sp.default_sort_key)):
            coeff, power = t.as_coeff_Mul()
            ok = ok and power.is_Pow and power.base == b and power.exp.is_even and coeff.is_number
            signs.add(_sign(coeff) if coeff.is_number else 0)
        ok = ok and len(signs) == 1 and 0 not in signs
        child = self.substeps[0]
        expected = [e for i, e in enumerate(self.equations) if i != self.index] + [(b, sp.S.Zero) for b in self.bases]
        return _unless(ok, "not a sum of even powers with one sign") + \
            _unless(list(child.equations) == expected, "the substep solves other equations") + \
            _same_solutions(self, child.solutions)


@dataclass(frozen=True, eq=False)
class PowerZeroRule(SolveStep):
    """uⁿ = 0 ⇔ u = 0 (n > 0)"""
    rule = "zero_power"
    label = "zero power"
    formula = "uⁿ = 0 ⇔ u = 0 (n > 0)"
    base: Any = None
    exponent: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        x, = self.unknowns
        problems = _unless(sp.cancel((lhs - rhs) / self.base ** self.exponent).has(x) is False
                           and self.exponent.is_positive, "not a power")
        found = self.substeps[0].solutions if self.substeps else ({x: sp.S.Zero},)
        return problems + _same_solutions(self, found)


@dataclass(frozen=True, eq=False)
class LinearRule(SolveStep):
    """a·x + b = 0 ⇔ x = −b/a (a ≠ 0)"""
    rule = "linear"
    label = "linear equation"
    formula = "a·x + b = 0 ⇔ x = −b/a"
    a: Any = None
    b: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        x, = self.unknowns
        return _unless(_identically_zero(lhs - rhs - self.a * x - self.b) and self.a != 0,
                       "not a·x + b") + _same_solutions(self, ({x: -self.b / self.a},))


@dataclass(frozen=True, eq=False)
class RootRule(SolveStep):
    """a·xⁿ = a·k ⇔ xⁿ = k ⇔ x = ±ⁿ√k (n even, k ≥ 0) or x = ⁿ√k (n odd)"""
    rule = "root"
    formula = "xⁿ = k ⇔ x = ±ⁿ√k (n even, k ≥ 0), x = ⁿ√k (n odd)"
    n: int = 2
    a: Any = None
    k: Any = None

    @property
    def label(self):
        return {2: "square root", 3: "cube root"}.get(self.n, f"{_ordinal(self.n)} root")

    def claims(self):
        (lhs, rhs), = self.equations
        x, = self.unknowns
        return _unless(_identically_zero(lhs - rhs - self.a * (x ** self.n - self.k)), "not a·(xⁿ − k)") + \
            _same_solutions(self, tuple({x: r} for r in _nth_roots(self.k, self.n)))


@dataclass(frozen=True, eq=False)
class QuadraticRule(SolveStep):
    """a·x² + b·x + c = 0 ⇔ x = (−b ± √Δ)/(2a), Δ = b² − 4ac ≥ 0"""
    rule = "quadratic"
    label = "quadratic formula"
    formula = "a·x² + b·x + c = 0 ⇔ x = (−b ± √(b² − 4ac))/(2a)"
    a: Any = None
    b: Any = None
    c: Any = None
    discriminant: Any = None

    def claims(self):
        (lhs, rhs), = self.equations
        x, = self.unknowns
        a, b, c, d = self.a, self.b, self.c, self.discriminant
        problems = _unless(_identically_zero(lhs - rhs - (a * x**2 + b * x + c)) and a != 0, "not a quadratic")
        problems += _unless(_identically_zero(d - (b**2 - 4 * a * c)) and _sign(d) >= 0, "wrong discriminant")
        roots = ((-b - sp.sqrt(d)) / (2 * a), (-b + sp.sqrt(d)) / (2 * a))
        return problems + _same_solutions(self, tuple({x: r} for r in roots))


@dataclass(frozen=True, eq=False)
class InverseFunctionRule(SolveStep):
    """a·eᵘ + b = 0 ⇔ u = ln(−b/a) (−b/a > 0);  a·ln(u) + b = 0 ⇔ u = e^(−b/a)"""
    rule = "inverse_function"
    formula = "eᵘ = c ⇔ u = ln c (c > 0),  ln u = c ⇔ u = eᶜ"
    function: Any = None           # sp.exp or sp.log
    inner: Any = None              # u
    value: Any = None              # the value of the function: eᵘ = value
    coefficient: Any = None        # a in a·eᵘ + b

    @property
    def label(self):
        return "take ln of both sides" if self.function is sp.exp else "exponentiate both sides"

    def claims(self):
        (lhs, rhs), = self.equations
        x, = self.unknowns
        inverse = sp.log(self.value) if self.function is sp.exp else sp.exp(self.value)
        (lhs, rhs), = self.equations
        problems = _unless(_identically_zero(lhs - rhs - self.coefficient * (self.function(self.inner) - self.value)),
                           "not a·f(u) + b") + \
            _unless(self.function is sp.log or _sign(self.value) > 0, "ln of a non-positive number")
        if not self.substeps:
            return problems + _unless(self.inner == x, "u is not x") + _same_solutions(self, ({x: inverse},))
        child = self.substeps[0]
        return problems + _unless(_identically_zero(child.equations[0][1] - inverse)
                                  and child.equations[0][0] == self.inner, "wrong inverse") + \
            _same_solutions(self, child.solutions)


@dataclass(frozen=True, eq=False)
class NumeratorRule(SolveStep):
    """N/D = 0 ⇔ N = 0 and D ≠ 0"""
    rule = "numerator"
    label = "a fraction is 0 where its numerator is"
    formula = "N/D = 0 ⇔ N = 0 and D ≠ 0"
    numerator: Any = None
    denominator: Any = None
    excluded: tuple = ()           # roots of N where D = 0 too

    def claims(self):
        (lhs, rhs), = self.equations
        x, = self.unknowns
        problems = _unless(_identically_zero(lhs - rhs - self.numerator / self.denominator), "not N/D")
        kept = [s for s in self.substeps[0].solutions if not _vanishes(self.denominator.xreplace(s))]
        dropped = [s[x] for s in self.substeps[0].solutions if _vanishes(self.denominator.xreplace(s))]
        problems += _unless(_same_values(dropped, self.excluded), "wrong exclusions")
        return problems + _same_solutions(self, kept)


@dataclass(frozen=True, eq=False)
class NoRealSolutionRule(SolveStep):
    """No real x solves it: c = 0 with c ≠ 0; x²ⁿ = k < 0; Δ < 0; eᵘ = 0 (eᵘ > 0)"""
    rule = "no_real_solution"
    label = "no real solution"
    formula = "c ≠ 0 = 0 is false; x²ⁿ ≥ 0; Δ < 0 ⇒ no real root; eᵘ > 0"
    reason: str = ""               # contradiction | even power | discriminant | exponential | exponential value
    a: Any = None
    b: Any = None
    c: Any = None
    n: int = 0
    k: Any = None

    def claims(self):
        problems = _unless(self.solutions == (), "a solution is listed")
        x = self.unknowns[0] if len(self.unknowns) == 1 else None
        if self.reason == "contradiction":
            return problems + _unless(any(_is_nonzero_constant(lhs - rhs, self.unknowns)
                                          for lhs, rhs in self.equations), "no false equation")
        (lhs, rhs), = self.equations
        p = lhs - rhs
        if self.reason == "even power":
            return problems + _unless(_identically_zero(p - self.a * (x**self.n - self.k)) and self.n % 2 == 0
                                      and _sign(self.k) < 0, "not x²ⁿ = negative")
        if self.reason == "discriminant":
            a, b, c = self.a, self.b, self.c
            return problems + _unless(_identically_zero(p - (a * x**2 + b * x + c)) and a != 0
                                      and _sign(b**2 - 4 * a * c) < 0, "the discriminant is not negative")
        if self.reason == "exponential":
            exps = [f for f in sp.Mul.make_args(p) if isinstance(f, sp.exp)]
            rest = sp.Mul(*(f for f in sp.Mul.make_args(p) if not isinstance(f, sp.exp)))
            return problems + _unless(bool(exps) and not rest.has(x) and rest != 0, "not c·eᵘ")
        if self.reason == "exponential value":
            inside = [t for t in sp.Add.make_args(p) if t.has(x)]
            coeff, f = inside[0].as_coeff_Mul() if len(inside) == 1 else (0, None)
            ok = isinstance(f, sp.exp) and coeff != 0 and _sign(-(p - inside[0]) / coeff) <= 0
            return problems + _unless(ok, "not a·eᵘ + b with −b/a ≤ 0")
        return problems + ["unknown reason"]


@dataclass(frozen=True, eq=False)
class SympyRule(SolveStep):
    """No rule here applies: the solutions are sympy's (or the solver's), each checked by
    substitution in a substep"""
    rule = "sympy"
    label = "solved with sympy"
    formula = "solved by sympy; every solution checked by substitution"

    def claims(self):
        return _unless(len(self.substeps) == len(self.solutions)
                       and all(isinstance(s, CheckRule) and s.holds for s in self.substeps),
                       "a solution is not checked")


@dataclass(frozen=True, eq=False)
class CheckRule(SolveStep):
    """Substitute the solution: every equation holds (its two sides are equal)"""
    rule = "check"
    label = "check"
    formula = "substitute the solution into every equation"
    holds: bool = False

    def claims(self):
        return _unless(self.holds and len(self.solutions) == 1, "the check fails")


@dataclass(frozen=True, eq=False)
class SeparateRule(SolveStep):
    """Equations with no unknown in common are solved on their own; the solutions of the
    system are every combination of theirs"""
    rule = "separate"
    label = "separate equations"
    formula = "no unknown in common: solve each group, combine every solution"

    def claims(self):
        combined = [dict(itertools.chain(*(s.items() for s in combo)))
                    for combo in itertools.product(*(step.solutions for step in self.substeps))]
        covered = [u for step in self.substeps for u in step.unknowns]
        return _unless(sorted(covered, key=str) == sorted(self.unknowns, key=str), "unknowns not covered") + \
            _same_solutions(self, combined)


@dataclass(frozen=True, eq=False)
class SubstituteRule(SolveStep):
    """v = E (from an equation linear in v): replace v by E in the other equations; then
    back-substitute v = E at each solution"""
    rule = "substitution"
    label = "substitution"
    formula = "v = E: replace v by E in the other equations, then v = E at each solution"
    var: Any = None
    value: Any = None
    source: int = 0                # the equation v = E comes from
    reduced: tuple = ()            # the other equations after the replacement, in order

    def claims(self):
        problems = []
        lhs, rhs = self.equations[self.source]
        problems += _unless(_identically_zero((lhs - rhs).xreplace({self.var: self.value})),
                            f"{self.var} = E does not solve its equation")
        problems += _unless(not self.value.has(self.var), "E contains v")
        others = [e for i, e in enumerate(self.equations) if i != self.source]
        problems += _unless(len(others) == len(self.reduced) and all(
            _identically_zero(l.xreplace({self.var: self.value}) - r.xreplace({self.var: self.value}) - (nl - nr))
            for (l, r), (nl, nr) in zip(others, self.reduced)), "the replacement is wrong")
        kept = tuple(e for e in self.reduced if not _identically_zero(e[0] - e[1]))
        solving = [s for s in self.substeps if not isinstance(s, BackSubstituteRule)]
        if kept:
            rest = solving[0] if len(solving) == 1 else None
            problems += _unless(rest is not None and len(kept) == len(rest.equations) and all(
                _identically_zero(a[0] - a[1] - b[0] + b[1]) for a, b in zip(kept, rest.equations)),
                "the substep solves other equations")
            partial = rest.solutions if rest is not None else ()
        else:
            problems += _unless(not solving and set(self.unknowns) == {self.var}, "unknowns left unsolved")
            partial = ({},)
        found = [{**s, self.var: self.value.xreplace(s)} for s in partial]
        return problems + _same_solutions(self, found)


@dataclass(frozen=True, eq=False)
class CaseValueRule(SubstituteRule):
    """In the case v = r (a root found before), replace v by r in the other equations"""
    rule = "case"
    label = "case"
    formula = "v = r: replace v by r in the other equations"


@dataclass(frozen=True, eq=False)
class BackSubstituteRule(SolveStep):
    """v = E evaluated at each solution of the other unknowns"""
    rule = "back_substitution"
    label = "back-substitution"
    formula = "v = E at each solution found"


@dataclass(frozen=True, eq=False)
class OneUnknownFirstRule(SolveStep):
    """An equation in one unknown v is solved first; then a case for each of its roots"""
    rule = "one_unknown_first"
    label = "one unknown first"
    formula = "solve the equation in v alone, then each case v = r"
    index: int = 0
    var: Any = None

    def claims(self):
        first, *cases = self.substeps
        roots = [s[self.var] for s in first.solutions]
        problems = _unless(first.equations == (self.equations[self.index],) and first.unknowns == (self.var,),
                           "the first step solves another equation")
        problems += _unless(len(cases) == len(roots) and all(
            isinstance(c, CaseValueRule) and c.var == self.var and _same(c.value, r) for c, r in zip(cases, roots)),
            "a case is missing")
        return problems + _same_solutions(self, [s for c in cases for s in c.solutions])


@dataclass(frozen=True, eq=False)
class CasesRule(SolveStep):
    """One equation factors, A·B = 0: the case A = 0 and the case B = 0, each with the other
    equations"""
    rule = "zero_product_cases"
    label = "zero-product rule"
    formula = "A·B = 0 ⇔ A = 0 or B = 0: one case each"
    index: int = 0
    factors: tuple = ()

    def claims(self):
        lhs, rhs = self.equations[self.index]
        ratio = sp.cancel((lhs - rhs) / sp.Mul(*self.factors))
        problems = _unless(ratio != 0 and not ratio.has(*self.unknowns), "the factors are not the product")
        for factor, case in zip(self.factors, self.substeps):
            expected = list(self.equations)
            expected[self.index] = (factor, sp.S.Zero)
            problems += _unless(case.equations == tuple(expected), "a case solves other equations")
        problems += _unless(len(self.substeps) == len(self.factors), "a case is missing")
        return problems + _same_solutions(self, [s for c in self.substeps for s in c.solutions])


@dataclass(frozen=True, eq=False)
class CaseRule(SolveStep):
    """One case of the zero-product rule: the system with A = 0 in place of A·B = 0"""
    rule = "case"
    label = "case"
    formula = "the system in this case"

    def claims(self):
        return _same_solutions(self, self.substeps[0].solutions) + \
            _unless(self.substeps[0].equations == self.equations, "the substep solves other equations")


def _ordinal(n: int) -> str:
    return f"{n}th"


# ---------------------------------------------------------------- numbers and checks

def _unless(ok, message) -> list:
    return [] if ok else [message]


@lru_cache(maxsize=4096)
def _number(value):
    """The value as a 30-digit real decimal, or None (symbols, complex, undefined)."""
    if value.free_symbols or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    approx = sp.N(value, 30, chop=True)
    if not approx.is_real or not approx.is_comparable:
        return None
    return approx


def _sign(value) -> int:
    """1, −1 or 0 for a real number (exact zero, then 30-digit decimals); a _GiveUp when it
    cannot tell."""
    if value == 0:
        return 0
    approx = _number(value)
    if approx is None:
        raise _GiveUp
    return 0 if approx == 0 else (1 if approx > 0 else -1)


def _key(value):
    approx = _number(value)
    if approx is None:
        raise _GiveUp
    return float(approx)


def _same(a, b) -> bool:
    if a == b:
        return True
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None and abs(na - nb) > sp.Float("1e-20") * (1 + abs(na)):
        return False                       # clearly apart: no need to look closer
    d = _number(a - b)
    return d is not None and d == 0


def _same_values(a, b) -> bool:
    return len(a) == len(b) and all(any(_same(p, q) for q in b) for p in a)


def _same_points(a, b, unknowns) -> bool:
    """Whether two lists of solutions are the same set (each listed once)."""
    def equal(p, q):
        return all(u in p and u in q and _same(p[u], q[u]) for u in unknowns)

    return len(a) == len(b) and all(any(equal(p, q) for q in b) for p in a) and \
        all(any(equal(p, q) for q in a) for p in b)


def _same_solutions(node, found) -> list:
    return _unless(_same_points(list(node.solutions), _unique_points(found, node.unknowns), node.unknowns),
                   "the solutions are not what the substeps give")


def _unique_points(points, unknowns) -> list:
    out = []
    for p in points:
        if not any(all(_same(p[u], q[u]) for u in unknowns) for q in out):
            out.append(p)
    return out


def _identically_zero(expr) -> bool:
    """Whether an expression is 0 for every value of its symbols (expanded, then as one
    fraction, then by 50-digit decimals when it is a number)."""
    if expr == 0:
        return True
    if sp.expand(expr) == 0:
        return True
    if expr.free_symbols:
        return sp.cancel(sp.together(expr)) == 0
    return _vanishes(expr)


@lru_cache(maxsize=4096)
def _vanishes(value) -> bool:
    """Whether a number is 0: exactly (a polynomial in one CRootOf by the remainder on division
    by its polynomial), or to 50 digits (nested radicals, LambertW …)."""
    if value == 0:
        return True
    if value.free_symbols or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return _identically_zero(value) if value.free_symbols else False
    roots = value.atoms(sp.CRootOf)
    if len(roots) == 1:
        root = roots.pop()
        t = sp.Dummy("t")
        p = value.xreplace({root: t})
        if not p.free_symbols - {t} and p.is_polynomial(t):
            minimal = sp.Poly(root.poly.as_expr().xreplace({root.poly.gen: t}), t)
            if sp.Poly(p, t).rem(minimal).is_zero:
                return True
    if sp.expand(value) == 0:
        return True
    try:
        return bool(abs(sp.N(value, 50)) < sp.Float("1e-40", 50))
    except TypeError:                      # no decimal value (an unevaluated function): not shown to be 0
        return False


def _is_nonzero_constant(expr, unknowns) -> bool:
    return not expr.has(*unknowns) and expr.is_number and not _vanishes(expr)


def verify(node) -> list:
    """Every problem found in a tree (``[]`` when it is sound): at every node, each solution
    satisfies each of the node's equations, and the rule's own claim holds."""
    problems = []
    where = f"{type(node).__name__}"
    for s in node.solutions:
        if any(u not in s for u in node.unknowns):
            problems.append(f"{where}: a solution misses an unknown")
            continue
        for lhs, rhs in node.equations:
            if not _vanishes((lhs - rhs).xreplace(s)):
                problems.append(f"{where}: {s} does not solve {lhs} = {rhs}")
    try:
        problems += [f"{where}: {p}" for p in node.claims()]
    except (_GiveUp, ValueError, TypeError, ZeroDivisionError, IndexError) as error:
        problems.append(f"{where}: its claim cannot be checked ({error!r})")
    for step in node.substeps:
        problems += verify(step)
    return problems


# ---------------------------------------------------------------- what is shown

def _rel(lhs, rhs, op="=") -> Relation:
    return Relation((lhs, rhs), op)


def _system_shown(equations) -> Join:
    return Join(tuple(_rel(l, r) for l, r in equations), ", ")


def _roots_shown(x, roots):
    """'x = 0 or x = ±√2' (r and −r together as ±r); 'no real solution' for none."""
    if not roots:
        return "no real solution"
    try:
        ordered = sorted(roots, key=_key)
        parts = []
        for r in ordered:
            if _sign(r) < 0 and not r.has(sp.CRootOf) and any(_same(-r, s) for s in ordered):
                continue
            if _sign(r) > 0 and not r.has(sp.CRootOf) and any(_same(-r, s) for s in ordered):
                parts.append(_rel(x, PlusMinus(0, r)))
            else:
                parts.append(_rel(x, r))
    except (_GiveUp, TypeError, ValueError):   # roots with parameters: as they come
        parts = [_rel(x, r) for r in roots]
    return parts[0] if len(parts) == 1 else Join(tuple(parts), " or ")


def _point_shown(point, unknowns):
    return Join(tuple(_rel(u, point[u]) for u in unknowns if u in point), ", ")


def _points_shown(points, unknowns):
    if not points:
        return "no real solution"
    if len(unknowns) == 1:
        return _roots_shown(unknowns[0], [p[unknowns[0]] for p in points])
    return Join(tuple(_point_shown(p, unknowns) for p in points), "; ")


def _steps(*parts) -> Join:
    """Statements joined by ⇒, leaving out one equal to the statement before it."""
    out = []
    for p in parts:
        if p is None or (out and out[-1] == p):
            continue
        out.append(p)
    return out[0] if len(out) == 1 else Join(tuple(out), " ⇒ ")


def _at(expr, point):
    """``expr`` at ``point``, a sum term by term (12 − 12, not 0), so the check shows its working."""
    if expr.is_Add:
        return sp.Add(*(t.xreplace(point) for t in expr.args), evaluate=False)
    return expr.xreplace(point)


def _applied(expr, point):
    """``expr`` at ``point`` with the functions not yet evaluated (cos(π/2), e^(ln(2))), when
    every function is applied to an unknown itself; None otherwise (or when nothing would show)."""
    calls = [f for f in sp.preorder_traversal(expr) if isinstance(f, sp.Function)]
    if not calls or any(len(f.args) != 1 or f.args[0] not in point for f in calls):
        return None
    holes = {f: sp.Dummy() for f in calls}
    around = expr.xreplace(holes).xreplace(point)          # the rest evaluated as usual
    with sp.evaluate(False):
        return around.xreplace({d: f.func(point[f.args[0]]) for f, d in holes.items()})


def _check_chain(lhs, point):
    """lhs, lhs with the functions unevaluated at the point, then term by term."""
    terms = [lhs]
    applied = _applied(lhs, point)
    if applied is not None:
        terms.append(applied)
    at = _at(lhs, point)
    if at not in terms:
        terms.append(at)
    return terms


# ---------------------------------------------------------------- one unknown

@dataclass
class _Budget:
    nodes: int = MAX_NODES

    def spend(self):
        self.nodes -= 1
        if self.nodes < 0:
            raise _GiveUp


def _solutions(x, roots) -> tuple:
    return tuple({x: r} for r in sorted(_unique_values(roots), key=_key))


def _unique_values(values) -> list:
    out = []
    for v in values:
        if not any(_same(v, w) for w in out):
            out.append(v)
    return out


def _poly(p, x):
    """p as a Poly in x with number coefficients, or None."""
    if not p.is_polynomial(x):
        return None
    poly = sp.Poly(p, x)
    if any(c.free_symbols for c in poly.all_coeffs()):
        return None
    if poly.degree() > MAX_DEGREE:
        raise _GiveUp
    return poly


def _nth_roots(k, n) -> list:
    """The real x with xⁿ = k."""
    s = _sign(k)
    if s == 0:
        return [sp.S.Zero]
    if n % 2 == 0:
        if s < 0:
            return []
        r = sp.root(k, n)
        return [-r, r]
    r = sp.root(abs(k), n)
    return [r if s > 0 else -r]


def _one(lhs, rhs, x, budget) -> SolveStep:
    """The rule tree solving lhs = rhs for one unknown x."""
    budget.spend()
    eqs, unknowns = ((lhs, rhs),), (x,)
    p = lhs - rhs
    if not p.has(x):
        if _vanishes(p):
            raise _GiveUp                  # holds for every x: not isolated solutions
        return _contradiction(eqs, unknowns, (lhs, rhs))
    poly = _poly(p, x)
    if rhs != 0:
        if poly is not None and poly.degree() == 1:
            return _linear(lhs, rhs, x, poly)
        if poly is not None and not rhs.has(x) and _monomial(lhs, x) is not None:
            return _root(lhs, rhs, x, poly)
        moved = sp.expand(p) if poly is not None else p
        child = _one(moved, sp.S.Zero, x, budget)
        return MoveTermsRule(eqs, unknowns, child.solutions, (child,),
                             _steps(_rel(lhs, rhs), _rel(moved, 0)), moved=moved)
    if p.is_Mul:
        if any(f.is_Pow and f.base.has(x) and _sign_or_none(f.exp) == -1 for f in p.args):
            return _numerator(p, x, budget)
        x_factors = [f for f in p.args if f.has(x)]
        if len(x_factors) >= 2:
            return _zero_product(p, x, budget, eqs, shown_product=True)
        if poly is None and len(x_factors) == 1:
            divisor = p / x_factors[0]
            child = _one(x_factors[0], sp.S.Zero, x, budget)
            return DivideRule(eqs, (x,), child.solutions, (child,), _steps(_rel(p, 0), _rel(x_factors[0], 0)),
                              label_math=divisor, divisor=divisor)
    if p.is_Pow and p.exp.is_positive and p.base.has(x) and not p.exp.has(x):
        return _zero_power(p, x, budget)
    if poly is not None:
        return _polynomial(p, x, poly, budget)
    return _transcendental(p, x, budget)


def _sign_or_none(value):
    try:
        return _sign(value)
    except _GiveUp:
        return None


def _monomial(expr, x):
    """(a, n) when expr is a·xⁿ with a a number and n ≥ 1; None otherwise."""
    coeff, rest = expr.as_coeff_Mul()
    if rest == x:
        return coeff, 1
    if rest.is_Pow and rest.base == x and rest.exp.is_Integer and rest.exp > 0:
        return coeff, int(rest.exp)
    return None


def _contradiction(eqs, unknowns, false) -> SolveStep:
    lhs, rhs = false
    shown = Join((_rel(lhs, rhs), "is false"), " ") if rhs == 0 or lhs == 0 else \
        Join((_rel(lhs, rhs), "⇒", _rel(lhs - rhs, 0), "is false"), " ")
    return NoRealSolutionRule(eqs, unknowns, (), (), shown, reason="contradiction")


def _linear(lhs, rhs, x, poly) -> SolveStep:
    a, b = poly.all_coeffs()
    root = -b / a
    steps = [_rel(lhs, rhs)]
    if abs(a) != 1 and b != 0:             # a·x = −b (signs turned so that a > 0), then divide
        sign = -1 if _sign(a) < 0 else 1
        steps.append(_rel(sign * a * x, -sign * b))
    steps.append(_rel(x, root))
    return LinearRule(((lhs, rhs),), (x,), ({x: root},), (), _steps(*steps), a=a, b=b)


def _root(lhs, rhs, x, poly) -> SolveStep:
    """a·xⁿ + c = 0 (or a·xⁿ = c): xⁿ = k, then the n-th root."""
    coeffs = poly.all_coeffs()
    n, a, c = poly.degree(), coeffs[0], coeffs[-1]
    k = -c / a
    power = x**n
    start = _rel(lhs, rhs)
    if n % 2 == 0 and _sign(k) < 0:
        shown = Join((_steps(start, _rel(power, k)), "but a power with an even exponent is never negative"), ", ")
        return NoRealSolutionRule(((lhs, rhs),), (x,), (), (), shown, reason="even power", a=a, n=n, k=k)
    roots = _nth_roots(k, n)
    if len(roots) == 2:
        answer = _rel(x, PlusMinus(0, roots[1]))
    else:
        answer = _rel(x, roots[0])
    return RootRule(((lhs, rhs),), (x,), _solutions(x, roots), (), _steps(start, _rel(power, k), answer),
                    n=n, a=a, k=k)


def _quadratic(p, x, poly) -> SolveStep:
    a, b, c = poly.all_coeffs()
    d = sp.expand(b**2 - 4 * a * c)
    note = Join((_rel("a", a), _rel("b", b), _rel("c", c), Relation(("Δ", "b² − 4ac", d))), ", ")
    start = _rel(p, 0)
    if _sign(d) < 0:
        shown = Join((start, Join(("but", Relation(("Δ", 0), "<")), " "), "so √Δ is not a real number"), ", ")
        return NoRealSolutionRule(((p, 0),), (x,), (), (), shown, note=note, reason="discriminant", a=a, b=b, c=c)
    if _sign(d) == 0:
        root = -b / (2 * a)
        shown = _steps(start, Relation((x, "−b/(2a)", root)))
        return QuadraticRule(((p, 0),), (x,), ({x: root},), (), shown, note=note, a=a, b=b, c=c, discriminant=d)
    roots = [(-b - sp.sqrt(d)) / (2 * a), (-b + sp.sqrt(d)) / (2 * a)]
    solutions = _solutions(x, roots)
    center, denominator = (-b, 2 * a) if _sign(a) > 0 else (b, -2 * a)
    shown = _steps(start, _rel(x, PlusMinus(center, sp.sqrt(d), denominator)),
                   Join(tuple(_rel(x, s[x]) for s in solutions), " or "))
    return QuadraticRule(((p, 0),), (x,), solutions, (), shown, note=note, a=a, b=b, c=c, discriminant=d)


def _polynomial(p, x, poly, budget) -> SolveStep:
    eqs = ((p, sp.S.Zero),)
    expanded = poly.as_expr()
    if expanded != p:
        child = _one(expanded, sp.S.Zero, x, budget)
        return ExpandRule(eqs, (x,), child.solutions, (child,), _steps(Relation((p, expanded, 0))),
                          expanded=expanded)
    degree = poly.degree()
    terms = poly.terms()
    if degree == 1:
        return _linear(p, sp.S.Zero, x, poly)
    lowest = min(m[0] for m, _ in terms)
    if lowest >= 1 and len(terms) >= 2:
        return _factor_out(p, x, poly, lowest, budget)
    if len(terms) <= 2:
        return _root(p, sp.S.Zero, x, poly)
    if degree == 2:
        return _quadratic(p, x, poly)
    if poly.domain.is_ZZ or poly.domain.is_QQ:
        const, factors = sp.factor_list(p, x)
        factors.sort(key=lambda fm: (sp.degree(fm[0], x), _key(sp.Poly(fm[0], x).nth(0) / -sp.Poly(fm[0], x).LC())
                                     if sp.degree(fm[0], x) == 1 else 0))
        pieces = [f**m for f, m in factors]
        if sum(m for _, m in factors) > 1:
            factored = sp.Mul(const, *pieces)
            child = _zero_product(factored, x, budget, ((factored, sp.S.Zero),), tuple(pieces))
            shown = _steps(Relation((p, factored, 0)), _roots_shown(x, [s[x] for s in child.solutions]))
            return FactorRule(eqs, (x,), child.solutions, (child,), shown, factored=factored)
    return _with_sympy(p, x, list(poly.real_roots()) if poly.domain.is_ZZ or poly.domain.is_QQ else None)


def _factor_out(p, x, poly, lowest, budget) -> SolveStep:
    """c·xᵏ out of every term: 3x² − 6x = 3x·(x − 2)."""
    coeffs = [c for _, c in poly.terms()]
    content = sp.S.One
    if all(c.is_Rational for c in coeffs):
        content = sp.gcd_list(coeffs) if all(c.is_Integer for c in coeffs) else sp.S.One
    if _sign(poly.LC()) < 0:
        content = -content
    factor = content * x**lowest
    rest = sp.expand(p / factor)
    factored = sp.Mul(factor, rest)
    child = _zero_product(factored, x, budget, ((factored, sp.S.Zero),), (factor, rest))
    shown = _steps(Relation((p, factored, 0)), _roots_shown(x, [s[x] for s in child.solutions]))
    return FactorOutRule(((p, sp.S.Zero),), (x,), child.solutions, (child,), shown, label_math=factor,
                         factor=factor, rest=rest)


def _zero_product(product, x, budget, eqs, factors=None, shown_product=False) -> SolveStep:
    """A·B·… = 0: a case for each factor with x (``factors``, or the product's factors with x);
    with ``shown_product`` the line starts from the product."""
    factors = tuple(f for f in (factors or sp.Mul.make_args(product)) if f.has(x))
    children = tuple(_one(f, sp.S.Zero, x, budget) for f in factors if f != x)
    roots = [s[x] for c in children for s in c.solutions] + [sp.S.Zero for f in factors if f == x]
    shown = Join(tuple(_rel(f, 0) for f in factors), " or ") if len(factors) > 1 else _rel(factors[0], 0)
    if shown_product:
        shown = _steps(_rel(product, 0), shown)
    return ZeroProductRule(eqs, (x,), _solutions(x, roots), children, shown, factors=factors)


def _zero_power(p, x, budget) -> SolveStep:
    base, exponent = p.base, p.exp
    children = () if base == x else (_one(base, sp.S.Zero, x, budget),)
    solutions = children[0].solutions if children else ({x: sp.S.Zero},)
    return PowerZeroRule(((p, sp.S.Zero),), (x,), solutions, children, _steps(_rel(p, 0), _rel(base, 0)),
                         base=base, exponent=exponent)


def _transcendental(p, x, budget) -> SolveStep:
    """Equations with exp, ln, fractions: a common factor, eᵘ = 0, ln/exp of both sides, the
    numerator of a fraction; sympy's solveset (non-periodic) otherwise."""
    eqs = ((p, sp.S.Zero),)
    if isinstance(p, sp.exp):
        shown = Join((_rel(p, 0), _EXP_POSITIVE), ", ")
        return NoRealSolutionRule(eqs, (x,), (), (), shown, reason="exponential")
    if p.is_Add:
        common = sp.factor_terms(p)
        if common.is_Mul and sum(1 for f in common.args if f.has(x)) >= 2:
            rest = next((f for f in common.args if f.is_Add), None)
            if rest is not None:
                factor = sp.Mul(*(f for f in common.args if f is not rest))
                child = _zero_product(common, x, budget, ((common, sp.S.Zero),), (factor, rest))
                shown = _steps(Relation((p, common, 0)), _roots_shown(x, [s[x] for s in child.solutions]))
                return FactorOutRule(eqs, (x,), child.solutions, (child,), shown, label_math=factor,
                                     factor=factor, rest=rest)
        inverse = _inverse(p, x, budget)
        if inverse is not None:
            return inverse
    if sp.fraction(sp.together(p))[1].has(x):
        return _numerator(p, x, budget)
    return _with_sympy(p, x, None)


def _numerator(p, x, budget) -> SolveStep:
    """N/D = 0: N = 0 where D ≠ 0."""
    eqs = ((p, sp.S.Zero),)
    numerator, denominator = sp.fraction(sp.together(p))
    numerator = sp.expand(numerator) if numerator.is_polynomial(x) else numerator
    child = _one(numerator, sp.S.Zero, x, budget)
    excluded = tuple(s[x] for s in child.solutions if _vanishes(denominator.xreplace(s)))
    kept = tuple(s for s in child.solutions if not _vanishes(denominator.xreplace(s)))
    fraction = numerator / denominator
    shown = _steps(_rel(p, 0), _rel(fraction, 0), Join((_rel(numerator, 0), _rel(denominator, 0, "≠")), " and "))
    if excluded:
        shown = Join((shown, Join(tuple(_rel(x, r) for r in excluded), " and "),
                      "left out: the denominator is 0 there"), " ")
    return NumeratorRule(eqs, (x,), kept, (child,), shown, numerator=numerator, denominator=denominator,
                         excluded=excluded)


def _inverse(p, x, budget):
    """a·eᵘ + b = 0 or a·ln(u) + b = 0, x only inside u: take ln (exponentiate)."""
    inside = [t for t in sp.Add.make_args(p) if t.has(x)]
    if len(inside) != 1:
        return None
    coeff, f = inside[0].as_coeff_Mul()
    if not isinstance(f, (sp.exp, sp.log)) or len(f.args) != 1:
        return None
    b = p - inside[0]
    value = -b / coeff
    u = f.args[0]
    start = _rel(p, 0)
    isolated = _rel(f, value)
    if isinstance(f, sp.exp):
        if _sign(value) <= 0:
            shown = Join((_steps(start, isolated), _EXP_POSITIVE), ", ")
            return NoRealSolutionRule(((p, sp.S.Zero),), (x,), (), (), shown, reason="exponential value")
        inverse = sp.log(value)
    else:
        inverse = sp.exp(value)
    child = _one(u, inverse, x, budget) if u != x else None
    solutions = child.solutions if child else ({x: inverse},)
    shown = _steps(start, isolated, _rel(u, inverse))
    return InverseFunctionRule(((p, sp.S.Zero),), (x,), solutions, (child,) if child else (), shown,
                               function=type(f), inner=u, value=value, coefficient=coeff)


def _with_sympy(p, x, roots) -> SolveStep:
    """sympy's real roots of p = 0 (solveset when ``roots`` is None), each checked."""
    if roots is None:
        if any(a.has(x) for a in p.atoms(*_TRIG)):
            raise _GiveUp                  # periodic: the solver's window decides, not solveset
        try:
            found = sp.solveset(p, x, sp.S.Reals)
        except Exception:                  # solveset gives up with assorted errors
            raise _GiveUp from None
        if not isinstance(found, sp.FiniteSet):
            raise _GiveUp
        roots = list(found)
    points = _solutions(x, roots)
    return solved_with_sympy(((p, sp.S.Zero),), (x,), points)


def _check(equations, unknowns, point) -> CheckRule:
    parts = []
    holds = True
    for lhs, rhs in equations:
        ok = _vanishes((lhs - rhs).xreplace(point))
        holds = holds and ok
        if not ok:
            parts.append(Join((_rel(lhs, rhs), "at this point: calcai could not confirm that it holds"), " "))
        elif rhs == 0:
            chain = _check_chain(lhs, point)
            parts.append(Relation(tuple(chain) + ((0,) if chain[-1] != 0 else ())))
        else:
            parts.append(_steps(_rel(lhs, rhs), _rel(_at(lhs, point), _at(rhs, point))))
    shown = parts[0] if len(parts) == 1 else Join(tuple(parts), "; ")
    return CheckRule(tuple(equations), tuple(unknowns), (point,), (), shown,
                     label_math=_point_shown(point, unknowns), holds=holds)


def solved_with_sympy(equations, unknowns, points) -> SympyRule:
    """The node for solutions found by sympy (or calcai's solver): the equations, the
    solutions, and a check by substitution of each."""
    equations = _pairs(equations)
    unknowns = tuple(unknowns)
    points = tuple({u: p[u] for u in unknowns} for p in points)
    checks = tuple(_check(equations, unknowns, p) for p in points)
    shown = _steps(_system_shown(equations) if len(equations) > 1 else _rel(*equations[0]),
                   _points_shown(points, unknowns))
    return SympyRule(equations, unknowns, points, checks, shown)


# ---------------------------------------------------------------- systems

def _system(equations, unknowns, budget) -> SolveStep:
    """The rule tree solving a system of equations (pairs) for ``unknowns``."""
    budget.spend()
    equations = tuple(equations)
    for lhs, rhs in equations:
        if _is_nonzero_constant(lhs - rhs, unknowns):
            return _contradiction(equations, unknowns, (lhs, rhs))
    if any(not any((l - r).has(u) for l, r in equations) for u in unknowns):
        raise _GiveUp                      # an unknown no equation fixes: not isolated points
    if len(equations) == 1 and len(unknowns) == 1:
        return _one(*equations[0], unknowns[0], budget)
    groups = _groups(equations, unknowns)
    if len(groups) > 1:
        return _separate(equations, unknowns, groups, budget)
    for attempt in (_substitute, _one_unknown_first, _divide, _sum_of_squares, _cases):
        step = attempt(equations, unknowns, budget)
        if step is not None:
            return step
    raise _GiveUp


def _groups(equations, unknowns) -> list:
    """The equations in groups with no unknown in common: [(equation indices, unknowns)]."""
    groups = []
    for i, (l, r) in enumerate(equations):
        inside = {u for u in unknowns if (l - r).has(u)}
        joined = [g for g in groups if g[1] & inside]
        merged = ({i}.union(*(g[0] for g in joined)), inside.union(*(g[1] for g in joined)))
        groups = [g for g in groups if g not in joined] + [merged]
    return sorted(((tuple(sorted(g[0])), tuple(u for u in unknowns if u in g[1])) for g in groups),
                  key=lambda g: g[0])


def _separate(equations, unknowns, groups, budget) -> SolveStep:
    children = tuple(_system(tuple(equations[i] for i in idx), us, budget) for idx, us in groups)
    combined = [dict(itertools.chain(*(s.items() for s in combo)))
                for combo in itertools.product(*(c.solutions for c in children))]
    points = tuple({u: p[u] for u in unknowns} for p in combined)
    shown = Join(tuple(Join((_system_shown(tuple(equations[i] for i in idx)), "in",
                             Join(us, ", ")), " ") for idx, us in groups), "; ")
    return SeparateRule(equations, unknowns, _sorted_points(points, unknowns), children, shown)


def _sorted_points(points, unknowns) -> tuple:
    return tuple(sorted(points, key=lambda p: tuple(_key(p[u]) for u in unknowns)))


def _linear_in(p, v, unknowns):
    """(coefficient, rest) when p = coefficient·v + rest with neither holding v; None otherwise."""
    if not p.has(v):
        return None
    coeff = sp.expand(sp.diff(p, v))
    if coeff.has(v) or coeff == 0:
        return None
    rest = sp.expand(p - coeff * v)
    if rest.has(v):
        return None
    return coeff, rest


def _isolations(equations, unknowns):
    """Candidates (score, index, v, value, coefficient, rest): v = value from equation index,
    the equation linear in v. An equation already written v = E comes first, then a
    coefficient ±1, then fewer terms."""
    found = []
    for i, (lhs, rhs) in enumerate(equations):
        p = lhs - rhs
        for j, v in enumerate(unknowns):
            if lhs == v and not rhs.has(v):
                found.append(((0, 0, sp.count_ops(rhs), i, j), i, v, rhs, sp.S.One, -rhs))
                continue
            if rhs == v and not lhs.has(v):
                found.append(((0, 0, sp.count_ops(lhs), i, j), i, v, lhs, sp.S.One, -lhs))
                continue
            split = _linear_in(p, v, unknowns)
            if split is None:
                continue
            coeff, rest = split
            value = sp.expand(-rest / coeff) if coeff.is_number else sp.cancel(-rest / coeff)
            found.append(((1, 0 if abs(coeff) == 1 else 1, i, sp.count_ops(value), j) if coeff.is_number else
                          (2, 0, i, sp.count_ops(value), j), i, v, value, coeff, rest))
    return sorted(found, key=lambda c: c[0])


def _substitute(equations, unknowns, budget, divide=False):
    """v = E from an equation linear in v with a number as coefficient (with ``divide``: a
    coefficient c with unknowns, when c = 0 would make the equation false), into the others."""
    for score, i, v, value, coeff, rest in _isolations(equations, unknowns):
        if not coeff.is_number and not (divide and _is_nonzero_constant(rest, unknowns)):
            continue
        if coeff.is_number and divide:
            continue
        if value.has(sp.zoo, sp.nan):
            continue
        note = None
        if not coeff.is_number:
            c = -coeff if coeff.could_extract_minus_sign() else coeff
            note = Join((_rel(c, 0, "≠"), "since", _rel(c, 0), "gives", _rel(rest, 0)), " ")
        return _substitution(equations, unknowns, i, v, value, budget, note=note)
    return None


def _divide(equations, unknowns, budget):
    return _substitute(equations, unknowns, budget, divide=True)


def _substitution(equations, unknowns, i, v, value, budget, note=None, case=False) -> SolveStep:
    """v = value from equation i, replaced in the others; the rest solved; v back-substituted."""
    lhs, rhs = equations[i]
    others = [e for k, e in enumerate(equations) if k != i]
    reduced = tuple((l.xreplace({v: value}), r.xreplace({v: value})) for l, r in others)
    if any(_size(l - r) > MAX_SIZE for l, r in reduced):
        raise _GiveUp                      # the substitution made the equations too large to show
    kept = tuple(e for e in reduced if not _identically_zero(e[0] - e[1]))
    rest = tuple(u for u in unknowns if u != v)
    if kept:
        child = _system(kept, rest, budget)
        partial = child.solutions
    elif rest:
        raise _GiveUp                      # nothing left to fix the other unknowns
    else:
        child, partial = None, ({},)
    found = []
    for s in partial:
        at = value.xreplace(s)
        if at.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or _number(at) is None:
            raise _GiveUp
        found.append({**s, v: at})
    points = _sorted_points(tuple({u: p[u] for u in unknowns} for p in found), unknowns)
    changed = [(o, n) for o, n in zip(others, reduced) if o != n]
    into = _steps(Join(tuple(_rel(*o) for o, _ in changed), ", "),
                  Join(tuple(_rel(*n) for _, n in changed), ", ")) if changed else None
    substeps = (child,) if child is not None else ()
    if case:
        return CaseValueRule(equations, unknowns, points, substeps, into, label_math=_rel(v, value), var=v,
                             value=value, source=i, reduced=reduced)
    if value.free_symbols and partial:
        back_points = tuple({**s, v: value.xreplace(s)} for s in partial)
        if len(back_points) == 1:
            back_shown = Relation((v, value, back_points[0][v]))
        else:
            back_shown = Join((_rel(v, value), Join(tuple(
                _steps(_point_shown(s, rest), _rel(v, p[v])) for s, p in zip(partial, back_points)), "; ")),
                ": ")
        substeps += (BackSubstituteRule(((v, value),), tuple(unknowns), back_points, (), back_shown),)
    source = _rel(lhs, rhs)
    isolated = _rel(v, value)
    start = isolated if source == isolated else _steps(source, isolated)
    shown = Join((start, "into", into), " ") if changed else start
    return SubstituteRule(equations, unknowns, points, substeps, shown, note=note,
                          var=v, value=value, source=i, reduced=reduced)


def _one_unknown_first(equations, unknowns, budget):
    """An equation with one unknown v: solve it, then a case v = r for each root r."""
    for i, (lhs, rhs) in enumerate(equations):
        inside = [u for u in unknowns if (lhs - rhs).has(u)]
        if len(inside) != 1:
            continue
        v = inside[0]
        first = _one(lhs, rhs, v, budget)
        cases = tuple(_substitution(equations, unknowns, i, v, s[v], budget, case=True) for s in first.solutions)
        points = [p for c in cases for p in c.solutions]
        shown = Join((Join((_rel(lhs, rhs), "has only", v), " "), "solve it first, then one case per root"), ": ")
        return OneUnknownFirstRule(equations, unknowns, _sorted_points(_unique_points(points, unknowns), unknowns),
                                   (first,) + cases, shown, label_math=None, index=i, var=v)
    return None


def _sum_of_squares(equations, unknowns, budget):
    """a·u²ᵏ + b·v²ᵐ + … = 0 with a, b, … of one sign: every u, v, … is 0."""
    for i, (lhs, rhs) in enumerate(equations):
        p = sp.expand(lhs - rhs)
        terms = sp.Add.make_args(p)
        if len(terms) < 2:
            continue
        bases, signs = [], set()
        for t in terms:
            coeff, power = t.as_coeff_Mul()
            if not (power.is_Pow and power.base in unknowns and power.exp.is_Integer and power.exp.is_even
                    and power.exp > 0):
                break
            bases.append(power.base)
            signs.add(_sign(coeff))
        else:
            if len(signs) != 1 or len(set(bases)) != len(bases):
                continue
            system = tuple(e for k, e in enumerate(equations) if k != i) + tuple((b, sp.S.Zero) for b in bases)
            child = _system(system, unknowns, budget)
            shown = Join((_steps(_rel(lhs, rhs), Join(tuple(_rel(b, 0) for b in bases), " and ")),
                          "as even powers are never negative"), ", ")
            return SumOfSquaresRule(equations, unknowns, child.solutions, (child,), shown, index=i,
                                    bases=tuple(bases))
    return None


def _cases(equations, unknowns, budget):
    """An equation that factors, A·B = 0: the case A = 0 and the case B = 0."""
    for i, (lhs, rhs) in enumerate(equations):
        p = lhs - rhs
        given = [f for f in sp.Mul.make_args(p) if f.has(*unknowns)]
        if p.is_Mul and len(given) >= 2 and p.is_polynomial(*unknowns):
            common, factors = p, given
        else:
            p = sp.expand(p)
            if not p.is_polynomial(*unknowns):
                continue
            common = sp.factor_terms(p)
            factors = [f for f in sp.Mul.make_args(common) if f.has(*unknowns)]
        if len(factors) < 2:
            const, pieces = sp.factor_list(p, *unknowns)
            if sum(m for _, m in pieces) < 2:
                continue
            common = sp.Mul(const, *(f**m for f, m in pieces))
            factors = [f**m for f, m in pieces]
        bases = tuple(f.base if f.is_Pow and f.exp.is_Integer and f.exp > 0 else f for f in factors)
        bases = tuple(dict.fromkeys(bases))
        if len(bases) < 2:
            continue
        children = []
        for b in bases:
            system = list(equations)
            system[i] = (b, sp.S.Zero)
            inner = _system(tuple(system), unknowns, budget)
            children.append(CaseRule(tuple(system), unknowns, inner.solutions, (inner,), None,
                                     label_math=_rel(b, 0)))
        points = [p for c in children for p in c.solutions]
        shown = _steps(_rel(lhs, rhs), Relation((p, common, 0)) if p != common else _rel(common, 0),
                       Join(tuple(_rel(b, 0) for b in bases), " or "))
        return CasesRule(equations, unknowns, _sorted_points(_unique_points(points, unknowns), unknowns),
                         tuple(children), shown, index=i, factors=bases)
    return None


# ---------------------------------------------------------------- entry points

def _pairs(equations) -> tuple:
    """Equations as (lhs, rhs) pairs: an Eq, a pair, or an expression meaning expr = 0."""
    out = []
    for e in equations:
        if isinstance(e, sp.Equality):
            out.append((e.lhs, e.rhs))
        elif isinstance(e, tuple):
            out.append((e[0], e[1]))
        else:
            out.append((e, sp.S.Zero))
    return tuple((_sympify(l), _sympify(r)) for l, r in out)   # numbers only: strict


def _size(expr) -> int:
    return sum(1 for _ in sp.preorder_traversal(expr))


def solve_steps(equations, unknowns):
    """The rule tree solving ``equations`` (Eq objects, (lhs, rhs) pairs, or expressions equal
    to 0) for ``unknowns``; None where the rules do not reach (parameters, decimals,
    periodic functions, too large a system, or no rule applies)."""
    pairs, unknowns = _pairs(equations), tuple(unknowns)
    if not pairs or len(unknowns) > MAX_UNKNOWNS or len(pairs) > MAX_EQUATIONS:
        return None
    for lhs, rhs in pairs:
        e = lhs - rhs
        if e.free_symbols - set(unknowns) or e.has(sp.Float) or _size(e) > MAX_SIZE:
            return None
        if any(a.has(*unknowns) for a in e.atoms(*_TRIG)):
            return None
    try:
        return _system(pairs, unknowns, _Budget())
    except _GiveUp:
        return None
    except Exception:                      # sympy raises assorted errors on odd input: no tree
        return None


def explain(equations, unknowns, points) -> SolveStep:
    """The working for solutions found elsewhere (``points``, dicts over ``unknowns``): the rule
    tree when its solutions are exactly ``points`` and ``verify`` finds nothing wrong; the
    "solved with sympy" node with a check of each point otherwise."""
    pairs, unknowns = _pairs(equations), tuple(unknowns)
    tree = solve_steps(pairs, unknowns)
    try:
        if tree is not None and _same_points(list(tree.solutions), list(points), unknowns) and not verify(tree):
            return tree
    except Exception:                      # sympy raises assorted errors on odd values: no tree
        pass
    return solved_with_sympy(pairs, unknowns, points)


__all__ = ["SolveStep", "solve_steps", "explain", "solved_with_sympy", "verify", "MoveTermsRule", "ExpandRule",
           "FactorOutRule", "FactorRule", "ZeroProductRule", "PowerZeroRule", "LinearRule", "RootRule",
           "QuadraticRule", "InverseFunctionRule", "NumeratorRule", "NoRealSolutionRule", "SympyRule",
           "CheckRule", "SeparateRule", "SubstituteRule", "CaseValueRule", "BackSubstituteRule",
           "OneUnknownFirstRule", "CasesRule", "CaseRule"]
