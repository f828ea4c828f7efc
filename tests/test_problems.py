"""Tests for calcai.kinds and calcai.problems: loading, validation, conversion and errors."""

import pickle
import textwrap

import pytest
import sympy as sp

from calcai import limits
from calcai.errors import EXIT_BAD_INPUT, EXIT_LIMIT, CalcaiError
from calcai.kinds import COMMON_FIELDS, FIELD_TYPES, KINDS, Field, Kind, describe
from calcai.problem import Problem, Tolerance
from calcai.problems import (ProblemError, ProblemFileError, load, load_many, load_problem, loads,
                             read_number)

x, y, t = sp.symbols("x y t", real=True)


@pytest.fixture(autouse=True)
def _default_limits():
    limits.reset()
    yield
    limits.reset()


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_lines(tmp_path, text, name="p.yaml"):
    """The error lines of a file, with its path shortened to F."""
    path = write(tmp_path, text, name)
    with pytest.raises(ProblemFileError) as info:
        load(path)
    return [str(e).replace(str(path), "F", 1) for e in info.value.errors]


def one_problem(body: str) -> str:
    """A file holding one problem whose lines (after the first) are indented under '- '."""
    lines = textwrap.dedent(body).strip("\n").splitlines()
    return "problems:\n  - " + lines[0] + "\n" + "".join(f"    {line}\n" for line in lines[1:])


# ---------------------------------------------------------------- the kinds table

KINDS_MD = [
    "evaluate", "derivative", "partial", "gradient", "hessian", "jacobian", "directional_derivative",
    "total_derivative", "critical_points", "lagrange", "taylor", "integral", "distribution",
    "monte_carlo", "gradient_descent", "momentum", "adam", "linear_regression", "backprop",
    "forward_mode", "reverse_mode", "softmax", "cross_entropy", "convolution", "bptt", "kl_divergence",
    "convexity", "matrix_gradient", "layer_gradients", "matrix_convexity",
]


def test_every_kind_of_the_contract_is_in_the_table():
    assert list(KINDS) == KINDS_MD
    for kind in KINDS.values():
        assert isinstance(kind, Kind)
        assert kind.description and kind.answer and kind.example
        assert all(isinstance(f, Field) and f.type in FIELD_TYPES for f in kind.fields)
        assert len(set(kind.field_names)) == len(kind.field_names)
        assert not set(kind.field_names) & {f.name for f in COMMON_FIELDS}
        assert kind.answer_form in ("scalar", "list", "map")
        for group in kind.one_of:
            assert all(kind.field(n) is not None and not kind.field(n).required for n in group)


@pytest.mark.parametrize("name", KINDS_MD)
def test_every_example_loads_with_its_expected_answer(name):
    kind = KINDS[name]
    problems = loads(kind.example, f"<{name} example>")
    assert len(problems) == 1
    problem = problems[0]
    assert problem.kind == name
    assert problem.expected is not None
    assert name in describe(kind)


def test_field_wording():
    assert KINDS["gradient_descent"].field("iterations").what == "a whole number ≥ 1"
    assert KINDS["gradient_descent"].field("start").what == "a point like {x: 1, y: 2}"
    assert KINDS["lagrange"].field("goal").what == "one of: max, min"
    assert KINDS["integral"].field("bounds").what == "two numbers [a, b] with a < b (-inf and inf allowed)"
    with pytest.raises(ValueError):
        Field("f", "no_such_type")


# ---------------------------------------------------------------- error messages, one per case

