"""The functions people write beyond the tutorial's: sec, csc, cot, the inverse hyperbolics, log₂,
log₁₀, erf, and the activations GELU (exact and tanh), SiLU / swish, ELU, SELU, softsign, mish
(with Φ and φ for GELU). Each one: parsed, differentiated by a named rule in textbook form that
equals sympy's derivative of its closed form (symbolically and at random points), exact where
exact values exist, printed in text / LaTeX / JSON, expanded in series and integrated."""

import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from calcai import derive, integrate, parse
from calcai.differentiation import walk
from calcai.errors import MathError, ParseError
from calcai.evaluate import evaluate_at
from calcai.functions import (
    SELU_ALPHA, SELU_LAMBDA, elu, gelu, gelu_tanh, log2, log10, mish, normal_cdf, normal_pdf,
    numeric_namespace, rewrite_activations, selu, sigmoid, silu, softplus, softsign, swish,
)
from calcai.powerseries import NotExpandable, expand
from calcai.render.jsonout import expr_text
from calcai.render.latex import latex_math
from calcai.render.text import math_text
from calcai.series import taylor_by_derivatives, taylor_expansion

ROOT = Path(__file__).resolve().parents[1]
x = sp.Symbol("x", real=True)
alpha, beta = sp.Symbol("alpha", real=True), sp.Symbol("beta", real=True)
phi = normal_pdf(x)
Phi = normal_cdf(x)
s = sigmoid(x)

# ---------------------------------------------------------------- the table

# text, the parsed expression, its rule, its derivative in textbook form
CASES = [
    ("sec(x)", sp.sec(x), "reciprocal_trig", sp.sec(x) * sp.tan(x)),
    ("csc(x)", sp.csc(x), "reciprocal_trig", -sp.csc(x) * sp.cot(x)),
    ("cot(x)", sp.cot(x), "reciprocal_trig", -sp.csc(x) ** 2),
    ("asinh(x)", sp.asinh(x), "inverse_hyperbolic", 1 / sp.sqrt(x**2 + 1)),
    ("acosh(x)", sp.acosh(x), "inverse_hyperbolic", 1 / sp.sqrt(x**2 - 1)),
    ("atanh(x)", sp.atanh(x), "inverse_hyperbolic", 1 / (1 - x**2)),
    ("log2(x)", log2(x), "log_base", 1 / (x * sp.log(2))),
    ("log10(x)", log10(x), "log_base", 1 / (x * sp.log(10))),
    ("erf(x)", sp.erf(x), "erf", 2 * sp.exp(-x**2) / sp.sqrt(sp.pi)),
    ("erfc(x)", sp.erfc(x), "erf", -2 * sp.exp(-x**2) / sp.sqrt(sp.pi)),
    ("Φ(x)", Phi, "normal", phi),
    ("normal_pdf(x)", phi, "normal", -x * phi),
    ("gelu(x)", gelu(x), "gelu", Phi + x * phi),
    ("gelu_tanh(x)", gelu_tanh(x), "gelu_tanh", None),      # checked against its closed form only
    ("silu(x)", silu(x), "silu", s * (1 + x * (1 - s))),
    ("swish(x, β)", swish(x, beta), "swish",
     sigmoid(beta * x) * (1 + beta * x * (1 - sigmoid(beta * x)))),
    ("mish(x)", mish(x), "mish",
     sp.tanh(softplus(x)) + x * s * (1 - sp.tanh(softplus(x)) ** 2)),
    ("softsign(x)", softsign(x), "softsign", 1 / (1 + sp.Abs(x)) ** 2),
    ("elu(x)", elu(x, 1), "elu", sp.Piecewise((1, x > 0), (sp.exp(x), True))),
    ("elu(x, α)", elu(x, alpha), "elu", sp.Piecewise((1, x > 0), (alpha * sp.exp(x), True))),
    ("selu(x)", selu(x), "selu",
     sp.Piecewise((SELU_LAMBDA, x > 0), (SELU_LAMBDA * SELU_ALPHA * sp.exp(x), True))),
]
IDS = [c[0] for c in CASES]

