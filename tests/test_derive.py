"""Step-by-step differentiation: named rules, readable results, and soundness of every node."""

import random

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcai import derive, parse
from calcai.differentiation import ChainRule, walk
from calcai.functions import leaky_relu, relu, rewrite_activations, sigmoid, softplus

x, y = sp.symbols("x y", real=True)


def rules(derivation):
    return [node.rule for node in walk(derivation.steps)]


def assert_sound(tree, rng=random.Random(7), points=3):
    """Every node's result equals sympy's derivative of its expression (checked at random points)."""
    for node in walk(tree):
        expected = sp.diff(node.expr, node.wrt)
        difference = rewrite_activations(node.result - expected)
        if difference == 0:
            continue
        symbols = sorted(difference.free_symbols, key=str)
        checked = 0
        for _ in range(points * 4):
            point = {s: sp.Rational(rng.randint(-300, 300), 100) for s in symbols}
            value = sp.N(difference.subs(point), 30)
            if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not value.is_finite:
                continue
            scale = 1 + abs(sp.N(expected.subs(point), 30)) if expected.subs(point).is_finite else 1
            assert abs(value) < 1e-12 * scale, (node.rule, node.expr, node.result, expected, point)
            checked += 1
            if checked == points:
                break


@pytest.mark.parametrize("text, wrt, expected, rule", [
    ("x^3", "x", 3 * x**2, "power"),
    ("x^5", "x", 5 * x**4, "power"),
    ("7", "x", 0, "constant"),
    ("x^3 + 2x^2 + 5", "x", 3 * x**2 + 4 * x, "sum"),
    ("e^(2x)", "x", 2 * sp.exp(2 * x), "chain"),
    ("ln(x^2)", "x", 2 / x, "chain"),
    ("σ(x)", "x", sigmoid(x) * (1 - sigmoid(x)), "sigmoid"),
    ("tanh(x)", "x", 1 - sp.tanh(x)**2, "hyperbolic"),
    ("ReLU(x)", "x", sp.Piecewise((1, x > 0), (0, True)), "relu"),
    ("max(0, x)", "x", sp.Piecewise((1, x > 0), (0, True)), "relu"),
    ("leaky_relu(x)", "x", sp.Piecewise((1, x > 0), (sp.Rational(1, 100), True)), "leaky_relu"),
    ("softplus(x)", "x", sigmoid(x), "softplus"),
    ("(x² + 1)³", "x", 6 * x * (x**2 + 1)**2, "chain"),
    ("x*sin(x)", "x", x * sp.cos(x) + sp.sin(x), "product"),
    ("sin(x)/x", "x", (x * sp.cos(x) - sp.sin(x)) / x**2, "quotient"),
    ("2^x", "x", 2**x * sp.log(2), "exp"),
    ("log(x, 2)", "x", 1 / (x * sp.log(2)), "constant_multiple"),
    ("|x|", "x", sp.sign(x), "abs"),
    ("atan(x)", "x", 1 / (x**2 + 1), "inverse_trig"),
    ("x^x", "x", x**x * (sp.log(x) + 1), "general_power"),
    ("x^2 + 3xy + y^2", "x", 2 * x + 3 * y, "sum"),
    ("x^2 + 3xy + y^2", "y", 3 * x + 2 * y, "sum"),
])
def test_tutorial_rules_and_results(text, wrt, expected, rule):
    d = derive(text, wrt)
    assert d.steps.rule == rule or (d.steps.rule == "rewrite" and d.steps.substeps[0].rule == rule)
    assert sp.expand(rewrite_activations(d.result - expected)) == 0
    assert_sound(d.steps)


def test_sigmoid_from_its_definition_is_rewritten_to_the_tutorial_form():
    d = derive("1/(1 + e^(-x))")
    assert d.result == sigmoid(x) * (1 - sigmoid(x))
    assert d.steps.rule == "rewrite"
    assert d.steps.before == sp.exp(-x) / (1 + sp.exp(-x))**2
    assert d.steps.substeps[0].rule == "chain"
    assert_sound(d.steps)


def test_chain_rule_names_the_inner_function():
    d = derive("tanh(2x+1)")
    chain = d.steps if d.steps.rule == "chain" else d.steps.substeps[0]
    assert isinstance(chain, ChainRule)
    assert chain.inner == 2 * x + 1
    outer, inner = chain.substeps
    assert outer.rule == "hyperbolic" and outer.result == 1 - sp.tanh(chain.u)**2
    assert inner.result == 2


def test_logarithmic_differentiation_for_x_to_the_x():
    d = derive("x^x")
    assert d.steps.rule == "general_power"
    assert d.steps.substeps[0].expr == x * sp.log(x)


def test_chain_rule_value_at_two_is_300():
    assert derive("(x^2 + 1)^3").at({"x": 2}) == 300


