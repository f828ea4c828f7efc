"""Adversarial input through the real command line: code injection, numeric, size and nesting
bombs, look-alike characters, malformed numbers and YAML, values that are not numbers, and
problems that hang or eat memory.

Every case runs ``python -m calcai`` in a subprocess in a fresh folder and checks the exact exit
code, a one-line message that names the problem, that nothing prints a traceback, that it ends
within its time budget, that no canary file appears and that no input file changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANARY = "canary.txt"
MARGIN = 3.0          # CLI start-up and the worker fork cost about 0.5 s
TIMEOUT = 2           # --timeout for cases that may hang


def calcai(args, cwd, timeout=60):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)
    return done, time.monotonic() - start


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# ---------------------------------------------------------------- the table

@dataclass
class Case:
    id: str
    args: list                       # after the command name; files are written to the cwd first
    code: int
    says: str                        # a substring of the error line (stdout for exit 0)
    files: dict = field(default_factory=dict)   # name -> str | bytes | int (a sparse file of that size)
    lines: int = 1                   # stderr lines: 1, or 3 for a parse error with its caret
    budget: float = TIMEOUT          # seconds the command may take, plus MARGIN
    timeout_option: bool = True      # pass --timeout 2 after the command name


def problem_file(body: str) -> str:
    return "problems:\n" + body


def one(kind_fields: str, pid: str = "p") -> str:
    """A file with one problem; ``kind_fields`` are its lines after ``id``."""
    body = "\n".join("    " + line for line in kind_fields.strip("\n").splitlines())
    return problem_file(f"  - id: {pid}\n{body}\n")


def solve(name: str = "p.yaml"):
    return ["solve", name]


TOUCH = "touch canary.txt"
HUGE_POLY = "x^999 + x^998*y^3 + y^500 - x*y"          # sympy's solve runs for minutes
NO_CLOSED_FORM = "sqrt(1+x^7)*exp(x^3)"                   # sympy's integrate runs about 10 s

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")
) + "problems:\n  - {id: lol, kind: derivative, expr: *i}\n"

MANY = problem_file("".join(f"  - {{id: p{i}, kind: derivative, expr: x^2}}\n" for i in range(3000)))

GRADE_PROBLEMS = problem_file('  - {id: chain, kind: derivative, expr: "(x^2 + 1)^3"}\n')

GD = """\
kind: gradient_descent
objective: x^4
vars: [x]
start: {{x: 10}}
learning_rate: {lr}
iterations: {it}
"""

CASES = [
    # ---- code injection: one-off expressions never run as Python
    Case("inject-import-system", ["diff", f"__import__('os').system('{TOUCH}')"], 2,
         "calcai: error: strings are not allowed (column 12)", lines=3),
    Case("inject-class-bases", ["diff", "().__class__.__bases__[0]"], 2,
         "attribute access is not allowed", lines=3),
    Case("inject-eval", ["diff", 'eval("1")'], 2, "strings are not allowed", lines=3),
    Case("inject-lambda", ["diff", "lambda x: x"], 2, "':' is not allowed (no lambdas or slices)", lines=3),
    Case("inject-exec", ["diff", "exec('import os')"], 2, "strings are not allowed", lines=3),
    Case("inject-fstring", ["diff", 'f"{open(\'canary.txt\', \'w\')}"'], 2, "strings are not allowed", lines=3),
    Case("inject-backticks", ["diff", f"`{TOUCH}`"], 2, "backticks are not allowed", lines=3),
    Case("inject-open-write", ["diff", "open(canary.txt, w)"], 2, "attribute access is not allowed", lines=3),
    Case("inject-statement", ["diff", "x; import os"], 2, "statements are not allowed", lines=3),
    Case("inject-builtin-call", ["diff", "globals()"], 2, "unknown function 'globals'", lines=3),
    Case("inject-dunder-name", ["diff", "__import__"], 2, "names with double underscores are not allowed", lines=3),
    Case("inject-vars-option", ["grad", "x^2", "--vars", "__import__"], 2,
         "field 'vars[0]' has a bad variable name: names with double underscores"),
    Case("inject-at-option", ["diff", "x^2", "--at", "__class__=1"], 2,
         "field 'at' has a bad variable name"),
    Case("inject-wrt-option", ["diff", "x^2", "--wrt", f"os.system('{TOUCH}')"], 2,
         "field 'wrt' must be a variable name like x or w1"),
    Case("inject-constraint", ["lagrange", "x*y", "--subject-to", "x + y = 10; __import__('os')"], 2,
         "statements are not allowed", lines=3),
    Case("inject-bound", ["integrate", "x", "--from", "0", "--to", "__import__('os')"], 2,
         "field 'bounds[1]' must be a number, not '__import__('os')'"),
    # ---- code injection: YAML fields, names and tags are never constructed
    Case("yaml-expr-injection", solve(), 2,
         "p.yaml:4:23: problem inj: field 'expr' is not a valid expression: strings are not allowed",
         files={"p.yaml": one(f"kind: derivative\nexpr: \"__import__('os').system('{TOUCH}')\"", "inj")}),
    Case("yaml-var-dunder", solve(), 2,
         "p.yaml:5:12: problem v: field 'vars[0]' has a bad variable name: names with double underscores",
         files={"p.yaml": one("kind: gradient\nexpr: x^2\nvars: [__import__]", "v")}),
    Case("yaml-var-call", solve(), 2,
         "problem v: field 'vars[0]' must be a variable name like x or w1, not 'os.system('touch canary.txt')'",
         files={"p.yaml": one(f"kind: gradient\nexpr: x^2\nvars: [\"os.system('{TOUCH}')\"]", "v")}),
    Case("yaml-point-dunder-key", solve(), 2,
         "problem gd: field 'start' has a bad variable name: names with double underscores",
         files={"p.yaml": one("kind: gradient_descent\nobjective: x^2\nvars: [x]\nstart: {__class__: 1}\n"
                              "learning_rate: 0.1\niterations: 2", "gd")}),
    Case("yaml-tag-apply", solve(), 2, "p.yaml:4:11: tags are not allowed: !!python/object/apply:os.system",
         files={"p.yaml": one(f'kind: derivative\nexpr: !!python/object/apply:os.system ["{TOUCH}"]')}),
    Case("yaml-tag-name", solve(), 2, "tags are not allowed: !!python/name:os.system",
         files={"p.yaml": one("kind: derivative\nexpr: !!python/name:os.system")}),
    Case("yaml-tag-binary", solve(), 2, "tags are not allowed: !!binary",
         files={"p.yaml": one("kind: derivative\nexpr: !!binary eF4y")}),
    Case("yaml-tag-verbatim", solve(), 2, "tags are not allowed: !!python/object/new:os.system",
         files={"p.yaml": one(f"kind: derivative\nexpr: !<tag:yaml.org,2002:python/object/new:os.system> "
                              f"['{TOUCH}']")}),
    Case("yaml-tag-whole-document", solve(), 2, "p.yaml:1:1: tags are not allowed",
         files={"p.yaml": f'!!python/object/apply:os.system ["{TOUCH}"]\n'}),
    Case("file-name-shell", ["solve", f"x;{TOUCH};.yaml"], 2,
         f"x;{TOUCH};.yaml:4:16: problem p: field 'expr' is not a valid expression",
         files={f"x;{TOUCH};.yaml": one("kind: derivative\nexpr: x^2 +")}),
    Case("file-name-substitution", ["solve", "$(touch canary.txt).yaml"], 0, "Answer: d/dx [x²] = 2x",
         files={"$(touch canary.txt).yaml": one("kind: derivative\nexpr: x^2")}, lines=0),
    Case("file-name-control-chars", ["solve", "a\nb\x1b[2J.yaml"], 2,
         "a\\x0ab\\x1b[2J.yaml:4:16: problem p: field 'expr'",
         files={"a\nb\x1b[2J.yaml": one("kind: derivative\nexpr: x^2 +")}),
    # ---- numeric bombs: refused before any work, or stopped with a sentence
    Case("power-tower-symbol", ["diff", "x**10**10**10"], 3, "(limit max_power_digits)", lines=3),
    Case("power-tower-number", ["diff", "9**9**9"], 3, "about 3.7e+08 digits", lines=3),
    Case("power-tower-caret", ["diff", "10^10^10"], 3, "(limit max_power_digits)", lines=3),
    Case("factorial", ["diff", "factorial(10**9)"], 2, "unknown function 'factorial'", lines=3),
    Case("decimal-exponent", ["diff", "1e999999999"], 3, "(limit max_decimal_exponent)", lines=3),
    Case("giant-literal", ["diff", "1" * 150], 3, "number has 150 digits, more than the limit 100", lines=3),
    Case("diff-order", ["diff", "x^2", "--order", "1000000"], 3,
         "problem diff: field 'order' is 1000000, more than the limit 20 (limit max_order)"),
    Case("taylor-order", ["taylor", "sin(x)", "--about", "x=0", "--order", "1000000"], 3,
         "field 'order' is 1000000, more than the limit 40 (limit max_series_order)"),
    Case("gd-iterations", solve(), 3,
         "problem gd: field 'iterations' is 10000000000, more than the limit 100000 (limit max_iterations)",
         files={"p.yaml": one(GD.format(lr="0.1", it="10000000000"), "gd")}),
    Case("gd-overflow", solve(), 2,
         "problem gd: diverged at iteration 5: the gradient overflowed at x = 1.21e225; try a smaller learning rate",
         files={"p.yaml": one(GD.format(lr="1000", it="100"), "gd")}),
    Case("monte-carlo-n-expression", solve(), 3,
         "problem mc: field 'n' is 1000000000000, more than the limit 1000000 (limit max_samples)",
         files={"p.yaml": one("kind: monte_carlo\nexpr: x^2\nwrt: x\nbounds: [0, 1]\nn: 10**12\nseed: 1", "mc")}),
    Case("monte-carlo-n", solve(), 3, "(limit max_samples)",
         files={"p.yaml": one("kind: monte_carlo\nexpr: x^2\nwrt: x\nbounds: [0, 1]\nn: 1000000000000\nseed: 1",
                              "mc")}),
    Case("constant-tower-one-off", ["diff", "e^(e^(e^100))*x"], 3,
         "the power is too large to compute (limit max_power_digits)", lines=3),
    Case("constant-tower-in-bounds", solve(), 3,      # was evaluated in the parent, outside any time budget
         "problem i: field 'bounds[1]' is too large: exp() of this number is too large to compute",
         files={"p.yaml": one('kind: integral\nexpr: x\nwrt: x\nbounds: [0, "sin(exp(exp(100)))"]', "i")}),
    Case("constant-tower-in-tolerance", solve(), 3, "problem t: field 'tolerance' is too large",
         files={"p.yaml": one('kind: derivative\nexpr: x\ntolerance: "exp(exp(exp(100)))"', "t")}),
    Case("answer-too-long-to-print", solve(), 3,
         "problem big: the answer holds a number with more than 4300 digits, too long to print",
         files={"p.yaml": one("kind: evaluate\nexpr: x^1000\nat: {x: 1e100}", "big")}),
    Case("timeout-nan", ["diff", "x", "--timeout", "nan"], 2, "--timeout must be a positive number of seconds"),
    Case("timeout-inf", ["diff", "x", "--timeout", "inf"], 2, "--timeout must be a positive number of seconds"),
    Case("memory-zero", ["diff", "x", "--memory", "0"], 2, "--memory must be a positive number of MiB"),
    Case("limit-negative", ["diff", "x", "--limit", "max_order=-5"], 2,
         "--limit max_order=-5: the value must be a whole number greater than 0"),
    Case("limit-nan-timeout", ["diff", "x", "--limit", "timeout=nan"], 2,
         "--limit timeout=nan: the value must be a number greater than 0"),
    Case("jobs-zero", ["solve", "p.yaml", "-j", "0"], 2, "-j/--jobs must be at least 1",
         files={"p.yaml": one("kind: derivative\nexpr: x^2")}),
    # ---- size and nesting bombs
    Case("expression-100kB", ["diff", "x+" * 50_000 + "x"], 3,
         "expression is 100001 characters long, more than the limit 2000", lines=3),
    Case("parentheses-10000-deep", ["diff", "(" * 10_000 + "x" + ")" * 10_000], 3,
         "(limit max_expression_chars)", lines=3),
    Case("parentheses-10000-deep-limits-raised",
         ["diff", "(" * 10_000 + "x" + ")" * 10_000, "--limit", "max_expression_chars=100000",
          "--limit", "max_nesting=100000"], 3, "expression is nested too deeply", lines=3),
    Case("parentheses-900-deep", ["diff", "(" * 900 + "x" + ")" * 900], 3,
         "expression is nested more than 50 levels deep (limit max_nesting)", lines=3),
    Case("yaml-expression-100kB", solve(), 3,
         "problem p: field 'expr' is not a valid expression: expression is 100001 characters long",
         files={"p.yaml": one("kind: derivative\nexpr: " + "x+" * 50_000 + "x")}),
    Case("yaml-expression-nodes", solve(), 3, "(limit max_expression_nodes)",
         files={"p.yaml": one("kind: derivative\nexpr: " + "2x+" * 600 + "1")}),
    Case("yaml-nested-1000", solve(), 3, "p.yaml:4:40: nesting is deeper than the limit of 32 levels",
         files={"p.yaml": one("kind: derivative\nexpr: " + "[" * 1000 + "]" * 1000)}),
    Case("yaml-billion-laughs", solve(), 2, "p.yaml:1:4: anchors and aliases are not allowed: &a",
         files={"p.yaml": LAUGHS}),
    Case("yaml-20MB", solve(), 3, "p.yaml:1:1: file is 20000000 bytes, more than the limit of 1000000 bytes",
         files={"p.yaml": 20_000_000}),
    Case("yaml-3000-problems-only-one", ["solve", "p.yaml", "--only", "p2999"], 0, "Answer: d/dx [x²] = 2x",
         files={"p.yaml": MANY}, lines=0),
    # ---- Unicode look-alikes
    Case("cyrillic-x", ["diff", "х^2"], 2, "unexpected character 'х' (CYRILLIC SMALL LETTER HA)", lines=3),
    Case("greek-omicron", ["diff", "cοs(x)"], 2, "unexpected character 'ο' (GREEK SMALL LETTER OMICRON)",
         lines=3),
    Case("fullwidth-x", ["diff", "ｘ^2"], 2, "(FULLWIDTH LATIN SMALL LETTER X)", lines=3),
    Case("zero-width-space", ["diff", "x\u200b^2"], 2, "unexpected character '\\u200b' (ZERO WIDTH SPACE)",
         lines=3),
    Case("rtl-override", ["diff", "\u202ex^2"], 2, "(RIGHT-TO-LEFT OVERRIDE)", lines=3),
    Case("arabic-indic-digit", ["diff", "٣x"], 2, "(ARABIC-INDIC DIGIT THREE)", lines=3),
    Case("escape-sequence", ["diff", "x + \x1b[2J"], 2, "unexpected character '\\x1b'", lines=3),
    Case("yaml-cyrillic-expr", solve(), 2,
         "p.yaml:4:11: problem p: field 'expr' is not a valid expression: unexpected character 'х'",
         files={"p.yaml": one("kind: derivative\nexpr: х^2")}),
    Case("yaml-cyrillic-var", solve(), 2, "problem p: field 'vars[0]' must be a variable name like x or w1, not 'х'",
         files={"p.yaml": one("kind: gradient\nexpr: x^2\nvars: [х]")}),
    Case("yaml-zero-width-in-id", solve(), 2, "problem #1: field 'id' must be letters, digits, - and _ only",
         files={"p.yaml": problem_file("  - id: \"a\u200bb\"\n    kind: derivative\n    expr: x^2\n")}),
    # ---- malformed numbers
    Case("number-double-dot", ["diff", "1..2"], 2, "a number cannot be followed by '.' (column 3)", lines=3),
    Case("number-e-alone-is-euler", ["diff", "1e"], 0, "constant rule: d/dx e = 0", lines=0),
    Case("number-hex", ["diff", "0x10"], 2, "hexadecimal, octal and binary numbers like 0x10 are not supported",
         lines=3),
    Case("number-leading-zero", ["diff", "012"], 2, "the number '012' has a leading zero", lines=3),
    Case("number-underscore", ["diff", "1_000"], 2, "a number cannot be followed by '_'", lines=3),
    Case("number-lone-dot", ["diff", "."], 2, "attribute access is not allowed", lines=3),
    Case("number-double-minus", ["diff", "--", "--"], 2, "the expression ends too early", lines=3),
    Case("number-1.5.2", ["diff", "1.5.2"], 2, "a number cannot be followed by '.' (column 4)", lines=3),
    Case("yaml-number-1e", solve(), 2, "problem gd: field 'learning_rate' must be a number, not '1e'",
         files={"p.yaml": one(GD.format(lr="1e", it="2"), "gd")}),
    Case("yaml-number-hex", solve(), 2, "field 'learning_rate' must be a number, not '0x10'",
         files={"p.yaml": one(GD.format(lr="0x10", it="2"), "gd")}),
    Case("yaml-number-underscore", solve(), 2, "field 'iterations' must be a whole number ≥ 1, not '1_000'",
         files={"p.yaml": one(GD.format(lr="0.1", it="1_000"), "gd")}),
    # ---- YAML that is not a problem file
    Case("yaml-duplicate-key", solve(), 2, "p.yaml:5:5: duplicate key 'expr' (first at line 4)",
         files={"p.yaml": one("kind: derivative\nexpr: x^2\nexpr: x^3")}),
    Case("yaml-merge-key", solve(), 2, "p.yaml:2:5: merge keys (<<) are not allowed",
         files={"p.yaml": problem_file("  - <<: {kind: derivative}\n    id: m\n    expr: x^2\n")}),
    Case("yaml-merge-alias", solve(), 2, "anchors and aliases are not allowed: &a",
         files={"p.yaml": "base: &a {kind: derivative}\n" + problem_file("  - <<: *a\n    id: m\n    expr: x\n")}),
    Case("yaml-two-documents", solve(), 2, "p.yaml:5:1: only one YAML document per file",
         files={"p.yaml": one("kind: derivative\nexpr: x^2") + "---\n" + one("kind: derivative\nexpr: x")}),
    Case("yaml-invalid-utf8", solve(), 2, "p.yaml:4:13: invalid UTF-8 byte 0xff",
         files={"p.yaml": b"problems:\n  - id: u\n    kind: derivative\n    expr: \"x\xff^2\"\n"}),
    Case("yaml-bom-in-middle", solve(), 2, "p.yaml:4:13: byte order mark U+FEFF is only allowed at the start",
         files={"p.yaml": one("kind: derivative\nexpr: \"x\ufeff^2\"")}),
    Case("yaml-bom-at-start", solve(), 0, "Answer: d/dx [x²] = 2x",
         files={"p.yaml": "\ufeff" + one("kind: derivative\nexpr: x^2")}, lines=0),
    Case("yaml-control-character", solve(), 2, "p.yaml:4:13: control character U+001B is not allowed",
         files={"p.yaml": one("kind: derivative\nexpr: \"x\x1b[2J\"")}),
    Case("yaml-tab-indent", solve(), 2, "p.yaml:2:1: invalid YAML: found character '\\t' that cannot start any token",
         files={"p.yaml": "problems:\n\t- id: t\n\t  kind: derivative\n\t  expr: x^2\n"}),
    Case("yaml-top-level-list", solve(), 2, "p.yaml:1:1: a problem file must be a mapping with a 'problems' list",
         files={"p.yaml": "- id: a\n  kind: derivative\n  expr: x^2\n"}),
    Case("yaml-problems-not-list", solve(), 2, "p.yaml:1:11: 'problems' must be a list of problems, not a mapping",
         files={"p.yaml": "problems: {id: a, kind: derivative}\n"}),
    Case("yaml-unknown-kind", solve(), 2, "p.yaml:3:11: problem p: unknown kind 'derivitive'; did you mean 'derivative'?",
         files={"p.yaml": one("kind: derivitive\nexpr: x^2")}),
    Case("yaml-unknown-field", solve(), 2, "p.yaml:5:5: problem p: unknown field 'exprr' for kind derivative; did you mean 'expr'?",
         files={"p.yaml": one("kind: derivative\nexpr: x^2\nexprr: x")}),
    Case("yaml-missing-field", solve(), 2, "p.yaml:2:5: problem p: missing field 'expr' (an expression like x^2 + 3x)",
         files={"p.yaml": one("kind: derivative")}),
    Case("yaml-wrong-type", solve(), 2, "problem p: field 'expr' must be an expression like x^2 + 3x, not a list",
         files={"p.yaml": one("kind: derivative\nexpr: [x]")}),
    Case("yaml-no-yes", solve(), 2, "p.yaml:7:20: problem gd: field 'learning_rate' must be a number, not 'no'",
         files={"p.yaml": one(GD.format(lr="no", it="yes"), "gd")}, lines=2),
    Case("yaml-date", solve(), 2, "problem gd: field 'start.x' must be a number, not '2020-01-01'",
         files={"p.yaml": one(GD.format(lr="0.1", it="2").replace("{x: 10}", "{x: 2020-01-01}"), "gd")}),
    Case("yaml-empty", solve(), 2, "p.yaml:1:1: the file is empty", files={"p.yaml": ""}),
    Case("yaml-syntax", solve(), 2, "p.yaml:2:1: invalid YAML: expected the node content", files={"p.yaml": "problems: [\n"}),
    Case("missing-file", solve("nowhere.yaml"), 2, "nowhere.yaml: cannot read the file: No such file or directory"),
    # ---- values that are not numbers: a sentence, exit 2
    Case("reciprocal-at-zero", solve(), 2, "problem r: 1/x is undefined at x = 0: 1/x divides by zero",
         files={"p.yaml": one("kind: evaluate\nexpr: 1/x\nat: {x: 0}", "r")}),
    Case("log-at-zero", solve(), 2, "problem l: ln(x) is undefined at x = 0: ln(x) is log(0)",
         files={"p.yaml": one("kind: evaluate\nexpr: log(x)\nat: {x: 0}", "l")}),
    Case("log-of-negative", solve(), 2, "problem l: the value of ln(x) at x = −2 is complex",
         files={"p.yaml": one("kind: evaluate\nexpr: log(x)\nat: {x: -2}", "l")}),
    Case("removable-singularity", solve(), 2,
         "problem r: (x² − 1)/(x − 1) is undefined at x = 1: 1/(x − 1) divides by zero; "
         "the singularity is removable: the limit there is 2",
         files={"p.yaml": one("kind: evaluate\nexpr: (x^2-1)/(x-1)\nat: {x: 1}", "r")}),
    Case("sqrt-of-negative", solve(), 2, "problem s: the value of √x at x = −1 is complex",
         files={"p.yaml": one("kind: evaluate\nexpr: sqrt(x)\nat: {x: -1}", "s")}),
    Case("derivative-pole", ["diff", "1/x", "--at", "x=0"], 2, "is undefined at x = 0"),
    Case("integral-across-pole", ["integrate", "1/x", "--from", "-1", "--to", "1"], 2,
         "the integral of 1/x from -1 to 1 diverges"),
    Case("integral-divergent-abs", ["integrate", "|x|", "--from=-inf", "--to=inf"], 2,
         "sympy cannot find the limit of the antiderivative as x → ∞; the integral may diverge"),
    Case("hessian-at-kink", ["hessian", "|x|", "--at", "x=0"], 2,
         "|x| is not differentiable at x = 0: the derivative from the left is −1, from the right is 1"),
    Case("critical-nowhere-real", ["critical", "sqrt(-x^2-1)"], 0, "no real critical points", lines=0),
    Case("lagrange-complex-candidate", ["lagrange", "log(x)", "--subject-to", "x^2 = 1"], 0,
         "Answer: maximum at x = 1: f = 0", lines=0),
    Case("relu-backprop", solve(), 0, "Backward pass",
         files={"p.yaml": one("kind: backprop\nlayers: [{weights: 1, activation: relu}]\ninput: 2\ntarget: 1\n"
                              "loss: mse\nlearning_rate: 0.1")}, lines=0),
    # ---- problems that hang or grow: stopped by the worker's budget
    Case("critical-huge-degree", ["critical", HUGE_POLY], 3, "calcai: error: gave up after 2 s"),
    Case("integral-no-closed-form", ["integrate", NO_CLOSED_FORM], 3, "calcai: error: gave up after 2 s"),
    Case("yaml-hang", solve(), 3, "p.yaml:2:5: problem slow: gave up after 2 s",
         files={"p.yaml": one(f"kind: critical_points\nexpr: {HUGE_POLY}", "slow")}),
    # stopped by the memory cap, or on a loaded machine by the time budget first: both exit 3
    # (the cap itself is tested deterministically in test_runner.py)
    # ---- calcai grade: a student's answers are untrusted text, the answers file a problem file's peer
    Case("grade-answer-injection", ["grade", "a.yaml", "--problems", "probs.yaml"], 1,
         "cannot read the answer: strings are not allowed (at column 12)",
         files={"probs.yaml": GRADE_PROBLEMS,
                "a.yaml": f'answers:\n  - {{problem: chain, answer: "__import__(\'os\').system(\'{TOUCH}\')"}}\n'},
         lines=0),
    Case("grade-answer-huge-exponent", ["grade", "a.yaml", "--problems", "probs.yaml"], 1,
         "exponent 999999999999 is larger than the limit 1000 (limit max_exponent)",
         files={"probs.yaml": GRADE_PROBLEMS, "a.yaml": 'answers:\n  - {problem: chain, answer: "x^999999999999"}\n'},
         lines=0),
    Case("grade-answers-tag", ["grade", "a.yaml", "--problems", "probs.yaml"], 2,
         "a.yaml:1:10: tags are not allowed: !!python/object/apply:os.system",
         files={"probs.yaml": GRADE_PROBLEMS, "a.yaml": f'answers: !!python/object/apply:os.system ["{TOUCH}"]\n'}),
    Case("grade-answers-laughs", ["grade", "a.yaml", "--problems", "probs.yaml"], 2,
         "anchors and aliases are not allowed",
         files={"probs.yaml": GRADE_PROBLEMS, "a.yaml": LAUGHS.replace(
             "problems:\n  - {id: lol, kind: derivative, expr: *i}", "answers:\n  - {problem: chain, answer: *i}")}),
    Case("grade-unknown-problem", ["grade", "a.yaml", "--problems", "probs.yaml"], 2,
         "a.yaml:2:15: answers[0]: no problem 'chian' in the problem files; did you mean 'chain'?",
         files={"probs.yaml": GRADE_PROBLEMS, "a.yaml": 'answers:\n  - {problem: chian, answer: "6x"}\n'}),
    # ---- calcai generate: parameters and conditions are read by calcai's parser, never run
    Case("generate-where-injection", ["generate", "t.yaml", "--count", "2", "--seed", "1"], 2,
         "problem t: where condition '__import__('os').system('touch canary.tx...' is not valid: "
         "strings are not allowed",
         files={"t.yaml": one(f"kind: derivative\nparams: {{a: {{int: [1, 3]}}}}\n"
                              f"where: [\"__import__('os').system('{TOUCH}') == 1\"]\nexpr: \"x^{{a}}\"", "t")}),
    Case("generate-param-injection", ["generate", "t.yaml", "--count", "2", "--seed", "1"], 2,
         "field 'params.a.choice[0]' is not a valid number or expression: strings are not allowed",
         files={"t.yaml": one(f"kind: derivative\nparams: {{a: {{choice: [\"__import__('os').system('{TOUCH}')\"]}}}}\n"
                              "expr: \"x + {a}\"", "t")}),
    Case("generate-where-unsatisfiable", ["generate", "t.yaml", "--count", "2", "--seed", "1"], 2,
         "t.yaml:5:13: problem t: where condition 'a > 10' was not met in 1000 draws of the parameters (a int 1..3)",
         files={"t.yaml": one("kind: derivative\nparams: {a: {int: [1, 3]}}\nwhere: [\"a > 10\"]\nexpr: \"x^{a}\"",
                              "t")}),
    Case("generate-unknown-parameter", ["generate", "t.yaml", "--count", "2", "--seed", "1"], 2,
         "problem t: '{b}' is not a parameter; the parameters are: a",
         files={"t.yaml": one("kind: derivative\nparams: {a: {int: [1, 3]}}\nexpr: \"x^{b}\"", "t")}),
    Case("generate-huge-count", ["generate", "t.yaml", "--count", "100000000", "--seed", "1"], 2,
         "--count must be from 1 to 1000, not 100000000",
         files={"t.yaml": one("kind: derivative\nparams: {a: {int: [1, 3]}}\nexpr: \"x^{a}\"", "t")}),
    Case("generate-hang", ["generate", "t.yaml", "--count", "2", "--seed", "1"], 3,
         "t.yaml:2:5: problem t: the variant a = 998 failed: gave up after 2 s",
         files={"t.yaml": one("kind: critical_points\nparams: {a: {int: [998, 999]}}\n"
                              f"expr: \"x^{{a}} + {HUGE_POLY}\"", "t")}),
    Case("memory-bomb", ["critical", "--timeout", "8", "(x+y+z+w)^1000", "--memory", "250"], 3,
         ("calcai: error: ran out of memory (limit 250 MiB)", "calcai: error: gave up after 8 s"),
         budget=8, timeout_option=False),
]

assert len(CASES) >= 60
assert len({c.id for c in CASES}) == len(CASES)


def _write(folder: Path, files: dict) -> None:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, int):
            with open(path, "wb") as f:          # a sparse file: the size check comes first
                f.write(b"problems:\n")
                f.truncate(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _with_timeout(case: Case) -> list:
    """--timeout 2 right after the command name (before any ``--``)."""
    if not case.timeout_option:
        return list(case.args)
    return [case.args[0], "--timeout", str(TIMEOUT), *case.args[1:]]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_adversarial_input(case, tmp_path):
    _write(tmp_path, case.files)
    before = _digest(tmp_path)
    done, seconds = calcai(_with_timeout(case), tmp_path)
    out, err = done.stdout, done.stderr

    assert done.returncode == case.code, f"exit {done.returncode}\nstdout: {out[-1500:]}\nstderr: {err[-1500:]}"
    assert "Traceback" not in out + err
    assert seconds < case.budget + MARGIN, f"took {seconds:.1f} s"
    assert not (tmp_path / CANARY).exists()
    assert _digest(tmp_path) == before, "an input file changed or a file appeared"
    assert len(err.splitlines()) == case.lines, err
    assert "\x1b" not in err and "\u202e" not in err and "\u200b" not in err
    lines = err.splitlines()
    if case.code == 0 or case.lines == 0:      # the verdict is on standard output (calcai grade: exit 1)
        assert case.says in out
    elif case.lines == 3:        # a parse error: the message, the expression, a caret under the column
        assert lines[0].startswith("calcai: error: ") and case.says in lines[0], err
        assert lines[2].strip() == "^" and len(lines[1]) <= 2 + 80
    else:
        alternatives = case.says if isinstance(case.says, tuple) else (case.says,)
        assert any(says in err for says in alternatives), err


def test_a_named_pipe_in_a_folder_is_not_read(tmp_path):
    """Opening a FIFO blocks until someone writes to it, before any time budget applies."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.mkfifo(shared / "a-pipe.yaml")
    _write(shared, {"b.yaml": one("kind: derivative\nexpr: x^2")})
    done, seconds = calcai(["solve", "--timeout", str(TIMEOUT), "shared"], tmp_path, timeout=30)
    assert done.returncode == 2 and seconds < TIMEOUT + MARGIN
    assert done.stderr == "shared/a-pipe.yaml: is not a regular file (a named pipe, socket or device); it was not read\n"
    assert "Answer: d/dx [x²] = 2x" in done.stdout


