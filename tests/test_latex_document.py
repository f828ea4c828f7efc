r"""LaTeX that compiles: every bundled problem's walkthrough is balanced, ASCII, nests lists no
deeper than LaTeX allows and uses only LaTeX2e, amsmath and amssymb macros; ``--standalone``
wraps it in a complete document. (pdflatex itself is not needed here: benchmarks/check_latex.py
compiles the whole document by hand where pdflatex is installed.)"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from calcai.render import latex as L
from calcai.render.latex import escape_text, latex_document, render_latex, tex_label
from calcai.solution import Equation, Section, Solution, Text

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------ the allow-list
#
# Written from the renderer's vocabulary (its tables in calcai/render/latex.py and what it
# writes around them) and sympy's LaTeX printer for the functions calcai knows, each checked
# against its source: "LaTeX2e for authors"/source2e and the LaTeX Companion's symbol tables
# for the kernel, the amsmath user's guide (amsldoc) and the amssymb symbol list (amsfonts).

LATEX2E = {
    # document structure and text
    "documentclass", "usepackage", "title", "author", "date", "maketitle", "section", "subsection",
    "paragraph", "item", "begin", "end", "textbf", "texttt", "textsuperscript", "textsubscript",
    "ensuremath", "hspace", "hline", "ldots", "textbullet", "textless", "textgreater", "textbar",
    "textasciicircum", "textasciitilde", "textbackslash", "quad", "qquad", "mathrm", "mathbf",
    "c", "r", "v",                                     # text accents: \c{c}, \r{a}, \v{s}
    # mathematics
    "frac", "sqrt", "left", "right", "limits", "partial", "nabla", "cdot", "cdots", "vdots", "ddots",
    "times", "approx", "leq", "geq", "neq", "infty", "to", "int", "sum", "prod", "in", "notin",
    "subset", "subseteq", "supseteq", "cup", "cap", "setminus", "emptyset", "propto", "ll", "gg",
    "langle", "rangle", "sim", "pm", "mp", "lceil", "rceil", "lfloor", "rfloor", "Rightarrow",
    "Leftrightarrow", "leftrightarrow", "leftarrow", "rightarrow", "mapsto", "forall", "exists",
    "equiv", "odot", "circ", "top", "surd", "backslash", "succeq", "preceq", "prime",
    "hat", "tilde", "bar", "dot",
    "log", "ln", "exp", "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth",
    "arcsin", "arccos", "arctan", "det", "lim", "max", "min", "sup", "inf", "arg",
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}
AMSMATH = {"text", "operatorname", "lVert", "rVert", "lvert", "rvert", "dfrac", "binom"}
AMSSYMB = {"mathbb"}
MACROS = LATEX2E | AMSMATH | AMSSYMB
# Control symbols: line break, spaces, escaped specials, \| and the text accents \' \` \" \^ \~ \=.
SYMBOLS = set("\\,:;! {}|_&%$#'`\"^~=")
ENVIRONMENTS = {"itemize", "tabular", "array",                       # LaTeX2e
                "align*", "matrix", "bmatrix", "pmatrix", "cases"}  # amsmath

_TOKEN = re.compile(r"\\begin\{([^{}]*)\}|\\end\{([^{}]*)\}|\\([A-Za-z]+)|\\(.)|([{}$%#])", re.S)


def latex_faults(tex: str) -> list:
    """What would stop LaTeX, as sentences: unbalanced braces, \\begin/\\end, $ and \\left/\\right,
    a raw % or #, lists nested deeper than four."""
    faults, stack = [], []
    lists = 0
    for m in _TOKEN.finditer(tex):
        begin, end, word, _symbol, char = m.groups()
        top = stack[-1] if stack else None
        if begin is not None:
            stack.append(("env", begin))
            lists += begin == "itemize"
            if lists > L.MAX_LIST_DEPTH:
                faults.append(f"itemize nested {lists} deep at {m.start()}")
        elif end is not None:
            if top != ("env", end):
                faults.append(f"\\end{{{end}}} at {m.start()} closes {top}")
                continue
            stack.pop()
            lists -= end == "itemize"
        elif word == "left":
            stack.append("\\left")
        elif word == "right":
            if top != "\\left":
                faults.append(f"\\right at {m.start()} closes {top}")
                continue
            stack.pop()
        elif char == "{":
            stack.append("{")
        elif char == "}":
            if top != "{":
                faults.append(f"}} at {m.start()} closes {top}")
                continue
            stack.pop()
        elif char == "$":
            if top == "$":
                stack.pop()
            else:
                stack.append("$")
        elif char in ("%", "#"):
            faults.append(f"raw {char} at {m.start()}")
    if stack:
        faults.append(f"never closed: {stack}")
    return faults


