"""Tests for the numeric solvers: optimisers, networks, probability and autodiff.

Every expected number is either the tutorial's (checked to its printed precision) or comes
from an independent computation written out here (a hand loop, a finite difference, math).
"""

import math
import random
from fractions import Fraction

import pytest
import sympy
from sympy import Rational as R

from calcai import limits
from calcai.errors import LimitError, MathError
from calcai.numeric import compile_expr, compile_gradient, fmt, is_rational_function, show
from calcai.parser import parse
from calcai.problem import Problem
from calcai.solution import Equation, Solution, Table
from calcai.solvers import SOLVERS, _load_all

_load_all()

x, y, w, b = (sympy.Symbol(n, real=True) for n in "xywb")


def solve(kind, **fields):
    variables = tuple(fields.get("vars", ()))
    solution = SOLVERS[kind](Problem(id=f"test-{kind}", kind=kind, fields=fields, variables=variables))
    assert isinstance(solution, Solution)
    return solution


def close(a, b_, tol=1e-9):
    return abs(float(a) - float(b_)) <= tol


def items(solution):
    return [item for section in solution.sections for item in section.items]


def vias(solution):
    return [str(i.via) for i in items(solution) if isinstance(i, Equation) and i.via]


# ================================================================= numeric helpers

def test_rational_function_detection():
    assert is_rational_function(parse("x^2 - 4x + 5"), [x])
    assert is_rational_function(parse("(x + 1)/(x^2 + y)"), [x, y])
    assert not is_rational_function(parse("sin(x)"), [x])
    assert not is_rational_function(parse("pi*x"), [x])
    assert not is_rational_function(parse("x^(1/2)"), [x])
    assert not is_rational_function(parse("x + y"), [x])          # y is not a variable


def test_compiled_exact_and_float():
    grad = compile_gradient(parse("x^2/10 + 3x*y"), [x, y])
    assert grad.exact
    assert grad([Fraction(1), Fraction(2)]) == [Fraction(31, 5), Fraction(3)]   # x/5 + 3y, 3x
    assert all(isinstance(v, float) for v in grad([1.0, 2.0]))
    f = compile_expr(parse("σ(x) + ln(1 + x^2)"), [x])
    assert close(f(0.5), 1 / (1 + math.exp(-0.5)) + math.log(1.25))


def test_working_numbers():
    assert fmt(Fraction(31, 50)) == "0.62"
    assert fmt(Fraction(-68, 3)) == "−22.6667"
    assert fmt(Fraction(10 ** 400)) == "1e400"
    assert show(parse("2x - 4"), values={x: 0}) == "2·0 − 4"
    assert show(parse("2x - 4"), values={x: -3}) == "2·(−3) − 4"


# ================================================================= gradient descent family

def test_gradient_descent_tutorial_is_exact():
    s = solve("gradient_descent", objective=parse("x^2 - 4x + 5"), vars=[x], start={x: 0},
              learning_rate=R(1, 10), iterations=3)
    assert [p["x"] for p in s.answer["trace"]] == [0, R(2, 5), R(18, 25), R(122, 125)]
    assert s.answer["final"] == {"x": R(122, 125)}                 # 0.976 exactly
    assert any("0 − 0.1·(−4)" in v for v in vias(s))                 # the tutorial's working
    table = next(i for i in items(s) if isinstance(i, Table))
    assert len(table.rows) == 3


def test_gradient_descent_practice_problem():
    s = solve("gradient_descent", objective=parse("x^2 + 4y^2"), vars=[x, y], start={x: 4, y: 2},
              learning_rate=R(1, 10), iterations=2)
    assert s.answer["final"] == {"x": R(64, 25), "y": R(2, 25)}     # (2.56, 0.08)
    assert s.answer["trace"][1] == {"x": R(16, 5), "y": R(2, 5)}    # (3.2, 0.4)


def test_gradient_descent_other_values_against_hand_loop():
    f = parse("3x^2 + x*y + 2y^2 - x")
    s = solve("gradient_descent", objective=f, vars=[x, y], start={x: 1, y: -2},
              learning_rate=R(1, 20), iterations=7)
    px, py, alpha = Fraction(1), Fraction(-2), Fraction(1, 20)
    trace = [(px, py)]
    for _ in range(7):
        gx, gy = 6 * px + py - 1, px + 4 * py
        px, py = px - alpha * gx, py - alpha * gy
        trace.append((px, py))
    assert [(p["x"], p["y"]) for p in s.answer["trace"]] == [(R(a.numerator, a.denominator), R(c.numerator, c.denominator)) for a, c in trace]


