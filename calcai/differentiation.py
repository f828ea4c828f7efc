"""Differentiation as a tree of named rules, each node a small dataclass.

Every node holds the expression it differentiates (``expr``), the variable (``wrt``), its
derivative (``result``) and the derivations it used (``substeps``). The tree is sound by
construction and by test: for every node, ``result == diff(expr, wrt)``. Where no named
rule applies the node says so (rule ``sympy``) and still holds sympy's derivative.

Results are readable by construction, not tidied afterwards: a number in front of a sum stays
there (2·(1 − tanh²(2x)), not 2 − 2tanh²(2x)); 1/(1 + e^(−u)) is recognised as σ(u) where it
is differentiated; a polynomial in σ(u) or tanh(u) is differentiated through u = σ(u), so
higher derivatives come out as σ(1 − σ)·P(σ) and (1 − tanh²)·Q(tanh). Every subtree is derived
once per process (memoised on the expression and the variable), so gradients, Hessians and
higher orders share their work. Only small results get a cheap tidy-up (``readable``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import ClassVar

import sympy as sp
from sympy.core.mul import _keep_coeff

from . import limits as _limits
from .errors import LimitError
from .functions import (
    elu, gelu, gelu_tanh, leaky_relu, log2, log10, mish, normal_cdf, normal_pdf, relu, selu, sigmoid,
    silu, softplus, softsign, swish,
)
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
class LogBaseRule(DiffRule):
    """d/dx log_b(x) = 1/(x·ln b): log₂ and log₁₀ are ln(x)/ln(b)"""
    rule = "log_base"
    formula = "d/dx log_b x = 1/(x·ln b)"


@dataclass(frozen=True)
class TrigRule(DiffRule):
    """sin' = cos, cos' = −sin, tan' = 1 + tan²"""
    rule = "trig"
    formula = "d/dx sin x = cos x,  d/dx cos x = −sin x,  d/dx tan x = 1 + tan² x"


@dataclass(frozen=True)
class ReciprocalTrigRule(DiffRule):
    """sec' = sec·tan, csc' = −csc·cot, cot' = −csc²"""
    rule = "reciprocal_trig"
    formula = "d/dx sec x = sec x·tan x,  d/dx csc x = −csc x·cot x,  d/dx cot x = −csc² x"


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
class InverseHyperbolicRule(DiffRule):
    """arsinh' = 1/√(x²+1), arcosh' = 1/√(x²−1), artanh' = 1/(1−x²)"""
    rule = "inverse_hyperbolic"
    formula = "d/dx arsinh x = 1/√(x² + 1),  d/dx arcosh x = 1/√(x² − 1),  d/dx artanh x = 1/(1 − x²)"


@dataclass(frozen=True)
class ErfRule(DiffRule):
    """erf'(x) = 2/√π·e^(−x²), erfc' = −erf'"""
    rule = "erf"
    formula = "d/dx erf x = 2/√π·e^(−x²),  d/dx erfc x = −2/√π·e^(−x²)"


@dataclass(frozen=True)
class NormalRule(DiffRule):
    """Φ'(x) = φ(x), φ'(x) = −x·φ(x) (the standard normal distribution and density)"""
    rule = "normal"
    formula = "d/dx Φ(x) = φ(x),  d/dx φ(x) = −x·φ(x),  φ(x) = e^(−x²/2)/√(2π)"


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
class GeluRule(DiffRule):
    """GELU'(x) = Φ(x) + x·φ(x), from GELU(x) = x·Φ(x)"""
    rule = "gelu"
    formula = "d/dx GELU(x) = Φ(x) + x·φ(x)"


@dataclass(frozen=True)
class GeluTanhRule(DiffRule):
    """GELU_tanh(x) = x/2·(1 + tanh u), u = √(2/π)(x + 0.044715x³): (1 + tanh u)/2 + x(1 − tanh² u)·u'/2"""
    rule = "gelu_tanh"
    formula = "d/dx x/2·(1 + tanh u) = (1 + tanh u)/2 + x·(1 − tanh² u)·u'/2,  u = √(2/π)·(x + 0.044715x³)"


@dataclass(frozen=True)
class SiluRule(DiffRule):
    """SiLU'(x) = σ(x)·(1 + x·(1 − σ(x))), from SiLU(x) = x·σ(x)"""
    rule = "silu"
    formula = "d/dx SiLU(x) = σ(x)·(1 + x·(1 − σ(x)))"


@dataclass(frozen=True)
class SwishRule(DiffRule):
    """d/dx swish(x, β) = σ(βx)·(1 + βx·(1 − σ(βx))), from swish(x, β) = x·σ(βx)"""
    rule = "swish"
    formula = "d/dx swish(x, β) = σ(βx)·(1 + βx·(1 − σ(βx)))"


