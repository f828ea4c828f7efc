"""Convexity: each composition rule, the second-order condition, verified witnesses for 'neither',
the tutorial's three losses, a generated set with known answers, and a property test that
'convex' is never claimed for a function some chord shows is not convex."""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from calcai import parse
from calcai.convexity import (
    AbsRule, AffineRule, ChordStep, ConstantRule, CurvatureAtPoint, ExpRule, HessianRule, LogRule, LogSumExpRule,
    MaxRule, MinRule, NormRule,
    PowerRule, ScalingRule, SecondDerivativeRule, SoftplusRule, SumRule, convexity,
)
from calcai.functions import numeric_namespace, relu, rewrite_activations
from calcai.problems import ProblemFileError, load, loads
from calcai.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
X, Y, Z = (sp.Symbol(n, real=True) for n in "xyz")
W1, W2 = sp.Symbol("w1", real=True), sp.Symbol("w2", real=True)
POS = sp.Interval.open(0, sp.oo)
NONNEG = sp.Interval(0, sp.oo)
NEG = sp.Interval.open(-sp.oo, 0)


def analyse(text, variables, domain=None):
    return convexity(parse(text, list(variables)), variables, domain or {})


def rules_in(step):
    yield type(step)
    for sub in step.substeps:
        yield from rules_in(sub)


# ---------------------------------------------------------------- numeric checks of a verdict

def _numeric(expr, variables):
    fn = sp.lambdify(variables, rewrite_activations(expr), modules=[numeric_namespace(), "math"])

    def value(point):
        try:
            v = fn(*point)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        if isinstance(v, complex) or not math.isfinite(v):
            return None
        return float(v)

    return value


def _inside(domain, variables, point) -> bool:
    return all(domain.get(v) is None or domain[v].contains(sp.Float(c)) is sp.true for v, c in zip(variables, point))


def _draw(rng, domain, v):
    interval = domain.get(v)
    if interval is None:
        return rng.uniform(-4, 4)
    lo = float(interval.inf) if interval.inf != -sp.oo else float(interval.sup) - 6
    hi = float(interval.sup) if interval.sup != sp.oo else lo + 6
    return rng.uniform(lo + 1e-3, hi - 1e-3) if hi - lo > 2e-3 else (lo + hi) / 2


def assert_chords(result, sign, tries=150, seed=1):
    """sign +1: f(tx + (1−t)y) ≤ t f(x) + (1−t) f(y) on random chords (convex); −1: ≥ (concave);
    0: both (affine). Chords where f is undefined anywhere along them are skipped."""
    f = _numeric(result.expr, result.variables)
    rng = random.Random(seed)
    checked = 0
    for _ in range(tries):
        p = [_draw(rng, result.domain, v) for v in result.variables]
        q = [_draw(rng, result.domain, v) for v in result.variables]
        t = rng.random()
        line = [f([a + s / 16 * (b - a) for a, b in zip(p, q)]) for s in range(17)]
        fm = f([t * a + (1 - t) * b for a, b in zip(p, q)])
        if fm is None or any(v is None for v in line):
            continue
        chord = t * line[0] + (1 - t) * line[16]
        tol = 1e-7 * (1 + abs(line[0]) + abs(line[16]))
        if sign >= 0:
            assert fm <= chord + tol, (result.expr, p, q, t)
        if sign <= 0:
            assert fm >= chord - tol, (result.expr, p, q, t)
        checked += 1
    assert checked > tries // 10, f"too few chords inside the domain of {result.expr}"