def test_gradient_descent_converges_to_minimum():
    s = solve("gradient_descent", objective=parse("x^2 - 4x + 5"), vars=[x], start={x: 0},
              learning_rate=R(1, 10), iterations=100)
    assert s.answer["final"]["x"] == 2 - 2 * R(4, 5) ** 100      # closed form of the recursion


def test_long_run_switches_from_fractions_to_floats():
    s = solve("gradient_descent", objective=parse("x^2 - 4x + 5"), vars=[x], start={x: 0},
              learning_rate=R(1, 10), iterations=2000)
    final = s.answer["final"]["x"]
    assert isinstance(final, sympy.Float) and close(final, 2 - 2 * 0.8 ** 2000)
    table = next(i for i in items(s) if isinstance(i, Table))
    assert len(table.rows) < 40                                     # head, '…', tail


def test_gradient_descent_non_rational_objective_uses_floats():
    f = parse("ln(1 + e^x) + x^2/2")                                 # gradient σ(x) + x
    s = solve("gradient_descent", objective=f, vars=[x], start={x: 2}, learning_rate=R(1, 4), iterations=5)
    v = 2.0
    for _ in range(5):
        v -= 0.25 * (1 / (1 + math.exp(-v)) + v)
    assert close(s.answer["final"]["x"], v, 1e-12)


def test_momentum_tutorial_is_exactly_062():
    s = solve("momentum", objective=parse("x^2"), vars=[x], start={x: 10}, learning_rate=R(1, 10),
              beta=R(9, 10), iterations=3)
    assert s.answer["final"]["x"] == R(31, 50)
    assert isinstance(s.answer["final"]["x"], sympy.Rational)
    assert [p["x"] for p in s.answer["trace"]] == [10, 8, R(23, 5), R(31, 50)]
    assert any("0.9·20 + 2·8" in v for v in vias(s))                  # v₂ = 0.9·20 + 2·8
    via_gd = solve("gradient_descent", objective=parse("x^2"), vars=[x], start={x: 10},
                   learning_rate=R(1, 10), momentum=R(9, 10), iterations=3)
    assert via_gd.answer == s.answer


def test_momentum_other_values_against_hand_loop():
    s = solve("momentum", objective=parse("x^2 + 3x"), vars=[x], start={x: 2}, learning_rate=R(1, 5),
              beta=R(1, 2), iterations=6)
    px, v = Fraction(2), Fraction(0)
    for _ in range(6):
        v = Fraction(1, 2) * v + (2 * px + 3)
        px -= Fraction(1, 5) * v
    assert s.answer["final"]["x"] == R(px.numerator, px.denominator)
    # a quartic's Fractions triple in length each step: past 200 digits the run goes on in floats
    s = solve("momentum", objective=parse("x^4 - 3x"), vars=[x], start={x: 2}, learning_rate=R(1, 50),
              beta=R(1, 2), iterations=6)
    px, v = Fraction(2), Fraction(0)
    for _ in range(6):
        v = Fraction(1, 2) * v + (4 * px ** 3 - 3)
        px -= Fraction(1, 50) * v
    assert isinstance(s.answer["final"]["x"], sympy.Float) and close(s.answer["final"]["x"], px, 1e-12)


def test_adam_tutorial_values():
    s = solve("adam", objective=parse("x^2"), vars=[x], start={x: 10}, learning_rate=R(1, 10), iterations=3)
    trace = [p["x"] for p in s.answer["trace"]]
    for got, want in zip(trace, [10, 9.9, 9.800027, 9.700101]):
        assert close(got, want, 1e-6)


def test_adam_other_values_against_hand_loop():
    s = solve("adam", objective=parse("x^2 + 3y^2 + x*y"), vars=[x, y], start={x: 1, y: -1},
              learning_rate=R(1, 20), beta1=R(4, 5), beta2=R(99, 100), eps=R(1, 10 ** 6), iterations=8)
    th, m, v = [1.0, -1.0], [0.0, 0.0], [0.0, 0.0]
    for t in range(1, 9):
        g = [2 * th[0] + th[1], 6 * th[1] + th[0]]
        for i in range(2):
            m[i] = 0.8 * m[i] + 0.2 * g[i]
            v[i] = 0.99 * v[i] + 0.01 * g[i] ** 2
            mh, vh = m[i] / (1 - 0.8 ** t), v[i] / (1 - 0.99 ** t)
            th[i] -= 0.05 * mh / (math.sqrt(vh) + 1e-6)
    assert close(s.answer["final"]["x"], th[0], 1e-12) and close(s.answer["final"]["y"], th[1], 1e-12)


