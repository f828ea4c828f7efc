"""Convexity of a function of real variables: convex, concave, affine, neither or unknown, with the proof.

Two routes decide a verdict, and each leaves its reasoning as a tree of small frozen steps (laid
out by every renderer through the solving-step interface: rule, label, shown, substeps):

1. composition rules, as in disciplined convex programming (DCP): affine functions, nonnegative
   sums and scalings, exp, log, powers by exponent and sign, |·|, max/min, ReLU, softplus,
   log-sum-exp and Euclidean norms of affine maps, composed by the monotonicity rules
   (a nondecreasing convex function of a convex function is convex, a nonincreasing convex
   function of a concave function is convex, and the mirror rules for concave);
2. the second-order condition: f'' ≥ 0 (one variable) or every principal minor of the Hessian
   ≥ 0 (several), each shown nonnegative by sympy from the domain's signs (x > 0 ⇒ x is a
   positive symbol), or, on an interval, by the exact range of f'' there (sympy's
   function_range); the mirror signs for concave. A cheap numeric look at sample points skips
   proofs that cannot succeed; it never decides a sign.

"neither" needs two verified witnesses, one that f is not convex and one that it is not concave:
for a twice-differentiable f, an interior rational point p and a direction v with vᵀH(p)v < 0
(resp. > 0), else a chord: points p, q whose midpoint value lies above (resp. below) the chord.
Candidates are found by sampling; each is then checked exactly at rational points (sympy decides
the sign of the exact value, or a 60-digit evaluation does when sympy cannot). Anything else is
"unknown": convexity is never claimed without a proof.

The domain is ``{Symbol: sympy Interval}`` (x > 0 is ``Interval.open(0, oo)``). For one variable
without a domain, the interval where f is defined and continuous (x·ln x: x > 0) is used when it
is a single interval. Engine functions take sympy objects only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, ClassVar

import sympy as sp

from .functions import leaky_relu, relu, softplus
from .solution import Join, Relation, Section, Text, Walkthrough

VERDICTS = ("convex", "concave", "affine", "neither", "unknown")

# curvatures of the composition rules: constant ⊂ affine ⊂ convex, concave
CONSTANT, AFFINE, CONVEX, CONCAVE, UNKNOWN = "constant", "affine", "convex", "concave", "unknown"
MAX_HESSIAN_VARS = 4          # principal minors: 2ⁿ − 1 determinants
CHORD_TRIES = 600             # random chords tried in the search for witnesses


# ---------------------------------------------------------------- the steps

@dataclass(frozen=True, eq=False)
class CurvatureStep:
    """A step of the reasoning: ``expr`` has curvature ``curvature`` by this rule and ``substeps``."""

    expr: Any
    curvature: str
    substeps: tuple = ()
    note: Any = None

    rule: ClassVar[str] = "?"
    label: ClassVar[str] = "?"
    formula: ClassVar[str] = ""
    # the solving-step interface the renderers lay out (calcai.render: is_solve_step)
    equations: ClassVar[tuple] = ()
    unknowns: ClassVar[tuple] = ()
    solutions: ClassVar[tuple] = ()
    label_math: ClassVar[Any] = None

    @property
    def shown(self):
        return Join((self.expr, f"is {self.curvature}"), " ")


@dataclass(frozen=True, eq=False)
class ConstantRule(CurvatureStep):
    """A constant is affine (both convex and concave)."""
    rule = "constant"
    label = "constant"


@dataclass(frozen=True, eq=False)
class AffineRule(CurvatureStep):
    """a·x + b is affine: both convex and concave."""
    rule = "affine"
    label = "affine function"
    formula = "a·x + b"


@dataclass(frozen=True, eq=False)
class SumRule(CurvatureStep):
    """A sum of convex (concave) functions is convex (concave)."""
    rule = "sum"
    label = "sum"


@dataclass(frozen=True, eq=False)
class ScalingRule(CurvatureStep):
    """c·g keeps the curvature of g when c ≥ 0 and flips it when c ≤ 0."""
    rule = "scaling"
    label = "scaling by a constant"


@dataclass(frozen=True, eq=False)
class ExpRule(CurvatureStep):
    """exp is convex and nondecreasing: exp(g) is convex for convex g."""
    rule = "exp"
    label = "exponential (convex, nondecreasing)"


@dataclass(frozen=True, eq=False)
class LogRule(CurvatureStep):
    """log is concave and nondecreasing: log(g) is concave for concave g."""
    rule = "log"
    label = "logarithm (concave, nondecreasing)"


@dataclass(frozen=True, eq=False)
class LogSumExpRule(CurvatureStep):
    """log(Σ exp(gᵢ)) is convex and nondecreasing in each gᵢ: convex for convex gᵢ."""
    rule = "log_sum_exp"
    label = "log-sum-exp (convex, nondecreasing)"


@dataclass(frozen=True, eq=False)
class SoftplusRule(CurvatureStep):
    """softplus(g) = log(1 + e^g) is convex and nondecreasing: convex for convex g (logistic loss)."""
    rule = "softplus"
    label = "softplus log(1 + e^u) (convex, nondecreasing)"


@dataclass(frozen=True, eq=False)
class PowerRule(CurvatureStep):
    """g^p by p and the sign of g: convex for p ≥ 1 or p < 0, concave for 0 < p < 1."""
    rule = "power"
    label = "power"


@dataclass(frozen=True, eq=False)
class AbsRule(CurvatureStep):
    """|g| is convex for affine g (and for convex g ≥ 0, concave g ≤ 0)."""
    rule = "abs"
    label = "absolute value (convex)"


@dataclass(frozen=True, eq=False)
class MaxRule(CurvatureStep):
    """max(g₁, …, gₖ) of convex functions is convex (the hinge loss max(0, 1 − y·wᵀx))."""
    rule = "max"
    label = "pointwise maximum (convex, nondecreasing)"


@dataclass(frozen=True, eq=False)
class MinRule(CurvatureStep):
    """min(g₁, …, gₖ) of concave functions is concave."""
    rule = "min"
    label = "pointwise minimum (concave, nondecreasing)"


@dataclass(frozen=True, eq=False)
class NormRule(CurvatureStep):
    """√(Σ cᵢ·gᵢ²), cᵢ > 0, gᵢ affine: a Euclidean norm of an affine map, convex."""
    rule = "norm"
    label = "Euclidean norm of an affine map (convex)"


@dataclass(frozen=True, eq=False)
class NoRule(CurvatureStep):
    """No composition rule decides the curvature of this expression."""
    rule = "no_rule"
    label = "no composition rule applies"


@dataclass(frozen=True, eq=False)
class SecondDerivativeRule(CurvatureStep):
    """f'' ≥ 0 on the domain ⇒ convex; f'' ≤ 0 ⇒ concave."""
    rule = "second_derivative"
    label = "second-order condition"


@dataclass(frozen=True, eq=False)
class HessianRule(CurvatureStep):
    """Every principal minor of H ≥ 0 ⇒ H ⪰ 0 ⇒ convex (minors of order k with sign (−1)^k ⇒ concave)."""
    rule = "hessian"
    label = "second-order condition: Hessian"


@dataclass(frozen=True, eq=False)
class SignStep(CurvatureStep):
    """An expression shown ≥ 0 or ≤ 0 on the domain (``relation`` is its sign)."""
    rule = "sign"
    label = "sign on the domain"
    name: Any = None            # f'' or M₁₂ (text)
    value: Any = None
    relation: str = "≥"

    @property
    def shown(self):
        return Join((Relation((self.name, self.value), "="), Relation((self.value, sp.S.Zero), self.relation)),
                    ", so ")


@dataclass(frozen=True, eq=False)
class ChordStep(CurvatureStep):
    """f at the midpoint of p and q against the chord's midpoint (f(p) + f(q))/2: a verified witness."""
    rule = "chord"
    label = "chord"
    points: tuple = ()
    at_mid: Any = None
    chord: Any = None

    @property
    def shown(self):
        op = ">" if self.curvature == "not convex" else "<"
        values = Join((Relation(("f(m)", self.at_mid), "="), Relation(("(f(p) + f(q))/2", self.chord), "=")), ", ")
        return Join((values, Relation(("f(m)", "(f(p) + f(q))/2"), op)), " ⇒ ")


