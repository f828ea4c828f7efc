"""Is f differentiable at a point? One-sided derivatives where f has a kink.

The rules of calcai.differentiation give d/dx |x| = sign(x), which is 0 at x = 0, and
d/dx max(x, y) = {1 if x > y; 0 otherwise}, which is 0 at x = y: formulas that are right
everywhere except at the kink, where the derivative does not exist. Before a derivative is
evaluated at a point, ``check`` looks for the pieces of f that can break there:

- a piecewise-defined function (Abs, Max, Min, sign, Heaviside, an activation such as ReLU,
  or a Piecewise itself) whose switch (a condition's ``lhs − rhs``) vanishes at the point
  and depends on the variable — found generically, by the function's rewrite as a
  Piecewise, never by its name;
- a fractional power (√u, u^(1/3), u^(3/2)) whose base vanishes at the point.

Only an expression with such a piece at the point pays for the check: the one-sided
difference quotients (f(a ± h) − f(a))/(±h), h → 0⁺, with every piece resolved to the
branch it takes for small h (so that sympy's ``limit`` sees smooth expressions). When
they differ, are infinite, or f is not continuous there, ``NotDifferentiable`` (a MathError,
like 1/x at 0) says so with both one-sided values. Several variables: the others are held
at their values, and the one-sided derivatives are along the variable differentiated.

Activation functions (calcai.functions) have a convention at their kink, which the tutorial
uses: ReLU'(0) = 0 ("1 if x > 0, else 0"), LeakyReLU'(0) = α. A kink of an activation is
therefore not an error; the walkthrough states the convention it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.core.sympify import _sympify   # numbers only: strict, never reads text

from .errors import MathError
from .evaluate import describe_point, evaluate_at

_H = sp.Symbol("h", positive=True)          # the step: x = a ± h with h → 0⁺
_SPOT = sp.Rational(1, 10 ** 20)            # a step at which "has f real values there?" is tried
_LIMIT_ERRORS = (NotImplementedError, ValueError, TypeError, ZeroDivisionError, AttributeError,
                 RecursionError, sp.PoleError)


class NotDifferentiable(MathError):
    """f has no derivative with respect to ``wrt`` at ``point``.

    ``left`` and ``right`` are the one-sided derivatives (sympy numbers, ±∞ included), or
    None where f has no real values on that side; ``reason`` is "kink", "infinite",
    "discontinuous" or "domain"."""

    def __init__(self, message, expr=None, wrt=None, point=None, left=None, right=None, reason="kink"):
        super().__init__(message)
        self.expr, self.wrt, self.point = expr, wrt, point
        self.left, self.right, self.reason = left, right, reason

    def __reduce__(self):                    # worker processes send errors back pickled
        return (type(self), (str(self), self.expr, self.wrt, self.point, self.left, self.right, self.reason))


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check that found a kink piece at the point and no reason to refuse.

    ``value``: the derivative from the one-sided limits (they agree), or None when only
    activations' conventions were involved (the rules' value, with the convention, stands).
    ``notes``: sentences for the walkthrough (conventions used, a one-sided derivative)."""

    value: sp.Expr | None
    notes: tuple = ()


# ---------------------------------------------------------------- finding kink pieces

def _is_kink_function(node) -> bool:
    """A function defined piecewise: it can be rewritten as a Piecewise (Abs, sign, Heaviside,
    ReLU, … and max/min, which are not sympy Functions)."""
    return isinstance(node, sp.Expr) and hasattr(type(node), "_eval_rewrite_as_Piecewise")


def _is_root(node) -> bool:
    """u^p with p a number that is not an integer (√u, u^(1/3), u^(3/2), u^(−1/2))."""
    return node.is_Pow and node.exp.is_number and node.exp.is_integer is False


@lru_cache(maxsize=1 << 14)
def kink_pieces(expr) -> tuple:
    """The subexpressions of ``expr`` that may have a kink: piecewise-defined functions,
    Piecewise, fractional powers (memoised; smooth expressions give ())."""
    if not isinstance(expr, sp.Basic) or not expr.args:
        return ()
    found = []
    for arg in expr.args:
        for piece in kink_pieces(arg):
            if piece not in found:
                found.append(piece)
    if isinstance(expr, sp.Piecewise) or _is_kink_function(expr) or _is_root(expr):
        found.append(expr)
    return tuple(found)


