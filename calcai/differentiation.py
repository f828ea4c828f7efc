"""Differentiation as a tree of named rules, each node a small dataclass.

Every node holds the expression it differentiates (``expr``), the variable (``wrt``), its
derivative (``result``) and the derivations it used (``substeps``). The tree is sound by
construction and by test: for every node, ``result == diff(expr, wrt)``. Where no named
rule applies the node says so (rule ``sympy``) and still holds sympy's derivative.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import sympy as sp

from . import limits as _limits
from .errors import LimitError
from .functions import leaky_relu, relu, sigmoid, softplus
from .solution import Equation, Section, Walkthrough


@dataclass(frozen=True)
class DiffRule:
    """A differentiation step: d(expr)/d(wrt) = result, using ``substeps``."""

    expr: sp.Expr
    wrt: sp.Symbol
    result: sp.Expr
    substeps: tuple = ()

    rule: ClassVar[str] = "?"
    formula: ClassVar[str] = ""


@dataclass(frozen=True)
class ConstantRule(DiffRule):
    """d/dx c = 0"""
    rule = "constant"
    formula = "d/dx c = 0"


@dataclass(frozen=True)
class VariableRule(DiffRule):
    """d/dx x = 1"""
    rule = "variable"
    formula = "d/dx x = 1"


@dataclass(frozen=True)
class PowerRule(DiffRule):
    """d/dx xⁿ = n·xⁿ⁻¹"""
    rule = "power"
    formula = "d/dx xⁿ = n·xⁿ⁻¹"


@dataclass(frozen=True)
class ConstantMultipleRule(DiffRule):
    """d/dx c·f = c·f'"""
    rule = "constant_multiple"
    formula = "d/dx c·f = c·f'"


@dataclass(frozen=True)
class SumRule(DiffRule):
    """d/dx (f + g) = f' + g'"""
    rule = "sum"
    formula = "d/dx (f + g) = f' + g'"


@dataclass(frozen=True)
class ProductRule(DiffRule):
    """d/dx (f·g) = f'·g + f·g'"""
    rule = "product"
    formula = "d/dx (f·g) = f'·g + f·g'"


@dataclass(frozen=True)
class QuotientRule(DiffRule):
    """d/dx (f/g) = (f'·g − f·g')/g²"""
    rule = "quotient"
    formula = "d/dx (f/g) = (f'·g − f·g')/g²"


@dataclass(frozen=True)
class ChainRule(DiffRule):
    """d/dx f(u) = f'(u)·u' with u the inner function; substeps: df/du, then du/dx."""
    rule = "chain"
    formula = "d/dx f(u) = f'(u)·du/dx"
    u: sp.Symbol = None
    inner: sp.Expr = None


@dataclass(frozen=True)
class ExpRule(DiffRule):
    """d/dx eˣ = eˣ and d/dx aˣ = aˣ·ln(a)"""
    rule = "exp"
    formula = "d/dx eˣ = eˣ,  d/dx aˣ = aˣ·ln a"


@dataclass(frozen=True)
class LogRule(DiffRule):
    """d/dx ln(x) = 1/x"""
    rule = "log"
    formula = "d/dx ln x = 1/x"


@dataclass(frozen=True)
class TrigRule(DiffRule):
    """sin' = cos, cos' = −sin, tan' = 1 + tan²"""
    rule = "trig"
    formula = "d/dx sin x = cos x,  d/dx cos x = −sin x,  d/dx tan x = 1 + tan² x"


@dataclass(frozen=True)
class InverseTrigRule(DiffRule):
    """asin' = 1/√(1−x²), acos' = −1/√(1−x²), atan' = 1/(1+x²)"""
    rule = "inverse_trig"
    formula = "d/dx asin x = 1/√(1 − x²),  d/dx atan x = 1/(1 + x²)"


@dataclass(frozen=True)
class HyperbolicRule(DiffRule):
    """sinh' = cosh, cosh' = sinh, tanh' = 1 − tanh²"""
    rule = "hyperbolic"
    formula = "d/dx tanh x = 1 − tanh² x,  d/dx sinh x = cosh x,  d/dx cosh x = sinh x"


@dataclass(frozen=True)
class SigmoidRule(DiffRule):
    """σ'(x) = σ(x)·(1 − σ(x))"""
    rule = "sigmoid"
    formula = "d/dx σ(x) = σ(x)·(1 − σ(x))"


