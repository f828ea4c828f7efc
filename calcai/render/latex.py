r"""A walkthrough as a LaTeX fragment (no preamble), a complete document around fragments
(``render_latex(w, standalone=True)``, ``latex_document``), and the LaTeX math helpers Markdown
reuses.

Layout::

    \section*{Title}

    \subsection*{Section}

    A sentence.

    \begin{align*}
    f'(x) &= 3 x^{2} + 4 x
    \end{align*}

    \begin{itemize}
      \item \textbf{sum rule}: $\frac{d}{d x} \left(x^{3} + 2 x^{2} + 5\right) = 3 x^{2} + 4 x$
      \begin{itemize}
        \item \textbf{power rule}: $\frac{d}{d x} x^{3} = 3 x^{2}$
      \end{itemize}
    \end{itemize}

    \paragraph{Answer}
    \begin{align*} … \end{align*}

Mathematics is printed by sympy's LaTeX printer (activations print as σ, ReLU through their
``_latex`` methods) with floats rounded like ``format_number`` and ``\ln`` for natural logs.
Text is escaped, and unicode mathematics in it (σ, ², −, ≈, ℝ) becomes ``\ensuremath{…}``:
the output is ASCII, so it compiles with pdflatex without an input encoding. It uses only
LaTeX2e, amsmath and amssymb (``\mathbb``), and nests lists at most four deep (LaTeX's limit).
"""

from __future__ import annotations

import re
import unicodedata

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from ..numbers import INFINITY, MAX_EXACT_CHARS, UNDEFINED, approx, is_numeric, number_parts
from .text import (
    GREEK, INTEGRAL_RULE_LABELS, TABLE_MAX_EXACT, is_differential, is_integral_step, is_solve_step, is_step,
    is_step_work, is_summary, math_text, reader_order, rule_label, walk_solve_steps, walk_steps,
)

# ---------------------------------------------------------------- math


class TexPrinter(LatexPrinter):
    """sympy's LaTeX printer with textbook floats (4 significant digits) and ``\\ln``."""

    _default_settings = dict(LatexPrinter._default_settings, digits=4)

    def __init__(self, settings=None):
        merged = {"ln_notation": True}
        merged.update(settings or {})
        super().__init__(merged)

    def _as_ordered_terms(self, expr, order=None):
        return reader_order(super()._as_ordered_terms(expr, order=order))

    def _print_Float(self, expr):
        return decimal_tex(approx(expr, self._settings["digits"]))

    def _area_function(self, name, expr, exp=None):
        r"""\operatorname{arsinh}{\left(x \right)}, as the text output names the inverse hyperbolics."""
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"\operatorname{{{name}}}{power}{{\left({self._print(expr.args[0])} \right)}}"

    # -- matrix expressions (calcai.matrix)
    def _print_Determinant(self, expr, exp=None):
        out = rf"\det\left({self._print(expr.arg)}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, sympy.Inverse):
            inner = self._print(expr.arg.arg)
            if not isinstance(expr.arg.arg, sympy.MatrixSymbol):
                inner = rf"\left({inner}\right)"
            return inner + "^{-T}"
        return super()._print_Transpose(expr)

    def _print_AsNumber(self, expr, exp=None):     # a 1×1 used as a number: x^{T} a, \|v\|^{2}
        arg = expr.arg
        if isinstance(arg, sympy.MatMul) and len(arg.args) == 2 and isinstance(arg.args[0], sympy.Transpose) \
                and arg.args[0].arg == arg.args[1]:
            out = rf"\left\|{self._print(arg.args[1])}\right\|^{{2}}"
        else:
            out = self._print(arg)
        return out if exp is None else rf"\left({out}\right)^{{{exp}}}"

    def _print_ElementwiseApplyFunction(self, expr):
        from ..matrix.parse import elementwise_display

        name = elementwise_display(expr.function, latex=True) or self._print(expr.function)
        return rf"{name}\left({self._print(expr.expr)}\right)"

    def _print_MatrixSymbol(self, expr):        # δ (calcai.matrix.layer) as \delta
        if expr.name in _GREEK_TEX:
            return _GREEK_TEX[expr.name]
        return super()._print_MatrixSymbol(expr)

    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_OneMatrix(self, expr):
        return r"\mathbf{1}^{T}" if expr.shape[0] == 1 and expr.shape[1] != 1 else r"\mathbf{1}"

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self.parenthesize(a, 50) for a in expr.args)

    def _print_asinh(self, expr, exp=None):
        return self._area_function("arsinh", expr, exp)

    def _print_acosh(self, expr, exp=None):
        return self._area_function("arcosh", expr, exp)

    def _print_atanh(self, expr, exp=None):
        return self._area_function("artanh", expr, exp)