# the closed forms, written here from the definitions (not taken from calcai)
CLOSED = {
    "Φ(x)": (1 + sp.erf(x / sp.sqrt(2))) / 2,
    "normal_pdf(x)": sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi),
    "gelu(x)": x * (1 + sp.erf(x / sp.sqrt(2))) / 2,
    "gelu_tanh(x)": x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Rational(44715, 10**6) * x**3))),
    "silu(x)": x / (1 + sp.exp(-x)),
    "swish(x, β)": x / (1 + sp.exp(-beta * x)),
    "mish(x)": x * sp.tanh(sp.log(1 + sp.exp(x))),
    "softsign(x)": x / (1 + sp.Abs(x)),
    "elu(x)": sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)),
    "elu(x, α)": sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True)),
    "selu(x)": sp.Piecewise((SELU_LAMBDA * x, x > 0), (SELU_LAMBDA * SELU_ALPHA * (sp.exp(x) - 1), True)),
    "log2(x)": sp.log(x) / sp.log(2),
    "log10(x)": sp.log(x) / sp.log(10),
}


def closed_form(text, expr):
    return CLOSED.get(text, expr)


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize("text, expr, rule, derivative", CASES, ids=IDS)
def test_parse(text, expr, rule, derivative):
    assert parse(text) == expr


@pytest.mark.parametrize("text, expected", [
    ("cosec(x)", sp.csc(x)), ("cotan(x)", sp.cot(x)), ("arcsinh(x)", sp.asinh(x)), ("arsinh(x)", sp.asinh(x)),
    ("arccosh(x)", sp.acosh(x)), ("arcosh(x)", sp.acosh(x)), ("arctanh(x)", sp.atanh(x)),
    ("artanh(x)", sp.atanh(x)), ("log₁₀(x)", log10(x)), ("log₂(x)", log2(x)), ("LOG10(x)", log10(x)),
    ("GELU(x)", gelu(x)), ("SiLU(x)", silu(x)), ("swish(x)", silu(x)), ("swish(x, 1)", silu(x)),
    ("ELU(x, 0.5)", elu(x, sp.Rational(1, 2))), ("SELU(x)", selu(x)), ("Mish(x)", mish(x)),
    ("normal_cdf(x)", Phi), ("sec²(x)", sp.sec(x) ** 2), ("sec(x)^2", sp.sec(x) ** 2),
    ("selu_lambda*selu_alpha", SELU_LAMBDA * SELU_ALPHA),
])
def test_aliases_and_notation(text, expected):
    assert parse(text) == expected


def test_phi_alone_is_a_variable_and_lowercase_phi_is_no_function():
    assert parse("Φ") == sp.Symbol("Phi", real=True)
    with pytest.raises(ParseError, match="unknown function 'phi'"):
        parse("phi(x)")


@pytest.mark.parametrize("text, message", [
    ("sec", "needs its argument in brackets"),
    ("gelu", "needs its argument in brackets"),
    ("log10(0)", "has no value"),
    ("swish(x, 1, 2)", "takes 1 to 2 arguments"),
    ("elu()", "needs an argument"),
    ("gelu.__class__", "attribute access is not allowed"),
    ("selu(__import__)", "double underscores"),
    ("erf(x)[0]", "indexing is not allowed"),
    ("mish(lambda: 1)", "':' is not allowed"),
])
def test_new_names_open_nothing(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)


def test_every_function_name_builds_a_sympy_object_and_nothing_else():
    from calcai.parser import functions

    for name, (builder, lo, hi) in functions().items():
        value = builder(*[x] * lo)
        assert isinstance(value, sp.Basic), name


# ---------------------------------------------------------------- derivatives


def _sound_at_random_points(expr, derivative, points=12, seed=11, lo=-300, hi=300):
    """``derivative`` equals d/dx ``expr`` at random points (30 digits), skipping points with no
    real value; α and β get random values too."""
    rng = random.Random(seed)
    expected = sp.diff(expr, x)
    checked = 0
    for _ in range(points * 5):
        point = {v: sp.Rational(rng.randint(lo, hi), 100) for v in (x, alpha, beta)}
        a = sp.N(rewrite_activations(derivative).xreplace(point), 30)
        b = sp.N(expected.xreplace(point), 30)
        if not (a.is_real and b.is_real and a.is_finite and b.is_finite):
            continue
        assert abs(a - b) <= sp.Float("1e-25") * (1 + abs(b)), (expr, point, a, b)
        checked += 1
        if checked == points:
            return
    raise AssertionError(f"too few real points for {expr}")


