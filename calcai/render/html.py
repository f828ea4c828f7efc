"""A walkthrough as HTML with presentation MathML, and whole self-contained pages.

``render_html(w)`` gives a fragment (one ``<article class="calcai">``)::

    <article class="calcai">
      <h2>Differentiate σ(x) with respect to x</h2>
      <section><h3>Rules</h3>
        <details open class="step leaf"><summary><span class="rule">sigmoid rule</span>:
          <math>…d/dx σ(x) = σ(x)(1 − σ(x))…</math></summary></details>
      </section>
      <div class="answer"><span class="label">Answer</span> <math display="block">…</math></div>
      <p class="check pass">✓ Check: pass</p>
    </article>

Rule trees are nested ``<details open>`` elements (open, so that a page prints in full), one
per step, the rule named in its ``<summary>``. Mathematics is presentation MathML printed by
sympy's MathML printer, taught calcai's notation (``MathMLPrinter``): the factor order and
the sum order of the text output (σ(x)(1 − σ(x)), x − μ), real minus signs, σ, ReLU and
calcai's other functions by their names, ``ln``, floats to 4 significant digits, w₁ as a
subscript. ``render_page(items, title)`` lays out many walkthroughs as one HTML5 page with
its CSS inline, a table of contents by file, no JavaScript and nothing fetched from a network.

Renderers never compute: a figure is SVG text the caller made (``figure=``, ``figures=``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

import sympy
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from ..numbers import INFINITY, MAX_EXACT_CHARS, UNDEFINED, approx, is_numeric, number_parts
from .text import (
    FUNCTION_NAMES, GREEK, fraction_parts, INTEGRAL_RULE_LABELS, MINUS, RELATIONS, TABLE_MAX_EXACT, MathTextPrinter, cell_text,
    is_differential, is_integral_step, is_solve_step, is_step, is_step_work, is_summary, math_text,
    reader_order, rule_label, summary_cells, symbol_text, summary_shape, walk_solve_steps, walk_steps,
)

INVISIBLE_TIMES = "\u2062"
_NAME_WITH_INDEX = re.compile(r"([A-Za-z]+)_?(\d+)")
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def esc(text) -> str:
    """Text escaped for HTML element content and attribute values."""
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------- MathML markup helpers

def _el(tag: str, *children: str, **attrs) -> str:
    attributes = "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    return f"<{tag}{attributes}>{''.join(children)}</{tag}>"


def mi(text, normal: bool = False) -> str:
    return _el("mi", esc(text), mathvariant="normal") if normal else _el("mi", esc(text))


def mn(text) -> str:
    return _el("mn", esc(text))


def mo(text) -> str:
    return _el("mo", esc(text))


def mtext(text) -> str:
    return _el("mtext", esc(text))


def mrow(*children: str) -> str:
    """Children grouped (one child stands alone)."""
    return children[0] if len(children) == 1 else _el("mrow", *children)


_TALL = ("<mfrac", "<mtable", "<msqrt", "<mroot", "<msubsup", "<munder", "<mover")


def fenced(inner: str, left: str = "(", right: str = ")") -> str:
    """``inner`` in brackets. Brackets stretch only around something tall (a fraction, a
    matrix, a root): a stretchy bracket takes its glyph from the math font's size variants,
    which sit wider apart (f ( x ) instead of f(x))."""
    if any(tag in inner for tag in _TALL):
        return _el("mrow", mo(left), inner, mo(right))
    return _el("mrow", _el("mo", esc(left), stretchy="false"), inner, _el("mo", esc(right), stretchy="false"))


def math_block(inner: str, display: bool = False) -> str:
    """A ``<math>`` element around MathML content (``display="block"`` for a display line)."""
    return f'<math display="block">{inner}</math>' if display else f"<math>{inner}</math>"


# ---------------------------------------------------------------- the printer

class MathMLPrinter(MathMLPresentationPrinter):
    """sympy's presentation MathML printer with calcai's notation (see the module docstring).

    Each ``_print_*`` returns a DOM element, as in sympy; ``markup(expr)`` gives the text."""

    _default_settings = dict(MathMLPresentationPrinter._default_settings, digits=4)

    def __init__(self, settings=None):
        super().__init__(settings)
        self._text = MathTextPrinter({"digits": self._settings["digits"]})

    # -- plumbing: build DOM nodes from markup written with the helpers above
    def _raw(self, markup: str):
        from xml.dom.minidom import parseString

        # The node keeps its own document: importing it would turn its text into sympy's
        # unescaped raw text nodes.
        return parseString(f"<r>{markup}</r>").documentElement.firstChild

    def markup(self, expr) -> str:
        return _numeric_entities(self._print(expr).toxml())

    def _m(self, expr) -> str:
        return self.markup(expr)

    # -- atoms
    def _print_Symbol(self, sym, style="plain"):
        name = sym.name
        m = _NAME_WITH_INDEX.fullmatch(name)
        if m:
            base, index = m.groups()
            return self._raw(_el("msub", mi(GREEK.get(base, base)), mn(index)))
        if name in GREEK or ("_" not in name and not any(c.isdigit() for c in name)
                             and not any(c in name for c in "^")):
            return self._raw(mi(GREEK.get(name, name)))
        return super()._print_Symbol(sym, style)

    _print_Dummy = _print_Symbol

    def _signed(self, text: str, markup: str) -> str:
        return mrow(mo(MINUS), markup) if text.startswith(("-", MINUS)) else markup

    def _print_Integer(self, e):
        if int(e.p).bit_length() > 10_000:
            return self._raw(decimal_mathml(approx(e, self._settings["digits"])))
        return self._raw(self._signed(str(e.p), mn(abs(int(e.p)))))

    def _print_int(self, p):
        return self._print_Integer(sympy.Integer(p))

    def _print_Rational(self, e):
        if e.q == 1:
            return self._print_Integer(sympy.Integer(e.p))
        frac = _el("mfrac", mn(abs(int(e.p))), mn(int(e.q)))
        return self._raw(self._signed(str(e.p), frac))

    def _print_Float(self, e):
        return self._raw(decimal_mathml(approx(e, self._settings["digits"])))

    def _print_Exp1(self, e):
        return self._raw(mi("e"))

    def _print_Pi(self, e):
        return self._raw(mi("π"))

    def _print_ImaginaryUnit(self, e):
        return self._raw(mi("i"))

    def _print_Infinity(self, e):
        return self._raw(mi("∞"))

    def _print_NegativeInfinity(self, e):
        return self._raw(mrow(mo(MINUS), mi("∞")))

    def _print_ComplexInfinity(self, e):
        return self._raw(mtext("undefined"))

    _print_NaN = _print_ComplexInfinity

    def _print_BooleanTrue(self, e):
        return self._raw(mtext("true"))

    def _print_BooleanFalse(self, e):
        return self._raw(mtext("false"))

    # -- sums: the text output's order, real minus signs
    def _print_Add(self, expr, order=None):
        terms = reader_order(self._as_ordered_terms(expr, order=order))
        out = []
        for i, term in enumerate(terms):
            if i and term.could_extract_minus_sign():
                out += [mo(MINUS), self._term(-term)]
            else:
                out += ([mo("+")] if i else []) + [self._term(term)]
        return self._raw(_el("mrow", *out))

    def _term(self, term) -> str:
        text = self._m(term)
        return fenced(text) if precedence(term) < PRECEDENCE["Add"] else text

    # -- products: the text output's factor order, fractions as mfrac
    def _print_Mul(self, expr):
        if not expr.is_commutative:
            return super()._print_Mul(expr)
        negative, num_coeff, den_coeff, numer, denom = fraction_parts(expr, split_lone_rational=False)
        out = self._product(None if num_coeff == 1 and numer else num_coeff, numer) or mn(1)
        if denom or den_coeff is not None:
            out = _el("mfrac", out, self._product(den_coeff, denom))
        return self._raw(mrow(mo(MINUS), out) if negative else out)

    def _product(self, coeff, factors) -> str:
        bracketed = any((f.base if f.is_Pow else f).is_Add for f in factors)
        factors = sorted(factors, key=lambda f: self._text._factor_group(f, bracketed))
        parts = ([coeff] if coeff is not None else []) + factors
        coeff_text = self._text._print(coeff) if coeff is not None else ""
        out, prev = [], None
        for k, f in enumerate(parts):
            text = self._m(f)
            if len(parts) > 1 and (precedence(f) < PRECEDENCE["Mul"] or f.is_Relational or f.is_Boolean):
                text = fenced(text)
            if k:                           # the text output's choice: 3x, 2·3ˣ, xy, x·sin(x), σ(x)·(1 − σ(x))
                if coeff is not None and k == 1:
                    first = self._text._factor_text(f)
                    dot = first[0].isdigit() or first[0] in "−-.{[" or "·" in coeff_text or self._text._is_word(f)
                else:
                    dot = not (self._text._is_simple(prev) and self._text._is_simple(f))
                out.append(mo("·") if dot else mo(INVISIBLE_TIMES))
            out.append(text)
            prev = f
        return mrow(*out) if out else ""

    # -- powers
    def _base(self, base) -> str:
        text = self._m(base)
        plain = (base.is_Symbol or (base.is_Integer and base >= 0) or base in (sympy.pi, sympy.E)
                 or (base.is_Float and base >= 0) or (base.is_Function and not isinstance(base, sympy.exp)))
        return text if plain else fenced(text)

    def _print_Pow(self, e):
        b, x = e.base, e.exp
        if x.is_Rational and x.is_negative and e.is_commutative:
            d = b if x == -1 else sympy.Pow(b, -x, evaluate=False)
            return self._raw(_el("mfrac", mn(1), self._m(d)))
        if x is sympy.S.Half:
            return self._raw(_el("msqrt", self._m(b)))
        if x.is_Rational and x.p == 1 and x.q > 2:
            return self._raw(_el("mroot", self._m(b), mn(int(x.q))))
        return self._raw(_el("msup", self._base(b), self._m(x)))

    def _print_exp(self, e):
        return self._raw(_el("msup", mi("e"), self._m(e.args[0])))

    # -- functions: calcai's names (σ, ReLU, ln, arsinh), arguments left at their default not shown
    def _function_name(self, func) -> str:
        name = getattr(func, "pretty_name", "") or FUNCTION_NAMES.get(func.__name__, func.__name__)
        m = re.fullmatch(r"(\D+?)([₀-₉]+)", name)           # log₂
        if m:
            return _el("msub", mi(m.group(1)), mn(m.group(2).translate(_SUBSCRIPT_DIGITS)))
        base, _, sub = name.partition("_")                    # GELU_tanh
        if sub:
            return _el("msub", mi(base), mi(sub))
        return mi(name)

    def _print_Function(self, e):
        shown = getattr(e, "shown_args", None)
        args = shown() if shown is not None else list(e.args)
        inner = _joined([self._m(a) for a in args], mo(","))
        return self._raw(mrow(self._function_name(e.func), fenced(inner)))

    def _print_Abs(self, e, exp=None):
        return self._raw(fenced(self._m(e.args[0]), "|", "|"))

    def _print_Heaviside(self, e):
        if len(e.args) == 2 and e.args[1] == 0:
            return self._raw(mrow(mi("step"), fenced(self._m(e.args[0]))))
        return self._print_Function(e)

    def _min_max(self, name, e):
        return self._raw(mrow(mi(name), fenced(_joined([self._m(a) for a in e.args], mo(",")))))

    def _print_Max(self, e):
        return self._min_max("max", e)

    def _print_Min(self, e):
        return self._min_max("min", e)

    def _print_Piecewise(self, e):
        rows = []
        for value, cond in e.args:
            when = mtext("otherwise") if cond is sympy.true else mrow(mtext("if\u00a0"), self._m(cond))
            rows.append(_el("mtr", _el("mtd", self._m(value)), _el("mtd", when)))
        return self._raw(_el("mrow", mo("{"), _el("mtable", *rows)))

    def _print_Relational(self, e):
        op = RELATIONS.get(e.rel_op, e.rel_op)
        return self._raw(_el("mrow", self._m(e.lhs), mo(op), self._m(e.rhs)))

    def _logic(self, e, word):
        parts = []
        for i, a in enumerate(e.args):
            text = self._m(a)
            parts += ([mtext(f"\u00a0{word}\u00a0")] if i else []) + [
                fenced(text) if isinstance(a, (sympy.And, sympy.Or)) else text]
        return self._raw(_el("mrow", *parts))

    def _print_And(self, e):
        return self._logic(e, "and")

    def _print_Or(self, e):
        return self._logic(e, "or")

    def _print_Not(self, e):
        return self._raw(mrow(mtext("not\u00a0"), self._m(e.args[0])))

    # -- calculus
    def _print_Derivative(self, e):
        counts = [(v, int(n)) for v, n in e.variable_count]
        wrt = tuple(v for v, n in counts for _ in range(n))
        partial = len(e.expr.free_symbols) > 1 or len({v for v, _ in counts}) > 1
        return self._raw(mrow(derivative_mathml(wrt, partial, self._settings["digits"]),
                              operand_mathml(e.expr, self._settings["digits"])))

    def _print_Integral(self, e):
        digits = self._settings["digits"]
        out = operand_mathml(e.function, digits)
        for limit in reversed(e.limits):
            var = self._m(limit[0])
            sign = mo("∫")
            if len(limit) == 3:
                sign = _el("msubsup", mo("∫"), self._m(limit[1]), self._m(limit[2]))
            out = mrow(sign, out, _el("mspace", width="0.17em"), mi("d", normal=True), var)
        return self._raw(out)

    # -- containers
    def _print_tuple(self, e):
        return self._raw(fenced(_joined([self._m(a) for a in e], mo(","))))

    _print_Tuple = _print_tuple

    # -- matrix expressions (calcai.matrix), as the text output writes them: Aᵀ(Ax − b), ‖x‖², ∂L/∂W
    def _print_MatrixSymbol(self, e):
        return self._raw(mi(symbol_text(e.name)))

    def _mat_factor(self, e) -> str:
        text = self._m(e)
        if isinstance(e, (sympy.MatAdd, sympy.HadamardProduct)) or (
                isinstance(e, sympy.MatMul) and e.as_coeff_matrices()[0] != 1):
            return fenced(text)
        return text

    def _print_MatAdd(self, e):
        out = []
        for i, term in enumerate(e.args):
            if term.could_extract_minus_sign():
                out += [mo(MINUS), self._m(-term)]
            else:
                out += ([mo("+")] if i else []) + [self._m(term)]
        return self._raw(_el("mrow", *out))

    def _print_MatMul(self, e):
        coeff, mats = e.as_coeff_matrices()
        dot = not all(len(m.name) == 1 for m in e.atoms(sympy.MatrixSymbol))
        body = _joined([self._mat_factor(m) for m in mats], mo("·") if dot else mo(INVISIBLE_TIMES))
        if coeff == 1:
            return self._raw(body)
        if coeff == -1:
            return self._raw(mrow(mo(MINUS), body))
        if not coeff.is_Integer or type(mats[0]).__name__ in ("DiagMatrix", "ElementwiseApplyFunction", "OneMatrix"):
            dot = True
        c = self._m(coeff)
        c = fenced(c) if isinstance(coeff, sympy.Add) else c
        return self._raw(mrow(c, mo("·") if dot else mo(INVISIBLE_TIMES), body))

    def _postfix(self, arg, mark: str) -> str:
        base = self._m(arg)
        if not isinstance(arg, (sympy.MatrixSymbol, sympy.Identity, sympy.OneMatrix)):
            base = fenced(base)
        return _el("msup", base, mark)

    def _print_Transpose(self, e):
        if isinstance(e.arg, sympy.Inverse):
            return self._raw(self._postfix(e.arg.arg, mrow(mo(MINUS), mi("T", normal=True))))
        return self._raw(self._postfix(e.arg, mi("T", normal=True)))

    def _print_Inverse(self, e):
        return self._raw(self._postfix(e.arg, mrow(mo(MINUS), mn(1))))

    def _print_MatPow(self, e):
        return self._raw(self._postfix(e.base, self._m(e.exp)))

    def _print_SquaredNormOf(self, e):
        return self._raw(_el("msup", fenced(self._m(e.operand), "‖", "‖"), mn(2)))

    def _print_Partial(self, e):
        inner = self._m(e.operand)
        if not isinstance(e.operand, sympy.MatrixSymbol):
            inner = fenced(inner)
        return self._raw(_el("mfrac", mrow(mi("∂"), mi("L")), mrow(mi("∂"), inner)))

    def _named(self, name: str, arg) -> str:
        return mrow(mi(name), fenced(self._m(arg)))

    def _print_Trace(self, e):
        return self._raw(self._named("tr", e.arg))

    def _print_Determinant(self, e):
        return self._raw(self._named("det", e.arg))

    def _print_DiagMatrix(self, e):
        return self._raw(self._named("diag", e.args[0]))

    def _print_AsNumber(self, e):
        arg = e.arg
        if isinstance(arg, sympy.MatMul) and len(arg.args) == 2 and isinstance(arg.args[0], sympy.Transpose) \
                and arg.args[0].arg == arg.args[1]:
            return self._raw(_el("msup", fenced(self._m(arg.args[1]), "‖", "‖"), mn(2)))
        return self._print(arg)

    def _print_HadamardProduct(self, e):
        return self._raw(_joined([self._mat_factor(a) for a in e.args], mo("⊙")))

    def _print_ElementwiseApplyFunction(self, e):
        from ..matrix.parse import elementwise_display

        name = elementwise_display(e.function)
        head = mi(name) if name else self._m(e.function)
        return self._raw(mrow(head, fenced(self._m(e.expr))))

    def _print_OneMatrix(self, e):
        one = mi("𝟙")
        return self._raw(_el("msup", one, mi("T", normal=True)) if e.shape[0] == 1 and e.shape[1] != 1 else one)

    def _print_Identity(self, e):
        return self._raw(mi("I"))

    def _print_ZeroMatrix(self, e):
        return self._raw(mn(0))

    # -- anything else: its one-line text
    def _print_Basic(self, e):
        return self._raw(mtext(math_text(e, self._settings["digits"])))


def _numeric_entities(text: str) -> str:
    """sympy writes some characters as HTML named entities (&InvisibleTimes;): make them
    characters, so that the markup is also well-formed XML; the invisible times stays a
    character reference, so that the source shows it."""
    from html.entities import html5

    def char(m):
        name = m.group(1)
        if name in ("amp", "lt", "gt", "quot", "apos"):
            return m.group(0)
        value = html5.get(name + ";")
        return esc(value) if value else m.group(0)

    return re.sub(r"&([A-Za-z][A-Za-z0-9]*);", char, text).replace(INVISIBLE_TIMES, "&#x2062;")


def expr_mathml(expr, digits: int = 4) -> str:
    """MathML content (no ``<math>``) for a sympy object; Python numbers are converted first.

    Anything the printer cannot lay out falls back to its one-line text in ``<mtext>``."""
    if isinstance(expr, bool):
        return mtext(str(expr).lower())
    if isinstance(expr, (int, float, complex)):
        expr = sympy.sympify(expr)
    try:
        return MathMLPrinter({"digits": digits}).markup(expr)
    except Exception:  # noqa: BLE001 - a printing gap must not lose the page
        return mtext(math_text(expr, digits))


def decimal_mathml(text: str) -> str:
    """A decimal from ``approx``/``format_number``: '−0.5', '1.105e-06' (1.105·10⁻⁶), '∞', 'undefined'."""
    if text == UNDEFINED:
        return mtext("undefined")
    text = text.replace(MINUS, "-")
    sign = text.startswith("-")
    body = text[1:] if sign else text
    m = re.fullmatch(r"(\d+(?:\.\d+)?)e([+-])(\d+)", body)
    if m:
        power = ("-" if m.group(2) == "-" else "") + str(int(m.group(3)))
        out = mrow(mn(m.group(1)), mo("·"), _el("msup", mn(10), _signed_mn(power)))
    elif body == INFINITY:
        out = mi("∞")
    elif re.fullmatch(r"\d+(?:\.\d+)?", body):
        out = mn(body)
    else:                                   # complex: '1 + 2i'
        return mtext(text.replace("-", MINUS))
    return mrow(mo(MINUS), out) if sign else out


def _signed_mn(text: str) -> str:
    return mrow(mo(MINUS), mn(text[1:])) if text.startswith("-") else mn(text)


# ---------------------------------------------------------------- labels: f'(x), ∂L/∂w₁, ∇f, ŷ

_ACCENT_MARKS = {"\u0302": "^", "\u0303": "~", "\u0304": "¯", "\u0307": "˙"}
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁼ⁿⁱ⁽⁾ᵗᵀˣʸᵏᵐ", "0123456789-+=ni()tTxykm"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₋₊₌ᵢⱼₖₜₙₘₓₐₑₒₗₛₚₕ", "0123456789-+=ijktnmxaeolsph"))
_OPERATOR_CHARS = set("=+−-·×/(),:;[]{}|‖≈≤≥≠→∈⊙∘⇒<>!±⋅←↦∑∏∫⟨⟩")
_PRIMES = {"'": "′", "′": "′", "″": "″"}
_WORDS = {"ln", "tr", "lg"}


def _label_tokens(text: str) -> list[str]:
    """MathML tokens of a unicode label; super- and subscript runs attach to the token before."""
    chars = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        chars.extend(d if len(d) == 2 and d[1] in _ACCENT_MARKS else ch)
    tokens: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch in _SUPER or ch in _SUB:
            table, tag = (_SUPER, "msup") if ch in _SUPER else (_SUB, "msub")
            j = i
            while j < len(chars) and chars[j] in table:
                j += 1
            script = "".join(table[c] for c in chars[i:j])
            inner = label_mathml(script) if not script.lstrip("-").isdigit() else _signed_mn(script)
            base = tokens.pop() if tokens else _el("mrow")
            tokens.append(_el(tag, base, inner))
            i = j
            continue
        if ch in "^_" and tokens and i + 1 < len(chars):
            j = i + 1
            if chars[j] == "(":
                depth, k = 0, j
                while k < len(chars):
                    depth += chars[k] == "("
                    depth -= chars[k] == ")"
                    if depth == 0:
                        break
                    k += 1
                script, i = "".join(chars[j + 1:k]), k + 1
            else:
                m = re.match(r"-?\d+|[A-Za-z]", "".join(chars[j:]))
                script = m.group(0) if m else chars[j]
                i = j + len(script)
            tokens.append(_el("msup" if ch == "^" else "msub", tokens.pop(), label_mathml(script)))
            continue
        if ch.isspace():
            i += 1
            continue
        if ch.isdigit():
            j = i
            while j < len(chars) and (chars[j].isdigit() or (chars[j] == "." and j + 1 < len(chars)
                                                                and chars[j + 1].isdigit())):
                j += 1
            tokens.append(mn("".join(chars[i:j])))
            i = j
            continue
        if ch.isascii() and ch.isalpha():
            j = i
            while j < len(chars) and chars[j].isascii() and (chars[j].isalpha() or (
                    chars[j] == "_" and j + 1 < len(chars) and chars[j + 1].isascii() and chars[j + 1].isalpha())):
                j += 1                                  # leaky_relu is one name
            run = "".join(chars[i:j])
            called = j < len(chars) and chars[j] == "("
            if len(run) == 2 and run[0] == "d" and i and chars[i - 1].isspace():     # p(x) dx
                tokens += [_el("mspace", width="0.17em"), mi("d", normal=True), mi(run[1])]
            elif len(run) == 2 and run not in _WORDS and not called:      # dL, xy: one letter each
                tokens += [mi(c) for c in run]
            else:
                tokens.append(mi(run))
            i = j
        elif ch in _PRIMES:
            tokens.append(mo(_PRIMES[ch]))
            i += 1
        elif ch in "()[]{}|‖":
            tokens.append(_el("mo", esc(ch), stretchy="false"))
            i += 1
        elif ch == "/":
            tokens.append(_el("mo", "/", lspace="0", rspace="0"))
            i += 1
        elif ch in "-−+±" and (not tokens or tokens[-1].startswith("<mo") and "′" not in tokens[-1]
                                and not tokens[-1].endswith((")</mo>", "]</mo>"))):
            tokens.append(_el("mo", MINUS if ch == "-" else ch, form="prefix"))     # a sign: −4, (−1)
            i += 1
        elif ch in _OPERATOR_CHARS:
            tokens.append(mo(MINUS if ch == "-" else ch))
            i += 1
        else:
            tokens.append(mi(ch))
            i += 1
        if i < len(chars) and chars[i] in _ACCENT_MARKS:
            tokens.append(_el("mover", tokens.pop(), mo(_ACCENT_MARKS[chars[i]]), accent="true"))
            i += 1
    return tokens


_PROSE = ("from", "to", "at", "of", "new", "and", "or", "if", "for", "with", "after", "step", "true", "value",
          "local", "maximum", "minimum", "updated", "error", "errors", "total", "otherwise")
_PROSE_RUN = re.compile(r"((?<![A-Za-z])(?:" + "|".join(_PROSE) + r")(?![A-Za-z(_])(?:\s+|$))+")


def _mixed_tokens(text: str) -> list[str]:
    """A label of mathematics and words (∫ p(x) dx (from 0 to 1), f (true value), new w₁):
    the words as text, spaced; the rest as mathematics."""
    out = []
    for k, part in enumerate(_PROSE_RUN.split(text)):
        if not part:
            continue
        if k % 2:                                         # a run of words
            words = " ".join(part.split())
            lead = "\u00a0" if out and not out[-1].endswith(("(</mo>", "[</mo>")) else ""
            out.append(mtext(lead + words + "\u00a0"))
        else:
            out += _label_tokens(part)
    return out


def label_mathml(text: str) -> str:
    """A unicode label (``f'(x)``, ``∂L/∂w₁``, ``σ(z)``, ``ŷ``, ``x^10``) as MathML content;
    a label of words (``loss after step 1``, ``eigenvalues``) as ``<mtext>``."""
    text = str(text)
    if re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", text) or re.fullmatch(r"[A-Za-z]{3,}", text):
        return mtext(text)
    m = re.fullmatch(r"([∂d][^/()\[\]\s]*)/([∂d][^/()\[\]\s]*)", text)     # ∂f/∂x, dy/dt, ∂²f/∂x∂y
    if m:
        return _el("mfrac", label_mathml(m.group(1)), label_mathml(m.group(2)))
    tokens = _mixed_tokens(text)
    return mrow(*tokens) if tokens else ""


# ---------------------------------------------------------------- values and numbers

def number_mathml(value, digits: int = 4, approximate: bool = True, max_exact: int = MAX_EXACT_CHARS) -> str:
    """A number the way ``format_number`` prints it: 8/3 ≈ 2.667 as a fraction, ≈ and a decimal."""
    exact, dec, is_approx = number_parts(value, digits)
    if exact is None:
        return (mo("≈") if is_approx else "") + decimal_mathml(dec or "")
    exact_ml = expr_mathml(exact, digits)
    if dec is None or not approximate:
        return exact_ml
    if len(math_text(exact, digits)) > max_exact:
        return mo("≈") + decimal_mathml(dec)
    return exact_ml + mo("≈") + decimal_mathml(dec)


def value_mathml(value, digits: int = 4, approximate: bool = True, max_exact: int = MAX_EXACT_CHARS) -> str:
    """MathML content for any answer value: numbers, expressions, matrices, tuples, dicts, labels."""
    if value is None:
        return ""
    if isinstance(value, str):
        return label_mathml(value)
    if is_numeric(value):
        return number_mathml(value, digits, approximate, max_exact)

    def seq(values, left, right):
        inner = []
        for i, v in enumerate(values):
            inner += ([mo(",")] if i else []) + [value_mathml(v, digits, approximate)]
        return fenced(mrow(*inner) if inner else "", left, right)

    if isinstance(value, dict):
        inner = []
        for i, (k, v) in enumerate(value.items()):
            inner += ([mo(",")] if i else []) + [value_mathml(k, digits), mo("="),
                                                 value_mathml(v, digits, approximate)]
        return fenced(mrow(*inner) if inner else "", "{", "}")
    if isinstance(value, tuple):
        return seq(value, "(", ")")
    if isinstance(value, list):
        return seq(value, "[", "]")
    if is_step(value):
        return step_mathml(value, digits=digits)[2]
    if is_solve_step(value):
        return shown_mathml(value.shown, digits)
    return expr_mathml(value, digits)


# ---------------------------------------------------------------- steps

def _wrt_list(wrt) -> list:
    return list(wrt) if isinstance(wrt, (tuple, list, sympy.Tuple)) else [wrt]


def derivative_mathml(wrt, partial: bool = False, digits: int = 4) -> str:
    """d/dx, ∂/∂x, d²/dx², ∂²/∂x∂y as fractions."""
    names = [expr_mathml(v, digits) for v in _wrt_list(wrt)]
    d = mi("∂") if partial else mi("d", normal=True)
    n = len(names)
    if n == 1:
        return _el("mfrac", d, mrow(d, names[0]))
    if len(set(names)) == 1:
        return _el("mfrac", _el("msup", d, mn(n)), mrow(d, _el("msup", names[0], mn(n))))
    return _el("mfrac", _el("msup", mi("∂"), mn(n)), mrow(*[mrow(mi("∂"), v) for v in names]))


def operand_mathml(expr, digits: int = 4) -> str:
    """An expression after d/dx or ∫, bracketed when it is a sum or a negation."""
    text = expr_mathml(expr, digits)
    if isinstance(expr, sympy.Basic) and precedence(expr) < PRECEDENCE["Mul"]:
        text = fenced(text)
    return text


def _differential(var: str) -> str:
    return mrow(mi("d", normal=True), var)


def _term_mathml(term, digits: int) -> str:
    """A term of a line of working: eˣ dx, (x + 1) dx, dx, or an expression."""
    if is_differential(term):
        var = expr_mathml(term.wrt, digits)
        if term.expr == 1:
            return _differential(var)
        text = expr_mathml(term.expr, digits)
        if getattr(term.expr, "is_Add", False):
            text = fenced(text)
        return mrow(text, _el("mspace", width="0.17em"), _differential(var))
    return expr_mathml(term, digits)


def _joined(pieces, sep: str) -> str:
    out = []
    for i, p in enumerate(pieces):
        out += ([sep] if i else []) + [p]
    return mrow(*out) if out else ""


def work_mathml(node, digits: int = 4) -> str:
    """The equations of a line of working, separated by commas."""
    return _joined([_joined([_term_mathml(t, digits) for t in eq], mo("=")) for eq in node.equations],
                   mrow(mo(","), _el("mspace", width="1em")))


def step_mathml(node, partial: bool = False, digits: int = 4) -> tuple[str, str, str]:
    """(rule label, chain note as MathML or '', body as MathML) of one step."""
    if is_step_work(node):
        return node.label, "", work_mathml(node, digits)
    integral = is_integral_step(node)
    if integral:
        var = mrow(*[expr_mathml(v, digits) for v in _wrt_list(node.wrt)])

        def show(e):
            return mrow(mo("∫"), operand_mathml(e, digits), _el("mspace", width="0.17em"), _differential(var))
    else:
        op = derivative_mathml(node.wrt, partial, digits)

        def show(e):
            return mrow(op, operand_mathml(e, digits))
    pieces = [show(node.expr)]
    expanded = getattr(node, "expanded", None)
    if expanded is not None:
        pieces.append(show(expanded))
    before = getattr(node, "before", None)
    if before is not None:
        pieces.append(expr_mathml(before, digits))
    if node.result is not None:
        pieces.append(expr_mathml(node.result, digits))
    note = ""
    inner = getattr(node, "inner", None)
    if inner is not None:
        u = getattr(node, "u", None)
        note = mrow(mi("u") if u is None else expr_mathml(u, digits), mo("="), expr_mathml(inner, digits))
    label = INTEGRAL_RULE_LABELS.get(node.rule) if integral else None
    return label or rule_label(node.rule), note, _joined(pieces, mo("="))


# ---------------------------------------------------------------- equation-solving steps

_SEPARATORS = {" ⇒ ": mo("⇒"), " or ": mtext("\u00a0or\u00a0"), " and ": mtext("\u00a0and\u00a0"),
               ", ": mo(","), "; ": mrow(mo(";"), _el("mspace", width="1em")),
               ": ": mrow(mo(":"), _el("mspace", width="1em")), " ": _el("mspace", width="0.5em")}
_RELATIONS = {"=": "=", "≠": "≠", "<": "<", ">": ">", "≤": "≤", "≥": "≥"}


def _bracketed(expr, digits: int) -> str:
    text = expr_mathml(expr, digits)
    if isinstance(expr, sympy.Basic) and precedence(expr) < PRECEDENCE["Mul"]:
        text = fenced(text)
    return text


def plus_minus_mathml(piece, digits: int = 4) -> str:
    """(c ± r)/d as a fraction; ±r."""
    radius = _bracketed(piece.radius, digits)
    if piece.center == 0:
        if piece.denominator == 1:
            return mrow(mo("±"), radius)
        return mrow(mo("±"), _el("mfrac", expr_mathml(piece.radius, digits), expr_mathml(piece.denominator, digits)))
    body = mrow(expr_mathml(piece.center, digits), mo("±"), radius)
    if piece.denominator == 1:
        return body
    return _el("mfrac", body, expr_mathml(piece.denominator, digits))


def _solve_term(term, digits: int) -> str:
    if type(term).__name__ == "PlusMinus":
        return plus_minus_mathml(term, digits)
    return expr_mathml(term, digits)


def shown_mathml(piece, digits: int = 4) -> str:
    """The working of a solving step as MathML content; words become ``<mtext>``."""
    if piece is None:
        return ""
    if isinstance(piece, str):
        return mtext(piece)
    kind = type(piece).__name__
    if kind == "Relation":
        return _joined([_solve_term(t, digits) for t in piece.terms], mo(_RELATIONS.get(piece.op, piece.op)))
    if kind == "Join":
        sep = _SEPARATORS.get(piece.sep, mtext(piece.sep.replace(" ", "\u00a0")))
        return _joined([shown_mathml(p, digits) for p in piece.parts], sep)
    if isinstance(piece, (tuple, list)):
        return _joined([shown_mathml(p, digits) for p in piece], mo(","))
    return _solve_term(piece, digits)


# ---------------------------------------------------------------- trees as nested <details>

def _details_tree(entries) -> str:
    """Nested ``<details open>`` from ``(depth, summary html, has children)`` in walk order."""
    out, open_depths = [], []
    for depth, summary, has_children in entries:
        while open_depths and open_depths[-1] >= depth:
            out.append("</details>")
            open_depths.pop()
        cls = "step" if has_children else "step leaf"
        out.append(f'<details open class="{cls}"><summary>{summary}</summary>')
        open_depths.append(depth)
    out += ["</details>"] * len(open_depths)
    return "".join(out)


def step_tree_html(node, digits: int = 4) -> str:
    """A derivation or integration step tree: one ``<details>`` per step, children inside."""
    entries = []
    for depth, n, partial in walk_steps(node):
        label, note, body = step_mathml(n, partial, digits)
        if is_step_work(n):                     # a line of working: its label in plain words
            head = f'<span class="work">{esc(label)}:</span> ' if label else ""
        else:
            head = f'<span class="rule">{esc(label)}</span>' + (
                f" ({math_block(note)})" if note else "") + ": "
        entries.append((depth, head + math_block(body), bool(getattr(n, "substeps", ()))))
    return f'<div class="tree">{_details_tree(entries)}</div>'


def solve_tree_html(node, digits: int = 4) -> str:
    """An equation-solving tree: one ``<details>`` per step."""
    entries = []
    for depth, n in walk_solve_steps(node):
        label = str(n.label)
        math = shown_mathml(getattr(n, "label_math", None), digits)
        note = shown_mathml(getattr(n, "note", None), digits)
        body = shown_mathml(n.shown, digits)
        head = f'<span class="rule">{esc(label)}</span>' + (f" {math_block(math)}" if math else "") + (
            f" ({math_block(note)})" if note else "") + (f": {math_block(body)}" if body else "")
        entries.append((depth, head, bool(getattr(n, "substeps", ()))))
    return f'<div class="tree">{_details_tree(entries)}</div>'


# ---------------------------------------------------------------- blocks

def equation_mathml(eq, digits: int = 4) -> str:
    """``lhs = via = rhs`` as MathML content (≈ when the right side is only a decimal)."""
    digits = getattr(eq, "digits", None) or digits
    parts = [] if eq.lhs is None else [value_mathml(eq.lhs, digits)]
    if getattr(eq, "via", None) is not None:
        parts.append(value_mathml(eq.via, digits))
    rhs = value_mathml(eq.rhs, digits, approximate=getattr(eq, "approx", True))
    relation = "="
    if rhs.startswith(mo("≈")) and parts:
        relation, rhs = "≈", rhs[len(mo("≈")):]
    if not parts:
        return mrow(rhs) if rhs else ""
    out = [parts[0]]
    terms = parts[1:] + [rhs]
    for i, term in enumerate(terms):
        out += [mo(relation if i == len(terms) - 1 else "="), term]
    return _el("mrow", *out)


def summary_html(item, digits: int = 4) -> str:
    """A Summary: ``lhs = via = [first entries …]`` and its shape, norm and range in words."""
    cells = summary_cells(item, digits)
    rows = "".join(_el("mtr", *[_el("mtd", _cell_token(c)) for c in row]) for row in cells)
    grid = fenced(_el("mtable", rows), "[", "]")
    if len(item.shape) == 1:
        grid = _el("msup", grid, mi("⊤"))
    parts = [value_mathml(p, digits) for p in (item.lhs, item.via) if p is not None]
    body = _joined(parts + [grid], mo("="))
    name = value_mathml(item.lhs, digits) if item.lhs is not None else ""
    norm = math_block(mrow(fenced(name, "‖", "‖"), mo("="), number_mathml(item.norm, digits)))
    return (f'<div class="summary">{math_block(body, display=True)}<p>{esc(summary_shape(item))}, {norm}, '
            f"entries from {math_block(number_mathml(item.low, digits))} to "
            f"{math_block(number_mathml(item.high, digits))}</p></div>")


def _cell_token(text: str) -> str:
    if re.fullmatch(r"[−-]?\d+(\.\d+)?", text):
        return decimal_mathml(text)
    return mo(text) if text in ("…", "⋮", "⋱") else mtext(text)


def _cell_html(value, digits: int, header: bool = False, numbers: bool = False) -> str:
    """A table cell. In a column of numbers only (``numbers``) a number is text, right-aligned
    digit under digit; elsewhere it is mathematics like the expressions around it."""
    tag = "th" if header else "td"
    if value is None:
        return f"<{tag}></{tag}>"
    if isinstance(value, str):
        return f"<{tag}>{esc(value)}</{tag}>"
    if numbers:
        return f'<{tag} class="num">{esc(cell_text(value, digits))}</{tag}>'
    return f"<{tag}>{math_block(value_mathml(value, digits, max_exact=TABLE_MAX_EXACT))}</{tag}>"


def table_html(table, digits: int = 4) -> str:
    """A ``<table>`` with a header row."""
    ncols = max([len(table.headers)] + [len(r) for r in table.rows]) or 1
    rows = [list(r) + [None] * (ncols - len(r)) for r in table.rows]
    numbers = [bool(rows) and all(r[j] is None or (not isinstance(r[j], str) and is_numeric(r[j])) for r in rows)
               for j in range(ncols)]
    out = ['<div class="table"><table>']
    if table.headers:
        headers = list(table.headers) + [None] * (ncols - len(table.headers))
        out.append("<thead><tr>" + "".join(_cell_html(h, digits, header=True) for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for r in rows:
        out.append("<tr>" + "".join(_cell_html(c, digits, numbers=numbers[j]) for j, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _is_equation(item) -> bool:
    return type(item).__name__ == "Equation" or (hasattr(item, "lhs") and hasattr(item, "rhs"))


def item_html(item, digits: int = 4) -> str:
    """One walkthrough item as HTML."""
    kind = type(item).__name__
    if isinstance(item, str):
        return f"<p>{esc(item)}</p>"
    if kind == "Text" and hasattr(item, "text"):
        return f"<p>{esc(item.text)}</p>"
    if is_solve_step(item):
        return solve_tree_html(item, digits)
    if _is_equation(item):
        return f'<div class="eq">{math_block(equation_mathml(item, digits), display=True)}</div>'
    if is_summary(item):
        return summary_html(item, digits)
    if is_step(item):
        return step_tree_html(item, digits)
    if hasattr(item, "headers") and hasattr(item, "rows"):
        return table_html(item, digits)
    if kind == "Section" and hasattr(item, "items"):
        return (f'<div class="subsection"><h4>{esc(item.title)}</h4>'
                + "".join(item_html(i, digits) for i in item.items) + "</div>")
    return f'<div class="eq">{math_block(value_mathml(item, digits), display=True)}</div>'


def _check_value(value, digits: int) -> str:
    if isinstance(value, str):
        return f"<code>{esc(value)}</code>"
    return math_block(value_mathml(value, digits))


def check_html(check, digits: int = 4) -> str:
    """'✓ Check: pass' in green, '✗ Check: FAIL' in red with each failed comparison."""
    status = getattr(check, "status", "none") if check is not None else "none"
    if status == "none":
        return ""
    if status != "fail":
        return f'<p class="check pass">✓ Check: {esc(status)}</p>'
    failed = [i for i in getattr(check, "items", ()) if not i.ok]
    out = '<div class="check fail"><p>✗ Check: FAIL</p>'
    if failed:
        out += "<ul>" + "".join(
            f"<li><code>{esc(i.path)}</code>: expected {_check_value(i.expected, digits)}, computed "
            f"{_check_value(i.computed, digits)}" + (f" ({esc(i.message)})" if getattr(i, "message", "") else "")
            + "</li>" for i in failed) + "</ul>"
    return out + "</div>"


def figure_html(svg: str | None, prefix: str = "fig") -> str:
    """An SVG figure for inline use: the XML declaration, doctype, metadata and namespace
    declarations (URLs that HTML does not need) dropped, and ids prefixed so that several
    figures on one page do not share ids."""
    if not svg:
        return ""
    text = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<metadata>.*?</metadata>", "", str(svg), flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', text)
    return f'<figure class="plot">{text.strip()}</figure>'


def render_html(w, digits: int = 4, figure: str | None = None, level: int = 2, figure_id: str = "fig") -> str:
    """A walkthrough as an HTML fragment: one ``<article class="calcai">`` (no CSS: see
    ``STYLE`` and ``render_page``). ``figure`` is SVG text placed in a ``<figure>``; ``level``
    is the heading level of the title (sections one below)."""
    h, hs = f"h{level}", f"h{min(level + 1, 6)}"
    out = ['<article class="calcai">']
    title = getattr(w, "title", "") or ""
    if title:
        out.append(f"<{h}>{esc(title)}</{h}>")
    for section in getattr(w, "sections", ()) or ():
        out.append("<section>")
        if getattr(section, "title", ""):
            out.append(f"<{hs}>{esc(section.title)}</{hs}>")
        out += [item_html(item, digits) for item in getattr(section, "items", ()) or ()]
        out.append("</section>")
    if figure:
        out.append(figure_html(figure, figure_id))
    final = tuple(getattr(w, "final", ()) or ())
    if final:
        out.append('<div class="answer"><span class="label">Answer</span>')
        for item in final:
            if _is_equation(item):
                out.append(math_block(equation_mathml(item, digits), display=True))
            else:
                out.append(item_html(item, digits))
        out.append("</div>")
    out.append(check_html(getattr(w, "check", None), digits))
    out.append("</article>")
    return "\n".join(part for part in out if part) + "\n"


# ---------------------------------------------------------------- pages

STYLE = """
.calcai{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;line-height:1.5;color:#1d2330;max-width:62rem}
.calcai h2{font-size:1.3rem;margin:1.6rem 0 .4rem;border-bottom:2px solid #d9dee8;padding-bottom:.2rem}
.calcai h3{font-size:1.1rem;margin:1rem 0 .3rem}
.calcai h4{font-size:1rem;margin:.8rem 0 .2rem;color:#4a5568}
.calcai section>h3,.calcai section>h4{color:#2b4c7e}
.calcai p{margin:.3rem 0}
.calcai math{font-family:"STIX Two Math","Latin Modern Math","DejaVu Math TeX Gyre",math;font-size:1.1em}
.calcai math{math-style:normal}
.calcai math[display="block"]{display:inline math}
.calcai .eq{overflow-x:auto;overflow-y:hidden;padding:.2rem 0 .2rem 1rem}
.calcai .answer math[display="block"]{display:block math;margin:.4rem 0 .4rem 1rem;width:fit-content}
.calcai .tree{margin:.3rem 0 .5rem;overflow-x:auto;overflow-y:hidden;padding-bottom:.2rem}
.calcai details{margin:.15rem 0 .15rem 0}
.calcai details details{margin-left:1.4rem;padding-left:.6rem;border-left:2px solid #e2e6ee}
.calcai summary{cursor:pointer;padding:.1rem 0}
.calcai details.leaf>summary{list-style:none;padding-left:1.1rem}
.calcai details.leaf>summary::-webkit-details-marker{display:none}
.calcai .rule{font-weight:600;color:#2b4c7e}
.calcai .work{color:#4a5568}
.calcai .answer{background:#fff8d6;border:1px solid #e8d37a;border-left:5px solid #d4a800;border-radius:4px;padding:.4rem .8rem;margin:.8rem 0}
.calcai .answer .label{font-weight:700;color:#7a5d00;display:block}
.calcai .answer p{margin:.2rem 0}
.calcai .check{font-weight:600;border-radius:4px;padding:.2rem .6rem;display:inline-block;margin:.2rem 0}
.calcai .check.pass{color:#116b2f;background:#e3f6e8;border:1px solid #9fd8b0}
.calcai .check.fail{color:#a11b1b;background:#fdeaea;border:1px solid #f0a8a8}
.calcai .check.fail ul{font-weight:400;margin:.2rem 0}
.calcai .table{overflow-x:auto;margin:.4rem 0}
.calcai table{border-collapse:collapse;font-size:.95em}
.calcai th,.calcai td{border-bottom:1px solid #e2e6ee;padding:.15rem .7rem;text-align:left}
.calcai th{border-bottom:2px solid #b8c0ce}
.calcai tr.fail td{color:#a11b1b;background:#fdeaea}
.calcai tr.pass td:last-child{color:#116b2f;font-weight:600}
.calcai td.num{font-variant-numeric:tabular-nums;text-align:right}
.calcai .table{overflow-y:hidden}
.calcai figure.plot{margin:.6rem 0}
.calcai figure.plot svg{max-width:100%;height:auto}
.calcai .summary p{color:#4a5568}
.calcai .error{color:#a11b1b;font-weight:600}
.calcai code{font-family:"DejaVu Sans Mono",monospace;font-size:.9em}
""".strip()

PAGE_STYLE = """
body{margin:0;background:#f7f8fb}
main.calcai{margin:0 auto;padding:1rem 2rem 3rem;background:#fff;min-height:100vh;box-sizing:border-box}
.calcai h1{font-size:1.7rem;margin:.5rem 0 1rem}
.calcai nav.toc{background:#f3f5f9;border:1px solid #e2e6ee;border-radius:4px;padding:.5rem 1rem;margin-bottom:1rem}
.calcai nav.toc h2{border:0;margin:.2rem 0;font-size:1.1rem}
.calcai nav.toc ul{margin:.1rem 0 .4rem;padding-left:1.2rem}
.calcai nav.toc li.file{font-weight:600;margin-top:.3rem}
.calcai nav.toc li.file li{font-weight:400}
.calcai nav.toc a{color:#2b4c7e;text-decoration:none}
.calcai nav.toc .fail a{color:#a11b1b}
.calcai section.file>h2{font-size:1.5rem;color:#2b4c7e;border-bottom:3px solid #2b4c7e;margin-top:2.4rem}
.calcai article.calcai{border-bottom:1px solid #e2e6ee;padding-bottom:.8rem}
.calcai article.calcai h3{font-size:1.25rem;border-bottom:2px solid #d9dee8;margin:1.6rem 0 .4rem}
.calcai article.calcai h4{font-size:1.05rem;color:#2b4c7e}
@media print{body{background:#fff}main.calcai{padding:0}.calcai details>summary{list-style:none}}
""".strip()


@dataclass(frozen=True)
class PageEntry:
    """One walkthrough on a page: the file it came from (its group in the table of contents,
    '' for none), its name (a problem id), the title in the table of contents, its HTML
    fragment, and its check status ('pass', 'fail', 'none' or 'error')."""

    group: str
    name: str
    title: str
    html: str
    status: str = "none"


def _anchor(group: str, name: str, taken: set) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{group}-{name}" if group else name).strip("-") or "item"
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def page_html(entries, title: str = "calcai") -> str:
    """One self-contained HTML5 page of ``PageEntry`` fragments: the CSS inline, a table of
    contents by group when there is more than one entry, no JavaScript, nothing fetched."""
    entries = list(entries)
    taken: set = set()
    anchors = [_anchor(e.group, e.name, taken) for e in entries]
    groups: dict = {}
    for entry, anchor in zip(entries, anchors):
        groups.setdefault(entry.group, []).append((entry, anchor))
    body = [f"<h1>{esc(title)}</h1>"] if len(entries) > 1 else []
    if len(entries) > 1:
        toc = ['<nav class="toc"><h2>Contents</h2><ul>']
        for group, members in groups.items():
            items = "".join(
                f'<li class="{esc(e.status)}"><a href="#{a}">{esc(e.name + ": " if e.name else "")}{esc(e.title)}</a>'
                + (" ✗" if e.status in ("fail", "error") else "") + "</li>" for e, a in members)
            if group:
                toc.append(f'<li class="file">{esc(group)}<ul>{items}</ul></li>')
            else:
                toc.append(items)
        toc.append("</ul></nav>")
        body.append("".join(toc))
    for group, members in groups.items():
        if group:
            body.append(f'<section class="file"><h2>{esc(group)}</h2>')
        for entry, anchor in members:
            body.append(f'<div class="entry" id="{anchor}">{entry.html}</div>')
        if group:
            body.append("</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"generator\" content=\"calcai\">\n<title>{esc(title)}</title>\n"
            f"<style>\n{STYLE}\n{PAGE_STYLE}\n</style>\n</head>\n<body>\n<main class=\"calcai\">\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def error_html(title: str, message: str, level: int = 2) -> str:
    """A problem that could not be solved, as a fragment: its title and the reason."""
    return (f'<article class="calcai"><h{level}>{esc(title)}</h{level}>'
            f'<p class="error">{esc(message)}</p></article>\n')


def render_page(items, title: str = "calcai", figures=None, digits: int = 4) -> str:
    """Walkthroughs (a Solution, a Derivation, …) as one self-contained HTML5 page.

    ``figures`` maps an item's index or its problem id to SVG text. Solutions of problem
    files are grouped by file in the table of contents."""
    figures = figures or {}
    entries = []
    grouped = any(getattr(getattr(w, "problem", None), "file", None) for w in items)
    for i, w in enumerate(items):
        problem = getattr(w, "problem", None)
        name = str(getattr(problem, "id", "") or "")
        figure = figures.get(i, figures.get(name) if name else None)
        group = str(getattr(problem, "file", "") or "")
        fragment = render_html(w, digits, figure=figure, level=3 if grouped else 2, figure_id=f"fig{i + 1}")
        status = getattr(getattr(w, "check", None), "status", "none")
        entries.append(PageEntry(group, name, getattr(w, "title", "") or "", fragment, status))
    return page_html(entries, title)


__all__ = ["render_html", "render_page", "page_html", "PageEntry", "error_html", "expr_mathml", "value_mathml",
           "label_mathml", "equation_mathml", "step_mathml", "step_tree_html", "solve_tree_html", "table_html",
           "check_html", "figure_html", "MathMLPrinter", "STYLE", "math_block", "number_mathml"]