def decimal_tex(text: str) -> str:
    r"""A decimal from ``format_number`` in LaTeX: '1.105e-06' -> '1.105 \cdot 10^{-6}', '∞' -> '\infty'."""
    if text == UNDEFINED:
        return r"\text{undefined}"
    text = text.replace("−", "-").replace(INFINITY, r"\infty")
    return re.sub(r"(\d(?:\.\d+)?)e([+-])(\d+)",
                  lambda m: rf"{m.group(1)} \cdot 10^{{{'-' if m.group(2) == '-' else ''}{int(m.group(3))}}}",
                  text)


def latex_math(expr, digits: int = 4) -> str:
    """Math-mode LaTeX of a sympy object (Python numbers are converted first)."""
    if isinstance(expr, str):
        return tex_label(expr)
    if isinstance(expr, bool):
        return rf"\text{{{str(expr).lower()}}}"
    return TexPrinter({"digits": digits}).doprint(sympy.sympify(expr) if isinstance(expr, (int, float, complex)) else expr)


def latex_number(value, digits: int = 4, approximate: bool = True,
                 max_exact: int = MAX_EXACT_CHARS) -> str:
    r"""A number in LaTeX the way ``format_number`` prints it: '\frac{8}{3} \approx 2.667'."""
    exact, dec, is_approx = number_parts(value, digits)
    if exact is None:
        return (r"\approx " if is_approx else "") + decimal_tex(dec or "")
    exact_tex = latex_math(exact, digits)
    if dec is None or not approximate:
        return exact_tex
    if len(math_text(exact, digits)) > max_exact:
        return rf"\approx {decimal_tex(dec)}"
    return rf"{exact_tex} \approx {decimal_tex(dec)}"


def latex_value(value, digits: int = 4, approximate: bool = True,
                max_exact: int = MAX_EXACT_CHARS) -> str:
    """Math-mode LaTeX for any answer value: numbers, expressions, matrices, tuples, dicts, labels."""
    if value is None:
        return ""
    if isinstance(value, str):
        return tex_label(value)
    if is_numeric(value):
        return latex_number(value, digits, approximate, max_exact)
    if isinstance(value, dict):
        inner = ", ".join(f"{latex_value(k, digits)} = {latex_value(v, digits, approximate)}"
                          for k, v in value.items())
        return rf"\left\{{{inner}\right\}}"
    if isinstance(value, tuple):
        return r"\left(" + ", ".join(latex_value(v, digits, approximate) for v in value) + r"\right)"
    if isinstance(value, list):
        return r"\left[" + ", ".join(latex_value(v, digits, approximate) for v in value) + r"\right]"
    if is_step(value):
        return step_tex(value, digits=digits)[2]
    if is_solve_step(value):
        return shown_tex(value.shown, digits)
    return latex_math(value, digits)


# ---------------------------------------------------------------- unicode labels and text

_GREEK_TEX = {letter: "\\" + name for name, letter in GREEK.items()
              if name not in ("lamda", "Lamda", "omicron")}