@pytest.mark.parametrize("text, expr, rule, derivative", CASES, ids=IDS)
def test_named_rule_in_textbook_form_equals_sympys_derivative_of_the_closed_form(text, expr, rule, derivative):
    d = derive(parse(text), x)
    assert d.steps.rule == rule
    if derivative is not None:
        assert d.result == derivative
    closed = closed_form(text, expr)
    difference = sp.piecewise_fold(rewrite_activations(d.result) - sp.diff(closed, x))
    if text == "acosh(x)":                   # real only for x ≥ 1: compare there
        t = sp.Symbol("t", positive=True)
        difference = difference.xreplace({x: 1 + t})
    assert sp.simplify(difference) == 0
    _sound_at_random_points(closed, d.result, lo=101 if text == "acosh(x)" else -300,
                            hi=300 if text not in ("atanh(x)",) else 99)


@pytest.mark.parametrize("text, expr, rule, derivative", CASES, ids=IDS)
def test_chain_rule_through_each_function_is_sound(text, expr, rule, derivative):
    inner = 2 * x + sp.Rational(3, 2) if text != "acosh(x)" else x**2 + 2
    composed = expr.xreplace({x: inner})
    d = derive(composed, x)
    assert d.steps.rule == "chain" and d.steps.substeps[0].rule == rule
    _sound_at_random_points(closed_form(text, expr).xreplace({x: inner}), d.result,
                            lo=-300 if text != "atanh(x)" else -124, hi=300 if text != "atanh(x)" else -26)
    for node in walk(d.steps):                 # every node: its result is its expression's derivative
        if node.expr.has(x) and node.wrt == x:
            _sound_at_random_points(rewrite_activations(node.expr), node.result, points=3,
                                    lo=-300 if text != "atanh(x)" else -124,
                                    hi=300 if text != "atanh(x)" else -26)


def test_second_derivative_of_gelu_stays_in_phi_and_Phi():
    d = derive(gelu(x), x, order=2)
    assert d.result.atoms(sp.Function) <= {phi, Phi}
    assert sp.simplify(rewrite_activations(d.result) - sp.diff(CLOSED["gelu(x)"], x, 2)) == 0


def test_swish_by_beta():
    d = derive(swish(x, beta), beta)
    assert d.steps.rule == "sympy"             # the named rule is the one by x; sympy's holds fdiff by β
    assert d.result == x**2 * sigmoid(beta * x) * (1 - sigmoid(beta * x))
    _sound_at_random_points(CLOSED["swish(x, β)"].xreplace({x: alpha, beta: x}),
                            d.result.xreplace({x: alpha, beta: x}))


def test_a_parameter_that_depends_on_the_variable_gets_sympys_rule():
    d = derive(elu(x, x**2), x)
    assert d.steps.rule == "sympy"
    _sound_at_random_points(CLOSED["elu(x, α)"].xreplace({alpha: x**2}), d.result)


# ---------------------------------------------------------------- exact values


@pytest.mark.parametrize("text, at, value", [
    ("sec(x)", 0, 1), ("sec(x)", sp.pi / 3, 2), ("csc(x)", sp.pi / 2, 1), ("cot(x)", sp.pi / 4, 1),
    ("asinh(x)", 0, 0), ("acosh(x)", 1, 0), ("atanh(x)", 0, 0),
    ("log2(x)", 8, 3), ("log2(x)", sp.Rational(1, 2), -1), ("log10(x)", 100, 2),
    ("log10(x)", sp.Rational(1, 1000), -3), ("log10(x)", 1, 0),
    ("erf(x)", 0, 0), ("erfc(x)", 0, 1), ("Φ(x)", 0, sp.Rational(1, 2)),
    ("normal_pdf(x)", 0, 1 / sp.sqrt(2 * sp.pi)),
    ("gelu(x)", 0, 0), ("gelu_tanh(x)", 0, 0), ("silu(x)", 0, 0), ("swish(x, 3)", 0, 0),
    ("mish(x)", 0, 0), ("softsign(x)", 1, sp.Rational(1, 2)), ("softsign(x)", -3, sp.Rational(-3, 4)),
    ("elu(x)", 2, 2), ("elu(x)", -1, sp.exp(-1) - 1), ("elu(x, 0.5)", -2, (sp.exp(-2) - 1) / 2),
    ("selu(x)", 0, 0), ("selu(x)", 1, SELU_LAMBDA),
])
def test_exact_values_through_the_evaluation_path(text, at, value):
    assert evaluate_at(parse(text), {x: sp.S(at)}) == value


