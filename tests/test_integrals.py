"""Integrals over the real numbers: odd roots read as real roots, no complex answers, ln|u|
antiderivatives, the F(b) − F(a) working line, limits at infinite bounds, activations, and the
numerical check behind every definite answer. Expected values are computed independently with
sympy (substitutions onto positive variables, or sympy's own definite integration)."""

import math

import pytest
import sympy as sp

import calcai
from calcai import integrals
from calcai.errors import MathError
from calcai import integrate
from calcai.integrals import IntegralStep
from calcai.solution import Equation, Text

x = sp.Symbol("x", real=True)
t = sp.Symbol("t", positive=True)


def equations(result):
    return [i for s in result.sections for i in s.items if isinstance(i, Equation)]


def texts(result):
    return [i.text for s in result.sections for i in s.items if isinstance(i, Text)]


def equation(result, lhs):
    found = [e for e in equations(result) if e.lhs == lhs]
    assert found, [e.lhs for e in equations(result)]
    return found[0]


def numeric(expr, a, b):
    return float(sp.Integral(expr, (x, a, b)).evalf(30))


def is_real_number(value):
    return not value.has(sp.I) and abs(complex(sp.N(value)).imag) == 0


# ---------------------------------------------------------------- 1. no complex answers

def test_cube_root_over_negative_numbers_is_real():
    r = integrate("x^(1/3)", "x", (-8, 0))
    expected = -sp.integrate(t ** sp.Rational(1, 3), (t, 0, 8))       # x = −t: ∛x = −∛t
    assert expected == -12
    assert r.result == expected
    assert is_real_number(r.upper_value) and is_real_number(r.lower_value)
    assert r.lower_value == 12 and r.upper_value == 0
    assert any("real root" in s for s in texts(r))
    assert "i" not in str(r).split("Answer")[1].replace("∫ from", "")


def test_fifth_root_across_zero():
    r = integrate("x^(1/5)", "x", (-32, 1))
    expected = -sp.integrate(t ** sp.Rational(1, 5), (t, 0, 32)) + sp.integrate(t ** sp.Rational(1, 5), (t, 0, 1))
    assert r.result == expected == sp.Rational(-105, 2)


def test_even_power_of_an_odd_root():
    r = integrate("x^(2/3)", "x", (-1, 1))
    assert r.result == 2 * sp.integrate(t ** sp.Rational(2, 3), (t, 0, 1)) == sp.Rational(6, 5)


@pytest.mark.parametrize("a, b", [(-1, 1), (-1, 8)])
def test_improper_odd_root_is_real_and_split_at_zero(a, b):
    r = integrate("x^(-1/3)", "x", (a, b))
    expected = -sp.integrate(t ** sp.Rational(-1, 3), (t, 0, -a)) + sp.integrate(t ** sp.Rational(-1, 3), (t, 0, b))
    assert r.result == expected
    assert r.improper and [p.right for p in r.pieces][:1] == [0]
    assert is_real_number(r.result)
    text = str(r)
    assert "lim_{x→0⁻} F(x)" in text and "lim_{x→0⁺} F(x)" in text
    assert "undefined at x = 0 in [−1" in text


def test_integrand_not_real_on_the_interval_is_refused():
    with pytest.raises(MathError, match=r"√x is not a real number at x = −1, inside \[−1, 1\]"):
        integrate("sqrt(x)", "x", (-1, 1))
    with pytest.raises(MathError, match="not a real number"):
        integrate("ln(x)", "x", (-2, -1))


def test_complex_antiderivative_is_refused_not_printed():
    with pytest.raises(MathError, match=r"^no real closed-form antiderivative of e\^\(x³\) was found: "
                                        r"sympy's answer is complex-valued$"):
        integrate("e^(x^3)")
    with pytest.raises(MathError) as err:
        integrate("e^(x^3)", "x", (0, 1))
    message = str(err.value)
    assert "no real closed-form antiderivative" in message
    estimate = float(message.rsplit("≈", 1)[1])
    assert estimate == pytest.approx(numeric(sp.exp(x ** 3), 0, 1), rel=1e-3)


