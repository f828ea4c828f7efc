"""calcai grade: verdicts, the mistakes named by re-deriving with buggy rules, the answers
file (untrusted input), the command's output and exit codes.

Wrong answers are built here independently of calcai.exercises.mistakes, with sympy's own
diff on the pieces (f'(g(x)) without g', f'·g alone, …), from several problems per mistake."""

import json
import random
from dataclasses import dataclass
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from calcai import grade, parse
from calcai.exercises.grade import MISTAKES, VERDICTS, Grade
from calcai.cli import main
from calcai.exercises.grade_command import AnswersFileError, load_answers
from calcai.render.jsonout import expr_text
from calcai.render.text import math_text

ROOT = Path(__file__).resolve().parents[1]
x, y = sp.symbols("x y", real=True)


def text(expr) -> str:
    return expr if isinstance(expr, str) else expr_text(expr)


def derivative(expr, **more):
    return {"kind": "derivative", "expr": text(expr), **more}


# ------------------------------------------------------------------ the mistakes, generated

CHAINS = [(sp.Symbol("u") ** 3, x**2 + 1), (sp.sin(sp.Symbol("u")), 3 * x**2), (sp.exp(sp.Symbol("u")), x**2 - x),
          (sp.log(sp.Symbol("u")), x**2 + 4), (sp.Symbol("u") ** 4, 2 * x + 5)]


@pytest.mark.parametrize("outer,inner", CHAINS)
def test_missing_chain_factor(outer, inner):
    u = sp.Symbol("u")
    f = outer.subs(u, inner)
    wrong = sp.diff(outer, u).subs(u, inner)                 # f'(g(x)) without g'(x)
    g = grade(text(wrong), derivative(f))
    assert (g.verdict, g.mistake) == ("incorrect", "missing_chain_factor")
    assert "in the chain rule at u = " in g.message and "is missing" in g.message


def test_missing_chain_factor_names_the_step():
    g = grade("3(x^2 + 1)^2", derivative("(x^2 + 1)^3"))
    assert g.message == "in the chain rule at u = x² + 1, the factor du/dx = 2x is missing"


PRODUCTS = [(x**2, sp.sin(x)), (x, sp.exp(x)), (x**3, sp.log(x)), (sp.cos(x), x**2 + 1)]


@pytest.mark.parametrize("f,h", PRODUCTS)
@pytest.mark.parametrize("keep", ["first", "second"])
def test_product_rule_term_missing(f, h, keep):
    wrong = sp.diff(f, x) * h if keep == "first" else f * sp.diff(h, x)
    g = grade(text(wrong), derivative(f * h))
    assert (g.verdict, g.mistake) == ("incorrect", "product_rule_term_missing")
    assert "in the product rule for f·g" in g.message


QUOTIENTS = [(sp.sin(x), x**2 + 1), (x**2, x + 1), (sp.exp(x), x**2 + 3), (x + 2, x**2 + 5)]


@pytest.mark.parametrize("f,h", QUOTIENTS)
def test_quotient_rule_sign(f, h):
    wrong = (sp.diff(f, x) * h + f * sp.diff(h, x)) / h**2
    g = grade(text(wrong), derivative(f / h))
    assert (g.verdict, g.mistake) == ("incorrect", "quotient_rule_sign")
    assert g.message.endswith("the numerator must be f′g − fg′, not f′g + fg′")


@pytest.mark.parametrize("n", [2, 3, 5, 7, -2])
def test_power_rule_exponent(n):
    g = grade(text(n * x**n + 1), derivative(x**n + x))
    assert (g.verdict, g.mistake) == ("incorrect", "power_rule_exponent")
    p, right, wrong = (math_text(e) for e in (x**n, n * x ** (n - 1), n * x**n))
    assert g.message == f"in the power rule for {p}, the exponent must drop by one: d/dx {p} = {right}, not {wrong}"


@pytest.mark.parametrize("expr", [x**3 + x, sp.exp(x**2), x * sp.log(x), sp.tanh(x) + x**2])
def test_sign_error(expr):
    g = grade(text(-sp.diff(expr, x)), derivative(expr))
    assert (g.verdict, g.mistake) == ("incorrect", "sign_error")