_GREEK_TEX["ο"] = "o"
_SYMBOL_TEX = {
    "∂": r"\partial", "∇": r"\nabla", "·": r"\cdot", "⋅": r"\cdot", "×": r"\times",
    "−": "-", "≈": r"\approx", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "∞": r"\infty",
    "→": r"\to", "∫": r"\int", "√": r"\surd", "±": r"\pm", "∑": r"\sum", "′": "'",
    "″": "''", "∈": r"\in", "⊤": r"\top", "…": r"\ldots", "‖": r"\|", "∏": r"\prod",
    "⇒": r"\Rightarrow", "≡": r"\equiv", "⊙": r"\odot", "∘": r"\circ", "←": r"\leftarrow",
    "↦": r"\mapsto", "∀": r"\forall", "∃": r"\exists", "∉": r"\notin", "⊂": r"\subset",
    "∪": r"\cup", "∩": r"\cap", "∝": r"\propto", "≪": r"\ll", "≫": r"\gg", "⟨": r"\langle",
    "⟩": r"\rangle", "∼": r"\sim", "≔": ":=", "∓": r"\mp", "⌈": r"\lceil", "⌉": r"\rceil",
    "⌊": r"\lfloor", "⌋": r"\rfloor", "⪰": r"\succeq", "⪯": r"\preceq", "≽": r"\succeq", "≼": r"\preceq",
    "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "ℂ": r"\mathbb{C}",
    "⊆": r"\subseteq", "⊇": r"\supseteq", "∅": r"\emptyset", "⋯": r"\cdots", "⇔": r"\Leftrightarrow",
    "↔": r"\leftrightarrow", "∖": r"\setminus",
}
# Typographic characters of running text, in text mode (in a label: inside \text{...}).
_TEXT_TEX = {"—": "---", "–": "--", "‘": "`", "’": "'", "“": "``", "”": "''", "\u00a0": "~"}
# Latin letters with an accent in text (café, Hölder, Fréchet): the accent command and the letter.
_TEXT_ACCENTS = {"\u0301": "\\'", "\u0300": "\\`", "\u0308": '\\"', "\u0302": "\\^", "\u0303": "\\~",
                 "\u0327": "\\c", "\u030a": "\\r", "\u030c": "\\v", "\u0304": "\\="}
_ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0307": r"\dot"}
_BINARY = set("·⋅×≈≤≥≠→±∈⇒≡⊙←↦∉⊂∪∩∝≪≫∼∓⪰⪯≽≼⊆⊇⇔↔∖")
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁼ⁿⁱ⁽⁾ᵗᵀˣʸᵏᵐ", "0123456789-+=ni()tTxykm"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₋₊₌ᵢⱼₖₜₙₘₓₐₑₒₗₛₚₕ", "0123456789-+=ijktnmxaeolsph"))
_OPERATORS = {"sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "ln", "log", "exp", "max",
              "min", "arcsin", "arccos", "arctan", "det", "lim", "sup", "inf", "arg"}
_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "|": r"\textbar{}", "<": r"\textless{}",
                  ">": r"\textgreater{}"}


def _runs(text: str, table: dict, wrap) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] in table:
            j = i
            while j < len(text) and text[j] in table:
                j += 1
            out.append(wrap("".join(table[c] for c in text[i:j])))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _units(text: str):
    """(character, combining accent or None) pairs: 'ŷ' and 'y\u0302' both give ('y', '\u0302')."""
    chars = []
    for ch in unicodedata.normalize("NFC", text):
        d = unicodedata.normalize("NFD", ch)
        chars.extend(d if len(d) == 2 and d[1] in _ACCENTS else ch)
    i = 0
    while i < len(chars):
        if chars[i] in _ACCENTS:             # an accent with nothing before it
            i += 1
            continue
        accent = chars[i + 1] if i + 1 < len(chars) and chars[i + 1] in _ACCENTS else None
        yield chars[i], accent
        i += 2 if accent else 1


def _accented(ch: str, accent: str) -> str:
    base = _GREEK_TEX.get(ch, ch if ch.isalnum() else "")
    return f"{_ACCENTS[accent]}{{{base}}}"


def _other_char(ch: str) -> str:
    """Text-mode LaTeX for a character no table knows, in ASCII: an accented Latin letter
    with its accent command (é -> \\'{e}), anything else as its code point, ``U+4E2D``."""
    if ch.isascii():
        return ch
    base, *marks = unicodedata.normalize("NFD", ch)
    if base.isascii() and base.isalpha() and len(marks) == 1 and marks[0] in _TEXT_ACCENTS:
        return f"{_TEXT_ACCENTS[marks[0]]}{{{base}}}"
    return rf"\texttt{{U+{ord(ch):04X}}}"


_CARET = re.compile(r"\^(?:\(([^()]*)\)|(-?\d+|[A-Za-z]))")


