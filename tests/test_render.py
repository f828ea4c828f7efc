"""Tests for calcai.render: math_text, the text layout (golden), rich, Markdown, LaTeX, JSON."""

import io
import json
from dataclasses import dataclass

import pytest
import sympy as sp

from calcai.functions import leaky_relu, relu, sigmoid, softplus
from calcai.parser import parse
from calcai.render import render
from calcai.render.jsonout import expr_text, solution_json, to_jsonable
from calcai.render.latex import escape_text, render_latex, tex_label
from calcai.render.markdown import render_markdown
from calcai.render.text import math_text, render_text, rule_label, step_lines
from calcai.solution import Check, CheckItem, Equation, Section, Solution, Table, Text, Walkthrough

x, y, t = sp.symbols("x y t", real=True)
u = sp.Symbol("u", real=True)
w1, x1, w2, x2, b = sp.symbols("w1 x1 w2 x2 b", real=True)
MU, S = sp.symbols("mu s", real=True)


@dataclass(frozen=True)
class Step:
    """A stand-in for calcai.differentiation.DiffRule: the attributes the renderers read."""

    rule: str
    expr: object
    wrt: object
    result: object
    substeps: tuple = ()
    u: object = None
    inner: object = None
    before: object = None


@dataclass(frozen=True)
class IntegralStep:
    rule: str
    expr: object
    wrt: object
    result: object
    substeps: tuple = ()


@dataclass(frozen=True)
class FakeProblem:
    file: str = "problems/derivatives.yaml"
    id: str = "poly"
    kind: str = "derivative"


SUM_TREE = Step("sum", x**3 + 2 * x**2 + 5, x, 3 * x**2 + 4 * x, (
    Step("power", x**3, x, 3 * x**2),
    Step("constant_multiple", 2 * x**2, x, 4 * x, (Step("power", x**2, x, 2 * x),)),
    Step("constant", sp.Integer(5), x, sp.Integer(0)),
))

CHAIN_TREE = Step("chain", (x**2 + 1)**3, x, 6 * x * (x**2 + 1)**2, (
    Step("power", u**3, u, 3 * u**2),
    Step("sum", x**2 + 1, x, 2 * x, (Step("power", x**2, x, 2 * x), Step("constant", sp.Integer(1), x, sp.Integer(0)))),
), u=u, inner=x**2 + 1)


def make_solution(check=None):
    return Solution(
        problem=FakeProblem(),
        title="Derivative of x³ + 2x² + 5",
        sections=(
            Section("Rules", (Text("Differentiate term by term."), SUM_TREE)),
            Section("Value at x = 2", (
                Equation("f'(2)", sp.Integer(20), via="3·2² + 4·2"),
                Equation("f(1/3)", sp.Rational(1, 12)),
                Table(("step", "x", "f(x)"), ((0, sp.Rational(1, 2), 0.1 * 6.2), (1, x**2, sp.Rational(8, 3)))),
            )),
        ),
        answer={"derivative": 3 * x**2 + 4 * x},
        final=(Equation("f'(x)", 3 * x**2 + 4 * x),),
        check=check or Check("pass", (CheckItem("derivative", "3x^2 + 4x", 3 * x**2 + 4 * x, True),)),
    )


GOLDEN = """\
Derivative of x³ + 2x² + 5
==========================

Rules
-----
Differentiate term by term.
sum rule: d/dx (x³ + 2x² + 5) = 3x² + 4x
  power rule: d/dx x³ = 3x²
  constant multiple rule: d/dx 2x² = 4x
    power rule: d/dx x² = 2x
  constant rule: d/dx 5 = 0

Value at x = 2
--------------
f'(2) = 3·2² + 4·2 = 20
f(1/3) = 1/12 ≈ 0.08333
step  x    f(x)
────  ───  ───────────
0     0.5  0.62
1     x²   8/3 ≈ 2.667

Answer: f'(x) = 3x² + 4x
Check: pass"""


# ---------------------------------------------------------------- text


def test_golden_text():
    assert render_text(make_solution()) == GOLDEN
    assert str(make_solution()) == GOLDEN
    assert render(make_solution(), "text") == GOLDEN