def test_sign_error_at_a_rule_names_it():
    g = grade("2sin(2x)", derivative("cos(2x)"))
    assert (g.mistake, g.message) == ("sign_error", "the sign of d/du cos(u) is wrong: it is −sin(u), not sin(u) "
                                                    "(with u = 2x)")


@pytest.mark.parametrize("expr,c", [(x**3 * sp.exp(x), 2), (sp.sin(x) * x, sp.Rational(1, 2)), (x**4 + x**2, 3)])
def test_constant_factor(expr, c):
    g = grade(text(c * sp.diff(expr, x)), derivative(expr))
    assert (g.verdict, g.mistake) == ("incorrect", "constant_factor")
    assert g.message.startswith(f"the answer is {sp.sstr(c)} times the right one")


@pytest.mark.parametrize("expr", [x**2, 3 * x**2 + sp.cos(x), sp.exp(2 * x)])
def test_missing_constant_is_a_note_on_a_correct_antiderivative(expr):
    problem = {"kind": "integral", "expr": text(expr)}
    bare = grade(text(sp.integrate(expr, x)), problem)
    assert (bare.verdict, bare.mistake) == ("correct", "missing_constant")
    with_c = grade(text(sp.integrate(expr, x)) + " + C", problem)
    assert (with_c.verdict, with_c.mistake, with_c.message) == ("correct", None, "correct (up to a constant)")
    shifted = grade(text(sp.integrate(expr, x) + 7) + " + C", problem)
    assert shifted.verdict == "correct"


@pytest.mark.parametrize("expr,at,other", [((x**2 + 1) ** 3, 2, 1), (sp.sin(x) * x, 0, 1), (x**4, 1, 2),
                                           (x**3 - x, 2, 3), (sp.exp(x) * x, 1, -2)])
def test_wrong_point(expr, at, other):
    wrong = sp.diff(expr, x).subs(x, other)
    g = grade(text(wrong), derivative(expr, at={"x": at}))
    assert (g.verdict, g.mistake) == ("incorrect", "wrong_point")
    assert g.message == f"this is the right derivative evaluated at x = {math_text(sp.Integer(other))}, not at x = {at}"


def test_a_mistake_at_a_point_is_still_named():
    g = grade("75", derivative("(x^2 + 1)^3", at={"x": 2}))
    assert g.mistake == "missing_chain_factor" and g.message.endswith("; at x = 2 that gives 75")


@pytest.mark.parametrize("expr,at", [(x ** sp.Rational(1, 3), 8), (sp.sqrt(x), 3), (sp.sin(x), 1)])
def test_rounding(expr, at):
    exact = sp.diff(expr, x).subs(x, at)
    rounded = f"{float(exact):.2f}"
    g = grade(rounded, derivative(expr, at={"x": at}, tolerance=0.0001))
    assert (g.verdict, g.mistake) == ("incorrect", "rounding")
    assert g.message.startswith(f"{rounded} is the answer rounded to 2 decimals")
    assert grade(f"{float(exact):.6f}", derivative(expr, at={"x": at}, tolerance=0.0001)).verdict == "correct"


@pytest.mark.parametrize("expr", [x**2 * y + x * y**3, sp.exp(x * y) + y, sp.sin(x) * y**2])
def test_partial_wrong_variable(expr):
    g = grade(text(sp.diff(expr, x)), {"kind": "partial", "expr": text(expr), "wrt": "y"})
    assert (g.verdict, g.mistake) == ("incorrect", "partial_wrong_variable")
    assert g.message == ("this is the derivative with respect to x; the problem asks for the derivative "
                         "with respect to y")


@pytest.mark.parametrize("exprs", [["x y", "x + y^2"], ["x^2 y", "sin(x) + y"], ["e^x y", "x - y^3"]])
def test_transposed_jacobian(exprs):
    fs = [parse(e, ["x", "y"]) for e in exprs]
    J = sp.Matrix([[sp.diff(f, v) for v in (x, y)] for f in fs])
    assert J != J.T
    answer = [[text(J.T[i, j]) for j in range(2)] for i in range(2)]
    g = grade(answer, {"kind": "jacobian", "exprs": exprs, "vars": ["x", "y"]})
    assert (g.verdict, g.mistake) == ("incorrect", "transposed")