def macros_and_environments(tex: str) -> tuple[set, set, set]:
    words, symbols, envs = set(), set(), set()
    for m in _TOKEN.finditer(tex):
        begin, end, word, symbol, _char = m.groups()
        if begin is not None or end is not None:
            envs.add(begin if begin is not None else end)
        elif word is not None:
            words.add(word)
        elif symbol is not None:
            symbols.add(symbol)
    return words, symbols, envs


@pytest.mark.parametrize("tex, fault", [
    ("{a", "never closed"),
    ("a}", "closes None"),
    (r"\begin{itemize}\item x\end{align*}", r"\end{align*}"),
    ("$x", "never closed"),
    (r"$\left(x$", "never closed"),
    (r"$x\right)$", r"\right"),
    (r"{\left(x}\right)", "closes \\left"),
    ("50% off", "raw %"),
    ("#1", "raw #"),
    (r"\begin{itemize}" * 5 + r"\end{itemize}" * 5, "nested 5 deep"),
])
def test_the_checker_finds_what_would_stop_latex(tex, fault):
    assert any(fault in f for f in latex_faults(tex)), latex_faults(tex)


def test_the_checker_passes_balanced_latex():
    assert latex_faults(r"$\left\{x \text{ and $y$}\right.$ \{ \% \\ \begin{align*} a &= \left(b\right) \end{align*}") \
        == []


# ------------------------------------------------------------------ every bundled problem

@pytest.fixture(scope="module")
def bundled():
    """(problem id, LaTeX fragment) for every problem in problems/, solved in this process."""
    from calcai.problems import load_many
    from calcai.solvers import solve

    problems, errors = load_many([ROOT / "problems"])
    assert errors == [] and len(problems) >= 100
    return [(p.id, render_latex(solve(p))) for p in problems]


def test_every_bundled_problem_is_balanced_latex(bundled):
    faults = {pid: latex_faults(tex) for pid, tex in bundled}
    assert {pid: f for pid, f in faults.items() if f} == {}


def test_every_bundled_problem_is_ascii(bundled):
    raw = {pid: sorted({c for c in tex if not c.isascii()}) for pid, tex in bundled}
    assert {pid: chars for pid, chars in raw.items() if chars} == {}


def test_every_bundled_problem_uses_only_latex2e_amsmath_and_amssymb(bundled):
    words, symbols, envs = set(), set(), set()
    for _pid, tex in bundled:
        w, s, e = macros_and_environments(tex)
        words, symbols, envs = words | w, symbols | s, envs | e
    assert words - MACROS == set()
    assert symbols - SYMBOLS == set()
    assert envs - ENVIRONMENTS == set()
    assert {"frac", "partial", "text", "operatorname", "mathbb"} <= words     # the walk sees them
    assert {"align*", "itemize", "matrix"} <= envs


def test_the_renderers_tables_use_only_allowed_macros():
    emitted = [*L._SYMBOL_TEX.values(), *L._GREEK_TEX.values(), *L._ACCENTS.values(), *L._TEXT_SPECIALS.values(),
               *L._TEXT_TEX.values(), *L._TEXT_ACCENTS.values(), *L.SEPARATORS_TEX.values(),
               *L.RELATIONS_TEX.values(), *(f"\\{op}" for op in L._OPERATORS)]
    words, symbols, _envs = macros_and_environments(" ".join(emitted))
    assert words - MACROS == set() and symbols - SYMBOLS == set()


# ------------------------------------------------------------------ unicode in text and labels