ERROR_CASES = [
    ("unknown kind, did you mean", """
        id: gd-1
        kind: gradient_decent
        objective: x^2
     """, ["F:3:11: problem gd-1: unknown kind 'gradient_decent'; did you mean 'gradient_descent'?"]),
    ("unknown kind, no suggestion", """
        id: a
        kind: frobnicate
     """, ["F:3:11: problem a: unknown kind 'frobnicate'; run `calcai kinds` to list the kinds"]),
    ("unknown field, did you mean", """
        id: gd-2
        kind: gradient_descent
        objective: x^2
        vars: [x]
        start: {x: 1}
        learning_rat: 0.1
        learning_rate: 0.1
        iterations: 3
     """, ["F:7:5: problem gd-2: unknown field 'learning_rat' for kind gradient_descent; "
           "did you mean 'learning_rate'?"]),
    ("unknown field, no suggestion", """
        id: a
        kind: evaluate
        expr: x
        at: {x: 1}
        zzz: 1
     """, ["F:6:5: problem a: unknown field 'zzz' for kind evaluate; its fields are: expr, at"]),
    ("missing field", """
        id: gd-3
        kind: gradient_descent
        objective: x^2
        vars: [x]
        learning_rate: 0.1
        iterations: 3
     """, ["F:2:5: problem gd-3: missing field 'start' (a point like {x: 1, y: 2})"]),
    ("wrong type, whole number", """
        id: gd-4
        kind: gradient_descent
        objective: x^2
        vars: [x]
        start: {x: 1}
        learning_rate: 0.1
        iterations: ten
     """, ["F:8:17: problem gd-4: field 'iterations' must be a whole number ≥ 1, not 'ten'"]),
    ("whole number below its minimum", """
        id: a
        kind: derivative
        expr: x^2
        order: 0
     """, ["F:5:12: problem a: field 'order' must be a whole number ≥ 1, not '0'"]),
    ("not a whole number", """
        id: a
        kind: taylor
        expr: e^x
        about: {x: 0}
        order: 2.5
     """, ["F:6:12: problem a: field 'order' must be a whole number ≥ 0, not '2.5'"]),
    ("plain expression that does not parse", """
        id: a
        kind: derivative
        expr: x^2 + (3x
     """, ["F:4:20: problem a: field 'expr' is not a valid expression: "
           "expected ')' but found the end of the expression"]),
    ("quoted expression: the column counts the quote", """
        id: a
        kind: derivative
        expr: "x ^ 2 $ 1"
     """, ["F:4:18: problem a: field 'expr' is not a valid expression: '$' is not allowed"]),
    ("single-quoted expression", """
        id: a
        kind: derivative
        expr: 'sin(x'
     """, ["F:4:17: problem a: field 'expr' is not a valid expression: "
           "expected ')' but found the end of the expression"]),
    ("expression inside a flow mapping", """
        id: a
        kind: total_derivative
        expr: x^2 y
        substitutions: {x: "cos(t", y: sin(t)}
        wrt: t
     """, ["F:5:30: problem a: field 'substitutions.x' is not a valid expression: "
           "expected ')' but found the end of the expression"]),
    ("block scalar: the position is the scalar's", """
        id: a
        kind: derivative
        expr: |
          x^2 +
     """, ["F:4:11: problem a: field 'expr' is not a valid expression: "
           "the expression ends too early: a number, name or '(' is missing (at column 7)"]),
    ("equation without '='", """
        id: a
        kind: lagrange
        objective: x y
        constraints: ["x + y"]
        goal: max
     """, ["F:5:25: problem a: field 'constraints[0]' is not a valid equation: "
           "an equation needs exactly one '=' (like 'x + y = 10')"]),
    ("choice, did you mean", """
        id: a
        kind: lagrange
        objective: x y
        constraints: ["x + y = 10"]
        goal: maximum
     """, ["F:6:11: problem a: field 'goal' must be one of: max, min, not 'maximum'; did you mean 'max'?"]),
    ("missing id", """
        kind: derivative
        expr: x^2 +
     """, ["F:2:5: problem #1: missing field 'id' (a name unique in the file: letters, digits, - and _)",
           "F:3:16: problem #1: field 'expr' is not a valid expression: "
           "the expression ends too early: a number, name or '(' is missing"]),
    ("invalid id", """
        id: "a b"
        kind: derivative
        expr: x
     """, ["F:2:9: problem #1: field 'id' must be letters, digits, - and _ only, not 'a b'"]),
    ("missing kind", """
        id: a
        expr: x
     """, ["F:2:5: problem a: missing field 'kind' (one of the kinds listed by `calcai kinds`)"]),
    ("empty value", """
        id: a
        kind: gradient_descent
        objective: x^2
        vars: [x]
        start: {x: 1}
        learning_rate:
        iterations: 3
     """, ["F:7:19: problem a: field 'learning_rate' is empty; expected a number"]),
    ("point given as a list", """
        id: a
        kind: evaluate
        expr: x
        at: [1, 2]
     """, ["F:5:9: problem a: field 'at' must be a point like {x: 1, y: 2}, not a list"]),
    ("dunder variable name", """
        id: a
        kind: derivative
        expr: x
        wrt: __class__
     """, ["F:5:10: problem a: field 'wrt' has a bad variable name: "
           "names with double underscores are not allowed: '__class__'"]),
    ("keyword variable name", """
        id: a
        kind: gradient
        expr: x
        vars: [x, import]
     """, ["F:5:15: problem a: field 'vars[1]' has a bad variable name: "
           "the Python keyword 'import' is not allowed as a name"]),
    ("repeated variable", """
        id: a
        kind: gradient
        expr: x
        vars: [x, x]
     """, ["F:5:15: problem a: field 'vars' lists 'x' twice"]),
    ("a point must cover the expression", """
        id: a
        kind: evaluate
        expr: x^2 + y
        at: {x: 1}
     """, ["F:5:9: problem a: field 'at' has no value for y; "
           "a point must give every variable of the expression a value"]),
    ("wrt needed with several variables", """
        id: a
        kind: derivative
        expr: x y
     """, ["F:2:5: problem a: missing field 'wrt' (the expression has several variables: x, y; "
           "name the one to differentiate by)"]),
    ("optimiser start must match vars", """
        id: a
        kind: momentum
        objective: x^2 + y^2
        vars: [x, y]
        start: {x: 1}
        learning_rate: 0.1
        beta: 0.9
        iterations: 2
     """, ["F:6:12: problem a: field 'start' has no value for y (a point giving every variable in vars a value)"]),
    ("optimiser vars must cover the objective", """
        id: a
        kind: gradient_descent
        objective: x^2 + y^2
        vars: [x]
        start: {x: 1}
        learning_rate: 0.1
        iterations: 2
     """, ["F:5:11: problem a: field 'vars' does not list y, a variable of the objective"]),
    ("two alternatives at once", """
        id: a
        kind: cross_entropy
        z: 1
        logits: [1, 2]
        target: 1
     """, ["F:5:5: problem a: fields 'z' and 'logits' cannot be used together (give exactly one of: logits | z)"]),
    ("no alternative", """
        id: a
        kind: cross_entropy
        target: 1
     """, ["F:2:5: problem a: missing field 'logits' or 'z' (give exactly one of: logits | z)"]),
    ("half an alternative", """
        id: a
        kind: monte_carlo
        expr: x
        wrt: x
        bounds: [0, 1]
        n: 10
     """, ["F:2:5: problem a: missing field 'seed' (a whole number ≥ 0), needed with 'n'"]),
    ("field only with another", """
        id: a
        kind: bptt
        factor: 0.5
        steps: 3
        preactivation: 1
     """, ["F:6:5: problem a: field 'preactivation' only goes with 'w_h'"]),
    ("bounds out of order", """
        id: a
        kind: integral
        expr: x
        bounds: [3, 1]
     """, ["F:5:13: problem a: field 'bounds' must have a < b, not [3, 1]"]),
    ("infinite bounds where they are not allowed", """
        id: a
        kind: monte_carlo
        expr: x
        wrt: x
        bounds: [0, inf]
        samples: [0.5]
     """, ["F:6:17: problem a: field 'bounds[1]' must be a number, not 'inf' (infinity is not allowed here)"]),
    ("matrix rows of different lengths", """
        id: a
        kind: backprop
        layers:
          - {weights: [[1, 2], [3]], activation: sigmoid}
        input: [1, 2]
        target: [1, 0]
        loss: mse
        learning_rate: 0.1
     """, ["F:5:28: problem a: field 'layers[0].weights' must have rows of equal length: "
           "row 1 has 1 numbers, row 0 has 2"]),
    ("network shapes", """
        id: a
        kind: backprop
        layers:
          - {weights: [[1, 2]], bias: [1, 2], activation: sigmoid}
        input: [1, 2]
        target: 1
        loss: mse
        learning_rate: 0.1
     """, ["F:5:9: problem a: field 'layers[0].bias' has 2 numbers but the layer has 1 output"]),
    ("unknown layer key", """
        id: a
        kind: backprop
        layers:
          - {weights: 1, bais: 1, activation: sigmoid}
        input: 1
        target: 1
        loss: mse
        learning_rate: 0.1
     """, ["F:5:22: problem a: unknown key 'bais' in 'layers[0]'; did you mean 'bias'?"]),
    ("convolution shapes", """
        id: a
        kind: convolution
        input: [1, 2, 3]
        kernel: [1, 1]
        upstream: [1, 1, 1]
     """, ["F:6:15: problem a: field 'upstream' must have 2 numbers (one per output), not 3"]),
    ("probabilities must add up to 1", """
        id: a
        kind: kl_divergence
        p: [0.5, 0.6]
        q: [0.5, 0.5]
     """, ["F:4:8: problem a: field 'p' must hold probabilities adding up to 1, not to 1.1"]),
    ("gaussian std must be positive", """
        id: a
        kind: kl_divergence
        p: {mean: 0, std: 1}
        q: {mean: 0, std: 0}
     """, ["F:5:23: problem a: field 'q.std' must be a number > 0, not '0'"]),
    ("tolerance, unknown key", """
        id: a
        kind: evaluate
        expr: x
        at: {x: 1}
        tolerance: {abs: 0.1, rell: 2}
     """, ["F:6:27: problem a: field 'tolerance' has an unknown key 'rell'; "
           "expected a number ≥ 0 (absolute) or {abs: .., rel: ..}; did you mean 'rel'?"]),
    ("tolerance, negative", """
        id: a
        kind: evaluate
        expr: x
        at: {x: 1}
        tolerance: -1
     """, ["F:6:16: problem a: field 'tolerance' must be a number ≥ 0, not '-1'"]),
    ("expected, unknown key", """
        id: a
        kind: hessian
        expr: x y
        expected: {matrix: [[0, 1], [1, 0]], definitness: indefinite}
     """, ["F:5:42: problem a: unknown key 'definitness' in 'expected' for kind hessian; "
           "did you mean 'definiteness'?"]),
    ("expected, wrong shape", """
        id: a
        kind: gradient_descent
        objective: x^2
        vars: [x]
        start: {x: 1}
        learning_rate: 0.1
        iterations: 1
        expected: 0.8
     """, ["F:9:15: problem a: field 'expected' must be a mapping with some of the keys final, trace "
           "({final: point, trace: list of points (the start first, then one per iteration)}), not '0.8'"]),
    ("expected, text answer typo", """
        id: a
        kind: critical_points
        expr: x^2
        expected: [{point: {x: 0}, type: minimun}]
     """, ["F:5:38: problem a: field 'expected[0].type' must be one of: minimum, maximum, saddle, "
           "inconclusive, not 'minimun'; did you mean 'minimum'?"]),
    ("expected, expression that does not parse", """
        id: a
        kind: derivative
        expr: x^3
        expected: "3x^2 +"
     """, ["F:5:22: problem a: field 'expected' is not a valid number or expression: "
           "the expression ends too early: a number, name or '(' is missing"]),
    ("expected, ambiguous number", """
        id: a
        kind: evaluate
        expr: x
        at: {x: 1}
        expected: 012
     """, ["F:6:15: problem a: field 'expected' is not a valid number or expression: "
           "the number '012' has a leading zero"]),
]