def test_divergence_is_a_clear_error():
    with pytest.raises(MathError, match=r"diverged at iteration \d+: .*try a smaller learning rate"):
        solve("gradient_descent", objective=parse("x^2"), vars=[x], start={x: 1}, learning_rate=R(3, 2),
              iterations=5000)
    with pytest.raises(MathError, match="diverged at iteration"):
        solve("gradient_descent", objective=parse("e^(x^2)"), vars=[x], start={x: 3},
              learning_rate=R(1, 2), iterations=50)


def test_undefined_gradient_and_iteration_limit():
    with pytest.raises(MathError, match="undefined at iteration 1"):
        solve("gradient_descent", objective=parse("1/x"), vars=[x], start={x: 0}, learning_rate=R(1, 10),
              iterations=3)
    with pytest.raises(MathError, match="outside its domain"):          # x^(1/3) at x < 0 is complex
        solve("gradient_descent", objective=parse("x^(1/3)"), vars=[x], start={x: -1}, learning_rate=R(1, 10),
              iterations=3)
    with pytest.raises(MathError, match="contains a"):
        solve("gradient_descent", objective=parse("a*x^2"), vars=[x], start={x: 1}, learning_rate=R(1, 10),
              iterations=3)
    limits.configure(max_iterations=10)
    try:
        with pytest.raises(LimitError, match="max_iterations"):
            solve("gradient_descent", objective=parse("x^2"), vars=[x], start={x: 1},
                  learning_rate=R(1, 10), iterations=11)
    finally:
        limits.reset()


def test_linear_regression_tutorial():
    s = solve("linear_regression", data=[[1, 3], [2, 5], [3, 7]], start={w: 0, b: 0},
              learning_rate=R(1, 100), iterations=1)
    assert s.answer["gradients"] == [{"w": R(-68, 3), "b": -10}]
    assert s.answer["final"] == {"w": R(17, 75), "b": R(1, 10)}       # 0.2267 and 0.1
    assert s.answer["trace"] == [{"w": 0, "b": 0}, {"w": R(17, 75), "b": R(1, 10)}]
    wf, bf = Fraction(17, 75), Fraction(1, 10)
    loss = sum((wf * xi + bf - yi) ** 2 for xi, yi in [(1, 3), (2, 5), (3, 7)]) / 3
    assert s.answer["loss"] == R(loss.numerator, loss.denominator)
    assert close(s.answer["loss"], 21.869, 5e-4)


def test_linear_regression_other_values_against_hand_loop():
    data = [(R(1, 2), 1), (1, R(5, 2)), (2, 4), (3, R(13, 2))]
    s = solve("linear_regression", data=[list(p) for p in data], start={"w": R(1, 2), "b": -1},
              learning_rate=R(1, 20), iterations=4)
    pts = [(Fraction(int(a.p), int(a.q)) if hasattr(a, "p") else Fraction(a),
            Fraction(int(c.p), int(c.q)) if hasattr(c, "p") else Fraction(c)) for a, c in data]
    pw, pb, grads = Fraction(1, 2), Fraction(-1), []
    for _ in range(4):
        e = [pw * xi + pb - yi for xi, yi in pts]
        gw = Fraction(2, 4) * sum(ei * xi for ei, (xi, _) in zip(e, pts))
        gb = Fraction(2, 4) * sum(e)
        grads.append((gw, gb))
        pw, pb = pw - Fraction(1, 20) * gw, pb - Fraction(1, 20) * gb
    assert s.answer["final"] == {"w": R(pw.numerator, pw.denominator), "b": R(pb.numerator, pb.denominator)}
    assert [(g["w"], g["b"]) for g in s.answer["gradients"]] == [
        (R(a.numerator, a.denominator), R(c.numerator, c.denominator)) for a, c in grads]


# ================================================================= backprop

def _sig(z):
    return 1 / (1 + math.exp(-z))


