"""Taylor polynomials by series arithmetic (calcai.powerseries), cross-checked exactly against
sympy's own ``series`` and against the slow path that differentiates k times."""

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import calcai
from calcai.errors import MathError
from calcai.functions import elu, leaky_relu, relu, rewrite_activations, selu, sigmoid, softplus, softsign
from calcai.powerseries import NotExpandable, expand
from calcai.render.text import render_text
from calcai.series import taylor_by_derivatives, taylor_expansion

x, y, z = sp.symbols("x y z", real=True)
R = sp.Rational


def _polynomial(coefficients, symbols, centre):
    return sp.Add(*(c * sp.Mul(*((s - centre[s]) ** k for s, k in zip(symbols, alpha)))
                    for alpha, c in coefficients.items()))


def _same(a, b):
    """a = b exactly: as polynomials, else as rational functions of the constants (sin 1, e, …)."""
    difference = sp.expand(a - b)
    return difference == 0 or sp.cancel(sp.together(difference)) == 0


def _equal_to_60_digits(a, b):
    """For constants sympy cannot prove equal (e^(log a·log b) = b^(log a)): 60 digits agree."""
    return abs(sp.N(a - b, 60)) < sp.Float("1e-50") * (1 + abs(sp.N(b, 60)))


# ---------------------------------------------------------------- against sympy.series

UNIVARIATE = [
    (sp.exp(x), [0, 1, R(-1, 2)]),
    (sp.sin(x), [0, 1, sp.pi / 4]),
    (sp.cos(x), [0, R(1, 3)]),
    (sp.tan(x), [0, 1]),
    (sp.sinh(x), [0, 1]),
    (sp.cosh(x), [0, R(1, 2)]),
    (sp.tanh(x), [0, 1]),
    (sp.asin(x), [0, R(1, 2)]),
    (sp.acos(x), [0, R(-1, 3)]),
    (sp.atan(x), [0, 1, 2]),
    (sp.log(1 + x), [0, 1]),
    (sp.log(x), [1, sp.E, 3]),
    (sp.sqrt(x), [1, 2]),
    (sp.sqrt(1 + x), [0]),
    ((1 + x) ** R(-3, 2), [0, 1]),
    (x ** R(1, 3), [8, 2]),
    (1 / (1 + x**2), [0, 1]),
    (1 / (x - 3), [0, 1]),
    (sigmoid(x), [0, 1, R(-1, 2)]),
    (softplus(x), [0, 1]),
    (sp.exp(sp.sin(x)), [0, 1]),
    (sp.log(sp.cosh(x)), [0]),
    (sigmoid(2 * x - 1) * sp.tanh(x), [0, R(1, 2)]),
    (2**x, [0, 1]),
    (x**x, [1, 2]),
    (x**5 * sp.exp(-x) + 3 * x**2 - 7, [0, 2]),
    (sp.exp(x) / (2 + sp.sin(x)), [0, 1]),
    (sp.atan(sp.exp(x) - 1), [0]),
]
CASES = [(f, a, n) for f, centres in UNIVARIATE for a in centres for n in ((0, 1, 7) if a == 0 else (5,))]


@pytest.mark.parametrize("f, a, n", CASES, ids=[f"{f}@{a}^{n}" for f, a, n in CASES])
def test_series_matches_sympy_series(f, a, n):
    a = sp.S(a)
    ours = _polynomial(expand(f, (x,), {x: a}, n), (x,), {x: a})
    theirs = sp.series(rewrite_activations(f), x, a, n + 1).removeO()     # σ, softplus: closed forms
    assert _same(rewrite_activations(ours), theirs)


def test_high_order_sigmoid_and_tanh_match_sympy():
    for f in (sigmoid(x), sp.tanh(x), softplus(x)):
        ours = _polynomial(expand(f, (x,), {x: sp.S.Zero}, 20), (x,), {x: 0})
        assert _same(ours, sp.series(rewrite_activations(f), x, 0, 21).removeO())


def test_coefficients_about_a_non_rational_point_are_tidy_and_exact():
    c = expand(sigmoid(x), (x,), {x: sp.S.One}, 2)
    assert c[(1,)] == sigmoid(1) * (1 - sigmoid(1))
    assert expand(sp.exp(x), (x,), {x: sp.S.One}, 2)[(2,)] == sp.E / 2
    assert expand(sp.sin(x), (x,), {x: sp.pi / 4}, 2)[(2,)] == -sp.sqrt(2) / 4
    assert expand(sp.log(1 + x), (x,), {x: sp.S.One}, 1) == {(0,): sp.log(2), (1,): R(1, 2)}
    assert expand(1 / (x + sp.E), (x,), {x: sp.S.Zero}, 1) == {(0,): 1 / sp.E, (1,): -1 / sp.E**2}