def test_no_definite_answer_is_complex():
    for expr, bounds in [("x^(1/3)", (-8, 0)), ("x^(-1/3)", (-1, 1)), ("1/x", (-2, -1)),
                         ("tan(x)", (2, 3)), ("x^(3/5)", (-2, -1)), ("1/(2x + 1)", (-3, -1))]:
        r = integrate(expr, "x", bounds)
        for value in (r.result, r.upper_value, r.lower_value):
            assert is_real_number(value), (expr, value)
        assert "i·π" not in str(r) and "exp_polar" not in str(r)


# ---------------------------------------------------------------- 2. the F(b) − F(a) line

def test_working_line_brackets_sums():
    r = integrate("e^x + 1", "x", (1, 2))
    line = equation(r, "F(b) − F(a)")
    assert line.via == "(2 + e²) − (1 + e)"
    assert sp.simplify(r.result - sp.integrate(sp.exp(x) + 1, (x, 1, 2))) == 0
    assert "F(b) − F(a) = (2 + e²) − (1 + e) = " in str(r)


def test_infinite_bound_is_a_limit_and_negative_values_are_bracketed():
    r = integrate("x*e^(-x)", "x", (0, sp.oo))
    assert r.result == sp.integrate(x * sp.exp(-x), (x, 0, sp.oo)) == 1
    assert equation(r, "lim_{x→∞} F(x)").rhs == 0
    assert equation(r, "F(0)").rhs == -1
    assert equation(r, "F(b) − F(a)").via == "0 − (−1)"
    text = str(r)
    assert "F(b) − F(a) = 0 − (−1) = 1" in text
    assert "oo" not in text and "F(∞)" not in text
    assert "Answer: ∫[0, ∞] x·e^(−x) dx = 1" in text


def test_both_bounds_infinite():
    r = integrate("e^(-x^2)", "x", (-sp.oo, sp.oo))
    assert r.result == sp.sqrt(sp.pi)
    text = str(r)
    assert "lim_{x→∞} F(x)" in text and "lim_{x→−∞} F(x)" in text and "oo" not in text


def test_improper_heading_writes_infinity():
    r = integrate("sin(x)/x", "x", (0, sp.oo))
    assert r.result == sp.integrate(sp.sin(x) / x, (x, 0, sp.oo)) == sp.pi / 2
    text = str(r)
    assert "undefined at x = 0 in [0, ∞)" in text and "oo" not in text


def test_plain_definite_integrals_unchanged():
    assert integrate("x^2", "x", (0, 2)).result == sp.Rational(8, 3)
    assert integrate("x²", "x", (1, 4)).result == 21
    assert integrate("1/sqrt(x)", "x", (0, 1)).result == 2
    assert integrate("x^2", "x", (2, 0)).result == sp.Rational(-8, 3)


def test_divergent_integrals_are_errors():
    with pytest.raises(MathError, match="the integral of 1/x from -1 to 1 diverges"):
        integrate("1/x", "x", (-1, 1))
    with pytest.raises(MathError, match="diverges"):
        integrate("1/x", "x", (1, sp.oo))
    with pytest.raises(MathError, match=r"diverges: .* as x → π/2⁻"):
        integrate("tan(x)", "x", (0, 3))


# ---------------------------------------------------------------- 3. ln|u|

def _logs_are_of_absolute_values(node):
    for log in node.result.atoms(sp.log):
        assert isinstance(log.args[0], sp.Abs) or log.args[0].is_positive, (node.rule, node.result)
    for sub in node.substeps:
        _logs_are_of_absolute_values(sub)


@pytest.mark.parametrize("text, expected", [
    ("1/x", sp.log(sp.Abs(x))),
    ("tan(x)", -sp.log(sp.Abs(sp.cos(x)))),
    ("1/(2x + 1)", sp.log(sp.Abs(2 * x + 1)) / 2),
    ("2x/(x^2 - 1)", sp.log(sp.Abs(x ** 2 - 1))),
])
def test_antiderivatives_use_absolute_values(text, expected):
    r = integrate(text)
    f = calcai.parse(text)
    assert r.result == expected
    for point in (-3, -sp.Rational(3, 4), sp.Rational(1, 3), 4):                 # F' = f on both sides
        derivative = sp.diff(r.result, x).subs(x, point)
        assert sp.N(derivative - f.subs(x, point)) == pytest.approx(0, abs=1e-12)
        assert is_real_number(r.result.subs(x, point))
    _logs_are_of_absolute_values(r.steps)
    assert any("ln|u|" in s for s in texts(r))


