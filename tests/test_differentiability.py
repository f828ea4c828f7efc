"""Derivatives at a point where f may have a kink: one-sided derivatives, NotDifferentiable,
the ReLU'(0) = 0 convention, and ``expected: not differentiable``.

Every one-sided value is compared with sympy's own ``limit`` of the difference quotient, taken
independently of calcai's way (which resolves each piece to its branch for a step h > 0): a
plain real step h, dir="-"/"+", on f written with |·| only (max(u, v) = (u + v + |u − v|)/2,
ReLU(u) = (u + |u|)/2), which sympy's limit handles where it cannot handle max. Every value at
a smooth point is compared with sympy's ``diff`` evaluated there."""

import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import calcai
from calcai.differentiability import NotDifferentiable, check, derivative_at, kink_pieces
from calcai.errors import EXIT_BAD_INPUT, MathError
from calcai.functions import leaky_relu, relu
from calcai.problems import ProblemFileError, loads
from calcai.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
x, y = sp.symbols("x y", real=True)
h = sp.Symbol("h", real=True)


def run(*args):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def with_abs_only(f):
    """f with max, min, ReLU and LeakyReLU written by |·| (the same function)."""
    f = f.replace(lambda e: isinstance(e, (sp.Max, sp.Min)) and len(e.args) == 2,
                  lambda e: (e.args[0] + e.args[1] + (1 if isinstance(e, sp.Max) else -1)
                             * sp.Abs(e.args[0] - e.args[1])) / 2)
    f = f.replace(lambda e: isinstance(e, relu), lambda e: (e.args[0] + sp.Abs(e.args[0])) / 2)
    return f.replace(lambda e: isinstance(e, leaky_relu),
                     lambda e: ((1 + e.args[1]) * e.args[0] + (1 - e.args[1]) * sp.Abs(e.args[0])) / 2)


def sympy_sides(f, var, point):
    """One-sided derivatives by sympy alone: lim (f(a + h) − f(a))/h for h → 0∓."""
    others = {s: v for s, v in point.items() if s != var}
    g = with_abs_only(f.xreplace(others))
    a = point[var]
    quotient = (g.xreplace({var: a + h}) - g.xreplace({var: a})) / h
    return sp.limit(quotient, h, 0, "-"), sp.limit(quotient, h, 0, "+")


# ---------------------------------------------------------------- the command line, exactly

ABS_KINK = ("calcai: error: |x| is not differentiable at x = 0: the derivative from the left is −1, "
            "from the right is 1\n")


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_golden_abs_at_its_kink_is_an_error_like_one_over_x(fmt):
    done = run("diff", "abs(x)", "--at", "x=0", "--format", fmt)
    assert (done.returncode, done.stdout, done.stderr) == (EXIT_BAD_INPUT, "", ABS_KINK)
    assert run("diff", "1/x", "--at", "x=0", "--format", fmt).returncode == done.returncode


ABS_AT_ONE_TEXT = """\
Differentiate |x| with respect to x
===================================

Rules
-----
abs rule: d/dx |x| = sign(x)

At the point
------------
At x = 1:
d/dx [|x|] = 1

Answer: d/dx [|x|] = 1
"""

ABS_AT_ONE_MARKDOWN = r"""# Differentiate |x| with respect to x

## Rules

- **abs rule**: $\frac{d}{d x} \left|{x}\right| = \operatorname{sign}{\left(x \right)}$

## At the point

At x = 1:

$\frac{d}{d x} \left|{x}\right| = 1$

**Answer:** $\frac{d}{d x} \left|{x}\right| = 1$
"""


@pytest.mark.parametrize("fmt, golden", [("text", ABS_AT_ONE_TEXT), ("markdown", ABS_AT_ONE_MARKDOWN)])
def test_golden_abs_away_from_its_kink(fmt, golden):
    done = run("diff", "abs(x)", "--at", "x=1", "--format", fmt)
    assert (done.returncode, done.stdout, done.stderr) == (0, golden, "")


