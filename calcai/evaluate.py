"""Exact evaluation at a point, with a sentence instead of zoo, nan or a complex surprise."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from .errors import MathError


def exact(value):
    """An exact sympy number from a Python number: 0.1 becomes 1/10 (via its shortest repr)."""
    if isinstance(value, bool):
        raise TypeError("a number is expected, not a boolean")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MathError(f"{value} is not a finite number")
        return sp.Rational(repr(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, sp.Basic):
        return value
    raise TypeError(f"a number is expected, not {type(value).__name__}")


def point_map(point, expr=None) -> dict:
    """``{Symbol: exact number}`` from a point given by names or Symbols."""
    from .differentiation import to_expr, to_symbol

    result = {}
    for key, value in dict(point).items():
        sym = to_symbol(key, expr)
        result[sym] = to_expr(value) if not isinstance(value, (int, float)) else exact(value)
    return result


def describe_point(point: dict) -> str:
    """'x = 3, λ = 5': names as printed in maths, values as a textbook writes them."""
    from .render.text import math_text, value_text

    return ", ".join(f"{math_text(s)} = {value_text(v)}" for s, v in point.items())


def evaluate_at(expr, point):
    """``expr`` at ``point``, exactly; a MathError that explains when there is no real value."""
    values = point_map(point, expr)
    try:
        value = expr.subs(values)
    except (ZeroDivisionError, ValueError) as err:
        raise MathError(f"{expr} is undefined at {describe_point(values)}: {err}") from None
    if value.has(sp.zoo, sp.nan) or value in (sp.oo, -sp.oo):
        raise MathError(_undefined_message(expr, values, describe_point(values)))
    if value.free_symbols:
        return value
    if value.has(sp.Piecewise):
        value = sp.piecewise_fold(value)
    numeric = sp.N(value, 15)
    if numeric.has(sp.zoo, sp.nan):
        raise MathError(_undefined_message(expr, values, describe_point(values)))
    if not numeric.is_real:
        if numeric.is_real is None and numeric.as_real_imag()[1] == 0:
            return value
        raise MathError(f"the value of {expr} at {describe_point(values)} is complex ({sp.N(value, 4)}); a real number was expected")
    return value


def _undefined_message(expr, values, where) -> str:
    """Undefined: say whether the limit exists there (a removable singularity) and give it."""
    if len(values) == 1:
        (sym, at), = values.items()
        try:
            left = sp.limit(expr, sym, at, dir="-")
            right = sp.limit(expr, sym, at, dir="+")
        except (NotImplementedError, ValueError, TypeError):
            left = right = None
        if left is not None and left == right and left.is_finite:
            return (f"{expr} is undefined at {where} (0/0), but the singularity is removable: "
                    f"the limit there is {left}")
    return f"{expr} is undefined at {where} (division by zero or a logarithm of 0)"
