"""Plain-text rendering of a walkthrough, and ``math_text``: one-line unicode mathematics.

``math_text`` prints sympy objects the way a textbook writes them on one line::

    3x² + 4x     6x·(x² + 1)²     σ(x)·(1 − σ(x))     e^(2x)     2/x     w₁·x₁ + b
    √(x + 1)     |x|     max(0, x)     {1 if x > 0; 0 otherwise}     [[1, 2], [3, 4]]

Multiplication style: a number coefficient is written against what follows (``3x``, ``7√2``,
``2sin(x)``, ``2(x + 1)``) unless that starts with a digit (``2·3ˣ``); two one-letter symbols
(or their integer powers) are juxtaposed (``3xy``, ``x²y``); every other product gets ``·``
(``x·sin(x)``, ``w₁·x₁``, ``σ(x)·(1 − σ(x))``). Parenthesised factors come last.

The text layout of a walkthrough (``render_text``)::

    Title
    =====

    Section title
    -------------
    A sentence.
    f'(x) = 3x² + 4x
    sum rule: d/dx (x³ + 2x² + 5) = 3x² + 4x
      power rule: d/dx x³ = 3x²
    factor out 3x: 3x² − 6x = 3x·(x − 2) = 0 ⇒ x = 0 or x = 2
      zero-product rule: 3x = 0 or x − 2 = 0

    Answer: f'(x) = 3x² + 4x
    Check: pass

Nothing here computes mathematics: sympy is used only to print.
"""

from __future__ import annotations

import re
from fractions import Fraction

import sympy
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from ..numbers import MAX_EXACT_CHARS, approx, is_numeric, number_parts

# ---------------------------------------------------------------- characters

SUPERSCRIPT = str.maketrans("0123456789-+()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾")
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MINUS = "−"

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "lamda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Lamda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}

FUNCTION_NAMES = {"log": "ln", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
                  "asinh": "arsinh", "acosh": "arcosh", "atanh": "artanh", "Max": "max", "Min": "min"}

RELATIONS = {"==": "=", "!=": "≠", ">=": "≥", "<=": "≤", ">": ">", "<": "<"}

_NO_SUBSCRIPTS = str.maketrans("", "", "₀₁₂₃₄₅₆₇₈₉")
_NAME_WITH_INDEX = re.compile(r"([A-Za-z]+)_?(\d+)")


def superscript(text: str) -> str:
    """Digits (and signs) as superscripts: '12' -> '¹²'."""
    return str(text).translate(SUPERSCRIPT)


def subscript(text: str) -> str:
    """Digits as subscripts: '12' -> '₁₂'."""
    return str(text).translate(SUBSCRIPT)


def symbol_text(name: str) -> str:
    """A symbol name as printed: 'w1' -> 'w₁', 'x_2' -> 'x₂', 'sigma' -> 'σ', 'alpha1' -> 'α₁'."""
    m = _NAME_WITH_INDEX.fullmatch(name)
    if m:
        base, index = m.groups()
        return GREEK.get(base, base) + subscript(index)
    return GREEK.get(name, name)