@pytest.mark.parametrize("args, message", [
    (["sqrt(x)"], "√x is not differentiable at x = 0: it has no real values for x < 0, and the derivative "
                  "from the right is ∞"),
    (["x^(1/3)"], "x^(1/3) is not differentiable at x = 0: it has no real values for x < 0, and the "
                  "derivative from the right is ∞"),
    (["max(x, y)", "--wrt", "x"], "max(x, y) is not differentiable with respect to x at x = 1, y = 1: the "
                                  "derivative from the left is 0, from the right is 1"),
])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_golden_kinks_of_roots_and_max(args, message, fmt):
    at = "x=1,y=1" if "max" in args[0] else "x=0"
    done = run("diff", *args, "--at", at, "--format", fmt)
    assert (done.returncode, done.stdout, done.stderr) == (EXIT_BAD_INPUT, "", f"calcai: error: {message}\n")


RELU_TEXT = """\
Differentiate ReLU(x) with respect to x
=======================================

Rules
-----
relu rule: d/dx ReLU(x) = {1 if x > 0; 0 otherwise}

At the point
------------
At x = 0:
d/dx [ReLU(x)] = 0
ReLU(x) has a kink at x = 0; by the convention ReLU'(0) = 0.

Answer: d/dx [ReLU(x)] = 0
"""

RELU_MARKDOWN = r"""# Differentiate ReLU(x) with respect to x

## Rules

- **relu rule**: $\frac{d}{d x} \operatorname{ReLU}\left(x\right) = \begin{cases} 1 & \text{for}\: x > 0 \\0 & \text{otherwise} \end{cases}$

## At the point

At x = 0:

$\frac{d}{d x} \operatorname{ReLU}\left(x\right) = 0$

ReLU(x) has a kink at x = 0; by the convention ReLU'(0) = 0.

**Answer:** $\frac{d}{d x} \operatorname{ReLU}\left(x\right) = 0$
"""


@pytest.mark.parametrize("fmt, golden", [("text", RELU_TEXT), ("markdown", RELU_MARKDOWN)])
def test_golden_relu_at_zero_keeps_the_tutorials_convention_and_says_so(fmt, golden):
    done = run("diff", "relu(x)", "--at", "x=0", "--format", fmt)
    assert (done.returncode, done.stdout, done.stderr) == (0, golden, "")


# ---------------------------------------------------------------- the engine

def refusal(f, var, point):
    with pytest.raises(NotDifferentiable) as caught:
        check(f, var, point)
    return caught.value


@pytest.mark.parametrize("f, point, left, right, reason", [
    (sp.Abs(x), {x: 0}, -1, 1, "kink"),
    (sp.Abs(x**2 - 1), {x: 1}, -2, 2, "kink"),
    (sp.Max(x, y), {x: 1, y: 1}, 0, 1, "kink"),
    (sp.Min(2 * x, x + 1), {x: 1}, 2, 1, "kink"),
    (sp.Max(x, x**2), {x: 0}, 0, 1, "kink"),
    (sp.sqrt(x**2 + y**2), {x: 0, y: 0}, -1, 1, "kink"),
    (sp.exp(x) * sp.Abs(sp.sin(x)), {x: 0}, -1, 1, "kink"),
    (relu(x) + sp.Abs(x), {x: 0}, -1, 2, "kink"),
    (sp.Abs(x)**sp.Rational(2, 3), {x: 0}, -sp.oo, sp.oo, "kink"),
    (sp.sqrt(x), {x: 0}, None, sp.oo, "domain"),
    (sp.sqrt(1 - x**2), {x: 1}, -sp.oo, None, "domain"),
    (sp.sign(x), {x: 0}, sp.oo, sp.oo, "discontinuous"),
])
def test_one_sided_derivatives_at_kinks(f, point, left, right, reason):
    err = refusal(f, x, point)
    assert (err.left, err.right, err.reason) == (left, right, reason)
    for mine, theirs in zip((err.left, err.right), sympy_sides(f, x, point)):
        assert mine == theirs if mine is not None else theirs.is_extended_real is False