def assert_witnesses(result):
    """Each witness is re-checked here, exactly: f at a chord's midpoint above (not convex) or
    below (not concave) the chord; or, for a twice-differentiable f, vᵀ·H(p)·v < 0 (not convex)
    or > 0 (not concave) at a point p inside the domain."""
    assert set(result.witnesses) == {"not convex", "not concave"}
    f = result.expr
    for what, step in result.witnesses.items():
        sign = 1 if what == "not convex" else -1
        if isinstance(step, CurvatureAtPoint):
            (p,) = step.points
            assert not f.has(sp.Max, sp.Min, sp.Abs, sp.Piecewise, relu)
            assert all(result.domain.get(v) is None or result.domain[v].interior.contains(p[v]) is sp.true
                       for v in result.variables)
            assert sp.N(f.xreplace(p), 30).is_finite
            H = sp.hessian(rewrite_activations(f), result.variables)
            v = step.direction
            curvature = sum(v[i] * H[i, j] * v[j] for i in range(len(v)) for j in range(len(v))).xreplace(p)
            value = sp.N(curvature, 50)
            assert value.is_real and sp.sign(value) == -sign and abs(value) > 1e-30, (what, p, v, value)
            continue
        p, q = step.points
        m = {v: (p[v] + q[v]) / 2 for v in result.variables}
        diff = f.xreplace(m) - (f.xreplace(p) + f.xreplace(q)) / 2
        value = sp.N(diff, 50)
        assert value.is_real
        assert sp.sign(value) == sign and abs(value) > 1e-30, (what, p, q, value)
        for pt in (p, q):
            assert _inside(result.domain, result.variables, [pt[v] for v in result.variables])


def assert_sound(result):
    """Whatever the verdict, it holds: chords for convex / concave / affine, witnesses for neither."""
    sign = {"convex": 1, "concave": -1, "affine": 0}.get(result.verdict)
    if sign is not None:
        assert_chords(result, sign)
    elif result.verdict == "neither":
        assert_witnesses(result)
    else:
        assert result.verdict == "unknown"


# ---------------------------------------------------------------- each rule

RULE_CASES = [
    # (expression, variables, domain, verdict, a rule the proof must use)
    ("7", (X,), {}, "affine", ConstantRule),
    ("3x - 2y + 1", (X, Y), {}, "affine", AffineRule),
    ("exp(x)", (X,), {}, "convex", ExpRule),
    ("exp(x^2)", (X,), {}, "convex", ExpRule),
    ("2^x", (X,), {}, "convex", ExpRule),
    ("(1/2)^(x^2)", (X,), {}, "unknown-or-other", None),
    ("-ln(x)", (X,), {X: POS}, "convex", ScalingRule),
    ("ln(x + y)", (X, Y), {}, "concave", LogRule),
    ("ln(sqrt(x))", (X,), {X: POS}, "concave", LogRule),
    ("log(exp(x) + exp(y) + exp(z))", (X, Y, Z), {}, "convex", LogSumExpRule),
    ("log(1 + exp(x - y))", (X, Y), {}, "convex", SoftplusRule),
    ("softplus(2x - 1)", (X,), {}, "convex", SoftplusRule),
    ("log(1 + exp(-(2w1 - w2)))", (W1, W2), {}, "convex", SoftplusRule),
    ("x^2", (X,), {}, "convex", PowerRule),
    ("(x - 2y + 1)^4", (X, Y), {}, "convex", PowerRule),
    ("x^3", (X,), {X: NONNEG}, "convex", PowerRule),
    ("x^3", (X,), {X: sp.Interval(-sp.oo, 0)}, "concave", PowerRule),
    ("sqrt(x)", (X,), {}, "concave", PowerRule),
    ("x^(3/2)", (X,), {X: NONNEG}, "convex", PowerRule),
    ("1/x", (X,), {X: POS}, "convex", PowerRule),
    ("1/sqrt(x)", (X,), {X: POS}, "convex", PowerRule),
    ("exp(x)^2", (X,), {}, "convex", ExpRule),
    ("(x^2 + 1)^2", (X,), {}, "convex", PowerRule),
    ("abs(x - y)", (X, Y), {}, "convex", AbsRule),
    ("max(x, y, 2x - y)", (X, Y), {}, "convex", MaxRule),
    ("max(0, 1 - (3w1 + w2))", (W1, W2), {}, "convex", MaxRule),
    ("max(x^2, exp(y))", (X, Y), {}, "convex", MaxRule),
    ("relu(x^2 - 1)", (X,), {}, "convex", MaxRule),
    ("leaky_relu(x, 0.2)", (X,), {}, "convex", MaxRule),
    ("min(x, 3 - y)", (X, Y), {}, "concave", MinRule),
    ("min(sqrt(x), ln(x))", (X,), {X: POS}, "concave", MinRule),
    ("sqrt(x^2 + y^2)", (X, Y), {}, "convex", NormRule),
    ("sqrt((x - 1)^2 + 4(y + x)^2)", (X, Y), {}, "convex", NormRule),
    ("(x - 1)^2 + (y + 2)^2", (X, Y), {}, "convex", SumRule),
    ("3exp(x) - 2ln(y)", (X, Y), {Y: POS}, "convex", SumRule),
    ("-2exp(x) + ln(y)", (X, Y), {Y: POS}, "concave", SumRule),
    # the second-order condition
    ("x^2 + x*y + y^2", (X, Y), {}, "convex", HessianRule),
    ("-x^2 + x*y - y^2", (X, Y), {}, "concave", HessianRule),
    ("x*ln(x)", (X,), {X: POS}, "convex", SecondDerivativeRule),
    ("-x*ln(x)", (X,), {X: POS}, "concave", SecondDerivativeRule),
    ("x^4 + x^2*y^2 + y^4", (X, Y), {}, "convex", HessianRule),
    ("sin(x)", (X,), {X: sp.Interval(0, 3)}, "concave", SecondDerivativeRule),
    ("ln(x) + x^2", (X,), {X: sp.Interval(1, 5)}, "convex", SecondDerivativeRule),
    ("x^3 - 3x", (X,), {X: sp.Interval(-1, 2)}, "neither", None),
    ("x*ln(x)", (X,), {}, "convex", SecondDerivativeRule),        # on its domain x > 0
    ("x^3", (X,), {X: POS}, "convex", PowerRule),
    ("x*y", (X, Y), {X: POS, Y: POS}, "neither", None),
    # neither, with witnesses
    ("x^3", (X,), {}, "neither", None),
    ("sin(x)", (X,), {}, "neither", None),
    ("sigmoid(x)", (X,), {}, "neither", None),
    ("x*y", (X, Y), {}, "neither", None),
    ("x^2 - y^2", (X, Y), {}, "neither", None),
    ("abs(x) - abs(y)", (X, Y), {}, "neither", None),
    ("(sigmoid(w1) - 1)^2", (W1,), {}, "neither", None),
]


