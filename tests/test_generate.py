"""calcai generate: parameterised templates, their variants, worksheets and answer keys."""

import ast
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from calcai import parse
from calcai.exercises.generate import generate
from calcai.exercises.params import _substitute_text, _value
from calcai.problems import ProblemFileError, load, loads
from calcai.yamlsafe import Mark, YScalar

ROOT = Path(__file__).resolve().parents[1]

TEMPLATES = """\
title: Drill
problems:
  - id: chain
    kind: derivative
    params:
      a: {int: [2, 9]}
      n: {choice: [2, 3, 4]}
      c: {decimal: [0.1, 0.9, 1]}
    where: ["a != n", "a + n*c < 10"]
    expr: "(x^2 + {a})^{n} + {c}x"
    at: {x: 1}
  - id: fixed
    kind: derivative
    expr: "x^3"
    expected: "3x^2"
  - id: gd
    kind: gradient_descent
    params:
      lr: {decimal: [0.05, 0.3, 2]}
      s: {int: [-4, 4]}
    where: ["s != 0"]
    objective: "x^2 + 4y^2"
    vars: [x, y]
    start: {x: "{s}", y: 2}
    learning_rate: "{lr}"
    iterations: 2
    expected:
      final: {x: 2.56, y: 0.08}
    tolerance: 0.001
"""


def calcai(*args, cwd=None):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=120)


@pytest.fixture
def drill(tmp_path):
    path = tmp_path / "drill.yaml"
    path.write_text(TEMPLATES, encoding="utf-8")
    return path


def _values(problem_text: str) -> list:
    import yaml

    return [p.get("params_used") for p in yaml.safe_load(problem_text)["problems"]]


# ---------------------------------------------------------------- the command