@pytest.mark.parametrize("text, at, value", [
    ("gelu(x)", 0, sp.Rational(1, 2)), ("silu(x)", 0, sp.Rational(1, 2)), ("gelu_tanh(x)", 0, sp.Rational(1, 2)),
    ("sec(x)", 0, 0), ("sec(x)^2", 0, 0), ("log10(x)", 10, 1 / (10 * sp.log(10))), ("elu(x)", 0, 1),
    ("elu(x)", -1, sp.exp(-1)), ("selu(x)", 0, SELU_LAMBDA * SELU_ALPHA), ("softsign(x)", 0, 1),
    ("erf(x)", 0, 2 / sp.sqrt(sp.pi)), ("asinh(x)", 0, 1), ("atanh(x)", 0, 1),
])
def test_exact_derivative_values(text, at, value):
    assert sp.simplify(derive(text).at({"x": at}) - value) == 0


def test_swish_with_beta_zero_is_half_x():
    assert swish(x, 0) == x / 2


def test_selu_constants_are_the_papers_closed_forms_with_pytorchs_digits():
    # torch.nn.SELU: alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946
    assert abs(sp.N(SELU_ALPHA, 40) - sp.Float("1.6732632423543772848170429916717", 40)) < 1e-30
    assert abs(sp.N(SELU_LAMBDA, 40) - sp.Float("1.0507009873554804934193349852946", 40)) < 1e-30
    assert SELU_ALPHA.is_positive and SELU_LAMBDA > 1 and SELU_ALPHA > SELU_LAMBDA


@pytest.mark.parametrize("name, expr", [
    ("gelu", gelu(x)), ("gelu_tanh", gelu_tanh(x)), ("silu", silu(x)), ("swish", swish(x, sp.Rational(3, 2))),
    ("mish", mish(x)), ("softsign", softsign(x)), ("elu", elu(x, sp.Rational(1, 2))), ("selu", selu(x)),
    ("normal_pdf", phi), ("normal_cdf", Phi), ("log2", log2(x)), ("log10", log10(x)),
])
def test_float_versions_agree_with_the_exact_functions(name, expr):
    """numeric_namespace (plain floats, for the numeric solvers) against sympy's 30-digit values."""
    f = sp.lambdify(x, expr, modules=[numeric_namespace(), "math"])
    for v in (-2.5, -0.3, 0.7, 3.0):
        if name.startswith("log") and v <= 0:
            continue
        exact = float(sp.N(rewrite_activations(expr).subs(x, sp.Float(v, 30)), 30))
        assert math.isclose(f(v), exact, rel_tol=1e-12, abs_tol=1e-15), (name, v)


# ---------------------------------------------------------------- printing


