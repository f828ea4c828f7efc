"""A safe reader for mathematical notation: text in, sympy expression out.

Nothing here evaluates the text as Python: a tokenizer and a recursive-descent parser
turn a whitelisted grammar into sympy objects built directly (``Add``, ``Mul``, ``Pow``,
known function classes). Accepted notation::

    x**3 + 2*x**2 + 5      x^3 + 2x^2 + 5      x³ − 3x² + 2      (x² + 1)³
    3xy  (= 3·x·y)         2(x+1)   (x+1)(x-1)   e^(2x)   √(x)   π   |x|
    w₁·x₁ + w₂·x₂          σ(x)   ln(x)   ReLU(x)   max(0, x)   tanh²(x)
    sec(x)²   log₁₀(x)   GELU(x)   swish(x, β)   ELU(x, 0.5)   Φ(x)

Names: a known function must be followed by ``(``; ``e`` and ``pi``/``π`` are constants
(``selu_alpha``, ``selu_lambda``: SELU's α₀₁ and λ₀₁, as JSON output writes them);
Greek letter names (``alpha``, ``lambda``, ``sigma``…) and names with digits or underscores
(``w1``, ``x_1``) are variables; other runs of letters are products of one-letter
variables (``xy`` = x·y) unless listed in ``variables``. All variables are real symbols.
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from dataclasses import dataclass

from . import limits as _limits
from .errors import LimitError, ParseError


class ParseLimitError(ParseError, LimitError):
    """An expression that is well-formed but larger than a limit allows."""

    exit_code = LimitError.exit_code


# ---------------------------------------------------------------- characters
SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5",
                "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"}
SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5",
              "₆": "6", "₇": "7", "₈": "8", "₉": "9"}
OPERATOR_ALIASES = {"−": "-", "–": "-", "·": "*", "⋅": "*", "∙": "*", "×": "*", "÷": "/"}
GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
         "ζ": "zeta", "η": "eta", "θ": "theta", "κ": "kappa", "λ": "lambda", "μ": "mu",
         "ν": "nu", "ξ": "xi", "ρ": "rho", "σ": "sigma", "τ": "tau", "φ": "phi",
         "χ": "chi", "ψ": "psi", "ω": "omega", "π": "pi", "Φ": "Phi"}
GREEK_NAMES = frozenset(GREEK.values()) - {"pi"}
FORBIDDEN = {
    "'": "strings are not allowed", '"': "strings are not allowed",
    ".": "attribute access is not allowed", "[": "indexing is not allowed",
    "]": "indexing is not allowed", "{": "braces are not allowed", "}": "braces are not allowed",
    ";": "statements are not allowed", ":": "':' is not allowed (no lambdas or slices)",
    "=": "'=' is not allowed in an expression", "<": "comparisons are not allowed",
    ">": "comparisons are not allowed", "!": "'!' is not allowed (factorials are not supported)",
    "@": "'@' is not allowed", "\\": "backslashes are not allowed", "`": "backticks are not allowed",
    "$": "'$' is not allowed", "#": "comments are not allowed", "&": "'&' is not allowed",
    "%": "'%' is not allowed", "~": "'~' is not allowed", "?": "'?' is not allowed",
}

# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str   # "num", "name", "op", "sup", "end"
    text: str
    pos: int


_NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?", re.ASCII)   # not Arabic-Indic digits
_NAME_CHARS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch.isascii() and ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1] in "0123456789"):
            m = _NUMBER.match(text, i)
            if re.match(r"0\d", m.group(1)):                 # 012: octal in some languages
                raise ParseError(f"the number {m.group(1)!r} has a leading zero", i, text)
            if m.group(0) == "0" and re.match(r"[xXoObB][0-9A-Fa-f]", text[m.end():m.end() + 2]):
                raise ParseError("hexadecimal, octal and binary numbers like 0x10 are not supported",
                                 i, text)                       # 0x10 would read as 0·x10 = 0
            tokens.append(Token("num", m.group(0), i))
            i = m.end()
            if i < n and text[i] == ".":          # 1..2 and 1.5.2 are not numbers
                raise ParseError("a number cannot be followed by '.'", i, text)
            if i < n and text[i] == "_":          # 1_000 would read as 1·_000
                raise ParseError("a number cannot be followed by '_' (no digit separators)", i, text)
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            m = _NAME_CHARS.match(text, i)
            name, j = m.group(0), m.end()
            while j < n and text[j] in SUBSCRIPTS:     # w₁ -> w1
                name += SUBSCRIPTS[text[j]]
                j += 1
            tokens.append(Token("name", name, i))
            i = j
        elif ch in GREEK:
            name, j = GREEK[ch], i + 1
            while j < n and text[j] in SUBSCRIPTS:
                name += SUBSCRIPTS[text[j]]
                j += 1
            tokens.append(Token("name", name, i))
            i = j
        elif ch in SUPERSCRIPTS:
            j = i
            while j < n and text[j] in SUPERSCRIPTS:
                j += 1
            digits = "".join(SUPERSCRIPTS[c] for c in text[i:j])
            if not re.fullmatch(r"-?\d+", digits):
                raise ParseError(f"malformed superscript exponent {text[i:j]!r}", i, text)
            tokens.append(Token("sup", digits, i))
            i = j
        elif ch == "*" and text.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
        elif ch in "+-*/^(),|" or ch in OPERATOR_ALIASES:
            tokens.append(Token("op", OPERATOR_ALIASES.get(ch, ch), i))
            i += 1
        elif ch in "√∞":
            tokens.append(Token("op", ch, i))
            i += 1
        elif ch in FORBIDDEN:
            raise ParseError(FORBIDDEN[ch], i, text)
        else:
            raise ParseError(f"unexpected character {ch!r} ({_char_name(ch)})", i, text)
    tokens.append(Token("end", "", n))
    return tokens


def _char_name(ch: str) -> str:
    return unicodedata.name(ch, f"U+{ord(ch):04X}")


# ---------------------------------------------------------------- names

def _function_table() -> dict:
    import sympy as sp

    from .functions import (
        elu, gelu, gelu_tanh, leaky_relu, log2, log10, mish, normal_cdf, normal_pdf, relu, selu,
        sigmoid, silu, softplus, softsign, swish,
    )

    def _max(*args):
        if len(args) == 2 and args[0] == 0:
            return relu(args[1])
        if len(args) == 2 and args[1] == 0:
            return relu(args[0])
        return sp.Max(*args)

    def _swish(x, beta=None):           # swish(x) is SiLU(x): swish with β = 1
        return silu(x) if beta is None else swish(x, beta)

    return {
        # name: (builder, min args, max args)
        "exp": (sp.exp, 1, 1), "log": (sp.log, 1, 2), "ln": (sp.log, 1, 1),
        "log2": (log2, 1, 1), "log10": (log10, 1, 1),
        "sqrt": (sp.sqrt, 1, 1), "sin": (sp.sin, 1, 1), "cos": (sp.cos, 1, 1),
        "tan": (sp.tan, 1, 1), "sec": (sp.sec, 1, 1), "csc": (sp.csc, 1, 1), "cosec": (sp.csc, 1, 1),
        "cot": (sp.cot, 1, 1), "cotan": (sp.cot, 1, 1),
        "asin": (sp.asin, 1, 1), "acos": (sp.acos, 1, 1),
        "atan": (sp.atan, 1, 1), "arcsin": (sp.asin, 1, 1), "arccos": (sp.acos, 1, 1),
        "arctan": (sp.atan, 1, 1), "sinh": (sp.sinh, 1, 1), "cosh": (sp.cosh, 1, 1),
        "tanh": (sp.tanh, 1, 1), "asinh": (sp.asinh, 1, 1), "acosh": (sp.acosh, 1, 1),
        "atanh": (sp.atanh, 1, 1), "arcsinh": (sp.asinh, 1, 1), "arccosh": (sp.acosh, 1, 1),
        "arctanh": (sp.atanh, 1, 1), "arsinh": (sp.asinh, 1, 1), "arcosh": (sp.acosh, 1, 1),
        "artanh": (sp.atanh, 1, 1), "erf": (sp.erf, 1, 1), "erfc": (sp.erfc, 1, 1),
        "abs": (sp.Abs, 1, 1), "max": (_max, 2, 8),
        "min": (sp.Min, 2, 8), "sigmoid": (sigmoid, 1, 1), "relu": (relu, 1, 1),
        "leaky_relu": (leaky_relu, 1, 2), "leakyrelu": (leaky_relu, 1, 2),
        "softplus": (softplus, 1, 1), "sign": (sp.sign, 1, 1),
        "step": (lambda u: sp.Heaviside(u, 0), 1, 1),
        "gelu": (gelu, 1, 1), "gelu_tanh": (gelu_tanh, 1, 1), "silu": (silu, 1, 1),
        "swish": (_swish, 1, 2), "elu": (elu, 1, 2), "selu": (selu, 1, 1),
        "softsign": (softsign, 1, 1), "mish": (mish, 1, 1),
        "normal_cdf": (normal_cdf, 1, 1), "normal_pdf": (normal_pdf, 1, 1),
    }


_FUNCTIONS: dict | None = None


def functions() -> dict:
    global _FUNCTIONS
    if _FUNCTIONS is None:
        _FUNCTIONS = _function_table()
    return _FUNCTIONS


KNOWN_FUNCTION_NAMES = ("exp, log, ln, log2, log10, sqrt, sin, cos, tan, sec, csc, cot, asin, acos, atan, "
                        "sinh, cosh, tanh, asinh, acosh, atanh, erf, erfc, abs, max, min, sign, step, "
                        "sigmoid (σ), relu, leaky_relu, softplus, gelu, gelu_tanh, silu, swish, elu, selu, "
                        "softsign, mish, normal_cdf (Φ), normal_pdf")
CONSTANT_NAMES = {"e", "pi", "inf", "oo", "selu_alpha", "selu_lambda"}


def check_variable_name(name: str, position: int = 0, text: str = "") -> None:
    """Refuse names that are not plain identifiers, dunders, or Python keywords (but λ 'lambda' is fine)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name or ""):
        raise ParseError(f"{name!r} is not a valid variable name (letters, digits and _ only)", position, text)
    if "__" in name:
        raise ParseError(f"names with double underscores are not allowed: {name!r}", position, text)
    if keyword.iskeyword(name) and name != "lambda" or name in ("True", "False", "None"):
        raise ParseError(f"the Python keyword {name!r} is not allowed as a name", position, text)


