"""Buggy rules: a derivation re-derived with one classic mistake applied at one node.

``variants(tree)`` takes a rule tree of calcai.differentiation (``derive(...).trees[-1]``)
and returns one ``Variant`` per mistake it knows how to make at each node, the mutated
derivative recombined up the tree by the rules' own formulas:

- ``missing_chain_factor``: at a chain rule d/dx f(u) = f'(u)·du/dx, the factor du/dx left out;
- ``product_rule_term_missing``: at a product rule f'g + fg', one of the two terms left out;
- ``quotient_rule_sign``: at a quotient rule, f'g + fg' (or fg' − f'g) on top instead of f'g − fg';
- ``power_rule_exponent``: at a power rule, n·xⁿ (or n·xⁿ⁺¹) instead of n·xⁿ⁻¹;
- ``sign_error``: at a trigonometric or hyperbolic rule, the derivative with the wrong sign
  (d/dx cos x = sin x).

Only one mistake is made at a time, so a tree of n nodes gives at most a few n variants;
the walk stops after ``MAX_NODES`` nodes and ``MAX_VARIANTS`` variants. A variant equal to
the right derivative as written (a chain factor of 1) is left out. Each variant's ``step``
names the node in words ("in the chain rule at u = x² + 1, the factor du/dx = 2x is
missing"). The engine is not changed: the tree is read, never re-derived.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..differentiation import (ChainRule, ConstantMultipleRule, ExpandRule, GeneralPowerRule,
                               HyperbolicRule, PowerRule, ProductRule, QuotientRule,
                               ReciprocalTrigRule, RewriteRule, SumRule, TrigRule, product, substitute)

__all__ = ["Variant", "variants", "MAX_NODES", "MAX_VARIANTS"]

MAX_NODES = 200
MAX_VARIANTS = 80


@dataclass(frozen=True)
class Variant:
    """The derivative as it comes out with ``mistake`` made at one step (``step`` says where)."""

    mistake: str
    result: sp.Expr
    step: str


def _t(expr) -> str:
    from ..render.text import math_text

    return math_text(expr)


def _d(x) -> str:
    return f"d/d{_t(x)}"


def _own(node) -> list:
    """(mistake, mutated result of this node, words) for the mistakes made at ``node`` itself."""
    x = node.wrt
    out = []
    if isinstance(node, ChainRule):
        outer, inner = node.substeps
        factor = inner.result
        if factor != 1 and factor != 0:
            u = node.u
            out.append(("missing_chain_factor", substitute(outer.result, u, node.inner),
                        f"in the chain rule at {_t(u)} = {_t(node.inner)}, the factor "
                        f"d{_t(u)}/d{_t(x)} = {_t(factor)} is missing"))
    elif isinstance(node, ProductRule):
        (df, dg), f, g = (s.result for s in node.substeps), node.substeps[0].expr, node.substeps[1].expr
        both = f"in the product rule for f·g with f = {_t(f)} and g = {_t(g)}"
        if dg != 0:
            out.append(("product_rule_term_missing", product(df, g),
                        f"{both}, the term f·g′ = {_t(product(f, dg))} is missing"))
        if df != 0:
            out.append(("product_rule_term_missing", product(f, dg),
                        f"{both}, the term f′·g = {_t(product(df, g))} is missing"))
    elif isinstance(node, QuotientRule):
        top, bottom = node.substeps
        f, g, df, dg = top.expr, bottom.expr, top.result, bottom.result
        both = f"in the quotient rule for f/g with f = {_t(f)} and g = {_t(g)}, the numerator must be f′g − fg′"
        out.append(("quotient_rule_sign", product(df * g + f * dg, g ** -2), f"{both}, not f′g + fg′"))
        out.append(("quotient_rule_sign", product(f * dg - df * g, g ** -2), f"{both}, not fg′ − f′g"))
    elif isinstance(node, PowerRule):
        base, n = node.expr.args
        if n != 1 and n != 0:
            right = _t(node.result)
            for wrong_exponent in (n, n + 1):
                wrong = product(n, base ** wrong_exponent)
                out.append(("power_rule_exponent", wrong,
                            f"in the power rule for {_t(node.expr)}, the exponent must drop by one: "
                            f"{_d(x)} {_t(node.expr)} = {right}, not {_t(wrong)}"))
    elif isinstance(node, (TrigRule, ReciprocalTrigRule, HyperbolicRule)) and not node.substeps:
        out.append(("sign_error", -node.result,
                    f"the sign of {_d(x)} {_t(node.expr)} is wrong: it is {_t(node.result)}, "
                    f"not {_t(-node.result)}"))
    return out


def _recombine(node, i: int, r):
    """``node``'s result with substep ``i``'s result replaced by ``r`` (None: not a rule whose
    result is rebuilt from its substeps' results)."""
    results = [s.result for s in node.substeps]
    results[i] = r
    if isinstance(node, SumRule):
        return sp.Add(*results)
    if isinstance(node, ConstantMultipleRule):
        return product(node.expr / node.substeps[0].expr, r)
    if isinstance(node, ProductRule):
        f, g = (s.expr for s in node.substeps)
        return product(results[0], g) + product(f, results[1])
    if isinstance(node, QuotientRule):
        f, g = (s.expr for s in node.substeps)
        return product(results[0] * g - f * results[1], g ** -2)
    if isinstance(node, ChainRule):
        return product(substitute(results[0], node.u, node.inner), results[1])
    if isinstance(node, (RewriteRule, ExpandRule)):
        return r                                    # the same derivative, written another way
    if isinstance(node, GeneralPowerRule):
        return product(node.expr, r)
    return None


def variants(tree) -> list:
    """Every single-mistake re-derivation of ``tree``, in the order of the tree (parents first)."""
    seen = [0]

    def walk(node) -> list:
        seen[0] += 1
        if seen[0] > MAX_NODES:
            return []
        out = list(_own(node))
        for i, sub in enumerate(node.substeps):
            for mistake, r, words in walk(sub):
                rebuilt = _recombine(node, i, r)
                if isinstance(node, ChainRule) and i == 0 and f"{_t(node.u)} = " not in words:
                    words = f"{words} (with {_t(node.u)} = {_t(node.inner)})"
                if rebuilt is not None:
                    out.append((mistake, rebuilt, words))
            if len(out) >= MAX_VARIANTS:
                break
        return out[:MAX_VARIANTS]

    found, kept = walk(tree), []
    for mistake, r, words in found:
        if r != tree.result:
            kept.append(Variant(mistake, r, words))
    return kept
