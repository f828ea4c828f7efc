"""Tests for calcai.numbers: numbers that read like a textbook."""

import decimal
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy as sp

from calcai.numbers import approx, format_decimal, is_numeric, number_parts
from calcai.render.text import format_number

x = sp.Symbol("x", real=True)


@pytest.mark.parametrize("value, expected", [
    # integers print plainly
    (300, "300"),
    (sp.Integer(300), "300"),
    (-6, "−6"),
    (sp.Integer(-6), "−6"),
    (0, "0"),
    # terminating rationals print as their exact decimal
    (sp.Rational(31, 50), "0.62"),
    (sp.Rational(2003, 5000), "0.4006"),
    (sp.Rational(-1, 2), "−0.5"),
    (sp.Rational(64, 25), "2.56"),
    (sp.Rational(1, 1024), "0.0009765625"),
    (Fraction(5, 4), "1.25"),
    # 0.1-based float arithmetic never shows its noise
    (0.1 * 6.2, "0.62"),
    (0.62 - 3e-16, "0.62"),
    (sp.Float(0.1) * sp.Float(6.2), "0.62"),
    (0.1 + 0.2, "0.3"),
    (300.0, "300"),
    (2.675, "2.675"),
    # other exact values: exact form ≈ decimal
    (sp.Rational(8, 3), "8/3 ≈ 2.667"),
    (sp.Rational(-8, 3), "−8/3 ≈ −2.667"),
    (sp.Rational(1, 12), "1/12 ≈ 0.08333"),
    (Fraction(1, 3), "1/3 ≈ 0.3333"),
    (14 / sp.sqrt(2), "7√2 ≈ 9.899"),
    (sp.sqrt(2), "√2 ≈ 1.414"),
    (sp.E, "e ≈ 2.718"),
    (sp.pi, "π ≈ 3.142"),
    (sp.exp(-2), "e^(−2) ≈ 0.1353"),
    (sp.sin(1), "sin(1) ≈ 0.8415"),
    (sp.log(8) / sp.log(2), "ln(8)/ln(2) ≈ 3"),
    (sp.Rational(1, 2**20), "1/1048576 ≈ 9.537e-07"),
    (sp.exp(-sp.Integer(2000)), "e^(−2000) ≈ 2.577e-869"),      # tiny, but not zero
    # a long exact form gives way to its decimal
    (sp.exp(sp.Rational(3, 10)) / (1 + sp.exp(sp.Rational(3, 10))) + sp.sqrt(3) / 1000, "≈ 0.5762"),
    # tiny and huge floats
    (1.1049e-6, "1.105e-06"),
    (sp.Float(1.1049e-6), "1.105e-06"),
    (-2.5e-9, "−2.5e-09"),
    (1e20, "1e+20"),
    (sp.Float("1e500"), "1e+500"),
    (12345.678, "12346"),
    (0.99996, "1"),
    (0.0009765625, "0.0009766"),
    # undefined, infinite, complex
    (sp.nan, "undefined"),
    (sp.zoo, "undefined"),
    (float("nan"), "undefined"),
    (sp.oo, "∞"),
    (-sp.oo, "−∞"),
    (float("inf"), "∞"),
    (1 + 2 * sp.I, "1 + 2i"),
    (1 - sp.I, "1 − i"),
    (sp.I, "i"),
    (complex(1, 2), "1 + 2i"),
    (complex(0.5, -0.25), "0.5 − 0.25i"),
    ((-1) ** sp.Rational(1, 3), "(−1)^(1/3) ≈ 0.5 + 0.866i"),
])
def test_format_number(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize("value, expected", [
    (sp.Rational(8, 3), "2.667"),
    (14 / sp.sqrt(2), "9.899"),
    (300, "300"),
    (sp.Rational(31, 50), "0.62"),
    (sp.oo, "∞"),
    (sp.nan, "undefined"),
    ((-1) ** sp.Rational(1, 3), "0.5 + 0.866i"),
])
def test_approx_is_the_decimal_only(value, expected):
    assert approx(value) == expected


def test_digits():
    assert format_number(sp.pi, digits=2) == "π ≈ 3.1"
    assert format_number(sp.pi, digits=8) == "π ≈ 3.1415927"
    assert approx(sp.Rational(2, 3), digits=6) == "0.666667"
    assert format_number(0.123456789, digits=6) == "0.123457"


def test_decimals_of_irrationals_come_from_evalf_not_floats():
    # 10^20 + √2 − 10^20 is √2 exactly; float arithmetic would give 0
    value = sp.Add(sp.Integer(10) ** 20, sp.sqrt(2), -sp.Integer(10) ** 20, evaluate=False)
    assert approx(value) == "1.414"


def test_exact_only():
    assert format_number(sp.Rational(8, 3), approximate=False) == "8/3"
    assert format_number(sp.Rational(31, 50), approximate=False) == "0.62"


def test_huge_integer_is_rounded_not_printed_in_full():
    assert format_number(sp.Integer(10) ** 40) == "≈ 1e+40"
    assert format_number(sp.Integer(7) ** 5000).startswith("≈ ")   # past Python's int-to-str limit


def test_huge_exponent_from_evalf():
    assert approx(sp.exp(sp.exp(100))).startswith("2.766e+")


def test_non_numbers_fall_back_to_math_text():
    assert format_number(x ** 2) == "x²"
    assert not is_numeric(x)
    assert not is_numeric(True)
    assert not is_numeric(sp.Integral(1, (x, 0, 1)))
    assert is_numeric(sp.sqrt(2)) and is_numeric(2.5) and is_numeric(Fraction(1, 2))


def test_number_parts():
    assert number_parts(sp.Rational(8, 3)) == (sp.Rational(8, 3), "2.667", True)
    assert number_parts(sp.Rational(31, 50)) == (None, "0.62", False)
    assert number_parts(300) == (None, "300", False)


@pytest.mark.parametrize("text, digits, expected", [
    ("0.57444", 4, "0.5744"),
    ("0.00012345", 3, "0.000123"),
    ("0.000012345", 3, "1.23e-05"),
    ("-1.1049e-6", 4, "-1.105e-06"),
    ("2.5", 1, "3"),                 # half up, as by hand
    ("9.9996", 4, "10"),
    ("1e100000000000000000000", 4, "1e+100000000000000000000"),
    ("0", 4, "0"),
])
def test_format_decimal(text, digits, expected):
    assert format_decimal(text, digits) == expected
    if len(text) < 20:
        assert format_decimal(decimal.Decimal(text), digits) == expected


def test_import_is_light():
    code = "import sys, calcai.numbers; print('sympy' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_activations_at_a_number_are_numbers():
    """σ(1/2) is a sympy Function defined in calcai, not in sympy: still a number."""
    from calcai.functions import relu, sigmoid, softplus

    half = sp.Rational(1, 2)
    assert is_numeric(sigmoid(half)) and is_numeric(softplus(sp.Integer(1)))
    assert format_number(sigmoid(half)) == "σ(1/2) ≈ 0.6225"
    assert format_number(sigmoid(half), 8) == "σ(1/2) ≈ 0.62245933"
    assert format_number(relu(sp.sqrt(2))) == "√2 ≈ 1.414"
    assert not is_numeric(sigmoid(x))


def test_the_decimal_of_a_difference_of_close_numbers_keeps_its_digits():
    """e − (a 60-term partial sum of Σ 1/k!): evalf needs ~300 bits more than asked for."""
    partial = sum(sp.Rational(1, sp.factorial(k)) for k in range(60))
    tail = sum(sp.Rational(1, sp.factorial(k)) for k in range(60, 80))
    assert approx(sp.E - partial) == approx(tail) == f"{float(tail):.3e}"


def test_json_keeps_tiny_numbers():
    from calcai.render.jsonout import to_jsonable

    assert to_jsonable(sp.exp(-60)) == pytest.approx(float(sp.exp(-60).evalf(30)), rel=1e-14)   # was 0.0
    assert to_jsonable(1 + sp.I * sp.exp(-60)) == 1.0     # a complex value: chopped, as before
    assert to_jsonable(1 + sp.I) == "1 + I"