def test_transposed_hessian_of_a_non_symmetric_matrix_is_not_claimed_for_symmetric_ones():
    g = grade([["2", "1"], ["1", "3"]], {"kind": "hessian", "expr": "x^2 + x y + y^2", "vars": ["x", "y"]})
    assert (g.verdict, g.mistake) == ("incorrect", "component_error")
    assert "H[2][2] = ∂²f/∂y²: should be 2" in g.message


@pytest.mark.parametrize("expr,wrong_index", [(x**2 * y + sp.sin(y), 1), (x**3 + x * y, 0), (sp.exp(x) * y, 1)])
def test_component_error_names_the_component(expr, wrong_index):
    grad = [sp.diff(expr, v) for v in (x, y)]
    answer = [text(c) for c in grad]
    answer[wrong_index] = text(grad[wrong_index] + 1)
    g = grade(answer, {"kind": "gradient", "expr": text(expr), "vars": ["x", "y"]})
    assert (g.verdict, g.mistake) == ("incorrect", "component_error")
    name = "∂f/∂x" if wrong_index == 0 else "∂f/∂y"
    assert g.message.startswith(f"wrong entries: {name}: ")


def test_component_error_carries_the_components_own_diagnosis():
    g = grade(["2x y", "x^2 - cos(y)"], {"kind": "gradient", "expr": "x^2 y + sin(y)", "vars": ["x", "y"]})
    assert g.message == "wrong entries: ∂f/∂y: the sign of d/dy sin(y) is wrong: it is cos(y), not −cos(y)"


def test_every_mistake_is_covered_here():
    covered = {"missing_chain_factor", "product_rule_term_missing", "quotient_rule_sign", "power_rule_exponent",
               "sign_error", "constant_factor", "missing_constant", "wrong_point", "rounding",
               "partial_wrong_variable", "transposed", "component_error"}
    assert covered == set(MISTAKES)


# ------------------------------------------------------------------ right answers

def test_correct_and_correct_unsimplified():
    problem = derivative("(x^2 + 1)^3")
    assert grade("6x(x^2 + 1)^2", problem).verdict == "correct"
    assert grade("(x^2 + 1)^2 · 6x", problem).verdict == "correct"          # reordered
    assert grade("6x^5 + 12x^3 + 6x", problem).verdict == "correct"         # the expanded form
    g = grade("3(x^2 + 1)^2 · 2x + 0·x", problem)
    assert g.verdict == "correct"                                          # the reader folds 3·2 and 0·x
    g = grade("(x^2 - 1)/(x - 1)", derivative("x^2/2 + x"))
    assert (g.verdict, g.message) == ("correct_unsimplified",
                                      "correct, but not in simplest form: the computed answer is x + 1")
    g = grade("(x^2 + 1)^2 (6x^2 + 6x)/(x + 1)", problem)
    assert g.verdict == "correct_unsimplified"


def test_numbers_within_tolerance_and_antiderivatives_up_to_a_constant():
    assert grade("24", derivative("(x^2 + 1)^3", at={"x": 1})).verdict == "correct"
    assert grade("0.0833333333", derivative("x^(1/3)", at={"x": 8}, tolerance=1e-6)).verdict == "correct"
    assert grade("-cos(x) + 5", {"kind": "integral", "expr": "sin(x)"}).verdict == "correct"
    assert grade(9, {"kind": "integral", "expr": "x^2", "bounds": [0, 3]}).verdict == "correct"


def _random_expr(rng: random.Random, depth: int = 2):
    leaves = [x, x**2, x + 1, 2 * x - 3, x**3]
    if depth == 0:
        return rng.choice(leaves)
    a, b = _random_expr(rng, depth - 1), _random_expr(rng, depth - 1)
    return rng.choice([a + b, a * b, sp.sin(a), sp.exp(a) + b, a**2, a / (b**2 + 1), sp.log(a**2 + 1), sp.tanh(a)])


def test_property_right_answers_rewritten_are_never_called_wrong():
    """For random expressions, sympy's own derivative, expanded, factored, or with its terms
    in another order, is correct or correct_unsimplified, never incorrect."""
    rng = random.Random(11)
    for _ in range(12):
        f = _random_expr(rng)
        d = sp.diff(f, x)
        forms = [d, sp.expand(d), sp.factor(d), sp.Add(*reversed(sp.Add.make_args(d)))]
        for form in forms:
            g = grade(text(form), derivative(f))
            assert g.verdict in ("correct", "correct_unsimplified"), (f, form, g)