@dataclass(frozen=True)
class ReluRule(DiffRule):
    """ReLU'(x) = 1 if x > 0, else 0 (0 at the kink)"""
    rule = "relu"
    formula = "d/dx ReLU(x) = 1 if x > 0, else 0"


@dataclass(frozen=True)
class LeakyReluRule(DiffRule):
    """LeakyReLU'(x) = 1 if x > 0, else α"""
    rule = "leaky_relu"
    formula = "d/dx LeakyReLU(x) = 1 if x > 0, else α"


@dataclass(frozen=True)
class SoftplusRule(DiffRule):
    """softplus'(x) = σ(x)"""
    rule = "softplus"
    formula = "d/dx softplus(x) = σ(x)"


@dataclass(frozen=True)
class AbsRule(DiffRule):
    """d/dx |x| = sign(x) (x ≠ 0)"""
    rule = "abs"
    formula = "d/dx |x| = sign(x)"


@dataclass(frozen=True)
class MaxMinRule(DiffRule):
    """d/dx max(f, g) = f' where f > g, else g' (and likewise for min)"""
    rule = "max_min"
    formula = "d/dx max(f, g) = f' where f > g, else g'"


@dataclass(frozen=True)
class GeneralPowerRule(DiffRule):
    """d/dx f^g = f^g·(g'·ln f + g·f'/f), by logarithmic differentiation: ln y = g·ln f"""
    rule = "general_power"
    formula = "y = f^g ⇒ ln y = g·ln f ⇒ y' = y·(g·ln f)'"


@dataclass(frozen=True)
class RewriteRule(DiffRule):
    """The derivative rewritten into a named, readable form (``before`` → ``result``)."""
    rule = "rewrite"
    formula = "an equivalent, more readable form"
    before: sp.Expr = None


@dataclass(frozen=True)
class SympyRule(DiffRule):
    """No named rule applies: sympy's derivative, stated as such."""
    rule = "sympy"
    formula = "computed by sympy (no named rule)"


# ------------------------------------------------------------------ rule selection

_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
_INVERSE_TRIG = (sp.asin, sp.acos, sp.atan)
_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh)
_FUNCTION_RULES = (
    (sp.exp, ExpRule), (sp.log, LogRule), (_TRIG, TrigRule), (_INVERSE_TRIG, InverseTrigRule),
    (_HYPERBOLIC, HyperbolicRule), (sigmoid, SigmoidRule), (relu, ReluRule),
    (leaky_relu, LeakyReluRule), (softplus, SoftplusRule), (sp.Abs, AbsRule),
)
_OUTER_DERIVATIVES = {
    sp.tanh: lambda u: 1 - sp.tanh(u) ** 2,
    sp.tan: lambda u: 1 + sp.tan(u) ** 2,
}


def _fresh_u(expr) -> sp.Symbol:
    names = {s.name for s in expr.free_symbols}
    for name in ("u", "v", "w", "s", "q"):
        if name not in names:
            return sp.Symbol(name, real=True)
    return sp.Dummy("u", real=True)


def diff_steps(expr, x) -> DiffRule:
    """The rule tree of d(expr)/dx."""
    if not expr.has(x):
        return ConstantRule(expr, x, sp.S.Zero)
    if expr == x:
        return VariableRule(expr, x, sp.S.One)
    if expr.is_Add:
        subs = tuple(diff_steps(t, x) for t in expr.as_ordered_terms())   # in printed order
        return SumRule(expr, x, sp.Add(*(s.result for s in subs)), subs)
    if expr.is_Mul:
        return _mul_steps(expr, x)
    if expr.is_Pow:
        return _pow_steps(expr, x)
    if isinstance(expr, (sp.Max, sp.Min)) and len(expr.args) == 2:
        f, g = expr.args
        df, dg = diff_steps(f, x), diff_steps(g, x)
        wins = f > g if isinstance(expr, sp.Max) else f < g
        result = sp.Piecewise((df.result, wins), (dg.result, True))
        return MaxMinRule(expr, x, result, (df, dg))
    for cls, rule in _FUNCTION_RULES:
        if isinstance(expr, cls):
            return _function_steps(expr, x, rule)
    return SympyRule(expr, x, sp.diff(expr, x))


