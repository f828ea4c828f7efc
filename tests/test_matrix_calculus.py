"""Matrix calculus (calcai.matrix and the matrix_gradient kind).

Every gradient is checked here independently of calcai.matrix.verify: the declared vectors
and matrices are made explicit at concrete sizes, sympy ``diff`` differentiates the
scalarised expression entry by entry, and the matrix-notation result (made explicit the
same way) must equal it after ``simplify``; finite differences on random float matrices
check the same numbers another way.
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from calcai.errors import MathError, ParseError
from calcai.matrix import rules as R
from calcai.matrix.derive import matrix_gradient
from calcai.matrix.parse import AsNumber, declare, parse_matrix
from calcai.matrix.verify import equal_expressions, verify_gradient
from calcai.problems import ProblemFileError, load, loads
from calcai.solvers import solve

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "problems" / "matrix-calculus.yaml"

V = {"x": "n", "y": "m", "a": "n", "b": "n", "c": "m", "v": "n"}
M = {"W": ["m", "n"], "A": ["n", "n"], "X": ["n", "n"], "B": ["n", "n"], "Y": ["m", "n"]}
S = declare(V, M)


def P(text):
    return parse_matrix(text, symbols=S)


# ---------------------------------------------------------------- parser

W, x, y, A, X, a, b = (S[k] for k in "WxyAXab")


@pytest.mark.parametrize("text, expected", [
    ("W x", sp.MatMul(W, x)),
    ("W @ x", sp.MatMul(W, x)),
    ("W·x", sp.MatMul(W, x)),
    ("W*x", sp.MatMul(W, x)),
    ("Wx", sp.MatMul(W, x)),
    ("xᵀAx", sp.MatMul(sp.Transpose(x), A, x)),
    ("x^T A x", sp.MatMul(sp.Transpose(x), A, x)),
    ("‖W x − y‖²", sp.MatMul(sp.Transpose(sp.MatAdd(sp.MatMul(W, x), sp.MatMul(-1, y))),
                              sp.MatAdd(sp.MatMul(W, x), sp.MatMul(-1, y)))),
    ("norm(x)^2", sp.MatMul(sp.Transpose(x), x)),
    ("tr(A X)", sp.Trace(sp.MatMul(A, X))),
    ("trace(X)", sp.Trace(X)),
    ("det(X)", sp.Determinant(X)),
    ("log det X", sp.log(sp.Determinant(X))),
    ("log(det(X))", sp.log(sp.Determinant(X))),
    ("inv(X)", sp.Inverse(X)),
    ("X^-1", sp.Inverse(X)),
    ("X⁻¹", sp.Inverse(X)),
    ("X^-T", sp.Transpose(sp.Inverse(X))),
    ("a ⊙ b", sp.HadamardProduct(a, b)),
    ("tr(X^2)", sp.Trace(sp.MatMul(X, X))),
    ("a^T inv(X) b", sp.MatMul(sp.Transpose(a), sp.Inverse(X), b)),
    ("sum(a)", sp.MatMul(sp.OneMatrix(1, S["a"].shape[0]), a)),
    # a 1×1 product used as a number
    ("x^T a + 3", AsNumber(sp.MatMul(sp.Transpose(x), a)) + 3),
    ("(x^T a)^2", AsNumber(sp.MatMul(sp.Transpose(x), a)) ** 2),
    ("(x^T a) x", sp.MatMul(AsNumber(sp.MatMul(sp.Transpose(x), a)), x)),
    ("1/(x^T a)", 1 / AsNumber(sp.MatMul(sp.Transpose(x), a))),
])
def test_parser_accepts(text, expected):
    assert P(text) == expected


def test_parser_elementwise_sigmoid():
    e = P("σ(W x + y)")
    assert isinstance(e, ElementwiseApplyFunction)
    assert e.expr == sp.MatAdd(sp.MatMul(W, x), y)
    assert P("sigmoid(W x + y)") == e


def test_a_constant_added_to_a_vector_is_in_every_entry():
    assert P("x + 3") == sp.MatAdd(x, sp.MatMul(3, sp.OneMatrix(x.shape[0], 1)))
    assert P("1 - x") == sp.MatAdd(sp.OneMatrix(x.shape[0], 1), sp.MatMul(-1, x))


@pytest.mark.parametrize("text, message", [
    ("x + W", "cannot add"),
    ("W W", "inner sizes differ"),
    ("tr(x)", "square"),
    ("det(W)", "square"),
    ("inv(W)", "square"),
    ("a ⊙ y", "same shape"),
    ("z^T x", "unknown name 'z'"),
    ("x + x^T x", "cannot add a n×1 and a 1×1"),
    ("norm(W)^2", "vector"),
    ("‖x‖", "squared norm"),
    ("W x / x", "division by a matrix"),
    ("x^2.5", "whole-number power"),
    ("", "empty"),
    ("__import__('os').system('ls')", "unexpected character"),
    ("x.T", "unexpected character"),
    ("W[0]", "unexpected character"),
    ("lambda: x", "unexpected character"),
    ("lambda x", "unknown name"),
    ("exec(x)", "unknown name"),
    ("x; x", "unexpected character"),
    ("x\x00", "unexpected character"),
    ("(" * 100 + "x" + ")" * 100, "nested"),
    ("x^T x" + " + x^T x" * 400, "longer than"),
])
def test_parser_rejects(text, message):
    with pytest.raises(ParseError) as info:
        P(text)
    assert message in info.value.message


@pytest.mark.parametrize("vectors, matrices, message", [
    ({"x": 0}, None, "whole number from 1"),
    ({"x": "2x"}, None, "whole number"),
    ({"tr": 2}, None, "function name"),
    ({"x": 2}, {"x": [2, 2]}, "declared twice"),
    ({"1x": 2}, None, "not a valid"),
    ({}, {}, "at least one"),
])
def test_declarations_rejected(vectors, matrices, message):
    with pytest.raises(ParseError) as info:
        declare(vectors, matrices)
    assert message in info.value.message


# ---------------------------------------------------------------- rules against the scalarised expression

def explicit(symbols, sizes):
    out = {}
    for m in symbols:
        r, c = (int(sp.sympify(d).xreplace(sizes)) for d in m.shape)
        if type(m).__name__ == "SymmetricMatrix":         # declared symmetric: t_A01 = t_A10
            out[m] = sp.ImmutableMatrix(r, c, lambda i, j: sp.Symbol(f"t_{m.name}{min(i, j)}{max(i, j)}", real=True))
        else:
            out[m] = sp.ImmutableMatrix(r, c, lambda i, j: sp.Symbol(f"t_{m.name}{i}{j}", real=True))
    return out


def at_sizes(e, sizes):
    swap = {m: type(m)(m.name, *(sp.sympify(d).xreplace(sizes) for d in m.shape))
            for m in e.atoms(sp.MatrixSymbol)}
    return e.xreplace(swap).xreplace(sizes)


def scalar(e):
    e = e.doit()
    if isinstance(e, sp.MatrixBase) or getattr(e, "is_Matrix", False):
        e = sp.Matrix(e)
        return e[0, 0] if e.shape == (1, 1) else e
    return e


SIZES = {sp.Symbol("m", integer=True, positive=True): 3, sp.Symbol("n", integer=True, positive=True): 2,
         sp.Symbol("k", integer=True, positive=True): 4}


def independent_check(expr, wrt, gradient):
    """The gradient, explicit at m = 3, n = 2, minus sympy diff of the scalarised expression:
    every entry must simplify to 0."""
    e, g = at_sizes(expr, SIZES), at_sizes(gradient, SIZES)
    mats = {m.name: m for m in e.atoms(sp.MatrixSymbol) | g.atoms(sp.MatrixSymbol)}
    values = explicit(mats.values(), {})
    f = scalar(e.xreplace(values))
    G = scalar(g.xreplace(values))
    G = sp.Matrix(G) if isinstance(G, sp.MatrixBase) else sp.Matrix([[G]])
    Xv = values[mats[wrt.name]]
    assert G.shape == Xv.shape
    for i in range(Xv.rows):
        for j in range(Xv.cols):
            assert sp.simplify(G[i, j] - sp.diff(f, Xv[i, j])) == 0, (i, j)
    return f, values, G, Xv


def finite_differences(f, values, G, Xv, seed=7):
    rng = random.Random(seed)
    syms = [s for m in values.values() for s in m]
    pt = {s: rng.uniform(-1, 1) for s in syms}
    for s in syms:                      # keep square matrices well conditioned: add 3 on the diagonal
        if re.fullmatch(r"t_[AXB](\d)\1", s.name):
            pt[s] += 3
    fn = sp.lambdify(syms, f, [{"sigmoid": lambda z: 1 / (1 + math.exp(-z))}, "math"])
    h = 1e-6
    for idx, s in enumerate(Xv):
        up, dn = dict(pt), dict(pt)
        up[s] += h
        dn[s] -= h
        fd = float((fn(*[up[v] for v in syms]) - fn(*[dn[v] for v in syms])) / (2 * h))
        exact = float(sp.N(G[idx].xreplace(pt)))
        assert fd == pytest.approx(exact, rel=1e-5, abs=1e-6)


RULE_CASES = [
    # text, wrt, the gradient in textbook form, a rule the derivation must use
    ("a^T x", "x", "a", R.LinearMap),
    ("x^T a", "x", "a", R.LinearMap),
    ("norm(W x - y)^2", "x", "2 W^T (W x - y)", R.SquaredNorm),
    ("norm(W x - y)^2", "W", "2 (W x - y) x^T", R.SquaredNorm),
    ("x^T A x", "x", "(A + A^T) x", R.QuadraticForm),
    ("x^T W^T W x", "x", "2 W^T W x", R.ProductRule),
    ("c^T W x", "W", "c x^T", R.LinearMap),
    ("tr(A X)", "X", "A^T", R.TraceRule),
    ("tr(X^T A X)", "X", "(A + A^T) X", R.QuadraticForm),
    ("tr(A X B)", "X", "A^T B^T", R.TraceRule),
    ("tr(X)", "X", None, R.TraceRule),
    ("det(X)", "X", "det(X) X^-T", R.Determinant),
    ("log det X", "X", "X^-T", R.LogDet),
    ("a^T inv(X) b", "X", "-X^-T a b^T X^-T", R.InverseRule),
    ("sum(a ⊙ x)", "x", "a", R.Hadamard),
    ("sum(σ(W x + c))", "x", None, R.ElementwiseChain),
    ("norm(tanh(W x) - c)^2", "W", None, R.ElementwiseChain),
    ("c^T exp(W x)", "x", None, R.ElementwiseChain),
    ("det(X)^2 + 3 tr(X)", "X", None, R.ScalarChain),
    ("x^T x + 2 x^T a", "x", "2 x + 2 a", R.SumRule),
    ("(Y x)^T (W x)", "x", "Y^T W x + W^T Y x", R.ProductRule),
    ("tr(X^T Y^T W)", "X", None, R.TransposeRule),
    ("x^T a + 3", "x", "a", R.OneByOne),
    ("log(x^T A x)", "x", "1/(x^T A x) (A + A^T) x", R.ScalarChain),
    ("σ(a^T x)", "x", None, R.ScalarChain),
    ("log(1 + exp(-(a^T x)))", "x", None, R.ScalarChain),
    ("(x^T a) x^T x", "x", None, R.SquaredNorm),
    ("norm(W x - y)^2 + 0.1 tr(W^T W)", "W", "1/5 W + 2 (W x - y) x^T", R.TraceRule),
]


@pytest.mark.parametrize("text, wrt, textbook, rule", RULE_CASES)
def test_rule_against_scalarised(text, wrt, textbook, rule):
    expr = P(text)
    d = matrix_gradient(expr, S[wrt])
    assert any(type(s) is rule for s in d.steps)
    f, values, G, Xv = independent_check(expr, S[wrt], d.gradient)
    finite_differences(f, values, G, Xv)
    if textbook is not None:
        assert d.gradient == P(textbook)
    assert verify_gradient(expr, S[wrt], d.gradient, S.values()).ok


def test_every_rule_is_exercised():
    used = {rule for *_, rule in RULE_CASES}
    assert used >= set(R.RULES) - {R.Start, R.ScalarMultiple}
    for rule in R.RULES:
        assert rule.__doc__ and "\n" not in rule.__doc__.strip()


def test_textbook_forms_print():
    from calcai.render.text import math_text

    assert math_text(matrix_gradient(P("norm(W x - y)^2"), x).gradient) == "2Wᵀ(Wx − y)"
    assert math_text(matrix_gradient(P("norm(W x - y)^2"), W).gradient) == "2(Wx − y)xᵀ"
    assert math_text(matrix_gradient(P("xᵀAx"), x).gradient) == "(A + Aᵀ)x"
    assert math_text(matrix_gradient(P("log det X"), X).gradient) == "X⁻ᵀ"
    assert math_text(matrix_gradient(P("sum(σ(W x + c))"), x).gradient) == "Wᵀσ′(Wx + c)"
    assert math_text(P("(x^T a)^2 + ‖x‖²")) == "(xᵀa)² + ‖x‖²"
    assert math_text(matrix_gradient(P("σ(a^T x)"), x).gradient) == "σ(aᵀx)·(1 − σ(aᵀx))·a"
    assert math_text(matrix_gradient(P("norm(W x - y)^2 + 0.1 tr(W^T W)"), W).gradient) == "1/5·W + 2(Wx − y)xᵀ"


def test_wrong_gradients_fail_verification():
    expr = P("norm(W x - y)^2")
    assert not verify_gradient(expr, x, P("W^T (W x - y)"), S.values()).ok
    assert not verify_gradient(P("tr(A X)"), X, A, S.values()).ok          # Aᵀ is right
    assert not equal_expressions(P("A"), P("A^T"), S.values())
    assert equal_expressions(P("(A + A^T) x"), P("A x + A^T x"), S.values())


def test_sympy_log_det_gap_is_not_inherited():
    # sympy's own matrix diff of log det is not trusted; ours is X⁻ᵀ, checked entry by entry
    d = matrix_gradient(P("log det X"), X)
    assert d.gradient == sp.Transpose(sp.Inverse(X))
    independent_check(P("log det X"), X, d.gradient)


def test_gradient_needs_a_scalar():
    with pytest.raises(MathError):
        matrix_gradient(P("W x"), x)


# ---------------------------------------------------------------- walkthroughs (golden)

def _least_squares(wrt):
    return solve({"kind": "matrix_gradient", "expr": "norm(W x - y)^2", "wrt": wrt,
                  "vectors": {"x": "n", "y": "m"}, "matrices": {"W": ["m", "n"]}})


def _fd(text):
    return re.sub(r"largest relative error [0-9.e+-]+", "largest relative error {fd}", text)


GOLDEN_TEXT_X = "Matrix gradient with respect to x\n=================================\n\nSetup\n-----\nDeclared: x ∈ ℝ^n, y ∈ ℝ^m, W ∈ ℝ^(m×n) (vectors are columns).\nLayout: the gradient has the shape of the variable — entry (i, j) of ∂L/∂X is ∂L/∂Xᵢⱼ; G stands for the gradient arriving from above.\nL = ‖Wx − y‖² = (Wx − y)ᵀ(Wx − y)\n\nRules\n-----\nsquared norm: ∂‖v‖²/∂v = 2v\n∂L/∂(Wx − y) = 2(Wx − y)\nsum rule: ∂(A + B) → G to A and to B\n∂L/∂(Wx) = 2(Wx − y)\nlinear map: Y = AXB ⇒ ∂L/∂X = Aᵀ G Bᵀ\n∂L/∂x = 2Wᵀ(Wx − y)\n\nVerification\n------------\nChecked entry by entry against sympy's derivative of the scalarised expression at sizes m = 2, n = 3 (3 random exact points) and by finite differences (largest relative error {fd}).\n\nAnswer: ∂L/∂x = 2Wᵀ(Wx − y)"

GOLDEN_TEXT_W = "Matrix gradient with respect to W\n=================================\n\nSetup\n-----\nDeclared: x ∈ ℝ^n, y ∈ ℝ^m, W ∈ ℝ^(m×n) (vectors are columns).\nLayout: the gradient has the shape of the variable — entry (i, j) of ∂L/∂X is ∂L/∂Xᵢⱼ; G stands for the gradient arriving from above.\nL = ‖Wx − y‖² = (Wx − y)ᵀ(Wx − y)\n\nRules\n-----\nsquared norm: ∂‖v‖²/∂v = 2v\n∂L/∂(Wx − y) = 2(Wx − y)\nsum rule: ∂(A + B) → G to A and to B\n∂L/∂(Wx) = 2(Wx − y)\nlinear map: Y = AXB ⇒ ∂L/∂X = Aᵀ G Bᵀ\n∂L/∂W = 2(Wx − y)xᵀ\n\nVerification\n------------\nChecked entry by entry against sympy's derivative of the scalarised expression at sizes m = 2, n = 3 (3 random exact points) and by finite differences (largest relative error {fd}).\n\nAnswer: ∂L/∂W = 2(Wx − y)xᵀ"

GOLDEN_MD_X = "# Matrix gradient with respect to x\n\n## Setup\n\nDeclared: x ∈ ℝ^n, y ∈ ℝ^m, W ∈ ℝ^(m×n) (vectors are columns).\n\nLayout: the gradient has the shape of the variable — entry (i, j) of ∂L/∂X is ∂L/∂Xᵢⱼ; G stands for the gradient arriving from above.\n\n$L = \\left\\|W x - y\\right\\|^{2} = \\left(W x - y\\right)^{T} \\left(W x - y\\right)$\n\n## Rules\n\nsquared norm: ∂‖v‖²/∂v = 2v\n\n$\\frac{\\partial L}{\\partial \\left(W x - y\\right)} = 2 \\left(W x - y\\right)$\n\nsum rule: ∂(A + B) → G to A and to B\n\n$\\frac{\\partial L}{\\partial \\left(W x\\right)} = 2 \\left(W x - y\\right)$\n\nlinear map: Y = AXB ⇒ ∂L/∂X = Aᵀ G Bᵀ\n\n$\\frac{\\partial L}{\\partial x} = 2 W^{T} \\left(W x - y\\right)$\n\n## Verification\n\nChecked entry by entry against sympy's derivative of the scalarised expression at sizes m = 2, n = 3 (3 random exact points) and by finite differences (largest relative error {fd}).\n\n**Answer:** $\\frac{\\partial L}{\\partial x} = 2 W^{T} \\left(W x - y\\right)$\n"

GOLDEN_MD_W = "# Matrix gradient with respect to W\n\n## Setup\n\nDeclared: x ∈ ℝ^n, y ∈ ℝ^m, W ∈ ℝ^(m×n) (vectors are columns).\n\nLayout: the gradient has the shape of the variable — entry (i, j) of ∂L/∂X is ∂L/∂Xᵢⱼ; G stands for the gradient arriving from above.\n\n$L = \\left\\|W x - y\\right\\|^{2} = \\left(W x - y\\right)^{T} \\left(W x - y\\right)$\n\n## Rules\n\nsquared norm: ∂‖v‖²/∂v = 2v\n\n$\\frac{\\partial L}{\\partial \\left(W x - y\\right)} = 2 \\left(W x - y\\right)$\n\nsum rule: ∂(A + B) → G to A and to B\n\n$\\frac{\\partial L}{\\partial \\left(W x\\right)} = 2 \\left(W x - y\\right)$\n\nlinear map: Y = AXB ⇒ ∂L/∂X = Aᵀ G Bᵀ\n\n$\\frac{\\partial L}{\\partial W} = 2 \\left(W x - y\\right) x^{T}$\n\n## Verification\n\nChecked entry by entry against sympy's derivative of the scalarised expression at sizes m = 2, n = 3 (3 random exact points) and by finite differences (largest relative error {fd}).\n\n**Answer:** $\\frac{\\partial L}{\\partial W} = 2 \\left(W x - y\\right) x^{T}$\n"


def test_golden_text_wrt_x():
    assert _fd(str(_least_squares("x"))) == GOLDEN_TEXT_X


def test_golden_text_wrt_W():
    assert _fd(str(_least_squares("W"))) == GOLDEN_TEXT_W


def test_golden_markdown_wrt_x():
    assert _fd(_least_squares("x").to_markdown()) == GOLDEN_MD_X


def test_golden_markdown_wrt_W():
    assert _fd(_least_squares("W").to_markdown()) == GOLDEN_MD_W


def test_other_renderers():
    s = solve({"kind": "matrix_gradient", "expr": "norm(W x - y)^2", "wrt": "x", "vectors": {"x": 2, "y": 2},
               "matrices": {"W": [2, 2]}, "at": {"W": [[1, 2], [3, 4]], "x": [3, 4], "y": [0, 0]}})
    tex = s.to_latex()
    assert r"\frac{\partial L}{\partial x} &= 2 W^{T} \left(W x - y\right)" in tex
    from calcai.render.jsonout import to_jsonable
    assert to_jsonable(s.answer) == {"gradient": "2 W^T (W x - y)", "value": [172, 244]}
    from calcai.render.rich_render import render_rich
    from rich.console import Console

    console = Console(record=True, width=100, color_system=None)
    console.print(render_rich(s))
    assert "∂L/∂x = 2Wᵀ(Wx − y)" in console.export_text()


# ---------------------------------------------------------------- numbers at given matrices

def test_numeric_value_and_matrix_arithmetic():
    s = solve({"kind": "matrix_gradient", "expr": "norm(W x - y)^2", "wrt": "W", "vectors": {"x": 2, "y": 2},
               "matrices": {"W": [2, 2]}, "at": {"W": [[1, 2], [3, 4]], "x": [3, 4], "y": [1, -1]}})
    # independently: L = (w11·3 + w12·4 − 1)² + (w21·3 + w22·4 + 1)²
    w = sp.symbols("w11 w12 w21 w22")
    L = (w[0] * 3 + w[1] * 4 - 1) ** 2 + (w[2] * 3 + w[3] * 4 + 1) ** 2
    point = dict(zip(w, (1, 2, 3, 4)))
    want = [[sp.diff(L, w[0]).subs(point), sp.diff(L, w[1]).subs(point)],
            [sp.diff(L, w[2]).subs(point), sp.diff(L, w[3]).subs(point)]]
    assert s.answer["value"] == want
    text = str(s)
    assert "Wx − y = ⎡10⎤" in text and "         ⎣26⎦" in text


def test_tutorial_problem_in_matrix_form():
    problem = next(p for p in load(BUNDLED) if p.id == "vector-matrix-gradient-matrix-form")
    s = solve(problem)
    # independently of the engine: L = (x1 + 2x2)² + (3x1 + 4x2)² at (3, 4)
    x1, x2 = sp.symbols("x1 x2")
    L = (x1 + 2 * x2) ** 2 + (3 * x1 + 4 * x2) ** 2
    want = [sp.diff(L, v).subs({x1: 3, x2: 4}) for v in (x1, x2)]
    assert want == [172, 244]
    assert s.answer["value"] == want
    assert s.check.status == "pass"
    text = str(s)
    assert "∂L/∂x = 2WᵀWx = 2Wᵀy" in text
    assert "Answer: ∂L/∂x = 2WᵀWx\n        ∂L/∂x = 2Wᵀy\n" in text
    assert "Wᵀy = ⎡ 86⎤" in text
    assert "2WᵀWx = 2Wᵀy = ⎡172⎤" in text
    assert "The tutorial says 2Wᵀy = 2·[172, 242] = [344, 484]" in problem.note


# ---------------------------------------------------------------- the bundled file

def test_bundled_file_checks():
    problems = load(BUNDLED)
    cookbook = [p for p in problems if "cookbook" in p.tags]
    assert len(cookbook) >= 25
    assert any(p.id == "vector-matrix-gradient-matrix-form" for p in problems)
    for p in problems:
        s = solve(p)
        assert s.check.status in ("pass", "none"), p.id
        if p.expected is not None:
            assert s.check.status == "pass", p.id
        if p.kind != "matrix_gradient":           # layers: tests/test_layer_gradients.py
            continue
        from calcai.matrix.setup import prepare

        setup = prepare(p.fields)
        independent_check(setup.expr, setup.wrt, s.answer["gradient"])


def test_check_fails_on_a_wrong_gradient():
    [p] = loads("""
