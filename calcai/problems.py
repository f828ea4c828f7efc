"""Load, validate and convert problem files (and problem dicts) into ``Problem`` objects.

Problem files are read with ``calcai.yamlsafe`` (nothing is coerced by YAML); every field is
then converted by its type from ``calcai.kinds``. Errors are collected, never stopped at:
each is one line ``path:line:col: problem ID: what is wrong, what is expected``::

    problems.yaml:7:11: problem gd-1: unknown kind 'gradient_decent'; did you mean 'gradient_descent'?
    problems.yaml:12:5: problem gd-2: field 'iterations' must be a whole number ≥ 1, not 'ten'

``load(path)`` raises ``ProblemFileError`` holding every error of the file;
``load_many(paths)`` keeps the valid problems of every file and returns the errors beside
them; ``load_problem(dict)`` is the Python API.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import limits as _limits
from .errors import EXIT_BAD_INPUT, EXIT_LIMIT, CalcaiError, LimitError, ParseError
from .kinds import ACTIVATIONS as _ACTIVATIONS
from .kinds import COMMON_NAMES, ID_PATTERN, KINDS, Field, Kind
from .kinds import FIELD_TYPES as FIELD_WHAT
from .parser import CONSTANT_NAMES, check_variable_name, functions, parse, parse_equation
from .problem import Problem, Tolerance
from .yamlsafe import Mark, YamlError, YMap, YScalar, YSeq, load_yaml

__all__ = ["Problem", "ProblemError", "ProblemFileError", "load", "loads", "load_many",
           "load_problem", "read_value", "read_number"]

MAX_FILE_BYTES = 1_000_000


# ---------------------------------------------------------------- errors

@dataclass(frozen=True)
class ProblemError:
    """One error in a problem file; ``limit`` marks errors that exceed a calcai limit (exit 3)."""

    path: str
    line: int
    col: int
    message: str
    limit: bool = False

    @property
    def is_limit(self) -> bool:
        """Alias of ``limit``."""
        return self.limit

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}: {self.message}"
        return f"{self.path}: {self.message}"


class ProblemFileError(CalcaiError):
    """A problem file (or problem dict) with errors; ``errors`` holds every one of them."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self):                       # picklable across worker processes
        return (type(self), (self.errors,))

    @property
    def limit(self) -> bool:
        """True when every error is a limit error."""
        return bool(self.errors) and all(e.limit for e in self.errors)

    @property
    def exit_code(self) -> int:                 # bad input wins over limits
        return EXIT_LIMIT if self.limit else EXIT_BAD_INPUT


class _Invalid(Exception):
    """A field value that cannot be converted; carries the node to point at."""

    def __init__(self, message: str, node=None, limit: bool = False, offset: int | None = None):
        super().__init__(message)
        self.message = message
        self.node = node
        self.limit = limit
        self.offset = offset


# ---------------------------------------------------------------- numbers and values

_STRICT_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE]-?[0-9]+)?")
_LITERAL = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBERISH = re.compile(r"[0-9.:eE+\- _]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOWHERE = Mark(0, 0)


_IDENTIFIER_ANYWHERE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _looks_numeric(text: str) -> bool:
    return bool(_NUMBERISH.fullmatch(text)) and any(c.isdigit() for c in text)


def _check_literals(text: str) -> None:
    """Refuse number literals with leading zeros (012, dates like 2020-01-01): they are ambiguous."""
    for m in _LITERAL.finditer(text):
        if re.match(r"0\d", m.group(1)):
            raise ParseError(f"the number {m.group(1)!r} has a leading zero", m.start(), text)


_STRICT_PARTS = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE](-?[0-9]+))?")   # _STRICT_NUMBER


def _strict_number(t: str, m=None):
    """A strict number (``_STRICT_NUMBER``) as the exact sympy number ``parse(t)`` gives.

    A problem file can hold tens of thousands of them (a network's weights), so short ones
    are built directly as ``Rational(p, q)`` instead of going through the parser, when the
    limits in force are far from anything such a number could reach; the parser reads the
    rest (and reports limit errors). tests/test_networks_large.py compares the two readings."""
    m = m or _STRICT_PARTS.fullmatch(t)
    value = _decimal_value(m, _fast_decimals_allowed()) if m is not None else None
    return parse(t) if value is None else value


def _fast_decimals_allowed():
    """``Rational.from_coprime_ints`` (or ``Rational``) when the limits in force let every
    number of at most 30 digits and exponent at most 99 through the parser, else None."""
    lim = _limits.current()
    if (lim.max_integer_digits >= 30 and lim.max_decimal_exponent >= 99 and lim.max_nesting >= 8
            and lim.max_expression_nodes >= 8 and lim.max_expression_chars >= 70):
        import sympy as sp

        return getattr(sp.Rational, "from_coprime_ints", sp.Rational)
    return None


