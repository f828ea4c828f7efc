"""Plain-Python numbers for the numeric solvers: exact Fractions where possible, floats otherwise.

A sympy expression is compiled once with ``sympy.lambdify`` into a plain-Python callable.
When it is a rational function with rational coefficients it is also compiled for
``fractions.Fraction`` arguments, so an optimiser on a polynomial with exact inputs gives
exactly 0.62, not 0.6199999999999997. Fractions that grow past ``MAX_DIGITS`` digits are
turned into floats so long runs stay fast; a float run that overflows raises ``MathError``.

Also here: conversion between sympy numbers and plain numbers, and ``show`` / ``fmt``, which
write the working lines of a walkthrough ("0 − 0.1·(−4)") in the tutorial's notation.
"""

from __future__ import annotations

import decimal
import math
import re
from fractions import Fraction
from numbers import Number

import sympy
from sympy.printing.pycode import PythonCodePrinter
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from . import limits
from .errors import LimitError, MathError
from .inputs import as_sympy, exact
from .functions import numeric_namespace
from .parser import GREEK

MAX_DIGITS = 200          # a Fraction with a longer numerator or denominator becomes a float
_MAX_SIZE = 10 ** MAX_DIGITS


# ---------------------------------------------------------------- compiling

def is_rational_function(expr, variables) -> bool:
    """True when ``expr`` is built from ``variables`` and rational numbers by + − × ÷ and integer powers."""
    allowed = set(variables)

    def ok(node) -> bool:
        if node.is_Symbol:
            return node in allowed
        if node.is_Rational:
            return True
        if node.is_Add or node.is_Mul:
            return all(ok(a) for a in node.args)
        if node.is_Pow:
            return node.exp.is_Integer and ok(node.base)
        return False

    return ok(as_sympy(expr))


class _FractionPrinter(PythonCodePrinter):
    """Python code in which rational constants stay exact: 1/10 -> Fraction(1, 10)."""

    def _print_Rational(self, expr):
        return f"Fraction({expr.p}, {expr.q})"


def _lambdify(variables, exprs, exact: bool):
    if exact:
        return sympy.lambdify(variables, exprs, modules=[{"Fraction": Fraction}, "math"],
                              printer=_FractionPrinter)
    return sympy.lambdify(variables, exprs, modules=[numeric_namespace(), "math"])


class Compiled:
    """Expressions compiled once: called with a list of Fractions (exact, when every expression
    is a rational function with rational coefficients) or of floats, returns a list of the same kind."""

    def __init__(self, exprs, variables):
        self.exprs = tuple(e if isinstance(e, sympy.Basic) else exact(e) for e in exprs)
        self.variables = tuple(variables)
        self.exact = all(is_rational_function(e, self.variables) for e in self.exprs)
        self._float = _lambdify(self.variables, list(self.exprs), exact=False)
        self._exact = _lambdify(self.variables, list(self.exprs), exact=True) if self.exact else None

    def __call__(self, values) -> list:
        if self.exact and all(isinstance(v, (Fraction, int)) for v in values):
            return [Fraction(r) for r in self._exact(*values)]
        out = self._float(*(float(v) for v in values))
        if any(isinstance(r, complex) for r in out):
            raise ValueError("the value is complex")
        return [float(r) for r in out]


def compile_expr(expr, variables):
    """``expr`` as a callable of the values of ``variables`` (Fractions for exact results, or floats)."""
    compiled = Compiled([expr], variables)
    return lambda *values: compiled(values)[0]


def compile_gradient(expr, variables) -> Compiled:
    """The gradient of ``expr`` (one partial derivative per variable) compiled once."""
    return Compiled([sympy.diff(expr, v) for v in variables], variables)


# ---------------------------------------------------------------- numbers

def is_exact(value) -> bool:
    """A rational number: int, Fraction or sympy Rational."""
    return isinstance(value, (int, Fraction)) or (isinstance(value, sympy.Basic) and value.is_Rational)


def to_fraction(value) -> Fraction:
    if isinstance(value, sympy.Basic):
        return Fraction(int(value.p), int(value.q))
    return Fraction(value)


def to_float(value, what: str = "value") -> float:
    """A real number (sympy, Fraction, int, float) as a float; MathError if it is not one."""
    if isinstance(value, bool):
        raise MathError(f"{what} must be a number, not {value!r}")
    if isinstance(value, Number) and not isinstance(value, complex):
        return float(value)
    try:
        v = as_sympy(value)
    except (sympy.SympifyError, TypeError):
        raise MathError(f"{what} must be a number, not {value!r}") from None
    if not v.is_number:
        raise MathError(f"{what} must be a number, not the expression {v}")
    n = v.evalf(17)
    if not n.is_real:
        raise MathError(f"{what} must be a real number, not {v}")
    return float(n)