def _symbol(name: str):
    import sympy as sp

    return sp.Symbol(name, real=True)


# ---------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, variables: dict, lim):
        self.text = text
        self.tokens = _split_products(_tokenize(text), variables)
        self.i = 0
        self.variables = variables      # name -> Symbol
        self.lim = lim
        self.depth = 0
        self.nodes = 0
        self.abs_depth = 0
        import sympy as sp

        self.sp = sp

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def error(self, message: str, pos: int | None = None):
        return ParseError(message, self.tok.pos if pos is None else pos, self.text)

    def expect(self, op: str):
        if self.tok.kind == "op" and self.tok.text == op:
            return self.advance()
        found = "the end of the expression" if self.tok.kind == "end" else repr(self.tok.text)
        raise self.error(f"expected {op!r} but found {found}")

    def count(self, expr):
        self.nodes += 1
        if self.nodes > self.lim.max_expression_nodes:
            raise ParseLimitError(
                f"expression has more than {self.lim.max_expression_nodes} parts (limit max_expression_nodes)",
                self.tok.pos, self.text)
        return expr

    def enter(self):
        self.depth += 1
        if self.depth > self.lim.max_nesting:
            raise ParseLimitError(f"expression is nested more than {self.lim.max_nesting} levels deep "
                                  "(limit max_nesting)", self.tok.pos, self.text)

    def is_op(self, *ops) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    # -- grammar
    def parse(self):
        if self.tok.kind == "end":
            raise self.error("the expression is empty")
        expr = self.additive()
        if self.tok.kind != "end":
            if self.is_op(")"):
                raise self.error("unmatched ')'")
            if self.is_op(","):
                raise self.error("',' outside a function's arguments")
            raise self.error(f"unexpected {self.tok.text!r}")
        return expr

    def additive(self):
        self.enter()
        terms = [self.term()]
        while self.is_op("+", "-"):
            op = self.advance().text
            t = self.term()
            terms.append(self.count(-t if op == "-" else t))
        self.depth -= 1
        return self.sp.Add(*terms) if len(terms) > 1 else terms[0]

    def starts_atom(self) -> bool:
        t = self.tok
        return t.kind in ("num", "name") or (t.kind == "op" and t.text in ("(", "√", "∞"))

    def term(self):
        factors = [self.unary()]
        while True:
            if self.is_op("*"):
                self.advance()
                factors.append(self.unary())
            elif self.is_op("/"):
                pos = self.advance().pos
                d = self.unary()
                if d == 0:
                    raise ParseError("division by zero", pos, self.text)
                factors.append(self.sp.Pow(d, -1))
            elif self.starts_atom():          # implicit multiplication: 2x, 3xy, (x+1)(x-1)
                if self.tok.kind == "num" and self.tokens[self.i - 1].kind in ("num", "sup"):
                    raise self.error("two numbers side by side need an operator between them")
                factors.append(self.power())
            else:
                break
            self.count(None)
        return self.sp.Mul(*factors) if len(factors) > 1 else factors[0]

    def unary(self):
        if self.is_op("-"):
            self.advance()
            self.enter()
            v = -self.unary()
            self.depth -= 1
            return self.count(v)
        if self.is_op("+"):
            self.advance()
            return self.unary()
        return self.power()

    def power(self):
        base = self.postfix()
        if self.is_op("^"):
            pos = self.advance().pos
            self.enter()
            exponent = self.unary()          # right-associative: a^b^c = a^(b^c)
            self.depth -= 1
            return self.count(self.make_pow(base, exponent, pos))
        return base

    def postfix(self):
        atom = self.atom()
        while self.tok.kind == "sup":
            t = self.advance()
            atom = self.count(self.make_pow(atom, self.sp.Integer(int(t.text)), t.pos))
        return atom

    def make_pow(self, base, exponent, pos):
        sp, lim = self.sp, self.lim
        if exponent.is_Number and base.is_Number:
            if base == 0 and exponent.is_negative:
                raise ParseError("division by zero (0 to a negative power)", pos, self.text)
            if exponent.is_Rational and abs(exponent.q) > lim.max_exponent:
                raise ParseLimitError(f"root of order {exponent.q} is larger than the limit "
                                      f"{lim.max_exponent} (limit max_exponent)", pos, self.text)
            size = max(abs(base.p), abs(base.q)) if base.is_Rational else 10
            digits = float(abs(exponent)) * math.log10(max(size, 2))
            if digits > lim.max_power_digits:
                raise ParseLimitError(f"the power would have about {digits:.3g} digits, more than the limit "
                                      f"{lim.max_power_digits} (limit max_power_digits)", pos, self.text)
        elif exponent.is_Number and abs(exponent) > lim.max_exponent:
            raise ParseLimitError(f"exponent {exponent} is larger than the limit {lim.max_exponent} "
                                  "(limit max_exponent)", pos, self.text)
        elif exponent.is_number and not exponent.is_Number and base.is_number and base not in (0, 1, -1):
            # also e^(e^(e^100)) and π^(π^(π^5)): constants that evaluating would never finish
            approx, size = _safe_magnitude(exponent), _safe_magnitude(base)
            if approx is None or size is None or approx * math.log10(max(size, 2)) > lim.max_power_digits:
                raise ParseLimitError("the power is too large to compute (limit max_power_digits)", pos, self.text)
        return sp.Pow(base, exponent)

    def atom(self):
        t = self.tok
        sp = self.sp
        if t.kind == "num":
            self.advance()
            return self.count(self.number(t))
        if t.kind == "name":
            return self.name()
        if t.kind == "op":
            if t.text == "(":
                self.advance()
                self.enter()
                if self.is_op(")"):
                    raise self.error("empty brackets '()'")
                inner = self.additive()
                self.expect(")")
                self.depth -= 1
                return inner
            if t.text == "√":
                self.advance()
                self.enter()
                arg = self.postfix()
                self.depth -= 1
                return self.count(sp.sqrt(arg))
            if t.text == "∞":
                self.advance()
                return sp.oo
            if t.text == "|" and self.abs_depth < 8:
                self.advance()
                self.enter()
                self.abs_depth += 1
                inner = self.additive()
                self.expect("|")
                self.abs_depth -= 1
                self.depth -= 1
                return self.count(sp.Abs(inner))
        if t.kind == "end":
            raise self.error("the expression ends too early: a number, name or '(' is missing")
        if t.kind == "sup":
            raise self.error("a superscript exponent needs something before it")
        raise self.error(f"unexpected {t.text!r}: a number, name or '(' is expected here")

    def number(self, t: Token):
        sp, lim = self.sp, self.lim
        m = _NUMBER.fullmatch(t.text)
        mantissa, exp = m.group(1), m.group(2)
        digits = mantissa.replace(".", "").lstrip("0")
        if len(digits) > lim.max_integer_digits:
            raise ParseLimitError(f"number has {len(digits)} digits, more than the limit {lim.max_integer_digits} "
                                  "(limit max_integer_digits)", t.pos, self.text)
        value = sp.Rational(mantissa) if "." in mantissa else sp.Integer(int(mantissa))
        if exp is not None:
            e = int(exp) if len(exp.lstrip("+-")) <= 6 else 10**7
            if abs(e) > lim.max_decimal_exponent:
                raise ParseLimitError(f"exponent e{exp} is larger than the limit {lim.max_decimal_exponent} "
                                      "(limit max_decimal_exponent)", t.pos, self.text)
            value = value * sp.Integer(10) ** e
        return value

    def name(self):
        t = self.advance()
        name, sp = t.text, self.sp
        check_variable_name(name, t.pos, self.text)
        followed_by_call = self.is_op("(")
        fn_key = name.lower()
        # a function raised to a superscript power before its argument: tanh²(x)
        if fn_key in functions() and self.tok.kind == "sup" and self.tokens[self.i + 1].text == "(":
            sup = self.advance()             # checked like any power: sqrt⁹⁹⁹⁹(4) is a limit
            return self.count(self.make_pow(self.call(fn_key, t), sp.Integer(int(sup.text)), sup.pos))
        if name == "sigma" and followed_by_call and name not in self.variables:
            fn_key = "sigmoid"       # σ(x) is the sigmoid; σ alone is a variable
        if name == "Phi" and followed_by_call and name not in self.variables:
            fn_key = "normal_cdf"    # Φ(x) is the standard normal distribution function
        # w1(x+1) and x_1(x+1) multiply, like x(x+1); other names before '(' must be functions
        variable_like = re.fullmatch(r"[A-Za-z][0-9]*|[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*", name)
        if followed_by_call and name not in self.variables and (fn_key in functions() or not variable_like):
            if fn_key in functions():
                return self.call(fn_key, t)
            raise ParseError(f"unknown function {name!r}; known functions: {KNOWN_FUNCTION_NAMES}",
                             t.pos, self.text)
        if fn_key in functions() and name not in self.variables:
            raise ParseError(f"the function {name!r} needs its argument in brackets, e.g. {name}(x)",
                             t.pos, self.text)
        return self.count(self.resolve(name, t.pos))

    def call(self, fn_key: str, t: Token):
        builder, lo, hi = functions()[fn_key]
        self.expect("(")
        self.enter()
        if self.is_op(")"):
            raise self.error(f"{t.text}() needs an argument")
        args = [self.additive()]
        while self.is_op(","):
            self.advance()
            args.append(self.additive())
        self.expect(")")
        self.depth -= 1
        if not lo <= len(args) <= hi:
            want = f"{lo}" if lo == hi else f"{lo} to {hi}"
            raise ParseError(f"{t.text}() takes {want} argument{'s' if hi > 1 else ''}, got {len(args)}",
                             t.pos, self.text)
        if fn_key in ("exp", "sinh", "cosh") and args[0].is_number:   # exp(exp(exp(100))) is e^(e^(e^100))
            approx = _safe_magnitude(args[0], real_part=True)
            if approx is None or approx * math.log10(math.e) > self.lim.max_power_digits:
                raise ParseLimitError(f"{t.text}() of this number is too large to compute "
                                      "(limit max_power_digits)", t.pos, self.text)
        try:
            value = builder(*args)
        except (TypeError, ValueError) as err:   # max(sqrt(-1), 1): sympy's "not comparable"
            raise ParseError(f"{t.text}() cannot take these arguments: {err}", t.pos, self.text) from None
        return self.count(value)

    def resolve(self, name: str, pos: int):
        sp = self.sp
        if name in self.variables:
            return self.variables[name]
        if name == "e":
            return sp.E
        if name == "pi":
            return sp.pi
        if name in ("inf", "oo"):
            return sp.oo
        if name in ("selu_alpha", "selu_lambda"):   # SELU's constants α₀₁, λ₀₁, as JSON writes them
            from .functions import SELU_ALPHA, SELU_LAMBDA

            return SELU_ALPHA if name == "selu_alpha" else SELU_LAMBDA
        return self.variables.setdefault(name, _symbol(name))