# ---------------------------------------------------------------- a hanging problem in a batch

GOOD_AND_SLOW = problem_file(f"""\
  - {{id: good-1, kind: derivative, expr: x^3}}
  - {{id: slow, kind: critical_points, expr: "{HUGE_POLY}"}}
  - {{id: good-2, kind: derivative, expr: sin(x)}}
  - {{id: good-3, kind: evaluate, expr: x^2, at: {{x: 3}}, expected: 9}}
""")
MORE_GOOD = problem_file("""\
  - {id: good-4, kind: derivative, expr: cos(x)}
""")
TITLES = ["Differentiate x³", "Differentiate sin(x)", "Evaluate x²", "Differentiate cos(x)"]


@pytest.mark.parametrize("files, jobs", [(["a.yaml"], "1"), (["a.yaml", "b.yaml"], "2")],
                         ids=["one-file-j1", "two-files-j2"])
def test_a_hanging_problem_does_not_stop_the_batch(tmp_path, files, jobs):
    _write(tmp_path, {"a.yaml": GOOD_AND_SLOW, "b.yaml": MORE_GOOD})
    done, seconds = calcai(["solve", "--timeout", str(TIMEOUT), "-j", jobs, *files], tmp_path)
    assert done.returncode == 3
    assert seconds < TIMEOUT + MARGIN
    assert done.stderr == "a.yaml:3:5: problem slow: gave up after 2 s\n"
    titles = TITLES[:3] if files == ["a.yaml"] else TITLES
    where = [done.stdout.find(t) for t in titles]
    assert -1 not in where and where == sorted(where), done.stdout      # every good one, in file order
    assert "Traceback" not in done.stdout + done.stderr