def escape_text(text: str) -> str:
    r"""Text-mode LaTeX in ASCII: specials escaped, unicode mathematics as ``\ensuremath{…}``,
    dashes and quotes as TeX ligatures, other characters by :func:`_other_char`; an ASCII power
    (``ℝ^n``, ``ℝ^(m×n)``, ``e^(2x)``) is a ``\textsuperscript``."""
    text = str(text)
    out, last = [], 0
    for m in _CARET.finditer(text):
        out.append(_escape_plain(text[last:m.start()]))
        out.append(rf"\textsuperscript{{{_escape_plain(m.group(1) if m.group(1) is not None else m.group(2))}}}")
        last = m.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    out = []
    for ch, accent in _units(str(text)):
        if accent:
            out.append(rf"\ensuremath{{{_accented(ch, accent)}}}")
        elif ch in _TEXT_SPECIALS:
            out.append(_TEXT_SPECIALS[ch])
        elif ch in _GREEK_TEX:
            out.append(rf"\ensuremath{{{_GREEK_TEX[ch]}}}")
        elif ch in _SYMBOL_TEX:
            out.append(rf"\ensuremath{{{_SYMBOL_TEX[ch]}}}")
        elif ch in _TEXT_TEX:
            out.append(_TEXT_TEX[ch])
        elif ch in _SUPER or ch in _SUB:
            out.append(ch)                      # runs of them become \textsuperscript/\textsubscript below
        else:
            out.append(_other_char(ch))
    s = "".join(out)
    s = _runs(s, _SUPER, lambda t: rf"\textsuperscript{{{t}}}")
    return _runs(s, _SUB, lambda t: rf"\textsubscript{{{t}}}")


def tex_label(text: str) -> str:
    r"""A unicode label such as ``f'(x)``, ``∂L/∂w₁``, ``σ(z)`` or ``ŷ`` as math-mode LaTeX.

    A label made of words (``loss after step 1``) becomes ``\text{…}``; ASCII powers and
    indices with several characters get braces (``x^10`` -> ``x^{10}``, ``e^(2x)`` -> ``e^{2x}``)."""
    text = str(text)
    if re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", text):
        return rf"\text{{{escape_text(text)}}}"
    text = re.sub(r"([\^_])\(([^()]*)\)", r"\1{\2}", text)
    text = re.sub(r"([\^_])(-?\d+)", r"\1{\2}", text)
    out = []
    for ch, accent in _units(text):
        if accent:
            out.append(_accented(ch, accent))
        elif ch in _GREEK_TEX:
            out.append(_GREEK_TEX[ch] + " ")
        elif ch in _SYMBOL_TEX:
            tex = _SYMBOL_TEX[ch]
            if ch in _BINARY:
                out.append(f" {tex} ")
            else:
                out.append(tex + " " if tex.startswith("\\") else tex)
        elif ch in "#$%&":
            out.append("\\" + ch)
        elif ch == "~":
            out.append(r"\sim ")
        elif ch == "\\":
            out.append(r"\backslash ")
        elif ch.isascii() or ch in _SUPER or ch in _SUB:
            out.append(ch)
        else:
            out.append(rf"\text{{{_TEXT_TEX.get(ch) or _other_char(ch)}}}")
    s = "".join(out)
    s = _runs(s, _SUPER, lambda t: f"^{{{t}}}")
    s = _runs(s, _SUB, lambda t: f"_{{{t}}}")

    def word(m):
        w = m.group(0)
        if m.start() > 0 and s[m.start() - 1] == "\\":
            return w                      # a command we produced (\partial, \sigma)
        return f"\\{w} " if w in _OPERATORS else rf"\mathrm{{{w}}}"

    s = re.sub(r"[A-Za-z]{2,}", word, s)
    return re.sub(r" {2,}", " ", s).strip()


# ---------------------------------------------------------------- steps

def _wrt_list(wrt) -> list:
    return list(wrt) if isinstance(wrt, (tuple, list, sympy.Tuple)) else [wrt]


