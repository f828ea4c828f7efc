"""Each symbolic kind solved from a problem dict, with values the tutorial does not use,
compared with an independent sympy computation."""

import pytest
import sympy as sp

import calcai
from calcai.functions import sigmoid

x, y, z, t = sp.symbols("x y z t", real=True)


def solve(**problem):
    return calcai.solve({"id": "p", **problem})


def test_derivative_expression_and_value():
    s = solve(kind="derivative", expr="x^4·e^(3x)")
    assert sp.simplify(s.answer - sp.diff(x**4 * sp.exp(3 * x), x)) == 0
    s = solve(kind="derivative", expr="sin(x)^2", order=2, at={"x": "pi/4"})
    assert s.answer == sp.diff(sp.sin(x)**2, x, 2).subs(x, sp.pi / 4)


def test_partial_at_point():
    s = solve(kind="partial", expr="x^2·y + y^3", wrt="y", at={"x": 2, "y": -1})
    assert s.answer == (x**2 + 3 * y**2).subs({x: 2, y: -1})


def test_gradient_in_declared_order():
    s = solve(kind="gradient", expr="x·y^2 + z", vars=["z", "y", "x"], at={"x": 1, "y": 2, "z": 0})
    assert s.answer == [1, 4, 4]


def test_hessian_of_a_saddle():
    s = solve(kind="hessian", expr="x^2 - 4xy + y^2")
    assert s.answer["matrix"] == [[2, -4], [-4, 2]]
    assert s.answer["eigenvalues"] == [6, -2]
    assert s.answer["definiteness"] == "indefinite"


def test_jacobian_at_point():
    s = solve(kind="jacobian", exprs=["x·y", "x + y^3"], at={"x": 2, "y": 1})
    assert s.answer == [[1, 2], [1, 3]]


def test_directional_derivative_normalises():
    s = solve(kind="directional_derivative", expr="x^2·y", at={"x": 1, "y": 2}, direction=[3, 4])
    assert s.answer == sp.Rational(4 * 3 + 1 * 4, 5)


def test_total_derivative():
    s = solve(kind="total_derivative", expr="x·y", substitutions={"x": "t^2", "y": "e^t"}, wrt="t",
              at={"t": 1})
    assert s.answer == sp.diff(t**2 * sp.exp(t), t).subs(t, 1)


def test_critical_points_of_a_quartic():
    s = solve(kind="critical_points", expr="x^4 - 2x^2")
    assert s.answer == [{"point": {"x": -1}, "type": "minimum"}, {"point": {"x": 0}, "type": "maximum"},
                        {"point": {"x": 1}, "type": "minimum"}]
    flat = solve(kind="critical_points", expr="x^3")
    assert flat.answer == [{"point": {"x": 0}, "type": "inconclusive"}]


def test_lagrange_minimum():
    s = solve(kind="lagrange", objective="x^2 + y^2", constraints=["x + 2y = 5"], goal="min")
    assert s.answer["point"] == {"x": 1, "y": 2} and s.answer["value"] == 5


def test_taylor_of_sine():
    s = solve(kind="taylor", expr="sin(x)", about={"x": 0}, order=5, at={"x": 0.5})
    assert s.answer["polynomial"] == x - x**3 / 6 + x**5 / 120
    assert abs(float(s.answer["error"]) - abs(float(sp.sin(0.5)) - (0.5 - 0.5**3 / 6 + 0.5**5 / 120))) < 1e-12


def test_integral_definite_and_indefinite():
    assert solve(kind="integral", expr="x·e^x", bounds=[0, 1]).answer == 1
    s = solve(kind="integral", expr="1/(1 + x^2)")
    assert sp.diff(s.answer, x) - 1 / (1 + x**2) == 0


def test_checks_pass_and_fail_from_expected():
    ok = solve(kind="derivative", expr="σ(x)", expected="σ(x)(1 - σ(x))")
    assert ok.check.status == "pass"
    bad = solve(kind="derivative", expr="σ(x)", expected="σ(x)")
    assert bad.check.status == "fail"
    close = solve(kind="derivative", expr="x^2", at={"x": 0.1}, expected=0.2001, tolerance=0.001)
    assert close.check.status == "pass"


def test_undefined_value_is_a_sentence():
    with pytest.raises(calcai.MathError, match="undefined at x = 0"):
        solve(kind="evaluate", expr="1/x", at={"x": 0})
    with pytest.raises(calcai.MathError, match="removable"):
        solve(kind="evaluate", expr="(x^2 - 1)/(x - 1)", at={"x": 1})
    with pytest.raises(calcai.MathError, match="complex"):
        solve(kind="evaluate", expr="log(x)", at={"x": -2})


def test_solution_renders_in_every_format():
    s = solve(kind="derivative", expr="x^3", expected="3x^2")
    assert str(s).splitlines()[-1] == "Check: pass"
    assert "3 x^{2}" in s.to_latex()
    assert "3 x^{2}" in s.to_markdown()


def test_sigmoid_value_exact():
    assert solve(kind="evaluate", expr="σ(x)", at={"x": 0}).answer == sp.Rational(1, 2)
    assert sigmoid(0) == sp.Rational(1, 2)


@pytest.mark.parametrize("text", ["relu(x)", "leaky_relu(x)", "|x|", "max(x, x^2)", "min(x, 1)", "σ(x)", "x^x"])
def test_json_expressions_read_back_with_parse(text):
    from calcai.render.jsonout import expr_text

    result = calcai.derive(text).result
    back = calcai.parse(expr_text(result))
    for value in (sp.Rational(-3, 2), sp.Rational(1, 3), 2, sp.Rational(1, 2)):
        assert sp.N(back.subs(x, value)) == sp.N(result.subs(x, value))