def _minus(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def _float_text(text: str) -> str:
    """A decimal from ``approx`` inside an expression: '−1.105·10⁻⁶' rather than '-1.105e-06'."""
    m = re.fullmatch(r"(-?)([0-9.]+)e([+-])(\d+)", text)
    if m:
        sign, mantissa, esign, exponent = m.groups()
        power = superscript(("-" if esign == "-" else "") + str(int(exponent)))
        text = f"{sign}{mantissa}·10{power}"
    return _minus(text)


# ---------------------------------------------------------------- the printer

def _monomial_degree(term):
    """The total degree of a number times a product of symbols (x, −μ, 2wx, 3x²y), else None."""
    degree = 0
    for factor in sympy.Mul.make_args(term.as_coeff_Mul()[1]):
        base, exp = factor.as_base_exp()
        if factor is sympy.S.One:
            continue
        if not (base.is_Symbol and exp.is_Integer and exp > 0):
            return None
        degree += int(exp)
    return degree


def reader_order(terms: list) -> list:
    """The terms of a sum in the order a reader writes them: sympy's order (descending powers,
    then by name), except that a sum whose first term is negative starts with a positive one, the
    negative terms before it moving to the end: −μ + x reads x − μ, −b + wx reads wx − b,
    −I + eˣ·sin(x) − eˣ·cos(x) reads eˣ·sin(x) − eˣ·cos(x) − I. A
    polynomial keeps its descending powers (−x² + 2x stays): among monomials only a positive
    term of at least the first one's degree moves to the front."""
    if len(terms) < 2 or not terms[0].could_extract_minus_sign():
        return terms
    degrees = [_monomial_degree(t) for t in terms]
    for i, term in enumerate(terms):
        if term.could_extract_minus_sign():
            continue
        if None in (degrees[0], degrees[i]) or degrees[i] >= degrees[0]:
            return terms[i:] + terms[:i]
    return terms


_MAX_INT_BITS = 10_000

def fraction_parts(expr, split_lone_rational: bool = True) -> tuple:
    """A product as a reader writes it, num/den: (negative, the numerator's number, the
    denominator's number or None, the numerator's factors, the denominator's factors) — x^(−2)
    goes below as x², 3/4 splits into 3 over 4 (a lone rational only with
    ``split_lone_rational``). Shared by the text, HTML and other printers."""
    coeff, rest = expr.as_coeff_Mul()
    negative = bool(coeff.is_negative)
    if negative:
        coeff = -coeff
    factors = [] if rest is sympy.S.One else list(rest.as_ordered_factors())
    numer, denom = [], []
    for f in factors:
        if f.is_Pow and f.exp.is_Rational and f.exp.is_negative and f.is_commutative:
            e = -f.exp
            denom.append(f.base if e == 1 else sympy.Pow(f.base, e, evaluate=False))
        else:
            numer.append(f)
    num_coeff, den_coeff = coeff, None
    if coeff.is_Rational and not coeff.is_Integer and (split_lone_rational or numer or denom):
        num_coeff, den_coeff = sympy.Integer(coeff.p), sympy.Integer(coeff.q)
    return negative, num_coeff, den_coeff, numer, denom


class MathTextPrinter(StrPrinter):
    """Single-line unicode printing of sympy expressions (see the module docstring)."""

    printmethod = "_calcai_text"
    _default_settings = dict(StrPrinter._default_settings, digits=4)

    # -- atoms
    def _print_Symbol(self, expr):
        return symbol_text(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Integer(self, expr):
        if int(expr.p).bit_length() > _MAX_INT_BITS:        # past Python's int-to-str limit
            return _float_text(approx(expr, self._settings["digits"]))
        return _minus(str(expr.p))

    def _print_int(self, expr):
        return self._print_Integer(sympy.Integer(expr))

    def _print_Rational(self, expr):
        if expr.q == 1:
            return self._print_Integer(expr)
        if max(int(expr.p).bit_length(), int(expr.q).bit_length()) > _MAX_INT_BITS:
            return _float_text(approx(expr, self._settings["digits"]))
        return _minus(f"{expr.p}/{expr.q}")

    def _print_Fraction(self, expr):
        return self._print_Rational(sympy.Rational(expr.numerator, expr.denominator))

    def _print_Float(self, expr):
        return _float_text(approx(expr, self._settings["digits"]))

    def _print_float(self, expr):
        return _float_text(approx(expr, self._settings["digits"]))

    def _print_Exp1(self, expr):
        return "e"

    def _print_Pi(self, expr):
        return "π"

    def _print_ImaginaryUnit(self, expr):
        return "i"

    def _print_Infinity(self, expr):
        return "∞"

    def _print_NegativeInfinity(self, expr):
        return MINUS + "∞"

    def _print_ComplexInfinity(self, expr):
        return "undefined"

    _print_NaN = _print_ComplexInfinity

    def _print_BooleanTrue(self, expr):
        return "true"

    def _print_BooleanFalse(self, expr):
        return "false"

    # -- sums
    def _as_ordered_terms(self, expr, order=None):
        return reader_order(super()._as_ordered_terms(expr, order=order))

    def _print_Add(self, expr, order=None):
        out = []
        for i, term in enumerate(self._as_ordered_terms(expr, order=order)):
            text = self._print(term)
            if precedence(term) < PRECEDENCE["Add"]:
                text = f"({text})"
            if text.startswith(MINUS):
                out.append((MINUS if i == 0 else f" {MINUS} ") + text[1:])
            else:
                out.append(("" if i == 0 else " + ") + text)
        return "".join(out)

    # -- products
    def _is_simple(self, f) -> bool:
        """A one-letter symbol (or π), or one raised to an integer power: juxtaposable."""
        if f.is_Pow and f.exp.is_Integer and f.exp > 1:
            f = f.base
        if f is sympy.pi:
            return True
        return bool(f.is_Symbol) and len(symbol_text(f.name)) == 1

    def _is_word(self, f) -> bool:
        """A symbol with a name of several letters (loss, target), or a power of one."""
        if f.is_Pow:
            f = f.base
        return bool(f.is_Symbol) and len(symbol_text(f.name).translate(_NO_SUBSCRIPTS)) > 1

    def _factor_group(self, f, bracketed: bool = False) -> int:
        if f.is_number and not f.is_Add:
            return 0                    # 7√2·x, 2πx
        if self._is_simple(f):
            return 1
        base = f.base if f.is_Pow else f
        if base.is_Add:
            return 3                    # bracketed groups last: 6x·(x² + 1)²
        if bracketed and isinstance(f, sympy.exp):
            return 4                    # … but an exponential after them: (x − μ)·e^(…)
        return 2

    def _factor_text(self, f) -> str:
        text = self._print(f)
        if precedence(f) < PRECEDENCE["Mul"] or f.is_Relational or f.is_Boolean:
            text = f"({text})"
        return text

    def _join_factors(self, coeff_text: str, factors) -> str:
        bracketed = any((f.base if f.is_Pow else f).is_Add for f in factors)
        factors = sorted(factors, key=lambda f: self._factor_group(f, bracketed))
        out, prev = coeff_text, None
        for f in factors:
            text = self._factor_text(f)
            if not out:
                out = text
            elif prev is None:          # after the number coefficient: 3x, 7√2, but 2·3ˣ, 2·loss
                dot = text[0].isdigit() or text[0] in "−-.{[" or "·" in coeff_text or self._is_word(f)
                out += ("·" if dot else "") + text
            else:
                out += ("" if self._is_simple(prev) and self._is_simple(f) else "·") + text
            prev = f
        return out

    def _print_Mul(self, expr):
        negative, num_coeff, den_coeff, numer, denom = fraction_parts(expr)
        sign = MINUS if negative else ""
        num_coeff_text = "" if num_coeff == 1 and numer else self._print(num_coeff)
        numerator = self._join_factors(num_coeff_text, numer) or "1"
        if not denom and den_coeff is None:
            return sign + numerator
        den_coeff_text = "" if den_coeff is None else self._print(den_coeff)
        denominator = self._join_factors(den_coeff_text, denom)
        if len(denom) + (den_coeff is not None) > 1 or (
                len(denom) == 1 and precedence(denom[0]) < PRECEDENCE["Pow"]):
            if not denominator.startswith("("):
                denominator = f"({denominator})"
        return f"{sign}{numerator}/{denominator}"

    # -- powers
    def _base_text(self, base) -> str:
        text = self._print(base)
        plain = (base.is_Symbol or (base.is_Integer and base >= 0) or base in (sympy.pi, sympy.E)
                 or (base.is_Float and base >= 0)
                 or (base.is_Function and not isinstance(base, sympy.exp)))
        return text if plain else f"({text})"

    def _exponent_text(self, e) -> str:
        if e.is_Integer and e > 0:
            return superscript(str(e.p))
        text = self._print(e)
        if e.is_Symbol or (e.is_Float and e > 0):
            return "^" + text
        return f"^({text})"

    def _print_Pow(self, expr, rational=False):
        b, e = expr.base, expr.exp
        if e.is_Rational and e.is_negative and expr.is_commutative:
            d = b if e == -1 else sympy.Pow(b, -e, evaluate=False)
            text = self._print(d)
            if precedence(d) < PRECEDENCE["Pow"] and not text.startswith("("):
                text = f"({text})"
            return f"1/{text}"
        if e is sympy.S.Half:
            text = self._print(b)
            plain = b.is_Symbol or (b.is_Integer and b >= 0) or b in (sympy.pi, sympy.E) or (
                b.is_Function and not isinstance(b, sympy.exp))
            return "√" + (text if plain else f"({text})")
        return self._base_text(b) + self._exponent_text(e)

    def _print_exp(self, expr):
        return "e" + self._exponent_text(expr.args[0])

    # -- functions
    def _print_Function(self, expr):
        func = expr.func
        name = getattr(func, "pretty_name", "") or FUNCTION_NAMES.get(func.__name__, func.__name__)
        shown = getattr(expr, "shown_args", None)          # LeakyReLU(x), ELU(x): defaults left out
        args = shown() if shown is not None else list(expr.args)
        return f"{name}({', '.join(self._print(a) for a in args)})"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Heaviside(self, expr):
        """The unit step as the parser reads it back: step(u) = 1 for u > 0, else 0."""
        if len(expr.args) == 2 and expr.args[1] == 0:
            return f"step({self._print(expr.args[0])})"
        return self._print_Function(expr)

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Piecewise(self, expr):
        pieces = []
        for value, cond in expr.args:
            if cond is sympy.true:
                pieces.append(f"{self._print(value)} otherwise")
            else:
                pieces.append(f"{self._print(value)} if {self._print(cond)}")
        return "{" + "; ".join(pieces) + "}"

    def _print_Relational(self, expr):
        op = RELATIONS.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_And(self, expr):
        return " and ".join(self._logic_arg(a) for a in expr.args)

    def _print_Or(self, expr):
        return " or ".join(self._logic_arg(a) for a in expr.args)

    def _print_Not(self, expr):
        return f"not {self._logic_arg(expr.args[0])}"

    def _logic_arg(self, a) -> str:
        text = self._print(a)
        return f"({text})" if isinstance(a, (sympy.And, sympy.Or)) else text

    # -- calculus
    def _print_Derivative(self, expr):
        counts = [(v, int(n)) for v, n in expr.variable_count]
        wrt = tuple(v for v, n in counts for _ in range(n))
        partial = len(expr.expr.free_symbols) > 1 or len({v for v, _ in counts}) > 1
        return f"{derivative_operator(wrt, partial)} [{self._print(expr.expr)}]"

    def _print_Integral(self, expr):
        body = _operand(self, expr.function)
        out = body
        for limit in reversed(expr.limits):
            var = self._print(limit[0])
            if len(limit) == 3:
                out = f"∫[{self._print(limit[1])}, {self._print(limit[2])}] {out} d{var}"
            else:
                out = f"∫ {out} d{var}"
        return out

    # -- matrix expressions (calcai.matrix): juxtaposed products, ᵀ, ⁻¹, tr, det, ⊙
    def _mat_factor(self, expr) -> str:
        text = self._print(expr)
        if isinstance(expr, (sympy.MatAdd, sympy.HadamardProduct)) or (
                isinstance(expr, sympy.MatMul) and expr.as_coeff_matrices()[0] != 1):
            return f"({text})"
        return text

    def _print_MatAdd(self, expr):
        out = ""
        for i, term in enumerate(expr.args):
            text = self._print(term)
            if text.startswith(MINUS):
                out += (f" {MINUS} " if i else MINUS) + text[len(MINUS):]
            else:
                out += (" + " if i else "") + text
        return out

    def _print_MatMul(self, expr):
        coeff, mats = expr.as_coeff_matrices()
        sep = "" if all(len(m.name) == 1 for m in expr.atoms(sympy.MatrixSymbol)) else "·"
        body = sep.join(self._mat_factor(m) for m in mats)
        if coeff == 1:
            return body
        if coeff == -1:
            return MINUS + body
        c = self._print(coeff)
        if not sep and (not coeff.is_Integer or
                        type(mats[0]).__name__ in ("DiagMatrix", "ElementwiseApplyFunction", "OneMatrix")):
            sep = "·"                               # 2·diag(σ′(z)), 1/5·W, σ(wᵀx)·x — not 2diag, 1/5W
        return (f"({c})" if isinstance(coeff, sympy.Add) else c) + sep + body

    def _mat_postfix(self, arg, mark: str) -> str:
        if isinstance(arg, sympy.MatrixSymbol) or isinstance(arg, (sympy.Identity, sympy.OneMatrix)):
            return self._print(arg) + mark
        return f"({self._print(arg)}){mark}"

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, sympy.Inverse):
            return self._mat_postfix(expr.arg.arg, "⁻ᵀ")
        return self._mat_postfix(expr.arg, "ᵀ")

    def _print_Inverse(self, expr):
        return self._mat_postfix(expr.arg, "⁻¹")

    def _print_SquaredNormOf(self, expr):
        return f"‖{self._print(expr.operand)}‖²"

    def _print_Partial(self, expr):
        inner = self._print(expr.operand)
        return f"∂L/∂{inner}" if isinstance(expr.operand, sympy.MatrixSymbol) else f"∂L/∂({inner})"

    def _print_MatrixSymbol(self, expr):
        return symbol_text(expr.name)

    def _print_Trace(self, expr):
        return f"tr({self._print(expr.arg)})"

    def _print_AsNumber(self, expr):                # a 1×1 used as a number: xᵀa, ‖v‖²
        arg = expr.arg
        if isinstance(arg, sympy.MatMul) and len(arg.args) == 2 and isinstance(arg.args[0], sympy.Transpose) \
                and arg.args[0].arg == arg.args[1]:
            return f"‖{self._print(arg.args[1])}‖²"
        return self._print(arg)

    def _print_Determinant(self, expr):
        return f"det({self._print(expr.arg)})"

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(self._mat_factor(a) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr):
        from ..matrix.parse import elementwise_display

        name = elementwise_display(expr.function) or self._print(expr.function)
        return f"{name}({self._print(expr.expr)})"

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])})"

    def _print_OneMatrix(self, expr):
        return "𝟙ᵀ" if expr.shape[0] == 1 and expr.shape[1] != 1 else "𝟙"

    def _print_Identity(self, expr):
        return "I"

    def _print_ZeroMatrix(self, expr):
        return "0"

    # -- containers
    def _print_MatrixBase(self, expr):
        rows = [", ".join(self._print(expr[i, j]) for j in range(expr.cols)) for i in range(expr.rows)]
        return "[" + ", ".join(f"[{r}]" for r in rows) + "]"

    def _print_tuple(self, expr):
        return "(" + ", ".join(self._print(a) for a in expr) + ")"

    _print_Tuple = _print_tuple

    def _print_list(self, expr):
        return "[" + ", ".join(self._print(a) for a in expr) + "]"

    def _print_dict(self, expr):
        return "{" + ", ".join(f"{self._print(k)}: {self._print(v)}" for k, v in expr.items()) + "}"

    _print_Dict = _print_dict