@dataclass(frozen=True, eq=False)
class CurvatureAtPoint(CurvatureStep):
    """vᵀ·H(p)·v < 0 (or f''(p) < 0) at an interior point p: not convex there; > 0: not concave."""
    rule = "curvature_at_point"
    label = "second derivative at a point"
    points: tuple = ()
    direction: tuple = ()
    value: Any = None

    @property
    def shown(self):
        op = "<" if self.curvature == "not convex" else ">"
        name = "f''(p)" if len(self.direction) == 1 else "vᵀ·H(p)·v"
        return Join((Relation((name, self.value), "="), Relation((name, sp.S.Zero), op)), " ⇒ ")


# ---------------------------------------------------------------- domain

def assumed_symbols(variables, domain) -> dict:
    """{real Symbol: Symbol with the sign its domain gives} (x > 0 ⇒ positive)."""
    out = {}
    for x in variables:
        interval = (domain or {}).get(x)
        if interval is None:
            continue
        lo, hi = interval.inf, interval.sup
        flags = {}
        if lo.is_nonnegative:
            flags = {"positive": True} if (lo.is_positive or interval.left_open) else {"nonnegative": True}
        elif hi.is_nonpositive:
            flags = {"negative": True} if (hi.is_negative or interval.right_open) else {"nonpositive": True}
        if flags:
            out[x] = sp.Symbol(x.name, real=True, **flags)
    return out


def domain_text(x, interval) -> str:
    """'x > 0', 'x ≥ 0', '−1 ≤ x ≤ 2'."""
    from .render.text import math_text

    name, lo, hi = math_text(x), interval.inf, interval.sup
    if hi == sp.oo:
        return f"{name} {'>' if interval.left_open else '≥'} {math_text(lo)}"
    if lo == -sp.oo:
        return f"{name} {'<' if interval.right_open else '≤'} {math_text(hi)}"
    return (f"{math_text(lo)} {'<' if interval.left_open else '≤'} {name} "
            f"{'<' if interval.right_open else '≤'} {math_text(hi)}")


# ---------------------------------------------------------------- composition rules

def _sign(expr) -> int | None:
    """1 when expr ≥ 0 is known, −1 when ≤ 0, None when unknown."""
    if expr.is_nonnegative:
        return 1
    if expr.is_nonpositive:
        return -1
    return None


def _flip(c: str) -> str:
    return {CONVEX: CONCAVE, CONCAVE: CONVEX}.get(c, c)