def test_a_hanging_problem_in_a_check_report_and_json(tmp_path):
    _write(tmp_path, {"a.yaml": GOOD_AND_SLOW, "b.yaml": MORE_GOOD})
    done, seconds = calcai(["check", "--timeout", str(TIMEOUT), "--format", "json", "a.yaml", "b.yaml"], tmp_path)
    assert done.returncode == 3 and seconds < TIMEOUT + MARGIN
    items = json.loads(done.stdout)
    assert [i["id"] for i in items] == ["good-1", "slow", "good-2", "good-3", "good-4"]
    assert items[1]["error"] == "gave up after 2 s" and items[1]["answer"] is None
    assert items[3]["check"]["status"] == "pass"
    assert done.stderr.splitlines() == ["a.yaml:3:5: problem slow: gave up after 2 s"]


# ---------------------------------------------------------------- --output: safe writes

PRACTICE = (ROOT / "problems" / "practice.yaml").read_text(encoding="utf-8")


def _leftovers(folder: Path) -> list:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_output_is_written_and_equals_standard_output(tmp_path):
    _write(tmp_path, {"p.yaml": PRACTICE})
    plain, _ = calcai(["solve", "p.yaml"], tmp_path)
    done, _ = calcai(["solve", "p.yaml", "--output", "out.txt"], tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == plain.stdout
    assert (tmp_path / "p.yaml").read_text(encoding="utf-8") == PRACTICE
    assert _leftovers(tmp_path) == []


def test_output_refuses_to_overwrite_without_force(tmp_path):
    _write(tmp_path, {"p.yaml": PRACTICE, "out.txt": "keep me\n"})
    done, seconds = calcai(["solve", "p.yaml", "--output", "out.txt"], tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "calcai: error: --output out.txt already exists; use --force to overwrite it\n"
    assert (tmp_path / "out.txt").read_text() == "keep me\n"
    assert seconds < 2, "refused before solving anything"
    done, _ = calcai(["solve", "p.yaml", "--output", "out.txt", "--force"], tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").startswith("Minimise x² + 4y²")
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("spelling", ["p.yaml", "./p.yaml", "link.yaml", "hard.txt", "sub/q.yaml"])
def test_output_never_writes_an_input_file_even_with_force(tmp_path, spelling):
    _write(tmp_path, {"p.yaml": PRACTICE})
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", {"q.yaml": PRACTICE})
    os.symlink("p.yaml", tmp_path / "link.yaml")
    os.link(tmp_path / "p.yaml", tmp_path / "hard.txt")
    before = _digest(tmp_path)
    done, _ = calcai(["solve", "p.yaml", "sub", "--output", spelling, "--force"], tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"calcai: error: --output {spelling} is one of the problem files being read; "
                           "calcai never writes to its input files (not even with --force)\n")
    assert _digest(tmp_path) == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("target, message", [
    ("missing/out.txt", "--output missing/out.txt: the folder it would go in does not exist"),
    (".", "--output . is a folder; give a file name"),
])
def test_output_to_a_place_that_cannot_hold_it(tmp_path, target, message):
    _write(tmp_path, {"p.yaml": PRACTICE})
    done, _ = calcai(["check", "p.yaml", "--output", target], tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"calcai: error: {message}\n"


def test_check_writes_its_report_and_keeps_the_exit_code(tmp_path):
    _write(tmp_path, {"p.yaml": one("kind: derivative\nexpr: x^4\nexpected: 5x^3", "wrong")})
    done, _ = calcai(["check", "p.yaml", "-o", "report.txt"], tmp_path)
    assert done.returncode == 1 and done.stdout == "" and done.stderr == ""
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert report.splitlines()[0].split() == ["id", "kind", "expected", "computed", "result"]
    assert "FAIL" in report and report.endswith("0 passed, 1 failed\n")


def test_output_on_a_terminal_is_plain_text(tmp_path, monkeypatch, capsys):
    """--format auto picks rich colour for a terminal, but the file is not one."""
    from calcai.cli import main

    _write(tmp_path, {"p.yaml": one("kind: derivative\nexpr: x^3")})
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["solve", str(tmp_path / "p.yaml"), "--output", str(tmp_path / "out.txt")]) == 0
    text = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert text.startswith("Differentiate x³ with respect to x\n") and "\x1b" not in text
    assert capsys.readouterr().out == ""


def test_write_is_atomic(tmp_path, monkeypatch):
    """The text goes to a temporary file in the same folder, is fsynced, then renamed; if the
    rename fails the old file is intact and the temporary file is gone."""
    from calcai import commands
    from calcai.errors import CalcaiError

    target = tmp_path / "out.txt"
    target.write_text("old\n")
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])

    def replace(src, dst):
        calls.append(("replace", os.path.dirname(src) == str(tmp_path), Path(src).read_text()))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    commands._write_atomically(str(target), "new\n", force=True)
    assert target.read_text() == "new\n"
    assert calls[0] == "fsync" and calls[1] == ("replace", True, "new\n")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(CalcaiError, match="cannot write --output .*out.txt: No space left on device"):
        commands._write_atomically(str(target), "newer\n", force=True)
    assert target.read_text() == "new\n"
    assert _leftovers(tmp_path) == []
    with pytest.raises(CalcaiError, match="already exists; use --force"):
        commands._write_atomically(str(target), "newer\n", force=False)
    assert target.read_text() == "new\n" and _leftovers(tmp_path) == []


# ---------------------------------------------------------------- internal errors and --debug

@pytest.fixture
def broken_solver(monkeypatch):
    """The derivative solver raises a bug; workers fork after this patch, so they see it."""
    from calcai import limits, solvers

    solvers._load_all()

    def boom(problem):
        raise ZeroDivisionError("boom from a test")

    monkeypatch.setitem(solvers.SOLVERS, "derivative", boom)
    monkeypatch.setenv("NO_COLOR", "1")
    yield
    limits.reset()


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_internal_error_in_a_worker(broken_solver, capsys, tmp_path, debug):
    from calcai.cli import main

    code = main(["diff", "x^2", "--format", "text"] + (["--debug"] if debug else []))
    out, err = capsys.readouterr()
    assert code == 4 and out == ""
    first = err.splitlines()[0]
    assert first.startswith("calcai: error: internal error: ZeroDivisionError: boom from a test. Please report it")
    if debug:
        assert "Traceback (most recent call last)" in err and 'raise ZeroDivisionError("boom from a test")' in err
    else:
        assert err == first + "\n" and first.endswith("; run again with --debug for the traceback")


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_internal_error_in_a_batch_names_the_problem(broken_solver, capsys, tmp_path, debug):
    from calcai.cli import main

    path = tmp_path / "p.yaml"
    path.write_text(problem_file("  - {id: good, kind: evaluate, expr: x^2, at: {x: 3}}\n"
                                 "  - {id: bad, kind: derivative, expr: x^2}\n"))
    code = main(["solve", str(path), "-j", "1"] + (["--debug"] if debug else []))
    out, err = capsys.readouterr()
    assert code == 4
    assert "Answer: value = 9" in out                      # the rest of the batch is solved
    first = err.splitlines()[0]
    assert first == (f"{path}:3:5: problem bad: internal error: ZeroDivisionError: boom from a test. "
                     "Please report it" + ("" if debug else "; run again with --debug for the traceback"))
    assert ("Traceback (most recent call last)" in err) == debug
    if not debug:
        assert len(err.splitlines()) == 1


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_internal_error_in_the_command_itself(monkeypatch, capsys, tmp_path, debug):
    from calcai import problems
    from calcai.cli import main

    def broken(paths):
        raise KeyError("no such thing")

    monkeypatch.setattr(problems, "load_many", broken)
    code = main(["solve", str(tmp_path)] + (["--debug"] if debug else []))
    out, err = capsys.readouterr()
    assert code == 4 and out == ""
    assert err.splitlines()[-1].startswith("calcai: internal error: KeyError: 'no such thing'. Please report it")
    if debug:
        assert err.startswith("Traceback (most recent call last)")
    else:
        assert len(err.splitlines()) == 1 and "--debug" in err