def test_free_parameters_are_exact_generators():
    a, b = sp.symbols("a b", real=True)
    f = sp.exp(a * x) * sp.sin(x + b) / (1 + b * x)
    t = taylor_expansion(f, (x,), {x: sp.S.Zero}, 3)
    assert t.method == "series"
    assert _same(t.result, taylor_by_derivatives(f, (x,), {x: sp.S.Zero}, 3).result)


# ---------------------------------------------------------------- against the derivative path

SEVERAL = [
    (x * sp.exp(y), {x: 1, y: 0}, 2),
    (sp.exp(x) * sp.sin(y + z) + sigmoid(x * y * z), {x: 0, y: 0, z: 0}, 4),
    (sp.log(1 + x**2 + y**2), {x: 1, y: -1}, 3),
    (sp.sqrt(1 + x * y) * sp.tanh(x - y), {x: R(1, 2), y: 0}, 3),
    (softplus(x - 2 * y) / (2 + sp.cos(x)), {x: 0, y: 1}, 3),
    (sp.atan(x * y) + sp.asin(x / 2) * sp.cosh(y), {x: 0, y: 0}, 4),
]


@pytest.mark.parametrize("f, centre, n", SEVERAL)
def test_several_variables_match_the_derivative_path(f, centre, n):
    symbols = tuple(sorted(f.free_symbols, key=lambda s: s.name))
    centre = {s: sp.S(v) for s, v in centre.items()}
    fast = taylor_expansion(f, symbols, centre, n)
    slow = taylor_by_derivatives(f, symbols, centre, n)
    assert fast.method == "series" and slow.method == "derivatives"
    assert [t.orders for t in fast.terms] == [t.orders for t in slow.terms]
    for ours, theirs in zip(fast.terms, slow.terms):
        assert _same(ours.at_centre, theirs.at_centre), ours.orders
        assert _same(ours.term, theirs.term)
    assert _same(fast.result, slow.result)


def test_same_answer_shape_with_a_point():
    fast = calcai.taylor("x·e^y", {"x": 1, "y": 0}, 2, at={"x": 1.1, "y": 0.1})
    slow = taylor_by_derivatives(fast.expr, fast.vars, fast.about, 2, fast.point)
    assert (fast.approximation, fast.exact, fast.error) == (slow.approximation, slow.exact, slow.error)
    assert fast.approximation == R(243, 200)


# ---------------------------------------------------------------- property test

_leaves = st.sampled_from([x, x, y, sp.Integer(2), sp.Integer(-1), R(1, 3)])
_SAFE_UNARY = [
    sp.exp, sp.sin, sp.cos, sp.tanh, sp.atan, sp.sinh, sp.cosh, sigmoid, softplus,
    lambda u: sp.log(2 + sp.sin(u)), lambda u: sp.sqrt(1 + u**2), lambda u: sp.asin(u / (2 + u**2)),
    lambda u: sp.tan(u / (4 + u**2)), lambda u: sp.acos(sp.tanh(u) / 2), lambda u: (1 + u**2) ** R(-1, 3),
]


def _binary(pair):
    a, b = pair
    return st.sampled_from([a + b, a - b, a * b, a / (1 + b**2), a * sp.exp(b), (2 + sp.cos(a)) ** b])


_trees = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(_SAFE_UNARY), inner).map(lambda t: t[0](t[1])),
        st.tuples(inner, inner).flatmap(_binary),
        st.tuples(inner, st.integers(-2, 3)).map(lambda t: t[0] ** t[1] if t[0] != 0 else t[0])),
    max_leaves=4,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees, st.sampled_from([0, 1, R(-1, 2), R(1, 3)]), st.sampled_from([0, 1, R(1, 2)]),
       st.integers(0, 3))
def test_random_trees_agree_with_the_derivative_path(expr, x0, y0, n):
    symbols = tuple(s for s in (x, y) if expr.has(s)) or (x,)
    centre = {x: sp.S(x0), y: sp.S(y0)}
    try:
        slow = taylor_by_derivatives(expr, symbols, centre, n)
    except MathError as error:
        with pytest.raises(MathError) as caught:
            taylor_expansion(expr, symbols, centre, n)
        assert str(caught.value) == str(error)
        return
    coefficients = expand(expr, symbols, centre, n)          # no NotExpandable: f is analytic here
    for term in slow.terms:
        ours = coefficients.get(term.orders, 0) * sp.Mul(*(sp.factorial(k) for k in term.orders))
        assert sp.expand(ours - term.at_centre) == 0 or _equal_to_60_digits(ours, term.at_centre)