def plain(values, exact: bool | None = None) -> tuple[list, bool]:
    """Numbers as plain Python ones: all Fractions when all are rational (and ``exact`` allows), else floats."""
    values = list(values)
    if exact is None:
        exact = all(is_exact(v) for v in values)
    if exact:
        return [to_fraction(v) for v in values], True
    return [to_float(v) for v in values], False


def as_int(value, what: str, minimum: int = 0) -> int:
    """A whole number ≥ ``minimum`` from a field (int or sympy Integer)."""
    if isinstance(value, sympy.Basic) and value.is_Integer:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise MathError(f"{what} must be a whole number ≥ {minimum}, not {value}")
    return value


def count_within_limit(value, what: str, limit: str, minimum: int = 0) -> int:
    """A whole-number field checked against ``calcai.limits`` (LimitError past the limit)."""
    n = as_int(value, what, minimum)
    cap = getattr(limits.current(), limit)
    if n > cap:
        raise LimitError(f"{what} = {n} is more than the limit {cap} (limit {limit})")
    return n


def to_sympy(value):
    """A plain number as a sympy number: Rational for exact values, Float(…, 15) for floats."""
    if isinstance(value, (Fraction, int)) and not isinstance(value, bool):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        return sympy.Float(value, 15)
    return value


def to_sympy_nested(value):
    """``to_sympy`` on every number inside lists and dicts."""
    if isinstance(value, list):
        return [to_sympy_nested(v) for v in value]
    if isinstance(value, dict):
        return {k: to_sympy_nested(v) for k, v in value.items()}
    return to_sympy(value)


def too_big(value) -> bool:
    return isinstance(value, Fraction) and (abs(value.numerator) >= _MAX_SIZE or value.denominator >= _MAX_SIZE)


def shrink(values) -> tuple[list, bool]:
    """Keep Fractions while they are small; switch all to floats once one passes MAX_DIGITS digits.
    Returns (values, still_exact). OverflowError if a value is too large for a float."""
    if any(too_big(v) for v in values):
        return [float(v) for v in values], False
    return list(values), all(isinstance(v, Fraction) for v in values)


# ---------------------------------------------------------------- long tables

TABLE_HEAD, TABLE_TAIL = 20, 10      # rows kept at each end of a long table


def table_rows(records: list, row) -> tuple:
    """``row(t, record)`` for every record (t from 1), or only for the first TABLE_HEAD and the
    last TABLE_TAIL around a '…' row when there are many; rows not shown are never built."""
    n = len(records)
    if n <= TABLE_HEAD + TABLE_TAIL + 5:
        return tuple(row(t, r) for t, r in enumerate(records, 1))
    head = [row(t, records[t - 1]) for t in range(1, TABLE_HEAD + 1)]
    tail = [row(t, records[t - 1]) for t in range(n - TABLE_TAIL + 1, n + 1)]
    return tuple(head) + (tuple("…" for _ in head[0]),) + tuple(tail)


# ---------------------------------------------------------------- points and names

def name_of(var) -> str:
    return var if isinstance(var, str) else var.name


def problem_variables(problem, expr) -> list:
    """The problem's variables as the Symbols of ``expr`` (matched by name)."""
    given = problem.fields.get("vars") or problem.variables
    free = {s.name: s for s in expr.free_symbols}
    if not given:
        return sorted(free.values(), key=lambda s: s.name)
    return [free.get(name_of(v), sympy.Symbol(name_of(v), real=True)) for v in given]


def point_values(point: dict, variables, what: str = "point") -> list:
    """The values of ``point`` (keys Symbols or names) in the order of ``variables``."""
    by_name = {name_of(k): v for k, v in point.items()}
    missing = [name_of(v) for v in variables if name_of(v) not in by_name]
    if missing:
        raise MathError(f"{what} gives no value for {', '.join(missing)}")
    return [by_name[name_of(v)] for v in variables]


def symbols_for(point: dict, expr) -> dict:
    """``point`` keyed by the Symbols of ``expr`` (matching by name) so it can be substituted."""
    symbols = {s.name: s for s in as_sympy(expr).free_symbols}
    return {symbols.get(name_of(k), sympy.Symbol(name_of(k), real=True)): as_sympy(v)
            for k, v in point.items()}


_SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sub(text) -> str:
    """Subscript digits: sub(12) == '₁₂'."""
    return str(text).translate(_SUB)


def sup(text) -> str:
    """Superscript digits: sup(12) == '¹²'."""
    return str(text).translate(_SUP)


# ---------------------------------------------------------------- working lines

MINUS = "−"


def _decimal_places(q: int) -> int | None:
    """How many decimal places 1/q needs, or None when its expansion does not terminate."""
    places = {2: 0, 5: 0}
    for p in places:
        while q % p == 0:
            q //= p
            places[p] += 1
    return max(places.values()) if q == 1 else None


def _terminates(q: int) -> bool:
    return _decimal_places(q) is not None