def test_backprop_tutorial():
    s = solve("backprop", layers=[{"weights": R(2, 5), "bias": R(1, 10), "activation": "sigmoid"},
                                  {"weights": R(3, 5), "bias": R(1, 5), "activation": "sigmoid"}],
              input=R(1, 2), target=R(4, 5), loss="squared_error", learning_rate=R(1, 10))
    # independent hand computation
    z1 = 0.4 * 0.5 + 0.1
    h = _sig(z1)
    z2 = 0.6 * h + 0.2
    out = _sig(z2)
    dz2 = 2 * (out - 0.8) * out * (1 - out)
    dz1 = dz2 * 0.6 * h * (1 - h)
    a = s.answer
    assert close(a["forward"]["z1"], 0.3) and close(a["forward"]["a1"], h) and close(a["forward"]["z2"], z2)
    assert close(a["output"], out) and close(a["loss"], (out - 0.8) ** 2)
    g = a["gradients"]
    assert close(g["W2"], dz2 * h) and close(g["b2"], dz2) and close(g["W1"], dz1 * 0.5) and close(g["b1"], dz1)
    # the tutorial's rounded values
    assert round(float(a["forward"]["a1"]), 3) == 0.574 and round(float(a["output"]), 3) == 0.633
    assert round(float(a["loss"]), 3) == 0.028 and round(float(g["W2"]), 3) == -0.045
    assert round(float(g["b2"]), 3) == -0.078 and round(float(g["W1"]), 3) == -0.006
    u = a["updated"]
    assert round(float(u["W1"]), 4) == 0.4006 and round(float(u["b1"]), 4) == 0.1011
    assert round(float(u["W2"]), 4) == 0.6045 and round(float(u["b2"]), 4) == 0.2078
    titles = [sec.title for sec in s.sections]
    assert {"Forward pass", "Backward pass", "Update"} <= set(titles)
    lhs = [i.lhs for i in items(s) if isinstance(i, Equation)]
    for factor in ("∂L/∂a₂", "∂a₂/∂z₂", "∂L/∂z₂", "∂L/∂w₂", "∂L/∂b₂", "∂L/∂a₁", "∂a₁/∂z₁", "∂L/∂z₁",
                   "∂L/∂w₁", "∂L/∂b₁"):
        assert factor in lhs


def test_backprop_practice_problem_without_bias():
    s = solve("backprop", layers=[{"weights": R(1, 2), "activation": "sigmoid"}], input=1, target=1,
              loss="squared_error", learning_rate=R(1, 10))
    a = _sig(0.5)
    assert close(s.answer["gradients"]["W1"], 2 * (a - 1) * a * (1 - a))
    # the tutorial multiplies rounded factors (−0.756·0.235 ≈ −0.178); unrounded it is −0.1774
    assert round(float(s.answer["gradients"]["W1"]), 2) == -0.18
    assert "b1" not in s.answer["gradients"]


def _network_loss(layers, x_in, target, loss):
    """An independent forward pass on plain floats (activations by name)."""
    acts = {"tanh": math.tanh, "sigmoid": _sig, "relu": lambda v: max(v, 0.0),
            "leaky_relu": lambda v: v if v > 0 else 0.01 * v, "linear": lambda v: v,
            "softplus": lambda v: math.log1p(math.exp(v))}
    a = list(x_in)
    for layer in layers:
        z = [sum(wij * aj for wij, aj in zip(row, a)) + bi for row, bi in zip(layer["weights"], layer["bias"])]
        if layer["activation"] == "softmax":
            e = [math.exp(v) for v in z]
            a = [v / sum(e) for v in e]
        else:
            a = [acts[layer["activation"]](v) for v in z]
    if loss == "squared_error":
        return sum((ai - ti) ** 2 for ai, ti in zip(a, target))
    if loss == "mse":
        return sum((ai - ti) ** 2 for ai, ti in zip(a, target)) / len(a)
    if loss == "binary_cross_entropy":
        return -sum(ti * math.log(ai) + (1 - ti) * math.log(1 - ai) for ai, ti in zip(a, target))
    return -sum(ti * math.log(ai) for ai, ti in zip(a, target))


def _finite_difference_check(layers, x_in, target, loss, answer, h=1e-6, tol=1e-7):
    plain = [{"weights": [[float(v) for v in row] for row in l["weights"]], "bias": [float(v) for v in l["bias"]],
              "activation": l["activation"]} for l in layers]
    xs, ts = [float(v) for v in x_in], [float(v) for v in target]
    for k, layer in enumerate(plain, 1):
        for name, params in (("W", None), ("b", None)):
            grad = answer["gradients"][f"{name}{k}"]
            if name == "W":
                spots = [(i, j) for i in range(len(layer["weights"])) for j in range(len(layer["weights"][0]))]
            else:
                spots = [(i, None) for i in range(len(layer["bias"]))]
            for i, j in spots:
                def shifted(d):
                    copy = [{**l, "weights": [list(r) for r in l["weights"]], "bias": list(l["bias"])} for l in plain]
                    if j is None:
                        copy[k - 1]["bias"][i] += d
                    else:
                        copy[k - 1]["weights"][i][j] += d
                    return _network_loss(copy, xs, ts, loss)
                numeric = (shifted(h) - shifted(-h)) / (2 * h)
                g = grad[i] if j is None else grad[i][j]
                if isinstance(g, list):
                    g = g[0]
                assert abs(float(g) - numeric) < tol, (name, k, i, j, float(g), numeric)