def test_golden_failed_check():
    check = Check("fail", (
        CheckItem("derivative", "3x^2 + 4x", 3 * x**2 + 4 * x, True),
        CheckItem("at.x", 0.574, sp.Float(0.5744), False, "off by 0.0004"),
        CheckItem("loss", sp.Rational(7, 250), sp.Rational(1, 3), False),
    ))
    text = render_text(make_solution(check))
    assert text.endswith(
        "Answer: f'(x) = 3x² + 4x\n"
        "Check: FAIL — at.x: expected 0.574, computed 0.5744 (off by 0.0004)\n"
        "Check: FAIL — loss: expected 0.028, computed 1/3 ≈ 0.3333")


def test_golden_chain_rule_tree():
    assert "\n".join(step_lines(CHAIN_TREE)) == """\
chain rule (u = x² + 1): d/dx (x² + 1)³ = 6x·(x² + 1)²
  power rule: d/du u³ = 3u²
  sum rule: d/dx (x² + 1) = 2x
    power rule: d/dx x² = 2x
    constant rule: d/dx 1 = 0"""


def test_partial_derivative_tree_uses_partial_d_throughout():
    tree = Step("sum", x**2 * y + y, x, 2 * x * y, (
        Step("constant_multiple", x**2 * y, x, 2 * x * y),
        Step("constant", y, x, sp.Integer(0)),
    ))
    assert step_lines(tree) == [
        "sum rule: ∂/∂x (x²y + y) = 2xy",
        "  constant multiple rule: ∂/∂x x²y = 2xy",
        "  constant rule: ∂/∂x y = 0",
    ]


def test_integral_and_rewrite_trees():
    tree = IntegralStep("sum", x**2 + 1, x, x**3 / 3 + x, (
        IntegralStep("power", x**2, x, x**3 / 3),
        IntegralStep("constant", sp.Integer(1), x, x),
    ))
    assert step_lines(tree) == [
        "sum rule: ∫ (x² + 1) dx = x³/3 + x",
        "  power rule: ∫ x² dx = x³/3",
        "  constant rule: ∫ 1 dx = x",
    ]
    # a rewrite: `before` is the result before it was tidied into a readable form
    logistic = 1 / (1 + sp.exp(-x))
    untidy = sp.exp(-x) / (1 + sp.exp(-x))**2
    rewrite = Step("rewrite", logistic, x, sigmoid(x) * (1 - sigmoid(x)),
                   (Step("quotient", logistic, x, untidy),), before=untidy)
    assert step_lines(rewrite) == [
        "rewrite: d/dx (1/(1 + e^(−x))) = e^(−x)/(1 + e^(−x))² = σ(x)·(1 − σ(x))",
        "  quotient rule: d/dx (1/(1 + e^(−x))) = e^(−x)/(1 + e^(−x))²",
    ]
    assert step_lines(Step("quotient", (x + 1) / (x - 1), x, -2 / (x - 1)**2)) == [
        "quotient rule: d/dx ((x + 1)/(x − 1)) = −2/(x − 1)²"]
    assert step_lines(Step("power", x**sp.Rational(1, 3), x, 1 / (3 * x**sp.Rational(2, 3)))) == [
        "power rule: d/dx x^(1/3) = 1/(3x^(2/3))"]
    sympy_step = Step("sympy", sp.sin(x) ** 2, x, 2 * sp.sin(x) * sp.cos(x))
    assert step_lines(sympy_step) == ["sympy (no named rule): d/dx sin(x)² = 2sin(x)·cos(x)"]


@pytest.mark.parametrize("rule, label", [
    ("constant_multiple", "constant multiple rule"),
    ("power", "power rule"),
    ("chain", "chain rule"),
    ("power_rule", "power rule"),
    ("rewrite", "rewrite"),
    ("sympy", "sympy (no named rule)"),
])
def test_rule_label(rule, label):
    assert rule_label(rule) == label