@pytest.mark.parametrize("text, tex", [
    ("x ∈ ℝ^n, W ∈ ℝ^(m×n)",
     r"x \ensuremath{\in} \ensuremath{\mathbb{R}}\textsuperscript{n}, W \ensuremath{\in} "
     r"\ensuremath{\mathbb{R}}\textsuperscript{m\ensuremath{\times}n}"),
    ("the shape of the variable — entry (i, j)", "the shape of the variable --- entry (i, j)"),
    ("H ⪰ 0 or H ⪯ 0", r"H \ensuremath{\succeq} 0 or H \ensuremath{\preceq} 0"),
    ("diag(f′(z))", r"diag(f\ensuremath{'}(z))"),
    ("(−1)^k and a ^ b", r"(\ensuremath{-}1)\textsuperscript{k} and a \textasciicircum{} b"),
    ("Hölder, Fre\u0301chet", r'H\"{o}lder, Fr\'{e}chet'),
    ("中", r"\texttt{U+4E2D}"),
])
def test_unicode_text_becomes_ascii_latex(text, tex):
    assert escape_text(text) == tex


def test_unicode_labels_become_ascii_latex():
    assert tex_label("x ∈ ℝ") == r"x \in \mathbb{R}"
    assert tex_label("a — b") == r"a \text{---} b"
    assert tex_label("é") == r"\text{\'{e}}"


def test_steps_deeper_than_four_lists_stay_in_the_fourth():
    tex = L._itemize([(0, r"\item a"), (1, r"\item b"), (2, r"\item c"), (3, r"\item d"), (4, r"\item e"),
                      (5, r"\item f"), (1, r"\item g")])
    assert tex == "\n".join([
        r"\begin{itemize}",
        r"  \item a",
        r"  \begin{itemize}",
        r"    \item b",
        r"    \begin{itemize}",
        r"      \item c",
        r"      \begin{itemize}",
        r"        \item d",
        r"        \item[] \hspace*{1.5em}\textbullet~e",
        r"        \item[] \hspace*{3em}\textbullet~f",
        r"      \end{itemize}",
        r"    \end{itemize}",
        r"    \item g",
        r"  \end{itemize}",
        r"\end{itemize}"])
    assert latex_faults(tex) == []


# ------------------------------------------------------------------ complete documents

def _solution():
    x = sp.Symbol("x")
    return Solution(problem=None, title="σ on ℝ", sections=(Section("S", (
        Text("σ(x) ∈ (0, 1)"), Equation("y", x ** 2))),), answer=None)


def test_a_standalone_document_wraps_the_fragment():
    fragment = render_latex(_solution())
    document = render_latex(_solution(), standalone=True)
    assert document == ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n\n"
                        + fragment + "\n\\end{document}\n")
    assert document == latex_document([fragment])
    assert latex_faults(document) == [] and document.isascii()


def test_a_document_of_several_fragments_with_a_title():
    document = latex_document(["\\section*{A}\n", "\\section*{B}"], title="Calculus for AI — σ")
    assert document == ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
                        "\\title{Calculus for AI --- \\ensuremath{\\sigma}}\n\\author{}\n\\date{}\n"
                        "\\begin{document}\n\\maketitle\n\n\\section*{A}\n\n\\section*{B}\n\n\\end{document}\n")


def _calcai(*args):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "calcai", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def test_the_command_writes_a_standalone_document():
    one = _calcai("diff", "σ(x)", "--format", "latex", "--standalone")
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n\n"
                                 "\\section*{Differentiate \\ensuremath{\\sigma}(x) with respect to x}\n")
    assert one.stdout.endswith("\\end{align*}\n\n\\end{document}\n")
    batch = _calcai("solve", "problems/practice.yaml", "--format", "latex", "--standalone")
    assert batch.returncode == 0, batch.stderr
    text = batch.stdout
    assert text.count("\\documentclass") == 1 and text.count("\\begin{document}") == 1
    assert text.rstrip("\n").endswith("\\end{document}") and text.count("\\end{document}") == 1
    assert text.count("\\section*{") > 1 and latex_faults(text) == []


@pytest.mark.parametrize("args", [("diff", "x^2", "--standalone"), ("diff", "x^2", "--format", "markdown",
                                                                      "--standalone"),
                                  ("check", "problems/practice.yaml", "--format", "latex", "--standalone")])
def test_standalone_needs_latex_and_a_walkthrough(args):
    done = _calcai(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("calcai: error: --standalone goes with --format latex, "
                           "for calcai solve and the one-off commands\n")