@pytest.mark.parametrize("text, variables, domain, verdict, rule", RULE_CASES,
                         ids=[f"{c[0]}|{c[3]}" for c in RULE_CASES])
def test_rule(text, variables, domain, verdict, rule):
    result = analyse(text, variables, domain)
    if verdict == "unknown-or-other":          # (1/2)^(x²): exp(−x² ln 2) is not convex
        assert result.verdict in ("neither", "unknown")
    else:
        assert result.verdict == verdict, result.reason
    if rule is not None:
        assert rule in set().union(*(set(rules_in(s)) for s in result.steps))
    assert_sound(result)


def test_every_rule_class_has_a_one_line_docstring():
    import calcai.convexity as cv

    classes = [c for c in vars(cv).values() if isinstance(c, type) and issubclass(c, cv.CurvatureStep)]
    assert len(classes) >= 18
    for c in classes:
        assert c.__doc__ and "\n" not in c.__doc__.strip(), c


def test_second_order_proof_shows_the_minors():
    result = analyse("x^2 + x*y + y^2", (X, Y))
    (hess,) = result.steps
    minors = {step.name: step.value for step in hess.substeps}
    assert minors == {"M₁": 2, "M₂": 2, "M₁₂": 3}
    assert all(step.relation == "≥" for step in hess.substeps)