def _decimal(value: Fraction, digits: int) -> str:
    """A rational as a decimal: exact when it terminates within 12 places, else ``digits`` significant."""
    places = _decimal_places(value.denominator)
    if places is not None and places <= 12 and (value == 0 or Fraction(1, 10 ** 4) <= abs(value) < 10 ** 15):
        if places == 0:
            return str(value.numerator)
        scaled = abs(value.numerator) * 10 ** places // value.denominator
        whole, frac = divmod(scaled, 10 ** places)
        text = f"{whole}.{str(frac).rjust(places, '0').rstrip('0')}".rstrip(".")
        return ("-" if value < 0 else "") + text
    if 1e-300 < abs(value) < 1e300 or value == 0:
        return _sig(float(value), digits)
    with decimal.localcontext() as ctx:                # beyond the range of floats
        ctx.prec = digits
        exact = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
        mantissa, exp = f"{exact:.{digits - 1}e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"


def _sig(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "∞" if value > 0 else "-∞" if value < 0 else "nan"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}e{int(exp)}"
    return text


def fmt(value, digits: int = 6) -> str:
    """A number for a working line: 0.4, −22.6667, 1.2e308; expressions via ``show``."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (Fraction, int)):
        text = _decimal(Fraction(value), digits)
    elif isinstance(value, float):
        text = _sig(value, digits)
    elif isinstance(value, sympy.Basic) and value.is_Rational:
        text = _decimal(to_fraction(value), digits)
    elif isinstance(value, sympy.Basic) and value.is_Float:
        text = _sig(float(value), digits)
    else:
        return show(value, digits)
    return text.replace("-", MINUS)


def factor(value, digits: int = 6) -> str:
    """``fmt`` in brackets when negative, for use inside a product: 0.1·(−4)."""
    text = fmt(value, digits)
    return f"({text})" if text.startswith(MINUS) else text


class _WorkingPrinter(StrPrinter):
    """sympy expressions in the tutorial's notation: 2·x − 4, π, e, x^2, w₁, decimals for rationals.
    Symbols listed in ``values`` print as their numbers, which writes a substitution out."""

    def __init__(self, digits: int = 6, values: dict | None = None, fractions: bool = False):
        super().__init__()
        self.digits = digits
        self.values = values or {}
        self.fractions = fractions

    def parenthesize(self, item, level, strict=False):
        if isinstance(item, sympy.Symbol) and item in self.values:
            value = as_sympy(self.values[item])
            text = self._print_value(value)
            if value.is_Number and value >= 0 and "/" not in text:
                return text
            p = precedence(value)
            return f"({text})" if p < level or (not strict and p <= level) else text
        if isinstance(item, sympy.Basic) and item.is_Number and item >= 0:
            text = self._print(item)
            if "/" not in text:
                return text
        return super().parenthesize(item, level, strict)

    def _print_value(self, value):
        """A substituted value, printed without substituting again."""
        return _WorkingPrinter(self.digits, None, self.fractions)._print(value)

    def _print_Symbol(self, expr):
        if expr in self.values:
            return self._print_value(as_sympy(self.values[expr]))
        return pretty_name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Rational(self, expr):
        if self.fractions and not _terminates(int(expr.q)):
            return f"{expr.p}/{expr.q}"
        return _decimal(to_fraction(expr), self.digits)

    def _print_Integer(self, expr):
        return str(expr.p)

    def _print_Float(self, expr):
        return _sig(float(expr), self.digits)

    def _print_Pi(self, expr):
        return "π"

    def _print_Exp1(self, expr):
        return "e"

    def _print_ImaginaryUnit(self, expr):
        return "i"

    def _print_Infinity(self, expr):
        return "∞"

    def _print_NegativeInfinity(self, expr):
        return "-∞"

    def _print_sigmoid(self, expr):
        return f"σ({self._print(expr.args[0])})"


_GREEK_LETTERS = {name: letter for letter, name in GREEK.items() if name != "pi"}


def pretty_name(name: str) -> str:
    """A variable name as the tutorial writes it: w1 -> w₁, sigma -> σ, x_2 -> x₂."""
    m = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name)
    base, digits = (m.group(1), m.group(2)) if m else (name, "")
    return _GREEK_LETTERS.get(base, base) + sub(digits)


def show(expr, digits: int = 6, values: dict | None = None, fractions: bool = False) -> str:
    """A sympy expression (or plain number) as one line of working: 2·x − 4, π·(−1), sin(π).
    With ``values`` ({Symbol: number}) the numbers are written in place of the symbols: 2·0.4 − 4.
    Rationals print as decimals (−22.6667), or with ``fractions`` as 16/3 unless they terminate."""
    if isinstance(expr, (Fraction, int, float)) and not isinstance(expr, bool):
        return fmt(expr, digits)
    text = _WorkingPrinter(digits, values, fractions).doprint(as_sympy(expr))
    text = text.replace("**", "^").replace("*", "·")
    text = re.sub(r"\^(\d+)(?![\d.])", lambda m: sup(m.group(1)), text)   # x^2 -> x²
    return re.sub(r"(?<![\w.])-", MINUS, text)           # ASCII minus signs -> −