def _relations(condition) -> list:
    if isinstance(condition, sp.core.relational.Relational):
        return [condition]
    if isinstance(condition, sp.logic.boolalg.Boolean) and condition.args:
        return [r for a in condition.args for r in _relations(a)]
    return []


@lru_cache(maxsize=1 << 14)
def _switches(piece) -> tuple:
    """Where ``piece`` changes its formula: the expressions that vanish there."""
    if _is_root(piece):
        return (piece.base,)
    try:
        pw = piece if isinstance(piece, sp.Piecewise) else piece.rewrite(sp.Piecewise)
    except _LIMIT_ERRORS:
        return ()
    if not isinstance(pw, sp.Piecewise):
        return ()
    return tuple(dict.fromkeys(r.lhs - r.rhs for _e, c in pw.args for r in _relations(c)))


def _vanishes(value) -> bool:
    value = _sympify(value)
    if value.is_zero:
        return True
    if value.is_zero is False or value.free_symbols:
        return False
    try:
        return abs(sp.N(value, 30)) < sp.Float(10) ** -25
    except (TypeError, ValueError):
        return False


@lru_cache(maxsize=1 << 12)
def _switching(expr, point: tuple) -> tuple:
    """(piece, switch) for each kink piece of ``expr`` whose switch vanishes at ``point`` (a
    tuple of (Symbol, value) pairs): found once per point, whichever variable is differentiated."""
    values = dict(point)
    return tuple((piece, s) for piece in kink_pieces(expr) for s in _switches(piece)
                 if s.free_symbols <= values.keys() and _vanishes(s.xreplace(values)))


def _at_kink(expr, x, point) -> list:
    """The kink pieces of ``expr`` that switch at ``point`` along x (the other variables held
    at their values)."""
    others = {s: v for s, v in point.items() if s != x}
    found = [piece for piece, s in _switching(expr, tuple(point.items())) if x in s.xreplace(others).free_symbols]
    return list(dict.fromkeys(found))


def _is_activation(piece) -> bool:
    from .functions import _Activation

    return isinstance(piece, _Activation)


# ---------------------------------------------------------------- one-sided limits

class _Undecided(Exception):
    """A branch or a limit that sympy cannot settle: no verdict, the rules' value stands."""


def _sign_near(d) -> int:
    """The sign of d(h) for all small h > 0 (0 when d vanishes identically)."""
    d = _branch(d)
    if d.is_zero:
        return 0
    if d.is_positive:
        return 1
    if d.is_negative:
        return -1
    try:
        at_zero = sp.limit(d, _H, 0, "+")
        if at_zero.is_extended_real and at_zero != 0:
            return 1 if at_zero > 0 else -1
        if at_zero == 0:
            lead = d.as_leading_term(_H)
            if lead.is_positive:
                return 1
            if lead.is_negative:
                return -1
            if lead.is_zero:
                return 0
    except _LIMIT_ERRORS:
        pass
    raise _Undecided(d)


_HOLDS = {">": lambda s: s > 0, ">=": lambda s: s >= 0, "<": lambda s: s < 0, "<=": lambda s: s <= 0,
          "==": lambda s: s == 0, "!=": lambda s: s != 0}


def _holds(condition) -> bool:
    """Whether ``condition`` (in h) holds for all small h > 0."""
    if condition is sp.true or condition is sp.false:
        return bool(condition)
    if isinstance(condition, sp.core.relational.Relational):
        return _HOLDS[condition.rel_op](_sign_near(condition.lhs - condition.rhs))
    if isinstance(condition, sp.And):
        return all(_holds(c) for c in condition.args)
    if isinstance(condition, sp.Or):
        return any(_holds(c) for c in condition.args)
    if isinstance(condition, sp.Not):
        return not _holds(condition.args[0])
    raise _Undecided(condition)


def _branch(expr):
    """``expr`` (in h) with every piecewise-defined part replaced by the formula it takes
    for all small h > 0: |−h| → h, max(1 + h, 1) → 1 + h, ReLU(h² − h) → 0."""
    if not isinstance(expr, sp.Basic) or not expr.args or _H not in expr.free_symbols:
        return expr
    if isinstance(expr, sp.Piecewise):
        for piece, condition in expr.args:
            if _holds(condition):
                return _branch(piece)
        raise _Undecided(expr)
    rebuilt = expr.func(*(_branch(a) for a in expr.args))
    if _is_kink_function(rebuilt) and _H in rebuilt.free_symbols:
        try:
            pw = rebuilt.rewrite(sp.Piecewise)
        except _LIMIT_ERRORS as err:
            raise _Undecided(rebuilt) from err
        if isinstance(pw, sp.Piecewise):
            return _branch(pw)
        raise _Undecided(rebuilt)                 # a kink function sympy cannot write piecewise
    return rebuilt


