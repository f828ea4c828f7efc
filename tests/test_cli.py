"""The calcai command as a user meets it: exact output, exit codes, the JSON contract."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from calcai import parse

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "problems"


def calcai(*args, cwd=None):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=120)


SIGMOID_GOLDEN = """\
Differentiate σ(x) with respect to x
====================================

Rules
-----
sigmoid rule: d/dx σ(x) = σ(x)·(1 − σ(x))

Answer: d/dx [σ(x)] = σ(x)·(1 − σ(x))
"""

CHAIN_GOLDEN = """\
Differentiate (x² + 1)³ with respect to x
=========================================

Rules
-----
chain rule (u = x² + 1): d/dx (x² + 1)³ = 6x·(x² + 1)²
  power rule: d/du u³ = 3u²
  sum rule: d/dx (x² + 1) = 2x
    power rule: d/dx x² = 2x
    constant rule: d/dx 1 = 0

At the point
------------
At x = 2:
d/dx [(x² + 1)³] = 300

Answer: d/dx [(x² + 1)³] = 300
"""

SIGMOID_DEFINITION_GOLDEN = """\
Differentiate 1/(1 + e^(−x)) with respect to x
==============================================

Rules
-----
rewrite: d/dx (1/(1 + e^(−x))) = e^(−x)/(1 + e^(−x))² = σ(x)·(1 − σ(x))
  chain rule (u = 1 + e^(−x)): d/dx (1/(1 + e^(−x))) = e^(−x)/(1 + e^(−x))²
    power rule: d/du (1/u) = −1/u²
    sum rule: d/dx (1 + e^(−x)) = −e^(−x)
      constant rule: d/dx 1 = 0
      chain rule (v = −x): d/dx e^(−x) = −e^(−x)
        exp rule: d/dv e^v = e^v
        constant multiple rule: d/dx (−x) = −1
          variable rule: d/dx x = 1