@pytest.mark.parametrize("expr, text, tex, json_text", [
    (sp.sec(x) ** 2, "sec(x)²", r"\sec^{2}{\left(x \right)}", "sec(x)^2"),
    (sp.csc(x), "csc(x)", r"\csc{\left(x \right)}", "csc(x)"),
    (sp.cot(x), "cot(x)", r"\cot{\left(x \right)}", "cot(x)"),
    (sp.asinh(x), "arsinh(x)", r"\operatorname{arsinh}{\left(x \right)}", "asinh(x)"),
    (sp.acosh(x) ** 2, "arcosh(x)²", r"\operatorname{arcosh}^{2}{\left(x \right)}", "acosh(x)^2"),
    (sp.atanh(x), "artanh(x)", r"\operatorname{artanh}{\left(x \right)}", "atanh(x)"),
    (log2(x), "log₂(x)", r"\log_{2}\left(x\right)", "log2(x)"),
    (log10(x), "log₁₀(x)", r"\log_{10}\left(x\right)", "log10(x)"),
    (sp.erf(x), "erf(x)", r"\operatorname{erf}{\left(x \right)}", "erf(x)"),
    (Phi, "Φ(x)", r"\Phi\left(x\right)", "normal_cdf(x)"),
    (phi, "φ(x)", r"\phi\left(x\right)", "normal_pdf(x)"),
    (gelu(x), "GELU(x)", r"\operatorname{GELU}\left(x\right)", "gelu(x)"),
    (gelu_tanh(x), "GELU_tanh(x)", r"\operatorname{GELU}_{\tanh}\left(x\right)", "gelu_tanh(x)"),
    (silu(x), "SiLU(x)", r"\operatorname{SiLU}\left(x\right)", "silu(x)"),
    (swish(x, 2), "swish(x, 2)", r"\operatorname{swish}\left(x, 2\right)", "swish(x, 2)"),
    (mish(x), "mish(x)", r"\operatorname{mish}\left(x\right)", "mish(x)"),
    (softsign(x), "softsign(x)", r"\operatorname{softsign}\left(x\right)", "softsign(x)"),
    (elu(x), "ELU(x)", r"\operatorname{ELU}\left(x\right)", "elu(x, 1)"),
    (elu(x, sp.Rational(1, 2)), "ELU(x, 1/2)", r"\operatorname{ELU}\left(x, \frac{1}{2}\right)", "elu(x, 1/2)"),
    (selu(x), "SELU(x)", r"\operatorname{SELU}\left(x\right)", "selu(x)"),
    (SELU_LAMBDA * SELU_ALPHA, "α₀₁·λ₀₁", r"\alpha_{01} \lambda_{01}", "selu_alpha*selu_lambda"),
    (gelu(x) ** 2, "GELU(x)²", r"\operatorname{GELU}\left(x\right)^{2}", "gelu(x)^2"),
])
def test_text_latex_and_json(expr, text, tex, json_text):
    assert math_text(expr) == text
    assert latex_math(expr) == tex
    assert expr_text(expr) == json_text
    assert parse(json_text) == expr


@pytest.mark.parametrize("text, expr, rule, derivative", CASES, ids=IDS)
def test_derivatives_read_back_from_json(text, expr, rule, derivative):
    result = derive(expr, x).result
    back = parse(expr_text(result), [alpha, beta])
    if result.has(sp.Piecewise):               # written as b + (a − b)·step(x): equal, not identical
        for v in (-2, -sp.Rational(1, 3), sp.Rational(1, 2), 3):
            point = {x: v, alpha: sp.Rational(3, 4)}
            assert sp.simplify((back - result).xreplace(point)) == 0
    else:
        assert back == result


# ---------------------------------------------------------------- series


SMOOTH = [("sec(x)", 0), ("sec(x)", 1), ("csc(x)", 1), ("cot(x)", 1), ("asinh(x)", 0), ("acosh(x)", 2),
          ("atanh(x)", 0), ("erf(x)", 0), ("erf(x)", 1), ("erfc(x)", 0), ("log2(x)", 2), ("log10(x)", 1),
          ("Φ(x)", 0), ("normal_pdf(x)", 1), ("gelu(x)", 0), ("gelu(x)", -1), ("gelu_tanh(x)", 0),
          ("silu(x)", 0), ("silu(x)", 2), ("swish(x, 3)", 0), ("mish(x)", 0), ("sec(x)^2", 0)]


@pytest.mark.parametrize("text, centre", SMOOTH)
def test_series_engine_expands_the_smooth_functions_exactly(text, centre):
    expr = parse(text)
    coefficients = expand(expr, (x,), {x: sp.S(centre)}, 6)
    h = sp.Dummy("h")
    reference = sp.series(rewrite_activations(expr).xreplace({x: centre + h}), h, 0, 7).removeO()
    for (k,), c in coefficients.items():
        assert c.free_symbols == set()
        assert abs(sp.N(c - reference.coeff(h, k), 30)) < 1e-25, (k, c)