def _compose(outer: str, monotone: str | None, inner: str) -> str:
    """Curvature of h(g): h ``outer`` (convex/concave), ``monotone`` 'up', 'down' or None."""
    if inner == CONSTANT:
        return CONSTANT
    if inner == AFFINE:
        return outer
    if outer == CONVEX and (inner, monotone) in ((CONVEX, "up"), (CONCAVE, "down")):
        return CONVEX
    if outer == CONCAVE and (inner, monotone) in ((CONCAVE, "up"), (CONVEX, "down")):
        return CONCAVE
    return UNKNOWN


def _combine(curvatures) -> str:
    cs = set(curvatures)
    if cs <= {CONSTANT}:
        return CONSTANT
    if cs <= {CONSTANT, AFFINE}:
        return AFFINE
    if cs <= {CONSTANT, AFFINE, CONVEX}:
        return CONVEX
    if cs <= {CONSTANT, AFFINE, CONCAVE}:
        return CONCAVE
    return UNKNOWN


class _Rules:
    """The composition rules over ``variables``, with signs read from assumption symbols."""

    def __init__(self, variables, assumed: dict):
        self.vars = set(variables)
        self.assumed = assumed

    def sign(self, expr) -> int | None:
        return _sign(expr.xreplace(self.assumed))

    def is_affine(self, expr) -> bool:
        if not expr.free_symbols & self.vars:
            return True
        try:
            poly = sp.Poly(expr, *sorted(expr.free_symbols & self.vars, key=lambda s: s.name))
        except Exception:  # noqa: BLE001 - not a polynomial in the variables (PolynomialError and kin)
            return False
        return poly.total_degree() <= 1 and not any(
            c.free_symbols & self.vars for c in poly.coeffs())

    def step(self, expr) -> CurvatureStep:
        if not expr.free_symbols & self.vars:
            return ConstantRule(expr, CONSTANT)
        if self.is_affine(expr):
            return AffineRule(expr, AFFINE)
        if expr.is_Add:
            subs = tuple(self.step(t) for t in _ordered_terms(expr))
            return SumRule(expr, _combine(s.curvature for s in subs), subs)
        if expr.is_Mul:
            return self.scaling(expr)
        if isinstance(expr, sp.exp):
            inner = self.step(expr.args[0])
            return ExpRule(expr, _compose(CONVEX, "up", inner.curvature), (inner,))
        if isinstance(expr, sp.log):
            return self.log(expr)
        if isinstance(expr, softplus):
            inner = self.step(expr.args[0])
            return SoftplusRule(expr, _compose(CONVEX, "up", inner.curvature), (inner,))
        if isinstance(expr, relu):
            inner = self.step(expr.args[0])
            return MaxRule(expr, _compose(CONVEX, "up", inner.curvature), (ConstantRule(sp.S.Zero, CONSTANT), inner),
                           note="ReLU(u) = max(0, u)")
        if isinstance(expr, leaky_relu) and expr.args[1].is_number and 0 <= expr.args[1] <= 1:
            inner = self.step(expr.args[0])
            return MaxRule(expr, _compose(CONVEX, "up", inner.curvature), (inner,),
                           note=f"leaky ReLU = max(u, {expr.args[1]}·u)")
        if isinstance(expr, (sp.Max, sp.Min)):
            subs = tuple(self.step(a) for a in expr.args)
            outer = CONVEX if isinstance(expr, sp.Max) else CONCAVE
            curv = _combine(s.curvature for s in subs)
            if curv not in (CONSTANT, AFFINE, outer):
                curv = UNKNOWN
            elif curv == AFFINE:
                curv = outer            # max of affine functions: convex, not affine
            return (MaxRule if outer == CONVEX else MinRule)(expr, curv, subs)
        if isinstance(expr, sp.Abs):
            inner = self.step(expr.args[0])
            sign = self.sign(expr.args[0])
            mono = "up" if sign == 1 else "down" if sign == -1 else None
            return AbsRule(expr, _compose(CONVEX, mono, inner.curvature), (inner,))
        if expr.is_Pow:
            return self.power(expr)
        return NoRule(expr, UNKNOWN)

    def scaling(self, expr) -> CurvatureStep:
        const = [a for a in expr.args if not a.free_symbols & self.vars]
        rest = [a for a in expr.args if a.free_symbols & self.vars]
        if len(rest) != 1:
            return NoRule(expr, UNKNOWN, note="a product of functions of the variables")
        c, g = sp.Mul(*const), rest[0]
        inner = self.step(g)
        sign = self.sign(c)
        if sign == 1:
            curv = inner.curvature
        elif sign == -1:
            curv = _flip(inner.curvature)
        else:
            curv = UNKNOWN
        return ScalingRule(expr, curv, (inner,), note=Relation((c, sp.S.Zero), "≥" if sign == 1 else "≤")
                           if sign else None)

    def log(self, expr) -> CurvatureStep:
        arg = expr.args[0]
        exps = _exp_terms(arg, self)
        if exps is not None:
            subs = tuple(self.step(h) for h in exps)
            curv = _compose(CONVEX, "up", _combine(s.curvature for s in subs))
            if len(exps) == 1 and len(sp.Add.make_args(arg)) == 2:
                return SoftplusRule(expr, curv, subs)
            return LogSumExpRule(expr, curv, subs)
        inner = self.step(arg)
        return LogRule(expr, _compose(CONCAVE, "up", inner.curvature), (inner,),
                       note=Relation((arg, sp.S.Zero), ">"))

    def power(self, expr) -> CurvatureStep:
        base, p = expr.args
        if base.free_symbols & self.vars and p.free_symbols & self.vars:
            return NoRule(expr, UNKNOWN)
        if not base.free_symbols & self.vars:        # a^g = exp(g·ln a), a > 0
            if not base.is_positive:
                return NoRule(expr, UNKNOWN)
            inner = self.step(p)
            mono = "up" if base >= 1 else "down"
            return ExpRule(expr, _compose(CONVEX, mono, inner.curvature), (inner,),
                           note=Relation((expr, sp.exp(p * sp.log(base))), "="))
        if not p.is_Rational:
            return NoRule(expr, UNKNOWN)
        if p == sp.Rational(1, 2):
            norm = self.norm(expr)
            if norm is not None:
                return norm
        inner = self.step(base)
        sign = self.sign(base)
        # where g may take either sign (no proven sign): only p even ≥ 2 is defined and convex there
        natural = not p.is_integer and p.q % 2 == 0     # defined for g ≥ 0 only: its domain
        half = inner.curvature in (AFFINE, CONSTANT) or (inner.curvature == CONCAVE and p > 0)
        nonneg = sign == 1 or (natural and half)
        note = Relation((sp.Symbol("p"), p), "=")
        if p.is_integer and p.is_even and p > 0:
            mono = "up" if sign == 1 else "down" if sign == -1 else None
            curv = _compose(CONVEX, mono, inner.curvature)
        elif p >= 1 and nonneg:
            curv = _compose(CONVEX, "up", inner.curvature)
        elif p.is_integer and p >= 3 and sign == -1:          # odd power of g ≤ 0: concave
            curv = _compose(CONCAVE, "up", inner.curvature)
        elif 0 < p < 1 and nonneg:
            curv = _compose(CONCAVE, "up", inner.curvature)
        elif p < 0 and (base.xreplace(self.assumed).is_positive or (natural and half)):
            curv = _compose(CONVEX, "down", inner.curvature)
        else:
            curv = UNKNOWN
        return PowerRule(expr, curv, (inner,), note=note)

    def norm(self, expr):
        terms = sp.Add.make_args(expr.args[0])
        gs = []
        for t in terms:
            c, rest = t.as_independent(*self.vars)
            if not (c.is_positive and rest.is_Pow and rest.exp == 2 and self.is_affine(rest.base)):
                return None
            gs.append(rest.base)
        if len(gs) < 2:
            return None
        return NormRule(expr, CONVEX, tuple(AffineRule(g, AFFINE) for g in gs))