def test_second_derivative_proof_uses_the_domain():
    result = analyse("x*ln(x)", (X,), {X: POS})
    (second,) = result.steps
    (sign,) = second.substeps
    assert sp.simplify(sign.value - 1 / X) == 0 and sign.relation == "≥"
    # without a domain, one variable's natural domain (where f is continuous) is used when it is
    # one interval: x·ln(x) lives on x > 0
    natural = analyse("x*ln(x)", (X,))
    assert natural.domain == {X: POS} and natural.verdict == "convex"
    assert "on its domain x > 0" in str(natural)
    # 1/x lives on two pieces: no natural interval, no proof
    assert analyse("1/x", (X,)).domain == {}


def test_second_derivative_by_its_range_on_an_interval():
    result = analyse("sin(x)", (X,), {X: sp.Interval(0, 3)})
    (second,) = result.steps
    (sign,) = second.substeps
    assert sign.value == -sp.sin(X) and sign.relation == "≤"
    assert sign.note == "f'' takes values in [−1, 0]"


def test_negative_curvature_found_along_an_eigenvector():
    # eᵢ sees 2 and eᵢ ± eⱼ see 4 ∓ 18/5, all > 0; only (1, 1, 1) sees 3·2 − 6·9/5 = −24/5
    result = analyse("x^2 + y^2 + z^2 - 9/5*(x*y + y*z + x*z)", (X, Y, Z))
    assert result.verdict == "neither"
    step = result.witnesses["not convex"]
    assert isinstance(step, CurvatureAtPoint) and step.direction == (1, 1, 1) and step.value == sp.Rational(-24, 5)
    assert_sound(result)


def test_never_convex_without_proof():
    # Hessian [[0, 1], [1, 0]] at every point: indefinite
    assert analyse("x*y", (X, Y)).verdict == "neither"
    # sigmoid: DCP does not apply, f'' changes sign
    result = analyse("sigmoid(x)", (X,))
    assert result.verdict == "neither" and result.steps == ()


def test_unknown_when_nothing_decides():
    # convex on its whole domain, but neither route proves it: sympy cannot show the sign of
    # f'' = (exp(x) − 1)² e^x … here a function with no proof and no witness must stay unknown
    result = analyse("exp(x) - x", (X,))
    assert result.verdict in ("convex", "unknown")
    assert_sound(result)


def test_parameters_are_constants_and_give_no_witness():
    A = sp.Symbol("a", real=True)
    hinge = convexity(parse("max(0, 1 - a*(3w1 + w2))", [W1, W2]), (W1, W2), {})
    assert hinge.verdict == "convex"          # affine in w for every a
    scaled = convexity(A * X**2, (X,), {})
    assert scaled.verdict == "unknown" and scaled.witnesses == {}
    assert scaled.reason.endswith("no witness is sought while the parameters (a) have no values")
    positive = sp.Symbol("a", positive=True)
    assert convexity(positive * X**2, (X,), {}).verdict == "convex"


def test_cli_domain_option_parsing():
    from calcai.commands import _domain_text

    assert _domain_text(["x=[-1,2],y=<0", "z=>=0"]) == {"x": ["-1", "2"], "y": "<0", "z": ">=0"}
    assert _domain_text(None) is None


# ---------------------------------------------------------------- the tutorial's losses

def test_tutorial_losses_are_convex():
    problems = {p.id: p for p in load(ROOT / "problems" / "convexity.yaml")}
    for pid, rule in (("mse-is-convex", SumRule), ("logistic-loss-is-convex", SumRule),
                      ("hinge-loss-is-convex", SumRule)):
        solution = solve(problems[pid])
        assert solution.answer["verdict"] == "convex"
        assert solution.check.status == "pass"
        result = convexity(problems[pid].fields["expr"], tuple(problems[pid].fields["vars"]), {})
        assert rule in set(rules_in(result.steps[0]))
        assert_chords(result, 1)
    logistic = convexity(problems["logistic-loss-is-convex"].fields["expr"], (W1, W2), {})
    assert set(rules_in(logistic.steps[0])) >= {SoftplusRule, AffineRule}
    hinge = convexity(problems["hinge-loss-is-convex"].fields["expr"], (W1, W2), {})
    assert set(rules_in(hinge.steps[0])) >= {MaxRule, AffineRule}