def test_messages_say_what_breaks():
    assert str(refusal(sp.sign(x), x, {x: 0})) == (
        "sign(x) is not differentiable at x = 0: it is not continuous there (it tends to −1 from the left "
        "and to 1 from the right, and its value there is 0)")
    assert str(refusal(sp.Abs(x)**sp.Rational(1, 2), x, {x: 0})).endswith(
        "the derivative from the left is −∞, from the right is ∞")
    assert str(refusal(sp.sqrt(-x**2), x, {x: 0})).endswith("it has no real values on either side of x = 0")


@pytest.mark.parametrize("f, point, value", [
    (sp.Abs(x)**3, {x: 0}, 0),                    # the kink is smoothed away
    (x * sp.Abs(x) + 3 * sp.Abs(x - 2), {x: 0}, -3),
    (sp.Heaviside(x, 0) * x**2, {x: 0}, 0),       # the rules would meet δ(0)·0
    (sp.Max(x, y) + sp.Min(x, y), {x: 1, y: 1}, 1),
])
def test_kink_pieces_that_leave_f_differentiable(f, point, value):
    df = sp.diff(f, x)
    assert derivative_at(f, x, df, point) == (value, ())
    assert sympy_sides(f, x, point) == (value, value)


def test_one_sided_end_of_the_domain_is_said():
    value, notes = derivative_at(x**sp.Rational(3, 2), x, sp.Rational(3, 2) * sp.sqrt(x), {x: 0})
    assert value == 0
    assert notes == ("x^(3/2) has real values only for x ≥ 0 near x = 0; its derivative there is the one "
                     "from the right.",)


@pytest.mark.parametrize("f, point, note", [
    (relu(x), {x: 0}, "ReLU(x) has a kink at x = 0; by the convention ReLU'(0) = 0."),
    (relu(x - 1), {x: 1}, "ReLU(x − 1) has a kink at x = 1; by the convention ReLU'(0) = 0."),
    (leaky_relu(x), {x: 0}, "LeakyReLU(x) has a kink at x = 0; by the convention LeakyReLU'(0) = 0.01."),
])
def test_activations_use_their_convention(f, point, note):
    assert derivative_at(f, x, sp.diff(f, x), point) == (sp.diff(f, x).xreplace(point), (note,))


def test_smooth_points_and_smooth_expressions_pay_nothing():
    assert kink_pieces(sp.sin(x) * sp.exp(y) + x**3) == ()
    assert check(sp.Abs(x), x, {x: 1}) is None
    assert check(relu(x * y), x, {x: 0, y: 0}) is None          # along x, ReLU(x·0) does not bend
    assert check(sp.Max(x, y), x, {x: 1}) is None               # y unknown: no verdict


def test_not_differentiable_is_a_math_error_that_survives_the_worker_pipe():
    err = refusal(sp.Max(x, y), x, {x: 1, y: 1})
    assert isinstance(err, MathError) and err.exit_code == EXIT_BAD_INPUT
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.left, back.right, back.point, back.wrt) == (str(err), 0, 1, {x: 1, y: 1}, x)


# ---------------------------------------------------------------- generated cases

def _piecewise_linear(rng):
    """b·x + Σ cᵢ·|x − aᵢ| + d·max(x − p, q·(x − p)), kinks at distinct aᵢ and p."""
    spots = rng.sample([sp.Rational(k, 2) for k in range(-8, 9)], 4)
    coeff = lambda: sp.Rational(rng.choice([-3, -2, -1, 1, 2, 3]), rng.choice([1, 2]))  # noqa: E731
    f = coeff() * x + sum(coeff() * sp.Abs(x - a) for a in spots[:3])
    p, q = spots[3], sp.Rational(rng.choice([-2, 0, 3]), 1)
    f += coeff() * sp.Max(x - p, q * (x - p))
    return f, spots


@pytest.mark.parametrize("seed", range(12))
def test_generated_piecewise_linear_kinks_match_sympys_limits(seed):
    rng = random.Random(seed)
    f, kinks = _piecewise_linear(rng)
    for a in kinks:
        left, right = sympy_sides(f, x, {x: a})
        assert left != right                     # each kink has a jump in slope of its own
        err = refusal(f, x, {x: a})
        assert (err.left, err.right) == (left, right)
        with pytest.raises(NotDifferentiable):
            calcai.derive(f).at({x: a})