def test_taylor_of_silu_and_mish_about_zero():
    t = taylor_expansion(silu(x), (x,), {x: sp.S(0)}, 6)
    assert t.method == "series"
    assert t.result == x / 2 + x**2 / 4 - x**4 / 48 + x**6 / 480
    assert taylor_by_derivatives(silu(x), (x,), {x: sp.S(0)}, 6).result == t.result
    m = taylor_expansion(mish(x), (x,), {x: sp.S(0)}, 3)      # tanh(ln 2) = 3/5: rational coefficients
    assert m.result == sp.Rational(3, 5) * x + sp.Rational(8, 25) * x**2 - sp.Rational(2, 125) * x**3


def test_taylor_of_sec_matches_the_derivative_path():
    fast = taylor_expansion(sp.sec(x), (x,), {x: sp.S(0)}, 6)
    assert fast.method == "series" and fast.result == 1 + x**2 / 2 + 5 * x**4 / 24 + 61 * x**6 / 720
    assert taylor_by_derivatives(sp.sec(x), (x,), {x: sp.S(0)}, 6).result == fast.result


@pytest.mark.parametrize("expr, centre", [(elu(x), 1), (elu(x), -1), (selu(x), 2), (softsign(x), -1),
                                          (sp.acosh(x), -2), (sp.atanh(x), 2)])
def test_non_smooth_or_non_real_cases_are_left_to_the_derivative_path(expr, centre):
    with pytest.raises(NotExpandable):
        expand(expr, (x,), {x: sp.S(centre)}, 3)


def test_elu_taylor_away_from_the_kink_by_derivatives():
    t = taylor_expansion(elu(x), (x,), {x: sp.S(-1)}, 3)
    assert t.method == "derivatives"
    assert sp.expand(t.result - sp.series(sp.exp(x) - 1, x, -1, 4).removeO()) == 0


# ---------------------------------------------------------------- integrals


def test_integrals_of_sec():
    assert integrate("sec(x)^2").result == sp.tan(x)
    F = integrate("sec(x)").result
    for p in (sp.Rational(1, 3), sp.Rational(-6, 5), sp.Rational(5, 2)):
        assert abs(sp.N((sp.diff(F, x) - sp.sec(x)).subs(x, p), 30)) < 1e-25


@pytest.mark.parametrize("text", ["gelu(x)", "elu(x)", "selu(x)", "log10(x)", "log2(x)", "erf(x)", "Φ(x)",
                                  "normal_pdf(x)", "asinh(x)", "csc(x)^2", "cot(x)"])
def test_antiderivatives_that_exist_are_found_and_correct(text):
    f = rewrite_activations(parse(text))
    F = integrate(text).result
    rng = random.Random(3)
    for _ in range(4):
        p = sp.Rational(rng.randint(10, 140), 100)
        assert abs(sp.N((sp.diff(rewrite_activations(F), x) - f).subs(x, p), 30)) < 1e-25


@pytest.mark.parametrize("text", ["silu(x)", "mish(x)", "gelu_tanh(x)", "swish(x, 2)"])
def test_activations_without_an_elementary_antiderivative_say_so(text):
    with pytest.raises(MathError, match="no closed-form antiderivative of"):
        integrate(text)


# ---------------------------------------------------------------- the list of functions


def test_kinds_lists_exactly_the_functions_the_parser_reads():
    from calcai.kinds import FUNCTIONS
    from calcai.parser import KNOWN_FUNCTION_NAMES, functions

    listed = {name for names, aliases, _ in FUNCTIONS for name in names + aliases}
    assert listed == set(functions())
    in_message = {n.split(" ")[0] for n in KNOWN_FUNCTION_NAMES.split(", ")}
    assert in_message <= set(functions()) and {"sec", "gelu", "log10", "selu", "erf"} <= in_message


# ---------------------------------------------------------------- the command line, exactly


def calcai(*args):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


GELU_TEXT = """\
Differentiate GELU(x) with respect to x
=======================================

Rules
-----
gelu rule: d/dx GELU(x) = x·φ(x) + Φ(x)

Answer: d/dx [GELU(x)] = x·φ(x) + Φ(x)
"""

GELU_MARKDOWN = r"""# Differentiate GELU(x) with respect to x

## Rules

- **gelu rule**: $\frac{d}{d x} \operatorname{GELU}\left(x\right) = x \phi\left(x\right) + \Phi\left(x\right)$

**Answer:** $\frac{d}{d x} \operatorname{GELU}\left(x\right) = x \phi\left(x\right) + \Phi\left(x\right)$
"""

