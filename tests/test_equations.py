"""Equation-solving steps (calcai.equations): every node of every tree checked with sympy
(``verify``: each solution substituted back into the node's equations, each rule's own claim),
the trees' solutions compared with an independent solver, the fallback to "solved with sympy",
and the rendered text and Markdown of the tutorial's examples, exactly."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import calcai
from calcai.equations import (
    CaseRule, CasesRule, CheckRule, FactorOutRule, FactorRule, LinearRule, NoRealSolutionRule,
    QuadraticRule, RootRule, SeparateRule, SolveStep, SubstituteRule, SympyRule, ZeroProductRule,
    explain, solve_steps, solved_with_sympy, verify,
)
from calcai.optimize import _solve_system
from calcai.render import render
from calcai.render.text import plus_minus_text, solve_step_lines
from calcai.solution import PlusMinus

ROOT = Path(__file__).resolve().parents[1]
x, y, z = sp.symbols("x y z", real=True)
lam = sp.Symbol("lambda", real=True)


def nodes(tree):
    yield tree
    for step in tree.substeps:
        yield from nodes(step)


def rules(tree) -> set:
    return {type(n).__name__ for n in nodes(tree)}


def values(tree, var) -> list:
    return sorted((s[var] for s in tree.solutions), key=lambda v: float(sp.N(v)))


def same_point_sets(a, b, unknowns) -> bool:
    def key(p):
        return tuple(round(float(sp.N(p[u], 30)), 12) for u in unknowns)

    return sorted(map(key, a)) == sorted(map(key, b))


def lines(tree) -> list:
    return solve_step_lines(tree)


# ---------------------------------------------------------------- the tutorial's examples, exactly

def calcai_cli(*args):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def section(text: str, title: str) -> str:
    """The block of a text walkthrough from the section ``title`` to the next blank line."""
    start = text.index(title + "\n" + "-" * len(title))
    end = text.find("\n\n", start)
    return text[start:end if end >= 0 else len(text)] + "\n"


CUBIC_TEXT = """\
Solve ∇f = 0
------------
f' = 3x² − 6x
factor out 3x: 3x² − 6x = 3x·(x − 2) = 0 ⇒ x = 0 or x = 2
  zero-product rule: 3x = 0 or x − 2 = 0
    linear equation: 3x = 0 ⇒ x = 0
    linear equation: x − 2 = 0 ⇒ x = 2
The solutions of ∇f = 0: x = 0; x = 2.
"""

QUARTIC_TEXT = """\
Solve ∇f = 0
------------
∂f/∂x = 4x³ − 8x
∂f/∂y = 2y
separate equations: 4x³ − 8x = 0 in x; 2y = 0 in y
  factor out 4x: 4x³ − 8x = 4x·(x² − 2) = 0 ⇒ x = 0 or x = ±√2
    zero-product rule: 4x = 0 or x² − 2 = 0
      linear equation: 4x = 0 ⇒ x = 0
      square root: x² − 2 = 0 ⇒ x² = 2 ⇒ x = ±√2
  linear equation: 2y = 0 ⇒ y = 0
The solutions of ∇f = 0: x = −√2 ≈ −1.414, y = 0; x = 0, y = 0; x = √2 ≈ 1.414, y = 0.
"""

LAGRANGE_TEXT = """\
Lagrange condition ∇f = λ∇g, with the constraint
------------------------------------------------
y = λ
x = λ
x + y − 10 = 0
Solve the system:
substitution: y = λ into x + y − 10 = 0 ⇒ λ + x − 10 = 0
  substitution: x = λ into λ + x − 10 = 0 ⇒ 2λ − 10 = 0
    linear equation: 2λ − 10 = 0 ⇒ 2λ = 10 ⇒ λ = 5
    back-substitution: x = λ = 5
  back-substitution: y = λ = 5