@dataclass(frozen=True)
class MishRule(DiffRule):
    """mish'(x) = tanh(softplus(x)) + x·σ(x)·(1 − tanh²(softplus(x)))"""
    rule = "mish"
    formula = "d/dx mish(x) = tanh(softplus(x)) + x·σ(x)·(1 − tanh²(softplus(x)))"


@dataclass(frozen=True)
class SoftsignRule(DiffRule):
    """softsign'(x) = 1/(1 + |x|)²"""
    rule = "softsign"
    formula = "d/dx softsign(x) = 1/(1 + |x|)²"


@dataclass(frozen=True)
class EluRule(DiffRule):
    """ELU'(x) = 1 if x > 0, else α·eˣ"""
    rule = "elu"
    formula = "d/dx ELU(x) = 1 if x > 0, else α·eˣ"


@dataclass(frozen=True)
class SeluRule(DiffRule):
    """SELU'(x) = λ₀₁ if x > 0, else λ₀₁·α₀₁·eˣ"""
    rule = "selu"
    formula = "d/dx SELU(x) = λ₀₁ if x > 0, else λ₀₁·α₀₁·eˣ"


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
class ExpandRule(DiffRule):
    """d/du p(u) for a polynomial written as a product: expand p first, then term by term
    (``before``: the derivative as the terms give it, when ``result`` is its factored form)."""
    rule = "expand"
    formula = "expand the polynomial, then d/du Σ aₖuᵏ = Σ k·aₖuᵏ⁻¹"
    expanded: sp.Expr = None
    before: sp.Expr = None


@dataclass(frozen=True)
class SympyRule(DiffRule):
    """No named rule applies: sympy's derivative, stated as such."""
    rule = "sympy"
    formula = "computed by sympy (no named rule)"


# ------------------------------------------------------------------ building results

_TRIG = (sp.sin, sp.cos, sp.tan)
_RECIPROCAL_TRIG = (sp.sec, sp.csc, sp.cot)
_INVERSE_TRIG = (sp.asin, sp.acos, sp.atan)
_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh)
_INVERSE_HYPERBOLIC = (sp.asinh, sp.acosh, sp.atanh)
_FUNCTION_RULES = (
    (sp.exp, ExpRule), (sp.log, LogRule), ((log2, log10), LogBaseRule), (_TRIG, TrigRule),
    (_RECIPROCAL_TRIG, ReciprocalTrigRule), (_INVERSE_TRIG, InverseTrigRule),
    (_HYPERBOLIC, HyperbolicRule), (_INVERSE_HYPERBOLIC, InverseHyperbolicRule),
    ((sp.erf, sp.erfc), ErfRule), ((normal_cdf, normal_pdf), NormalRule),
    (sigmoid, SigmoidRule), (relu, ReluRule), (leaky_relu, LeakyReluRule), (softplus, SoftplusRule),
    (gelu, GeluRule), (gelu_tanh, GeluTanhRule), (silu, SiluRule), (swish, SwishRule), (mish, MishRule),
    (softsign, SoftsignRule), (elu, EluRule), (selu, SeluRule), (sp.Abs, AbsRule),
)
# f'(u) in textbook form where sympy's own differs (the activations' fdiff is already textbook)
_OUTER_DERIVATIVES = {
    sp.tanh: lambda u: 1 - sp.tanh(u) ** 2,
    sp.tan: lambda u: 1 + sp.tan(u) ** 2,
    sp.sec: lambda u: sp.sec(u) * sp.tan(u),
    sp.csc: lambda u: -sp.csc(u) * sp.cot(u),
    sp.cot: lambda u: -sp.csc(u) ** 2,
    sp.asinh: lambda u: 1 / sp.sqrt(u ** 2 + 1),
    sp.acosh: lambda u: 1 / sp.sqrt(u ** 2 - 1),
    sp.atanh: lambda u: 1 / (1 - u ** 2),
    sp.erf: lambda u: 2 * sp.exp(-u ** 2) / sp.sqrt(sp.pi),
    sp.erfc: lambda u: -2 * sp.exp(-u ** 2) / sp.sqrt(sp.pi),
}
_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=_CACHE_SIZE)
def symbols_of(expr) -> frozenset:
    """The free symbols of ``expr``, memoised for every subexpression (``has`` walks the tree)."""
    if expr.is_Symbol:
        return frozenset((expr,))
    if not expr.args:
        return frozenset()
    if expr.is_Add or expr.is_Mul or expr.is_Pow or isinstance(expr, sp.Function):
        return frozenset().union(*(symbols_of(a) for a in expr.args))
    return frozenset(expr.free_symbols)