@pytest.mark.parametrize("seed", range(12))
def test_generated_piecewise_linear_smooth_points_match_sympys_diff(seed):
    rng = random.Random(100 + seed)
    f, kinks = _piecewise_linear(rng)
    points = [sp.Rational(2 * k + 1, 4) for k in range(-12, 12)]
    for a in rng.sample([p for p in points if p not in kinks], 5):
        assert calcai.derive(f).at({x: a}) == sp.diff(f, x).subs(x, a)


@pytest.mark.parametrize("seed", range(8))
def test_generated_max_min_along_each_variable(seed):
    rng = random.Random(200 + seed)
    c, d = (sp.Integer(rng.choice([-2, -1, 1, 2, 3])) for _ in range(2))
    f = sp.Max(c * x, d * y) + sp.Min(x, y) * rng.choice([0, 1])
    a = sp.Integer(rng.choice([1, 2, 3]))
    point = {x: d * a, y: c * a}                 # c·x = d·y there
    for var in (x, y):
        left, right = sympy_sides(f, var, point)
        if left == right:
            assert check(f, var, point).value == left
        else:
            err = refusal(f, var, point)
            assert (err.left, err.right) == (left, right)


@pytest.mark.parametrize("p, q", [(1, 2), (1, 3), (2, 3), (3, 2), (5, 3), (5, 2)])
def test_generated_roots_at_zero(p, q):
    f = x**sp.Rational(p, q)
    if sp.Rational(p, q) < 1:
        err = refusal(f, x, {x: 0})
        assert err.right == sp.oo and err.left is None
    else:
        assert derivative_at(f, x, sp.diff(f, x), {x: 0})[0] == 0 == sympy_sides(f, x, {x: 0})[1]


# ---------------------------------------------------------------- every evaluation path

def test_api_paths():
    assert calcai.derive("abs(x)").at({"x": 1}) == 1
    with pytest.raises(NotDifferentiable):
        calcai.derive("abs(x)").at({"x": 0})
    with pytest.raises(NotDifferentiable, match="^|x| is not differentiable"):
        calcai.derive("abs(x)", order=2).at({"x": 0})
    with pytest.raises(NotDifferentiable, match=r"^d/dx \[ReLU\(x\)\] = .* is not continuous there"):
        calcai.derive("relu(x)", order=2).at({"x": 0})
    assert calcai.gradient("max(x, y)").at({"x": 1, "y": 2}) == (0, 1)
    for call in (lambda: calcai.gradient("max(x, y)").at({"x": 1, "y": 1}),
                 lambda: calcai.gradient("max(x, y)", at={"x": 1, "y": 1}),
                 lambda: calcai.hessian("abs(x) + y^2", at={"x": 0, "y": 1}),
                 lambda: calcai.jacobian(["abs(x)", "x*y"], at={"x": 0, "y": 1}),
                 lambda: calcai.directional_derivative("sqrt(x^2 + y^2)", {"x": 0, "y": 0}, [1, 1]),
                 lambda: calcai.total_derivative("abs(x)", {"x": "t - 1"}, "t", at={"t": 1})):
        with pytest.raises(NotDifferentiable):
            call()
    assert calcai.total_derivative("abs(x)", {"x": "t^2"}, "t", at={"t": 0}).value == 0   # |t²| = t²


def test_gradient_walkthrough_states_the_convention():
    text = str(calcai.gradient("relu(x) + y^2", at={"x": 0, "y": 1}))
    assert "ReLU(x) has a kink at x = 0, y = 1; by the convention ReLU'(0) = 0." in text.splitlines()
    assert text.endswith("Answer: ∇f = [0, 2]")


def test_hessian_of_relu_at_its_kink_does_not_exist():
    with pytest.raises(NotDifferentiable, match=r"^∂f/∂x = \{1 if x > 0; 0 otherwise\} is not differentiable "
                                                r"with respect to x at x = 0, y = 1: it is not continuous there"):
        calcai.hessian("relu(x) + y^2", at={"x": 0, "y": 1})