def test_bundled_problems_all_pass():
    for problem in load(ROOT / "problems" / "convexity.yaml"):
        solution = solve(problem)
        assert solution.check.status == "pass", problem.id
        if problem.kind == "matrix_convexity":      # tests/test_matrix_convexity.py
            continue
        result = convexity(problem.fields["expr"], tuple(problem.fields["vars"]), problem.fields["domain"] or {})
        assert_sound(result)


# ---------------------------------------------------------------- a generated set with known answers

VARS = (X, Y, Z)


def _affine(rng, variables):
    terms = [rng.choice((-3, -2, -1, 1, 2, 3)) * v for v in rng.sample(variables, rng.randint(1, len(variables)))]
    return sp.Add(*terms, rng.randint(-2, 2))


def _convex(rng, variables, depth=0):
    """A random convex, non-affine expression built by the rules."""
    pick = rng.randrange(10 if depth < 2 else 6)
    a = _affine(rng, variables)
    if pick == 0:
        return sp.exp(a)
    if pick == 1:
        return a**2
    if pick == 2:
        return sp.Abs(a)
    if pick == 3:
        return sp.log(1 + sp.exp(a))
    if pick == 4:
        return sp.Max(a, _affine(rng, variables))
    if pick == 5:
        return sp.sqrt(a**2 + _affine(rng, variables)**2)
    if pick == 6:
        return rng.randint(1, 3) * _convex(rng, variables, depth + 1) + _convex(rng, variables, depth + 1)
    if pick == 7:        # (exp of a log would be rewritten by sympy into a product)
        inner = _convex(rng, variables, depth + 1)
        return sp.exp(a**2 if inner.has(sp.log) else inner)
    if pick == 8:
        return sp.Max(_convex(rng, variables, depth + 1), _affine(rng, variables))
    return sp.log(sp.exp(_convex(rng, variables, depth + 1)) + sp.exp(_affine(rng, variables)))


def _strict(rng, variable):
    """A strictly convex function of one variable."""
    a = rng.choice((1, 2, -1)) * variable + rng.randint(-1, 1)
    return rng.choice((sp.exp(a), a**2, sp.log(1 + sp.exp(a)), sp.cosh(a)))


def generated(n, seed):
    rng = random.Random(seed)
    cases = []
    while len(cases) < n:
        k = rng.randrange(3)
        variables = VARS[:rng.randint(1, 3)]
        if k == 0:
            expr, verdict = _convex(rng, list(variables)), "convex"
        elif k == 1:
            expr, verdict = -rng.randint(1, 3) * _convex(rng, list(variables)), "concave"
        else:   # convex in x, concave in y: neither
            variables = (X, Y)
            expr, verdict = _strict(rng, X) - _strict(rng, Y), "neither"
        if not expr.free_symbols:
            continue
        cases.append((expr, tuple(v for v in variables if v in expr.free_symbols), verdict))
    return cases


def test_generated_set_covers_every_verdict():
    verdicts = [verdict for *_, verdict in generated(60, seed=9)]
    assert min(verdicts.count(v) for v in ("convex", "concave", "neither")) >= 10, verdicts


@pytest.mark.parametrize("expr, variables, verdict", generated(60, seed=9), ids=lambda v: str(v)[:40])
def test_generated_compositions(expr, variables, verdict):
    result = convexity(expr, variables, {})
    assert result.verdict == verdict, (expr, result.reason)
    assert_sound(result)


# ---------------------------------------------------------------- property: never convex when not

ATOMS = ("x", "y", "x^2", "x*y", "x^3", "exp(x)", "exp(-y)", "sin(x)", "abs(x - y)", "max(x, y)", "min(x, y)",
         "sigmoid(x)", "softplus(y)", "log(1 + x^2)", "sqrt(x^2 + y^2)", "x^4", "tanh(y)", "cos(x*y)")