def derivative_tex(wrt, partial: bool = False, digits: int = 4) -> str:
    r"""'\frac{d}{d x}', '\frac{\partial}{\partial x}', '\frac{d^{2}}{d x^{2}}', …"""
    names = [latex_math(v, digits) for v in _wrt_list(wrt)]
    d = r"\partial" if partial else "d"
    n = len(names)
    if n == 1:
        return rf"\frac{{{d}}}{{{d} {names[0]}}}"
    if len(set(names)) == 1:
        return rf"\frac{{{d}^{{{n}}}}}{{{d} {names[0]}^{{{n}}}}}"
    return rf"\frac{{\partial^{{{n}}}}}{{" + " ".join(rf"\partial {v}" for v in names) + "}"


def operand_tex(expr, digits: int = 4) -> str:
    """An expression after d/dx or ∫, bracketed when it is a sum or a negation."""
    tex = latex_math(expr, digits)
    if isinstance(expr, sympy.Basic) and precedence(expr) < PRECEDENCE["Mul"]:
        tex = rf"\left({tex}\right)"
    return tex


def _term_tex(term, digits: int) -> str:
    """A term of a line of working: 'e^{x} \\, dx', '\\left(x + 1\\right) \\, dx', 'dx', or an expression."""
    if is_differential(term):
        var = latex_math(term.wrt, digits)
        if term.expr == 1:
            return f"d{var}"
        tex = latex_math(term.expr, digits)
        return rf"\left({tex}\right) \, d{var}" if getattr(term.expr, "is_Add", False) else rf"{tex} \, d{var}"
    return latex_math(term, digits)


def work_tex(node, digits: int = 4) -> str:
    """The equations of a line of working in LaTeX, separated by commas."""
    return r",\quad ".join(" = ".join(_term_tex(t, digits) for t in eq) for eq in node.equations)


def step_tex(node, partial: bool = False, digits: int = 4) -> tuple[str, str, str]:
    """(rule label, chain note in LaTeX or '', body in LaTeX) of one step (a line of working:
    its label, possibly '', '' and its equations)."""
    if is_step_work(node):
        return node.label, "", work_tex(node, digits)
    integral = is_integral_step(node)
    if integral:
        var = " ".join(latex_math(v, digits) for v in _wrt_list(node.wrt))

        def show(e):
            return rf"\int {operand_tex(e, digits)} \, d{var}"
    else:
        op = derivative_tex(node.wrt, partial, digits)

        def show(e):
            return f"{op} {operand_tex(e, digits)}"
    pieces = [show(node.expr)]
    expanded = getattr(node, "expanded", None)
    if expanded is not None:            # the expression rewritten before the rule applies
        pieces.append(show(expanded))
    before = getattr(node, "before", None)
    if before is not None:              # a rewrite: the result before it was tidied
        pieces.append(latex_math(before, digits))
    if node.result is not None:
        pieces.append(latex_math(node.result, digits))
    note = ""
    inner = getattr(node, "inner", None)
    if inner is not None:
        u = getattr(node, "u", None)
        note = f"{'u' if u is None else latex_math(u, digits)} = {latex_math(inner, digits)}"
    label = INTEGRAL_RULE_LABELS.get(node.rule) if integral else None
    return label or rule_label(node.rule), note, " = ".join(pieces)


MAX_LIST_DEPTH = 4            # LaTeX's itemize nests four deep ("Too deeply nested" beyond)


def _itemize(items) -> str:
    """Nested itemize environments from ``(depth, item text)`` pairs in walk order. LaTeX
    nests lists four deep; a deeper step stays in the fourth list, indented by hand, with a
    bullet of its own (``\\item[] \\hspace*{1.5em}\\textbullet~…``)."""
    lines = [r"\begin{itemize}"]
    depth_open = 0
    for depth, item in items:
        shown = min(depth, MAX_LIST_DEPTH - 1)
        while depth_open < shown:
            lines.append("  " * (depth_open + 1) + r"\begin{itemize}")
            depth_open += 1
        while depth_open > shown:
            lines.append("  " * depth_open + r"\end{itemize}")
            depth_open -= 1
        if depth > shown:
            indent = 1.5 * (depth - shown)
            item = rf"\item[] \hspace*{{{indent:g}em}}\textbullet~" + item.removeprefix(r"\item ")
        lines.append("  " * (shown + 1) + item)
    while depth_open > 0:
        lines.append("  " * depth_open + r"\end{itemize}")
        depth_open -= 1
    lines.append(r"\end{itemize}")
    return "\n".join(lines)