def test_matrix_equation_is_a_grid_with_the_lhs_on_the_middle_row():
    w = Solution(problem=None, title="", sections=(Section("Hessian", (
        Equation("H", sp.Matrix([[2, 0], [0, sp.Rational(1, 2)]])),
        Equation("∇f", sp.Matrix([2 * x, 2 * y, 1])),
        Equation("v", sp.Matrix([[1, 2]])),
        Equation("r", sp.Rational(8, 3), approx=False),
    )),), answer=None)
    assert render_text(w) == """\
Hessian
-------
H = ⎡2   0 ⎤
    ⎣0  1/2⎦
     ⎡2x⎤
∇f = ⎢2y⎥
     ⎣1 ⎦
v = [[1, 2]]
r = 8/3"""


def test_walkthrough_mixin_without_check():
    class Demo(Walkthrough):
        title = "Demo"
        sections = (Section("S", (Equation("y", 14 / sp.sqrt(2)),)),)
        final = (Equation("y", 14 / sp.sqrt(2)),)

    assert str(Demo()) == "Demo\n====\n\nS\n-\ny = 7√2 ≈ 9.899\n\nAnswer: y = 7√2 ≈ 9.899"


# ---------------------------------------------------------------- math_text

MATH_TEXT_CASES = [
    (3 * x**2 + 4 * x, "3x² + 4x"),
    (x**3 + 2 * x**2 + 5, "x³ + 2x² + 5"),
    (6 * x * (x**2 + 1)**2, "6x·(x² + 1)²"),
    ((x**2 + 1)**3, "(x² + 1)³"),
    (sigmoid(x) * (1 - sigmoid(x)), "σ(x)·(1 − σ(x))"),
    (sp.exp(2 * x), "e^(2x)"),
    (sp.exp(x), "e^x"),
    (sp.exp(-x), "e^(−x)"),
    (x * sp.exp(-x), "x·e^(−x)"),
    (2 / x, "2/x"),
    (1 / x**2, "1/x²"),
    (1 / (2 * sp.sqrt(x)), "1/(2√x)"),
    ((x + 1) / (x - 1), "(x + 1)/(x − 1)"),
    (x / 2, "x/2"),
    (3 * x**2 / 2, "3x²/2"),
    (sp.Rational(-1, 2) / x, "−1/(2x)"),
    (w1, "w₁"),
    (sp.Symbol("x_2"), "x₂"),
    (w1 * x1 + w2 * x2 + b, "b + w₁·x₁ + w₂·x₂"),
    (sp.sqrt(x), "√x"),
    (sp.sqrt(x + 1), "√(x + 1)"),
    (7 * sp.sqrt(2), "7√2"),
    (x**sp.Rational(1, 3), "x^(1/3)"),
    (sp.pi, "π"),
    (2 * sp.pi * x, "2πx"),
    (sp.E, "e"),
    (sp.Symbol("sigma"), "σ"),
    (sp.Symbol("lambda"), "λ"),
    (sp.Symbol("mu"), "μ"),
    (sp.Symbol("alpha") * x, "αx"),
    (sp.Symbol("beta1"), "β₁"),
    (sigmoid(x), "σ(x)"),
    (sigmoid(x)**2, "σ(x)²"),
    (relu(x), "ReLU(x)"),
    (leaky_relu(x), "LeakyReLU(x)"),
    (leaky_relu(x, sp.Rational(1, 5)), "LeakyReLU(x, 1/5)"),
    (softplus(x), "softplus(x)"),
    (sp.Piecewise((1, x > 0), (0, True)), "{1 if x > 0; 0 otherwise}"),
    (sp.Piecewise((1, x > 0), (sp.Rational(1, 100), True)), "{1 if x > 0; 1/100 otherwise}"),
    (sp.Abs(x), "|x|"),
    (sp.Max(0, x, y), "max(0, x, y)"),
    (sp.Matrix([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]"),
    (sp.Matrix([2 * x, 2 * y]), "[[2x], [2y]]"),
    (-3 * x, "−3x"),
    (x - 1, "x − 1"),
    (-x**2, "−x²"),
    (3 * x * y, "3xy"),
    (x**2 * y, "x²y"),
    (x * sp.sin(x), "x·sin(x)"),
    (sp.log(x), "ln(x)"),
    (sp.atan(x), "arctan(x)"),
    (2**x, "2^x"),
    (x**y, "x^y"),
    (sp.Integer(-6), "−6"),
    (sp.Rational(8, 3), "8/3"),
    (sp.Float(0.5744) * x, "0.5744x"),
    (1 + 2 * sp.I, "1 + 2i"),
    (sp.oo, "∞"),
    (sp.Symbol("loss") * 2, "2·loss"),
    (sp.Derivative(x**2 * y, x), "∂/∂x [x²y]"),
    (sp.Eq(x, 2), "x = 2"),
    (x <= 0, "x ≤ 0"),
    # a reader's order: a linear combination starts with a positive term, an exponential
    # comes after bracketed factors (−(x − μ)/s²·e^(…), not −e^(…)·(−μ + x)/s²)
    (x - MU, "x − μ"),
    (2 * w1 - b, "2w₁ − b"),
    (w1 * x1 - b, "w₁·x₁ − b"),
    (-x**2 + 2 * x, "−x² + 2x"),
    (-MU - x, "−μ − x"),
    (1 - x, "1 − x"),
    (-sp.sin(x) + sp.cos(x), "cos(x) − sin(x)"),
    (-t * (x + y - 10) + x * y, "xy − t·(x + y − 10)"),
    ((x**2 + 1) * sp.exp(x), "(x² + 1)·e^x"),
    (sp.exp(x) * sp.sin(x), "e^x·sin(x)"),
]


@pytest.mark.parametrize("expr, expected", MATH_TEXT_CASES, ids=[e for _, e in MATH_TEXT_CASES])
def test_math_text(expr, expected):
    assert math_text(expr) == expected


def test_math_text_reads_back_through_the_parser():
    for expr, text in MATH_TEXT_CASES[:15]:
        assert parse(text) == expr, text


# ---------------------------------------------------------------- expr_text / JSON

ROUND_TRIPS = [
    "x^3 + 2x^2 + 5", "6x(x^2 + 1)^2", "sigmoid(x)*(1 - sigmoid(x))", "e^(2x)", "exp(-x)", "e",
    "abs(x)", "step(x)*x^2", "max(x, y)", "min(x, y)", "relu(x)", "leaky_relu(x)", "leaky_relu(x, 0.2)",
    "softplus(x)", "pi*x", "sqrt(x + 1)", "1/(2*sqrt(x))", "x^(1/3)", "ln(x)", "log(x, 2)",
    "w1*x1 + b", "(x + 1)/(x - 1)", "-x/2", "2^x", "x^-2", "sin(x)^2", "atan(x)", "tanh(x)",
    "(-1)^x", "alpha*x + lambda", "3x^2/2", "-(x - 1)^3", "x_1 + x_2", "e^x^2", "cosh(t)*t",
]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_expr_text_round_trips_through_parse(text):
    expr = parse(text)
    printed = expr_text(expr)
    assert "**" not in printed
    assert parse(printed) == expr


def test_expr_text_forms():
    assert expr_text(parse("6x(x^2+1)^2")) == "6*x*(x^2 + 1)^2"
    assert expr_text(sp.E**x) == "exp(x)"
    assert expr_text(sp.E) == "e"
    assert expr_text(sp.Abs(x)) == "abs(x)"
    assert expr_text(sp.Max(x, y)) == "max(x, y)"
    assert expr_text(sp.pi) == "pi"
    assert expr_text(sigmoid(x)) == "sigmoid(x)"


def test_to_jsonable():
    assert to_jsonable(sp.Integer(300)) == 300 and isinstance(to_jsonable(sp.Integer(3)), int)
    assert to_jsonable(sp.Rational(1, 4)) == 0.25
    assert to_jsonable(14 / sp.sqrt(2)) == pytest.approx(9.899494936611665)
    assert to_jsonable(sp.oo) == "oo"
    assert to_jsonable(sp.Matrix([[1, x], [sp.Rational(1, 2), 2]])) == [[1, "x"], [0.5, 2]]
    assert to_jsonable({x: sp.Integer(1), "y": (1, 2)}) == {"x": 1, "y": [1, 2]}
    assert to_jsonable(SUM_TREE)["substeps"][1] == {
        "rule": "constant_multiple", "expr": "2*x^2", "wrt": "x", "result": "4*x",
        "substeps": [{"rule": "power", "expr": "x^2", "wrt": "x", "result": "2*x", "substeps": []}]}


def test_solution_json_is_dumpable():
    data = solution_json(make_solution())
    assert set(data) == {"file", "id", "kind", "answer", "steps", "check"}
    assert (data["file"], data["id"], data["kind"]) == ("problems/derivatives.yaml", "poly", "derivative")
    assert data["answer"] == {"derivative": "3*x^2 + 4*x"}
    types = [item["type"] for section in data["steps"] for item in section["items"]]
    assert types == ["text", "step", "equation", "equation", "table"]
    assert data["steps"][1]["items"][0]["text"] == "f'(2) = 3·2² + 4·2 = 20"
    assert data["check"] == {"status": "pass", "details": [
        {"path": "derivative", "expected": "3x^2 + 4x", "computed": "3*x^2 + 4*x", "ok": True, "message": ""}]}
    assert json.loads(json.dumps(data)) == data
    assert json.loads(render(make_solution(), "json")) == data


# ---------------------------------------------------------------- rich

def test_rich_to_a_non_terminal_has_no_escape_codes():
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, force_terminal=False, width=100).print(make_solution())   # via __rich__
    out = buf.getvalue()
    assert "\x1b" not in out
    assert "sum rule: d/dx (x³ + 2x² + 5) = 3x² + 4x" in out
    assert "power rule: d/dx x³ = 3x²" in out
    assert "f'(2) = 3·2² + 4·2 = 20" in out
    assert "Answer" in out and "f'(x) = 3x² + 4x" in out
    assert "Check: pass" in out


def test_rich_markup_in_text_is_not_interpreted():
    from rich.console import Console

    w = Solution(problem=None, title="[bold]x[/bold]", sections=(Section("[red]S", (Text("[link]a[/link]"),)),),
                 answer=None)
    buf = io.StringIO()
    Console(file=buf, force_terminal=False, width=60).print(render(w, "rich"))
    assert "[bold]x[/bold]" in buf.getvalue() and "[link]a[/link]" in buf.getvalue()


# ---------------------------------------------------------------- markdown and LaTeX

def test_markdown_pieces():
    md = render_markdown(make_solution())
    assert md.startswith("# Derivative of x³ + 2x² + 5\n\n## Rules\n\nDifferentiate term by term.\n")
    assert r"- **sum rule**: $\frac{d}{d x} \left(x^{3} + 2 x^{2} + 5\right) = 3 x^{2} + 4 x$" in md
    assert r"  - **power rule**: $\frac{d}{d x} x^{3} = 3 x^{2}$" in md
    assert r"    - **power rule**: $\frac{d}{d x} x^{2} = 2 x$" in md
    assert r"$f(1/3) = \frac{1}{12} \approx 0.08333$" in md
    assert "| step | x | f(x) |\n| --- | --- | --- |\n| 0 | 0.5 | 0.62 |\n| 1 | $x^{2}$ | 8/3 ≈ 2.667 |" in md
    assert "**Answer:** $f'(x) = 3 x^{2} + 4 x$" in md
    assert "**Check:** pass" in md
    assert make_solution().to_markdown() == md


def test_markdown_chain_note_and_sigma():
    md = render_markdown(Solution(problem=None, title="T", sections=(Section("S", (
        CHAIN_TREE, Equation("σ'(x)", sigmoid(x) * (1 - sigmoid(x))))),), answer=None))
    assert r"- **chain rule** ($u = x^{2} + 1$): $\frac{d}{d x} \left(x^{2} + 1\right)^{3}" in md
    assert r"\sigma\left(x\right)" in md


def test_latex_pieces():
    tex = render_latex(make_solution())
    assert "documentclass" not in tex
    assert tex.startswith("\\section*{Derivative of x\\textsuperscript{3} + 2x\\textsuperscript{2} + 5}")
    assert "\\subsection*{Rules}" in tex
    assert "\\begin{itemize}\n  \\item \\textbf{sum rule}: $\\frac{d}{d x} \\left(x^{3} + 2 x^{2} + 5\\right)" in tex
    assert "  \\begin{itemize}\n    \\item \\textbf{power rule}: $\\frac{d}{d x} x^{3} = 3 x^{2}$" in tex
    assert "\\begin{align*}\nf'(2) &= 3 \\cdot 2^{2} + 4 \\cdot 2 = 20 \\\\\nf(1/3) &= \\frac{1}{12} \\approx 0.08333\n\\end{align*}" in tex
    assert "\\begin{tabular}{lll}" in tex and "$1$ & $x^{2}$ & $\\frac{8}{3} \\approx 2.667$ \\\\" in tex
    assert "\\paragraph{Answer}" in tex and "f'(x) &= 3 x^{2} + 4 x" in tex
    assert "\\paragraph{Check} pass" in tex
    assert make_solution().to_latex() == tex
    assert tex.count("\\begin{itemize}") == tex.count("\\end{itemize}")


def test_latex_escaping():
    assert escape_text("50% of a_b & σ²") == r"50\% of a\_b \& \ensuremath{\sigma}\textsuperscript{2}"
    assert tex_label("∂L/∂w₁") == r"\partial L/\partial w_{1}"
    assert tex_label("loss after step 1") == r"\text{loss after step 1}"
    assert r"\sigma\left(x\right)" in render(Solution(problem=None, title="", sections=(
        Section("S", (Equation("y", sigmoid(x)),)),), answer=None), "latex")


def test_render_rejects_unknown_formats():
    with pytest.raises(ValueError, match="unknown output format"):
        render(make_solution(), "docx")


def test_long_exact_values_read_as_approximations():
    long_exact = sp.exp(sp.Rational(3, 10)) / (1 + sp.exp(sp.Rational(3, 10))) + sp.sqrt(3) / 1000
    w = Solution(problem=None, title="", sections=(Section("S", (
        Equation("p", long_exact),
        Equation("q", long_exact, via="σ(0.3) + √3/1000"),
        Table(("x",), ((sp.Rational(17434098, 9765625),), (sp.Rational(8, 3),))),
    )),), answer=None)
    assert render_text(w) == """\
S
-
p ≈ 0.5762
q = σ(0.3) + √3/1000 ≈ 0.5762
x
───────────
≈ 1.785
8/3 ≈ 2.667"""
    tex = render_latex(w)
    assert "p &\\approx 0.5762 \\\\\nq &= \\sigma (0.3) + \\surd 3/1000 \\approx 0.5762" in tex
    assert "$\\approx 1.785$ \\\\" in tex


@pytest.mark.parametrize("label, tex", [
    ("ŷ", r"\hat{y}"),
    ("θ̂", r"\hat{\theta}"),
    ("∏ₖ₌₁^10 ∂hₖ/∂hₖ₋₁", r"\prod _{k=1}^{10} \partial h_{k}/\partial h_{k-1}"),
    ("e^(2x)", "e^{2x}"),
    ("Wᵀx", "W^{T}x"),
    ("KL(P‖Q)", r"\mathrm{KL}(P\| Q)"),
    ("f'(x)", "f'(x)"),
    ("x := 2", "x := 2"),
])
def test_tex_label(label, tex):
    assert tex_label(label) == tex


def test_latex_output_is_ascii_for_unicode_walkthroughs():
    w = Solution(problem=None, title="Adam: m̂ₜ and v̂ₜ", sections=(Section("S", (
        Text("ŷ = σ(z), |ŷ − y| < 1, ‖g‖ ≥ 0, θ ← θ − α·ĝ"),
        Equation("∂L/∂ŷ", 2 * (sp.Symbol("yhat") - sp.Symbol("y"))),
    )),), answer=None)
    tex = render_latex(w)
    assert tex.isascii(), [c for c in tex if not c.isascii()]


def test_the_gaussians_derivative_reads_as_in_a_textbook():
    from calcai import derive
    from calcai.render.latex import TexPrinter

    gaussian = derive("e^(-(x - mu)^2/(2s^2))", "x").result
    assert math_text(gaussian) == "−(x − μ)·e^(−(x − μ)²/(2s²))/s²"
    assert TexPrinter().doprint(gaussian) == (
        r"- \frac{\left(x - \mu\right) e^{- \frac{\left(x - \mu\right)^{2}}{2 s^{2}}}}{s^{2}}")