def _mul_steps(expr, x) -> DiffRule:
    coeff, rest = expr.as_independent(x, as_Add=False)
    if coeff != 1:
        sub = diff_steps(rest, x)
        return ConstantMultipleRule(expr, x, coeff * sub.result, (sub,))
    numer, denom = sp.fraction(expr)
    if denom != 1 and denom.has(x) and numer.has(x):
        top, bottom = diff_steps(numer, x), diff_steps(denom, x)
        result = (top.result * denom - numer * bottom.result) / denom ** 2
        return QuotientRule(expr, x, result, (top, bottom))
    first, *others = expr.as_ordered_factors()
    second = sp.Mul(*others)
    f, g = diff_steps(first, x), diff_steps(second, x)
    return ProductRule(expr, x, f.result * second + first * g.result, (f, g))


def _pow_steps(expr, x) -> DiffRule:
    base, exponent = expr.args
    if not exponent.has(x):
        if base == x:
            return PowerRule(expr, x, exponent * x ** (exponent - 1))
        return _chain(expr, x, base, lambda u: u ** exponent)
    if not base.has(x):
        if exponent == x:
            return ExpRule(expr, x, expr * sp.log(base))
        return _chain(expr, x, exponent, lambda u: base ** u)
    sub = diff_steps(exponent * sp.log(base), x)
    return GeneralPowerRule(expr, x, expr * sub.result, (sub,))


def _function_steps(expr, x, rule) -> DiffRule:
    arg = expr.args[0]
    if arg == x:
        derivative = _OUTER_DERIVATIVES.get(expr.func, lambda u: None)(x)
        if derivative is None:
            derivative = sp.diff(expr, x)
        return rule(expr, x, derivative)
    return _chain(expr, x, arg, lambda u: expr.func(u, *expr.args[1:]))


def _chain(expr, x, inner, outer) -> ChainRule:
    u = _fresh_u(expr)
    outer_step = diff_steps(outer(u), u)
    inner_step = diff_steps(inner, x)
    result = outer_step.result.subs(u, inner) * inner_step.result
    return ChainRule(expr, x, result, (outer_step, inner_step), u=u, inner=inner)


# ------------------------------------------------------------------ readable forms

def _sigmoid_form(expr):
    """e^(−u)/(1 + e^(−u))² and friends → σ(u)·(1 − σ(u)), when that is what ``expr`` is."""
    for e in expr.atoms(sp.exp):
        u = -e.args[0]
        candidate = sigmoid(u) * (1 - sigmoid(u))
        t = sp.Dummy("t", positive=True)
        closed = candidate.rewrite(sp.exp)
        diff = (expr - closed).subs({sp.exp(-u): t, sp.exp(u): 1 / t})
        if not diff.has(sp.exp) and sp.cancel(sp.together(diff)) == 0:
            return candidate
    return None


def readable(expr):
    """A tidy equivalent of ``expr`` from targeted rewrites (never a blanket simplify)."""
    if expr.count_ops() > 300:
        return expr
    sig = _sigmoid_form(expr) if expr.has(sp.exp) else None
    if sig is not None:
        return sig
    best, best_ops = expr, expr.count_ops()
    pulled = sp.factor_terms(expr)
    coeff, rest = pulled.as_coeff_Mul()
    if (expr.is_Add and coeff not in (1, -1) and rest.is_Add and not expr.is_polynomial()
            and pulled.count_ops() <= best_ops):
        return pulled                     # 2 − 2tanh²(u) → 2·(1 − tanh²(u)): the rule's form, scaled
    candidates = [pulled, sp.cancel(expr)]
    if expr.is_polynomial() or expr.is_rational_function():
        candidates.append(sp.factor(expr))
    for cand in candidates:
        ops = cand.count_ops()
        if ops <= best_ops - 2:
            best, best_ops = cand, ops
    return best


# ------------------------------------------------------------------ public API

def to_expr(value, variables=None):
    """A sympy expression from a string (read with calcai.parse) or a sympy object."""
    if isinstance(value, str):
        from .parser import parse

        return parse(value, variables)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from .evaluate import exact

        return exact(value)
    if isinstance(value, sp.Basic):
        return value
    from fractions import Fraction

    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    raise TypeError(f"an expression must be a string or a sympy object, not {type(value).__name__}")


def to_symbol(value, expr=None):
    """A Symbol from a name or a Symbol; a name matches the expression's symbol of that name."""
    if isinstance(value, sp.Symbol):
        return value
    if isinstance(value, str):
        from .parser import check_variable_name

        check_variable_name(value)
        if expr is not None:
            for s in expr.free_symbols:
                if s.name == value:
                    return s
        return sp.Symbol(value, real=True)
    raise TypeError(f"a variable must be a name or a Symbol, not {type(value).__name__}")