def _operand(printer, expr, quotient: bool = False) -> str:
    """An expression after an operator (d/dx, ∫): bracketed when it is a sum or a negation,
    and with ``quotient`` also when it is a quotient (d/dx ((x + 1)/(x − 1)))."""
    text = printer._print(expr)
    if not isinstance(expr, sympy.Basic):
        return text
    if precedence(expr) < PRECEDENCE["Mul"] or (quotient and _is_quotient(expr)):
        text = f"({text})"
    return text


def _is_quotient(expr) -> bool:
    """Printed with a '/': 1/x, x/2, (x + 1)/(x − 1)."""
    if expr.is_Pow:
        return bool(expr.exp.is_Rational and expr.exp.is_negative)
    if expr.is_Mul:
        coeff = expr.as_coeff_Mul()[0]
        return bool(coeff.is_Rational and not coeff.is_Integer) or any(
            _is_quotient(f) for f in expr.args if f.is_Pow)
    return False


def math_text(expr, digits: int = 4) -> str:
    """One line of unicode mathematics for a sympy object (strings pass through unchanged)."""
    if expr is None:
        return ""
    if isinstance(expr, str):
        return expr
    if isinstance(expr, bool):
        return str(expr).lower()
    if isinstance(expr, Fraction):
        expr = sympy.Rational(expr.numerator, expr.denominator)
    elif isinstance(expr, complex):
        expr = sympy.sympify(expr)
    return MathTextPrinter({"digits": digits}).doprint(expr)