def test_backprop_2_2_1_matrix_network_against_finite_differences():
    layers = [{"weights": [[R(1, 2), R(-3, 10)], [R(1, 5), R(4, 5)]], "bias": [R(1, 10), R(-1, 5)], "activation": "tanh"},
              {"weights": [[R(7, 10), R(-1, 2)]], "bias": [R(1, 20)], "activation": "sigmoid"}]
    x_in, target = [1, R(-1, 2)], [R(3, 4)]
    s = solve("backprop", layers=layers, input=x_in, target=target, loss="squared_error", learning_rate=R(1, 2))
    assert isinstance(s.answer["forward"]["z1"], list) and len(s.answer["forward"]["a1"]) == 2
    assert not isinstance(s.answer["output"], list)                   # one output unit: a scalar
    assert len(s.answer["gradients"]["W1"]) == 2 and len(s.answer["gradients"]["W1"][0]) == 2
    assert close(s.answer["loss"], _network_loss(
        [{"weights": [[0.5, -0.3], [0.2, 0.8]], "bias": [0.1, -0.2], "activation": "tanh"},
         {"weights": [[0.7, -0.5]], "bias": [0.05], "activation": "sigmoid"}], [1, -0.5], [0.75], "squared_error"))
    _finite_difference_check(layers, x_in, target, "squared_error", s.answer)
    W1, dW1 = s.answer["updated"]["W1"], s.answer["gradients"]["W1"]
    assert close(W1[0][1], -0.3 - 0.5 * float(dW1[0][1]))


@pytest.mark.parametrize("hidden,out,loss", [
    ("relu", "sigmoid", "binary_cross_entropy"),
    ("leaky_relu", "softmax", "cross_entropy"),
    ("softplus", "linear", "mse"),
])
def test_backprop_activations_and_losses_against_finite_differences(hidden, out, loss):
    n_out = 2 if out == "softmax" else 1
    target = [R(1, 4), R(3, 4)] if out == "softmax" else [1]
    layers = [{"weights": [[R(3, 5), R(-2, 5)], [R(-1, 2), R(1, 5)], [R(1, 10), R(1, 2)]],
               "bias": [R(1, 10), R(1, 5), R(-3, 10)], "activation": hidden},
              {"weights": [[R(1, 2), R(-3, 5), R(2, 5)], [R(-1, 5), R(3, 10), R(7, 10)]][:n_out],
               "bias": [R(1, 10), R(-1, 10)][:n_out], "activation": out}]
    s = solve("backprop", layers=layers, input=[R(4, 5), R(-3, 10)], target=target, loss=loss, learning_rate=R(1, 10))
    _finite_difference_check(layers, [0.8, -0.3], target, loss, s.answer)


def test_backprop_exact_for_piecewise_linear_network():
    layers = [{"weights": [[R(1, 2), R(-1, 4)], [R(1, 3), 1]], "bias": [0, R(1, 10)], "activation": "relu"},
              {"weights": [[1, -2]], "bias": R(1, 2), "activation": "linear"}]
    s = solve("backprop", layers=layers, input=[1, 2], target=1, loss="squared_error", learning_rate=R(1, 10))
    assert isinstance(s.answer["loss"], sympy.Rational)
    # central differences of a quadratic are exact: compare in exact arithmetic
    h = R(1, 1000)

    def loss_at(w12):
        z = [R(1, 2) * 1 + R(-1, 4) * 2 + 0, R(1, 3) * 1 + w12 * 2 + R(1, 10)]
        a = [max(v, 0) for v in z]
        out = a[0] - 2 * a[1] + R(1, 2)
        return (out - 1) ** 2
    assert s.answer["gradients"]["W1"][1][1] == (loss_at(1 + h) - loss_at(1 - h)) / (2 * h)
    assert s.answer["gradients"]["b2"] == 2 * (s.answer["output"] - 1)


def test_backprop_rejects_softmax_without_cross_entropy():
    with pytest.raises(MathError, match="softmax"):
        solve("backprop", layers=[{"weights": [[1, 0], [0, 1]], "bias": [0, 0], "activation": "softmax"}],
              input=[1, 2], target=[0, 1], loss="squared_error", learning_rate=R(1, 10))
    with pytest.raises(MathError, match="units"):
        solve("backprop", layers=[{"weights": [[1, 0], [0, 1]], "bias": [0, 0, 0], "activation": "relu"}],
              input=[1, 2], target=[0, 1], loss="squared_error", learning_rate=R(1, 10))


# ================================================================= softmax, cross-entropy