def test_same_seed_same_bytes_other_seed_other_variants_and_the_output_checks(drill, tmp_path):
    one = calcai("generate", str(drill), "--count", "4", "--seed", "7", "-o", str(tmp_path / "a.yaml"))
    assert one.returncode == 0 and one.stderr == "" and one.stdout == ""
    two = calcai("generate", str(drill), "--count", "4", "--seed", "7")
    other = calcai("generate", str(drill), "--count", "4", "--seed", "8")
    text = (tmp_path / "a.yaml").read_text(encoding="utf-8")
    assert two.stdout == text                                   # byte for byte, file or stdout
    assert other.returncode == 0 and _values(other.stdout) != _values(text)
    problems = loads(text)
    assert [p.id for p in problems] == ["chain-1", "chain-2", "chain-3", "chain-4", "fixed",
                                        "gd-1", "gd-2", "gd-3", "gd-4"]
    assert all(p.expected is not None for p in problems)
    assert "params:" not in text and "where:" not in text
    check = calcai("check", str(tmp_path / "a.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1] == "9 passed, 0 failed"
    again = calcai("generate", str(drill), "--count", "4", "--seed", "7", "-o", str(tmp_path / "a.yaml"))
    assert again.returncode == 2 and "already exists; use --force" in again.stderr


def test_practice_file_varies_with_the_seed_and_checks():
    from calcai.solvers import solve

    done = calcai("generate", "problems/practice.yaml", "--count", "3", "--seed", "1")
    assert done.returncode == 0, done.stderr
    assert generate(ROOT / "problems" / "practice.yaml", 3, 1).text == done.stdout     # the API writes the same
    assert generate(ROOT / "problems" / "practice.yaml", 3, 2).text != done.stdout
    problems = loads(done.stdout)
    assert [p.id for p in problems] == ["gd-practice-1-1", "gd-practice-1-2", "gd-practice-1-3", "backprop-practice-2",
                                        "batchnorm-practice-3-1", "batchnorm-practice-3-2", "batchnorm-practice-3-3"]
    assert [solve(p).check.status for p in problems] == ["pass"] * 7


# ---------------------------------------------------------------- the API

def test_where_holds_on_every_variant_and_expected_is_the_computed_answer(drill):
    made = generate(drill, 12, 3)
    chains = [p for p in made.problems if p.id.startswith("chain-")]
    assert len(chains) == 12
    x = sp.Symbol("x", real=True)
    for v in made.variants:
        if v.values is None or not v.node.get("id").text.startswith("chain-"):
            continue
        a, n, c = (v.values[k].expr for k in ("a", "n", "c"))
        assert a != n and a + n * c < 10
        assert 2 <= a <= 9 and n in (2, 3, 4) and sp.Rational(1, 10) <= c <= sp.Rational(9, 10)
        assert (c * 10).is_Integer
        problem = next(p for p in chains if p.id == v.node.get("id").text)
        assert problem.fields["expr"] == (x**2 + a)**n + c * x
        exact = sp.diff((x**2 + a)**n + c * x, x).subs(x, 1)
        assert sp.Rational(str(problem.expected)) == exact      # exact: a decimal, not a rounding
    assert len({tuple(v.text for v in var.values.values()) for var in made.variants
                if var.values is not None and var.template.node.get("id").text == "chain"}) == 12


def test_the_draws_do_not_depend_on_other_problems_or_hash_seeds(drill, tmp_path):
    alone = tmp_path / "alone.yaml"
    alone.write_text(TEMPLATES.split("  - id: fixed")[0], encoding="utf-8")
    both = generate(drill, 3, 11).text
    one = generate(alone, 3, 11).text
    chain_part = one.split("problems:\n", 1)[1]
    assert chain_part.strip() in both


def test_the_template_expected_gives_the_shape(drill):
    gd = [p for p in generate(drill, 2, 5).problems if p.kind == "gradient_descent"]
    assert [set(p.expected) for p in gd] == [{"final"}, {"final"}]       # not the trace
    fixed = [p for p in generate(drill, 1, 5).problems if p.id == "fixed"]
    assert fixed[0].expected == "3x^2"                                   # copied as written


def test_a_variant_that_is_not_valid_is_redrawn_and_one_that_never_solves_is_reported(tmp_path):
    path = tmp_path / "t.yaml"
    # at a = 3 the point 1/(a - 4)... has no value: those draws are not valid problems and are drawn again
    path.write_text("problems:\n  - id: t\n    kind: evaluate\n    params:\n      a: {choice: [5, 4, 4, 4]}\n"
                    "    expr: \"x^2\"\n    at: {x: \"1/({a} - 4)\"}\n", encoding="utf-8")
    made = generate(path, 3, 2)
    assert [p.expected for p in made.problems] == [1, 1, 1]
    assert [v.values["a"].text for v in made.variants] == ["5", "5", "5"]

    calls = []

    def never(tasks):
        for _ in tasks:
            calls.append(1)
            yield False, "cannot solve this one"

    path.write_text(path.read_text().replace("{choice: [5, 4, 4, 4]}", "{int: [5, 5]}"))
    with pytest.raises(ProblemFileError) as info:
        generate(path, 2, 2, solve=never)
    assert len(calls) == 2 * 10                        # each variant drawn 10 times, reported once
    assert str(info.value).replace(str(path), "t.yaml").splitlines() == [
        "t.yaml:2:5: problem t: no variant could be made in 10 draws; the last one (a = 5) failed: "
        "cannot solve this one"]
    assert info.value.exit_code == 2

    from calcai.exercises.generate import LimitFailure

    calls.clear()

    def too_slow(tasks):                               # a time-out: the template is at fault, no redraw
        for _ in tasks:
            calls.append(1)
            yield False, LimitFailure("gave up after 10 s")

    with pytest.raises(ProblemFileError) as info:
        generate(path, 2, 2, solve=too_slow)
    assert len(calls) == 2
    assert str(info.value).replace(str(path), "t.yaml").splitlines() == [
        "t.yaml:2:5: problem t: the variant a = 5 failed: gave up after 10 s"]
    assert info.value.exit_code == 3


# ---------------------------------------------------------------- errors

def _errors(tmp_path, body: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text("problems:\n" + body, encoding="utf-8")
    with pytest.raises(ProblemFileError) as info:
        generate(path, 2, 1)
    return str(info.value).replace(str(path), "bad.yaml")


def test_an_unsatisfiable_where_is_named_with_its_position(tmp_path):
    message = _errors(tmp_path, "  - id: p\n    kind: derivative\n    params:\n      a: {int: [2, 3]}\n"
                                "    where: [\"a > 1\", \"a^2 > 10\"]\n    expr: \"x^{a}\"\n")
    assert message == ("bad.yaml:6:22: problem p: where condition 'a^2 > 10' was not met in 1000 draws "
                       "of the parameters (a int 2..3)")


@pytest.mark.parametrize("params, where, expected", [
    ("n: {chioce: [2, 3]}", "", "bad.yaml:5:11: problem p: unknown parameter kind 'chioce' in 'params.n'; "
                                "did you mean 'choice'?"),
    ("n: {int: [5, 2]}", "", "bad.yaml:5:16: problem p: field 'params.n.int' must have lo ≤ hi, not [5, 2]"),
    ("n: {int: [1.5, 2]}", "", "bad.yaml:5:17: problem p: field 'params.n.int[0]' must be a whole number, "
                               "not '1.5'"),
    ("n: {decimal: [0.11, 0.19, 1]}", "", "bad.yaml:5:20: problem p: field 'params.n.decimal' has no value "
                                          "with 1 decimal places between 0.11 and 0.19"),
    ("n: {choice: []}", "", "bad.yaml:5:19: problem p: field 'params.n.choice' must be a non-empty list of "
                            "values, not a list"),
    ("n: 3", "", "bad.yaml:5:10: problem p: field 'params.n' must be one of {int: [lo, hi]}, "
                 "{choice: [values]} or {decimal: [lo, hi, places]}, not '3'"),
    ("n: {int: [1, 3]}", "    where: [\"m > 1\"]\n",
     "bad.yaml:6:14: problem p: where condition 'm > 1' uses 'm', which is not a parameter; "
     "the parameters are: n"),
    ("n: {int: [1, 3]}", "    where: [\"n = 1\"]\n",
     "bad.yaml:6:16: problem p: where condition 'n = 1': '=' is not a relation; use == to compare"),
    ("n: {int: [1, 3]}", "    where: [\"n + 1\"]\n",
     "bad.yaml:6:19: problem p: where condition 'n + 1' needs a relation (< <= > >= == !=)"),
])
def test_bad_parameters_are_reported_like_other_fields(tmp_path, params, where, expected):
    body = f"  - id: p\n    kind: derivative\n    params:\n      {params}\n{where}    expr: \"x^2\"\n"
    message = _errors(tmp_path, body)
    assert message == expected


def test_an_unknown_placeholder_and_an_unquoted_one(tmp_path):
    unknown = _errors(tmp_path, "  - id: p\n    kind: derivative\n    params:\n      lr: {int: [1, 3]}\n"
                                "    expr: \"x^{lrr}\"\n")
    assert unknown == "bad.yaml:6:14: problem p: '{lrr}' is not a parameter; did you mean 'lr'?"
    unquoted = _errors(tmp_path, "  - id: p\n    kind: gradient_descent\n    params:\n      lr: {int: [1, 3]}\n"
                                 "    objective: \"x^2\"\n    vars: [x]\n    start: {x: 1}\n"
                                 "    learning_rate: {lr}\n    iterations: 1\n")
    assert unquoted == ("bad.yaml:9:20: problem p: write \"{lr}\" in quotes: unquoted, YAML reads {lr} "
                        "as a mapping")


def test_solve_and_check_read_a_template_at_its_first_values(drill):
    chain, fixed, gd = load(drill)
    x = sp.Symbol("x", real=True)
    # a = 2, n = 2 breaks a != n: the first draw of seed 0 that meets the conditions is used
    assert chain.fields["expr"].func is sp.Add and fixed.id == "fixed"
    assert gd.fields["learning_rate"] == sp.Rational(1, 20) and gd.fields["start"][x] == -4


# ---------------------------------------------------------------- substitution

def _sub(text: str, **values) -> str:
    return _substitute_text(YScalar(text, True, Mark(1, 1)), {k: _value(str(v)) for k, v in values.items()}).text


@pytest.mark.parametrize("text, values, written", [
    ("x^{n}", {"n": -1}, "x^(-1)"),
    ("{a}x", {"a": -2}, "-2x"),
    ("x^2 + {b}x", {"b": -5}, "x^2 - 5x"),
    ("x - {b}", {"b": -3}, "x + 3"),
    ("{a}^2 + x", {"a": -3}, "(-3)^2 + x"),
    ("{a}x^2 y + {b}x y^2", {"a": 1, "b": -1}, "x^2 y - x y^2"),
    ("x^{m}", {"m": "1/2"}, "x^(1/2)"),
    ("{a}{b}", {"a": 2, "b": 3}, "(2)3"),
    ("x{a}", {"a": 2}, "x(2)"),
    ("2{f}", {"f": "x + 1"}, "2(x + 1)"),
    ("sin({f})", {"f": "x + 1"}, "sin(x + 1)"),
    ("{a}", {"a": -4}, "-4"),
    ("f(x) = x^2 + {b}x at x = {p}.", {"b": -5, "p": -3}, "f(x) = x^2 - 5x at x = -3."),
])
def test_values_are_substituted_so_they_read_right(text, values, written):
    assert _sub(text, **values) == written


def test_substitution_reads_as_the_bracketed_values_on_random_templates():
    """The textbook spelling is checked against the parser; here against sympy directly."""
    rng = random.Random(5)
    x, y = sp.symbols("x y", real=True)
    pieces = ["{a}x", "x^{n}", "{a}x^{n}", "{b}", "({a}x + {b})^{n}", "{a}*y", "y^{n}/{b}", "x - {a}y"]
    for _ in range(200):
        terms = rng.sample(pieces, 3)
        text = " + ".join(terms) if rng.random() < 0.5 else " - ".join(terms)
        a, b, n = rng.choice([-3, -1, 1, 2]), rng.choice([-2, -1, 1, 3]), rng.choice([-2, -1, 2, 3])
        got = parse(_sub(text, a=a, b=b, n=n))
        want = parse(text.replace("{a}", f"({a})").replace("{b}", f"({b})").replace("{n}", f"({n})"))
        assert sp.simplify(got - want) == 0, (text, a, b, n, _sub(text, a=a, b=b, n=n))


# ---------------------------------------------------------------- sheet and key

SMALL = """\
title: Small
problems:
  - id: d
    kind: derivative
    statement: "Differentiate {a}x^2."
    params:
      a: {int: [2, 5]}
    expr: "{a}x^2"
"""

SHEET_TEXT = """\
Worksheet: Small
================

Problem 1
---------
Differentiate 5x^2.
Answer: ________________________________________

Problem 2
---------
Differentiate 4x^2.
Answer: ________________________________________
"""

KEY_TEXT = """\
Answer key: Small
=================

1. d-1
======

Rules
-----
constant multiple rule: d/dx 5x² = 10x
  power rule: d/dx x² = 2x

Answer: d/dx [5x²] = 10x

2. d-2
======

Rules
-----
constant multiple rule: d/dx 4x² = 8x
  power rule: d/dx x² = 2x

Answer: d/dx [4x²] = 8x
"""


def test_sheet_and_key_goldens(tmp_path):
    (tmp_path / "s.yaml").write_text(SMALL, encoding="utf-8")
    sheet = calcai("generate", "s.yaml", "--count", "2", "--seed", "1", "--sheet", "--format", "text", cwd=tmp_path)
    key = calcai("generate", "s.yaml", "--count", "2", "--seed", "1", "--key", "--format", "text", cwd=tmp_path)
    assert sheet.returncode == 0 and key.returncode == 0, sheet.stderr + key.stderr
    assert sheet.stdout == SHEET_TEXT
    assert key.stdout == KEY_TEXT
    made = generate(tmp_path / "s.yaml", 2, 1, key_format="latex")
    assert made.sheet("text") == SHEET_TEXT
    assert made.sheet("markdown").startswith("# Worksheet: Small\n\n## Problem 1\n\nDifferentiate 5x^2.\n\nAnswer: \\_")
    tex = made.key("latex")
    assert tex.startswith("\\section*{Answer key: Small}\n\n\\section*{1. d-1}")
    assert "\\frac{d}{d x} 5 x^{2} &= 10 x" in tex
    both = calcai("generate", "s.yaml", "--count", "2", "--seed", "1", "--key", "--sheet", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


# ---------------------------------------------------------------- safety

def test_no_python_evaluation_in_the_exercises_package():
    for path in (ROOT / "calcai" / "exercises").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        attrs = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        assert not names & {"eval", "exec", "compile", "__import__"}, path
        assert not attrs & {"sympify", "parse_expr", "S", "literal_eval"}, path


def test_a_where_condition_is_never_run(tmp_path):
    message = _errors(tmp_path, "  - id: p\n    kind: derivative\n    params:\n      a: {int: [1, 3]}\n"
                                "    where: [\"__import__('os') == 1\"]\n    expr: \"x^2\"\n")
    assert message == ("bad.yaml:6:25: problem p: where condition '__import__('os') == 1' is not valid: "
                       "strings are not allowed")
