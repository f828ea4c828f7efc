"""Exact evaluation at a point, with a sentence instead of zoo, nan or a complex surprise.

Points are ``{Symbol: sympy number}`` (calcai.inputs.point_map makes them from user input)."""

from __future__ import annotations

import sympy as sp

from .errors import MathError


def describe_point(point: dict) -> str:
    """'x = 3, λ = 5': names as printed in maths, values as a textbook writes them."""
    from .render.text import math_text, value_text

    def pair(symbol, value):
        text = value_text(value)
        return f"{math_text(symbol)} {text}" if text.startswith("≈ ") else f"{math_text(symbol)} = {text}"

    return ", ".join(pair(s, v) for s, v in point.items())


def evaluate_at(expr, values: dict):
    """``expr`` at the point ``values`` ({Symbol: number}), exactly; a MathError that explains
    when there is no real value."""
    value = expr.xreplace(values)
    if _undefined(value, expr):
        raise MathError(undefined_message(expr, values))
    if value.free_symbols:
        return value
    if value.has(sp.DiracDelta):                 # |x|'' = 2δ(x) at 0: a kink, no value there
        from .render.text import math_text

        shown = math_text(expr).replace("DiracDelta", "δ")
        raise MathError(f"{shown} is undefined at {describe_point(values)}: the function has a kink or "
                        "jump there, so this derivative does not exist (a Dirac delta)")
    if value.has(sp.Piecewise):
        value = sp.piecewise_fold(value)
    numeric = sp.N(value, 15)
    if numeric.has(sp.zoo, sp.nan):
        raise MathError(undefined_message(expr, values))
    if numeric.is_real is False or (numeric.is_real is None and sp.im(numeric) != 0):
        from .render.text import math_text

        raise MathError(f"the value of {math_text(expr)} at {describe_point(values)} is complex "
                        f"({math_text(sp.N(value, 4))}); a real number was expected")
    return value


def _undefined(value, expr) -> bool:
    return value.has(sp.zoo, sp.nan) or (value.is_infinite is True and not expr.has(sp.oo))


def undefined_message(expr, values) -> str:
    """Say which operation breaks at the point and, for one variable, whether a limit exists."""
    from .render.text import math_text

    where = f"{math_text(expr)} is undefined at {describe_point(values)}"
    culprit = next((node for node in sp.postorder_traversal(expr)
                    if isinstance(node, sp.Basic) and _undefined(node.xreplace(values), node)), expr)
    value = culprit.xreplace(values)
    reason = ("is log(0)" if isinstance(culprit, sp.log) else
              "takes the form 0/0 or ∞ − ∞" if value.has(sp.nan) else "divides by zero")
    message = f"{where}: {math_text(culprit)} {reason}"
    limit = _two_sided_limit(expr, values)
    if limit is not None:
        message += f"; the singularity is removable: the limit there is {math_text(limit)}"
    return message


def _two_sided_limit(expr, values):
    """The limit at a one-variable point when both sides agree and it is finite, else None."""
    if len(values) != 1 or expr.count_ops() > 60:
        return None
    (sym, at), = values.items()
    try:
        left = sp.limit(expr, sym, at, dir="-")
        right = sp.limit(expr, sym, at, dir="+")
    except (NotImplementedError, ValueError, TypeError):
        return None
    return left if left == right and left.is_finite else None