"""


@pytest.mark.parametrize("args, title, golden", [
    (["critical", "x^3 - 3x^2 + 2"], "Solve ∇f = 0", CUBIC_TEXT),
    (["critical", "x^4 - 4x^2 + y^2"], "Solve ∇f = 0", QUARTIC_TEXT),
    (["lagrange", "xy", "--subject-to", "x + y = 10", "--max"], "Lagrange condition ∇f = λ∇g, with the constraint",
     LAGRANGE_TEXT),
])
def test_golden_text_of_the_tutorials_examples(args, title, golden):
    out = calcai_cli(*args)
    assert section(out, title) == golden
    assert "\x1b" not in out


CUBIC_MARKDOWN = r"""## Solve ∇f = 0

$f' = 3 x^{2} - 6 x$

- **factor out** $3 x$: $3 x^{2} - 6 x = 3 x \left(x - 2\right) = 0 \Rightarrow x = 0 \text{ or } x = 2$
  - **zero-product rule**: $3 x = 0 \text{ or } x - 2 = 0$
    - **linear equation**: $3 x = 0 \Rightarrow x = 0$
    - **linear equation**: $x - 2 = 0 \Rightarrow x = 2$

The solutions of ∇f = 0: x = 0; x = 2.
"""

QUARTIC_MARKDOWN = r"""## Solve ∇f = 0

$\partial f/\partial x = 4 x^{3} - 8 x$

$\partial f/\partial y = 2 y$

- **separate equations**: $4 x^{3} - 8 x = 0 \ \text{in} \ x; \quad 2 y = 0 \ \text{in} \ y$
  - **factor out** $4 x$: $4 x^{3} - 8 x = 4 x \left(x^{2} - 2\right) = 0 \Rightarrow x = 0 \text{ or } x = \pm \sqrt{2}$
    - **zero-product rule**: $4 x = 0 \text{ or } x^{2} - 2 = 0$
      - **linear equation**: $4 x = 0 \Rightarrow x = 0$
      - **square root**: $x^{2} - 2 = 0 \Rightarrow x^{2} = 2 \Rightarrow x = \pm \sqrt{2}$
  - **linear equation**: $2 y = 0 \Rightarrow y = 0$

The solutions of ∇f = 0: x = −√2 ≈ −1.414, y = 0; x = 0, y = 0; x = √2 ≈ 1.414, y = 0.
"""

LAGRANGE_MARKDOWN = r"""## Lagrange condition ∇f = λ∇g, with the constraint

$y = \lambda$

$x = \lambda$

$x + y - 10 = 0$

Solve the system:

- **substitution**: $y = \lambda \ \text{into} \ x + y - 10 = 0 \Rightarrow \lambda + x - 10 = 0$
  - **substitution**: $x = \lambda \ \text{into} \ \lambda + x - 10 = 0 \Rightarrow 2 \lambda - 10 = 0$
    - **linear equation**: $2 \lambda - 10 = 0 \Rightarrow 2 \lambda = 10 \Rightarrow \lambda = 5$
    - **back-substitution**: $x = \lambda = 5$
  - **back-substitution**: $y = \lambda = 5$
