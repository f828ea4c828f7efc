"""Convexity of a scalar function of declared vectors and matrices, proved in matrix notation.

The composition rules of disciplined convex programming, read on the matrix expression: the
variables (some of the declared vectors and matrices) are affine; constant matrices times an
affine expression, transposes, sums, traces and Hadamard products with constants stay affine;
‖g‖² = gᵀg of an affine g is convex; an elementwise convex nondecreasing function (exp,
softplus, ReLU) of entrywise-convex arguments is entrywise convex; 𝟙ᵀv and tr(·) add entries
with weights 1, so they keep the curvature; log det X is concave on positive definite X; the
scalar rules (calcai.convexity) take over above the matrices. A verdict proved here holds for
every size and for all values of the other (constant) matrices: (1/n)‖Xw − y‖² is convex in
w whatever the data X, y are.

Anything the rules do not decide is left to the caller, who may scalarise at concrete values
(calcai.matrix.verify.make_explicit) and run the scalar analysis with its witnesses.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..convexity import (AFFINE, CONCAVE, CONSTANT, CONVEX, UNKNOWN, AffineRule, ConstantRule,
                         CurvatureStep, ExpRule, LogRule, MaxRule, NoRule, PowerRule, ScalingRule,
                         SoftplusRule, SumRule, _combine, _compose, _flip)
from ..functions import relu, softplus
from ..solution import Relation
from .parse import AsNumber, elementwise_display, is_matrix


@dataclass(frozen=True, eq=False)
class VariableRule(CurvatureStep):
    """A variable is affine in itself."""
    rule = "variable"
    label = "variable"


@dataclass(frozen=True, eq=False)
class LinearMapRule(CurvatureStep):
    """A·g·B, gᵀ, c ⊙ g with constant A, B, c: a linear map of an affine g is affine."""
    rule = "linear_map"
    label = "linear map (constant matrices times an affine expression)"


@dataclass(frozen=True, eq=False)
class SumOfEntriesRule(CurvatureStep):
    """𝟙ᵀg, g𝟙, tr(g): entries added with weight 1 keep their curvature (a nonnegative sum)."""
    rule = "sum_of_entries"
    label = "sum of entries (weights 1 ≥ 0)"


@dataclass(frozen=True, eq=False)
class SquaredNormRule(CurvatureStep):
    """‖g‖² = gᵀg = Σᵢ gᵢ² of an affine g is convex: a sum of squares of affine functions."""
    rule = "squared_norm"
    label = "squared norm of an affine map (convex)"


@dataclass(frozen=True, eq=False)
class LogDetRule(CurvatureStep):
    """log det X is concave on the positive definite matrices X (and so of an affine X)."""
    rule = "log_det"
    label = "log det (concave on positive definite matrices)"


# an elementwise function: (its step class, curvature, monotonicity)
_ELEMENTWISE = {"exp": (ExpRule, CONVEX, "up"), "softplus": (SoftplusRule, CONVEX, "up"),
                "relu": (MaxRule, CONVEX, "up"), "log": (LogRule, CONCAVE, "up")}


def _function_name(e: ElementwiseApplyFunction) -> str | None:
    body = e.function.expr
    for name, cls in (("exp", sp.exp), ("softplus", softplus), ("relu", relu), ("log", sp.log)):
        if isinstance(body, cls):
            return name
    return None


def _is_ones(e) -> bool:
    return isinstance(e, sp.OneMatrix) or isinstance(e, sp.Transpose) and isinstance(e.arg, sp.OneMatrix)


def _scalar_groups(ms) -> list:
    """The factors of a 1×1 product cut into consecutive 1×1 products: yᵀy·wᵀw → [yᵀy, wᵀw]."""
    groups, start = [], 0
    for i, f in enumerate(ms):
        if ms[start].shape[0] == 1 and f.shape[1] == 1:
            groups.append(ms[start] if i == start else sp.MatMul(*ms[start:i + 1]))
            start = i + 1
    return groups if start == len(ms) else [sp.MatMul(*ms)]


class MatrixRules:
    """The composition rules over ``variables`` (MatrixSymbols)."""

    def __init__(self, variables):
        self.vars = tuple(variables)

    def depends(self, e) -> bool:
        return any(e.has(v) for v in self.vars)

    def sign(self, c) -> int | None:
        """1 for a constant ≥ 0 (numbers, sizes, squared norms vᵀv and products of them), −1 for
        one ≤ 0, None when the sign is not known."""
        c = sp.sympify(c)
        if c.is_positive or c.is_zero:
            return 1
        if c.is_negative:
            return -1
        if isinstance(c, AsNumber):
            ms = c.arg.as_coeff_matrices()[1] if isinstance(c.arg, sp.MatMul) else ()
            if len(ms) == 2 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[1]:
                return 1
            return None
        if isinstance(c, sp.Mul):
            signs = [self.sign(f) for f in c.args]
            if None in signs:
                return None
            return -1 if signs.count(-1) % 2 else 1
        return None

    def step(self, e) -> CurvatureStep:
        if not self.depends(e):
            return ConstantRule(e, CONSTANT)
        if e in self.vars:
            return VariableRule(e, AFFINE)
        if isinstance(e, AsNumber):                    # a 1×1 used as a number: its entry
            return self.step(e.arg)
        if isinstance(e, (sp.MatAdd, sp.Add)):
            subs = tuple(self.step(t) for t in e.args)
            return SumRule(e, _combine(s.curvature for s in subs), subs)
        if isinstance(e, sp.Transpose):
            inner = self.step(e.arg)
            return LinearMapRule(e, inner.curvature, (inner,)) if inner.curvature in (AFFINE, CONSTANT) \
                else SumOfEntriesRule(e, inner.curvature, (inner,), note="a transpose moves entries")
        if isinstance(e, sp.MatMul):
            return self.product(e)
        if isinstance(e, sp.Mul):
            return self.scaling(e)
        if isinstance(e, sp.Trace):
            inner = self.step(e.arg)
            if inner.curvature in (AFFINE, CONSTANT):
                return LinearMapRule(e, AFFINE, (inner,))
            return SumOfEntriesRule(e, inner.curvature, (inner,))
        if isinstance(e, sp.HadamardProduct):
            return self.hadamard(e)
        if isinstance(e, ElementwiseApplyFunction):
            return self.elementwise(e)
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant):
            inner = self.step(e.args[0].arg)
            curv = CONCAVE if inner.curvature in (AFFINE, CONSTANT) else UNKNOWN
            return LogDetRule(e, curv, (inner,), note="on positive definite matrices")
        if isinstance(e, (sp.exp, softplus, relu, sp.log)):
            inner = self.step(e.args[0])
            cls, outer, mono = _ELEMENTWISE[{sp.exp: "exp", softplus: "softplus", relu: "relu",
                                             sp.log: "log"}[e.func]]
            return cls(e, _compose(outer, mono, inner.curvature), (inner,))
        if isinstance(e, sp.Pow) and e.exp == 2:
            inner = self.step(e.base)
            curv = CONVEX if inner.curvature in (AFFINE, CONSTANT) else UNKNOWN
            return PowerRule(e, curv, (inner,), note=Relation((sp.Symbol("p"), e.exp), "="))
        return NoRule(e, UNKNOWN)

    def scaling(self, e) -> CurvatureStep:
        const = [a for a in e.args if not self.depends(a)]
        rest = [a for a in e.args if self.depends(a)]
        if len(rest) != 1:
            return NoRule(e, UNKNOWN, note="a product of functions of the variables")
        c = sp.Mul(*const)
        return self._scaled(e, c, rest[0])

    def _scaled(self, e, c, g) -> CurvatureStep:
        inner = self.step(g)
        sign = self.sign(c)
        curv = inner.curvature if sign == 1 else _flip(inner.curvature) if sign == -1 else UNKNOWN
        if inner.curvature in (AFFINE, CONSTANT):
            curv = inner.curvature
        return ScalingRule(e, curv, (inner,),
                           note=Relation((c, sp.S.Zero), "≥" if sign == 1 else "≤") if sign else None)

    def product(self, e) -> CurvatureStep:
        c, ms = e.as_coeff_matrices()
        if c != 1:
            rest = ms[0] if len(ms) == 1 else sp.MatMul(*ms)
            return self._scaled(e, c, rest)
        ms = list(ms)
        groups = _scalar_groups(ms)
        if len(groups) > 1:                        # (yᵀy)(wᵀw): a product of numbers
            const = [g for g in groups if not self.depends(g)]
            dep = [g for g in groups if self.depends(g)]
            if len(dep) != 1:
                return NoRule(e, UNKNOWN, note="a product of two functions of the variables")
            return self._scaled(e, sp.Mul(*(AsNumber(g) for g in const)), dep[0])
        if len(ms) == 2 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[1]:
            inner = self.step(ms[1])
            if inner.curvature in (AFFINE, CONSTANT):
                return SquaredNormRule(e, CONVEX, (inner,))
            return NoRule(e, UNKNOWN, note="‖g‖² of a g that is not affine")
        dep = [f for f in ms if self.depends(f)]
        if len(dep) != 1:
            note = ("a quadratic form xᵀAx: convex exactly when A + Aᵀ ⪰ 0, unknown for a general A"
                    if len(ms) == 3 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[2]
                    else "a product of two functions of the variables")
            return NoRule(e, UNKNOWN, note=note)
        inner = self.step(dep[0])
        if inner.curvature in (AFFINE, CONSTANT):
            return LinearMapRule(e, AFFINE, (inner,))
        if all(_is_ones(f) for f in ms if f is not dep[0]):
            return SumOfEntriesRule(e, inner.curvature, (inner,))
        return NoRule(e, UNKNOWN, note="constant weights of unknown sign")

    def hadamard(self, e) -> CurvatureStep:
        dep = [f for f in e.args if self.depends(f)]
        if len(dep) != 1:
            return NoRule(e, UNKNOWN, note="a product of two functions of the variables")
        inner = self.step(dep[0])
        if inner.curvature in (AFFINE, CONSTANT):
            return LinearMapRule(e, AFFINE, (inner,))
        return NoRule(e, UNKNOWN, note="constant weights of unknown sign")

    def elementwise(self, e) -> CurvatureStep:
        name = _function_name(e)
        inner = self.step(e.expr)
        if name is None:
            shown = elementwise_display(e.function) or "f"
            return NoRule(e, UNKNOWN, (inner,), note=f"{shown} is neither convex nor concave")
        cls, outer, mono = _ELEMENTWISE[name]
        return cls(e, _compose(outer, mono, inner.curvature), (inner,), note="entrywise")


def matrix_curvature(expr, variables) -> CurvatureStep:
    """The curvature of ``expr`` in ``variables`` (MatrixSymbols) by the composition rules, with
    the proof; 'unknown' when no rule decides."""
    return MatrixRules(variables).step(expr)


__all__ = ["matrix_curvature", "MatrixRules", "is_matrix"]