# ---------------------------------------------------------------- values

def _is_matrix(value) -> bool:
    return isinstance(value, sympy.MatrixBase)      # explicit entries, not a symbolic matrix expression


_NEGATIVE = re.compile(r"(?<!e)-")          # a sign, not an exponent's: −0.75, 1 − 2i, 1.6e-06


def format_number(value, digits: int = 4, approximate: bool = True,
                  max_exact: int = MAX_EXACT_CHARS) -> str:
    """A number as a textbook prints it.

    ``300``, ``−6``, ``0.62`` (Rational(31, 50) or 0.1-based float noise), ``8/3 ≈ 2.667``,
    ``7√2 ≈ 9.899``, ``1.105e-06``, ``1 + 2i``, ``∞``, ``undefined``; an exact form longer
    than 30 characters gives way to its decimal (``≈ 0.5744``). With ``approximate=False``
    exact values print without the decimal. Non-numbers fall back to ``math_text``.
    """
    exact, dec, is_approx = number_parts(value, digits)
    if dec is not None:
        dec = _NEGATIVE.sub(MINUS, dec)
    if exact is None:
        return ("≈ " if is_approx else "") + (dec or "")
    exact_text = math_text(exact, digits=digits)
    if dec is None or not approximate:
        return exact_text
    if len(exact_text) > max_exact:
        return f"≈ {dec}"
    return f"{exact_text} ≈ {dec}"