"""


def markdown_section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


@pytest.mark.parametrize("make, title, golden", [
    (lambda: calcai.critical_points("x^3 - 3x^2 + 2"), "Solve ∇f = 0", CUBIC_MARKDOWN),
    (lambda: calcai.critical_points("x^4 - 4x^2 + y^2"), "Solve ∇f = 0", QUARTIC_MARKDOWN),
    (lambda: calcai.lagrange("xy", ["x + y = 10"], goal="max"), "Lagrange condition ∇f = λ∇g, with the constraint",
     LAGRANGE_MARKDOWN),
])
def test_golden_markdown_of_the_tutorials_examples(make, title, golden):
    assert markdown_section(render(make(), "markdown"), title) == golden


def test_the_examples_render_in_latex_rich_and_json():
    r = calcai.critical_points("x^4 - 4x^2 + y^2")
    tex = render(r, "latex")
    assert r"\item \textbf{square root}: $x^{2} - 2 = 0 \Rightarrow x^{2} = 2 \Rightarrow x = \pm \sqrt{2}$" in tex
    assert tex.isascii()
    data = json.loads(render(r, "json"))
    step = next(i for i in data["steps"][1]["items"] if i["type"] == "solve_step")
    assert step["rule"] == "separate" and step["unknowns"] == ["x", "y"]
    assert step["solutions"] == [{"x": pytest.approx(-2**0.5), "y": 0}, {"x": 0, "y": 0},
                                 {"x": pytest.approx(2**0.5), "y": 0}]
    factor = step["substeps"][0]
    assert factor["text"] == "factor out 4x: 4x³ − 8x = 4x·(x² − 2) = 0 ⇒ x = 0 or x = ±√2"
    assert [s["rule"] for s in factor["substeps"][0]["substeps"]] == ["linear", "root"]

    from rich.console import Console

    console = Console(file=None, force_terminal=False, width=200, color_system=None, record=True)
    with console.capture() as captured:
        console.print(render(r, "rich"))
    text = captured.get()
    assert "\x1b" not in text
    assert "square root: x² − 2 = 0 ⇒ x² = 2 ⇒ x = ±√2" in text


def test_the_bundled_problems_show_rule_trees_and_check():
    from calcai.problems import load
    from calcai.solvers import solve

    found = 0
    for path in sorted((ROOT / "problems").glob("*.yaml")):
        for problem in load(path):
            if problem.kind not in ("critical_points", "lagrange"):
                continue
            solution = solve(problem)
            assert solution.check.status == "pass"
            trees = [i for s in solution.sections for i in s.items if isinstance(i, SolveStep)]
            assert len(trees) == 1 and not isinstance(trees[0], SympyRule)
            assert verify(trees[0]) == []
            found += 1
    assert found == 3


# ---------------------------------------------------------------- generated cases, every node verified

RNG_SEED = 20240508


def integer_root_polynomials(count=40):
    rng = random.Random(RNG_SEED)
    for _ in range(count):
        roots = rng.sample(range(-6, 7), rng.randint(1, 3))
        mult = {r: rng.choice((1, 1, 2)) for r in roots}
        lead = rng.choice((1, 2, 3, -1, -2))
        extra = rng.choice((1, 1, x**2 + 1, x**2 - 2, x**2 + x + 1))
        p = sp.expand(lead * extra * sp.Mul(*((x - r) ** m for r, m in mult.items())))
        real = sorted(set(roots) | ({-sp.sqrt(2), sp.sqrt(2)} if extra == x**2 - 2 else set()),
                      key=lambda v: float(v))
        yield p, real


@pytest.mark.parametrize("p, real", list(integer_root_polynomials()))
def test_polynomials_with_integer_roots(p, real):
    tree = solve_steps([p], [x])
    assert tree is not None and not isinstance(tree, SympyRule)
    assert verify(tree) == []
    assert values(tree, x) == real
    assert "SympyRule" not in rules(tree)


def quadratics(count=60):
    rng = random.Random(RNG_SEED + 1)
    for _ in range(count):
        a = rng.choice([k for k in range(-5, 6) if k])
        yield a * x**2 + rng.randint(-9, 9) * x + rng.randint(-9, 9)


def test_random_quadratics_cover_every_case():
    seen = set()
    for p in quadratics():
        tree = solve_steps([p], [x])
        assert verify(tree) == []
        expected = sorted(sp.solveset(p, x, sp.S.Reals), key=lambda v: float(v))
        assert [float(v) for v in values(tree, x)] == pytest.approx([float(v) for v in expected], abs=1e-12)
        assert all(tree.solutions[i][x] == expected[i] or sp.simplify(tree.solutions[i][x] - expected[i]) == 0
                   for i in range(len(expected)))
        seen.add(type(tree).__name__ if not isinstance(tree, NoRealSolutionRule) else tree.reason)
    assert {"QuadraticRule", "discriminant"} <= seen


def test_the_quadratic_formula_shows_its_discriminant():
    tree = solve_steps([x**2 - 3 * x + 1], [x])
    assert isinstance(tree, QuadraticRule) and tree.discriminant == 5
    assert lines(tree) == ["quadratic formula (a = 1, b = −3, c = 1, Δ = b² − 4ac = 5): x² − 3x + 1 = 0 ⇒ "
                           "x = (3 ± √5)/2 ⇒ x = 3/2 − √5/2 or x = √5/2 + 3/2"]
    tree = solve_steps([-x**2 + 4 * x - 1], [x])      # a < 0: the ± form keeps a positive denominator
    assert "x = (4 ± 2√3)/2" in lines(tree)[0] or "x = (4 ± √12)/2" in lines(tree)[0]
    assert verify(tree) == []


@pytest.mark.parametrize("p, line", [
    (x**2 + 1, "no real solution: x² + 1 = 0 ⇒ x² = −1, but a power with an even exponent is never negative"),
    (x**2 + x + 1, "no real solution (a = 1, b = 1, c = 1, Δ = b² − 4ac = −3): x² + x + 1 = 0, but Δ < 0, "
                   "so √Δ is not a real number"),
    (sp.exp(x), "no real solution: e^x = 0, but e^u > 0 for every real u"),
    (sp.exp(x) + 2, "no real solution: e^x + 2 = 0 ⇒ e^x = −2, but e^u > 0 for every real u"),
])
def test_no_real_solution_gives_its_reason(p, line):
    tree = solve_steps([p], [x])
    assert isinstance(tree, NoRealSolutionRule) and tree.solutions == ()
    assert lines(tree) == [line]
    assert verify(tree) == []


def linear_systems(count=30):
    rng = random.Random(RNG_SEED + 2)
    made = 0
    while made < count:
        n = rng.choice((2, 3))
        symbols = (x, y, z)[:n]
        a = sp.Matrix(n, n, lambda i, j: rng.randint(-4, 4))
        if a.det() == 0:
            continue
        solution = [rng.randint(-5, 5) for _ in range(n)]
        b = a * sp.Matrix(solution)
        equations = [sp.Add(*(a[i, j] * symbols[j] for j in range(n))) - b[i] for i in range(n)]
        made += 1
        yield equations, symbols, dict(zip(symbols, solution))


@pytest.mark.parametrize("equations, symbols, solution", list(linear_systems()))
def test_random_linear_systems_by_substitution(equations, symbols, solution):
    tree = solve_steps(equations, symbols)
    assert tree is not None and verify(tree) == []
    assert tree.solutions == (solution,)
    assert rules(tree) <= {"SubstituteRule", "LinearRule", "BackSubstituteRule", "SeparateRule"}
    assert explain(equations, symbols, [solution]) is tree or verify(explain(equations, symbols, [solution])) == []


def lagrange_systems():
    """(equations, unknowns) as calcai.lagrange builds them: ∇f = λ∇g, g = 0."""
    rng = random.Random(RNG_SEED + 3)
    cases = [(x * y, x + y - 10), (x**2 + y**2, x + y - 1), (x * y, x**2 + y**2 - 1), (x + y, x**2 + y**2 - 1),
             (x + 2 * y, x**2 + y**2 - 5), (x * y, x**2 + y**2 - 8), (x + y, x * y - 4)]
    for _ in range(8):
        a, b, c = (rng.randint(1, 4) for _ in range(3))
        d, e, k = rng.randint(1, 3), rng.randint(-3, 3) or 1, rng.randint(1, 9)
        cases.append((a * x**2 + b * x * y + c * y**2, d * x + e * y - k))
    for f, g in cases:
        equations = [sp.Eq(sp.diff(f, v), lam * sp.diff(g, v)) for v in (x, y)] + [sp.Eq(g, 0)]
        yield equations, (x, y, lam)


@pytest.mark.parametrize("equations, unknowns", list(lagrange_systems()))
def test_lagrange_systems_agree_with_the_solver(equations, unknowns):
    tree = solve_steps(equations, unknowns)
    assert tree is not None and not isinstance(tree, SympyRule)
    assert verify(tree) == []
    found = _solve_system([e.lhs - e.rhs for e in equations], unknowns, "the Lagrange system")
    assert same_point_sets(tree.solutions, found.points, unknowns)
    assert explain(equations, unknowns, found.points) is not None
    assert not isinstance(explain(equations, unknowns, found.points), SympyRule)


def test_the_tutorials_lagrange_system_eliminates_to_lambda_5():
    tree = solve_steps([sp.Eq(y, lam), sp.Eq(x, lam), x + y - 10], (x, y, lam))
    assert isinstance(tree, SubstituteRule) and tree.var == y and tree.value == lam
    inner = tree.substeps[0]
    assert isinstance(inner, SubstituteRule) and inner.reduced == ((2 * lam - 10, 0),)
    assert inner.substeps[0].solutions == ({lam: 5},)
    assert tree.solutions == ({x: 5, y: 5, lam: 5},)


@pytest.mark.parametrize("expr", ["x^3 + y^3 - 3x*y", "x*y*(1 - x - y)", "(x^2 + y^2)^2", "x*e^(-x)", "x + 1/x",
                                  "x*log(x)", "e^(2x) - 4x", "x^4 + 4x^3", "x^2 + x*y + y^2 + y*z + 2.5z^2",
                                  "x^6 - 3x^4 + x^2*y^2 + y^4 - x"])
def test_critical_points_trees_agree_and_verify(expr):
    c = calcai.critical_points(expr)
    tree = c.solving
    assert not isinstance(tree, SympyRule)
    assert verify(tree) == []
    points = [p.point for p in c.result] + list(c.excluded)
    assert same_point_sets(tree.solutions, points, c.vars)


def test_cases_and_sum_of_squares_in_a_system():
    c = calcai.critical_points("(x^2 + y^2)^2")
    assert isinstance(c.solving, CasesRule)
    assert [type(case) for case in c.solving.substeps] == [CaseRule, CaseRule]
    assert "sum of squares: x² + y² = 0 ⇒ x = 0 and y = 0, as even powers are never negative" in \
        [line.strip() for line in lines(c.solving)]


# ---------------------------------------------------------------- verify finds wrong steps

def test_verify_finds_a_wrong_root():
    tree = solve_steps([2 * x - 4], [x])
    assert isinstance(tree, LinearRule) and verify(tree) == []
    wrong = dataclasses.replace(tree, solutions=({x: sp.Integer(3)},))
    assert any("does not solve" in p for p in verify(wrong))


def test_verify_finds_a_factorisation_that_does_not_expand_back():
    tree = solve_steps([3 * x**2 - 6 * x], [x])
    assert isinstance(tree, FactorOutRule)
    wrong = dataclasses.replace(tree, rest=x - 3)
    assert any("does not expand back" in p for p in verify(wrong))


def test_verify_finds_a_missing_root_below():
    tree = solve_steps([x**3 - 6 * x**2 + 11 * x - 6], [x])
    assert isinstance(tree, FactorRule)
    product = tree.substeps[0]
    assert isinstance(product, ZeroProductRule)
    wrong = dataclasses.replace(tree, substeps=(dataclasses.replace(product, substeps=product.substeps[:2]),))
    assert verify(wrong) != []


def test_verify_finds_a_false_no_real_solution_and_a_wrong_discriminant():
    tree = solve_steps([x**2 - 3 * x + 1], [x])
    assert any("discriminant" in p for p in verify(dataclasses.replace(tree, discriminant=sp.Integer(4))))
    fake = NoRealSolutionRule(((x**2 - 1, sp.S.Zero),), (x,), (), (), None, reason="even power", a=sp.S.One,
                              n=2, k=sp.S.One)
    assert verify(fake) != []


def test_verify_finds_a_wrong_substitution():
    tree = solve_steps([sp.Eq(y, lam), sp.Eq(x, lam), x + y - 10], (x, y, lam))
    wrong = dataclasses.replace(tree, reduced=((x, lam), (x + 2 * lam - 10, sp.S.Zero)))
    assert any("replacement is wrong" in p for p in verify(wrong))


def test_verify_finds_a_square_root_without_its_negative_root():
    tree = solve_steps([x**2 - 2], [x])
    assert isinstance(tree, RootRule)
    assert verify(dataclasses.replace(tree, solutions=({x: sp.sqrt(2)},))) != []


def test_verify_finds_a_separation_that_drops_a_combination():
    tree = solve_steps([x**2 - 1, y**2 - 4], [x, y])
    assert isinstance(tree, SeparateRule) and len(tree.solutions) == 4
    assert verify(dataclasses.replace(tree, solutions=tree.solutions[:3])) != []


# ---------------------------------------------------------------- the fallback: solved with sympy

def test_periodic_equations_are_solved_with_sympy_and_checked():
    c = calcai.critical_points("sin(x) + cos(y)")
    tree = c.solving
    assert isinstance(tree, SympyRule) and len(tree.substeps) == len(tree.solutions) == 4
    assert all(isinstance(s, CheckRule) and s.holds for s in tree.substeps)
    assert lines(tree)[1] == "  check x = π/2, y = 0: cos(x) = cos(π/2) = 0; −sin(y) = −sin(0) = 0"
    assert verify(tree) == []


def test_a_disagreeing_tree_gives_way_to_the_solvers_points():
    points = [{x: sp.Integer(0)}, {x: sp.Integer(2)}]
    assert isinstance(explain([3 * x**2 - 6 * x], [x], points), FactorOutRule)
    partial = explain([3 * x**2 - 6 * x], [x], points[:1])         # the solver is the source of truth
    assert isinstance(partial, SympyRule) and partial.solutions == ({x: 0},)
    assert lines(partial) == ["solved with sympy: 3x² − 6x = 0 ⇒ x = 0", "  check x = 0: 3x² − 6x = 0 + 0 = 0"]


def test_a_check_that_fails_says_so():
    node = solved_with_sympy([x**2 - 2], [x], [{x: sp.Integer(1)}])
    assert not node.substeps[0].holds
    assert "could not confirm" in lines(node)[1]
    assert any("not checked" in p for p in verify(node))


def test_crootof_roots_are_checked_numerically():
    tree = solve_steps([x**5 - x - 1], [x])
    assert isinstance(tree, SympyRule) and tree.substeps[0].holds
    assert verify(tree) == []


@pytest.mark.parametrize("equations, unknowns", [
    ([x**2 - sp.Symbol("a")], [x]),                                   # a parameter
    ([sp.Float("0.5") * x - 1], [x]),                                  # a decimal
    ([sp.cos(x)], [x]),                                                # periodic
    ([sum(sp.symbols("u0:7"))], list(sp.symbols("u0:7"))),             # too many unknowns
    ([x - y], [x, y]),                                                 # a continuum
])
def test_no_tree_where_the_rules_do_not_reach(equations, unknowns):
    assert solve_steps(equations, unknowns) is None


# ---------------------------------------------------------------- pieces of the layout

@pytest.mark.parametrize("piece, text", [
    (PlusMinus(3, sp.sqrt(5), 2), "(3 ± √5)/2"),
    (PlusMinus(0, sp.sqrt(2)), "±√2"),
    (PlusMinus(0, sp.sqrt(5), 2), "±√5/2"),
    (PlusMinus(1, 1 + sp.sqrt(2)), "1 ± (1 + √2)"),
])
def test_plus_minus_text(piece, text):
    assert plus_minus_text(piece) == text


def test_every_rule_has_a_docstring_and_a_label():
    import calcai.equations as equations

    classes = [c for c in vars(equations).values()
               if isinstance(c, type) and issubclass(c, SolveStep) and c is not SolveStep]
    assert len(classes) >= 20
    for cls in classes:
        assert cls.__doc__ and cls.rule != "?" and cls.formula
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen


def test_solutions_of_three_unknowns_combine_in_every_way():
    tree = solve_steps([x**2 - 1, y**2 - 4, z - 3], [x, y, z])
    expected = [dict(zip((x, y, z), p)) for p in itertools.product((-1, 1), (-2, 2), (3,))]
    assert same_point_sets(tree.solutions, expected, (x, y, z))
    assert verify(tree) == []