SILU_TEXT = """\
Differentiate SiLU(x) with respect to x
=======================================

Rules
-----
silu rule: d/dx SiLU(x) = σ(x)·(x·(1 − σ(x)) + 1)

Answer: d/dx [SiLU(x)] = σ(x)·(x·(1 − σ(x)) + 1)
"""

SILU_MARKDOWN = r"""# Differentiate SiLU(x) with respect to x

## Rules

- **silu rule**: $\frac{d}{d x} \operatorname{SiLU}\left(x\right) = \left(x \left(1 - \sigma\left(x\right)\right) + 1\right) \sigma\left(x\right)$

**Answer:** $\frac{d}{d x} \operatorname{SiLU}\left(x\right) = \left(x \left(1 - \sigma\left(x\right)\right) + 1\right) \sigma\left(x\right)$
"""

SEC_SQUARED_TEXT = """\
Differentiate sec(x)² with respect to x
=======================================

Rules
-----
chain rule (u = sec(x)): d/dx sec(x)² = 2tan(x)·sec(x)²
  power rule: d/du u² = 2u
  reciprocal trig rule: d/dx sec(x) = tan(x)·sec(x)

Answer: d/dx [sec(x)²] = 2tan(x)·sec(x)²
"""

SEC_SQUARED_MARKDOWN = r"""# Differentiate sec(x)² with respect to x

## Rules

- **chain rule** ($u = \sec{\left(x \right)}$): $\frac{d}{d x} \sec^{2}{\left(x \right)} = 2 \tan{\left(x \right)} \sec^{2}{\left(x \right)}$
  - **power rule**: $\frac{d}{d u} u^{2} = 2 u$
  - **reciprocal trig rule**: $\frac{d}{d x} \sec{\left(x \right)} = \tan{\left(x \right)} \sec{\left(x \right)}$

**Answer:** $\frac{d}{d x} \sec^{2}{\left(x \right)} = 2 \tan{\left(x \right)} \sec^{2}{\left(x \right)}$
"""

INTEGRATE_SEC_SQUARED_TEXT = """\
Integrate sec(x)² dx
====================

Antiderivative
--------------
sec2 rule: ∫ sec(x)² dx = tan(x)
F = tan(x)

Note
----
Add any constant C: every F + C has the same derivative.

Answer: ∫ sec(x)² dx = tan(x)
"""

INTEGRATE_SEC_SQUARED_MARKDOWN = r"""# Integrate sec(x)² dx

## Antiderivative

- **sec2 rule**: $\int \sec^{2}{\left(x \right)} \, dx = \tan{\left(x \right)}$

$F = \tan{\left(x \right)}$

## Note

Add any constant C: every F + C has the same derivative.

**Answer:** $\int \sec^{2}{\left(x \right)}\, dx = \tan{\left(x \right)}$
"""


@pytest.mark.parametrize("args, golden", [
    (["diff", "gelu(x)"], GELU_TEXT),
    (["diff", "gelu(x)", "--format", "markdown"], GELU_MARKDOWN),
    (["diff", "silu(x)"], SILU_TEXT),
    (["diff", "silu(x)", "--format", "markdown"], SILU_MARKDOWN),
    (["diff", "sec(x)^2"], SEC_SQUARED_TEXT),
    (["diff", "sec(x)^2", "--format", "markdown"], SEC_SQUARED_MARKDOWN),
    (["integrate", "sec(x)^2"], INTEGRATE_SEC_SQUARED_TEXT),
    (["integrate", "sec(x)^2", "--format", "markdown"], INTEGRATE_SEC_SQUARED_MARKDOWN),
], ids=["gelu-text", "gelu-markdown", "silu-text", "silu-markdown", "sec2-text", "sec2-markdown",
        "integrate-sec2-text", "integrate-sec2-markdown"])
def test_golden_outputs(args, golden):
    done = calcai(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout == golden


def test_kinds_prints_the_functions():
    out = calcai("kinds").stdout
    assert "Functions in expressions:" in out
    assert "sin, cos, tan, sec, csc, cot  trigonometric functions (also cosec, cotan)" in out
    assert "gelu, gelu_tanh" in out and "softsign, mish" in out