def test_definite_integral_of_reciprocal_on_the_negative_side():
    r = integrate("1/x", "x", (-2, -1))
    expected = -sp.integrate(1 / t, (t, 1, 2))                 # x = −t
    assert r.result == expected == -sp.log(2)
    assert r.upper_value == 0 and r.lower_value == sp.log(2)
    assert "i·π" not in str(r) and not r.lower_value.has(sp.I)


def test_tan_where_cos_is_negative():
    r = integrate("tan(x)", "x", (2, 3))
    assert sp.N(r.result - (sp.log(-sp.cos(2)) - sp.log(-sp.cos(3)))) == pytest.approx(0, abs=1e-15)
    assert float(r.result) == pytest.approx(numeric(sp.tan(x), 2, 3), rel=1e-12)


def test_linear_log_argument_on_the_negative_side():
    r = integrate("1/(2x + 1)", "x", (-3, -1))
    assert sp.simplify(r.result + sp.log(5) / 2) == 0
    assert float(r.result) == pytest.approx(numeric(1 / (2 * x + 1), -3, -1), rel=1e-12)


# ---------------------------------------------------------------- 4. activations

def test_sigmoid_integrates_to_softplus():
    r = integrate("σ(x)")
    assert sp.simplify(r.result - sp.log(1 + sp.exp(x))) == 0
    assert r.result == sp.log(sp.exp(x) + 1)
    closed = 1 / (1 + sp.exp(-x))
    assert sp.simplify(sp.diff(r.result, x) - closed) == 0
    assert r.rewritten == closed
    assert any("softplus(x)" in s for s in texts(r))


def test_relu_definite_integral():
    r = integrate("relu(x)", "x", (-1, 2))
    assert r.result == sp.integrate(sp.Max(0, x), (x, -1, 2)) == 2
    assert r.steps.rule == "piecewise"


def test_relu_and_leaky_relu_antiderivatives():
    F = integrate("relu(x)").result
    for point in (-2, -sp.Rational(1, 3), sp.Rational(1, 2), 3):
        assert sp.diff(F, x).subs(x, point) == sp.Max(0, point)
    r = integrate("leaky_relu(x)", "x", (-1, 1))
    assert r.result == sp.integrate(sp.Piecewise((x, x > 0), (x / 100, True)), (x, -1, 1)) == sp.Rational(99, 200)


def test_softplus_has_no_closed_form_but_a_number():
    with pytest.raises(MathError, match=r"^no closed-form antiderivative of softplus\(x\) was found$"):
        integrate("softplus(x)")
    with pytest.raises(MathError, match=r"numerically the integral is ≈ 0\.98"):
        integrate("softplus(x)", "x", (0, 1))


# ---------------------------------------------------------------- the numerical safety net

def _with_antiderivative(monkeypatch, F):
    def tree(expr, var):
        return IntegralStep("made_up", expr, var, F.subs(x, var))
    monkeypatch.setattr(integrals, "integral_tree", tree)


def test_a_jump_that_sympy_reports_is_split(monkeypatch):
    _with_antiderivative(monkeypatch, sp.atan(sp.tan(x)))          # F' = 1, but F jumps at π/2
    r = integrate("1", "x", (0, 3))
    assert r.result == 3
    assert r.improper and r.jumps == (sp.pi / 2,)
    assert "F is undefined at x = π/2 although the integrand is continuous there" in str(r)


def test_a_jump_that_sympy_misses_is_caught_numerically(monkeypatch):
    _with_antiderivative(monkeypatch, x + sp.floor(x))             # F(b) − F(a) would say 9/2
    r = integrate("1", "x", (0, sp.Rational(5, 2)))
    assert r.result == sp.Rational(5, 2)
    assert r.direct and "F is not continuous" in str(r)


def test_through_solve_and_cli_text():
    s = calcai.solve({"id": "i", "kind": "integral", "expr": "x^(1/3)", "wrt": "x", "bounds": [-8, 0]})
    assert s.answer == -12
    assert math.isclose(float(integrate("e^x + 1", "x", (1, 2)).result), math.e ** 2 - math.e + 1)