def test_second_derivative_chains_two_trees():
    d = derive("x^3 - 3x^2 + 2", order=2)
    assert d.result == 6 * x - 6
    assert len(d.trees) == 2
    assert d.at({"x": 0}) == -6 and d.at({"x": 2}) == 6


def test_wrt_required_with_several_variables():
    from calcai.errors import CalcaiError

    with pytest.raises(CalcaiError, match="several variables"):
        derive("x*y")


def test_order_limit_is_checked_first():
    from calcai.errors import LimitError

    with pytest.raises(LimitError, match="max_order"):
        derive("sin(x)", order=10**6)


def test_accepts_sympy_objects_and_symbols():
    assert derive(x**2 * y, y).result == x**2


def test_sympy_rule_is_explicit_for_unnamed_functions():
    d = derive(sp.erf(x))
    assert d.steps.rule == "sympy"
    assert d.result == sp.diff(sp.erf(x), x)


# ---------------------------------------------------------------- property tests

_leaves = st.sampled_from([x, y, sp.Integer(2), sp.Integer(-3), sp.Rational(1, 2), sp.Integer(5)])


def _unary(e):
    return st.sampled_from([sp.exp, sp.sin, sp.cos, sp.tanh, sigmoid, softplus, relu, leaky_relu,
                            lambda a: sp.log(a**2 + 1), lambda a: sp.sqrt(a**2 + 1), sp.atan]).map(lambda f: f(e))


def _binary(pair):
    a, b = pair
    return st.sampled_from([a + b, a - b, a * b, a / (b**2 + 1), a**2 * b, (a**2 + 1)**b if b.is_Number else a * b])


_trees = st.recursive(
    _leaves,
    lambda inner: st.one_of(inner.flatmap(_unary), st.tuples(inner, inner).flatmap(_binary),
                            st.tuples(inner, st.integers(-3, 4)).map(lambda t: t[0]**t[1] if t[0] != 0 else t[0])),
    max_leaves=6,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees)
def test_every_node_equals_sympys_derivative(expr):
    if not expr.has(x):
        expr = expr + x
    d = derive(expr, x)
    assert_sound(d.steps)


def _central_difference(f, point, h=1e-6):
    """(f(x + h) − f(x − h))/2h, or None where f has no real value nearby."""
    lo, hi = dict(point), dict(point)
    lo[x] -= sp.Float(h, 30)
    hi[x] += sp.Float(h, 30)
    values = [sp.N(rewrite_activations(f).subs(p), 30) for p in (hi, lo)]
    if not all(v.is_finite and v.is_real for v in values) or max(abs(v) for v in values) > 1e12:
        return None                       # no real value, or too large for 30-digit differences
    return float((values[0] - values[1]) / (2 * sp.Float(h, 30)))   # in 30 digits: no cancellation


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees, st.floats(-2, 2).filter(lambda v: abs(v) > 0.05), st.floats(-2, 2))
def test_result_matches_finite_differences(expr, x0, y0):
    if not expr.has(x):
        expr = expr + x
    d = derive(expr, x)
    point = {x: sp.Float(x0, 30), y: sp.Float(y0, 30)}
    value = sp.N(rewrite_activations(d.result).subs(point), 30)
    if not value.is_finite or not value.is_real:
        return
    # kinks of ReLU / leaky ReLU make finite differences meaningless right at them
    for kink in expr.atoms(relu, leaky_relu):
        inner = sp.N(kink.args[0].subs(point), 30)
        if not inner.is_real or abs(inner) < 1e-3:
            return
    estimate = _central_difference(expr, point)
    if estimate is None:
        return
    assert abs(estimate - float(value)) <= 1e-4 * (1 + abs(float(value)))


def test_parse_and_derive_agree_on_pasted_tutorial_text():
    assert derive(parse("(w₁·x₁ + w₂·x₂ - y)²"), "w1").result == 2 * sp.Symbol("x1", real=True) * (
        sp.Symbol("w1", real=True) * sp.Symbol("x1", real=True)
        + sp.Symbol("w2", real=True) * sp.Symbol("x2", real=True) - y)


def test_each_chain_rule_names_its_own_inner_function():
    d = derive("sin(e^(x^2))")
    chains = [n for n in walk(d.steps) if isinstance(n, ChainRule)]
    assert [c.u.name for c in chains] == ["u", "v"]
    assert [c.inner for c in chains] == [sp.exp(x**2), x**2]
    assert_sound(d.steps)


def test_max_of_two_functions_is_piecewise():
    d = derive("max(x, x^2)")
    assert d.steps.rule == "max_min"
    assert d.result == sp.Piecewise((1, x > x**2), (2 * x, True))
    assert d.at({"x": sp.Rational(1, 2)}) == 1 and d.at({"x": 2}) == 4