def _step_item(n, partial, digits) -> str:
    label, note, body = step_tex(n, partial, digits)
    if is_step_work(n):                     # a line of working: its label in plain words
        head = f"{escape_text(label)}: " if label else ""
        return rf"\item {head}${body}$"
    note_tex = f" (${note}$)" if note else ""
    return rf"\item \textbf{{{escape_text(label)}}}{note_tex}: ${body}$"


def latex_step_tree(node, digits: int = 4) -> str:
    """Nested itemize environments, one item per step."""
    return _itemize((depth, _step_item(n, partial, digits)) for depth, n, partial in walk_steps(node))


# ---------------------------------------------------------------- equation-solving steps

SEPARATORS_TEX = {" ⇒ ": r" \Rightarrow ", " or ": r" \text{ or } ", " and ": r" \text{ and } ", ", ": ", ",
                  "; ": r"; \quad ", ": ": r": \quad ", " ": r" \ "}
RELATIONS_TEX = {"=": "=", "≠": r"\neq", "<": "<", ">": ">", "≤": r"\leq", "≥": r"\geq"}


def _bracketed_tex(expr, digits: int) -> str:
    tex = latex_math(expr, digits)
    if isinstance(expr, sympy.Basic) and precedence(expr) < PRECEDENCE["Mul"]:
        tex = rf"\left({tex}\right)"
    return tex


def plus_minus_tex(piece, digits: int = 4) -> str:
    r"""(c ± r)/d as ``\frac{3 \pm \sqrt{5}}{2}``; ±r as ``\pm \sqrt{2}``."""
    radius = _bracketed_tex(piece.radius, digits)
    if piece.center == 0:
        if piece.denominator == 1:
            return rf"\pm {radius}"
        return rf"\pm \frac{{{latex_math(piece.radius, digits)}}}{{{latex_math(piece.denominator, digits)}}}"
    body = rf"{latex_math(piece.center, digits)} \pm {radius}"
    if piece.denominator == 1:
        return body
    return rf"\frac{{{body}}}{{{latex_math(piece.denominator, digits)}}}"


def _solve_term_tex(term, digits: int) -> str:
    """A term of a solving step's working in LaTeX: ±-pieces or an expression."""
    if type(term).__name__ == "PlusMinus":
        return plus_minus_tex(term, digits)
    return latex_math(term, digits)


def shown_tex(piece, digits: int = 4) -> str:
    """The working of a solving step in math-mode LaTeX; words become ``\text{…}``."""
    if piece is None:
        return ""
    if isinstance(piece, str):
        return rf"\text{{{escape_text(piece)}}}"
    kind = type(piece).__name__
    if kind == "Relation":
        op = RELATIONS_TEX.get(piece.op, piece.op)
        return f" {op} ".join(_solve_term_tex(t, digits) for t in piece.terms)
    if kind == "Join":
        sep = SEPARATORS_TEX.get(piece.sep, rf"\text{{{escape_text(piece.sep)}}}")
        return sep.join(shown_tex(p, digits) for p in piece.parts)
    if isinstance(piece, (tuple, list)):
        return ", ".join(shown_tex(p, digits) for p in piece)
    return _solve_term_tex(piece, digits)


def solve_step_tex(node, digits: int = 4) -> tuple[str, str, str, str]:
    """(label as text, mathematics after the label, note, working), the last three in math mode."""
    return (str(node.label), shown_tex(getattr(node, "label_math", None), digits),
            shown_tex(getattr(node, "note", None), digits), shown_tex(node.shown, digits))


def _solve_item(n, digits) -> str:
    label, math, note, body = solve_step_tex(n, digits)
    return rf"\item \textbf{{{escape_text(label)}}}" + (f" ${math}$" if math else "") + \
        (f" (${note}$)" if note else "") + (f": ${body}$" if body else "")


def latex_solve_tree(node, digits: int = 4) -> str:
    """Nested itemize environments, one item per solving step."""
    return _itemize((depth, _solve_item(n, digits)) for depth, n in walk_solve_steps(node))


# ---------------------------------------------------------------- blocks