def _stays_whole(name: str, variables: dict) -> bool:
    """Names read as one symbol: declared ones, functions, constants, Greek letters, names with
    an underscore, and one run of letters followed by digits (w1, x12, loss2)."""
    return (name in variables or name.lower() in functions() or name in CONSTANT_NAMES
            or name.rstrip("0123456789") in GREEK_NAMES or "_" in name or keyword.iskeyword(name)
            or re.fullmatch(r"[A-Za-z][0-9]*|[A-Za-z]+[0-9]+", name) is not None)


def _split_products(tokens: list, variables: dict) -> list:
    """Split runs of letters into one-letter factors before parsing, so that powers bind to the
    last letter only: 3xy^2 = 3·x·y², w1x1 = w₁·x₁. Names before '(' are left to the parser."""
    out = []
    for i, tok in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.kind != "name" or _stays_whole(tok.text, variables) or (after and after.text == "("):
            out.append(tok)
            continue
        offset = 0
        for piece in _split_name(tok.text, variables):
            out.append(Token("name", piece, tok.pos + offset))
            offset += len(piece)
    return out


def _split_name(name: str, variables: dict) -> list[str]:
    """Split a run of letters into declared variables or single letters: 'xy' -> ['x', 'y']."""
    pieces, i = [], 0
    declared = sorted((v for v in variables if len(v) > 1), key=len, reverse=True)
    while i < len(name):
        for v in declared:
            if name.startswith(v, i) and not name[i + len(v):i + len(v) + 1].isdigit():   # 'loss2' is not loss·2
                pieces.append(v)
                i += len(v)
                break
        else:
            m = re.match(r"[A-Za-z][0-9]*", name[i:])
            pieces.append(m.group(0))
            i += m.end()
    return pieces