def test_softmax_tutorial_and_jacobian():
    s = solve("softmax", logits=[1, 2, 3])
    p = [float(v) for v in s.answer["probabilities"]]
    assert [round(v, 3) for v in p] == [0.090, 0.245, 0.665]
    J = [[float(v) for v in row] for row in s.answer["jacobian"]]
    assert round(J[0][0], 3) == 0.082 and round(J[0][1], 3) == -0.022
    for row in J:
        assert abs(sum(row)) < 1e-15
    assert all(abs(J[i][j] - J[j][i]) < 1e-15 for i in range(3) for j in range(3))


def test_softmax_other_values_against_finite_differences():
    z = [R(-1, 2), R(3, 2), 0, R(1, 4)]
    s = solve("softmax", logits=z)
    zf = [float(v) for v in z]

    def sm(v):
        e = [math.exp(t) for t in v]
        return [t / sum(e) for t in e]
    for got, want in zip(s.answer["probabilities"], sm(zf)):
        assert close(got, want, 1e-15)
    h = 1e-6
    for j in range(4):
        up, down = zf.copy(), zf.copy()
        up[j] += h
        down[j] -= h
        for i in range(4):
            numeric = (sm(up)[i] - sm(down)[i]) / (2 * h)
            assert abs(float(s.answer["jacobian"][i][j]) - numeric) < 1e-9


def test_softmax_large_logits_do_not_overflow():
    s = solve("softmax", logits=[1000, 1001])
    assert close(s.answer["probabilities"][1], 1 / (1 + math.exp(-1)), 1e-15)


def test_binary_cross_entropy_tutorial():
    s = solve("cross_entropy", z=R(1, 2), target=1, learning_rate=R(1, 10))
    yhat = _sig(0.5)
    assert close(s.answer["loss"], -math.log(yhat))
    assert round(float(s.answer["gradient"]), 3) == -0.378
    assert round(float(s.answer["updated"]), 3) == 0.538
    assert close(s.answer["updated"], 0.5 - 0.1 * (yhat - 1))


def test_binary_cross_entropy_other_values_against_finite_difference():
    s = solve("cross_entropy", z=R(-7, 5), target=R(1, 4))

    def loss(z):
        p = _sig(z)
        return -(0.25 * math.log(p) + 0.75 * math.log(1 - p))
    assert close(s.answer["loss"], loss(-1.4), 1e-12)
    assert abs(float(s.answer["gradient"]) - (loss(-1.4 + 1e-6) - loss(-1.4 - 1e-6)) / 2e-6) < 1e-8
    assert "updated" not in s.answer


def test_categorical_cross_entropy():
    s = solve("cross_entropy", logits=[2, R(1, 2), -1], target=[0, 1, 0], learning_rate=R(1, 2))
    e = [math.exp(2), math.exp(0.5), math.exp(-1)]
    p = [v / sum(e) for v in e]
    assert close(s.answer["loss"], -math.log(p[1]), 1e-12)
    assert all(close(g, pi - ti, 1e-15) for g, pi, ti in zip(s.answer["gradient"], p, [0, 1, 0]))
    assert close(s.answer["updated"][1], 0.5 - 0.5 * (p[1] - 1), 1e-15)
    with pytest.raises(MathError, match="sum"):
        solve("cross_entropy", logits=[1, 2], target=[R(1, 2), R(1, 3)])


# ================================================================= convolution

def test_convolution_tutorial():
    s = solve("convolution", input=[1, 2, 3, 4], kernel=[1, 0], upstream=[1, 1, 1, 1], padding="same")
    assert s.answer["output"] == [1, 2, 3, 4]
    assert s.answer["kernel_gradient"] == [10, 9]
    assert s.answer["input_gradient"] == [1, 1, 1, 1]


def _conv_loss(xs, ws, g, mode, padding):
    k = len(ws)
    left = (k - 1) // 2 if padding == "same" else 0
    right = k - 1 - left if padding == "same" else 0
    xp = [0] * left + list(xs) + [0] * right
    kern = list(ws) if mode == "cross_correlation" else list(ws)[::-1]
    out = [sum(xp[i + j] * kern[j] for j in range(k)) for i in range(len(xp) - k + 1)]
    return sum(gi * yi for gi, yi in zip(g, out)), out