def _ordered_terms(expr) -> list:
    """The terms of a sum in the order the text renderer prints them."""
    from .render.text import MathTextPrinter

    try:
        return list(MathTextPrinter()._as_ordered_terms(expr))
    except Exception:  # noqa: BLE001 - ordering is cosmetic
        return list(expr.args)


def _exp_terms(arg, rules: _Rules):
    """arg = Σ cᵢ·exp(hᵢ) + c₀ with cᵢ > 0, c₀ ≥ 0 → the hᵢ (a positive constant c is exp(ln c));
    None when it is not of that form or has no exp term."""
    hs, has_exp = [], False
    for t in sp.Add.make_args(arg):
        if not t.free_symbols & rules.vars:
            if not t.is_positive:
                return None
            hs.append(sp.log(t))
            continue
        c, rest = t.as_independent(*rules.vars)
        if not c.is_positive or not isinstance(rest, sp.exp):
            return None
        hs.append(rest.args[0] + (sp.log(c) if c != 1 else 0))
        has_exp = True
    if not has_exp or len(sp.Add.make_args(arg)) < 2:
        return None
    return [h for h in hs if h.free_symbols & rules.vars] or None


# ---------------------------------------------------------------- second-order condition

_KINKS = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.Piecewise, sp.sign, relu, leaky_relu)


def _smooth(expr) -> bool:
    from .functions import _Activation

    return not expr.has(*_KINKS) and not any(
        isinstance(a, _Activation) and a.func.__name__ in ("elu", "selu", "softsign")
        for a in sp.preorder_traversal(expr))


REWRITE_OPS = 50         # rewritings (factor, together, cancel) only for expressions this small
SIMPLIFY_OPS = 25        # … and simplify for smaller ones still: both can take minutes on big ones


def _forms(expr):
    """The expression as given, then, when it is small, rewritings sympy may read the sign of."""
    yield expr
    ops = sp.count_ops(expr)
    if ops > REWRITE_OPS:
        return
    for fn in (sp.together, sp.factor, sp.cancel):
        try:
            yield fn(expr)
        except Exception:  # noqa: BLE001 - a rewriting sympy cannot do is skipped
            continue
    if ops <= SIMPLIFY_OPS:
        yield sp.simplify(expr)


def _violated(expr, xs, want: str, samples) -> bool:
    """Whether expr clearly has the wrong sign at a sample point: then no proof is tried (a fast
    path that only saves time; a sign is never concluded from samples)."""
    if expr.free_symbols - set(xs):
        return False                            # parameters: no numbers to sample
    fn = _numeric(expr, xs)
    for point in samples:
        v = fn(point)
        if v is not None and (v < -1e-9 if want == "≥" else v > 1e-9):
            return True
    return False