# ------------------------------------------------------------------ unreadable, API shape

def test_unreadable_gives_the_column():
    g = grade("6x(x^2 +* 1)^2", derivative("(x^2 + 1)^3"))
    assert (g.verdict, g.mistake) == ("unreadable", None)
    assert g.message.splitlines()[0] == ("cannot read the answer: unexpected '*': a number, name or '(' is "
                                         "expected here (at column 9)")


def test_student_text_is_never_run():
    g = grade("__import__('os').system('touch /tmp/calcai-pwned')", derivative("x^2"))
    assert g.verdict == "unreadable" and "strings are not allowed (at column 12)" in g.message
    assert not Path("/tmp/calcai-pwned").exists()


def test_grade_is_a_frozen_dataclass_with_the_contract_fields():
    g = grade("2x", derivative("x^2"))
    assert isinstance(g, Grade) and g.verdict in VERDICTS
    with pytest.raises(AttributeError):
        g.verdict = "incorrect"
    assert (g.expected, g.given) == (2 * x, 2 * x)


def test_a_problem_whose_expected_is_wrong_is_reported():
    g = grade("9", {"kind": "integral", "expr": "x^2", "bounds": [0, 3], "expected": 8})
    assert g.verdict == "correct" and "its expected answer disagrees with the computed one" in g.problem_error


# ------------------------------------------------------------------ the answers file and the command

PROBLEMS = ROOT / "examples" / "grading" / "problems.yaml"
ANSWERS = ROOT / "examples" / "grading" / "answers.yaml"


@dataclass
class _Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_calcai(capsys):
    """``calcai ARGS`` run in this process (calcai.cli.main), its exit code and output."""
    def run(*args):
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return _Run(code, out.out, out.err)
    return run


def test_the_program_runs_grade():
    r = subprocess.run([sys.executable, "-m", "calcai", "grade", str(ANSWERS), "--problems", str(PROBLEMS),
                        "--format", "json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and len(json.loads(r.stdout)) == 15


def test_example_text_output_and_exit_code(run_calcai):
    r = run_calcai("grade", str(ANSWERS), "--problems", str(PROBLEMS), "--format", "text")
    assert r.returncode == 1 and r.stderr == ""
    assert "chain           incorrect (missing_chain_factor)\n" in r.stdout
    assert "  → in the chain rule at u = x² + 1, the factor du/dx = 2x is missing\n" in r.stdout
    assert r.stdout.endswith("\nA. Student: 3 of 15 answers right\n")


def test_json_shape(tmp_path, run_calcai):
    r = run_calcai("grade", str(ANSWERS), "--problems", str(PROBLEMS), "--format", "json")
    data = json.loads(r.stdout)
    assert all(set(item) == {"problem", "verdict", "mistake", "message", "expected", "given"} for item in data)
    first = data[0]
    assert first == {"problem": "chain", "verdict": "incorrect", "mistake": "missing_chain_factor",
                     "message": "in the chain rule at u = x² + 1, the factor du/dx = 2x is missing",
                     "expected": "6*x*(x^2 + 1)^2", "given": "3*(x^2 + 1)^2"}
    found = {item["mistake"] for item in data}
    assert {"missing_chain_factor", "transposed", "rounding", "wrong_point", "missing_constant"} <= found


def test_all_right_exits_0(tmp_path, run_calcai):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  - problem: chain\n    answer: 6x(x^2+1)^2\n"
                       "  - problem: jacobian\n    answer: [[y, x], [1, 2y]]\n")
    r = run_calcai("grade", str(answers), "--problems", str(PROBLEMS), "--format", "markdown")
    assert r.returncode == 0, r.stderr
    assert "| chain | correct |  |" in r.stdout and r.stdout.rstrip().endswith("2 of 2 answers right")


@pytest.mark.parametrize("content,message", [
    ("answers:\n  - problem: chian\n    answer: 2x\n",
     "a.yaml:2:14: answers[0]: no problem 'chian' in the problem files; did you mean 'chain'?"),
    ("answer:\n  - problem: chain\n    answer: 2x\n", "a.yaml:1:1: unknown field 'answer'; did you mean 'answers'?"),
    ("answers:\n  - problem: chain\n    anser: 2x\n",
     "a.yaml:3:5: answers[0]: unknown field 'anser'; did you mean 'answer'?"),
    ("answers:\n  - problem: chain\n    answer: !!python/object x\n", "a.yaml:3:13: "),
    ("answers: &a\n  - problem: chain\n", "a.yaml:1:10: "),
    ("answers: 3\n", "a.yaml:1:10: field 'answers' must be a list of {problem: ID, answer: …}"),
    ("- 1\n", "a.yaml:1:1: an answers file is a mapping"),
])
def test_bad_answers_files(tmp_path, content, message):
    path = tmp_path / "a.yaml"
    path.write_text(content)
    with pytest.raises(AnswersFileError) as err:
        load_answers(str(path), {"chain", "product"})
    assert any(line.replace(str(tmp_path) + "/", "").startswith(message) for line in err.value.errors), err.value.errors


def test_bad_answers_file_exits_2_without_a_traceback(tmp_path, run_calcai):
    path = tmp_path / "a.yaml"
    path.write_text("answers:\n  - problem: chian\n    answer: 2x\n")
    r = run_calcai("grade", str(path), "--problems", str(PROBLEMS))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"calcai: error: {path}:2:14: answers[0]: no problem 'chian' in the problem files; "
                        "did you mean 'chain'?\n")


