"""Every derivative, partial, gradient, chain-rule, Hessian, Jacobian, directional-derivative,
Lagrange and Taylor example of the tutorial, through the Python API, with the tutorial's numbers
(and, next to each, values the tutorial does not use, so nothing is keyed to its inputs)."""

import pytest
import sympy as sp

import calcai
from calcai.functions import relu, sigmoid

x, y, t = sp.symbols("x y t", real=True)
w1, w2, x1, x2 = sp.symbols("w1 w2 x1 x2", real=True)


def num(value):
    return float(sp.N(value, 30))


# ---------------------------------------------------------------- derivatives
@pytest.mark.parametrize("text, expected", [
    ("x³", 3 * x**2), ("x⁵", 5 * x**4), ("7", 0), ("x³ + 2x² + 5", 3 * x**2 + 4 * x),
    ("e^(2x)", 2 * sp.exp(2 * x)), ("ln(x²)", 2 / x), ("σ(x)", sigmoid(x) * (1 - sigmoid(x))),
    ("tanh(x)", 1 - sp.tanh(x)**2),
])
def test_basic_derivatives(text, expected):
    assert calcai.derive(text).result == expected


def test_sigmoid_values_at_zero():
    assert calcai.parse("σ(0)") == sp.Rational(1, 2)
    assert calcai.derive("σ(x)").at({"x": 0}) == sp.Rational(1, 4)
    assert num(calcai.derive("σ(x)").at({"x": 2})) == pytest.approx(0.10499358540350652)


def test_relu_values_and_slopes():
    assert relu(-2) == 0 and relu(3) == 3
    d = calcai.derive("ReLU(x)")
    assert d.at({"x": -2}) == 0 and d.at({"x": 3}) == 1 and d.at({"x": 0}) == 0


def test_tanh_slope_at_zero():
    assert calcai.derive("tanh(x)").at({"x": 0}) == 1


# ---------------------------------------------------------------- partials
def test_partial_example_1():
    f = "x² + 3xy + y²"
    assert calcai.partial(f, "x").result == 2 * x + 3 * y
    assert calcai.partial(f, "y").result == 3 * x + 2 * y
    g = calcai.gradient(f, ["x", "y"], at={"x": 2, "y": 1})
    assert g.value == (7, 8)
    assert calcai.gradient(f, ["x", "y"], at={"x": -1, "y": 5}).value == (13, 7)


def test_partial_example_2_neural_weight():
    f = "(w₁·x₁ + w₂·x₂ - y)²"
    e = calcai.parse(f).subs({x1: 2, x2: 3, y: 5})
    assert sp.expand(calcai.partial(e, "w1").result - 4 * (2 * w1 + 3 * w2 - 5)) == 0
    assert sp.expand(calcai.partial(e, "w2").result - 6 * (2 * w1 + 3 * w2 - 5)) == 0
    assert calcai.gradient(e, ["w1", "w2"], at={"w1": 1, "w2": 1}).value == (0, 0)
    assert calcai.gradient(e, ["w1", "w2"], at={"w1": 2, "w2": 0}).value == (-4, -6)


def test_partial_example_3_mse():
    mse = "(1/2)((w·1 + b - 2)² + (w·2 + b - 4)²)"
    g = calcai.gradient(mse, ["w", "b"], at={"w": 1.5, "b": 0.5})
    assert g.value == (-1, sp.Rational(-1, 2))


# ---------------------------------------------------------------- gradients
def test_2d_gradient():
    g = calcai.gradient("x² + y²", at={"x": 3, "y": 4})
    assert g.result == (2 * x, 2 * y) and g.value == (6, 8)


# ---------------------------------------------------------------- chain rule
def test_single_variable_chain_rule():
    d = calcai.derive("(x² + 1)³")
    assert d.result == 6 * x * (x**2 + 1)**2
    chain = d.steps
    assert chain.rule == "chain" and chain.inner == x**2 + 1
    assert d.at({"x": 2}) == 300 and d.at({"x": 1}) == 24


def test_multivariable_chain_rule():
    r = calcai.total_derivative("x² + y²", {"x": "cos(t)", "y": "sin(t)"}, "t")
    assert r.result == 0
    r2 = calcai.total_derivative("x² + y", {"x": "cos(t)", "y": "sin(t)"}, "t")
    assert sp.simplify(r2.result - (-2 * sp.cos(t) * sp.sin(t) + sp.cos(t))) == 0


# ---------------------------------------------------------------- optimisation
def test_second_derivative_test():
    c = calcai.critical_points("x³ - 3x² + 2")
    assert [(p.point[x], p.type) for p in c.result] == [(0, "maximum"), (2, "minimum")]
    assert [p.second[0] for p in c.result] == [-6, 6]


def test_hessian_example():
    h = calcai.hessian("x² + xy + y²")
    assert h.matrix == sp.Matrix([[2, 1], [1, 2]])
    assert h.eigenvalues == (3, 1) and h.definiteness == "positive definite"
    c = calcai.critical_points("x² + xy + y²")
    assert [(p.point, p.type) for p in c.result] == [({x: 0, y: 0}, "minimum")]
    assert calcai.hessian("x² - 3xy + y²").definiteness == "indefinite"
    assert calcai.critical_points("x² - 3xy + y²").result[0].type == "saddle"