@lru_cache(maxsize=_CACHE_SIZE)
def size(expr) -> int:
    """The number of nodes of ``expr``'s tree (memoised): a cheap measure before costly tidying."""
    return 1 + sum(size(a) for a in expr.args if isinstance(a, sp.Basic))


@lru_cache(maxsize=_CACHE_SIZE)
def _functions_in(expr) -> frozenset:
    """The function classes applied anywhere in ``expr`` (memoised like ``symbols_of``)."""
    if not expr.args:
        return frozenset()
    inner = frozenset().union(*(_functions_in(a) for a in expr.args if isinstance(a, sp.Basic)))
    return inner | {expr.func} if isinstance(expr, sp.Function) else inner


def product(*factors):
    """f·g·… with the number in front kept outside a sum: 2·(1 − tanh²(u)), not 2 − 2tanh²(u)."""
    coeff, rest = sp.S.One, []
    for f in factors:
        c, r = f.as_coeff_Mul()
        coeff *= c
        rest.append(r)
    body = sp.Mul(*rest)
    c, body = body.as_coeff_Mul()
    coeff *= c
    if coeff.is_zero:
        return sp.S.Zero
    return _keep_coeff(coeff, body)


def substitute(expr, u, inner):
    """``expr`` with the symbol ``u`` replaced by ``inner``, products rebuilt with ``product``."""
    if expr == u:
        return inner
    if not expr.args or u not in symbols_of(expr):
        return expr
    args = [substitute(a, u, inner) for a in expr.args]
    return product(*args) if expr.is_Mul else expr.func(*args)


@lru_cache(maxsize=4096)
def _ordered_terms(expr) -> tuple:
    """The terms of a sum in printed order (memoised: a gradient asks once per variable)."""
    return tuple(expr.as_ordered_terms())


# ------------------------------------------------------------------ rule selection

def _fresh_u(expr) -> sp.Symbol:
    names = {s.name for s in symbols_of(expr)}
    for name in ("u", "v", "w", "s", "q"):
        if name not in names:
            return sp.Symbol(name, real=True)
    return sp.Dummy("u", real=True)


@lru_cache(maxsize=_CACHE_SIZE)
def diff_steps(expr, x) -> DiffRule:
    """The rule tree of d(expr)/dx (memoised: a subtree met again is not derived again)."""
    if x not in symbols_of(expr):
        return ConstantRule(expr, x, sp.S.Zero)
    if expr == x:
        return VariableRule(expr, x, sp.S.One)
    atom = _polynomial_atom(expr, x)
    if atom is not None:
        return _chain(expr, x, atom, None)
    if expr.is_Add:
        return _sum_steps(expr, x)
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


def _sum_steps(expr, x) -> DiffRule:
    """Term by term, in printed order; three or more constant terms are one 'constant' step."""
    terms = _ordered_terms(expr)
    constant = [t for t in terms if x not in symbols_of(t)]
    subs = []
    if len(constant) >= 3:
        lumped = sp.Add(*constant)
        subs = [diff_steps(t, x) for t in terms if x in symbols_of(t)] + [ConstantRule(lumped, x, sp.S.Zero)]
    else:
        subs = [diff_steps(t, x) for t in terms]
    return SumRule(expr, x, sp.Add(*(s.result for s in subs)), tuple(subs))


def _mul_steps(expr, x) -> DiffRule:
    coeff = sp.Mul(*(f for f in expr.args if x not in symbols_of(f)))
    if coeff != 1:
        rest = sp.Mul(*(f for f in expr.args if x in symbols_of(f)))
        sub = diff_steps(rest, x)
        return ConstantMultipleRule(expr, x, product(coeff, sub.result), (sub,))
    numer, denom = _fraction(expr)
    if denom != 1 and x in symbols_of(denom) and x in symbols_of(numer):
        top, bottom = diff_steps(numer, x), diff_steps(denom, x)
        result = product(top.result * denom - numer * bottom.result, denom ** -2)
        return QuotientRule(expr, x, result, (top, bottom))
    first, *others = expr.as_ordered_factors()
    second = sp.Mul(*others)
    f, g = diff_steps(first, x), diff_steps(second, x)
    return ProductRule(expr, x, product(f.result, second) + product(first, g.result), (f, g))