def _proven_sign(expr, want: str, xs=(), samples=()):
    """A form of expr that sympy shows ≥ 0 (want '≥') or ≤ 0 ('≤'), or None."""
    if samples and _violated(expr, xs, want, samples):
        return None
    for form in _forms(expr):
        if (form.is_nonnegative if want == "≥" else form.is_nonpositive):
            return form
    return None


def _sample_points(xs, assumed: dict, count: int = 24, seed: int = 0) -> list:
    """Float points that respect the assumption symbols' signs."""
    rng = random.Random(seed)
    points = []
    for _ in range(count):
        point = []
        for x in xs:
            v = rng.uniform(-4, 4)
            if x.is_nonnegative:
                v = abs(v) + (1e-3 if x.is_positive else 0)
            elif x.is_nonpositive:
                v = -abs(v) - (1e-3 if x.is_negative else 0)
            point.append(v)
        points.append(point)
    return points


def _range_proof(d2, x, interval):
    """(relation, range) when sympy's exact range of f'' on the interval (critical points and
    ends: function_range) is ≥ 0 or ≤ 0 there; None otherwise."""
    if interval is None or sp.count_ops(d2) > 40:
        return None
    lo = float(interval.inf) if interval.inf != -sp.oo else float(interval.sup) - 10
    hi = float(interval.sup) if interval.sup != sp.oo else lo + 10
    values = [v for v in (_numeric(d2, [x])([lo + (hi - lo) * k / 64]) for k in range(65)) if v is not None]
    if not values or (min(values) < -1e-9 and max(values) > 1e-9):
        return None                     # f'' takes both signs there: no range can prove a sign
    from sympy.calculus.util import function_range

    try:
        found = function_range(d2, x, interval)
    except Exception:  # noqa: BLE001 - no range from sympy: no proof
        return None
    if not isinstance(found, sp.Interval):
        return None
    if found.inf.is_nonnegative:
        return "≥", found
    if found.sup.is_nonpositive:
        return "≤", found
    return None


def _interval_text(interval) -> str:
    from .render.text import math_text

    return (("(" if interval.left_open else "[") + f"{math_text(interval.inf)}, {math_text(interval.sup)}"
            + (")" if interval.right_open else "]"))


def _det(rows):
    """The determinant by cofactor expansion, as the textbook writes it (no simplification:
    sympy's det tidies every product, which takes minutes on a messy Hessian)."""
    if len(rows) == 1:
        return rows[0][0]
    return sp.Add(*((-1) ** j * rows[0][j] * _det([r[:j] + r[j + 1:] for r in rows[1:]])
                    for j in range(len(rows)) if rows[0][j] != 0))


def second_order(expr, variables, assumed: dict, domain=None):
    """A HessianRule / SecondDerivativeRule step proving convexity or concavity, or None."""
    if not _smooth(expr) or len(variables) > MAX_HESSIAN_VARS:
        return None
    from .functions import rewrite_activations
    from .render.text import subscript

    f = rewrite_activations(expr).xreplace(assumed)
    xs = [assumed.get(v, v) for v in variables]
    back = {v: k for k, v in assumed.items()}
    samples = _sample_points(xs, assumed)
    if len(xs) == 1:
        d2 = sp.diff(f, xs[0], 2)
        if d2 == 0:
            return SecondDerivativeRule(expr, AFFINE, (SignStep(expr, AFFINE, name="f''", value=sp.S.Zero,
                                                                relation="="),))
        for want, curv in (("≥", CONVEX), ("≤", CONCAVE)):
            form = _proven_sign(d2, want, xs, samples)
            if form is not None:
                return SecondDerivativeRule(expr, curv, (SignStep(expr, curv, name="f''",
                                                                  value=form.xreplace(back), relation=want),))
        ranged = _range_proof(d2, xs[0], (domain or {}).get(variables[0]))
        if ranged is not None:
            want, found = ranged
            curv = CONVEX if want == "≥" else CONCAVE
            return SecondDerivativeRule(expr, curv, (SignStep(
                expr, curv, name="f''", value=d2.xreplace(back), relation=want,
                note=f"f'' takes values in {_interval_text(found)}"),))
        return None
    H = sp.hessian(f, xs)
    if H.is_zero_matrix:
        return HessianRule(expr, AFFINE, note="H = 0")
    n = len(xs)
    from itertools import combinations

    minors = []
    for k in range(1, n + 1):
        for idx in combinations(range(n), k):
            m = _det([[H[i, j] for j in idx] for i in idx])
            minors.append((k, idx, m))
    for curv in (CONVEX, CONCAVE):
        steps = []
        for k, idx, m in minors:
            want = "≥" if curv == CONVEX or k % 2 == 0 else "≤"
            form = _proven_sign(m, want, xs, samples)
            if form is None:
                break
            label = "M" + subscript("".join(str(i + 1) for i in idx))
            steps.append(SignStep(expr, curv, name=label, value=form.xreplace(back), relation=want))
        else:
            return HessianRule(expr, curv, tuple(steps), note="H ⪰ 0" if curv == CONVEX else "H ⪯ 0")
    return None


# ---------------------------------------------------------------- witnesses