def value_text(value, digits: int = 4, approximate: bool = True, max_exact: int = 30) -> str:
    """Any answer value on one line: numbers by ``format_number``, expressions by ``math_text``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if is_numeric(value):
        return format_number(value, digits, approximate=approximate, max_exact=max_exact)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{value_text(k, digits)} = {value_text(v, digits, approximate)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(value_text(v, digits, approximate) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v, digits, approximate) for v in value) + "]"
    if is_step(value):
        return step_line(value, digits=digits)
    if is_solve_step(value):
        return solve_step_line(value, digits)
    if hasattr(value, "text") and type(value).__name__ == "Text":
        return value.text
    return math_text(value, digits)


def matrix_lines(matrix, digits: int = 4) -> list[str]:
    """A matrix as a bracketed grid of lines, columns centred (one row: '[1  2]')."""
    rows, cols = matrix.shape
    if rows == 0 or cols == 0:
        return ["[]"]
    cells = [[math_text(matrix[i, j], digits) for j in range(cols)] for i in range(rows)]
    widths = [max(len(cells[i][j]) for i in range(rows)) for j in range(cols)]
    body = ["  ".join(cells[i][j].center(widths[j]) for j in range(cols)) for i in range(rows)]
    if rows == 1:
        return [f"[{body[0]}]"]
    out = []
    for i, line in enumerate(body):
        left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == rows - 1 else ("⎢", "⎥")
        out.append(f"{left}{line}{right}")
    return out


# ---------------------------------------------------------------- equations

def _rhs_text(eq, digits: int) -> str:
    return value_text(eq.rhs, digits, approximate=getattr(eq, "approx", True))


def equation_text(eq, digits: int = 4) -> str:
    """``lhs = rhs`` (or ``lhs = via = rhs``) on one line."""
    digits = getattr(eq, "digits", None) or digits
    parts = [] if eq.lhs is None else [value_text(eq.lhs, digits)]
    if getattr(eq, "via", None) is not None:
        parts.append(value_text(eq.via, digits))
    return _join_equation(parts, _rhs_text(eq, digits))


def _join_equation(parts: list, rhs: str) -> str:
    """'lhs = rhs', but 'lhs ≈ 2' (not 'lhs = ≈ 2') when the rhs is only a decimal."""
    if rhs.startswith("≈ ") and parts:
        return " = ".join(parts) + " " + rhs
    return " = ".join(parts + [rhs])


def equation_lines(eq, digits: int = 4) -> list[str]:
    """An Equation as text lines: one line, or a matrix grid with ``lhs =`` on its middle row."""
    digits = getattr(eq, "digits", None) or digits
    rhs = eq.rhs
    if not (_is_matrix(rhs) and rhs.rows > 1 and rhs.cols > 0):
        return [equation_text(eq, digits)]
    parts = [] if eq.lhs is None else [value_text(eq.lhs, digits)]
    if getattr(eq, "via", None) is not None:
        parts.append(value_text(eq.via, digits))
    prefix = "".join(p + " = " for p in parts)
    grid = matrix_lines(rhs, digits)
    mid = (len(grid) - 1) // 2
    return [(prefix if i == mid else " " * len(prefix)) + line for i, line in enumerate(grid)]


# ---------------------------------------------------------------- summaries of large arrays

def is_summary(item) -> bool:
    """A ``calcai.solution.Summary``: a vector or matrix shown by shape, norm, range, first entries."""
    return type(item).__name__ == "Summary" and hasattr(item, "shape") and hasattr(item, "rows")


def summary_shape(item) -> str:
    """'128 entries' for a vector, '128×64 matrix' for a matrix."""
    if len(item.shape) == 1:
        return f"{item.shape[0]} entries"
    return f"{item.shape[0]}×{item.shape[1]} matrix"


def summary_head(item, digits: int = 4) -> str:
    """The first line: 'lhs = via: 128 entries, ‖lhs‖ = 9.512, entries from −2.359 to 2.763'."""
    parts = [value_text(p, digits) for p in (item.lhs, item.via) if p is not None]
    name = value_text(item.lhs, digits) if item.lhs is not None else ""
    return (f"{' = '.join(parts)}: {summary_shape(item)}, ‖{name}‖ = {math_text(item.norm, digits)}, "
            f"entries from {math_text(item.low, digits)} to {math_text(item.high, digits)}")


def summary_cells(item, digits: int = 4) -> list[list[str]]:
    """The shown entries as text, with '…' for the columns left out and a row of '⋮' (and
    '⋱' in the corner) for the rows left out."""
    rows = [[math_text(v, digits) for v in row] for row in item.rows]
    cols = item.shape[-1]
    if rows and len(rows[0]) < cols:
        rows = [r + ["…"] for r in rows]
    if len(item.shape) == 2 and len(item.rows) < item.shape[0]:
        width = len(rows[0]) if rows else 1
        rows.append(["⋮"] * (width - 1) + ["⋱" if rows and rows[0][-1] == "…" else "⋮"])
    return rows


def summary_lines(item, digits: int = 4) -> list[str]:
    """A Summary as text: the head line, then the first entries (a vector on one line in
    brackets, a matrix as a bracketed grid), indented by two spaces."""
    lines = [summary_head(item, digits)]
    cells = summary_cells(item, digits)
    if len(item.shape) == 1:
        return lines + ["  [" + ", ".join(cells[0]) + "]"]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    body = ["  ".join(c.center(w) for c, w in zip(row, widths)) for row in cells]
    if len(body) == 1:
        return lines + [f"  [{body[0]}]"]
    for i, line in enumerate(body):
        left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == len(body) - 1 else ("⎢", "⎥")
        lines.append(f"  {left}{line}{right}")
    return lines


# ---------------------------------------------------------------- step trees

STEP_FIELDS = ("rule", "expr", "wrt", "result", "substeps")


def is_step(obj) -> bool:
    """A derivation / integration step node: has rule, expr, wrt, result and substeps."""
    return not isinstance(obj, type) and all(hasattr(obj, a) for a in STEP_FIELDS)


def is_integral_step(node) -> bool:
    """An integration step (``calcai.integrals.IntegralStep``, or any node whose class name
    mentions Integral, or with ``operation == 'integrate'``)."""
    if getattr(node, "operation", None) in ("integrate", "integral"):
        return True
    return any("Integral" in cls.__name__ for cls in type(node).__mro__)


def is_step_work(node) -> bool:
    """A line of working inside an integration step tree (``calcai.integrals.IntegralWork``):
    equations, an optional label in words, and the steps shown under it."""
    return type(node).__name__ == "IntegralWork" and hasattr(node, "equations")


def is_differential(term) -> bool:
    """``expr d(wrt)`` in a line of working (``calcai.integrals.Differential``)."""
    return type(term).__name__ == "Differential" and hasattr(term, "wrt")


def _term_text(term, digits: int) -> str:
    """A term of a line of working: 'eˣ dx', '(x + 1) dx', 'dx', 'dv', or an expression."""
    if is_differential(term):
        var = math_text(term.wrt, digits)
        if term.expr == 1:
            return f"d{var}"
        text = math_text(term.expr, digits)
        if getattr(term.expr, "is_Add", False):
            return f"({text}) d{var}"
        for sign in ("", MINUS):
            if text.startswith(sign + "1/"):                # 1/x dx is written dx/x
                return f"{sign}d{var}/{text[len(sign) + 2:]}"
        return f"{text} d{var}"
    return math_text(term, digits)


def work_text(node, digits: int = 4) -> str:
    """The equations of a line of working: 'u = x, dv = eˣ dx'."""
    return ", ".join(" = ".join(_term_text(t, digits) for t in eq) for eq in node.equations)


# How integration rules are called in a walkthrough (the rest: 'power rule', 'exp rule', …).
INTEGRAL_RULE_LABELS = {
    "u": "substitution", "parts": "integration by parts", "cyclic_parts": "integration by parts, twice",
    "partial_fractions": "partial fractions", "long_division": "long division",
}


def rule_label(rule) -> str:
    """'constant_multiple' -> 'constant multiple rule'; 'rewrite' stays; 'sympy' -> 'sympy (no named rule)'."""
    name = str(rule or "step").replace("_", " ").strip()
    if name == "sympy":
        return "sympy (no named rule)"
    if name in ("rewrite", "step") or name.endswith("rule"):
        return name
    return f"{name} rule"


def _wrt_tuple(wrt) -> tuple:
    if isinstance(wrt, (tuple, list, sympy.Tuple)):
        return tuple(wrt)
    return (wrt,)


def derivative_operator(wrt, partial: bool = False) -> str:
    """'d/dx', '∂/∂x', 'd²/dx²', '∂²/∂x∂y' for a variable or a tuple of variables."""
    variables = _wrt_tuple(wrt)
    n = len(variables)
    d = "∂" if partial else "d"
    names = [math_text(v) for v in variables]
    if n == 1:
        return f"{d}/{d}{names[0]}"
    top = f"{d}{superscript(str(n))}"
    if len(set(names)) == 1 and not partial:
        return f"{top}/{d}{names[0]}{superscript(str(n))}"
    if len(set(names)) == 1:
        return f"{top}/∂{names[0]}{superscript(str(n))}"
    return f"{top}/" + "".join(f"∂{name}" for name in names)


def step_is_partial(node, inherited: bool = False) -> bool:
    """∂ rather than d: the expression has more than one free symbol (or a parent step did,
    with respect to the same variable), or its one symbol is not the variable."""
    if inherited:
        return True
    expr = getattr(node, "expr", None)
    free = getattr(expr, "free_symbols", set())
    if len(free) > 1:
        return True
    wrt = set(_wrt_tuple(getattr(node, "wrt", None)))
    return bool(free) and not (free & wrt)


def _chain_note(node, digits: int) -> str:
    inner = getattr(node, "inner", None)
    if inner is None:
        return ""
    u = getattr(node, "u", None)
    return f" (u = {math_text(inner, digits)})" if u is None else \
        f" ({math_text(u, digits)} = {math_text(inner, digits)})"


def step_parts(node, partial: bool = False, digits: int = 4) -> tuple[str, str, str]:
    """(rule label, annotation, body) of one step line: body is 'd/dx x³ = 3x²' (for a line
    of working: its label, possibly '', and its equations)."""
    if is_step_work(node):
        return node.label, "", work_text(node, digits)
    printer = MathTextPrinter({"digits": digits})
    before = getattr(node, "before", None)
    integral = is_integral_step(node)
    if integral:
        var = "".join(math_text(v, digits) for v in _wrt_tuple(node.wrt))

        def show(e):
            return f"∫ {_operand(printer, e)} d{var}"
    else:
        op = derivative_operator(node.wrt, partial)

        def show(e):
            return f"{op} {_operand(printer, e, quotient=True)}"
    pieces = [show(node.expr)]
    expanded = getattr(node, "expanded", None)
    if expanded is not None:            # the expression rewritten before the rule applies
        pieces.append(show(expanded))
    if before is not None:              # a rewrite: the result before it was tidied
        pieces.append(math_text(before, digits))
    if node.result is not None:
        pieces.append(math_text(node.result, digits))
    label = INTEGRAL_RULE_LABELS.get(node.rule) if integral else None
    return label or rule_label(node.rule), _chain_note(node, digits), " = ".join(pieces)


def step_line(node, partial: bool | None = None, digits: int = 4) -> str:
    """One node: 'chain rule (u = x² + 1): d/dx (x² + 1)³ = 6x·(x² + 1)²'."""
    if partial is None:
        partial = step_is_partial(node)
    label, note, body = step_parts(node, partial, digits)
    return f"{label}{note}: {body}" if label or note else body


def _child_partial(parent, child, parent_partial: bool) -> bool:
    same_wrt = _wrt_tuple(getattr(parent, "wrt", None)) == _wrt_tuple(getattr(child, "wrt", None))
    return step_is_partial(child, inherited=parent_partial and same_wrt)


def walk_steps(node, depth: int = 0, partial: bool | None = None):
    """Yield (depth, node, partial) for a step tree, parents before children."""
    if partial is None:
        partial = step_is_partial(node)
    yield depth, node, partial
    for child in getattr(node, "substeps", ()) or ():
        yield from walk_steps(child, depth + 1, _child_partial(node, child, partial))


def step_lines(node, digits: int = 4, indent: str = "  ") -> list[str]:
    """A step tree as lines, each child indented two more spaces than its parent."""
    return [indent * depth + step_line(n, p, digits) for depth, n, p in walk_steps(node)]


# ---------------------------------------------------------------- equation-solving steps

RELATION_OPS = {"=": "=", "≠": "≠", "<": "<", ">": ">", "≤": "≤", "≥": "≥"}


def is_solve_step(obj) -> bool:
    """An equation-solving step node (``calcai.equations.SolveStep``): has rule, label, shown,
    solutions and substeps."""
    return not isinstance(obj, type) and all(
        hasattr(obj, a) for a in ("rule", "label", "shown", "solutions", "substeps"))


def _bracketed(printer, expr) -> str:
    """An expression next to ± or /: bracketed when it is a sum."""
    text = printer._print(expr)
    if isinstance(expr, sympy.Basic) and precedence(expr) < PRECEDENCE["Mul"] and not text.startswith("("):
        text = f"({text})"
    return text


def plus_minus_text(piece, digits: int = 4) -> str:
    """(c ± r)/d as '(3 ± √5)/2', '3 ± √5', '±√2', '±√5/2'."""
    printer = MathTextPrinter({"digits": digits})
    radius = _bracketed(printer, piece.radius)
    if piece.center == 0:
        body = f"±{radius}"
        if piece.denominator != 1:
            body += "/" + _bracketed(printer, piece.denominator)
        return body
    body = f"{printer._print(piece.center)} ± {radius}"
    if piece.denominator == 1:
        return body
    return f"({body})/{_bracketed(printer, piece.denominator)}"


def _solve_term_text(term, digits: int) -> str:
    """A term of a solving step's working: ±-pieces or an expression."""
    if type(term).__name__ == "PlusMinus":
        return plus_minus_text(term, digits)
    return math_text(term, digits)