Answer: d/dx [1/(1 + e^(−x))] = σ(x)·(1 − σ(x))
"""


@pytest.mark.parametrize("args, golden", [
    (["diff", "σ(x)"], SIGMOID_GOLDEN),
    (["diff", "(x^2+1)^3", "--at", "x=2"], CHAIN_GOLDEN),
    (["diff", "1/(1+e^(-x))"], SIGMOID_DEFINITION_GOLDEN),
])
def test_golden_walkthroughs(args, golden):
    done = calcai(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout == golden
    assert "\x1b" not in done.stdout


def test_x_to_the_x_uses_logarithmic_differentiation():
    done = calcai("diff", "x^x")
    assert done.returncode == 0
    assert "general power rule: d/dx x^x = x^x·(ln(x) + 1)" in done.stdout
    assert "product rule: d/dx x·ln(x) = ln(x) + 1" in done.stdout


@pytest.mark.parametrize("expr, rule", [("tanh(2x+1)", "chain rule (u = 2x + 1)"), ("max(0, x)", "relu rule")])
def test_activation_derivatives_give_steps(expr, rule):
    done = calcai("diff", expr)
    assert done.returncode == 0 and rule in done.stdout


def test_code_in_an_expression_is_refused_with_one_line_and_a_caret():
    done = calcai("diff", "__import__('os').system('true')")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "calcai: error: strings are not allowed (column 12)",
        "  __import__('os').system('true')",
        "             ^",
    ]


def test_one_off_commands():
    assert calcai("grad", "x^2 + y^2", "--at", "x=3,y=4").stdout.splitlines()[-1] == "Answer: ∇f = [6, 8]"
    assert calcai("integrate", "x^2", "--from", "0", "--to", "2").stdout.splitlines()[-1] == \
        "Answer: ∫[0, 2] x² dx = 8/3 ≈ 2.667"
    out = calcai("lagrange", "xy", "--subject-to", "x + y = 10", "--max").stdout
    assert out.splitlines()[-1] == "Answer: local maximum at x = 5, y = 5: f = 25"
    out = calcai("critical", "x^3 - 3x^2 + 2").stdout.splitlines()
    assert out[-2:] == ["Answer: x = 0: maximum", "        x = 2: minimum"]
    out = calcai("taylor", "e^x", "--about", "x=0", "--order", "3", "--at", "x=0.1").stdout
    assert "T = 6631/6000 ≈ 1.1051667" in out and "e^(1/10) ≈ 1.1051709" in out


def test_usage_errors_are_one_line_exit_2():
    done = calcai("diff")
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    done = calcai("integrate", "x", "--from", "0")
    assert done.returncode == 2
    assert done.stderr == "calcai: error: give both --from and --to for a definite integral, or neither\n"


def test_version_and_help():
    assert calcai("--version").stdout.startswith("calcai ")
    assert "Exit codes" in calcai("--help").stdout


def test_solve_practice_prints_three_walkthroughs():
    done = calcai("solve", "problems/practice.yaml")
    assert done.returncode == 0, done.stderr
    titles = [line for line, under in zip(done.stdout.splitlines(), done.stdout.splitlines()[1:])
              if under and set(under) == {"="}]
    assert len(titles) == 3
    assert done.stdout.count("Check: pass") == 3
    assert "x₂ = x₁ − α·∂f/∂x = 3.2 − 0.1·(2·3.2) = 3.2 − 0.1·6.4 = 2.56" in done.stdout


def test_backprop_walkthrough_reproduces_the_tutorial():
    out = calcai("solve", "problems/chain-rule.yaml", "--only", "backprop-two-layer").stdout
    for piece in ["z₁ = w₁·x + b₁ = 0.4·0.5 + 0.1 = 0.3", "a₁ = σ(z₁) = σ(0.3) = 0.5744",
                  "∂L/∂a₂ = 2·(a₂ − target) = 2·(0.6329 − 0.8) = −0.3342",
                  "new w₁ = w₁ − α·∂L/∂w₁ = 0.4 − 0.1·(−0.005695) = 0.4006",
                  "new b₂ = b₂ − α·∂L/∂b₂ = 0.2 − 0.1·(−0.07765) = 0.2078"]:
        assert piece in out
    forward, backward, update = (out.index(s) for s in ("Forward pass", "Backward pass", "Update"))
    assert forward < backward < update


def test_check_passes_on_every_bundled_problem():
    done = calcai("check", "problems/")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    last = done.stdout.splitlines()[-1]
    def ids(files):
        return sum(1 for f in files for line in f.read_text().splitlines() if line.lstrip().startswith("- id:"))

    count = ids(PROBLEMS.glob("*.yaml"))
    templates = ids((PROBLEMS / "exercises").glob("*.yaml"))     # exercise templates: no expected
    assert last == f"{count} passed, 0 failed, {templates} without expected values"
    assert count >= 50 and templates >= 28


BAD = """\
title: Bad file
problems:
  - id: a
    kind: gradient_decent
    objective: x^2
  - id: b
    kind: derivative
    expr: x^2 +
  - id: c
    kind: derivative
    expr: x^3
    order: ten
  - id: d
    kind: derivative
    exprr: x^3
  - id: ok
    kind: derivative
    expr: x^3
    expected: 3x^2
"""

GOOD = """\
problems:
  - id: g1
    kind: derivative
    expr: x^4
    expected: 4x^3
  - id: g2
    kind: derivative
    expr: x^4
    expected: 5x^3
