"""The boundary: what a user hands calcai (text, names, Python numbers) made into sympy objects, once.

The public API (calcai.api) and the problem loader convert here; the engine modules below them
(differentiation, multivariable, series, optimize, integrals, evaluate) take sympy objects only.
Text is read by calcai.parse, never evaluated.
"""

from __future__ import annotations

import re
from fractions import Fraction

import sympy as sp

from . import limits as _limits
from .errors import CalcaiError, LimitError, MathError


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


def as_sympy(value):
    """A sympy object from a sympy object or a Python number (floats stay floats); never from a
    string — text is read only by calcai.parse."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise TypeError(f"a number or sympy object is expected, not {type(value).__name__}")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        return sp.Float(value, 15)
    if isinstance(value, complex):
        return sp.Float(value.real, 15) + sp.I * sp.Float(value.imag, 15)
    raise TypeError(f"a number or sympy object is expected, not {type(value).__name__}")


def to_expr(value, variables=None):
    """A sympy expression from a string (read with calcai.parse), a Python number or a sympy object."""
    if isinstance(value, str):
        from .parser import parse

        return parse(value, variables)
    if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        return exact(value)
    if isinstance(value, sp.Basic):
        return value
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


def point_map(point, expr=None) -> dict:
    """``{Symbol: exact number}`` from a point given by names or Symbols."""
    result = {}
    for key, value in dict(point).items():
        sym = to_symbol(key, expr)
        result[sym] = to_expr(value) if not isinstance(value, (int, float)) else exact(value)
    return result


def sole_variable(expr, purpose: str = "differentiate"):
    """The one variable of ``expr`` (x when it has none); an error naming them when there are several."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if len(symbols) == 1:
        return symbols[0]
    if not symbols:
        return sp.Symbol("x", real=True)
    names = ", ".join(s.name for s in symbols)
    raise CalcaiError(f"the expression has several variables ({names}); say which to {purpose} by (wrt=...)")


def natural_key(symbol):
    """w2 before w10: names compared with their digit runs as numbers."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", symbol.name)]


def resolve_vars(exprs, variables=None) -> tuple:
    """The variables to differentiate by: as given (names or Symbols), else all free symbols
    in natural order (w1, w2, …, w10); at most ``max_variables`` of them."""
    if variables is None:
        free = set().union(*(e.free_symbols for e in exprs))
        symbols = tuple(sorted(free, key=natural_key))
    else:
        if isinstance(variables, (str, sp.Symbol)):
            variables = [v.strip() for v in variables.split(",")] if isinstance(variables, str) else [variables]
        symbols = tuple(to_symbol(v, sp.Tuple(*exprs)) for v in variables)
    limit = _limits.current().max_variables
    if len(symbols) > limit:
        raise LimitError(f"{len(symbols)} variables is more than the limit {limit} (limit max_variables)")
    if not symbols:
        raise CalcaiError("the expression has no variables to differentiate by")
    return symbols


def to_number(value):
    """An exact number from text or a Python number (a bound, a direction component)."""
    return to_expr(value) if not isinstance(value, (int, float)) else exact(value)


def to_constraint(value):
    """A constraint g = 0 as the expression g, from 'x + y = 10', an expression text or sympy."""
    if isinstance(value, str) and "=" in value:
        from .parser import parse_equation

        return parse_equation(value)
    return to_expr(value)


__all__ = ["exact", "as_sympy", "to_expr", "to_symbol", "point_map", "sole_variable", "natural_key",
           "resolve_vars", "to_number", "to_constraint"]