# ---------------------------------------------------------------- integration
def test_definite_integral():
    r = calcai.integrate("x²", "x", (0, 2))
    assert r.result == sp.Rational(8, 3)
    assert r.steps.rule == "power"
    assert calcai.integrate("x²", "x", (1, 4)).result == 21


def test_uniform_mean_and_variance():
    mean = calcai.integrate("x", "x", (0, 1)).result
    second = calcai.integrate("x²", "x", (0, 1)).result
    assert mean == sp.Rational(1, 2) and second - mean**2 == sp.Rational(1, 12)


# ---------------------------------------------------------------- multivariable
def test_jacobian_example():
    j = calcai.jacobian(["x₁² + x₂", "x₁·x₂"], at={"x1": 2, "x2": 3})
    assert j.result == sp.Matrix([[2 * x1, 1], [x2, x1]])
    assert j.matrix == sp.Matrix([[4, 1], [3, 2]])


def test_directional_derivative():
    d = calcai.directional_derivative("x² + y²", {"x": 3, "y": 4}, [1, 1])
    assert d.result == 7 * sp.sqrt(2)           # = 14/√2
    assert num(d.result) == pytest.approx(9.899494936611665)
    assert calcai.directional_derivative("x² + y²", {"x": 3, "y": 4}, [3, 4]).result == 10


def test_lagrange_example():
    r = calcai.lagrange("xy", ["x + y = 10"], goal="max")
    assert r.point == {x: 5, y: 5} and r.result == 25
    r2 = calcai.lagrange("xy", ["x + y = 6"], goal="max")
    assert r2.result == 9


def test_taylor_of_exp():
    r = calcai.taylor("e^x", {"x": 0}, 3, at={"x": 0.1})
    assert sp.expand(r.result - (1 + x + x**2 / 2 + x**3 / 6)) == 0
    assert r.approximation == sp.Rational(6631, 6000)
    assert num(r.exact) == pytest.approx(1.1051709180756477)
    assert num(r.error) == pytest.approx(1.1051709180756477 - 6631 / 6000)


def test_multivariable_taylor():
    r = calcai.taylor("x·e^y", {"x": 1, "y": 0}, 2)
    expected = 1 + (x - 1) + y + (x - 1) * y + y**2 / 2
    assert sp.expand(r.result - expected) == 0
    assert sp.expand(r.centred.doit() - expected) == 0        # the displayed, centred form
    assert (x - 1) * y in sp.Add.make_args(r.centred)


# ---------------------------------------------------------------- autodiff and the rest
def test_forward_and_reverse_mode_through_solve():
    fwd = calcai.solve({"id": "f", "kind": "forward_mode", "expr": "x·sin(x)", "at": {"x": "pi"}})
    assert fwd.answer["value"] == 0 and fwd.answer["derivative"] == -sp.pi
    rev = calcai.solve({"id": "r", "kind": "reverse_mode", "expr": "(x + y)·(x·y)"})
    assert sp.expand(rev.answer["gradient"]["x"] - (2 * x * y + y**2)) == 0
    assert sp.expand(rev.answer["gradient"]["y"] - (x**2 + 2 * x * y)) == 0


def test_vector_matrix_gradient_corrects_the_tutorial():
    g = calcai.gradient("(x1 + 2x2)² + (3x1 + 4x2)²", ["x1", "x2"], at={"x1": 3, "x2": 4})
    assert g.value == (172, 244)                 # the tutorial prints [344, 484]


def test_l2_regularisation():
    d = calcai.derive("(2w - 5)² + 0.1·w²", "w")
    assert d.at({"w": 3}) == sp.Rational(23, 5)


@pytest.mark.parametrize("make, answer", [
    (lambda: calcai.derive("x^3"), "Answer: d/dx [x³] = 3x²"),
    (lambda: calcai.gradient("x^2+y^2", at={"x": 1, "y": 2}), "Answer: ∇f = [2, 4]"),
    (lambda: calcai.directional_derivative("x^2+y^2", {"x": 3, "y": 4}, [1, 1]), "Answer: D_v f = 7√2 ≈ 9.899"),
    (lambda: calcai.total_derivative("x^2+y^2", {"x": "cos(t)", "y": "sin(t)"}, "t"), "Answer: dz/dt = 0"),
    (lambda: calcai.lagrange("xy", ["x+y=10"]), "Answer: local maximum at x = 5, y = 5: f = 25"),
    (lambda: calcai.integrate("x^2", "x", (0, 2)), "Answer: ∫[0, 2] x² dx = 8/3 ≈ 2.667"),
    (lambda: calcai.hessian("x^2+xy"), "H = ⎡2  1⎤"),
    (lambda: calcai.critical_points("x^3-3x"), "x = 1: minimum"),
    (lambda: calcai.taylor("e^x", {"x": 0}, 3), "Answer: T = x³/6 + x²/2 + x + 1"),
])
def test_every_result_renders_as_text_rich_latex_and_markdown(make, answer):
    import io

    from rich.console import Console

    result = make()
    assert answer in str(result)
    buffer = io.StringIO()
    Console(file=buffer, width=100).print(result)
    assert "Answer" in buffer.getvalue() and "\x1b" not in buffer.getvalue()
    assert result.to_latex().strip() and result.to_markdown().strip()