problems:
  - id: wrong
    kind: matrix_gradient
    expr: "tr(A X)"
    wrt: X
    matrices: {A: [n, n], X: [n, n]}
    expected: {gradient: "A"}
""")
    s = solve(p)
    assert s.check.status == "fail"
    assert s.check.items[0].message == "not equal entry by entry at concrete sizes"


@pytest.mark.parametrize("body, message", [
    ('expr: "tr(A Z)"\n    wrt: A\n    matrices: {A: [2, 2]}', "unknown name 'Z'"),
    ('expr: "tr(A)"\n    wrt: B\n    matrices: {A: [2, 2]}', "field 'wrt' must be a declared vector or matrix"),
    ('expr: "tr(A)"\n    wrt: A\n    matrices: {A: [2, 2]}\n    at: {A: [1, 2]}', "A needs 2 rows of 2 numbers"),
    ('expr: "tr(A)"\n    wrt: A\n    matrices: {A: [n, n]}\n    at: {A: [[1, 2], [3, 4]]}', "symbolic"),
    ('expr: "W x"\n    wrt: x\n    vectors: {x: 2}\n    matrices: {W: [2, 2]}', "needs a scalar"),
    ('expr: "x^T x"\n    wrt: x\n    vectors: {x: 2}\n    expected: {gradient: "2 q"}', "not a valid matrix expression"),
])
def test_problem_file_errors(body, message):
    with pytest.raises(ProblemFileError) as info:
        loads("problems:\n  - id: bad\n    kind: matrix_gradient\n    " + body + "\n")
    assert any(message in str(e) for e in info.value.errors), [str(e) for e in info.value.errors]


# ---------------------------------------------------------------- command line

def _calcai(*args):
    return subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_cli_diff_with_matrices():
    r = _calcai("diff", "norm(W x - y)^2", "--wrt", "x", "--vectors", "x:2,y:2", "--matrices", "W:2x2",
                "--at", "W=[[1,2],[3,4]],x=[3,4],y=[0,0]", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["answer"] == {"gradient": "2 W^T (W x - y)", "value": [172, 244]}


def test_cli_diff_symbolic_sizes_text():
    r = _calcai("diff", "x^T A x", "--wrt", "x", "--vectors", "x:n", "--matrices", "A:nxn", "--format", "text")
    assert r.returncode == 0, r.stderr
    assert "Answer: ∂L/∂x = (A + Aᵀ)x" in r.stdout


def test_cli_diff_matrix_errors():
    r = _calcai("diff", "tr(A Z)", "--wrt", "A", "--matrices", "A:2x2", "--format", "text")
    assert r.returncode == 2
    assert "unknown name 'Z'" in r.stderr
    r = _calcai("diff", "tr(A)", "--wrt", "A", "--matrices", "A:2", "--format", "text")
    assert r.returncode == 2
    assert "give a shape like A:2x3" in r.stderr


def test_api_parse_with_declarations():
    import calcai

    assert calcai.parse("x^T A x", vectors={"x": "n"}, matrices={"A": ["n", "n"]}) == \
        sp.MatMul(sp.Transpose(x), A, x)
    with pytest.raises(ParseError):
        calcai.parse("x^T B x", vectors={"x": "n"}, matrices={"A": ["n", "n"]})


def test_let_names_must_be_new_and_valid():
    base = ('problems:\n  - id: bad\n    kind: matrix_gradient\n    expr: "norm(W x)^2"\n    wrt: x\n'
            '    vectors: {x: 2}\n    matrices: {W: [2, 2]}\n')
    with pytest.raises(ProblemFileError) as info:
        loads(base + '    let: {W: "W x"}\n')
    assert "already declared" in str(info.value.errors[0])
    with pytest.raises(ProblemFileError) as info:
        loads(base + '    let: {y: "W q"}\n')
    assert "unknown name 'q'" in str(info.value.errors[0])


def test_big_numeric_sizes_are_checked_at_small_standins():
    from calcai.matrix.verify import numeric_standins

    big = declare({"x": 100, "y": 50}, {"W": [50, 100], "A": [100, 100]})
    assert numeric_standins(big.values()) == {50: 2, 100: 3}
    assert numeric_standins(declare({"x": 3}, {"W": [2, 3]}).values()) == {}
    expr = parse_matrix("norm(W x - y)^2 + x^T A x", symbols=big)
    d = matrix_gradient(expr, big["x"])
    v = verify_gradient(expr, big["x"], d.gradient, big.values())
    assert v.ok and v.standins == {50: 2, 100: 3}
    wrong = parse_matrix("2 W^T (W x - y) + 2 A x", symbols=big)      # A is not symmetric
    assert not verify_gradient(expr, big["x"], wrong, big.values()).ok
    s = solve({"kind": "matrix_gradient", "expr": "tr(A X)", "wrt": "X", "matrices": {"A": [10, 10], "X": [10, 10]}})
    assert "at sizes 2 in place of 10" in str(s)
    assert s.answer["gradient"] == sp.Transpose(sp.MatrixSymbol("A", 10, 10))


# ---------------------------------------------------------------- symmetric matrices

def test_symmetric_declaration_gives_the_textbook_forms():
    from calcai.matrix.derive import matrix_gradient
    from calcai.matrix.parse import SymmetricMatrix, declare, parse_matrix
    from calcai.matrix.verify import equal_expressions, verify_gradient
    from calcai.render.text import math_text

    S = declare({"x": "n", "s": "n"}, {"A": ["n", "n"], "B": ["n", "n"]}, symmetric=["A"])
    assert isinstance(S["A"], SymmetricMatrix) and not isinstance(S["B"], SymmetricMatrix)
    assert parse_matrix("A^T", symbols=S) == S["A"]
    cases = {"x^T A x": "2Ax", "(x - s)^T A (x - s)": "2A(x − s)", "x^T B x": "(B + Bᵀ)x",
             "x^T A B x": "ABx + BᵀAx"}
    for text, shown in cases.items():
        e = parse_matrix(text, symbols=S)
        g = matrix_gradient(e, S["x"]).gradient
        assert math_text(g) == shown
        assert verify_gradient(e, S["x"], g, S.values()).ok
    # the symmetric entries are shared: for a symmetric A, Ax and Aᵀx are equal, for B not
    assert equal_expressions(parse_matrix("A x", symbols=S), parse_matrix("A^T x", symbols=S), S.values())
    assert not equal_expressions(parse_matrix("B x", symbols=S), parse_matrix("B^T x", symbols=S), S.values())


def test_symmetric_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""problems:
  - id: wrt-symmetric
    kind: matrix_gradient
    expr: "x^T A x"
    wrt: A
    vectors: {x: 2}
    matrices: {A: [2, 2]}
    symmetric: [A]
  - id: not-square
    kind: matrix_gradient
    expr: "x^T A y"
    wrt: x
    vectors: {x: 2, y: 3}
    matrices: {A: [2, 3]}
    symmetric: [A]
  - id: values-not-symmetric
    kind: matrix_gradient
    expr: "x^T A x"
    wrt: x
    vectors: {x: 2}
    matrices: {A: [2, 2]}
    symmetric: [A]
    at: {A: [[1, 2], [5, 3]], x: [1, 1]}
""")
    out = subprocess.run([sys.executable, "-m", "calcai", "check", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"{bad}:5:10: problem wrt-symmetric: field 'wrt': A is declared symmetric, and a gradient with respect "
        "to a symmetric matrix depends on a convention; drop it from 'symmetric'",
        f"{bad}:15:16: problem not-square: symmetric: A is 2×3; a symmetric matrix is square",
        f"{bad}:23:9: problem values-not-symmetric: 'at' gives A, declared symmetric, with A ≠ Aᵀ",
    ]