def shown_text(piece, digits: int = 4) -> str:
    """The working of a solving step on one line: relations ('x² − 2 = 0', 'y = λ = 5'),
    joined pieces ('4x = 0 or x² − 2 = 0', 'x² = 2 ⇒ x = ±√2'), words as they are."""
    if piece is None:
        return ""
    if isinstance(piece, str):
        return piece
    kind = type(piece).__name__
    if kind == "Relation":
        op = RELATION_OPS.get(piece.op, piece.op)
        return f" {op} ".join(_solve_term_text(t, digits) for t in piece.terms)
    if kind == "Join":
        return piece.sep.join(shown_text(p, digits) for p in piece.parts)
    if isinstance(piece, (tuple, list)):
        return ", ".join(shown_text(p, digits) for p in piece)
    return _solve_term_text(piece, digits)


def solve_step_parts(node, digits: int = 4) -> tuple[str, str, str, str]:
    """(label, mathematics after the label, note, working) of one solving step."""
    return (str(node.label), shown_text(getattr(node, "label_math", None), digits),
            shown_text(getattr(node, "note", None), digits), shown_text(node.shown, digits))


def solve_step_line(node, digits: int = 4) -> str:
    """One solving step: 'factor out 4x: 4x³ − 8x = 4x·(x² − 2) = 0',
    'quadratic formula (a = 1, b = −3, c = 1, Δ = b² − 4ac = 5): …', 'case x = 0'."""
    label, math, note, body = solve_step_parts(node, digits)
    line = label + (f" {math}" if math else "") + (f" ({note})" if note else "")
    return f"{line}: {body}" if body else line