def _fraction(expr) -> tuple:
    """(numerator, denominator) of a product as written: factors with a negative number as
    exponent go below the line; e^(−x) stays a factor (sympy's ``fraction`` would move it)."""
    top, bottom = [], []
    for f in expr.args:
        if f.is_Pow and f.exp.is_Number and f.exp.is_negative:
            bottom.append(f.base ** -f.exp)
        else:
            top.append(f)
    return sp.Mul(*top), sp.Mul(*bottom)


def _pow_steps(expr, x) -> DiffRule:
    base, exponent = expr.args
    if x not in symbols_of(exponent):
        if base == x:
            return PowerRule(expr, x, product(exponent, x ** (exponent - 1)))
        node = _chain(expr, x, base, lambda u: u ** exponent)
        return _as_sigmoid(expr, node) or node
    if x not in symbols_of(base):
        if exponent == x:
            return ExpRule(expr, x, product(expr, sp.log(base)))
        return _chain(expr, x, exponent, lambda u: base ** u)
    sub = diff_steps(exponent * sp.log(base), x)
    return GeneralPowerRule(expr, x, product(expr, sub.result), (sub,))


def _function_steps(expr, x, rule) -> DiffRule:
    arg = expr.args[0]
    if any(x in symbols_of(a) for a in expr.args[1:]):     # ELU(x, x²): no one-variable rule
        return SympyRule(expr, x, sp.diff(expr, x))
    if arg == x:
        derivative = _OUTER_DERIVATIVES.get(expr.func, lambda u: None)(x)
        if derivative is None:
            derivative = sp.diff(expr, x)
        return rule(expr, x, derivative)
    return _chain(expr, x, arg, lambda u: expr.func(u, *expr.args[1:]))


def _chain(expr, x, inner, outer) -> DiffRule:
    """d/dx f(u) = f'(u)·du/dx; ``outer`` builds f(u) from u (None: ``expr`` is a polynomial in
    ``inner``, written with u in its place)."""
    u = _fresh_u(expr)
    if outer is None:
        outer_step = _polynomial_steps(expr.xreplace({inner: u}), u)
    else:
        outer_step = diff_steps(outer(u), u)
    inner_step = diff_steps(inner, x)
    result = product(substitute(outer_step.result, u, inner), inner_step.result)
    return ChainRule(expr, x, result, (outer_step, inner_step), u=u, inner=inner)


def _polynomial_steps(p, u) -> DiffRule:
    """d/du p(u) for a polynomial p: expanded first when written as a product, the result factored."""
    expanded = sp.expand(p)
    if expanded != p:
        sub = diff_steps(expanded, u)
        tidy = _factored(sub.result, u)
        return ExpandRule(p, u, tidy, (sub,), expanded=expanded, before=None if tidy == sub.result else sub.result)
    node = diff_steps(p, u)
    tidy = _factored(node.result, u)
    return node if tidy == node.result else RewriteRule(p, u, tidy, (node,), before=node.result)


def _factored(poly_expr, u):
    """A polynomial in u as a textbook leaves it: its factors over ℚ, each with a positive
    constant term where it has one ((1 − 2u), not −(2u − 1)); unchanged when it does not factor."""
    if not poly_expr.is_Add:
        return poly_expr
    coeff, factors = sp.factor_list(poly_expr, u)
    if len(factors) == 1 and factors[0][1] == 1 and coeff == 1:
        return poly_expr
    flip = [i for i, (f, k) in enumerate(factors) if f.as_coeff_add()[0].is_negative]
    sign = (-1) ** sum(factors[i][1] for i in flip)
    if coeff.is_positive and sign < 0:     # keep a positive number in front: 2(3u² − 1)
        odd = [i for i in flip if factors[i][1] % 2]
        flip.remove(odd[-1])
        sign = -sign
    parts = [(-f if i in flip else f) ** k for i, (f, k) in enumerate(factors)]
    return product(coeff * sign, *parts)


def _polynomial_atom(expr, x):
    """σ(g) or tanh(g) when ``expr`` depends on x only through it and is a polynomial in it with
    two or more terms or factors that contain it: such an expression is differentiated through
    u = σ(g) (or tanh(g)), so its derivative is again a tidy polynomial times σ' (or tanh')."""
    if not (expr.is_Add or expr.is_Mul):
        return None
    found = _functions_in(expr)
    if sigmoid not in found and sp.tanh not in found:
        return None
    atoms = {a for a in expr.atoms(sigmoid, sp.tanh) if x in symbols_of(a)}
    if len(atoms) != 1:
        return None
    atom = atoms.pop()
    if sum(1 for a in expr.args if a.has(atom)) < 2:
        return None
    t = sp.Dummy("t")
    p = expr.xreplace({atom: t})
    if x in p.free_symbols or not p.is_polynomial(t):
        return None
    return atom


