"""A safe reader for matrix expressions: text in, sympy matrix expression out.

Nothing is evaluated: a small tokenizer and a recursive-descent parser build sympy objects
directly. Names are the declared vectors and matrices (column vectors: n×1), plain numbers,
and these functions::

    W x   W @ x   W·x   W*x      products (a number times a matrix scales it)
    xᵀ   x^T   X⁻¹   X^-1       transpose, inverse;  X^2 = X X (square X)
    ‖v‖²   norm(v)^2            squared Euclidean norm, written vᵀv
    tr(X)  det(X)  log det(X)  log(det(X))  inv(X)  sum(v)  (sum(v) = 𝟙ᵀv)
    σ(z)   sigmoid  tanh  exp  log  softplus  relu: elementwise on a vector or matrix
    σ′(z)  σ'(z)  tanh′(z) …    their derivatives, elementwise (as calcai prints gradients)
    diag(v)                     the diagonal matrix with v on its diagonal
    a ⊙ b                       elementwise (Hadamard) product
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.precedence import PRECEDENCE

from .. import limits as _limits
from ..errors import LimitError, ParseError


class ParseLimitError(ParseError, LimitError):
    """A matrix expression longer than a limit allows (as calcai.parser's, without importing it)."""

    exit_code = LimitError.exit_code

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_SIZE = 10_000          # a declared size larger than this is refused

ELEMENTWISE = ("sigmoid", "tanh", "exp", "log", "softplus", "relu")
NAMED = ("norm", "tr", "trace", "det", "inv", "sum", "log", "ln", "diag") + ELEMENTWISE
_ALIASES = {"σ": "sigmoid", "ln": "log", "trace": "tr"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*|σ|δ)
  | (?P<sup>ᵀ|⁻¹|²|³)
  | (?P<op>\^|\*\*|[-+*/@·⋅⊙∘()‖,−′'])
""", re.VERBOSE)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ParseError(f"unexpected character {text[pos]!r}", pos, text)
        kind = m.lastgroup
        if kind != "ws":
            t = m.group()
            if t in ("·", "⋅", "@", "*"):
                t = "*"
            if t == "−":
                t = "-"
            if t == "∘":
                t = "⊙"
            if t == "**":
                t = "^"
            if t == "'":
                t = "′"
            out.append(Tok(kind, t, pos))
        pos = m.end()
    out.append(Tok("end", "", len(text)))
    return out


def _split_names(toks: list, names: dict) -> list:
    """``Ax`` = A·x when every letter is a declared one-letter name (as calcai reads xy)."""
    out = []
    for t in toks:
        if (t.kind == "name" and t.text not in names and len(t.text) > 1
                and t.text.lower() not in NAMED and all(ch in names for ch in t.text)):
            out += [Tok("name", ch, t.pos + k) for k, ch in enumerate(t.text)]
        else:
            out.append(t)
    return out


def size_symbol(name: str) -> sp.Symbol:
    """A symbolic size: a positive integer symbol."""
    return sp.Symbol(name, integer=True, positive=True)


def _size(value, what: str):
    if isinstance(value, bool):
        raise ParseError(f"{what} must be a whole number ≥ 1 or a size name like n")
    if isinstance(value, int) or (isinstance(value, sp.Integer)):
        if not 1 <= int(value) <= MAX_SIZE:
            raise ParseError(f"{what} must be a whole number from 1 to {MAX_SIZE}, not {value}")
        return sp.Integer(int(value))
    if isinstance(value, sp.Symbol):
        return size_symbol(value.name)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _size(int(text), what)
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", text):
            return size_symbol(text)
    raise ParseError(f"{what} must be a whole number ≥ 1 or a size name like n, not {value!r}")


class SymmetricMatrix(sp.MatrixSymbol):
    """A matrix declared symmetric: Aᵀ = A (so xᵀAx has the gradient 2Ax)."""

    def _eval_transpose(self):
        return self


def transpose(e):
    """eᵀ as written: a symmetric matrix is its own transpose."""
    return e if isinstance(e, SymmetricMatrix) else sp.Transpose(e)


def declare(vectors=None, matrices=None, symmetric=None) -> dict:
    """``{name: MatrixSymbol}`` from ``vectors`` (name → length) and ``matrices``
    (name → (rows, columns)); sizes are whole numbers or names (symbolic sizes). The names in
    ``symmetric`` are square matrices with Aᵀ = A."""
    out = {}
    for name, n in (vectors or {}).items():
        out[_name(name)] = sp.MatrixSymbol(name, _size(n, f"the length of {name}"), 1)
    for name, shape in (matrices or {}).items():
        if name in out:
            raise ParseError(f"{name} is declared twice")
        if isinstance(shape, str):
            parts = re.split(r"[x×,]", shape)
        else:
            parts = list(shape)
        if len(parts) != 2:
            raise ParseError(f"the shape of {name} must be [rows, columns]")
        out[_name(name)] = sp.MatrixSymbol(name, _size(parts[0], f"the rows of {name}"),
                                           _size(parts[1], f"the columns of {name}"))
    if not out:
        raise ParseError("declare at least one vector or matrix")
    for name in symmetric or ():
        m = out.get(name)
        if m is None or m.shape[1] == 1:
            raise ParseError(f"symmetric: '{name}' is not a declared matrix")
        if m.shape[0] != m.shape[1]:
            raise ParseError(f"symmetric: {name} is {m.shape[0]}×{m.shape[1]}; a symmetric matrix is square")
        out[name] = SymmetricMatrix(name, *m.shape)
    return out


def _name(name) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", name):
        raise ParseError(f"{name!r} is not a valid vector or matrix name (letters, digits, _)")
    if name.lower() in NAMED or name in ("T", "I"):
        raise ParseError(f"{name!r} is a function name or T, not a vector or matrix name")
    return name


def is_matrix(e) -> bool:
    return isinstance(e, sp.MatrixExpr)


def shape_text(e) -> str:
    return f"{e.shape[0]}×{e.shape[1]}" if is_matrix(e) else "scalar"


class _Parser:
    def __init__(self, text: str, names: dict):
        self.text, self.names = text, names
        self.toks = _split_names(_tokens(text), names)
        # the declared sizes' names (n in x: n) read as positive whole numbers: (1/n)‖Xw − y‖²
        self.sizes = {s.name: s for m in names.values() for d in m.shape
                      for s in sp.sympify(d).free_symbols if s.name not in names}
        self.i = 0
        self.depth = 0
        self.in_norm = False

    # -- helpers
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, message: str, tok: Tok | None = None):
        raise ParseError(message, (tok or self.tok).pos, self.text)

    def expect(self, text: str) -> Tok:
        if self.tok.text != text:
            found = self.tok.text or "the end"
            self.fail(f"expected '{text}', found '{found}'")
        return self.take()

    def deeper(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"the expression is nested more than {MAX_DEPTH} levels deep")

    # -- grammar
    def parse(self):
        e = self.sum()
        if self.tok.kind != "end":
            self.fail(f"unexpected '{self.tok.text}'")
        return e

    def sum(self):
        self.deeper()
        e = self.product()
        while self.tok.text in ("+", "-"):
            op = self.take()
            rhs = self.product()
            e = self.add(e, rhs if op.text == "+" else self.negate(rhs), op)
        self.depth -= 1
        return e

    def starts_atom(self) -> bool:
        t = self.tok
        return t.kind in ("num", "name") or t.text == "(" or t.text == "‖" and not self.in_norm

    def product(self):
        e = self.unary()
        while True:
            t = self.tok
            if t.text in ("*", "/", "⊙"):
                self.take()
                rhs = self.unary()
                if t.text == "*":
                    e = self.mul(e, rhs, t)
                elif t.text == "/":
                    rhs = as_number(rhs)                 # 1/(xᵀAx): a 1×1 divides as a number
                    if is_matrix(rhs):
                        self.fail("division by a matrix: write inv(X) or X⁻¹", t)
                    e = self.scale(e, 1 / rhs)
                else:
                    e = self.hadamard(e, rhs, t)
            elif self.starts_atom():
                e = self.mul(e, self.postfix(), t)
            else:
                return e

    def unary(self):
        if self.tok.text == "-":
            self.take()
            return self.negate(self.unary())
        if self.tok.text == "+":
            self.take()
            return self.unary()
        return self.postfix()

    def postfix(self):
        start = self.tok
        e = self.atom()
        while True:
            t = self.tok
            if t.text == "ᵀ" or (t.text == "^" and self.toks[self.i + 1].text == "T"):
                self.i += 1 if t.text == "ᵀ" else 2
                e = transpose(e) if is_matrix(e) else e
            elif t.text == "⁻ᵀ":
                self.i += 1
                e = sp.Transpose(self.inverse(e, t))
            elif t.text == "⁻¹" or (t.text == "^" and self.toks[self.i + 1].text == "-"):
                if t.text == "^":
                    self.i += 2
                    nxt = self.take().text
                    if nxt == "T":                 # X^-T = (X⁻¹)ᵀ
                        e = sp.Transpose(self.inverse(e, t))
                        continue
                    if nxt != "1":
                        self.fail("only the powers -1 and -T are allowed here", t)
                else:
                    self.i += 1
                e = self.inverse(e, t)
            elif t.text in ("²", "³") or t.text == "^":
                self.take()
                if t.text == "^":
                    p = self.tok
                    if p.kind != "num" or "." in p.text:
                        if p.text == "(" and not is_matrix(e):
                            self.fail("only whole-number powers are allowed", p)
                        self.fail("expected a whole-number power, T or -1 after ^", p)
                    self.take()
                    k = int(p.text)
                else:
                    k = 2 if t.text == "²" else 3
                e = self.power(e, k, t)
            else:
                return e

    def atom(self):
        t = self.tok
        if t.kind == "num":
            self.take()
            return sp.Rational(t.text)
        if t.text == "(":
            self.take()
            e = self.sum()
            self.expect(")")
            return e
        if t.text == "‖":
            if self.in_norm:
                self.fail("nested ‖…‖ are not supported: use norm(…)", t)
            self.take()
            self.in_norm = True
            e = self.sum()
            self.in_norm = False
            self.expect("‖")
            return self.norm(e, t)
        if t.kind == "name":
            self.take()
            if t.text in self.names:
                return self.names[t.text]
            if t.text == "delta" and "δ" in self.names:
                return self.names["δ"]
            if t.text in self.sizes:
                return self.sizes[t.text]
            name = _ALIASES.get(t.text.lower(), t.text.lower()) if t.text != "σ" else "sigmoid"
            if name in ("tr", "det", "inv", "sum", "norm", "log", "diag") + ELEMENTWISE:
                if name in ("log", "det") and self.tok.kind == "name" and self.tok.text.lower() == "det":
                    if name == "log":                # log det X
                        d = self.take()
                        return sp.log(self.det(self.argument(d), d))
                if self.tok.text == "′":            # σ′(z): the derivative, elementwise
                    if name not in ELEMENTWISE:
                        self.fail(f"{t.text}′ is not defined: ′ follows an elementwise function like σ", self.tok)
                    self.take()
                    return self.call(name, t, prime=True)
                return self.call(name, t)
            self.fail(f"unknown name '{t.text}': declare it as a vector or matrix", t)
        self.fail(f"unexpected '{t.text or 'end of expression'}'", t)

    def argument(self, t: Tok):
        if self.tok.text == "(":
            self.take()
            e = self.sum()
            self.expect(")")
            return e
        if self.tok.kind == "name" and self.tok.text in self.names:     # det X, tr X
            return self.postfix()
        self.fail(f"expected '(' after {t.text}")

    def call(self, name: str, t: Tok, prime: bool = False):
        arg = self.argument(t)
        if prime:
            if is_matrix(arg) and arg.shape == (1, 1):
                arg = as_number(arg)
            lam = _DERIVATIVES[name]
            return ElementwiseApplyFunction(lam, arg) if is_matrix(arg) else lam(arg)
        if name == "diag":
            if not is_matrix(arg) or arg.shape[1] != 1:
                self.fail(f"diag(…) takes a vector, not a {shape_text(arg)}", t)
            from sympy.matrices.expressions.diagonal import DiagMatrix

            return DiagMatrix(arg)
        if name == "tr":
            return self.trace(arg, t)
        if name == "det":
            return self.det(arg, t)
        if name == "inv":
            return self.inverse(arg, t)
        if name == "norm":
            return self.norm(arg, t)
        if name == "sum":
            if not is_matrix(arg):
                self.fail("sum(…) takes a vector or a matrix", t)
            r, c = arg.shape
            left = sp.OneMatrix(1, r) if r != 1 else None
            right = sp.OneMatrix(c, 1) if c != 1 else None
            return sp.MatMul(*[f for f in (left, arg, right) if f is not None])
        if is_matrix(arg) and arg.shape == (1, 1):
            arg = as_number(arg)                  # σ(wᵀx), log(xᵀAx): a function of a number
        if name == "log" and not is_matrix(arg):
            return sp.log(arg)
        if not is_matrix(arg):
            return _SCALAR_FUNCTIONS[name](arg)
        return ElementwiseApplyFunction(_LAMBDAS[name], arg)

    # -- building, with shape checks
    def add(self, a, b, t):
        if is_matrix(a) != is_matrix(b):
            if is_matrix(a) and a.shape == (1, 1) or is_matrix(b) and b.shape == (1, 1):
                return as_number(a) + as_number(b)     # xᵀa + 3: the 1×1 term is a number
            if not a.has(sp.MatrixSymbol) or not b.has(sp.MatrixSymbol):
                # 1 − y ⊙ Xw: a constant added to a vector or matrix means that constant in every
                # entry, c·𝟙 (the all-ones vector or matrix)
                c, m = (a, b) if is_matrix(b) else (b, a)
                ones = sp.OneMatrix(*m.shape)
                return sp.MatAdd(ones if c == 1 else sp.MatMul(c, ones), m) if m is b else \
                    sp.MatAdd(m, ones if c == 1 else sp.MatMul(c, ones))
            self.fail(f"cannot add a {shape_text(a)} and a {shape_text(b)}", t)
        if is_matrix(a) and a.shape != b.shape:
            self.fail(f"cannot add a {shape_text(a)} and a {shape_text(b)} matrix", t)
        return sp.MatAdd(a, b) if is_matrix(a) else a + b

    def negate(self, e):
        return self.scale(e, -1)

    def scale(self, e, c):
        return sp.MatMul(c, e) if is_matrix(e) else c * e

    def mul(self, a, b, t):
        if not is_matrix(a):
            return self.scale(b, a)
        if not is_matrix(b):
            return self.scale(a, b)
        if a.shape[1] != b.shape[0] and a.shape == (1, 1):
            return self.scale(b, as_number(a))           # (xᵀa) x: a number times a vector
        if a.shape[1] != b.shape[0] and b.shape == (1, 1):
            return self.scale(a, as_number(b))
        if a.shape[1] != b.shape[0]:
            if a.shape == (1, 1) or b.shape == (1, 1):
                self.fail(f"cannot multiply a {shape_text(a)} and a {shape_text(b)}: "
                          "a 1×1 product is not a number here; write tr(…) around it", t)
            self.fail(f"cannot multiply a {shape_text(a)} by a {shape_text(b)}: the inner sizes differ", t)
        return sp.MatMul(*_factors(a), *_factors(b))

    def hadamard(self, a, b, t):
        if not (is_matrix(a) and is_matrix(b)) or a.shape != b.shape:
            self.fail(f"⊙ needs two matrices of the same shape, not {shape_text(a)} and {shape_text(b)}", t)
        return sp.HadamardProduct(a, b)

    def square(self, e, t, what):
        if not is_matrix(e) or e.shape[0] != e.shape[1] or e.shape == (1, 1):
            self.fail(f"{what} needs a square matrix, not a {shape_text(e)}", t)

    def inverse(self, e, t):
        if not is_matrix(e):
            return 1 / e
        self.square(e, t, "the inverse")
        return sp.Inverse(e)

    def trace(self, e, t):
        if not is_matrix(e) or e.shape[0] != e.shape[1]:
            self.fail(f"tr(…) needs a square matrix, not a {shape_text(e)}", t)
        return sp.Trace(e)

    def det(self, e, t):
        self.square(e, t, "det(…)")
        return sp.Determinant(e)

    def norm(self, e, t):
        if not is_matrix(e) or e.shape[1] != 1:
            self.fail(f"‖…‖ needs a vector, not a {shape_text(e)}", t)
        if self.tok.text == "²" or self.tok.text == "^" and self.toks[self.i + 1].text == "2":
            self.i += 1 if self.tok.text == "²" else 2
            return sp.MatMul(sp.Transpose(e), e)
        self.fail("only the squared norm ‖v‖² is supported", t)

    def power(self, e, k, t):
        if k < 1 or k > 8:
            self.fail("powers from 1 to 8 only", t)
        if not is_matrix(e):
            return e ** k
        if e.shape == (1, 1):
            return as_number(e) ** k                # (xᵀa)²: a power of a number
        self.square(e, t, "a matrix power")
        return sp.MatMul(*(_factors(e) * k))       # X² = X X


class AsNumber(sp.Trace):
    """A 1×1 matrix expression used as a number (xᵀa + 3, σ(wᵀx), (xᵀa)²): the trace of a
    1×1 matrix is its entry. Printed without tr, bracketed like a product."""

    precedence = PRECEDENCE["Mul"]


def as_number(e):
    """A 1×1 matrix expression as the number it is (``AsNumber``); anything else as is."""
    if is_matrix(e) and e.shape == (1, 1):
        return AsNumber(e)
    return e


def _factors(e) -> tuple:
    return e.args if isinstance(e, sp.MatMul) else (e,)


_x = sp.Dummy("x", real=True)


def _sigmoid(z):
    from ..functions import sigmoid

    return sigmoid(z)


def _softplus(z):
    from ..functions import softplus

    return softplus(z)


def _relu(z):
    from ..functions import relu

    return relu(z)


_SCALAR_FUNCTIONS = {"sigmoid": _sigmoid, "tanh": sp.tanh, "exp": sp.exp, "log": sp.log,
                     "softplus": _softplus, "relu": _relu}
_LAMBDAS = {name: sp.Lambda(_x, fn(_x)) for name, fn in _SCALAR_FUNCTIONS.items()}
_DERIVATIVES = {name: sp.Lambda(_x, sp.diff(fn(_x), _x)) for name, fn in _SCALAR_FUNCTIONS.items()}


def parse_matrix(text: str, vectors=None, matrices=None, symbols: dict | None = None, symmetric=None):
    """Read ``text`` as a matrix expression in the declared vectors and matrices."""
    if not isinstance(text, str):
        raise ParseError("the expression must be text")
    limit = min(MAX_LENGTH, _limits.current().max_expression_chars)
    if len(text) > limit:
        raise ParseLimitError(f"the expression is longer than {limit} characters "
                              "(limit max_expression_chars)", 0, text[:80])
    if not text.strip():
        raise ParseError("the expression is empty", 0, text)
    names = symbols if symbols is not None else declare(vectors, matrices, symmetric)
    return _Parser(text, names).parse()


_DISPLAY = {"sigmoid": ("σ", r"\sigma"), "tanh": ("tanh", r"\tanh"), "exp": ("exp", r"\exp"),
            "log": ("log", r"\log"), "softplus": ("softplus", r"\operatorname{softplus}"),
            "relu": ("relu", r"\operatorname{ReLU}")}
_BODIES = {}
for _fname, _lam in _LAMBDAS.items():
    _BODIES[_lam.expr] = (_fname, "")
    _BODIES.setdefault(sp.diff(_lam.expr, _x), (_fname, "′"))


def elementwise_display(function, latex: bool = False) -> str | None:
    """How an elementwise function prints: 'σ', 'σ′', r'\\sigma'' … (None: not one of ours)."""
    x = function.variables[0]
    body = function.expr.xreplace({x: _x})
    found = _BODIES.get(body)
    if found is None:
        return None
    name, prime = found
    if latex:
        return _DISPLAY[name][1] + ("'" if prime else "")
    return _DISPLAY[name][0] + prime