def sole_variable(expr, purpose="differentiate"):
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if len(symbols) == 1:
        return symbols[0]
    from .errors import CalcaiError

    if not symbols:
        return sp.Symbol("x", real=True)
    names = ", ".join(s.name for s in symbols)
    raise CalcaiError(f"the expression has several variables ({names}); say which to {purpose} by (wrt=...)")


@dataclass(frozen=True)
class Derivation(Walkthrough):
    """d^order(expr)/d(wrt)^order with its rule tree(s); ``steps`` is the root of the last one."""

    expr: sp.Expr
    wrt: sp.Symbol
    order: int
    result: sp.Expr
    trees: tuple          # one rule tree per order

    @property
    def steps(self) -> DiffRule:
        return self.trees[-1]

    @property
    def title(self) -> str:
        from .render.text import math_text

        return f"Differentiate {math_text(self.expr)} with respect to {math_text(self.wrt)}"

    @property
    def sections(self) -> tuple:
        if self.order == 1:
            return (Section("Rules", self.trees),)
        return tuple(Section(f"Derivative {k}", (tree,)) for k, tree in enumerate(self.trees, 1))

    @property
    def final(self) -> tuple:
        return (Equation(derivative_label(self.expr, self.wrt, self.order), self.result),)

    def at(self, point):
        """The derivative's exact value at ``point`` ({x: 0} or {"x": 0})."""
        from .evaluate import evaluate_at

        return evaluate_at(self.result, point)


def derivative_label(expr, wrt, order=1) -> sp.Derivative:
    """d^n/dx^n [expr], unevaluated: each renderer writes it in its own notation."""
    return sp.Derivative(expr, (wrt, order), evaluate=False)


def _substitute(node, old, new):
    """The same tree with the symbol ``old`` written as ``new`` everywhere."""
    swap = {old: new}
    changes = dict(expr=node.expr.xreplace(swap), wrt=node.wrt.xreplace(swap),
                   result=node.result.xreplace(swap),
                   substeps=tuple(_substitute(s, old, new) for s in node.substeps))
    if isinstance(node, ChainRule):
        changes["inner"] = node.inner.xreplace(swap)
    if isinstance(node, RewriteRule):
        changes["before"] = node.before.xreplace(swap)
    return replace(node, **changes)


def _name_inner_functions(tree, avoid: set):
    """Give every chain rule in the tree its own letter (u, v, w, …), so that one walkthrough
    never says u = e^(x²) and later u = x²."""
    def letters():
        for name in ("u", "v", "w", "s", "q", "p", "r"):
            yield name
        k = 1
        while True:
            yield f"u{k}"
            k += 1

    fresh = (sp.Symbol(n, real=True) for n in letters() if n not in avoid)

    def rename(node):
        if isinstance(node, ChainRule):
            u = next(fresh)
            outer, inner = node.substeps
            outer = rename(_substitute(outer, node.u, u))
            return replace(node, u=u, substeps=(outer, rename(inner)))
        return replace(node, substeps=tuple(rename(s) for s in node.substeps))

    return rename(tree)


def derive_tree(expr, x) -> DiffRule:
    """The rule tree of d(expr)/dx, topped by a rewrite node when a tidier form exists."""
    tree = _name_inner_functions(diff_steps(expr, x), {s.name for s in expr.free_symbols})
    tidy = readable(tree.result)
    if tidy != tree.result:
        tree = RewriteRule(expr, x, tidy, (tree,), before=tree.result)
    return tree


def derive(expr, wrt=None, order: int = 1) -> Derivation:
    """Differentiate step by step: ``derive("x^3 + 2x^2 + 5").result == 3x² + 4x``."""
    expr = to_expr(expr)
    x = to_symbol(wrt, expr) if wrt is not None else sole_variable(expr)
    if not isinstance(order, int) or order < 1:
        raise ValueError("order must be a whole number ≥ 1")
    limit = _limits.current().max_order
    if order > limit:
        raise LimitError(f"derivative order {order} is larger than the limit {limit} (limit max_order)")
    trees, current = [], expr
    for _ in range(order):
        tree = derive_tree(current, x)
        trees.append(tree)
        current = tree.result
    return Derivation(expr, x, order, current, tuple(trees))


def walk(tree):
    """Every node of a rule tree, parents before children."""
    yield tree
    for sub in tree.substeps:
        yield from walk(sub)