@st.composite
def expressions(draw):
    k = draw(st.integers(1, 3))
    terms = []
    for _ in range(k):
        coeff = draw(st.sampled_from((-3, -1, 1, 2)))
        atom = draw(st.sampled_from(ATOMS))
        if draw(st.booleans()):
            atom = draw(st.sampled_from(("exp", "-", "sq"))) + "|" + atom
        terms.append((coeff, atom))
    return terms


def _build(terms):
    out = []
    for coeff, atom in terms:
        wrap, _, inner = atom.rpartition("|")
        e = parse(inner, [X, Y])
        e = {"exp": sp.exp(e), "-": -e, "sq": e**2, "": e}[wrap]
        out.append(coeff * e)
    return sp.Add(*out)


@settings(max_examples=int(os.environ.get("CONVEXITY_EXAMPLES", "40")), deadline=None)
@given(expressions(), st.sampled_from((None, POS, NONNEG, NEG, sp.Interval(-1, 2))))
def test_property_never_convex_for_a_nonconvex_function(terms, x_domain):
    expr = _build(terms)
    variables = tuple(v for v in (X, Y) if v in expr.free_symbols) or (X,)
    domain = {X: x_domain} if x_domain is not None and X in variables else {}
    result = convexity(expr, variables, domain)
    assert_sound(result)


def test_property_examples_reach_every_verdict():
    """The random expressions of the property test are not all 'unknown': the test has teeth."""
    rng = random.Random(5)
    seen = set()
    for _ in range(40):
        terms = [(rng.choice((-3, -1, 1, 2)), rng.choice(ATOMS)) for _ in range(rng.randint(1, 2))]
        expr = _build(terms)
        variables = tuple(v for v in (X, Y) if v in expr.free_symbols) or (X,)
        seen.add(convexity(expr, variables, {}).verdict)
    assert {"convex", "concave", "neither"} <= seen


# ---------------------------------------------------------------- problem files

def test_problem_file_domain_and_errors():
    (p,) = loads("""
problems:
  - id: a
    kind: convexity
    expr: "x^3 + y"
    vars: [x, y]
    domain: {x: ">= 0", y: [-1, 2]}
    expected: {verdict: convex}
""")
    assert p.fields["domain"] == {X: sp.Interval(0, sp.oo), Y: sp.Interval(-1, 2)}
    assert solve(p).check.status == "pass"

    with pytest.raises(ProblemFileError) as err:
        loads("""
problems:
  - id: b
    kind: convexity
    expr: "x^3"
    domain: {x: "> 1"}
    expected: {verdict: convexx}
""", "f.yaml")
    text = str(err.value)
    assert ("f.yaml:6:17: problem b: field 'domain.x' must be \"> 0\", \">= 0\", \"< 0\", \"<= 0\" or [lo, hi], "
            "not '> 1'") in text
    assert "f.yaml:7:25: problem b: field 'expected.verdict' must be one of: convex, concave, affine, neither, " \
           "unknown, not 'convexx'; did you mean 'convex'?" in text
    with pytest.raises(ProblemFileError, match="field 'domain' gives y, which is not in vars"):
        loads('problems:\n  - {id: c, kind: convexity, expr: "x^2", vars: [x], domain: {y: "> 0"}}\n')
    with pytest.raises(ProblemFileError, match=r"field 'domain.x' must have a < b"):
        loads('problems:\n  - {id: c, kind: convexity, expr: "x^2", domain: {x: [2, 1]}}\n')


def test_answer_shape_and_witness_data():
    solution = solve({"id": "n", "kind": "convexity", "expr": "x^3", "vars": ["x"]})
    answer = solution.answer
    assert answer["verdict"] == "neither"
    assert set(answer["witness"]) == {"not_convex", "not_concave"}
    for key, sign in (("not_convex", -1), ("not_concave", 1)):
        (p,) = (pt["x"] for pt in answer["witness"][key])
        assert sp.sign(6 * p) == sign          # f''(p) = 6p
    convex = solve({"id": "c", "kind": "convexity", "expr": "exp(x)"}).answer
    assert convex == {"verdict": "convex", "reason": "composition rules: exponential (convex, nondecreasing)",
                      "witness": None}