def _numeric(expr, variables):
    from .functions import numeric_namespace

    fn = sp.lambdify(variables, expr, modules=[numeric_namespace(), "math"])

    def value(point):
        try:
            v = fn(*point)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, NameError):
            return None
        try:
            v = float(v)
        except (TypeError, ValueError, OverflowError):
            return None                          # complex, or not a number
        return None if v != v or v in (float("inf"), float("-inf")) else v

    return value


def _sample(rng: random.Random, interval, den: int = 8) -> sp.Rational:
    """A rational in the interval with denominator ``den`` (small ones first: simpler witnesses)."""
    lo = interval.inf if interval is not None else -sp.oo
    hi = interval.sup if interval is not None else sp.oo
    lo_f = float(lo) if lo != -sp.oo else (float(hi) - 6 if hi != sp.oo else -4.0)
    hi_f = float(hi) if hi != sp.oo else lo_f + 8 if lo != -sp.oo else 4.0
    for _ in range(20):
        v = sp.Rational(round(rng.uniform(lo_f, hi_f) * den), den)
        if interval is None or interval.contains(v) is sp.true:
            return v
    return sp.Rational(round((lo_f + hi_f) * 4), 8)


def _exact_sign(value) -> int:
    """The sign of an exact constant: sympy's when it decides it, else a 60-digit evaluation's
    (0 when that is within 1e-40 of 0, i.e. not a trustworthy sign)."""
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    if value.is_zero:
        return 0
    approx = sp.N(value, 60)
    if not approx.is_real or abs(approx) < sp.Float("1e-40"):
        return 0
    return 1 if approx > 0 else -1


def _chord_check(expr, variables, p, q):
    """(exact f(midpoint) − chord midpoint, f(m), chord) at rational p, q; None when undefined."""
    m = tuple((a + b) / 2 for a, b in zip(p, q))
    vals = []
    for pt in (p, q, m):
        v = expr.xreplace(dict(zip(variables, pt)))
        if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or v.is_real is False:
            return None
        vals.append(v)
    chord = (vals[0] + vals[1]) / 2
    return vals[2] - chord, vals[2], chord


def _segment_defined(expr, variables, p, q) -> bool:
    """Whether f is defined and continuous on the whole segment [p, q] (sympy's
    continuous_domain of t ↦ f(p + t·(q − p)) on [0, 1]); False when sympy cannot tell."""
    from .functions import rewrite_activations

    t = sp.Dummy("t", real=True)
    g = rewrite_activations(expr).xreplace({v: a + t * (b - a) for v, a, b in zip(variables, p, q)})
    try:
        found = sp.calculus.util.continuous_domain(g, t, sp.Interval(0, 1))
    except Exception:  # noqa: BLE001 - sympy cannot tell: no witness from this chord
        return False
    return found == sp.Interval(0, 1)


def _interior(domain, variables, point) -> bool:
    return all((domain or {}).get(v) is None or domain[v].interior.contains(c) is sp.true
               for v, c in zip(variables, point))


def _directions(n: int) -> list:
    """eᵢ, then eᵢ ± eⱼ: enough to catch a negative (or positive) eigenvalue in most cases."""
    out = []
    for i in range(n):
        out.append(tuple(sp.Integer(int(k == i)) for k in range(n)))
    for i in range(n):
        for j in range(i + 1, n):
            for s in (1, -1):
                out.append(tuple(sp.Integer(1 if k == i else s if k == j else 0) for k in range(n)))
    return out


def _eigen_directions(entries) -> list:
    """The eigenvectors of the smallest and largest eigenvalue of a float matrix, rounded to
    rationals (directions to try beyond eᵢ ± eⱼ; the sign is then checked exactly)."""
    if len(entries) < 2:
        return []
    import numpy as np

    try:
        _values, vectors = np.linalg.eigh(np.array(entries, dtype=float))
    except (np.linalg.LinAlgError, ValueError):
        return []
    out = []
    for k in (0, len(entries) - 1):
        col = vectors[:, k]
        scale = max(abs(c) for c in col)
        if not scale > 0:
            continue
        v = tuple(sp.Rational(round(8 * c / scale), 8) for c in col)
        if any(v):
            out.append(v)
    return out


def hessian_witnesses(expr, variables, domain, seed: int = 0, tries: int = 90) -> dict:
    """{'not convex': CurvatureAtPoint, 'not concave': …} for a twice-differentiable f: interior
    rational points p and directions v where vᵀH(p)v < 0 (> 0), the sign checked exactly."""
    if not _smooth(expr) or len(variables) > MAX_HESSIAN_VARS:
        return {}
    from .functions import rewrite_activations

    f = rewrite_activations(expr)
    n = len(variables)
    H = sp.hessian(f, variables) if n > 1 else sp.Matrix([[sp.diff(f, variables[0], 2)]])
    numeric = [[_numeric(H[i, j], variables) for j in range(n)] for i in range(n)]
    dirs = _directions(n)
    rng = random.Random(seed)
    found: dict = {}
    for attempt in range(tries):
        if len(found) == 2:
            break
        den = 1 if attempt < tries // 3 else 4 if attempt < 2 * tries // 3 else 16
        p = tuple(_sample(rng, (domain or {}).get(v), den) for v in variables)
        if not _interior(domain, variables, p) or _chord_check(expr, variables, p, p) is None:
            continue
        fp = tuple(float(c) for c in p)
        entries = [[numeric[i][j](fp) for j in range(n)] for i in range(n)]
        if any(e is None for row in entries for e in row):
            continue
        for v in dirs + _eigen_directions(entries):
            approx = sum(float(v[i]) * entries[i][j] * float(v[j]) for i in range(n) for j in range(n))
            what = "not convex" if approx < -1e-9 else "not concave" if approx > 1e-9 else None
            if what is None or what in found:
                continue
            point = dict(zip(variables, p))
            exact = sum(v[i] * H[i, j].xreplace(point) * v[j] for i in range(n) for j in range(n))
            if exact.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                continue
            sign = _exact_sign(exact)
            if (sign == -1 and what == "not convex") or (sign == 1 and what == "not concave"):
                found[what] = CurvatureAtPoint(expr, what, points=(point,), direction=v, value=exact)
    return found