def test_taylor_about_a_kink():
    with pytest.raises(NotDifferentiable, match=r"^\|x\| is not differentiable at x = 0"):
        calcai.taylor("abs(x)", {"x": 0}, 2)
    t = calcai.taylor("relu(x)", {"x": 0}, 1)
    assert t.result == 0 and "by the convention ReLU'(0) = 0." in str(t)
    with pytest.raises(NotDifferentiable, match=r"^f' = \{1 if x > 0; 0 otherwise\} is not differentiable"):
        calcai.taylor("relu(x)", {"x": 0}, 2)
    assert calcai.taylor("abs(x)", {"x": 1}, 2).result == x


# ---------------------------------------------------------------- expected: not differentiable

KINKS_YAML = """\
problems:
  - id: abs-kink
    kind: derivative
    expr: "abs(x)"
    at: {x: 0}
    expected: not differentiable
  - id: max-kink
    kind: gradient
    expr: "max(x, y)"
    at: {x: 1, y: 1}
    expected: Not Differentiable
  - id: cone-tip
    kind: directional_derivative
    expr: "sqrt(x^2 + y^2)"
    at: {x: 0, y: 0}
    direction: [1, 1]
    expected: not_differentiable
  - id: abs-smooth
    kind: derivative
    expr: "abs(x)"
    at: {x: 1}
    expected: not differentiable
"""


def test_expected_not_differentiable_passes_at_a_kink_and_fails_where_the_derivative_exists():
    problems = loads(KINKS_YAML)
    solutions = {p.id: solve(p) for p in problems}
    assert {k: s.check.status for k, s in solutions.items()} == {
        "abs-kink": "pass", "max-kink": "pass", "cone-tip": "pass", "abs-smooth": "fail"}
    assert solutions["abs-kink"].answer == "not differentiable"
    (item,) = solutions["abs-smooth"].check.items
    assert item.message == "expected 'not differentiable', got 1: the derivative exists there"


@pytest.mark.parametrize("expected", ["\n    expected: 0", ""])
def test_a_kink_without_that_expectation_is_an_error(expected):
    (problem,) = loads(f'problems:\n  - id: p\n    kind: derivative\n    expr: "abs(x)"\n    at: {{x: 0}}{expected}\n')
    with pytest.raises(NotDifferentiable):
        solve(problem)


KINK_WALKTHROUGH = """\
Differentiability of max(x, y) at x = 1, y = 1
==============================================

Differentiability
-----------------
At x = 1, y = 1, along x:
derivative from the left = 0
derivative from the right = 1

Answer: max(x, y) is not differentiable with respect to x at x = 1, y = 1: the derivative from the left is 0, \
from the right is 1
Check: pass"""


def test_golden_walkthrough_of_an_expected_kink():
    problem = loads(KINKS_YAML)[1]
    assert str(solve(problem)) == KINK_WALKTHROUGH


def test_calcai_check_expects_kinks(tmp_path):
    path = tmp_path / "kinks.yaml"
    path.write_text(KINKS_YAML.split("  - id: abs-smooth")[0], encoding="utf-8")
    done = run("check", str(path), "--format", "text")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "3 passed, 0 failed"


@pytest.mark.parametrize("problem, message", [
    ('kind: derivative\n    expr: "abs(x)"', "'expected: not differentiable' needs the point: give 'at'"),
    ('kind: integral\n    expr: "abs(x)"',
     "'expected: not differentiable' is for the kinds that evaluate derivatives at a point (derivative, "
     "partial, gradient, hessian, jacobian, directional_derivative, total_derivative), not integral"),
])
def test_expected_not_differentiable_is_validated(problem, message):
    with pytest.raises(ProblemFileError) as caught:
        loads(f"problems:\n  - id: p\n    {problem}\n    expected: not differentiable\n")
    assert [e.message for e in caught.value.errors] == [f"problem p: {message}"]
