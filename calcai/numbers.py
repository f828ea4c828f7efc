"""Numbers that read like a textbook: ``300``, ``0.62``, ``8/3 ≈ 2.667``, ``7√2 ≈ 9.899``.

Exact values keep their exact form and gain a short decimal; decimals are rounded to a few
significant digits (half up, as by hand) with trailing zeros trimmed, so 0.1-based float
noise (``0.6199999999999997``) never shows. Decimals of irrational values come from sympy's
``evalf`` on the exact value, never from float arithmetic.

Only the standard library is imported at module level; sympy is imported when a sympy value
is actually formatted, so importing this module stays cheap. Text with exact forms
(``format_number``) is written by calcai.render.text, which imports this module, never the
other way round.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from fractions import Fraction
from typing import Any, NamedTuple

UNDEFINED = "undefined"
INFINITY = "∞"
MAX_EXACT_CHARS = 30          # an exact form longer than this is replaced by its decimal
MAX_PLAIN_DIGITS = 30         # integers with more digits print as a rounded decimal
MAX_TERMINATING_DIGITS = 10   # a terminating rational with more digits prints as a fraction
EVALF_MAXN = 4_000            # working precision (bits) evalf may reach for a decimal: the difference
                              # of two close numbers (a Taylor error of 10⁻¹⁷⁰) keeps its digits


class NumberParts(NamedTuple):
    """How a number is shown: an exact form (a sympy object, or None when the decimal says it
    all) and a decimal string (None when the exact form says it all); ``approximate`` is True
    when the decimal is rounded from the exact value (shown after ≈)."""

    exact: Any
    decimal: str | None
    approximate: bool


# ---------------------------------------------------------------- decimals

def _context(digits: int) -> decimal.Context:
    return decimal.Context(prec=max(1, digits), rounding=decimal.ROUND_HALF_UP,
                           Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")


def format_decimal(value, digits: int = 4) -> str:
    """A finite decimal (a ``Decimal`` or a decimal string such as ``'1.1049e-6'``) rounded to
    ``digits`` significant digits, half up, trailing zeros trimmed: ``0.5744``, ``-0.5``,
    ``12346`` (no digits dropped before the point), ``1.105e-06``, ``2.766e+1167``."""
    text = str(value).strip()
    if text.lower() in ("nan", "-nan", "+nan"):
        return UNDEFINED
    if text.lower().lstrip("+-") in ("inf", "infinity"):
        return ("-" if text.startswith("-") else "") + INFINITY
    m = _DECIMAL.fullmatch(text)
    if not m or not (m.group(2) or m.group(3)):
        raise ValueError(f"not a decimal number: {text!r}")
    sign = "-" if m.group(1) == "-" else ""
    whole, frac = m.group(2) or "", m.group(3) or ""
    coefficient = (whole + frac).lstrip("0")
    if not coefficient:
        return "0"
    exponent = int(m.group(4) or 0) - len(frac)          # value = coefficient · 10^exponent
    digits = max(1, int(digits))
    # round the coefficient to `digits` significant digits (the exponent stays a Python int)
    r = _context(digits).plus(decimal.Decimal(coefficient)).as_tuple()
    sig = "".join(map(str, r.digits)).rstrip("0") or "0"
    adjusted = exponent + r.exponent + len(r.digits) - 1   # power of ten of the leading digit
    if adjusted < -4 or adjusted >= 15:
        mantissa = sig[0] + ("." + sig[1:] if len(sig) > 1 else "")
        return f"{sign}{mantissa}e{'-' if adjusted < 0 else '+'}{abs(adjusted):02d}"
    exact = decimal.Decimal(f"{coefficient}E{exponent}")
    if adjusted >= digits:                                # 12345.678 -> 12346, not 1.235e+04
        whole_number = exact.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP,
                                      context=_context(adjusted + 2))
        return sign + format(whole_number, "f")
    rounded = _context(digits).plus(exact)
    return sign + _trim(format(rounded, "f"))


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _decimal_of_float(value: float) -> str:
    return repr(value)                       # the shortest repr: 2.675 stays 2.675


def _decimal_of_sympy_float(value) -> str:
    """The digits of a sympy Float, e.g. '1.1049000000000000007e-6' (any exponent size)."""
    from mpmath.libmp import to_str

    return to_str(value._mpf_, max(15, int(getattr(value, "_prec", 53) * 0.30103) + 1))


# ---------------------------------------------------------------- classification

def _is_sympy(value) -> bool:
    return _is_sympy_type(type(value))


@functools.lru_cache(maxsize=None)
def _is_sympy_type(cls) -> bool:
    """A sympy class, or a subclass of one defined elsewhere (calcai's σ and ReLU: σ(1/2) is a
    number)."""
    return any(c.__module__.startswith("sympy") for c in cls.__mro__)


def is_numeric(value) -> bool:
    """True for Python numbers (not bool) and sympy numbers with no free symbols.

    Unevaluated calculus (an Integral or Derivative of a constant) is not a number here:
    evaluating it would be computing, not formatting.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, complex, Fraction, decimal.Decimal)):
        return True
    if not _is_sympy(value):
        return False
    from sympy import Derivative, Expr, Integral, Limit, Product, Sum

    if not isinstance(value, Expr) or getattr(value, "is_Matrix", False):
        return False
    try:
        if not value.is_number:
            return False
    except (TypeError, AttributeError):          # pragma: no cover - defensive
        return False
    return value.is_Atom or not value.has(Integral, Derivative, Limit, Sum, Product)