def find_witnesses(expr, variables, domain, seed: int = 0) -> dict:
    """{'not convex': ChordStep, 'not concave': ChordStep}, each present when found and verified."""
    from .functions import rewrite_activations

    f = _numeric(rewrite_activations(expr), variables)
    rng = random.Random(seed)
    found: dict = {}
    for attempt in range(CHORD_TRIES):
        if len(found) == 2:
            break
        den = 1 if attempt < CHORD_TRIES // 3 else 2 if attempt < 2 * CHORD_TRIES // 3 else 8
        p = tuple(_sample(rng, (domain or {}).get(v), den) for v in variables)
        if attempt % 2:                      # short chords catch local curvature
            h = sp.Rational(1, rng.choice((1, 2, 4, 8)[:1 + (den > 1) + 2 * (den > 2)]))
            q = tuple(a + h * rng.choice((-1, 0, 1)) for a in p)
            if all(dom is None or dom.contains(b) is sp.true for dom, b in
                   zip(((domain or {}).get(v) for v in variables), q)) is False:
                continue
        else:
            q = tuple(_sample(rng, (domain or {}).get(v), den) for v in variables)
        if p == q:
            continue
        segment = [f(tuple(float(a + (b - a) * sp.Rational(j, 8)) for a, b in zip(p, q))) for j in range(9)]
        if any(v is None for v in segment):
            continue
        gap = segment[4] - (segment[0] + segment[8]) / 2
        scale = 1e-9 * (1 + abs(segment[0]) + abs(segment[8]))
        what = "not convex" if gap > scale else "not concave" if gap < -scale else None
        if what is None or what in found:
            continue
        checked = _chord_check(expr, variables, p, q)
        if checked is None or not _segment_defined(expr, variables, p, q):
            continue
        diff, at_mid, chord = checked
        sign = _exact_sign(diff)
        if (sign == 1 and what == "not convex") or (sign == -1 and what == "not concave"):
            found[what] = ChordStep(expr, what, points=(dict(zip(variables, p)), dict(zip(variables, q))),
                                    at_mid=at_mid, chord=chord)
    return found


# ---------------------------------------------------------------- the analysis

@dataclass
class Convexity(Walkthrough):
    """The verdict on f over the domain, the proof (``steps``) and, for 'neither', the witnesses."""

    expr: Any
    variables: tuple
    domain: dict
    verdict: str
    reason: str
    steps: tuple
    witnesses: dict
    title: str = ""
    sections: tuple = ()
    final: tuple = ()


def _natural_interval(expr, variables, domain):
    """For one variable: the interval where f is defined and continuous (x·ln x: x > 0), when it
    is one interval smaller than the given domain; None otherwise (several pieces, like 1/x,
    or sympy cannot tell)."""
    if len(variables) != 1 or (expr.free_symbols - set(variables)):
        return None
    from .functions import rewrite_activations

    x = variables[0]
    given = domain.get(x, sp.Reals)
    try:
        found = sp.calculus.util.continuous_domain(rewrite_activations(expr), x, given)
    except Exception:  # noqa: BLE001 - sympy cannot tell: keep the given domain
        return None
    if not isinstance(found, sp.Interval) or found == given or found.measure == 0:
        return None
    return found