def _real_near(moved) -> bool:
    """Has f real values for small h > 0 (on this side)?"""
    real = moved.is_extended_real
    if real is not None:
        return bool(real)
    try:
        value = sp.N(moved.xreplace({_H: _SPOT}), 15)
        return not (value.is_number and bool(abs(sp.im(value)) > 10 ** -12 * (1 + abs(sp.re(value)))))
    except (TypeError, ValueError, ArithmeticError):
        return True


@dataclass(frozen=True)
class Side:
    """f on one side of the point: ``real`` (has f real values there), ``limit`` (of f),
    ``slope`` (the one-sided derivative)."""

    real: bool
    limit: sp.Expr | None
    slope: sp.Expr | None


def _limit(expr):
    try:
        value = sp.limit(expr, _H, 0, "+")
    except _LIMIT_ERRORS as err:
        raise _Undecided(expr) from err
    if isinstance(value, sp.Limit) or value.has(sp.Limit, sp.AccumBounds):
        raise _Undecided(expr)
    return value


def _real_value(value) -> bool:
    return value.is_extended_real is True and not value.has(sp.nan, sp.zoo)


def one_side(f, x, a, fa, direction: int) -> Side:
    """f(a + h) or f(a − h) for h → 0⁺: real values or not, the limit, the one-sided slope."""
    moved = _branch(f.xreplace({x: a + direction * _H}))
    if not _real_near(moved):
        return Side(False, None, None)
    limit = _limit(moved)
    slope = _limit((moved - fa) / _H) * direction
    if not (_real_value(limit) and _real_value(slope)):
        return Side(False, None, None)
    return Side(True, limit, slope)


# ---------------------------------------------------------------- the check

def _text(expr) -> str:
    from .render.text import math_text

    return math_text(expr)


def _where(name, x, point) -> str:
    """'|x| is not differentiable at x = 0', '… with respect to x at x = 1, y = 1'."""
    wrt = f" with respect to {_text(x)}" if len(point) > 1 else ""
    return f"{name} is not differentiable{wrt} at {describe_point(point)}"


def _refuse(expr, x, point, name, left: Side, right: Side, fa):
    """NotDifferentiable with the sentence that fits the two sides."""
    where = _where(name, x, point)
    a = _text(point[x])
    xs = _text(x)
    args = dict(expr=expr, wrt=x, point=point, left=left.slope, right=right.slope)
    if not left.real and not right.real:
        return NotDifferentiable(f"{where}: it has no real values on either side of {xs} = {a}",
                                 **args, reason="domain")
    if not left.real or not right.real:
        gap, other, side = (f"{xs} < {a}", right, "right") if not left.real else (f"{xs} > {a}", left, "left")
        return NotDifferentiable(f"{where}: it has no real values for {gap}, and the derivative from the "
                                 f"{side} is {_text(other.slope)}", **args, reason="domain")
    if not (_same(left.limit, fa) and _same(right.limit, fa)):
        return NotDifferentiable(f"{where}: it is not continuous there (it tends to {_text(left.limit)} from "
                                 f"the left and to {_text(right.limit)} from the right, and its value there "
                                 f"is {_text(fa)})", **args, reason="discontinuous")
    if _same(left.slope, right.slope):
        return NotDifferentiable(f"{where}: its slope there is infinite (the derivative from the left and "
                                 f"from the right are both {_text(left.slope)})", **args, reason="infinite")
    return NotDifferentiable(f"{where}: the derivative from the left is {_text(left.slope)}, from the "
                             f"right is {_text(right.slope)}", **args, reason="kink")


def sides(expr, x, point) -> tuple[Side, Side, sp.Expr]:
    """(left side, right side, f(a)) of ``expr`` along ``x`` at ``point`` (others held fixed).
    Raises _Undecided when sympy cannot settle a branch or a limit."""
    others = {s: v for s, v in point.items() if s != x}
    f = expr.xreplace(others)
    a = point[x]
    fa = evaluate_at(f, {x: a})
    return one_side(f, x, a, fa, -1), one_side(f, x, a, fa, 1), fa