def _as_sigmoid(expr, chain):
    """1/(1 + e^(−g)) is σ(g): its chain-rule derivative e^(−g)·g'/(1 + e^(−g))² is rewritten
    to σ(g)·(1 − σ(g))·g', the tutorial's form."""
    base, exponent = expr.args
    if exponent != -1 or not base.is_Add or len(base.args) != 2 or sp.S.One not in base.args:
        return None
    e = next(a for a in base.args if a != 1)
    if not isinstance(e, sp.exp):
        return None
    g = -e.args[0]
    s = sigmoid(g)
    x = chain.wrt
    result = product(s, 1 - s, diff_steps(g, x).result)
    return RewriteRule(expr, x, result, (chain,), before=chain.result)


# ------------------------------------------------------------------ readable forms

READABLE_MAX_OPS = 40
READABLE_MAX_SIZE = 120       # tree nodes: larger results are not even measured


def readable(expr):
    """A tidier equivalent of a small result, from cheap targeted rewrites: a polynomial collected
    (2(x + 2y) + 6(3x + 4y) → 20x + 28y), a number pulled in front of a sum (2 − 2tanh²(u) →
    2·(1 − tanh²(u))), a small rational function cancelled. Results of more than
    ``READABLE_MAX_OPS`` operations are left as the rules built them."""
    if not expr.is_Add and not expr.is_Mul:
        return expr
    if expr.is_Mul and _functions_in(expr) & {sigmoid, sp.tanh}:
        return expr                       # σ(1 − σ)·P(σ), (1 − tanh²)·Q(tanh): built in textbook form
    if size(expr) > READABLE_MAX_SIZE:
        return expr
    ops = expr.count_ops()
    if ops > READABLE_MAX_OPS:
        return expr
    if expr.is_polynomial():
        candidates = [sp.expand(expr), sp.factor(expr)]
    else:
        pulled = sp.factor_terms(expr)
        coeff, rest = pulled.as_coeff_Mul()
        if expr.is_Add and coeff not in (1, -1) and rest.is_Add and pulled.count_ops() <= ops:
            return pulled                 # the rule's form, scaled
        candidates = [pulled]
        if expr.is_rational_function():   # cancel and factor only where they are cheap and exact
            candidates += [sp.cancel(expr), sp.factor(expr)]
    best = min(candidates, key=sp.count_ops)      # the first of the shortest
    return best if best.count_ops() <= ops - 2 else expr


# ------------------------------------------------------------------ trees as shown

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
        """The derivative's exact value at ``point`` ({x: 0} or {"x": 0}); NotDifferentiable
        (a MathError) at a kink, such as |x| at 0 (calcai.differentiability)."""
        from .differentiability import derivative_value
        from .inputs import point_map

        return derivative_value(self, point_map(point, self.expr))[0]


def derivative_label(expr, wrt, order=1) -> sp.Derivative:
    """d^n/dx^n [expr], unevaluated: each renderer writes it in its own notation."""
    return sp.Derivative(expr, (wrt, order), evaluate=False)


_SYMBOL_FIELDS = ("inner", "before", "expanded")


def _substitute(node, old, new):
    """The same tree with the symbol ``old`` written as ``new`` everywhere."""
    changes = dict(expr=substitute(node.expr, old, new), wrt=substitute(node.wrt, old, new),
                   result=substitute(node.result, old, new),
                   substeps=tuple(_substitute(s, old, new) for s in node.substeps))
    for name in _SYMBOL_FIELDS:
        value = getattr(node, name, None)
        if value is not None:
            changes[name] = substitute(value, old, new)
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
        if not node.substeps:
            return node
        return replace(node, substeps=tuple(rename(s) for s in node.substeps))

    return rename(tree)


@lru_cache(maxsize=_CACHE_SIZE)
def derivative(expr, x):
    """d(expr)/dx as the walkthrough states it (the rule tree's result, tidied when small)."""
    return readable(diff_steps(expr, x).result)


@lru_cache(maxsize=4096)
def derive_tree(expr, x) -> DiffRule:
    """The rule tree of d(expr)/dx as shown: chain rules lettered u, v, …, topped by a rewrite
    node when a tidier form of the result exists."""
    tree = _name_inner_functions(diff_steps(expr, x), {s.name for s in symbols_of(expr)})
    tidy = derivative(expr, x)
    if tidy != tree.result:
        tree = RewriteRule(expr, x, tidy, (tree,), before=tree.result)
    return tree


def derive(expr, x, order: int = 1) -> Derivation:
    """d^order(expr)/dx^order step by step (``expr`` a sympy expression, ``x`` a Symbol)."""
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
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