def convexity(expr, variables, domain=None, seed: int = 0) -> Convexity:
    """Decide whether ``expr`` is convex, concave, affine or neither in ``variables`` on ``domain``
    ({Symbol: Interval}); 'unknown' when neither the composition rules nor the second-order
    condition prove a curvature and no pair of verified chords shows 'neither'."""
    from .render.text import math_text

    variables = tuple(variables)
    domain = dict(domain or {})
    natural = _natural_interval(expr, variables, domain)
    if natural is not None:
        domain[variables[0]] = natural
    assumed = assumed_symbols(variables, domain)
    rules = _Rules(variables, assumed)
    dcp = rules.step(expr)
    sections = []
    where = ", ".join(domain_text(v, domain[v]) for v in variables if v in domain)
    args = f"({', '.join(math_text(v) for v in variables)})" if variables else ""
    intro = [Text(f"f{args} = {math_text(expr)}"
                  + (f", on {'its' if natural is not None else 'the'} domain {where}" if where else ""))]
    witnesses: dict = {}
    steps: tuple = ()
    if dcp.curvature != UNKNOWN:
        verdict = AFFINE if dcp.curvature in (CONSTANT, AFFINE) else dcp.curvature
        reason = f"composition rules: {dcp.label}"
        steps = (dcp,)
        sections.append(Section("Composition rules", tuple(intro) + (dcp,)))
    else:
        sections.append(Section("Composition rules", tuple(intro) + (
            Text("The composition rules do not decide the curvature:"), dcp)))
        second = second_order(expr, variables, assumed, domain)
        if second is not None:
            verdict = second.curvature
            reason = "second-order condition: " + _second_order_reason(verdict, len(variables))
            steps = (second,)
            sections.append(Section("Second-order condition", (second,)))
        else:
            tried = _second_order_tried(expr, variables)
            if tried:
                sections.append(Section("Second-order condition", tried))
            # with parameters (symbols that are not variables) a chord holds for some values only
            witnesses = {} if expr.free_symbols - set(variables) else _witnesses(expr, variables, domain, seed)
            if len(witnesses) == 2:
                verdict, reason = "neither", _neither_reason(witnesses, len(variables))
            else:
                verdict = "unknown"
                reason = "neither the composition rules nor the second-order condition decide"
                if witnesses:
                    reason += f"; f is {next(iter(witnesses))} (verified witness)"
                elif expr.free_symbols - set(variables):
                    reason += "; no witness is sought while the parameters (" + ", ".join(
                        sorted(s.name for s in expr.free_symbols - set(variables))) + ") have no values"
            if witnesses:
                sections.append(Section("Witnesses", tuple(_witness_items(witnesses, variables))))
    title = f"Convexity of {math_text(expr)}"
    final = (Text(f"{verdict} ({reason})"),)
    return Convexity(expr, variables, domain, verdict, reason, steps, witnesses, title, tuple(sections), final)


def _second_order_tried(expr, variables) -> tuple:
    """f'' or the Hessian, when the second-order condition was tried and proved nothing."""
    if not _smooth(expr) or len(variables) > MAX_HESSIAN_VARS:
        return ()
    from .functions import rewrite_activations
    from .solution import Equation

    f = rewrite_activations(expr)
    if len(variables) == 1:
        shown = Equation("f''", sp.diff(f, variables[0], 2), approx=False)
        what = "f'' has"
    else:
        shown = Equation("H", sp.hessian(f, variables), approx=False)
        what = "The principal minors of H have"
    return (shown, Text(f"{what} no sign that sympy can prove on the domain."))


def _witnesses(expr, variables, domain, seed) -> dict:
    """Points of negative and positive curvature (twice-differentiable f), else chords; the two
    kinds may mix (one of each)."""
    found = hessian_witnesses(expr, variables, domain, seed)
    if len(found) < 2:
        for what, step in find_witnesses(expr, variables, domain, seed).items():
            found.setdefault(what, step)
    return dict(sorted(found.items(), key=lambda kv: kv[0] != "not convex"))


def _neither_reason(witnesses: dict, n: int) -> str:
    kinds = {type(step) for step in witnesses.values()}
    if kinds == {ChordStep}:
        return "chords: f lies above one chord and below another"
    what = "f''" if n == 1 else "the Hessian"
    if kinds == {CurvatureAtPoint}:
        if n == 1:
            return "f'' < 0 at one point and f'' > 0 at another"
        a, b = (step.points[0] for step in witnesses.values())
        if a == b:
            return "the Hessian is indefinite at a point: a direction of negative and one of positive curvature"
        return "the Hessian has a direction of negative curvature at one point and of positive curvature at another"
    return f"a chord and the sign of {what} at a point"


def _second_order_reason(verdict: str, n: int) -> str:
    if n == 1:
        return {AFFINE: "f'' = 0", CONVEX: "f'' ≥ 0 on the domain", CONCAVE: "f'' ≤ 0 on the domain"}[verdict]
    return {AFFINE: "the Hessian is 0",
            CONVEX: "every principal minor of the Hessian is ≥ 0 on the domain (H ⪰ 0)",
            CONCAVE: "every principal minor of order k of the Hessian has the sign of (−1)^k "
                     "on the domain (H ⪯ 0)"}[verdict]


def _witness_items(witnesses: dict, variables) -> list:
    from .render.text import math_text

    def pt(d):
        if len(variables) == 1:
            return math_text(d[variables[0]])
        return "(" + ", ".join(math_text(d[v]) for v in variables) + ")"

    items = []
    for what, step in witnesses.items():
        if isinstance(step, CurvatureAtPoint):
            (p,) = step.points
            along = "" if len(variables) == 1 else \
                f", along v = ({', '.join(math_text(c) for c in step.direction)})"
            items.append(Text(f"{what}: at p = {pt(p)}{along}, the curvature is "
                              f"{'negative' if what == 'not convex' else 'positive'}:"))
        else:
            p, q = step.points
            m = {v: (p[v] + q[v]) / 2 for v in variables}
            side = "above" if what == "not convex" else "below"
            items.append(Text(f"{what}: p = {pt(p)}, q = {pt(q)}, midpoint m = {pt(m)}; "
                              f"f(m) lies {side} the chord:"))
        items.append(step)
    return items


def witness_points(witnesses: dict) -> dict:
    """The witnesses as plain data: {'not_convex': [p, q], 'not_concave': [p, q]}, points by name."""
    return {what.replace(" ", "_"): [{s.name: v for s, v in pt.items()} for pt in step.points]
            for what, step in witnesses.items()}


__all__ = ["convexity", "Convexity", "find_witnesses", "second_order", "assumed_symbols", "witness_points",
           "VERDICTS", "CurvatureStep"]