def _convention(piece, point) -> str | None:
    """'ReLU(x − 1) has a kink at x = 1; by the convention ReLU'(0) = 0.', or None when the
    activation is smooth at its argument's value there (so no convention is needed)."""
    from .render.text import value_text

    t = sp.Dummy("t", real=True)
    at = piece.args[0].xreplace(point)
    rest = tuple(arg.xreplace(point) for arg in piece.args[1:])
    try:
        left, right, _ = sides(piece.func(t, *rest), t, {t: at})
    except (_Undecided, MathError, *_LIMIT_ERRORS):
        left = right = None
    if left is not None and left.real and right.real and _same(left.slope, right.slope) \
            and _same(left.limit, right.limit):
        return None
    slope = piece.fdiff(1).xreplace(point)
    if isinstance(slope, sp.Piecewise):
        slope = sp.piecewise_fold(slope)
    name = getattr(type(piece), "pretty_name", "") or type(piece).__name__
    return (f"{_text(piece)} has a kink at {describe_point(point)}; by the convention "
            f"{name}'({_text(at)}) = {value_text(slope)}.")


def check(expr, x, point, name: str | None = None) -> Verdict | None:
    """Raise NotDifferentiable when ``expr`` has no derivative with respect to ``x`` at
    ``point`` ({Symbol: number}); None when no piece of it can break there (the usual case,
    and a cheap one); else a Verdict (the one-sided value, or the conventions used).

    ``name``: how the function is called in the message (default: the expression)."""
    if x not in point:
        return None
    pieces = kink_pieces(expr)
    if not pieces:
        return None
    a = point[x]
    found = _at_kink(expr, x, point)
    if not found:
        return None
    plain = [p for p in found if not _is_activation(p)]
    if not plain:
        notes = tuple(n for n in (_convention(p, point) for p in found) if n is not None)
        return Verdict(None, notes) if notes else None
    try:
        left, right, fa = sides(expr, x, point)
    except (_Undecided, *_LIMIT_ERRORS):
        return None                              # sympy cannot tell: the rules' value stands
    except MathError:
        return None                              # f itself is undefined there: evaluation says so
    name = name or _text(expr)
    if left.real and right.real:
        if _smooth(left, fa) and _smooth(right, fa) and _same(left.slope, right.slope):
            return Verdict(left.slope)
    elif left.real or right.real:               # an end of f's real domain: the one-sided derivative
        side, word = (left, "left") if left.real else (right, "right")
        if _smooth(side, fa):
            span = f"{_text(x)} {'≤' if left.real else '≥'} {_text(a)}"
            return Verdict(side.slope, (f"{name} has real values only for {span} near {describe_point(point)}; "
                                        f"its derivative there is the one from the {word}.",))
    raise _refuse(expr, x, point, name, left, right, fa)


def _same(u, v) -> bool:
    """u = v, for two limits (exact forms may differ: 1/√2 and √2/2)."""
    if u == v:
        return True
    difference = u - v
    if difference.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return False
    return bool(difference.is_zero) or _vanishes(difference)


def _smooth(side: Side, fa) -> bool:
    """f is continuous from this side and its one-sided derivative is finite."""
    return _same(side.limit, fa) and side.slope.is_finite is True


def derivative_at(expr, x, derivative, point, name: str | None = None) -> tuple:
    """(value, notes): the derivative of ``expr`` with respect to ``x`` at ``point``, given its
    formula ``derivative``; raises NotDifferentiable at a kink, MathError where undefined."""
    verdict = check(expr, x, point, name)
    if verdict is None:
        return evaluate_at(derivative, point), ()
    if verdict.value is None:
        return evaluate_at(derivative, point), verdict.notes
    return verdict.value, verdict.notes


def derivative_value(derivation, point) -> tuple:
    """(value, notes) of a calcai.differentiation.Derivation (d^n f/dx^n) at ``point``: f and
    each derivative below the n-th must be differentiable there; raises NotDifferentiable."""
    x, trees = derivation.wrt, derivation.trees

    def name(k):
        if k == 0:
            return _text(derivation.expr)
        label = sp.Derivative(derivation.expr, (x, k), evaluate=False)    # d^k/dx^k [f], as printed
        return f"{_text(label)} = {_text(trees[k].expr)}"

    for k in range(derivation.order - 1):
        check(trees[k].expr, x, point, name(k))
    last = derivation.order - 1
    return derivative_at(trees[last].expr, x, derivation.result, point, name(last))


__all__ = ["NotDifferentiable", "Verdict", "check", "derivative_at", "derivative_value", "kink_pieces",
           "sides", "one_side"]