@pytest.mark.parametrize("body, expected", [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_error_message(tmp_path, body, expected):
    assert error_lines(tmp_path, one_problem(body)) == expected


@pytest.mark.parametrize("text", ["012", "1:20", "no", "2020-01-01", "yes", "1e", "+5", "1.5.2", "0x10", "x"])
def test_malformed_numbers_are_errors_naming_the_text(tmp_path, text):
    body = f"""
        id: a
        kind: gradient_descent
        objective: x^2
        vars: [x]
        start: {{x: 1}}
        learning_rate: {text}
        iterations: 3
    """
    assert error_lines(tmp_path, one_problem(body)) == [
        f"F:7:20: problem a: field 'learning_rate' must be a number, not '{text}'"]


def test_constant_expression_that_does_not_parse_says_why(tmp_path):
    body = """
        id: a
        kind: gradient_descent
        objective: x^2
        vars: [x]
        start: {x: 1}
        learning_rate: "sqrt(2"
        iterations: 3
    """
    assert error_lines(tmp_path, one_problem(body)) == [
        "F:7:20: problem a: field 'learning_rate' must be a number, not 'sqrt(2' "
        "(expected ')' but found the end of the expression)"]


def test_all_errors_of_a_file_are_collected(tmp_path):
    text = """
        title: Several errors
        problems:
          - id: one
            kind: derivative
            expr: x^3
          - id: two
            kind: gradient_decent
          - id: three
            kind: derivative
            expr: x^2 +
            order: many
            colour: red
          - id: one
            kind: evaluate
            expr: x
            at: {x: 1}
          - id: four
            kind: evaluate
            expr: x
            at: {x: 2}
    """
    assert error_lines(tmp_path, text) == [
        "F:7:11: problem two: unknown kind 'gradient_decent'; did you mean 'gradient_descent'?",
        "F:10:16: problem three: field 'expr' is not a valid expression: "
        "the expression ends too early: a number, name or '(' is missing",
        "F:11:12: problem three: field 'order' must be a whole number ≥ 1, not 'many'",
        "F:12:5: problem three: unknown field 'colour' for kind derivative; its fields are: expr, wrt, order, at",
        "F:13:9: problem one: duplicate id 'one' (first used at line 3); ids must be unique in a file",
    ]


@pytest.mark.parametrize("text, expected", [
    ("- id: a\n  kind: derivative\n",
     ["F:1:1: a problem file must be a mapping with a 'problems' list (and an optional 'title')"]),
    ("title: x\n", ["F:1:1: missing 'problems': a problem file needs a list of problems under 'problems'"]),
    ("problem:\n  - id: a\n", ["F:1:1: unknown top-level key 'problem'; did you mean 'problems'?",
                               "F:1:1: missing 'problems': a problem file needs a list of problems under 'problems'"]),
    ("problems: []\n", ["F:1:11: 'problems' is an empty list; expected at least one problem"]),
    ("problems: hello\n", ["F:1:11: 'problems' must be a list of problems, not 'hello'"]),
    ("problems:\n  - just text\n", ["F:2:5: problem #1: a problem must be a mapping with id, kind and "
                                    "the kind's fields, not 'just text'"]),
])
def test_file_level_errors(tmp_path, text, expected):
    assert error_lines(tmp_path, text) == expected


def test_yaml_errors_become_one_error_with_position(tmp_path):
    lines = error_lines(tmp_path, "problems:\n  - id: a\n    kind: [derivative\n")
    assert len(lines) == 1
    assert lines[0].startswith("F:4:1: invalid YAML")
    lines = error_lines(tmp_path, "problems:\n  - &a {id: a}\n")
    assert lines == ["F:2:5: anchors and aliases are not allowed: &a"]


def test_unreadable_file(tmp_path):
    with pytest.raises(ProblemFileError) as info:
        load(tmp_path / "missing.yaml")
    (error,) = info.value.errors
    assert error.line == 0 and "cannot read the file" in error.message
    assert str(error) == f"{tmp_path / 'missing.yaml'}: cannot read the file: No such file or directory"


def test_problem_file_error_shape(tmp_path):
    path = write(tmp_path, one_problem("id: a\nkind: nope\n"))
    with pytest.raises(ProblemFileError) as info:
        load(path)
    err = info.value
    assert isinstance(err, CalcaiError)
    (e,) = err.errors
    assert isinstance(e, ProblemError)
    assert (e.path, e.line, e.col, e.limit) == (str(path), 3, 11, False)
    assert str(err) == f"{path}:3:11: problem a: unknown kind 'nope'; run `calcai kinds` to list the kinds"
    assert err.exit_code == EXIT_BAD_INPUT
    again = pickle.loads(pickle.dumps(err))
    assert again.errors == err.errors and str(again) == str(err)


# ---------------------------------------------------------------- limits

LIMIT_CASES = [
    ("iterations", {}, """
        id: a
        kind: gradient_descent
        objective: x^2
        vars: [x]
        start: {x: 1}
        learning_rate: 0.1
        iterations: 100001
     """, "F:8:17: problem a: field 'iterations' is 100001, more than the limit 100000 (limit max_iterations)"),
    ("derivative order", {}, """
        id: a
        kind: derivative
        expr: x^2
        order: 21
     """, "F:5:12: problem a: field 'order' is 21, more than the limit 20 (limit max_order)"),
    ("taylor order", {"max_series_order": 5}, """
        id: a
        kind: taylor
        expr: e^x
        about: {x: 0}
        order: 6
     """, "F:6:12: problem a: field 'order' is 6, more than the limit 5 (limit max_series_order)"),
    ("monte carlo n", {"max_samples": 100}, """
        id: a
        kind: monte_carlo
        expr: x
        wrt: x
        bounds: [0, 1]
        n: 101
        seed: 1
     """, "F:7:8: problem a: field 'n' is 101, more than the limit 100 (limit max_samples)"),
    ("monte carlo samples", {"max_samples": 2}, """
        id: a
        kind: monte_carlo
        expr: x
        wrt: x
        bounds: [0, 1]
        samples: [0.1, 0.2, 0.3]
     """, "F:7:14: problem a: field 'samples' has 3 samples, more than the limit 2 (limit max_samples)"),
    ("variables", {"max_variables": 2}, """
        id: a
        kind: gradient
        expr: x + y + z
     """, "F:2:5: problem a: the problem has 3 variables, more than the limit 2 (limit max_variables)"),
    ("expression size", {"max_expression_chars": 5}, """
        id: a
        kind: derivative
        expr: x + x + x
     """, "F:4:11: problem a: field 'expr' is not a valid expression: "
          "expression is 9 characters long, more than the limit 5 (limit max_expression_chars)"),
    ("number size", {}, """
        id: a
        kind: evaluate
        expr: x
        at: {x: 1e999}
     """, "F:5:13: problem a: field 'at.x' is too large: exponent e999 is larger than the limit 100 "
          "(limit max_decimal_exponent)"),
]


@pytest.mark.parametrize("changes, body, expected", [c[1:] for c in LIMIT_CASES], ids=[c[0] for c in LIMIT_CASES])
def test_limit_errors_are_flagged(tmp_path, changes, body, expected):
    limits.configure(**changes)
    path = write(tmp_path, one_problem(body))
    with pytest.raises(ProblemFileError) as info:
        load(path)
    err = info.value
    assert [str(e).replace(str(path), "F") for e in err.errors] == [expected]
    assert err.errors[0].limit
    assert err.limit and err.exit_code == EXIT_LIMIT


def test_bad_input_wins_over_limits_for_the_exit_code(tmp_path):
    body = """
        id: a
        kind: derivative
        expr: x^2
        order: 21
        colour: red
    """
    path = write(tmp_path, one_problem(body))
    with pytest.raises(ProblemFileError) as info:
        load(path)
    assert [e.limit for e in info.value.errors] == [True, False]
    assert info.value.exit_code == EXIT_BAD_INPUT


# ---------------------------------------------------------------- valid files

def test_kinds_md_example_loads_with_exact_types(tmp_path):
    path = write(tmp_path, """
        title: Practice problems
        problems:
          - id: gd-practice-1
            kind: gradient_descent
            title: Minimise x² + 4y²
            objective: x^2 + 4y^2
            vars: [x, y]
            start: {x: 4, y: 2}
            learning_rate: 0.1
            iterations: 2
            expected: {final: {x: 2.56, y: 0.08}}
            tolerance: 0.001
            tags: [optimisation, gd]
            hints: ["the gradient is (2x, 8y)"]
    """)
    (p,) = load(path)
    assert isinstance(p, Problem)
    assert (p.id, p.kind, p.title, p.file, p.line, p.col) == ("gd-practice-1", "gradient_descent",
                                                               "Minimise x² + 4y²", str(path), 3, 5)
    assert p.fields["objective"] == x**2 + 4 * y**2
    assert p.fields["vars"] == [x, y] and p.variables == (x, y)
    assert p.fields["start"] == {x: 4, y: 2}
    assert all(s.is_real for s in p.fields["start"])
    assert p.fields["learning_rate"] == sp.Rational(1, 10)
    assert isinstance(p.fields["learning_rate"], sp.Rational)
    assert p.fields["iterations"] == 2 and type(p.fields["iterations"]) is int
    assert p.fields["momentum"] is None
    assert p.expected == {"final": {"x": sp.Rational(64, 25), "y": sp.Rational(2, 25)}}
    assert p.tolerance == Tolerance(abs=0.001, rel=0.0)
    assert p.tags == ("optimisation", "gd") and p.hints == ("the gradient is (2x, 8y)",)
    assert p.positions["start.y"] == (8, 22)
    assert p.where("learning_rate") == f"{path}:9:20"


@pytest.mark.parametrize("text, value", [
    ("0.1", sp.Rational(1, 10)), ("-3", sp.Integer(-3)), ("1e-8", sp.Rational(1, 10**8)),
    ("2.5e3", sp.Integer(2500)), ("0", sp.Integer(0)), ('"1/3"', sp.Rational(1, 3)), ("pi", sp.pi),
    ("sqrt(2)", sp.sqrt(2)), ("'-e'", -sp.E), ("ln(2)", sp.log(2)), ("π/4", sp.pi / 4),
])
def test_numbers_are_exact(tmp_path, text, value):
    body = f"""
        id: a
        kind: evaluate
        expr: x
        at: {{x: {text}}}
    """
    (p,) = load(write(tmp_path, one_problem(body)))
    assert p.fields["at"][x] == value


def test_read_number():
    assert read_number("0.25") == sp.Rational(1, 4)
    assert read_number("-inf", infinite=True) == -sp.oo
    for bad in ("inf", "012", "x", "sqrt(-1)", "1/0", ""):
        with pytest.raises(ValueError):
            read_number(bad)


def test_infinite_bounds_and_support(tmp_path):
    text = """
        problems:
          - id: gauss
            kind: integral
            expr: e^(-x^2)
            bounds: [-inf, inf]
          - id: expo
            kind: distribution
            density: sigma e^(-sigma x)
            var: x
            support: [0, "∞"]
            positive: [sigma]
    """
    gauss, expo = load(write(tmp_path, text))
    assert gauss.fields["bounds"] == (-sp.oo, sp.oo)
    assert gauss.fields["wrt"] == x
    sigma = expo.fields["positive"][0]
    assert sigma.name == "sigma" and sigma.is_positive
    assert expo.fields["density"] == sigma * sp.exp(-sigma * x)
    assert sigma in expo.fields["density"].free_symbols
    assert expo.fields["support"] == (0, sp.oo)
    assert expo.variables == (sigma, x)


def test_declared_names_stay_whole(tmp_path):
    body = """
        id: a
        kind: gradient_descent
        objective: rate*w^2 + loss
        vars: [w, rate, loss]
        start: {w: 1, rate: 2, loss: 0}
        learning_rate: 0.1
        iterations: 1
    """
    (p,) = load(write(tmp_path, one_problem(body)))
    w, rate, loss = (sp.Symbol(n, real=True) for n in ("w", "rate", "loss"))
    assert p.fields["objective"] == rate * w**2 + loss
    assert p.variables == (w, rate, loss)


def test_variables_order_and_defaults(tmp_path):
    text = """
        problems:
          - id: grad
            kind: gradient
            expr: y^2 + x
          - id: grad-at
            kind: gradient
            expr: x + y
            at: {y: 1, x: 2}
          - id: total
            kind: total_derivative
            expr: x^2 + y^2
            substitutions: {x: "cos(t)", y: "sin(t)"}
            wrt: t
          - id: deriv
            kind: derivative
            expr: (x^2 + 1)^3
          - id: const
            kind: derivative
            expr: "7"
          - id: adam
            kind: adam
            objective: x^2
            vars: [x]
            start: {x: 1}
            learning_rate: 0.1
            iterations: 1
          - id: conv
            kind: convolution
            input: [1, 2, 3]
            kernel: [1, 0]
            upstream: [1, 1]
          - id: bptt
            kind: bptt
            w_h: 0.5
            activation: Tanh
            steps: 4
    """
    grad, grad_at, total, deriv, const, adam, conv, bptt = load(write(tmp_path, text))
    assert grad.variables == (x, y) and grad.fields["vars"] == [x, y] and grad.fields["at"] is None
    assert grad_at.variables == (y, x) and grad_at.fields["vars"] == [y, x]
    assert total.fields["substitutions"] == {x: sp.cos(t), y: sp.sin(t)}
    assert total.fields["wrt"] == t and total.variables == (t, x, y)
    assert deriv.fields["wrt"] == x and deriv.fields["order"] == 1
    assert const.fields["wrt"] == x and const.variables == ()
    assert adam.fields["beta1"] == sp.Rational(9, 10)
    assert adam.fields["beta2"] == sp.Rational(999, 1000)
    assert adam.fields["eps"] == sp.Rational(1, 10**8)
    assert conv.fields["mode"] == "cross_correlation" and conv.fields["padding"] == "valid"
    assert bptt.fields["activation"] == "tanh" and bptt.fields["preactivation"] == 0
    assert bptt.fields["factor"] is None


def test_structured_fields(tmp_path):
    text = """
        problems:
          - id: net
            kind: backprop
            layers:
              - {weights: [[0.1, 0.2], [0.3, 0.4]], bias: [0, 1], activation: relu}
              - {weights: [[1, -1]], activation: Sigmoid}
            input: [1, 2]
            target: 0.5
            loss: binary_cross_entropy
            learning_rate: 0.5
          - id: reg
            kind: linear_regression
            data: [[1, 3], [2, 5.5]]
            start: {w: 0, b: 0}
            learning_rate: 0.01
            iterations: 1
          - id: kl
            kind: kl_divergence
            p: {mean: 0, std: 1}
            q: {mean: 1, std: 2}
          - id: lag
            kind: lagrange
            objective: x y
            constraints: ["x + y = 10", "x = 2y"]
            goal: MIN
          - id: jac
            kind: jacobian
            exprs: [x y, x + y]
    """
    net, reg, kl, lag, jac = load(write(tmp_path, text))
    first, second = net.fields["layers"]
    R = sp.Rational
    assert first == {"weights": [[R(1, 10), R(1, 5)], [R(3, 10), R(2, 5)]], "bias": [0, 1], "activation": "relu"}
    assert second == {"weights": [[1, -1]], "bias": None, "activation": "sigmoid"}
    assert net.fields["input"] == [1, 2] and net.fields["target"] == R(1, 2)
    assert reg.fields["data"] == [(1, 3), (2, R(11, 2))]
    w, b = sp.symbols("w b", real=True)
    assert reg.fields["start"] == {w: 0, b: 0} and reg.variables == (w, b)
    assert kl.fields["p"] == {"mean": 0, "std": 1}
    assert lag.fields["constraints"] == [x + y - 10, x - 2 * y] and lag.fields["goal"] == "min"
    assert jac.fields["exprs"] == [x * y, x + y]


def test_expected_keeps_strings_and_converts_plain_numbers(tmp_path):
    body = """
        id: a
        kind: hessian
        expr: x^2 y
        expected:
          matrix: [["2y", "2x"], ["2x", 0]]
          eigenvalues: ["0.5", 0.5, -inf]
          definiteness: Indefinite
    """
    (p,) = load(write(tmp_path, one_problem(body)))
    assert p.expected == {"matrix": [["2y", "2x"], ["2x", 0]], "eigenvalues": ["0.5", sp.Rational(1, 2), "-inf"],
                          "definiteness": "Indefinite"}
    assert p.positions["expected.matrix"] == (6, 15)


# ---------------------------------------------------------------- the Python API

def test_load_problem_from_a_dict():
    p = load_problem({"kind": "gradient_descent", "objective": "x^2 + 4y^2", "vars": ["x", "y"],
                      "start": {"x": 4, "y": 2.5}, "learning_rate": 0.1, "iterations": 2,
                      "expected": {"final": {"x": 2.56, "y": 0.08}}, "tolerance": {"abs": 1e-3, "rel": 0},
                      "momentum": None})
    assert p.id == "problem" and p.file is None or p.file == "<problem>"
    assert p.fields["start"] == {x: 4, y: sp.Rational(5, 2)}
    assert p.fields["learning_rate"] == sp.Rational(1, 10)
    assert p.expected == {"final": {"x": sp.Rational(64, 25), "y": sp.Rational(2, 25)}}
    assert p.tolerance == Tolerance(abs=0.001, rel=0.0)
    assert p.fields["momentum"] is None
    q = load_problem({"id": "d", "kind": "derivative", "expr": "x^3", "expected": "3x^2", "order": 2},
                     file="api.py")
    assert (q.id, q.fields["order"], q.expected, q.file) == ("d", 2, "3x^2", "api.py")


@pytest.mark.parametrize("data, lines", [
    ({"kind": "derivative", "expr": "x^2 +* 3"},
     ["<problem>: problem: field 'expr' is not a valid expression: "
      "unexpected '*': a number, name or '(' is expected here (at column 6)"]),
    ({"kind": "derivative", "expr": "x", "order": True},
     ["<problem>: problem: field 'order' must be a whole number ≥ 1, not 'true'"]),
    ({"kind": "evaluate", "expr": "x", "at": {"x": float("nan")}},
     ["<problem>: problem: field 'at.x' must be a number, not 'nan'"]),
    ({"id": "p", "kind": "gradient_decent"},
     ["<problem>: problem p: unknown kind 'gradient_decent'; did you mean 'gradient_descent'?"]),
    ("derivative", ["<problem>: a problem must be a dict with 'kind' and the kind's fields, not str"]),
])
def test_load_problem_errors(data, lines):
    with pytest.raises(ProblemFileError) as info:
        load_problem(data)
    assert [str(e) for e in info.value.errors] == lines


def test_load_problem_returns_problems_unchanged():
    p = load_problem({"kind": "evaluate", "expr": "x", "at": {"x": 1}})
    assert load_problem(p) is p


# ---------------------------------------------------------------- many files

def test_load_many_keeps_valid_problems_and_collects_errors(tmp_path):
    good = "problems:\n  - id: a\n    kind: evaluate\n    expr: x\n    at: {x: 1}\n"
    mixed = ("problems:\n  - id: b\n    kind: evaluate\n    expr: x\n    at: {x: 2}\n"
             "  - id: c\n    kind: nope\n")
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "sub").mkdir()
    (tmp_path / "set" / ".hidden").mkdir()
    (tmp_path / "set" / "b.yml").write_text(mixed)
    (tmp_path / "set" / "a.yaml").write_text(good)
    (tmp_path / "set" / "sub" / "c.yaml").write_text(good.replace("id: a", "id: d"))
    (tmp_path / "set" / "notes.txt").write_text("not yaml")
    (tmp_path / "set" / ".hidden" / "e.yaml").write_text(good)
    (tmp_path / "broken.yaml").write_text("problems: [")
    problems, errors = load_many([tmp_path / "set", tmp_path / "broken.yaml", str(tmp_path / "none.yaml")])
    assert [p.id for p in problems] == ["a", "b", "d"]
    assert [p.file for p in problems] == [str(tmp_path / "set" / "a.yaml"), str(tmp_path / "set" / "b.yml"),
                                          str(tmp_path / "set" / "sub" / "c.yaml")]
    assert [(e.path, e.line) for e in errors] == [(str(tmp_path / "set" / "b.yml"), 7),
                                                  (str(tmp_path / "broken.yaml"), 1),
                                                  (str(tmp_path / "none.yaml"), 0)]
    assert errors[0].message == "problem c: unknown kind 'nope'; run `calcai kinds` to list the kinds"


def test_load_many_empty_folder(tmp_path):
    problems, errors = load_many(tmp_path)
    assert problems == []
    assert [str(e) for e in errors] == [f"{tmp_path}: no .yaml or .yml files in this folder"]


def test_loads_from_text():
    (p,) = loads("problems:\n  - id: a\n    kind: integral\n    expr: 2x\n")
    assert p.fields["expr"] == 2 * x and p.fields["bounds"] is None and p.file == "<string>"
    with pytest.raises(ProblemFileError) as info:
        loads("problems:\n  - id: a\n    kind: integral\n    expr: 2x +\n", "t.yaml")
    assert str(info.value).startswith("t.yaml:4:15: problem a: field 'expr' is not a valid expression")