def equation_tex(eq, digits: int = 4, align: bool = False) -> str:
    """``lhs = via = rhs`` in LaTeX; with ``align`` the first '=' is '&='."""
    digits = getattr(eq, "digits", None) or digits
    parts = [] if eq.lhs is None else [latex_value(eq.lhs, digits)]
    if getattr(eq, "via", None) is not None:
        parts.append(latex_value(eq.via, digits))
    rhs = latex_value(eq.rhs, digits, approximate=getattr(eq, "approx", True))
    relation = "="
    if rhs.startswith(r"\approx ") and parts:          # 'x \approx 2', not 'x = \approx 2'
        relation, rhs = r"\approx", rhs[len(r"\approx "):]
    if not parts:
        return f"&{rhs}" if align else rhs
    terms = parts[1:] + [rhs]
    out = parts[0]
    for i, term in enumerate(terms):
        rel = relation if i == len(terms) - 1 else "="
        out += f"{' &' if align and i == 0 else ' '}{rel} {term}"
    return out


def summary_tex(item, digits: int = 4, align: bool = False) -> str:
    r"""A Summary: ``lhs = via = [first entries, \cdots]`` (a matrix: its first rows, then
    ``\vdots``), then its shape, norm and range in words; with ``align`` the first '=' is '&='."""
    def number(v):
        return latex_number(v, digits)

    cells = [[number(v) for v in row] for row in item.rows]
    if cells and len(cells[0]) < item.shape[-1]:
        cells = [row + [r"\cdots"] for row in cells]
    if len(item.shape) == 2 and len(item.rows) < item.shape[0]:
        width = len(cells[0]) if cells else 1
        cells.append([r"\vdots"] * (width - 1) + [r"\ddots" if cells and cells[0][-1] == r"\cdots" else r"\vdots"])
    body = r" \\ ".join(" & ".join(row) for row in cells)
    grid = rf"\begin{{bmatrix}} {body} \end{{bmatrix}}" + (r"^{\top}" if len(item.shape) == 1 else "")
    parts = [latex_value(p, digits) for p in (item.lhs, item.via) if p is not None]
    if len(item.shape) == 1:
        shape = rf"\text{{{item.shape[0]} entries, }}"
    else:
        shape = rf"{item.shape[0]} \times {item.shape[1]} \text{{ matrix, }}"
    name = latex_value(item.lhs, digits) if item.lhs is not None else ""
    words = (rf"\quad {shape} \lVert {name} \rVert = {number(item.norm)}"
             rf"\text{{, entries from }} {number(item.low)} \text{{ to }} {number(item.high)}")
    if not parts:
        return f"{'&' if align else ''}{grid} {words}"
    out = parts[0] + (" &= " if align else " = ") + " = ".join(parts[1:] + [grid])
    return f"{out} {words}"


def _cell_tex(value, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_text(value)
    return f"${latex_value(value, digits, max_exact=TABLE_MAX_EXACT)}$"


def latex_table(table, digits: int = 4) -> str:
    """A ``tabular`` with a rule under the headers."""
    rows = [list(r) for r in table.rows]
    ncols = max([len(table.headers)] + [len(r) for r in rows]) or 1
    lines = [rf"\begin{{tabular}}{{{'l' * ncols}}}", r"\hline"]
    if table.headers:
        lines.append(" & ".join(_cell_tex(h, digits) for h in table.headers) + r" \\")
        lines.append(r"\hline")
    for r in rows:
        cells = [_cell_tex(c, digits) for c in r] + [""] * (ncols - len(r))
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines)


def _is_equation(item) -> bool:
    return type(item).__name__ == "Equation" or (hasattr(item, "lhs") and hasattr(item, "rhs"))


def _blocks(items, digits: int) -> list[str]:
    blocks, equations = [], []

    def flush():
        if equations:
            body = " \\\\\n".join(summary_tex(e, digits, align=True) if is_summary(e)
                                    else equation_tex(e, digits, align=True) for e in equations)
            blocks.append("\\begin{align*}\n" + body + "\n\\end{align*}")
            equations.clear()

    for item in items:
        if _is_equation(item) or is_summary(item):
            equations.append(item)
            continue
        flush()
        if isinstance(item, str):
            blocks.append(escape_text(item))
        elif type(item).__name__ == "Text" and hasattr(item, "text"):
            blocks.append(escape_text(item.text))
        elif is_step(item):
            blocks.append(latex_step_tree(item, digits))
        elif is_solve_step(item):
            blocks.append(latex_solve_tree(item, digits))
        elif hasattr(item, "headers") and hasattr(item, "rows"):
            blocks.append(latex_table(item, digits))
        elif type(item).__name__ == "Section" and hasattr(item, "items"):
            blocks.append(rf"\paragraph{{{escape_text(item.title)}}}")
            blocks += _blocks(item.items, digits)
        else:
            blocks.append(f"${latex_value(item, digits)}$")
    flush()
    return blocks


