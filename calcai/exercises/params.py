"""Parameters of an exercise template: ``params``, ``where`` and ``{name}`` substitution.

A problem may declare parameters and use them as ``{name}`` in any scalar of any field::

    params:
      a: {int: [2, 9]}             # an integer lo..hi inclusive
      n: {choice: [2, 3, "1/2"]}   # one of the listed values (numbers or expression strings)
      c: {decimal: [0.1, 0.9, 1]}  # a decimal lo..hi with that many places
    where: ["a != n"]              # relations of the parameters every draw must meet
    expr: "(x^2 + {a})^{n}"

Nothing here runs text: values and both sides of every ``where`` relation are read by
``calcai.parser.parse``; relations (``< <= > >= == !=``, chained ``1 < a < 5``) and ``and`` /
``or`` are split off by a small tokenizer first. This module reads YAML nodes
(``calcai.yamlsafe``) and never imports the problem loader, which imports it.

Errors are ``ParamError(message, node, offset)``: the loader turns them into
``path:line:col`` messages like its own.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import ParseError
from ..parser import parse
from ..yamlsafe import YMap, YScalar, YSeq

__all__ = ["Param", "Condition", "ParamError", "Template", "read_template", "read_params", "read_where",
           "reference_values", "draw_values", "failed_conditions", "substitute", "PLACEHOLDER", "SPEC_KINDS",
           "MAX_DRAWS", "TEMPLATE_KEYS"]

SPEC_KINDS = ("int", "choice", "decimal")
MAX_DRAWS = 1000                 # draws tried for one variant before a where condition is reported
MAX_PLACES = 12
TEMPLATE_KEYS = ("params", "where", "params_used")   # never substituted
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


class ParamError(Exception):
    """A mistake in ``params``, ``where`` or a ``{name}``; ``node`` is where to point."""

    def __init__(self, message: str, node=None, offset: int | None = None):
        super().__init__(message)
        self.message = message
        self.node = node
        self.offset = offset


def _suggest(word: str, options) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _shown(node) -> str:
    if isinstance(node, YSeq):
        return "a list"
    if isinstance(node, YMap):
        return "a mapping"
    text = node.text if len(node.text) <= 40 else node.text[:40] + "..."
    return "'" + text.replace("\n", "\\n") + "'"


# ---------------------------------------------------------------- values

@dataclass(frozen=True)
class Value:
    """A drawn value: ``text`` as written into the problem, ``expr`` the exact sympy value."""

    text: str
    expr: object
    atom: str            # "number" (an unsigned number), "name" (an identifier), "other"


def _value(text: str) -> Value:
    text = text.strip()
    if re.fullmatch(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?", text):
        atom = "number"
    elif _NAME.fullmatch(text):
        atom = "name"
    else:
        atom = "other"
    return Value(text, parse(text), atom)


def _decimal_text(k: int, places: int) -> str:
    """k / 10**places as a decimal without trailing zeros: (25, 2) -> '0.25', (50, 2) -> '0.5'."""
    sign = "-" if k < 0 else ""
    whole, frac = divmod(abs(k), 10 ** places)
    frac_text = f"{frac:0{places}d}".rstrip("0") if places else ""
    return f"{sign}{whole}" + (f".{frac_text}" if frac_text else "")


# ---------------------------------------------------------------- params

@dataclass(frozen=True)
class Param:
    """One parameter: ``kind`` int (lo..hi), choice (values) or decimal (lo..hi in steps of 10^-places)."""

    name: str
    kind: str
    lo: int = 0              # int: the bounds; decimal: the bounds in units of 10^-places
    hi: int = 0
    places: int = 0
    choices: tuple = ()      # choice: Values
    node: object = None

    def reference(self) -> Value:
        """The first value: int lo, the first choice, decimal lo."""
        if self.kind == "choice":
            return self.choices[0]
        return self.at(self.lo)

    def at(self, k: int) -> Value:
        text = str(k) if self.kind == "int" else _decimal_text(k, self.places)
        try:
            return _value(text)
        except ParseError as err:              # a limit: more digits than max_integer_digits
            raise ParamError(f"field 'params.{self.name}': the value {text[:40]} cannot be used: "
                             f"{err.message}", self.node) from None

    def draw(self, rng) -> Value:
        if self.kind == "choice":
            return self.choices[rng.randrange(len(self.choices))]
        return self.at(rng.randint(self.lo, self.hi))

    def size(self) -> int:
        return len(self.choices) if self.kind == "choice" else self.hi - self.lo + 1


def _spec_items(spec, path: str, what: str, count: int):
    if not isinstance(spec, YSeq) or len(spec.items) != count or not all(isinstance(i, YScalar) for i in spec.items):
        raise ParamError(f"field '{path}' must be {what}, not {_shown(spec)}", spec)
    return spec.items


def _integer(node, path: str) -> int:
    text = node.text.strip()
    if not _INTEGER.fullmatch(text) or len(text) > 30:
        raise ParamError(f"field '{path}' must be a whole number, not {_shown(node)}", node)
    return int(text)


def _read_param(name_node, spec) -> Param:
    name = name_node.text.strip()
    path = f"params.{name}"
    if not _NAME.fullmatch(name):
        raise ParamError(f"parameter name {_shown(name_node)} must be a name like a, n or lr "
                         "(letters, digits and _)", name_node)
    if name in ("e", "pi", "inf", "oo"):
        raise ParamError(f"parameter name '{name}' is a constant; choose another name", name_node)
    if not isinstance(spec, YMap) or len(spec.items) != 1:
        raise ParamError(f"field '{path}' must be one of {{int: [lo, hi]}}, {{choice: [values]}} or "
                         f"{{decimal: [lo, hi, places]}}, not {_shown(spec)}", spec)
    key, body = spec.items[0]
    kind = key.text.strip()
    if kind not in SPEC_KINDS:
        raise ParamError(f"unknown parameter kind '{kind}' in '{path}'"
                         + (_suggest(kind, SPEC_KINDS) or "; use int, choice or decimal"), key)
    if kind == "int":
        lo_node, hi_node = _spec_items(body, f"{path}.int", "two whole numbers [lo, hi]", 2)
        lo, hi = _integer(lo_node, f"{path}.int[0]"), _integer(hi_node, f"{path}.int[1]")
        if lo > hi:
            raise ParamError(f"field '{path}.int' must have lo ≤ hi, not [{lo}, {hi}]", body)
        return Param(name, "int", lo, hi, node=spec)
    if kind == "decimal":
        lo_node, hi_node, p_node = _spec_items(body, f"{path}.decimal",
                                               "[lo, hi, places] (two numbers and a whole number of places)", 3)
        places = _integer(p_node, f"{path}.decimal[2]")
        if not 0 <= places <= MAX_PLACES:
            raise ParamError(f"field '{path}.decimal[2]' (places) must be between 0 and {MAX_PLACES}, "
                             f"not {places}", p_node)
        bounds = []
        for i, node in enumerate((lo_node, hi_node)):
            text = node.text.strip()
            if not _DECIMAL.fullmatch(text) or len(text) > 30:
                raise ParamError(f"field '{path}.decimal[{i}]' must be a decimal number like 0.5, "
                                 f"not {_shown(node)}", node)
            scaled = Fraction(text) * 10 ** places
            units = math.ceil(scaled) if i == 0 else math.floor(scaled)
            bounds.append(units)
        lo, hi = bounds
        if lo > hi:
            raise ParamError(f"field '{path}.decimal' has no value with {places} decimal places between "
                             f"{lo_node.text.strip()} and {hi_node.text.strip()}", body)
        return Param(name, "decimal", lo, hi, places, node=spec)
    # choice
    if not isinstance(body, YSeq) or not body.items:
        raise ParamError(f"field '{path}.choice' must be a non-empty list of values, not {_shown(body)}", body)
    values = []
    for i, item in enumerate(body.items):
        if not isinstance(item, YScalar) or not item.text.strip():
            raise ParamError(f"field '{path}.choice[{i}]' must be a number or an expression, not "
                             f"{_shown(item)}", item)
        if PLACEHOLDER.search(item.text):
            raise ParamError(f"field '{path}.choice[{i}]' cannot use another parameter", item)
        try:
            values.append(_value(item.text))
        except ParseError as err:
            raise ParamError(f"field '{path}.choice[{i}]' is not a valid number or expression: {err.message}",
                             item, err.position) from None
    return Param(name, "choice", choices=tuple(values), node=spec)


def read_params(node) -> dict:
    """``params`` (a YAML mapping) as ``{name: Param}`` in the order written."""
    if not isinstance(node, YMap) or not node.items:
        raise ParamError("field 'params' must be a mapping of parameter names to {int: [lo, hi]}, "
                         "{choice: [...]} or {decimal: [lo, hi, places]}"
                         + ("" if isinstance(node, YMap) else f", not {_shown(node)}"), node)
    out = {}
    for key, spec in node.items:
        param = _read_param(key, spec)
        out[param.name] = param
    return out


# ---------------------------------------------------------------- where

_RELATIONS = {"<=": "<=", ">=": ">=", "==": "==", "!=": "!=", "<": "<", ">": ">",
              "≤": "<=", "≥": ">=", "≠": "!="}
_SPLIT = re.compile(r"<=|>=|==|!=|≤|≥|≠|<|>|=|\band\b|\bor\b|[()]")


@dataclass(frozen=True)
class Condition:
    """One ``where`` entry: ``alternatives`` is an or of ands of chains (sides, relations)."""

    text: str
    alternatives: tuple      # ((chain, ...), ...); chain = (sides tuple of exprs, ops tuple)
    node: object = None

    def holds(self, values: dict) -> bool:
        subs = {v: values[v.name].expr for v in self.symbols()}
        return any(all(_chain_holds(chain, subs) for chain in conj) for conj in self.alternatives)

    def symbols(self) -> set:
        out = set()
        for conj in self.alternatives:
            for sides, _ in conj:
                for s in sides:
                    out |= s.free_symbols
        return out


def _holds(d, op: str) -> bool:
    """``d op 0`` for a number d (a 30-digit Float); 'equal' means |d| < 1e-25."""
    import sympy as sp

    if not (d.is_Number and d.is_real and d.is_finite):
        return False
    if abs(d) < sp.Float("1e-25"):
        d = sp.Integer(0)
    return bool({"<": d < 0, "<=": d <= 0, ">": d > 0, ">=": d >= 0, "==": d == 0, "!=": d != 0}[op])


def _chain_holds(chain, subs) -> bool:
    """Each relation of a chain, evaluated numerically with the values substituted by evalf
    (never built exactly: a^a^a at a = 9 stays a 30-digit number, not 369 million digits)."""
    import sympy as sp

    sides, ops = chain
    try:
        return all(_holds(sp.N(sides[i] - sides[i + 1], 30, subs=subs), op) for i, op in enumerate(ops))
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return False


def _read_condition(node, names: list) -> Condition:
    import sympy as sp

    if not isinstance(node, YScalar) or not node.text.strip():
        raise ParamError(f"a 'where' condition must be text like \"a != n\", not {_shown(node)}", node)
    text = node.text
    pieces, depth, start = [], 0, 0       # (kind, text, offset): kind "side" | "rel" | "and" | "or"
    for m in _SPLIT.finditer(text):
        tok = m.group(0)
        if tok == "(":
            depth += 1
            continue
        if tok == ")":
            depth -= 1
            continue
        if depth:
            if tok in ("and", "or") or tok in _RELATIONS or tok == "=":
                raise ParamError(f"where condition {_shown(node)}: relations and and/or cannot go inside "
                                 "brackets", node, m.start())
            continue
        pieces.append(("side", text[start:m.start()], start))
        if tok == "=":
            raise ParamError(f"where condition {_shown(node)}: '=' is not a relation; use == to compare",
                             node, m.start())
        pieces.append(("rel" if tok in _RELATIONS else tok, _RELATIONS.get(tok, tok), m.start()))
        start = m.end()
    pieces.append(("side", text[start:], start))
    variables = [sp.Symbol(n, real=True) for n in names]
    alternatives, conj, sides, ops = [], [], [], []

    def close_chain(at):
        if not ops:
            raise ParamError(f"where condition {_shown(node)} needs a relation (< <= > >= == !=)", node, at)
        conj.append((tuple(sides), tuple(ops)))

    for kind, piece, offset in pieces:
        if kind == "side":
            if not piece.strip():
                raise ParamError(f"where condition {_shown(node)} is missing a value here", node, offset)
            try:
                expr = parse(piece, variables)
            except ParseError as err:
                raise ParamError(f"where condition {_shown(node)} is not valid: {err.message}", node,
                                 offset + err.position) from None
            unknown = sorted(s.name for s in expr.free_symbols if s.name not in names)
            if unknown:
                where = offset + max(0, piece.find(unknown[0]))
                raise ParamError(f"where condition {_shown(node)} uses '{unknown[0]}', which is not a parameter"
                                 + (_suggest(unknown[0], names) or f"; the parameters are: {', '.join(names)}"),
                                 node, where)
            sides.append(expr)
        elif kind == "rel":
            ops.append(piece)
        else:                    # and / or
            close_chain(offset)
            sides, ops = [], []
            if kind == "or":
                alternatives.append(tuple(conj))
                conj = []
    close_chain(len(text))
    alternatives.append(tuple(conj))
    return Condition(text.strip(), tuple(alternatives), node)


def read_where(node, params: dict) -> list:
    """``where`` (a condition or a list of them) as Conditions over ``params``."""
    items = node.items if isinstance(node, YSeq) else (node,)
    if isinstance(node, YMap) or (isinstance(node, YSeq) and not node.items):
        raise ParamError("field 'where' must be a list of conditions like [\"a != n\", \"a + n < 10\"]", node)
    return [_read_condition(item, list(params)) for item in items]


# ---------------------------------------------------------------- drawing

def draw_values(params: dict, rng) -> dict:
    """One value per parameter, drawn in the order written."""
    return {name: p.draw(rng) for name, p in params.items()}


def reference_values(params: dict) -> dict:
    return {name: p.reference() for name, p in params.items()}


def failed_conditions(conditions, values: dict) -> list:
    return [c for c in conditions if not c.holds(values)]


# ---------------------------------------------------------------- substitution

def _insertion(value: Value, built: str, text: str, end: int) -> str:
    """``value`` as it must be written after ``built`` (the text so far) and before
    ``text[end:]`` to read as one factor."""
    whole = not built and end == len(text)
    if whole:
        return value.text                                   # the whole scalar
    before = built[-1:]
    after = text[end:end + 1]
    left = built.rstrip()[-1:]
    right = text[end:].lstrip()[:1]
    word = re.compile(r"[A-Za-z0-9_]")
    if after == "{":                                        # another value follows: keep them apart
        return f"({value.text})"
    if value.atom == "number":
        glued = bool(word.match(before)) or after[:1].isdigit() or bool(
            re.match(r"\.\d|[eE][+-]?\d", text[end:end + 3]))
        return f"({value.text})" if glued else value.text
    if value.atom == "name":
        glued = bool(word.match(before)) or bool(word.match(after))
        return f"({value.text})" if glued else value.text
    if left in ("", "(", ",", "[", "=") and right in ("", ")", ",", "]", "="):
        return value.text                                    # a whole argument or bracket
    return f"({value.text})"


def _pretty(value: Value, built: str, text: str, end: int, safe: str) -> tuple[str, str]:
    """The textbook spelling of an insertion: ``+ (-5)x`` as ``- 5x``, ``1x`` as ``x``,
    ``(-2)x`` at the start as ``-2x``. Returns (text before it, possibly with its sign
    changed, and the insertion)."""
    expr = value.expr
    if not getattr(expr, "is_Rational", False) or safe == value.text and value.atom != "number":
        return built, safe
    right = text[end:].lstrip()[:1]
    after = text[end:end + 1]
    if right in ("^", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁻", "¹", "⁰", "!") or \
            text[end:].lstrip().startswith("**"):
        return built, safe                                 # (-2)^2 is not -2^2
    magnitude = value.text.lstrip("-")
    head = built.rstrip()
    coefficient = bool(re.match(r"[A-Za-z(]", after))       # 1x, 1(x + 1), 1sin(x)
    if coefficient and magnitude == "1":
        magnitude = ""
    if expr < 0:
        if head[-1:] in ("+", "-") and head[:-1].strip() and head[:-1].rstrip()[-1:] not in ("(", ",", "^", "*", "/"):
            sign = "-" if head[-1] == "+" else "+"
            return head[:-1] + sign + built[len(head):], magnitude
        if head[-1:] in ("", "(", ",", "[", "=", ":") or head[-1:].isalpha() and built[-1:] == " ":
            return built, "-" + magnitude                   # "at x = -2", "from -2 to 3"
        return built, safe
    if not magnitude and head[-1:] in ("", "(", ",", "+", "-", "[", "=", ":"):
        return built, ""
    return built, safe


def _substitute_text(node: YScalar, values: dict) -> YScalar:
    """Every ``{name}`` of a scalar replaced. Two spellings are built: the safe one (each
    value bracketed wherever it could otherwise read differently) and the textbook one
    (``x^2 - 5x`` for ``x^2 + {b}x`` with b = −5); the textbook one is kept only when the
    parser reads it exactly as the safe one, or when the text is not an expression at all."""
    text = node.text
    if "{" not in text:
        return node
    safe, pretty, last = [], "", 0
    for m in PLACEHOLDER.finditer(text):
        name = m.group(1)
        if name not in values:
            raise ParamError(f"'{{{name}}}' is not a parameter"
                             + (_suggest(name, values) or f"; the parameters are: {', '.join(values)}"),
                             node, m.start())
        safe.append(text[last:m.start()])
        inserted = _insertion(values[name], "".join(safe), text, m.end())
        safe.append(inserted)
        pretty, piece = _pretty(values[name], pretty + text[last:m.start()], text, m.end(), inserted)
        pretty += piece
        last = m.end()
    if not safe:
        return node
    safe_text = "".join(safe) + text[last:]
    pretty += text[last:]
    return YScalar(_choose(safe_text, pretty), node.quoted, node.mark)


def _choose(safe: str, pretty: str) -> str:
    """The textbook spelling when the parser reads it as the safe one; for text that is not
    an expression (a statement, an equation), the textbook spelling."""
    if safe == pretty:
        return safe
    try:
        reading = parse(safe)
    except (ParseError, ValueError, TypeError):
        return pretty
    try:
        return pretty if parse(pretty) == reading else safe
    except (ParseError, ValueError, TypeError):
        return safe


def substitute(node, values: dict, *, top: bool = True):
    """The problem node with every ``{name}`` in its scalars replaced (keys, ``params``, ``where``
    and ``params_used`` are left alone)."""
    if isinstance(node, YScalar):
        return _substitute_text(node, values)
    if isinstance(node, YSeq):
        return YSeq(tuple(substitute(item, values, top=False) for item in node.items), node.mark)
    items = []
    if (len(node.items) == 1 and node.items[0][0].text in values and isinstance(node.items[0][1], YScalar)
            and not node.items[0][1].text):
        name = node.items[0][0].text
        raise ParamError(f"write \"{{{name}}}\" in quotes: unquoted, YAML reads {{{name}}} as a mapping", node)
    for key, value in node.items:
        if top and key.text in TEMPLATE_KEYS:
            items.append((key, value))
        else:
            items.append((key, substitute(value, values, top=False)))
    return YMap(tuple(items), node.mark)


# ---------------------------------------------------------------- a template's instances

@dataclass(frozen=True)
class Template:
    """A parameterised problem node with its parameters and conditions, read and checked."""

    node: object
    params: dict
    conditions: tuple

    def draw(self, rng) -> dict:
        """Values meeting every condition, drawn from ``rng`` (at most MAX_DRAWS tries)."""
        misses: dict = {}
        for _ in range(MAX_DRAWS):
            values = draw_values(self.params, rng)
            failed = failed_conditions(self.conditions, values)
            if not failed:
                return values
            for c in failed:
                misses[c] = misses.get(c, 0) + 1
        raise self.unsatisfiable(misses)

    def reference(self) -> dict:
        """The documented default instance (what `calcai solve` and `check` use): every
        parameter at its first value (int lo, the first choice, decimal lo); when a condition
        rejects that, the first draw of seed 0 that meets them all."""
        import random

        values = reference_values(self.params)
        if not failed_conditions(self.conditions, values):
            return values
        return self.draw(random.Random(0))

    def unsatisfiable(self, misses: dict) -> ParamError:
        worst = max(self.conditions, key=lambda c: (misses.get(c, 0), -self.conditions.index(c)))
        ranges = ", ".join(_describe_param(p) for p in self.params.values())
        return ParamError(f"where condition '{worst.text}' was not met in {MAX_DRAWS} draws of the "
                          f"parameters ({ranges})", worst.node)

    def instance(self, values: dict):
        """The problem node with ``values`` substituted (params and where still in it)."""
        return substitute(self.node, values)


def _describe_param(p: Param) -> str:
    if p.kind == "choice":
        return f"{p.name} one of " + ", ".join(v.text for v in p.choices)
    return f"{p.name} {p.kind} {p.at(p.lo).text}..{p.at(p.hi).text}"


def read_template(node) -> Template:
    """Read and check the ``params`` and ``where`` of a problem node (a YMap with ``params``)."""
    if "params" not in node:
        raise ParamError("field 'where' needs 'params': the parameters its conditions are about",
                         node.key_node("where"))
    params = read_params(node.get("params"))
    conditions = tuple(read_where(node.get("where"), params)) if "where" in node else ()
    return Template(node, params, conditions)