# ---------------------------------------------------------------- golden walkthroughs

HINGE = {"id": "hinge", "kind": "convexity", "expr": "max(0, 1 - (3w1 + w2))", "vars": ["w1", "w2"],
         "domain": {"w1": "> 0"}}
CUBE = {"id": "cube", "kind": "convexity", "expr": "x^3", "vars": ["x"]}

HINGE_TEXT = """\
Convexity of ReLU(−3w₁ − w₂ + 1)
================================

Composition rules
-----------------
f(w₁, w₂) = ReLU(−3w₁ − w₂ + 1), on the domain w₁ > 0
pointwise maximum (convex, nondecreasing) (ReLU(u) = max(0, u)): ReLU(−3w₁ − w₂ + 1) is convex
  constant: 0 is constant
  affine function: −3w₁ − w₂ + 1 is affine

Answer: convex (composition rules: pointwise maximum (convex, nondecreasing))"""

HINGE_MARKDOWN = """\
# Convexity of ReLU(−3w₁ − w₂ + 1)

## Composition rules

f(w₁, w₂) = ReLU(−3w₁ − w₂ + 1), on the domain w₁ > 0

- **pointwise maximum (convex, nondecreasing)** ($\\text{ReLU(u) = max(0, u)}$): \
$\\operatorname{ReLU}\\left(- 3 w_{1} - w_{2} + 1\\right) \\ \\text{is convex}$
  - **constant**: $0 \\ \\text{is constant}$
  - **affine function**: $- 3 w_{1} - w_{2} + 1 \\ \\text{is affine}$

**Answer:** convex (composition rules: pointwise maximum (convex, nondecreasing))
"""

CUBE_TEXT = """\
Convexity of x³
===============

Composition rules
-----------------
f(x) = x³
The composition rules do not decide the curvature:
power (p = 3): x³ is unknown
  affine function: x is affine

Second-order condition
----------------------
f'' = 6x
f'' has no sign that sympy can prove on the domain.

Witnesses
---------
not convex: at p = −1, the curvature is negative:
second derivative at a point: f''(p) = −6 ⇒ f''(p) < 0
not concave: at p = 3, the curvature is positive:
second derivative at a point: f''(p) = 18 ⇒ f''(p) > 0

Answer: neither (f'' < 0 at one point and f'' > 0 at another)"""

CUBE_MARKDOWN = """\
# Convexity of x³

## Composition rules

f(x) = x³

The composition rules do not decide the curvature:

- **power** ($p = 3$): $x^{3} \\ \\text{is unknown}$
  - **affine function**: $x \\ \\text{is affine}$

## Second-order condition

$f'' = 6 x$

f'' has no sign that sympy can prove on the domain.

## Witnesses

not convex: at p = −1, the curvature is negative:

- **second derivative at a point**: $f''(p) = -6 \\Rightarrow f''(p) < 0$

not concave: at p = 3, the curvature is positive:

- **second derivative at a point**: $f''(p) = 18 \\Rightarrow f''(p) > 0$

**Answer:** neither (f'' < 0 at one point and f'' > 0 at another)
"""

KINKS = {"id": "kinks", "kind": "convexity", "expr": "abs(x) - abs(y)", "vars": ["x", "y"]}

KINKS_TEXT = """\
Convexity of |x| − |y|
======================

Composition rules
-----------------
f(x, y) = |x| − |y|
The composition rules do not decide the curvature:
sum: |x| − |y| is unknown
  absolute value (convex): |x| is convex
    affine function: x is affine
  scaling by a constant (−1 ≤ 0): −|y| is concave
    absolute value (convex): |y| is convex
      affine function: y is affine

Witnesses
---------
not convex: p = (3, 2), q = (−1, −2), midpoint m = (1, 0); f(m) lies above the chord:
chord: f(m) = 1, (f(p) + f(q))/2 = 0 ⇒ f(m) > (f(p) + f(q))/2
not concave: p = (2, 3), q = (−2, 2), midpoint m = (0, 5/2); f(m) lies below the chord:
chord: f(m) = −5/2, (f(p) + f(q))/2 = −1/2 ⇒ f(m) < (f(p) + f(q))/2

Answer: neither (chords: f lies above one chord and below another)"""