def _decimal_value(m, make):
    """The number of a ``_STRICT_PARTS`` match, or None when it is long (or ``make`` is None)."""
    sign, whole, frac, exp = m.groups()
    frac = frac or ""
    if make is None or len(whole) + len(frac) > 30 or (exp is not None and len(exp.lstrip("-")) > 2):
        return None
    p, q = int(whole + frac), 10 ** len(frac)
    e = int(exp) if exp is not None else 0
    if e >= 0:
        p *= 10 ** e
    else:
        q *= 10 ** -e
    g = math.gcd(p, q)
    return make(-(p // g) if sign else p // g, q // g)


def _plain_decimals(items):
    """The numbers of a list of plain decimals such as a row of weights, or None as soon as one
    item is anything else (the items are then read one by one, with their error messages)."""
    make = _fast_decimals_allowed()
    if make is None:
        return None
    out = []
    for item in items:
        if type(item) is not YScalar:
            return None
        m = _STRICT_PARTS.fullmatch(item.text.strip())
        value = _decimal_value(m, make) if m is not None else None
        if value is None:
            return None
        out.append(value)
    return out


def read_value(text: str, variables=()):
    """An expected value or answer written as text: a strict number, else a constant
    expression or an expression in ``variables`` (calcai notation). Raises ParseError."""
    t = text.strip()
    if _STRICT_NUMBER.fullmatch(t):
        return _strict_number(t)
    _check_literals(text)
    return parse(text, variables)


class _NotANumber(Exception):
    def __init__(self, detail: str = "", offset: int | None = None, limit: bool = False):
        super().__init__(detail)
        self.detail = detail
        self.offset = offset
        self.limit = limit


def read_number(text: str, *, infinite: bool = False):
    """An exact real number from text: ``-?digits(.digits)?(e-?digits)?`` or a constant
    expression (pi, sqrt(2), 1/3; -inf/inf when ``infinite``). Raises ValueError."""
    try:
        return _number(text, infinite=infinite)
    except _NotANumber as err:
        raise ValueError(f"not a number: {text!r}" + (f" ({err.detail})" if err.detail else "")) from None


def _number(text: str, *, infinite: bool = False):
    import sympy as sp

    t = text.strip()
    if not t:
        raise _NotANumber()
    try:
        m = _STRICT_PARTS.fullmatch(t)
        if m is not None:
            return _strict_number(t, m)
        _check_literals(t)
        if _looks_numeric(t):                # 1:20, 1-2, 2e, 1.5.2: not a number
            raise _NotANumber()
        for name in _IDENTIFIER_ANYWHERE.findall(t):
            if name not in CONSTANT_NAMES and name.lower() not in functions():
                raise _NotANumber()          # a variable (0x10 would otherwise read as 0·x10)
        value = parse(t)
    except ParseError as err:
        if isinstance(err, LimitError):
            raise _NotANumber(err.message, None, limit=True) from None
        raise _NotANumber(err.message, err.position) from None
    if value.free_symbols or not value.is_number:
        raise _NotANumber()
    if value in (sp.oo, -sp.oo):
        if infinite:
            return value
        raise _NotANumber("infinity is not allowed here")
    if value.has(sp.zoo, sp.nan):
        raise _NotANumber("it is undefined")
    if value.is_extended_real is not True:
        approx = sp.N(value, 20)
        if not approx.is_real or approx.is_infinite:
            raise _NotANumber("it is not a real number")
    return value


# ---------------------------------------------------------------- Python values -> nodes

def _real_symbol(name: str):
    import sympy as sp

    return sp.Symbol(name, real=True)


def _float_text(value: float) -> str:
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _to_node(value):
    """Plain Python data (the API's dicts) as position-less YAML nodes."""
    import sympy as sp

    if isinstance(value, (YScalar, YSeq, YMap)):
        return value
    if isinstance(value, bool):
        return YScalar("true" if value else "false", False, _NOWHERE)
    if value is None:
        return YScalar("", False, _NOWHERE)
    if isinstance(value, int):
        return YScalar(str(value), False, _NOWHERE)
    if isinstance(value, float):
        return YScalar(_float_text(value), False, _NOWHERE)
    if isinstance(value, str):
        return YScalar(value, True, _NOWHERE)
    if isinstance(value, sp.Symbol):
        return YScalar(value.name, False, _NOWHERE)
    if isinstance(value, sp.Float):
        return YScalar(_float_text(float(value)), False, _NOWHERE)
    if isinstance(value, sp.Integer):
        return YScalar(str(value), False, _NOWHERE)
    if isinstance(value, sp.Basic):
        return YScalar(str(value), True, _NOWHERE)
    if isinstance(value, dict):
        return YMap(tuple((YScalar(k.name if isinstance(k, sp.Symbol) else str(k), False, _NOWHERE),
                           _to_node(v)) for k, v in value.items()), _NOWHERE)
    if isinstance(value, (list, tuple)):
        return YSeq(tuple(_to_node(v) for v in value), _NOWHERE)
    return YScalar(repr(value), True, _NOWHERE)


# ---------------------------------------------------------------- field conversion

def _shown(node) -> str:
    if isinstance(node, YSeq):
        return "a list"
    if isinstance(node, YMap):
        return "a mapping"
    text = node.text
    if len(text) > 40:
        text = text[:40] + "..."
    return "'" + text.replace("\n", "\\n") + "'"


def _type_error(path: str, what: str, node, detail: str = "") -> _Invalid:
    if isinstance(node, YScalar) and not node.text.strip():
        return _Invalid(f"field '{path}' is empty; expected {what}", node)
    message = f"field '{path}' must be {what}, not {_shown(node)}"
    if detail:
        message += f" ({detail})"
    return _Invalid(message, node)


def _suggest(word: str, options) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


class _Converter:
    """Converts the fields of one problem; ``names`` maps declared names to their Symbols."""

    def __init__(self, names: dict, positions: dict):
        self.names = names
        self.positions = positions

    def symbols(self) -> list:
        return list(self.names.values())

    def note(self, path: str, node) -> None:
        if node.mark.line:
            self.positions[path] = (node.mark.line, node.mark.col)

    def convert(self, node, field: Field, path: str):
        self.note(path, node)
        return getattr(self, "_" + field.type)(node, field, path)

    # -- scalars
    def scalar(self, node, path: str, what: str) -> YScalar:
        if not isinstance(node, YScalar):
            raise _type_error(path, what, node)
        return node

    def number(self, node, path: str, what: str = "a number", infinite: bool = False):
        self.scalar(node, path, what)
        self.note(path, node)
        try:
            return _number(node.text, infinite=infinite)
        except _NotANumber as err:
            if err.limit:
                raise _Invalid(f"field '{path}' is too large: {err.detail}", node, limit=True) from None
            detail = err.detail if err.detail and not _looks_numeric(node.text.strip()) else ""
            raise _type_error(path, what, node, detail) from None

    def var_name(self, node, path: str, what: str = "a variable name like x or w1") -> str:
        self.scalar(node, path, what)
        text = node.text.strip()
        if not text:
            raise _type_error(path, what, node)
        if _IDENTIFIER.fullmatch(text):
            try:
                check_variable_name(text)
            except ParseError as err:
                raise _Invalid(f"field '{path}' has a bad variable name: {err.message}", node) from None
            if text in CONSTANT_NAMES:
                raise _Invalid(f"field '{path}': '{text}' is a constant, not a variable name", node)
            if text.lower() in functions():
                raise _Invalid(f"field '{path}': '{text}' is a function name, not a variable name", node)
            return text
        import sympy as sp

        try:
            value = parse(text)
        except ParseError:
            value = None
        if isinstance(value, sp.Symbol):
            return value.name
        raise _type_error(path, what, node)

    def symbol(self, name: str):
        return self.names.get(name) or _real_symbol(name)

    # -- the field types
    def _text(self, node, field, path):
        return self.scalar(node, path, field.what).text

    def _texts(self, node, field, path):
        if not isinstance(node, YSeq):
            raise _type_error(path, field.what, node)
        return tuple(self.scalar(item, f"{path}[{i}]", "text").text for i, item in enumerate(node.items))

    def _expr(self, node, field, path, what=None):
        what = what or FIELD_WHAT["expr"]
        self.scalar(node, path, what)
        self.note(path, node)
        if not node.text.strip():
            raise _type_error(path, what, node)
        try:
            return parse(node.text, self.symbols())
        except ParseError as err:
            raise _Invalid(f"field '{path}' is not a valid expression: {err.message}", node,
                           limit=isinstance(err, LimitError), offset=err.position) from None

    def _exprs(self, node, field, path):
        items = self.items(node, field.what, path)
        return [self._expr(item, field, f"{path}[{i}]") for i, item in enumerate(items)]

    def _equations(self, node, field, path):
        items = self.items(node, field.what, path)
        out = []
        for i, item in enumerate(items):
            p = f"{path}[{i}]"
            self.scalar(item, p, "an equation like 'x + y = 10'")
            self.note(p, item)
            try:
                out.append(parse_equation(item.text, self.symbols()))
            except ParseError as err:
                raise _Invalid(f"field '{p}' is not a valid equation: {err.message}", item,
                               limit=isinstance(err, LimitError), offset=err.position) from None
        return out

    def items(self, node, what: str, path: str) -> tuple:
        if not isinstance(node, YSeq):
            raise _type_error(path, what, node)
        if not node.items:
            raise _Invalid(f"field '{path}' is an empty list; expected {what}", node)
        return node.items

    def _var(self, node, field, path):
        return self.symbol(self.var_name(node, path))

    def _vars(self, node, field, path):
        out, seen = [], {}
        for i, item in enumerate(self.items(node, field.what, path)):
            name = self.var_name(item, f"{path}[{i}]")
            if name in seen:
                raise _Invalid(f"field '{path}' lists '{name}' twice", item)
            seen[name] = True
            out.append(self.symbol(name))
        return out

    def mapping(self, node, what: str, path: str) -> tuple:
        if not isinstance(node, YMap):
            raise _type_error(path, what, node)
        if not node.items:
            raise _Invalid(f"field '{path}' is empty; expected {what}", node)
        return node.items

    def _point(self, node, field, path):
        out = {}
        for key, value in self.mapping(node, field.what, path):
            name = self.var_name(key, path, "a mapping from variable names to numbers like {x: 1, y: 2}")
            sym = self.symbol(name)
            if sym in out:
                raise _Invalid(f"field '{path}' gives '{name}' twice", key)
            out[sym] = self.number(value, f"{path}.{name}")
        return out

    def _substitutions(self, node, field, path):
        out = {}
        for key, value in self.mapping(node, field.what, path):
            name = self.var_name(key, path, field.what)
            sym = self.symbol(name)
            if sym in out:
                raise _Invalid(f"field '{path}' gives '{name}' twice", key)
            out[sym] = self._expr(value, field, f"{path}.{name}")
        return out

    def _number(self, node, field, path):
        return self.number(node, path, field.what, infinite=field.infinite)

    def _vector(self, node, field, path, what=None):
        what = what or FIELD_WHAT["vector"]
        items = self.items(node, what, path)
        values = _plain_decimals(items) if len(items) > 8 else None
        if values is not None:                  # a long row of plain decimals: read in one sweep
            for i, item in enumerate(items):
                self.note(f"{path}[{i}]", item)
            return values
        return [self.number(item, f"{path}[{i}]") for i, item in enumerate(items)]

    def _samples(self, node, field, path):
        items = self.items(node, field.what, path)
        limit = _limits.current().max_samples
        if len(items) > limit:
            raise _Invalid(f"field '{path}' has {len(items)} samples, more than the limit {limit} "
                           "(limit max_samples)", node, limit=True)
        return [self.number(item, f"{path}[{i}]") for i, item in enumerate(items)]

    def _matrix(self, node, field, path, what=None):
        what = what or FIELD_WHAT["matrix"]
        rows = []
        for i, row in enumerate(self.items(node, what, path)):
            p = f"{path}[{i}]"
            if not isinstance(row, YSeq):
                raise _type_error(p, "a row (a list of numbers)", row)
            values = self._vector(row, field, p, "a row (a list of numbers)")
            if rows and len(values) != len(rows[0]):
                raise _Invalid(f"field '{path}' must have rows of equal length: row {i} has "
                               f"{len(values)} numbers, row 0 has {len(rows[0])}", row)
            rows.append(values)
        return rows

    def _number_or_vector(self, node, field, path):
        if isinstance(node, YSeq):
            return self._vector(node, field, path, field.what)
        if isinstance(node, YMap):
            raise _type_error(path, field.what, node)
        return self.number(node, path, field.what)

    def _integer(self, node, field, path):
        value = self.number(node, path, field.what)
        if not value.is_Integer or (field.minimum is not None and value < field.minimum):
            raise _type_error(path, field.what, node)
        value = int(value)
        if field.limit:
            limit = getattr(_limits.current(), field.limit)
            if value > limit:
                raise _Invalid(f"field '{path}' is {value}, more than the limit {limit} "
                               f"(limit {field.limit})", node, limit=True)
        return value

    def _choice(self, node, field, path):
        self.scalar(node, path, field.what)
        word = node.text.strip().lower()
        if word in field.choices:
            return word
        raise _Invalid(f"field '{path}' must be {field.what}, not {_shown(node)}"
                       + _suggest(word, field.choices), node)

    def _data(self, node, field, path):
        out = []
        for i, pair in enumerate(self.items(node, field.what, path)):
            p = f"{path}[{i}]"
            if not isinstance(pair, YSeq) or len(pair.items) != 2:
                raise _type_error(p, "an [x, y] pair of numbers", pair)
            out.append((self.number(pair.items[0], f"{p}[0]"), self.number(pair.items[1], f"{p}[1]")))
        return out

    def _bounds(self, node, field, path):
        if not isinstance(node, YSeq) or len(node.items) != 2:
            raise _type_error(path, field.what, node)
        a = self.number(node.items[0], f"{path}[0]", infinite=field.infinite)
        b = self.number(node.items[1], f"{path}[1]", infinite=field.infinite)
        import sympy as sp

        if a.is_infinite or b.is_infinite:
            ordered = a == -sp.oo and b != -sp.oo or b == sp.oo and a != sp.oo
        else:
            ordered = bool(sp.N(b - a, 30) > 0)
        if not ordered:
            raise _Invalid(f"field '{path}' must have a < b, not [{a}, {b}]", node)
        return (a, b)

    _SIGNS = {">0": "> 0", ">=0": ">= 0", "<0": "< 0", "<=0": "<= 0"}

    def _domain(self, node, field, path):
        import sympy as sp

        out = {}
        for key, value in self.mapping(node, field.what, path):
            name = self.var_name(key, path, field.what)
            sym = self.symbol(name)
            if sym in out:
                raise _Invalid(f"field '{path}' gives '{name}' twice", key)
            p = f"{path}.{name}"
            self.note(p, value)
            if isinstance(value, YSeq):
                lo, hi = self._bounds(value, Field(field.name, "bounds", infinite=True), p)
                out[sym] = sp.Interval(lo, hi)
                continue
            what = '"> 0", ">= 0", "< 0", "<= 0" or [lo, hi]'
            self.scalar(value, p, what)
            text = "".join(value.text.split()).replace("≥", ">=").replace("≤", "<=")
            if text not in self._SIGNS:
                raise _type_error(p, what, value)
            out[sym] = {">0": sp.Interval.open(0, sp.oo), ">=0": sp.Interval(0, sp.oo),
                        "<0": sp.Interval.open(-sp.oo, 0), "<=0": sp.Interval(-sp.oo, 0)}[text]
        return out

    def _distribution(self, node, field, path):
        import sympy as sp

        if isinstance(node, YMap):
            keys = node.keys()
            for k in keys:
                if k not in ("mean", "std"):
                    raise _Invalid(f"field '{path}' has an unknown key '{k}'; a gaussian is "
                                   "{mean: .., std: ..}" + _suggest(k, ("mean", "std")), node.key_node(k))
            for k in ("mean", "std"):
                if k not in node:
                    raise _Invalid(f"field '{path}' is missing '{k}'; a gaussian is {{mean: .., std: ..}}", node)
            mean = self.number(node.get("mean"), f"{path}.mean")
            std = self.number(node.get("std"), f"{path}.std")
            if not sp.N(std) > 0:
                raise _Invalid(f"field '{path}.std' must be a number > 0, not {_shown(node.get('std'))}",
                               node.get("std"))
            return {"mean": mean, "std": std}
        probs = self._vector(node, field, path, field.what)
        for i, p in enumerate(probs):
            if sp.N(p) < 0:
                raise _Invalid(f"field '{path}[{i}]' must be a probability ≥ 0, not {_shown(node.items[i])}",
                               node.items[i])
        total = sp.Add(*probs)
        if abs(sp.N(total - 1, 30)) > 1e-12:
            raise _Invalid(f"field '{path}' must hold probabilities adding up to 1, "
                           f"not to {float(total):g}", node)
        return probs

    def _shapes(self, node, field, path):
        out = {}
        for key, value in self.mapping(node, field.what, path):
            name = self.var_name(key, path, field.what)
            if name in out:
                raise _Invalid(f"field '{path}' gives '{name}' twice", key)
            if isinstance(value, YSeq):
                if len(value.items) != 2 or not all(isinstance(v, YScalar) for v in value.items):
                    raise _type_error(f"{path}.{name}", "[rows, columns]", value)
                out[name] = [v.text.strip() for v in value.items]
            else:
                out[name] = self.scalar(value, f"{path}.{name}", field.what).text.strip()
        return out

    def _definitions(self, node, field, path):
        out = {}
        for key, value in self.mapping(node, field.what, path):
            name = self.var_name(key, path, field.what)
            if name in out:
                raise _Invalid(f"field '{path}' gives '{name}' twice", key)
            out[name] = self.scalar(value, f"{path}.{name}", "an expression").text
        return out

    def _arrays(self, node, field, path):
        out = {}
        for key, value in self.mapping(node, field.what, path):
            name = self.var_name(key, path, field.what)
            p = f"{path}.{name}"
            if isinstance(value, YSeq) and value.items and isinstance(value.items[0], YSeq):
                out[name] = self._matrix(value, field, p)
            elif isinstance(value, YSeq):
                out[name] = self._vector(value, field, p)
            else:
                out[name] = self.number(value, p)
        return out

    def _layers(self, node, field, path):
        out = []
        allowed = ("weights", "bias", "activation")
        for i, layer in enumerate(self.items(node, field.what, path)):
            p = f"{path}[{i}]"
            self.note(p, layer)
            if not isinstance(layer, YMap):
                raise _type_error(p, "a layer like {weights: 0.4, bias: 0.1, activation: sigmoid}", layer)
            for k in layer.keys():
                if k not in allowed:
                    raise _Invalid(f"unknown key '{k}' in '{p}'" + (_suggest(k, allowed) or
                                   "; a layer has weights, bias (optional) and activation"), layer.key_node(k))
            for k in ("weights", "activation"):
                if k not in layer:
                    raise _Invalid(f"layer '{p}' is missing '{k}'", layer)
            w = layer.get("weights")
            weights = (self._matrix(w, field, f"{p}.weights", "a number or a matrix (a list of rows)")
                       if isinstance(w, YSeq) else self.number(w, f"{p}.weights", "a number or a matrix"))
            b = layer.get("bias")
            bias = None
            if b is not None:
                bias = (self._vector(b, field, f"{p}.bias", "a number or a list of numbers")
                        if isinstance(b, YSeq) else self.number(b, f"{p}.bias", "a number or a list of numbers"))
            act = Field("activation", "choice", choices=_ACTIVATIONS)
            activation = self._choice(layer.get("activation"), act, f"{p}.activation")
            out.append({"weights": weights, "bias": bias, "activation": activation})
        return out


# ---------------------------------------------------------------- answers (expected)

TEXT_ANSWERS = {
    "definiteness": ("positive definite", "negative definite", "positive semidefinite",
                     "negative semidefinite", "indefinite"),
    "type": ("minimum", "maximum", "saddle", "inconclusive"),
    "verdict": ("convex", "concave", "affine", "neither", "unknown"),
}


def normalize_text(text: str) -> str:
    """Text answers compare case-insensitively, with _ and - read as spaces."""
    return " ".join(str(text).replace("_", " ").replace("-", " ").lower().split())


# A derivative that does not exist at the problem's point (a kink: |x| at 0, max(x, y) on
# x = y; see calcai.differentiability) is expected as ``expected: not differentiable``, in
# place of the whole answer, by the kinds that evaluate derivatives at a point.
NOT_DIFFERENTIABLE = "not differentiable"
NOT_DIFFERENTIABLE_KINDS = ("derivative", "partial", "gradient", "hessian", "jacobian",
                            "directional_derivative", "total_derivative")


def expects_not_differentiable(expected) -> bool:
    """Whether a problem's ``expected`` is 'not differentiable'."""
    return isinstance(expected, str) and normalize_text(expected) == NOT_DIFFERENTIABLE


# ---------------------------------------------------------------- one problem

def _walk_symbols(value, out: set) -> None:
    import sympy as sp

    if isinstance(value, sp.Basic):
        out.update(value.free_symbols)
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk_symbols(k, out)
            _walk_symbols(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            if not getattr(v, "is_Number", False):      # numbers have no symbols (a network's weights)
                _walk_symbols(v, out)


def problem_symbols(problem: Problem) -> list:
    """Every Symbol a problem knows: its variables, then the others of its fields by name."""
    found: set = set()
    _walk_symbols(problem.fields, found)
    ordered = list(problem.variables)
    ordered += sorted((s for s in found if s not in ordered), key=lambda s: s.name)
    seen, out = set(), []
    for s in ordered:
        if s.name not in seen:
            seen.add(s.name)
            out.append(s)
    return out


_AT_KINDS = ("evaluate", "derivative", "partial", "gradient", "hessian", "jacobian",
             "directional_derivative", "total_derivative", "taylor", "forward_mode", "reverse_mode")
_WRT_DEFAULT = {"derivative": "differentiate by", "integral": "integrate over",
                "forward_mode": "differentiate by"}


class _Builder:
    """Builds the problems of one file (or one dict), collecting every error."""

    def __init__(self, path: str, lines: list | None):
        self.path = path
        self.lines = lines
        self.errors: list[ProblemError] = []
        self.anonymous = False          # load_problem: a dict without id is fine

    # -- errors
    def add(self, label: str | None, where, message: str, limit: bool = False, offset: int | None = None):
        mark = where.mark if hasattr(where, "mark") else (where or _NOWHERE)
        line, col = mark.line, mark.col
        if offset is not None and isinstance(where, YScalar):
            precise = self._column(where, offset)
            if precise is None:
                message += f" (at column {offset + 1})"
            else:
                col = precise
        text = f"{label}: {message}" if label else message
        self.errors.append(ProblemError(self.path, line, col, text, limit))

    def _column(self, node: YScalar, offset: int) -> int | None:
        if not self.lines or not node.mark.line or "\n" in node.text or node.mark.line > len(self.lines):
            return None
        source = self.lines[node.mark.line - 1]
        start = node.mark.col - 1 + (1 if node.quoted else 0)
        if source[start:start + len(node.text)] != node.text:
            return None
        return start + offset + 1

    # -- the file
    def document(self, root) -> list:
        if not isinstance(root, YMap):
            self.add(None, root, "a problem file must be a mapping with a 'problems' list "
                     "(and an optional 'title')")
            return []
        for key, value in root.items:
            if key.text == "title":
                if not isinstance(value, YScalar):
                    self.add(None, value, f"'title' must be text, not {_shown(value)}")
            elif key.text != "problems":
                self.add(None, key, f"unknown top-level key '{key.text}'"
                         + (_suggest(key.text, ("title", "problems"))
                            or "; a problem file has 'title' and 'problems'"))
        seq = root.get("problems")
        if seq is None:
            self.add(None, root, "missing 'problems': a problem file needs a list of problems under 'problems'")
            return []
        if not isinstance(seq, YSeq):
            self.add(None, seq, f"'problems' must be a list of problems, not {_shown(seq)}")
            return []
        if not seq.items:
            self.add(None, seq, "'problems' is an empty list; expected at least one problem")
            return []
        problems, ids = [], {}
        for index, node in enumerate(seq.items, 1):
            problem = self.problem(node, index, ids)
            if problem is not None:
                problems.append(problem)
        return problems

    # -- one problem
    def problem(self, node, index: int, ids: dict) -> Problem | None:
        before = len(self.errors)
        label = f"problem #{index}"
        if not isinstance(node, YMap):
            self.add(label, node, f"a problem must be a mapping with id, kind and the kind's fields, "
                     f"not {_shown(node)}")
            return None
        # id
        pid = None
        id_node = node.get("id")
        if id_node is None and self.anonymous:
            pid, label = "problem", "problem"
        elif id_node is None:
            self.add(label, node, "missing field 'id' (a name unique in the file: letters, digits, - and _)")
        elif not isinstance(id_node, YScalar) or not re.fullmatch(ID_PATTERN, id_node.text):
            self.add(label, id_node, f"field 'id' must be letters, digits, - and _ only, not {_shown(id_node)}")
        else:
            pid = id_node.text
            label = f"problem {pid}"
            if pid in ids:
                self.add(label, id_node, f"duplicate id '{pid}' (first used at line {ids[pid].line}); "
                         "ids must be unique in a file")
            else:
                ids[pid] = id_node.mark
        # kind
        kind_node = node.get("kind")
        if kind_node is None:
            self.add(label, node, "missing field 'kind' (one of the kinds listed by `calcai kinds`)")
            return None
        if not isinstance(kind_node, YScalar):
            self.add(label, kind_node, f"field 'kind' must be a kind name like derivative, not {_shown(kind_node)}")
            return None
        kind = KINDS.get(kind_node.text.strip())
        if kind is None:
            name = kind_node.text.strip()
            self.add(label, kind_node, f"unknown kind '{name}'"
                     + (_suggest(name, KINDS) or "; run `calcai kinds` to list the kinds"))
            return None
        if "params" in node or "where" in node:
            node = self.reference_instance(node, label)
            if node is None:
                return None
        return self.fields(node, kind, label, pid, before)

    def reference_instance(self, node: YMap, label: str) -> YMap | None:
        """A problem with ``params`` (a template for ``calcai generate``) is read at its
        reference values: every parameter at its first value (see calcai.exercises.params)."""
        from .exercises.params import ParamError, read_template

        try:
            template = read_template(node)
            return template.instance(template.reference())
        except ParamError as err:
            self.add(label, err.node or node, err.message, offset=err.offset)
        except ParseError as err:       # a limit met while reading a value
            self.add(label, node, err.message, isinstance(err, LimitError))
        return None

    def fields(self, node: YMap, kind: Kind, label: str, pid, before: int) -> Problem | None:
        # unknown, missing and conflicting fields
        known = kind.field_names + COMMON_NAMES
        for key, _ in node.items:
            if key.text not in known:
                self.add(label, key, f"unknown field '{key.text}' for kind {kind.name}"
                         + (_suggest(key.text, known) or f"; its fields are: {', '.join(kind.field_names)}"))
        for f in kind.required:
            if f.name not in node:
                self.add(label, node, f"missing field '{f.name}' ({f.what})")
        self.alternatives(node, kind, label)

        # names declared by vars, var fields, point and substitution keys
        positions: dict = {}
        names = self.declared_names(node, kind)
        conv = _Converter(names, positions)
        fields: dict = {}
        bad = set()
        for key, value in node.items:
            f = kind.field(key.text)
            if f is None:
                continue
            try:
                fields[f.name] = conv.convert(value, f, f.name)
            except _Invalid as err:
                self.add(label, err.node or value, err.message, err.limit, err.offset)
                bad.add(f.name)
        for f in kind.fields:
            if f.name not in fields and f.name not in bad:
                unused = f.only_with is not None and f.only_with not in node
                fields[f.name] = None if f.default is None or unused else conv.convert(
                    YScalar(f.default, False, _NOWHERE), f, f.name)

        # common keys
        meta = self.common(node, label, conv)
        complete = len(self.errors) == before

        # variables
        found: set = set()
        _walk_symbols(fields, found)
        if fields.get("vars") and kind.field("vars").type == "vars":
            variables = list(fields["vars"])
        else:
            variables = []
            for f in kind.fields:
                if f.type == "point" and fields.get(f.name):
                    variables += [s for s in fields[f.name] if s not in variables]
            variables += sorted((s for s in found if s not in variables), key=lambda s: s.name)
        count = len({s.name for s in found} | {s.name for s in variables})
        limit = _limits.current().max_variables
        if count > limit:
            self.add(label, node, f"the problem has {count} variables, more than the limit {limit} "
                     "(limit max_variables)", limit=True)
            complete = False
        if complete:
            if "vars" in kind.field_names and fields.get("vars") is None and kind.field("vars").type == "vars":
                fields["vars"] = list(variables)
            self.cross_checks(node, kind, label, fields, variables)

        expected = None
        if "expected" in node:
            expected = self.expected(node.get("expected"), kind, label, variables, found, positions, fields)
        if len(self.errors) > before:
            return None
        return Problem(
            id=pid or "problem", kind=kind.name, fields=fields, variables=tuple(variables),
            expected=expected, tolerance=meta["tolerance"], title=meta["title"],
            statement=meta["statement"], note=meta["note"], tags=meta["tags"], hints=meta["hints"],
            plot=meta["plot"],
            file=self.path, line=node.mark.line, col=node.mark.col, positions=positions,
        )

    def alternatives(self, node: YMap, kind: Kind, label: str) -> None:
        if kind.one_of:
            groups = kind.one_of
            choices = " | ".join(" + ".join(g) for g in groups)
            given = [g for g in groups if any(n in node for n in g)]
            if not given:
                alts = " or ".join(f"'{g[0]}'" for g in groups)
                self.add(label, node, f"missing field {alts} (give exactly one of: {choices})")
            elif len(given) > 1:
                keys = node.keys()
                a, b = sorted((next(n for n in g if n in node) for g in given[:2]), key=keys.index)
                self.add(label, node.key_node(b), f"fields '{a}' and '{b}' cannot be used together "
                         f"(give exactly one of: {choices})")
            else:
                for n in given[0]:
                    if n not in node:
                        self.add(label, node, f"missing field '{n}' ({kind.field(n).what}), "
                                 f"needed with '{next(m for m in given[0] if m in node)}'")
        for f in kind.fields:
            if f.only_with and f.name in node and f.only_with not in node:
                self.add(label, node.key_node(f.name), f"field '{f.name}' only goes with '{f.only_with}'")

    def declared_names(self, node: YMap, kind: Kind) -> dict:
        import sympy as sp

        texts, positive = [], set()
        for key, value in node.items:
            f = kind.field(key.text)
            if f is None:
                continue
            if f.type == "vars" and isinstance(value, YSeq):
                found = [v.text.strip() for v in value.items if isinstance(v, YScalar)]
                texts += found
                if f.name == "positive":
                    positive.update(found)
            elif f.type == "var" and isinstance(value, YScalar):
                texts.append(value.text.strip())
            elif f.type in ("point", "substitutions") and isinstance(value, YMap):
                texts += [k.text.strip() for k, _ in value.items]
        scratch = _Converter({}, {})
        names = {}
        for text in texts:
            try:
                name = scratch.var_name(YScalar(text, False, _NOWHERE), "")
            except _Invalid:
                continue
            if name not in names:
                names[name] = (sp.Symbol(name, positive=True) if text in positive or name in positive
                               else _real_symbol(name))
        return names

    def common(self, node: YMap, label: str, conv: _Converter) -> dict:
        meta = {"title": "", "statement": "", "note": "", "tags": (), "hints": (), "tolerance": Tolerance(),
                "plot": False}
        for key in ("title", "statement", "note"):
            value = node.get(key)
            if value is not None:
                if isinstance(value, YScalar):
                    meta[key] = value.text
                else:
                    self.add(label, value, f"field '{key}' must be text, not {_shown(value)}")
        for key in ("tags", "hints"):
            value = node.get(key)
            if value is not None:
                try:
                    meta[key] = conv._texts(value, Field(key, "texts"), key)
                except _Invalid as err:
                    self.add(label, err.node or value, err.message)
        value = node.get("plot")
        if value is not None:
            try:
                choice = Field("plot", "choice", choices=("true", "false"))
                meta["plot"] = conv._choice(value, choice, "plot") == "true"
            except _Invalid as err:
                self.add(label, err.node or value, err.message)
        value = node.get("tolerance")
        if value is not None:
            try:
                meta["tolerance"] = self.tolerance(value, conv)
            except _Invalid as err:
                self.add(label, err.node or value, err.message, err.limit)
        return meta

    def tolerance(self, node, conv: _Converter) -> Tolerance:
        import sympy as sp

        what = FIELD_WHAT["tolerance"]

        def non_negative(n, path):
            v = conv.number(n, path, "a number ≥ 0")
            if sp.N(v) < 0:
                raise _type_error(path, "a number ≥ 0", n)
            return float(v)

        if isinstance(node, YScalar):
            return Tolerance(abs=non_negative(node, "tolerance"), rel=0.0)
        if isinstance(node, YMap) and node.items:
            for k in node.keys():
                if k not in ("abs", "rel"):
                    raise _Invalid(f"field 'tolerance' has an unknown key '{k}'; expected {what}"
                                   + _suggest(k, ("abs", "rel")), node.key_node(k))
            a = non_negative(node.get("abs"), "tolerance.abs") if "abs" in node else 0.0
            r = non_negative(node.get("rel"), "tolerance.rel") if "rel" in node else 0.0
            return Tolerance(abs=a, rel=r)
        raise _type_error("tolerance", what, node)

    # -- checks between fields
    def cross_checks(self, node: YMap, kind: Kind, label: str, fields: dict, variables: list) -> None:
        import sympy as sp

        def err(field_name, message):
            self.add(label, node.get(field_name) if field_name in node else node, message)

        def names(symbols):
            return ", ".join(s.name for s in sorted(symbols, key=lambda s: s.name))

        name = kind.name
        # wrt defaults to the only variable
        if name in _WRT_DEFAULT and fields.get("wrt") is None:
            free = sorted(fields["expr"].free_symbols, key=lambda s: s.name)
            if len(free) == 1:
                fields["wrt"] = free[0]
            elif not free:
                fields["wrt"] = variables[0] if len(variables) == 1 else self.default_symbol()
            else:
                err("wrt", f"missing field 'wrt' (the expression has several variables: {names(free)}; "
                    f"name the one to {_WRT_DEFAULT[name]})")
        # a point must give every variable of the expression a value
        at = fields.get("at")
        if name in _AT_KINDS and at is not None:
            exprs = fields["exprs"] if name == "jacobian" else [fields["expr"]]
            if name == "total_derivative":
                exprs = [e.xreplace(fields["substitutions"]) for e in exprs]
            needed = set().union(*(e.free_symbols for e in exprs))
            missing = needed - set(at)
            if missing:
                err("at", f"field 'at' has no value for {names(missing)}; a point must give every "
                    "variable of the expression a value")
        if name == "directional_derivative":
            direction, vs = fields["direction"], fields["vars"]
            if len(direction) != len(vs):
                err("direction", f"field 'direction' has {len(direction)} numbers but there are "
                    f"{len(vs)} variables ({', '.join(s.name for s in vs)})")
            elif all(d == 0 for d in direction):
                err("direction", "field 'direction' must not be the zero vector")
        if name in ("gradient_descent", "momentum", "adam"):
            vs = fields["vars"]
            missing = fields["objective"].free_symbols - set(vs)
            if missing:
                err("vars", f"field 'vars' does not list {names(missing)}, a variable of the objective")
            start = fields["start"]
            if set(vs) - set(start):
                err("start", f"field 'start' has no value for {names(set(vs) - set(start))} "
                    "(a point giving every variable in vars a value)")
            elif set(start) - set(vs):
                err("start", f"field 'start' gives a value for {names(set(start) - set(vs))}, "
                    "which is not in vars")
        if name == "linear_regression":
            if sorted(s.name for s in fields["start"]) != ["b", "w"]:
                err("start", "field 'start' must give w and b, like {w: 0, b: 0}")
        if name == "convolution":
            n, k, up = len(fields["input"]), len(fields["kernel"]), len(fields["upstream"])
            if fields["padding"] == "valid" and k > n:
                err("kernel", f"field 'kernel' is longer than 'input' ({k} > {n}); "
                    "with padding valid there is no output")
            else:
                m = n - k + 1 if fields["padding"] == "valid" else n
                if up != m:
                    err("upstream", f"field 'upstream' must have {m} numbers (one per output), not {up}")
        if name == "cross_entropy":
            target = fields["target"]
            if fields.get("z") is not None:
                if isinstance(target, list) or not 0 <= sp.N(target) <= 1:
                    err("target", "field 'target' must be a number in [0, 1] for binary cross-entropy (with z)")
            else:
                n = len(fields["logits"])
                if not isinstance(target, list) or len(target) != n:
                    err("target", f"field 'target' must be a list of {n} numbers, one per logit")
                elif any(not 0 <= sp.N(t) <= 1 for t in target):
                    err("target", "field 'target' must hold numbers in [0, 1]")
        if name == "kl_divergence":
            p, q = fields["p"], fields["q"]
            if isinstance(p, dict) != isinstance(q, dict):
                err("q", "fields 'p' and 'q' must have the same form: both lists or both {mean, std}")
            elif isinstance(p, list) and len(p) != len(q):
                err("q", f"fields 'p' and 'q' must have the same length, not {len(p)} and {len(q)}")
        if name == "convexity" and fields.get("domain"):
            extra = set(fields["domain"]) - set(fields["vars"])
            if extra:
                err("domain", f"field 'domain' gives {names(extra)}, which is not in vars")
            elif set(fields["domain"]) - fields["expr"].free_symbols:
                err("domain", f"field 'domain' gives {names(set(fields['domain']) - fields['expr'].free_symbols)}, "
                    "which is not a variable of the expression")
        if name == "backprop":
            self.check_network(node, label, fields)
        if name in ("matrix_gradient", "matrix_convexity", "layer_gradients"):
            from .matrix.layer import check_layer
            from .matrix.setup import FieldError, prepare

            try:
                check_layer(fields) if name == "layer_gradients" else prepare(fields)
            except FieldError as e:
                where = node.get(e.field) if e.field in node else node
                self.add(label, where, e.message, offset=e.position if e.field == "expr" else None)

    @staticmethod
    def default_symbol():
        return _real_symbol("x")

    def check_network(self, node: YMap, label: str, fields: dict) -> None:
        layers_node = node.get("layers")
        x = fields["input"]
        width = len(x) if isinstance(x, list) else 1
        for i, layer in enumerate(fields["layers"]):
            where = layers_node.items[i]
            w, b = layer["weights"], layer["bias"]
            if isinstance(w, list):
                cols, rows = len(w[0]), len(w)
            else:
                cols, rows = 1, 1
            if cols != width:
                shape = f"{rows}×{cols}" if isinstance(w, list) else "a single number (1 input)"
                self.add(label, where, f"field 'layers[{i}].weights' is {shape} but the layer receives "
                         f"{width} input{'s' if width != 1 else ''}; weights are rows (out × in)")
                return
            if b is not None:
                blen = len(b) if isinstance(b, list) else 1
                if blen != rows:
                    self.add(label, where, f"field 'layers[{i}].bias' has {blen} number{'s' if blen != 1 else ''} "
                             f"but the layer has {rows} output{'s' if rows != 1 else ''}")
                    return
            width = rows
        t = fields["target"]
        tlen = len(t) if isinstance(t, list) else 1
        if tlen != width:
            self.add(label, node.get("target"), f"field 'target' has {tlen} number{'s' if tlen != 1 else ''} "
                     f"but the network has {width} output{'s' if width != 1 else ''}")

    # -- expected
    def expected(self, node, kind: Kind, label: str, variables: list, found: set, positions: dict,
                 fields: dict | None = None):
        if isinstance(node, YScalar) and expects_not_differentiable(node.text):
            return self.not_differentiable(node, kind, label, fields or {}, positions)
        form = kind.answer_form
        if form == "map":
            if not isinstance(node, YMap):
                self.add(label, node, f"field 'expected' must be a mapping with some of the keys "
                         f"{', '.join(kind.answer_keys)} ({kind.answer}), not {_shown(node)}")
                return None
            for key, _ in node.items:
                if key.text not in kind.answer_keys:
                    self.add(label, key, f"unknown key '{key.text}' in 'expected' for kind {kind.name}"
                             + (_suggest(key.text, kind.answer_keys)
                                or f"; the answer has: {', '.join(kind.answer_keys)}"))
        elif form == "list" and not isinstance(node, YSeq):
            self.add(label, node, f"field 'expected' must be a list ({kind.answer}), not {_shown(node)}")
            return None
        elif form == "scalar" and not isinstance(node, YScalar):
            self.add(label, node, f"field 'expected' must be a single value ({kind.answer}), not {_shown(node)}")
            return None
        symbols = list(variables) + sorted((s for s in found if s not in variables), key=lambda s: s.name)
        if kind.name in ("matrix_gradient", "layer_gradients"):
            return self.matrix_expected(node, label, symbols, positions, fields or {}, kind.name)
        return self.answer(node, "expected", None, label, symbols, positions)

    def matrix_expected(self, node: YMap, label: str, symbols: list, positions: dict, fields: dict,
                        kind: str = "matrix_gradient") -> dict:
        """matrix_gradient's ``gradient`` and layer_gradients' ``delta``, ``W``, ``b``, ``a`` are
        matrix notation (read by calcai.matrix.parse)."""
        out = {}
        notation = ("gradient",) if kind == "matrix_gradient" else ("delta", "W", "b", "a")
        for key, value in node.items:
            path = f"expected.{key.text}"
            if key.text not in notation:
                out[key.text] = self.answer(value, path, key.text, label, symbols, positions)
                continue
            if value.mark.line:
                positions[path] = (value.mark.line, value.mark.col)
            if not isinstance(value, YScalar) or not value.text.strip():
                self.add(label, value, f"field '{path}' must be an expression in matrix notation")
                continue
            try:
                from .matrix.layer import layer_symbols
                from .matrix.parse import declare, parse_matrix

                parse_matrix(value.text, symbols=layer_symbols(fields) if kind == "layer_gradients"
                             else declare(fields.get("vectors"), fields.get("matrices"), fields.get("symmetric")))
            except ParseError as err:
                self.add(label, value, f"field '{path}' is not a valid matrix expression: {err.message}",
                         offset=err.position)
            out[key.text] = value.text
        return out

    def not_differentiable(self, node, kind: Kind, label: str, fields: dict, positions: dict):
        """``expected: not differentiable``: for the kinds that evaluate a derivative at a point."""
        if kind.name not in NOT_DIFFERENTIABLE_KINDS:
            self.add(label, node, f"'expected: {NOT_DIFFERENTIABLE}' is for the kinds that evaluate "
                     f"derivatives at a point ({', '.join(NOT_DIFFERENTIABLE_KINDS)}), not {kind.name}")
        elif fields.get("at") is None:
            self.add(label, node, f"'expected: {NOT_DIFFERENTIABLE}' needs the point: give 'at'")
        if node.mark.line:
            positions["expected"] = (node.mark.line, node.mark.col)
        return node.text

    def answer(self, node, path: str, key: str | None, label: str, symbols: list, positions: dict):
        if node.mark.line:
            positions[path] = (node.mark.line, node.mark.col)
        if isinstance(node, YMap):
            return {k.text: self.answer(v, f"{path}.{k.text}", k.text, label, symbols, positions)
                    for k, v in node.items}
        if isinstance(node, YSeq):
            return [self.answer(v, f"{path}[{i}]", key, label, symbols, positions)
                    for i, v in enumerate(node.items)]
        text = node.text
        if key in TEXT_ANSWERS:
            if normalize_text(text) not in TEXT_ANSWERS[key]:
                self.add(label, node, f"field '{path}' must be one of: {', '.join(TEXT_ANSWERS[key])}, "
                         f"not {_shown(node)}" + _suggest(normalize_text(text), TEXT_ANSWERS[key]))
            return text
        if not text.strip():
            self.add(label, node, f"field '{path}' is empty; expected a number or an expression")
            return text
        try:
            value = read_value(text, symbols)
        except ParseError as err:
            self.add(label, node, f"field '{path}' is not a valid number or expression: {err.message}",
                     isinstance(err, LimitError), err.position)
            return text
        if not node.quoted and _STRICT_NUMBER.fullmatch(text.strip()):
            return value
        return text


# ---------------------------------------------------------------- files

def _split_lines(text: str) -> list:
    return re.split(r"\r\n?|\n", text.removeprefix("\ufeff"))


def _load_text(data, path: str) -> tuple[list, list]:
    builder = _Builder(path, None)
    try:
        root = load_yaml(data, max_bytes=MAX_FILE_BYTES)
    except YamlError as err:
        return [], [ProblemError(path, err.line, err.col, err.message, err.limit)]
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    builder.lines = _split_lines(text)
    problems = builder.document(root)
    return problems, sorted(builder.errors, key=lambda e: (e.line, e.col))


def _load_file(path) -> tuple[list, list]:
    name = str(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                return [], [ProblemError(name, 1, 1, f"file is {size} bytes, more than the limit "
                                         f"of {MAX_FILE_BYTES} bytes", True)]
            data = f.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        return [], [ProblemError(name, 0, 0, "is a folder; use load_many for folders")]
    except OSError as err:
        return [], [ProblemError(name, 0, 0, f"cannot read the file: {err.strerror or err}")]
    return _load_text(data, name)


def load(path) -> list[Problem]:
    """The problems of one file; raises ProblemFileError with every error of the file."""
    problems, errors = _load_file(path)
    if errors:
        raise ProblemFileError(errors)
    return problems


def loads(text: str, path: str = "<string>") -> list[Problem]:
    """The problems of a problem file given as text (``path`` is used in messages)."""
    problems, errors = _load_text(text, path)
    if errors:
        raise ProblemFileError(errors)
    return problems


def _yaml_files(folder: Path) -> list:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / f for f in files
                  if f.endswith((".yaml", ".yml")) and not f.startswith(".")]
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def load_many(paths) -> tuple[list[Problem], list[ProblemError]]:
    """Load files and folders (folders: every *.yaml / *.yml inside, sorted, recursively).

    Returns ``(problems, errors)``: the valid problems of every file, and every error found.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    problems, errors = [], []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files = _yaml_files(p)
            if not files:
                errors.append(ProblemError(str(p), 0, 0, "no .yaml or .yml files in this folder"))
        else:
            files = [p]
        for f in files:
            if p.is_dir() and not f.is_file():      # a named pipe in a shared folder would block forever
                errors.append(ProblemError(str(f), 0, 0, "is not a regular file (a named pipe, socket or "
                                           "device); it was not read"))
                continue
            found, errs = _load_file(f)
            problems += found
            errors += errs
    return problems, errors


def load_problem(data, *, file: str | None = None) -> Problem:
    """A Problem from a plain dict (the Python API): ``{"kind": "derivative", "expr": "x^3"}``.

    Values are plain Python: str, int, float (read via repr, so 0.1 is 1/10), lists, dicts.
    ``id`` is optional here (default "problem"); keys whose value is None are ignored.
    Raises ProblemFileError listing every problem with the dict.
    """
    if isinstance(data, Problem):
        return data
    where = file or "<problem>"
    if not isinstance(data, dict):
        raise ProblemFileError([ProblemError(where, 0, 0, "a problem must be a dict with 'kind' and "
                                             f"the kind's fields, not {type(data).__name__}")])
    data = {str(k): v for k, v in data.items() if v is not None}
    builder = _Builder(where, None)
    builder.anonymous = "id" not in data
    problem = builder.problem(_to_node(data), 1, {})
    if builder.errors or problem is None:
        raise ProblemFileError(builder.errors)
    return problem