"""


def test_file_errors_name_file_line_column_and_the_rest_is_still_solved(tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "good.yaml").write_text(GOOD)
    done = calcai("check", "bad.yaml", "good.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "bad.yaml:4:11: problem a: unknown kind 'gradient_decent'; did you mean 'gradient_descent'?",
        "bad.yaml:8:16: problem b: field 'expr' is not a valid expression: the expression ends too early: "
        "a number, name or '(' is missing",
        "bad.yaml:12:12: problem c: field 'order' must be a whole number ≥ 1, not 'ten'",
        "bad.yaml:13:5: problem d: missing field 'expr' (an expression like x^2 + 3x)",
        "bad.yaml:15:5: problem d: unknown field 'exprr' for kind derivative; did you mean 'expr'?",
    ]
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[2:-1] if line.strip()}
    assert rows["ok"].endswith("pass") and rows["g1"].endswith("pass")
    assert "FAIL" in rows["g2"]
    assert done.stdout.splitlines()[-1] == "2 passed, 1 failed"


def test_a_failed_check_exits_1(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    assert calcai("check", "good.yaml", cwd=tmp_path).returncode == 1
    assert calcai("solve", "good.yaml", cwd=tmp_path).returncode == 0


def test_json_contract():
    done = calcai("solve", "problems/", "--format", "json")
    assert done.returncode == 0
    items = json.loads(done.stdout)           # nothing else on stdout
    assert len(items) >= 50
    for item in items:
        assert set(item) == {"file", "id", "kind", "answer", "steps", "check"}
        assert item["check"]["status"] in ("pass", "fail", "none")
        assert isinstance(item["steps"], list)
    by_id = {i["id"]: i for i in items}
    gd = by_id["gd-practice-1"]["answer"]
    assert gd["final"] == {"x": 2.56, "y": 0.08}
    assert by_id["hessian-quadratic"]["answer"]["matrix"] == [[2, 1], [1, 2]]
    expr = by_id["sigmoid-derivative"]["answer"]
    assert isinstance(expr, str)
    from calcai.functions import sigmoid
    import sympy as sp

    x = sp.Symbol("x", real=True)
    assert parse(expr) == sigmoid(x) * (1 - sigmoid(x))
    assert by_id["gd-practice-1"]["check"] == {"status": "pass", "details": by_id["gd-practice-1"]["check"]["details"]}
    assert all(d["ok"] for d in by_id["gd-practice-1"]["check"]["details"])


def test_kinds_lists_every_kind_and_shows_an_example():
    done = calcai("kinds")
    assert done.returncode == 0 and "gradient_descent" in done.stdout and "kl_divergence" in done.stdout
    one = calcai("kinds", "gradient_descent")
    assert "learning_rate" in one.stdout and "kind: gradient_descent" in one.stdout
    wrong = calcai("kinds", "gradient_decent")
    assert wrong.returncode == 2 and "did you mean 'gradient_descent'" in wrong.stderr


def test_every_kind_example_solves_and_passes():
    from calcai.kinds import KINDS
    from calcai.problems import loads
    from calcai.solvers import solve

    for name, kind in KINDS.items():
        problems = loads(kind.example, f"<{name} example>")
        assert problems, name
        for problem in problems:
            solution = solve(problem)
            assert solution.check.status == "pass", (name, solution.check)


def test_markdown_and_latex_outputs():
    md = calcai("diff", "σ(x)", "--format", "markdown").stdout
    assert md.startswith("#") and "\\sigma" in md
    tex = calcai("diff", "σ(x)", "--format", "latex").stdout
    assert "\\sigma" in tex and "\\begin" in tex


def test_a_variable_given_twice_in_a_point_is_refused():
    done = calcai("diff", "x^2", "--at", "x=1,x=2")
    assert done.returncode == 2
    assert done.stderr == "calcai: error: --at x=1,x=2: x is given twice\n"


# ------------------------------------------------------------------ start-up: import only what is needed

def _modules_after(code: str) -> set:
    """The modules loaded in a fresh interpreter after running ``code``."""
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_help_loads_neither_sympy_nor_rich_nor_yaml():
    loaded = _modules_after("from calcai.cli import main\n"
                            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert "calcai.cli" in loaded
    assert not {"sympy", "rich", "yaml", "calcai.commands", "multiprocessing"} & loaded


def test_a_text_derivative_loads_only_its_solver_and_renderer():
    loaded = _modules_after("import io, contextlib\nfrom calcai.cli import main\n"
                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                            "    assert main(['diff', 'x^2', '--format', 'text']) == 0")
    assert {"calcai.solvers.symbolic", "calcai.differentiation", "calcai.render.text"} <= loaded
    unneeded = {"rich", "rich.console", "calcai.render.rich_render", "calcai.render.latex", "calcai.render.jsonout",
                "calcai.render.markdown", "calcai.solvers.networks", "calcai.solvers.optimizers",
                "calcai.solvers.probability", "calcai.solvers.autodiff", "calcai.integrals", "calcai.series",
                "calcai.optimize", "calcai.check", "multiprocessing"}
    assert not unneeded & loaded


def test_commands_does_not_import_cli_and_exit_codes_live_in_errors():
    loaded = _modules_after("import calcai.commands")
    assert "calcai.cli" not in loaded
    from calcai import cli, errors

    for name in ("EXIT_OK", "EXIT_CHECK_FAILED", "EXIT_BAD_INPUT", "EXIT_LIMIT", "EXIT_INTERNAL"):
        assert getattr(cli, name) is getattr(errors, name)
    assert (errors.EXIT_OK, errors.EXIT_CHECK_FAILED, errors.EXIT_BAD_INPUT, errors.EXIT_LIMIT,
            errors.EXIT_INTERNAL) == (0, 1, 2, 3, 4)


def test_the_kind_to_module_map_matches_what_the_modules_register():
    from calcai import solvers
    from calcai.kinds import KINDS

    assert set(solvers.MODULE_OF) == set(KINDS)
    solvers._load_all()
    assert set(solvers.SOLVERS) == set(KINDS)
    for kind, module in solvers.MODULE_OF.items():
        assert solvers.SOLVERS[kind].__module__ == f"calcai.solvers.{module}", kind


_PRELOAD_PROBE = """
import os, sys
import sympy
from calcai.kinds import KINDS
from calcai.problems import loads
import calcai.check, calcai.render.text
from calcai import solvers
late = {}
for name, kind in KINDS.items():
    problems = loads(kind.example, "<example>")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        solvers.load_kinds([name])
        before = set(sys.modules)
        for problem in problems:
            solvers.solve(problem)
        os.write(w, " ".join(sorted(m for m in set(sys.modules) - before if m.startswith("calcai"))).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    late[name] = data.decode().split()
print(repr(late))
"""


def test_preloading_a_kind_imports_everything_its_solver_needs():
    """load_kinds runs before workers fork: a module a solver imports later would be imported
    again, cold, in every worker."""
    import ast

    done = subprocess.run([sys.executable, "-c", _PRELOAD_PROBE], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    late = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    from calcai.kinds import KINDS

    assert set(late) == set(KINDS)
    assert {kind: mods for kind, mods in late.items() if mods} == {}


# ------------------------------------------------------------------ batches in warm workers

def test_check_in_warm_workers_keeps_input_order_with_one_or_two_jobs(tmp_path):
    from calcai.problems import load

    lines = ["problems:"]
    for n in range(12):
        lines += [f"  - id: p{n:02d}", "    kind: derivative", f'    expr: "x^{n + 2}"',
                  f'    expected: "{n + 2}x^{n + 1}"']
    (tmp_path / "many.yaml").write_text("\n".join(lines) + "\n")
    ids = [p.id for p in load(tmp_path / "many.yaml")]
    outputs = []
    for jobs in ("1", "2"):
        done = calcai("check", "many.yaml", "-j", jobs, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        rows = [line.split()[0] for line in done.stdout.splitlines()[2:-1]]
        assert rows == ids
        assert done.stdout.splitlines()[-1] == "12 passed, 0 failed"
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


def test_a_problem_that_hangs_mid_batch_is_reported_and_the_rest_are_solved(tmp_path):
    (tmp_path / "mixed.yaml").write_text(
        "problems:\n"
        "  - {id: before, kind: derivative, expr: 'x^3', expected: '3x^2'}\n"
        "  - {id: huge, kind: integral, expr: 'e^(x^2)·sin(x^5)·cos(x^7)/(1+x^3)^(1/3)'}\n"
        "  - {id: after, kind: derivative, expr: 'x^4', expected: '4x^3'}\n")
    done = calcai("check", "mixed.yaml", "--timeout", "1", "-j", "1", cwd=tmp_path)
    assert done.returncode == 3
    assert done.stderr == "mixed.yaml:3:5: problem huge: gave up after 1 s\n"
    rows = [line.split()[0] for line in done.stdout.splitlines()[2:-1]]
    assert rows == ["before", "huge", "after"]
    assert done.stdout.splitlines()[-1] == "2 passed, 0 failed, 1 errors"