@pytest.mark.parametrize("mode", ["cross_correlation", "convolution"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_convolution_gradients_against_finite_differences(mode, padding):
    xs = [R(1, 2), -2, 3, R(5, 4), 0, -1]
    ws = [2, R(-1, 3), R(1, 2)]
    n_out = len(xs) if padding == "same" else len(xs) - len(ws) + 1
    g = [R(i + 1, 3) * (-1) ** i for i in range(n_out)]
    s = solve("convolution", input=xs, kernel=ws, upstream=g, mode=mode, padding=padding)
    _, out = _conv_loss(xs, ws, g, mode, padding)
    assert s.answer["output"] == out
    h = R(1, 10)          # the loss is linear in x and in w, so exact differences are exact gradients
    for j in range(len(ws)):
        up = ws.copy()
        up[j] += h
        assert s.answer["kernel_gradient"][j] == (_conv_loss(xs, up, g, mode, padding)[0]
                                                  - _conv_loss(xs, ws, g, mode, padding)[0]) / h
    for j in range(len(xs)):
        up = xs.copy()
        up[j] += h
        assert s.answer["input_gradient"][j] == (_conv_loss(up, ws, g, mode, padding)[0]
                                                 - _conv_loss(xs, ws, g, mode, padding)[0]) / h


def test_convolution_checks_lengths():
    with pytest.raises(MathError, match="upstream"):
        solve("convolution", input=[1, 2, 3], kernel=[1, 1], upstream=[1, 1, 1], padding="valid")


# ================================================================= bptt

def test_bptt_tutorial_factor_is_exact():
    s = solve("bptt", factor=R(1, 2), steps=10)
    assert s.answer["product"] == R(1, 1024)


def test_bptt_with_recurrent_weight():
    s = solve("bptt", w_h=R(3, 2), activation="tanh", steps=6, preactivation=R(1, 2))
    assert close(s.answer["product"], (1.5 * (1 - math.tanh(0.5) ** 2)) ** 6, 1e-13)
    s = solve("bptt", w_h=2, activation="sigmoid", steps=5)                 # σ'(0) = 1/4
    assert s.answer["product"] == R(1, 32)


# ================================================================= probability

def test_distribution_uniform_and_gaussian():
    s = solve("distribution", density=parse("1"), var=x, support=[0, 1])
    assert s.answer == {"total": 1, "mean": R(1, 2), "variance": R(1, 12)}
    mu, sigma = sympy.Symbol("mu", real=True), sympy.Symbol("sigma", real=True)
    s = solve("distribution", density=parse("1/sqrt(2*pi*sigma^2) * e^(-(x - mu)^2/(2*sigma^2))"),
              var=x, support=[-sympy.oo, sympy.oo], positive=["sigma"])
    assert s.answer["total"] == 1
    assert sympy.simplify(s.answer["mean"] - mu) == 0
    assert sympy.simplify(s.answer["variance"] - sigma ** 2) == 0      # in the problem's own symbols


def test_distribution_exponential_and_unnormalised():
    lam = sympy.Symbol("lambda", real=True)
    s = solve("distribution", density=parse("lambda*e^(-lambda*x)"), var=x, support=[0, sympy.oo],
              positive=["lambda"])
    assert s.answer["total"] == 1
    assert sympy.simplify(s.answer["mean"] - 1 / lam) == 0
    assert sympy.simplify(s.answer["variance"] - 1 / lam ** 2) == 0
    s = solve("distribution", density=parse("2x"), var=x, support=[0, 2])
    assert s.answer["total"] == 4
    assert s.answer["mean"] == R(4, 3) and s.answer["variance"] == R(2, 9)   # of p/4 = x/2 on [0, 2]
    assert any("not normalised" in getattr(i, "text", "") for i in items(s))


def test_monte_carlo_tutorial_is_exact():
    s = solve("monte_carlo", expr=parse("x^2"), wrt=x, bounds=[0, 1],
              samples=[R(1, 5), R(1, 2), R(7, 10), R(9, 10)])
    assert s.answer == {"estimate": R(159, 400), "exact": R(1, 3), "error": R(159, 400) - R(1, 3)}


def test_monte_carlo_seeded_against_hand_loop():
    s = solve("monte_carlo", expr=parse("sin(x)"), wrt=x, bounds=[0, sympy.pi], n=500, seed=7)
    rng = random.Random(7)
    xs = [rng.uniform(0, math.pi) for _ in range(500)]
    estimate = math.pi / 500 * sum(math.sin(v) for v in xs)
    assert close(s.answer["estimate"], estimate, 1e-12)
    assert s.answer["exact"] == 2
    assert close(s.answer["error"], abs(estimate - 2), 1e-12)
    with pytest.raises(MathError, match="outside"):
        solve("monte_carlo", expr=parse("x"), wrt=x, bounds=[0, 1], samples=[R(1, 2), 2])


def test_kl_divergence_discrete():
    s = solve("kl_divergence", p=[R(1, 4), R(1, 4), R(1, 2)], q=[R(1, 4), R(1, 4), R(1, 2)])
    assert s.answer["value"] == 0
    s = solve("kl_divergence", p=[R(1, 10), R(3, 5), R(3, 10)], q=[R(1, 3), R(1, 3), R(1, 3)])
    want = sum(p * math.log(p / (1 / 3)) for p in (0.1, 0.6, 0.3))
    assert close(s.answer["value"].evalf(), want, 1e-14)
    s = solve("kl_divergence", p=[0, 1], q=[R(1, 2), R(1, 2)])
    assert s.answer["value"] == sympy.log(2)
    with pytest.raises(MathError, match="infinite"):
        solve("kl_divergence", p=[R(1, 2), R(1, 2)], q=[1, 0])
    with pytest.raises(MathError, match="sum to"):
        solve("kl_divergence", p=[R(1, 2), R(1, 3)], q=[R(1, 2), R(1, 2)])


def test_kl_divergence_gaussian_against_numeric_integral():
    s = solve("kl_divergence", p={"mean": 1, "std": R(1, 2)}, q={"mean": -1, "std": 2})
    value = float(s.answer["value"])

    def pdf(t, m, sd):
        return math.exp(-(t - m) ** 2 / (2 * sd * sd)) / (sd * math.sqrt(2 * math.pi))
    step = 1e-3
    grid = [-6 + step * i for i in range(int(14 / step))]
    numeric = sum(pdf(t, 1, 0.5) * math.log(pdf(t, 1, 0.5) / pdf(t, -1, 2)) for t in grid) * step
    assert abs(value - numeric) < 1e-6
    same = solve("kl_divergence", p={"mean": 3, "std": 2}, q={"mean": 3, "std": 2})
    assert same.answer["value"] == 0


# ================================================================= autodiff and evaluate

def test_forward_mode_tutorial():
    s = solve("forward_mode", expr=parse("x*sin(x)"), at={x: sympy.pi})
    assert s.answer == {"value": 0, "derivative": -sympy.pi}
    pairs = {str(i.lhs): i.rhs for i in items(s) if isinstance(i, Equation)}
    assert pairs["x"] == sympy.Tuple(sympy.pi, 1) and pairs["sin(x)"] == sympy.Tuple(0, -1)


def test_forward_mode_other_values_match_diff():
    f = parse("x^2*y + e^(x*y)/(1 + x)")
    s = solve("forward_mode", expr=f, at={x: 1, y: 2}, wrt=y)
    point = {x: 1, y: 2}
    assert sympy.simplify(s.answer["value"] - f.subs(point)) == 0
    assert sympy.simplify(s.answer["derivative"] - sympy.diff(f, y).subs(point)) == 0


def test_reverse_mode_tutorial_symbolic():
    f = parse("(x + y)*(x*y)")
    s = solve("reverse_mode", expr=f, vars=[x, y])
    assert sympy.expand(s.answer["gradient"]["x"] - (2 * x * y + y ** 2)) == 0
    assert sympy.expand(s.answer["gradient"]["y"] - sympy.diff(f, y)) == 0
    graph = {str(i.lhs): i.rhs for i in s.sections[0].items if isinstance(i, Equation)}
    a, b_ = sympy.Symbol("a", real=True), sympy.Symbol("b", real=True)
    assert graph["a"] == x + y and graph["b"] == x * y and graph["c"] == a * b_


def test_reverse_mode_numeric_matches_diff():
    f = parse("σ(w*x + b)*ln(1 + x^2)")
    point = {w: R(1, 2), x: 2, b: R(-1, 3)}
    s = solve("reverse_mode", expr=f, at=point, vars=[w, x, b])
    for v in (w, x, b):
        want = sympy.diff(f, v).subs(point)
        assert abs(float(s.answer["gradient"][v.name]) - float(want.evalf())) < 1e-13
    assert abs(float(s.answer["value"]) - float(f.subs(point).evalf())) < 1e-13


def test_evaluate():
    assert solve("evaluate", expr=parse("σ(x)"), at={x: 0}).answer == R(1, 2)
    assert solve("evaluate", expr=parse("x^2 + 3x*y"), at={x: 2, y: R(1, 2)}).answer == 7
    with pytest.raises(MathError, match="undefined.*divides by zero"):
        solve("evaluate", expr=parse("1/(x - 1)"), at={x: 1})
    with pytest.raises(MathError, match="removable: the limit there is 1"):
        solve("evaluate", expr=parse("sin(x)/x"), at={x: 0})
    with pytest.raises(MathError, match="complex .*a real number was expected"):
        solve("evaluate", expr=parse("sqrt(x)"), at={x: -4})
    with pytest.raises(MathError, match="no value for y"):
        solve("evaluate", expr=parse("x + y"), at={x: 1})