# ---------------------------------------------------------------- fallback

@pytest.mark.parametrize("f, centre", [
    (sp.Abs(x), 1), (sp.Abs(x - 1) + x**2, 0), (relu(x), 2), (leaky_relu(x), -1),
    (sp.Max(x, 1 - x), 0), (sp.Piecewise((x, x > 0), (x**2, True)), 1), (sp.sign(x) * x, 1),
    (sp.Heaviside(x - 3, 0) + x, 1), (sp.gamma(x), 1), (elu(x), -1), (selu(x), 2), (softsign(x), 1),
])
def test_unsupported_functions_fall_back_to_derivatives(f, centre):
    centre = {x: sp.S(centre)}
    with pytest.raises(NotExpandable):
        expand(f, (x,), centre, 3)
    fast, slow = taylor_expansion(f, (x,), centre, 3), taylor_by_derivatives(f, (x,), centre, 3)
    assert fast == slow and fast.method == "derivatives"


@pytest.mark.parametrize("text, centre", [
    ("log(x)", 0), ("1/x", 0), ("sqrt(x)", 0), ("x^(3/2)", 0), ("asin(x)", 1), ("acos(x)", -1),
    ("sqrt(x - 2)", 0), ("log(-x)", 1), ("sin(x)/x", 0), ("tan(x)", "pi/2"),
    ("1/(sin(x)^2 + cos(x)^2 - 1 + x)", 0),
])
def test_non_analytic_points_give_the_derivative_paths_message(text, centre):
    with pytest.raises(MathError) as fast:
        calcai.taylor(text, {"x": centre}, 3)
    f = calcai.parse(text)
    with pytest.raises(MathError) as slow:
        taylor_by_derivatives(f, (x,), {x: calcai.parse(str(centre))}, 3)
    assert str(fast.value) == str(slow.value)


def test_fractional_power_at_zero_falls_back_even_when_defined():
    t = calcai.taylor("x^(5/2)", {"x": 0}, 2)
    assert t.method == "derivatives" and t.result == 0


# ---------------------------------------------------------------- the walkthrough

SIGMOID_TABLE = """\
Taylor polynomial of σ(x) about x = 0, order 5
==============================================

Derivatives at the centre
-------------------------
derivative  formula                                                        at the centre  term
──────────  ─────────────────────────────────────────────────────────────  ─────────────  ──────
f           σ(x)                                                           0.5            0.5
f'          σ(x)·(1 − σ(x))                                                0.25           x/4
f''         σ(x)·(1 − 2σ(x))·(1 − σ(x))                                    0              0
f'''        σ(x)·(1 − σ(x))·(6σ(x)² − 6σ(x) + 1)                           −0.125         −x³/48
f⁽⁴⁾        σ(x)·(1 − 2σ(x))·(1 − σ(x))·(12σ(x)² − 12σ(x) + 1)             0              0
f⁽⁵⁾        σ(x)·(1 − σ(x))·(120σ(x)⁴ − 240σ(x)³ + 150σ(x)² − 30σ(x) + 1)  0.25           x⁵/480
At the centre: k!·aₖ, with aₖ the coefficients of the power series of f (series arithmetic).

Polynomial
----------
T(x) = x⁵/480 − x³/48 + x/4 + 1/2

Answer: T = x⁵/480 − x³/48 + x/4 + 1/2"""


def test_golden_sigmoid_table_fits_100_columns():
    text = render_text(calcai.taylor("σ(x)", {"x": 0}, 5))
    assert text == SIGMOID_TABLE
    assert max(len(line) for line in text.splitlines()) <= 100


def test_formulas_stop_at_the_first_long_one_and_values_continue():
    t = calcai.taylor("exp(sin(x))", {"x": 0}, 8)
    shown = [t.derivative is not None for t in t.terms]
    assert shown == [True] * 5 + [False] * 4          # f⁽⁴⁾ has 79 characters, f⁽⁵⁾ more than 80
    assert [term.at_centre for term in t.terms] == [1, 1, 1, 0, -3, -8, -3, 56, 217]
    lines = render_text(t).splitlines()
    assert "Formulas from f⁽⁵⁾ on are left out: they grow too long to read." in lines
    assert max(len(line) for line in lines) <= 120


def test_formulas_end_after_order_six():
    t = calcai.taylor("σ(x)", {"x": 0}, 9)
    assert [term.derivative is not None for term in t.terms] == [True] * 7 + [False] * 3
    assert t.terms[6].derivative.has(sigmoid) and t.terms[9].at_centre == R(31, 4)