def test_golden_hinge():
    solution = solve(HINGE)
    assert str(solution) == HINGE_TEXT
    assert solution.to_markdown() == HINGE_MARKDOWN


def test_golden_neither_with_witness():
    solution = solve(CUBE)
    assert str(solution) == CUBE_TEXT
    assert solution.to_markdown() == CUBE_MARKDOWN


def test_golden_neither_with_chords():
    solution = solve(KINKS)
    assert str(solution) == KINKS_TEXT
    assert all(isinstance(step, ChordStep) for step in convexity(
        parse("abs(x) - abs(y)", [X, Y]), (X, Y), {}).witnesses.values())


def test_latex_and_json_render():
    import json

    from calcai.render import render

    solution = solve(CUBE)
    tex = render(solution, "latex")
    assert r"\item \textbf{second derivative at a point}: $f''(p) = -6 \Rightarrow f''(p) < 0$" in tex
    data = json.loads(render(solution, "json"))
    assert data["answer"] == {"verdict": "neither", "reason": "f'' < 0 at one point and f'' > 0 at another",
                              "witness": {"not_convex": [{"x": -1}], "not_concave": [{"x": 3}]}}
    witnesses = data["steps"][2]["items"]
    assert [item.get("rule") for item in witnesses] == [None, "curvature_at_point", None, "curvature_at_point"]
    chords = json.loads(render(solve(KINKS), "json"))
    assert chords["answer"]["witness"] == {"not_convex": [{"x": 3, "y": 2}, {"x": -1, "y": -2}],
                                           "not_concave": [{"x": 2, "y": 3}, {"x": -2, "y": 2}]}


def test_rich_render():
    import io

    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, force_terminal=False, width=100).print(solve(CUBE))
    out = buf.getvalue()
    assert "\x1b[" not in out
    assert "second derivative at a point: f''(p) = −6 ⇒ f''(p) < 0" in out
    assert "power (p = 3): x³ is unknown" in out
    assert "neither (f'' < 0 at one point and f'' > 0 at another)" in out


# ---------------------------------------------------------------- the command

def calcai(*args):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_cli_convex():
    done = calcai("convex", "max(0, 1 - (3w1 + w2))", "--vars", "w1,w2", "--domain", "w1=>0", "--format", "text")
    assert done.returncode == 0, done.stderr
    assert done.stdout == HINGE_TEXT + "\n"
    done = calcai("convex", "x^3", "--format", "text")
    assert done.returncode == 0 and done.stdout == CUBE_TEXT + "\n"
    done = calcai("convex", "x^2 - x y", "--vars", "x,y", "--domain", "x=[-1,2],y=<0", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert '"verdict": "neither"' in done.stdout


def test_cli_convex_errors():
    done = calcai("convex", "x^2", "--domain", "x=>1")
    assert done.returncode == 2
    assert done.stderr == ("calcai: error: <command line>: problem convex: field 'domain.x' must be \"> 0\", "
                           "\">= 0\", \"< 0\", \"<= 0\" or [lo, hi], not '>1'\n")
    done = calcai("convex", "x^2", "--domain", "x")
    assert done.returncode == 2 and "expected VAR=SIGN" in done.stderr
    done = calcai("convex", "x^2", "--domain", "y=>0")
    assert done.returncode == 2 and "field 'domain' gives y, which is not a variable of the expression" in done.stderr
    done = calcai("convex", "x^2 +")
    assert done.returncode == 2


def test_cli_check_exit_codes(tmp_path):
    good = ROOT / "problems" / "convexity.yaml"
    assert calcai("check", str(good)).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text('problems:\n  - {id: wrong, kind: convexity, expr: "x^3", expected: {verdict: convex}}\n')
    done = calcai("check", str(bad))
    assert done.returncode == 1
    assert "wrong" in done.stdout and "fail" in done.stdout