def _safe_magnitude(expr, real_part: bool = False) -> float | None:
    """|expr| (or |Re expr|) of a constant, as a float; None when it has no finite value."""
    try:
        z = complex(expr.evalf(15))
        value = abs(z.real) if real_part else abs(z)
        return value if math.isfinite(value) else None
    except (TypeError, ValueError, OverflowError):
        return None


def _variable_table(variables) -> dict:
    import sympy as sp

    table = {}
    for v in variables or ():
        if isinstance(v, sp.Symbol):
            check_variable_name(v.name)
            table[v.name] = v
        elif isinstance(v, str):
            check_variable_name(v)
            table[v] = _symbol(v)
        else:
            raise TypeError(f"a variable must be a name or a sympy Symbol, not {type(v).__name__}")
    return table


def parse(text: str, variables=None, *, vectors=None, matrices=None):
    """Read ``text`` as a mathematical expression and return a sympy expression.

    ``variables`` (names or Symbols) are the names to keep whole (``loss``, ``target``) and
    the Symbols to use for them. Raises ``ParseError`` (a ValueError, with ``.position``)
    for anything outside the grammar; a ``ParseLimitError`` also counts as a LimitError.
    With ``vectors`` (name → length) or ``matrices`` (name → (rows, columns)), the text is a
    matrix expression (``W x``, ``xᵀAx``, ``‖v‖²``, ``tr``, ``det``…) read by
    ``calcai.matrix.parse`` into sympy matrix expressions.
    """
    if vectors is not None or matrices is not None:
        from .matrix.parse import parse_matrix

        return parse_matrix(text, vectors, matrices)
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a string, not {type(text).__name__}")
    lim = _limits.current()
    if len(text) > lim.max_expression_chars:
        raise ParseLimitError(f"expression is {len(text)} characters long, more than the limit "
                              f"{lim.max_expression_chars} (limit max_expression_chars)", 0, text[:80])
    table = _variable_table(variables)
    try:
        expr = _Parser(text, table, lim).parse()
    except RecursionError:
        raise ParseLimitError("expression is nested too deeply", 0, text) from None
    _refuse_undefined(expr, text)
    return expr


def _refuse_undefined(expr, text: str) -> None:
    """log(0), 0·∞, sin(∞): an expression with no value is an input error, not a result."""
    import sympy as sp

    if expr.has(sp.zoo, sp.nan, sp.AccumBounds):
        raise ParseError("the expression has no value (a division by zero, log(0), ∞ − ∞ or similar)", 0, text)


def parse_equation(text: str, variables=None):
    """Read ``lhs = rhs`` and return ``lhs − rhs`` (an expression equal to zero)."""
    if not isinstance(text, str):
        raise TypeError(f"parse_equation() needs a string, not {type(text).__name__}")
    if text.count("=") != 1:
        raise ParseError("an equation needs exactly one '=' (like 'x + y = 10')",
                         text.find("=", text.find("=") + 1) if "=" in text else len(text), text)
    at = text.index("=")
    lhs, rhs = text[:at], text[at + 1:]
    left = parse(lhs, variables)
    try:
        right = parse(rhs, variables)
    except ParseError as err:
        raise ParseError(err.message, err.position + at + 1, text) from None
    return left - right