def _check_value(value, digits: int) -> str:
    if isinstance(value, str):
        return rf"\texttt{{{escape_text(value)}}}"
    return f"${latex_value(value, digits)}$"


def render_latex(w, digits: int = 4, standalone: bool = False) -> str:
    """A walkthrough as a LaTeX fragment: sections, align*, itemize trees, tabulars, answer, check;
    with ``standalone``, a complete document around it (:func:`latex_document`)."""
    blocks = []
    title = getattr(w, "title", "") or ""
    if title:
        blocks.append(rf"\section*{{{escape_text(title)}}}")
    for section in getattr(w, "sections", ()) or ():
        if getattr(section, "title", ""):
            blocks.append(rf"\subsection*{{{escape_text(section.title)}}}")
        blocks += _blocks(getattr(section, "items", ()) or (), digits)
    final = tuple(getattr(w, "final", ()) or ())
    if final:
        blocks.append(r"\paragraph{Answer}")
        blocks += _blocks(final, digits)
    check = getattr(w, "check", None)
    status = getattr(check, "status", "none") if check is not None else "none"
    failed = [i for i in getattr(check, "items", ()) if not i.ok] if status == "fail" else []
    if failed:
        items = "\n".join(
            rf"  \item \texttt{{{escape_text(i.path)}}}: expected {_check_value(i.expected, digits)}, "
            rf"computed {_check_value(i.computed, digits)}"
            + (f" ({escape_text(i.message)})" if getattr(i, "message", "") else "")
            for i in failed)
        blocks.append("\\paragraph{Check} FAIL\n\\begin{itemize}\n" + items + "\n\\end{itemize}")
    elif status != "none":
        blocks.append(rf"\paragraph{{Check}} {escape_text('FAIL' if status == 'fail' else status)}")
    fragment = "\n\n".join(blocks) + "\n"
    return latex_document([fragment]) if standalone else fragment


# ---------------------------------------------------------------- documents

# What a fragment needs: amsmath (align*, \text, \operatorname, matrix, cases, \lVert) and
# amssymb (\mathbb). The output is ASCII, so no input encoding is declared.
LATEX_PACKAGES = ("amsmath", "amssymb")
LATEX_END = "\\end{document}\n"


def latex_preamble(title: str | None = None) -> str:
    r"""The start of a complete document, up to and including ``\begin{document}``; a
    ``title`` (plain text) is typeset with ``\maketitle``."""
    lines = [r"\documentclass{article}", rf"\usepackage{{{','.join(LATEX_PACKAGES)}}}"]
    if title:
        lines += [rf"\title{{{escape_text(title)}}}", r"\author{}", r"\date{}"]
    lines.append(r"\begin{document}")
    if title:
        lines.append(r"\maketitle")
    return "\n".join(lines) + "\n\n"


def latex_document(fragments, title: str | None = None) -> str:
    """A complete LaTeX document (article class, amsmath and amssymb) holding ``fragments``
    (from :func:`render_latex`), one after another; it compiles with pdflatex."""
    body = "\n".join(f if f.endswith("\n") else f + "\n" for f in fragments)
    return latex_preamble(title) + body + "\n" + LATEX_END


__all__ = ["render_latex", "latex_document", "latex_preamble", "LATEX_END", "LATEX_PACKAGES",
           "latex_math", "latex_number", "latex_value", "tex_label", "escape_text",
           "step_tex", "derivative_tex", "latex_step_tree", "latex_table", "equation_tex",
           "decimal_tex", "TexPrinter", "summary_tex", "shown_tex", "solve_step_tex", "latex_solve_tree",
           "plus_minus_tex", "work_tex"]