def _terminating_decimal(p: int, q: int) -> str | None:
    """p/q as an exact decimal string when it terminates within MAX_TERMINATING_DIGITS digits."""
    twos = fives = 0
    r = q
    while r % 2 == 0:
        r //= 2
        twos += 1
    while r % 5 == 0:
        r //= 5
        fives += 1
    if r != 1:
        return None
    places = max(twos, fives)
    if places > 60:
        return None
    scaled = abs(p) * (10 ** places) // q     # exact: q divides p·10^places
    body = str(scaled).rjust(places + 1, "0")
    significant = body.lstrip("0").rstrip("0")
    if len(significant) > MAX_TERMINATING_DIGITS:
        return None
    text = body[: len(body) - places] + ("." + body[len(body) - places:] if places else "")
    return ("-" if p < 0 else "") + _trim(text)


def _format_int(n: int, digits: int) -> NumberParts:
    if n.bit_length() <= 10_000 and len(str(abs(n))) <= MAX_PLAIN_DIGITS:
        return NumberParts(None, str(n), False)
    # huge: a rounded decimal (str(n) would also hit Python's int-to-str digit limit)
    from sympy import Integer, N

    return NumberParts(None, format_decimal(_decimal_of_sympy_float(N(Integer(n), digits + 5)), digits), True)


def _complex_text(re_text: str, im_text: str) -> str:
    if im_text in ("0", "-0"):
        return re_text
    sign = "-" if im_text.startswith("-") else "+"
    magnitude = im_text.lstrip("-")
    imag = "i" if magnitude == "1" else f"{magnitude}i"
    if re_text in ("0", "-0"):
        return ("-" if sign == "-" else "") + imag
    return f"{re_text} {sign} {imag}"


# ---------------------------------------------------------------- sympy values

def _sympy_parts(value, digits: int) -> NumberParts:
    from sympy import Float, I, Integer, Rational, S, nan, oo, zoo

    if value is nan or value is zoo or value.has(nan, zoo):
        return NumberParts(None, UNDEFINED, False)
    if value is oo:
        return NumberParts(None, INFINITY, False)
    if value is S.NegativeInfinity:
        return NumberParts(None, "-" + INFINITY, False)
    if isinstance(value, Integer):
        return _format_int(int(value), digits)
    if isinstance(value, Rational):
        text = _terminating_decimal(int(value.p), int(value.q))
        if text is not None:
            return NumberParts(None, text, False)
        return NumberParts(value, _evalf_text(value, digits), True)
    if isinstance(value, Float):
        if not value.is_finite:
            return NumberParts(None, UNDEFINED if value != value else
                               ("-" if value < 0 else "") + INFINITY, False)
        return NumberParts(None, format_decimal(_decimal_of_sympy_float(value), digits), False)
    if value.has(I) or value.is_extended_real is False:
        re_, im_ = value.as_real_imag()
        if re_.is_Rational and im_.is_Rational:
            re_parts, im_parts = _sympy_parts(re_, digits), _sympy_parts(im_, digits)
            if re_parts.exact is None and im_parts.exact is None:
                return NumberParts(None, _complex_text(re_parts.decimal, im_parts.decimal), False)
    decimal_text = _evalf_text(value, digits)
    if decimal_text is None:
        return NumberParts(value, None, False)
    if decimal_text in (UNDEFINED, INFINITY, "-" + INFINITY):
        return NumberParts(None, decimal_text, False)
    return NumberParts(value, decimal_text, True)