def test_several_variables_show_formulas_to_second_order():
    t = calcai.taylor("exp(x)·sin(y + z) + σ(x·y·z)", {"x": 0, "y": 0, "z": 0}, 3)
    assert all((term.derivative is not None) == (sum(term.orders) <= 2) for term in t.terms)
    assert "Formulas are shown up to the second order while they are short." in render_text(t)


def test_order_limit_is_forty():
    assert len(calcai.taylor("tanh(x)", {"x": 0}, 40).terms) == 41
    with pytest.raises(calcai.errors.LimitError):
        calcai.taylor("tanh(x)", {"x": 0}, 41)


def test_the_number_of_terms_is_limited_before_any_work():
    from calcai.errors import LimitError

    names = ",".join(f"x{i}" for i in range(1, 31))
    from math import comb

    count = f"{comb(30 + 8, 8):.3g}".replace("+", r"\+")
    with pytest.raises(LimitError, match=rf"order 8 in 30 variables has {count} terms, more than the limit "
                                         r"20000 \(limit max_series_terms\)"):
        calcai.taylor(" + ".join(names.split(",")), {n: 0 for n in names.split(",")}, 8)


# ---------------------------------------------------------------- the value at a point, as numbers

SIGMOID_AT_HALF = """\
Approximation
-------------
At x = 0.5:
T = 0.6224609375
f (true value) = σ(1/2) ≈ 0.62245933
|f − T| (error) = 3187/5120 − σ(1/2) ≈ 1.606e-06

Answer: T = 0.6224609375
        f = σ(1/2) ≈ 0.62245933
        error = 3187/5120 − σ(1/2) ≈ 1.606e-06"""

SIGMOID_AT_HALF_MARKDOWN = r"""## Approximation

At x = 0.5:

$T = 0.6224609375$

$\text{f (true value)} = \sigma\left(\frac{1}{2}\right) \approx 0.62245933$

$|f - T| (\mathrm{error}) = \frac{3187}{5120} - \sigma\left(\frac{1}{2}\right) \approx 1.606 \cdot 10^{-6}$

**Answer:**

- $T = 0.6224609375$
- $f = \sigma\left(\frac{1}{2}\right) \approx 0.62245933$
- $\mathrm{error} = \frac{3187}{5120} - \sigma\left(\frac{1}{2}\right) \approx 1.606 \cdot 10^{-6}$
"""


def test_golden_sigmoid_true_value_and_error_are_numbers():
    t = calcai.taylor("σ(x)", {"x": 0}, 5, at={"x": 0.5})
    table = SIGMOID_TABLE.split("\n\nAnswer:")[0]
    assert render_text(t) == f"{table}\n\n{SIGMOID_AT_HALF}"
    markdown = t.to_markdown()
    assert markdown.endswith("\n\n" + SIGMOID_AT_HALF_MARKDOWN)
    assert markdown.count("## ") == 3


@pytest.mark.parametrize("text, centre, order, at", [
    ("σ(x)", 0, 5, R(1, 2)), ("exp(x)", 0, 3, R(1, 10)), ("exp(x)", 0, 12, R(1, 10)),
    ("sqrt(x)", 1, 9, R(101, 100)), ("sin(x)", 0, 3, 1), ("log(1 + x)", 0, 20, R(1, 3)),
])
def test_the_decimals_of_f_and_t_show_that_they_differ(text, centre, order, at):
    from calcai.render.text import format_number

    t = calcai.taylor(text, {"x": centre}, order, at={"x": at})
    shown_f = format_number(t.exact, t.digits).split("≈ ")[-1]
    shown_t = format_number(t.approximation, t.digits).split("≈ ")[-1]
    assert shown_f != shown_t
    gap = abs(sp.N(t.exact - t.approximation, 30, maxn=4000))
    assert abs(sp.Float(shown_f, 40) - sp.Float(shown_t, 40)) == pytest.approx(float(gap), rel=0.5)


def test_a_tiny_error_keeps_its_digits_in_every_renderer():
    """e^(1/1000) − T₄₀: cancellation of 170 digits; the error is Σ_{k>40} (1/1000)ᵏ/k!."""
    from calcai.render.jsonout import to_jsonable

    t = calcai.taylor("exp(x)", {"x": 0}, 40, at={"x": R(1, 1000)})
    tail = sum(R(1, 1000) ** k / sp.factorial(k) for k in range(41, 60))
    assert t.error == abs(sp.exp(R(1, 1000)) - t.approximation)
    assert to_jsonable(t.error) == pytest.approx(float(tail), rel=1e-12)
    shown = render_text(t).splitlines()[-1]
    assert shown == f"        error ≈ {float(tail):.3e}"
    assert t.digits == 30