def test_a_wrong_problem_file_exits_2_and_says_so(tmp_path, run_calcai):
    problems, answers = tmp_path / "p.yaml", tmp_path / "a.yaml"
    problems.write_text('problems:\n  - id: area\n    kind: integral\n    expr: "x^2"\n    bounds: [0, 3]\n'
                        '    expected: 8\n')
    answers.write_text("answers:\n  - problem: area\n    answer: 9\n")
    r = run_calcai("grade", str(answers), "--problems", str(problems), "--format", "text")
    assert r.returncode == 2
    assert r.stdout == "area  correct\n        given:    9\n\n1 of 1 answer right\n"
    assert r.stderr.startswith(f"calcai: error: {problems}:6:15: problem area: its expected answer disagrees "
                               "with the computed one (answer: expected 8, got 9")


@pytest.mark.parametrize("content", [
    b"\xff\xfe not utf-8",
    b"answers:\n  - problem: chain\n    answer: \"\x1b[2J\"\n",
    b"answers: " + b"[" * 100 + b"]" * 100 + b"\n",
    b"answers:\n  - problem: chain\n    answer: 1\n---\nanswers: []\n",
    b"answers:\n  - problem: chain\n    problem: chain\n",
    b"",
])
def test_hostile_answers_files_are_refused_with_a_position(tmp_path, content):
    path = tmp_path / "a.yaml"
    path.write_bytes(content)
    with pytest.raises(AnswersFileError) as err:
        load_answers(str(path), {"chain"})
    assert all(line.startswith(f"{path}:") for line in err.value.errors)
    assert err.value.exit_code in (2, 3)


def test_a_huge_answers_file_is_a_limit(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"answers:\n" + b"  - {problem: chain, answer: x}\n" * 40_000)
    with pytest.raises(AnswersFileError) as err:
        load_answers(str(path), {"chain"})
    assert err.value.exit_code == 3


def test_a_one_row_jacobian_answered_as_a_column_is_transposed():
    g = grade([["y"], ["x"]], {"kind": "jacobian", "exprs": ["x y"], "vars": ["x", "y"]})
    assert (g.verdict, g.mistake) == ("incorrect", "transposed")


def test_recombining_the_unmutated_results_gives_back_every_node():
    """The buggy-rule recombination uses the rules' own formulas: fed the right results of the
    substeps, it rebuilds each node's result (checked against sympy), so a variant differs from
    the right derivative only by the one mistake."""
    from calcai.differentiation import derive, walk
    from calcai.exercises.mistakes import _recombine

    rng = random.Random(5)
    checked = 0
    for f in [_random_expr(rng) for _ in range(10)] + [(x**2 + 1) ** 3, sp.sin(x) / (x**2 + 1), x**x]:
        for node in walk(derive(f, x).trees[-1]):
            for i, sub in enumerate(node.substeps):
                rebuilt = _recombine(node, i, sub.result)
                if rebuilt is None:
                    continue
                checked += 1
                assert sp.simplify(rebuilt - node.result) == 0, (node, i)
    assert checked > 40