def _evalf_text(value, digits: int) -> str | None:
    """The decimal of an exact sympy number from evalf, or None when evalf gives no number."""
    from sympy import N, nan, oo, zoo

    try:
        v = N(value, digits + 5, maxn=EVALF_MAXN)
    except (TypeError, ValueError, ArithmeticError, RecursionError, MemoryError):
        return None
    if v is nan or v is zoo:
        return UNDEFINED
    if v is oo or v == -oo:
        return ("-" if v == -oo else "") + INFINITY
    if v.is_Float or v.is_Integer or v.is_Rational:
        return _real_text(v, digits)
    if not v.is_number or v.free_symbols:
        return None
    re_, im_ = v.as_real_imag()
    if not (re_.is_Number and im_.is_Number):
        return None
    # rounding noise of evalf: a part far below the other one is zero
    if im_ != 0 and re_ != 0 and abs(im_) < abs(re_) * 10 ** -(digits + 3):
        im_ = 0 * im_
    elif im_ != 0 and re_ != 0 and abs(re_) < abs(im_) * 10 ** -(digits + 3):
        re_ = 0 * re_
    return _complex_text(_real_text(re_, digits), _real_text(im_, digits))


def _real_text(v, digits: int) -> str:
    if v.is_Integer:
        return _format_int(int(v), digits).decimal
    if v.is_Rational:
        return format_decimal(_context(digits + 10).divide(decimal.Decimal(int(v.p)),
                                                          decimal.Decimal(int(v.q))), digits)
    if not v.is_finite:
        return UNDEFINED if v != v else ("-" if v < 0 else "") + INFINITY
    return format_decimal(_decimal_of_sympy_float(v), digits)


# ---------------------------------------------------------------- public

def number_parts(value, digits: int = 4) -> NumberParts:
    """Split a number into what a renderer shows: exact form and/or decimal (see NumberParts).

    Renderers combine them in their own notation (``format_number`` for text; the LaTeX
    renderer with ``\\approx``).
    """
    if isinstance(value, bool):
        return NumberParts(None, str(value), False)
    if isinstance(value, int):
        return _format_int(value, digits)
    if isinstance(value, float):
        if math.isnan(value):
            return NumberParts(None, UNDEFINED, False)
        if math.isinf(value):
            return NumberParts(None, ("-" if value < 0 else "") + INFINITY, False)
        return NumberParts(None, format_decimal(_decimal_of_float(value), digits), False)
    if isinstance(value, complex):
        re_ = number_parts(value.real, digits).decimal
        im_ = number_parts(value.imag, digits).decimal
        if UNDEFINED in (re_, im_):
            return NumberParts(None, UNDEFINED, False)
        return NumberParts(None, _complex_text(re_, im_), False)
    if isinstance(value, decimal.Decimal):
        return NumberParts(None, format_decimal(value, digits), False)
    if isinstance(value, Fraction):
        from sympy import Rational

        return _sympy_parts(Rational(value.numerator, value.denominator), digits)
    if _is_sympy(value) and is_numeric(value):
        return _sympy_parts(value, digits)
    return NumberParts(value, None, False)      # not a number: the caller prints it as is


def approx(value, digits: int = 4) -> str:
    """Only the decimal of a number: ``approx(Rational(8, 3)) == '2.667'``, ``approx(300) == '300'``."""
    exact, dec, _ = number_parts(value, digits)
    return dec if dec is not None else str(exact)


__all__ = ["approx", "number_parts", "NumberParts", "format_decimal", "is_numeric"]
