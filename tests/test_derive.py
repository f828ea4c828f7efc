"""Step-by-step differentiation: named rules, readable results, and soundness of every node."""

import random

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcai import derive, parse
from calcai.differentiation import ChainRule, walk
from calcai.functions import (
    elu, gelu, leaky_relu, log10, mish, relu, rewrite_activations, selu, sigmoid, silu, softplus, softsign,
)

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
    d = derive(sp.gamma(x))
    assert d.steps.rule == "sympy"
    assert d.result == sp.diff(sp.gamma(x), x)


# ---------------------------------------------------------------- property tests

_leaves = st.sampled_from([x, y, sp.Integer(2), sp.Integer(-3), sp.Rational(1, 2), sp.Integer(5)])


def _unary(e):
    return st.sampled_from([sp.exp, sp.sin, sp.cos, sp.tanh, sigmoid, softplus, relu, leaky_relu,
                            lambda a: sp.log(a**2 + 1), lambda a: sp.sqrt(a**2 + 1), sp.atan,
                            gelu, silu, mish, softsign, elu, selu, sp.erf, sp.asinh,
                            lambda a: log10(a**2 + 1), lambda a: sp.sec(a / 4)]).map(lambda f: f(e))


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
    # kinks of ReLU / leaky ReLU / SELU make finite differences meaningless right at them
    for kink in expr.atoms(relu, leaky_relu, selu):
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


# ---------------------------------------------------------------- readable by construction

def _sigmoid_polynomials(n):
    """P₁ = 1, P_{k+1} = (1 − 2s)·P_k + s(1 − s)·P_k': σ⁽ᵏ⁾ = σ(1 − σ)·P_k(σ)."""
    s = sp.Symbol("s")
    p, out = sp.Integer(1), []
    for _ in range(n):
        out.append(p)
        p = sp.expand((1 - 2 * s) * p + s * (1 - s) * sp.diff(p, s))
    return s, out


@pytest.mark.parametrize("k", range(1, 9))
def test_sigmoid_derivatives_are_sigma_one_minus_sigma_times_a_polynomial(k):
    d = derive("σ(x)", order=k)
    s, polys = _sigmoid_polynomials(k)
    sx = sigmoid(x)
    assert sp.expand(d.result - sx * (1 - sx) * polys[-1].subs(s, sx)) == 0
    factors = sp.Mul.make_args(d.result)
    assert sx in factors and 1 - sx in factors          # the textbook's σ(1 − σ) stays a factor
    for tree in d.trees:
        assert_sound(tree)


@pytest.mark.parametrize("k", range(1, 8))
def test_tanh_derivatives_are_one_minus_tanh_squared_times_a_polynomial(k):
    d = derive("tanh(x)", order=k)
    t = sp.Symbol("t")
    q = t
    for _ in range(k):
        q = sp.expand((1 - t**2) * sp.diff(q, t))
    assert sp.expand(d.result - q.subs(t, sp.tanh(x))) == 0
    assert 1 - sp.tanh(x)**2 in sp.Mul.make_args(d.result)
    for tree in d.trees:
        assert_sound(tree)


def test_textbook_forms_of_the_first_derivatives():
    sx = sigmoid(x)
    assert derive("σ(x)", order=2).result == sx * (1 - sx) * (1 - 2 * sx)
    assert derive("tanh(x)", order=2).result == -2 * sp.tanh(x) * (1 - sp.tanh(x)**2)
    assert derive("softplus(x)", order=3).result == sx * (1 - sx) * (1 - 2 * sx)


def test_a_number_in_front_of_a_sum_stays_there():
    r = derive("tanh(2x)").result
    assert r.is_Mul and r.args[0] == 2 and (1 - sp.tanh(2 * x)**2) in r.args
    r = derive("(2x - 5)^2").result
    assert r.args[0] == 4 and (2 * x - 5) in r.args


def test_sigmoid_of_an_inner_function_is_recognised():
    d = derive("1/(1 + e^(-(2x+1)))")
    s = sigmoid(2 * x + 1)
    assert d.result == 2 * s * (1 - s)
    assert d.steps.rule == "rewrite" and d.steps.substeps[0].rule == "chain"
    assert_sound(d.steps)


def test_polynomial_in_sigmoid_is_expanded_then_differentiated():
    from calcai.differentiation import ExpandRule

    d = derive("σ(x)·(1 − σ(x))·(1 − 2σ(x))")
    assert d.steps.rule == "chain" and d.steps.inner == sigmoid(x)
    outer = d.steps.substeps[0]
    assert isinstance(outer, ExpandRule)
    assert outer.expanded == 2 * outer.wrt**3 - 3 * outer.wrt**2 + outer.wrt
    assert_sound(d.steps)
    from calcai.render.text import step_lines

    assert step_lines(derive("tanh(x)", order=3).trees[-1])[:2] == [
        "chain rule (u = tanh(x)): d/dx (−2tanh(x)·(1 − tanh(x)²)) = 2(1 − tanh(x)²)·(3tanh(x)² − 1)",
        "  expand rule: d/du (−2u·(1 − u²)) = d/du (2u³ − 2u) = 6u² − 2 = 2(3u² − 1)",
    ]


def test_three_or_more_constant_terms_are_one_step():
    xs = sp.symbols("x1:6", real=True)
    d = derive(sum(v**2 for v in xs), xs[0])
    assert [s.rule for s in d.steps.substeps] == ["power", "constant"]
    assert d.steps.substeps[1].expr == sum(v**2 for v in xs[1:])
    assert_sound(d.steps)


def test_subtrees_are_derived_once():
    from calcai.differentiation import diff_steps

    e = parse("sin(x^2)*exp(-x) + cos(x^2)*exp(-x)")
    first = diff_steps(e, x)
    assert diff_steps(e, x) is first
    before = diff_steps.cache_info().hits
    diff_steps(sp.sin(x**2) * sp.exp(-x) * 7 + sp.exp(-x), x)
    assert diff_steps.cache_info().hits > before          # e^(−x)·sin(x²) was met already


_atoms = st.sampled_from([sigmoid(x), sigmoid(2 * x + y), sp.tanh(x), sp.tanh(3 * x - 1)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_atoms, st.lists(st.integers(-4, 4), min_size=2, max_size=5), st.lists(st.integers(0, 3), max_size=3))
def test_polynomials_in_an_activation_are_sound(atom, coefficients, roots):
    p = sum(c * atom**k for k, c in enumerate(coefficients))
    for r in roots:
        p = p * (atom - r)
    if x not in p.free_symbols:
        return
    d = derive(p, x)
    assert_sound(d.steps)


def test_polynomial_in_sigmoid_with_a_symbolic_factor():
    a = sp.Symbol("a", real=True)
    d = derive(sigmoid(a * x) * (1 - sigmoid(a * x)), x)
    s = sigmoid(a * x)
    assert sp.expand(d.result - a * s * (1 - s) * (1 - 2 * s)) == 0
    assert_sound(d.steps)
    assert_sound(derive(-y * sigmoid(x * y) ** 2 + y * sigmoid(x * y), x).steps)