def walk_solve_steps(node, depth: int = 0):
    """Yield (depth, node) for a solving tree, parents before children."""
    yield depth, node
    for child in getattr(node, "substeps", ()) or ():
        yield from walk_solve_steps(child, depth + 1)


def solve_step_lines(node, digits: int = 4, indent: str = "  ") -> list[str]:
    """A solving tree as lines, each child indented two more spaces than its parent."""
    return [indent * depth + solve_step_line(n, digits) for depth, n in walk_solve_steps(node)]


# ---------------------------------------------------------------- tables

TABLE_MAX_EXACT = 12     # in a table, 8/3 ≈ 2.667 but ≈ 1.785 for 17434098/9765625


def cell_text(value, digits: int = 4) -> str:
    """A table cell: like ``value_text``, but an exact form longer than 12 characters gives way
    to its decimal so that columns stay readable."""
    return value_text(value, digits, max_exact=TABLE_MAX_EXACT)


def table_lines(table, digits: int = 4) -> list[str]:
    """Headers, a rule of '─', then rows; columns left-aligned, two spaces apart."""
    headers = [cell_text(h, digits) for h in table.headers]
    rows = [[cell_text(c, digits) for c in row] for row in table.rows]
    ncols = max([len(headers)] + [len(r) for r in rows])
    headers += [""] * (ncols - len(headers))
    rows = [r + [""] * (ncols - len(r)) for r in rows]
    widths = [max(len(line[j]) for line in [headers] + rows) for j in range(ncols)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    return [line(headers), "  ".join("─" * w for w in widths)] + [line(r) for r in rows]


# ---------------------------------------------------------------- walkthrough

def item_lines(item, digits: int = 4) -> list[str]:
    """Any walkthrough item as text lines."""
    kind = type(item).__name__
    if isinstance(item, str):
        return [item]
    if kind == "Text" and hasattr(item, "text"):
        return [str(item.text)]
    if is_solve_step(item):
        return solve_step_lines(item, digits)
    if kind == "Equation" or (hasattr(item, "lhs") and hasattr(item, "rhs")):
        return equation_lines(item, digits)
    if is_summary(item):
        return summary_lines(item, digits)
    if kind == "Table" or (hasattr(item, "headers") and hasattr(item, "rows")):
        return table_lines(item, digits)
    if is_step(item):
        return step_lines(item, digits)
    if kind == "Section" and hasattr(item, "items"):
        lines = [item.title] if item.title else []
        for sub in item.items:
            lines += item_lines(sub, digits)
        return lines
    return [value_text(item, digits)]


def check_lines(check, digits: int = 4) -> list[str]:
    """'Check: pass', or one 'Check: FAIL — path: expected …, computed …' per failed item."""
    status = getattr(check, "status", "none") if check is not None else "none"
    if status == "none":
        return []
    if status == "pass":
        return ["Check: pass"]
    if status != "fail":
        return [f"Check: {status}"]
    failed = [i for i in getattr(check, "items", ()) if not i.ok]
    if not failed:
        return ["Check: FAIL"]
    lines = []
    for i in failed:
        line = (f"Check: FAIL — {i.path}: expected {value_text(i.expected, digits)}, "
                f"computed {value_text(i.computed, digits)}")
        if getattr(i, "message", ""):
            line += f" ({i.message})"
        lines.append(line)
    return lines


ANSWER = "Answer: "


def render_text(w, digits: int = 4) -> str:
    """A walkthrough as plain text (no escape codes); see the module docstring for the layout."""
    lines: list[str] = []
    title = getattr(w, "title", "") or ""
    if title:
        lines += [title, "=" * len(title)]
    for section in getattr(w, "sections", ()) or ():
        if lines:
            lines.append("")
        if getattr(section, "title", ""):
            lines += [section.title, "-" * len(section.title)]
        for item in getattr(section, "items", ()) or ():
            lines += item_lines(item, digits)
    final: list[str] = []
    for item in getattr(w, "final", ()) or ():
        final += item_lines(item, digits)
    if final:
        if lines:
            lines.append("")
        lines += [(ANSWER if i == 0 else " " * len(ANSWER)) + line for i, line in enumerate(final)]
    checks = check_lines(getattr(w, "check", None), digits)
    if checks:
        if lines and not final:
            lines.append("")
        lines += checks
    return "\n".join(lines)


__all__ = ["render_text", "math_text", "format_number", "value_text", "equation_text", "equation_lines",
           "step_line", "step_lines", "step_parts", "walk_steps", "is_step", "is_integral_step", "is_step_work",
           "is_differential", "work_text", "INTEGRAL_RULE_LABELS",
           "rule_label", "derivative_operator", "table_lines", "check_lines", "item_lines",
           "matrix_lines", "symbol_text", "MathTextPrinter", "is_summary", "summary_head",
           "summary_lines", "summary_cells", "summary_shape", "is_solve_step", "shown_text",
           "solve_step_line", "solve_step_lines", "solve_step_parts", "walk_solve_steps", "plus_minus_text"]
