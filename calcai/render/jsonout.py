"""Walkthroughs and answers as plain data for ``json.dumps``.

- numbers: integers as JSON integers, every other real number as a float (exact values are
  evaluated with ``evalf``), ∞ / nan / complex values as strings;
- expressions: strings that ``calcai.parser.parse`` reads back (``expr_text``:
  ``6*x*(x^2 + 1)^2``, ``exp(-x)``, ``sigmoid(x)*(1 - sigmoid(x))``);
- matrices: lists of rows; tuples and lists: lists; dicts: string keys (Symbols by name);
- step trees: ``{"rule", "expr", "wrt", "result", "substeps"}`` (plus ``formula``, ``u``,
  ``inner``, ``before`` when a node has them);
- equation-solving steps: ``{"rule", "label", "text", "working", "equations", "unknowns",
  "solutions", "substeps"}``;
- a Solution: ``{file, id, kind, answer, steps, check}``.
"""

from __future__ import annotations

import dataclasses
import decimal
import math
from fractions import Fraction

import sympy
from sympy.printing.str import StrPrinter

from ..numbers import EVALF_MAXN, approx, is_numeric
from .text import (
    equation_text, is_differential, is_solve_step, is_step, is_step_work, is_summary, shown_text, solve_step_line,
    summary_head, work_text,
)

# ---------------------------------------------------------------- expressions


class ExprTextPrinter(StrPrinter):
    """sympy's str printer adjusted to calcai's input grammar: '^' for powers, 'e', 'abs',
    'max'/'min', floats by their shortest repr."""

    def _print_Pow(self, expr, rational=False):
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Exp1(self, expr):
        return "e"

    # matrix expressions (calcai.matrix), as calcai.matrix.parse reads them: 2 W^T (W x - y)
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
            if text.startswith("-"):
                out += (" - " if i else "-") + text[1:]
            else:
                out += (" + " if i else "") + text
        return out

    def _print_MatMul(self, expr):
        coeff, mats = expr.as_coeff_matrices()
        body = " ".join(self._mat_factor(m) for m in mats)
        if coeff == 1:
            return body
        if coeff == -1:
            return "-" + body
        c = self._print(coeff)
        return (f"({c})" if isinstance(coeff, sympy.Add) else c) + " " + body

    def _mat_postfix(self, arg, mark: str) -> str:
        if isinstance(arg, (sympy.MatrixSymbol, sympy.Identity)):
            return self._print(arg) + mark
        return f"({self._print(arg)}){mark}"

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, sympy.Inverse):
            return self._mat_postfix(expr.arg.arg, "^-T")
        return self._mat_postfix(expr.arg, "^T")

    def _print_Inverse(self, expr):
        return f"inv({self._print(expr.arg)})"

    def _print_Trace(self, expr):
        return f"tr({self._print(expr.arg)})"

    def _print_AsNumber(self, expr):                # a 1×1 used as a number
        return self._print(expr.arg)

    def _print_Determinant(self, expr):
        return f"det({self._print(expr.arg)})"

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(self._mat_factor(a) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr):
        from ..matrix.parse import elementwise_display

        name = (elementwise_display(expr.function) or str(expr.function)).replace("σ", "sigmoid")
        return f"{name}({self._print(expr.expr)})"

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])})"

    def _print_OneMatrix(self, expr):
        return "ones^T" if expr.shape[0] == 1 and expr.shape[1] != 1 else "ones"

    def _print_Identity(self, expr):
        return "I"

    def _print_SquaredNormOf(self, expr):
        return f"norm({self._print(expr.operand)})^2"

    def _print_Partial(self, expr):
        return f"dL/d({self._print(expr.operand)})"

    def _print_Pi(self, expr):
        return "pi"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Float(self, expr):
        if expr.is_finite:
            f = float(expr)
            if math.isfinite(f) and (f == 0 or 1e-100 < abs(f) < 1e100):
                return repr(f)
        return super()._print_Float(expr)

    def _print_Symbol(self, expr):
        return expr.name

    _print_Dummy = _print_Symbol

    def _print_Heaviside(self, expr):
        arg = self._print(expr.args[0])
        if len(expr.args) == 2 and expr.args[1] == 0:
            return f"step({arg})"
        return f"(1 + sign({arg}))/2"

    def _print_Piecewise(self, expr):
        """{a if u > v; b otherwise} as b + (a − b)·step(u − v), which calcai.parse reads."""
        if len(expr.args) == 2 and expr.args[1].cond == True:  # noqa: E712 - sympy's true
            (a, cond), (b, _) = expr.args
            if isinstance(cond, (sympy.StrictGreaterThan, sympy.StrictLessThan)):
                gap = cond.lhs - cond.rhs if isinstance(cond, sympy.StrictGreaterThan) else cond.rhs - cond.lhs
                return self._print(b + (a - b) * sympy.Heaviside(gap, 0))
        return super()._print_Piecewise(expr)


def expr_text(expr) -> str:
    """An expression as text that ``calcai.parser.parse`` reads back to the same expression."""
    if isinstance(expr, str):
        return expr
    return ExprTextPrinter().doprint(expr)


# ---------------------------------------------------------------- values

_MAX_JSON_INT_BITS = 13_000       # ~3900 digits: below Python's int-to-str limit


def _number(value):
    """A numeric value as int, float or (for ∞, nan, complex, huge) a string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _MAX_JSON_INT_BITS else approx(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else _special_float(value)
    if isinstance(value, (Fraction, decimal.Decimal)):
        return float(value)
    if isinstance(value, complex):
        return expr_text(sympy.sympify(value))
    # a sympy number
    if value.is_Integer:
        return _number(int(value))
    if value.is_Rational:
        return float(value)
    if value is sympy.nan or value is sympy.zoo:
        return "nan"
    if value.is_infinite:
        return "-oo" if value.is_extended_negative else "oo"
    if value.is_Float:
        f = float(value)
        return f if math.isfinite(f) else approx(value)
    try:
        v = sympy.N(value, 17, maxn=EVALF_MAXN)      # a tiny value (e^(−60), a Taylor error) keeps its digits
        if not (v.is_Float or v.is_Rational):
            v = sympy.N(value, 17, chop=True)        # an imaginary part: evalf's rounding noise goes
    except (TypeError, ValueError, ArithmeticError):
        return expr_text(value)
    if v.is_Float or v.is_Rational:
        f = float(v)
        return f if math.isfinite(f) else approx(value)
    return expr_text(value)          # complex or not evaluable: as an expression


def _special_float(f: float) -> str:
    if math.isnan(f):
        return "nan"
    return "oo" if f > 0 else "-oo"


def _key(k) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, sympy.Symbol):
        return k.name
    if isinstance(k, sympy.Basic):
        return expr_text(k)
    return str(k)


def step_json(node) -> dict:
    """A step tree node as ``{"rule", "expr", "wrt", "result", "substeps"}`` (recursively)."""
    wrt = node.wrt
    data = {
        "rule": node.rule,
        "expr": to_jsonable(node.expr),
        "wrt": [to_jsonable(v) for v in wrt] if isinstance(wrt, (tuple, list)) else to_jsonable(wrt),
        "result": to_jsonable(node.result),
        "substeps": [_child_json(s) for s in (node.substeps or ())],
    }
    for extra in ("formula", "u", "inner", "expanded", "before"):
        value = getattr(node, extra, None)
        if value is not None:
            data[extra] = value if isinstance(value, str) else to_jsonable(value)
    return data


def solve_step_json(node) -> dict:
    """An equation-solving step as ``{"rule", "label", "text", "equations", "unknowns",
    "solutions", "substeps"}``: ``text`` is its line as the text renderer prints it,
    ``equations`` are ``{"lhs", "rhs"}`` pairs, ``solutions`` maps unknowns' names to values."""
    return {
        "rule": node.rule,
        "label": str(node.label),
        "text": solve_step_line(node),
        "working": shown_text(node.shown),
        "equations": [{"lhs": to_jsonable(lhs), "rhs": to_jsonable(rhs)} for lhs, rhs in node.equations],
        "unknowns": [_key(u) for u in node.unknowns],
        "solutions": [{_key(k): to_jsonable(v) for k, v in s.items()} for s in node.solutions],
        "substeps": [solve_step_json(s) for s in node.substeps],
    }


def _child_json(node) -> dict:
    """A node under a step: a step, or a line of working (``work_json``)."""
    return work_json(node) if is_step_work(node) else step_json(node)


def work_json(node) -> dict:
    """A line of working inside an integration step: ``{"work", "label", "equations",
    "substeps"}``; ``work`` is the line as text, each equation a list of terms, a term an
    expression or ``{"differential": expr, "wrt": var}``."""
    def term(t):
        if is_differential(t):
            return {"differential": to_jsonable(t.expr), "wrt": to_jsonable(t.wrt)}
        return to_jsonable(t)

    return {"work": work_text(node), "label": node.label,
            "equations": [[term(t) for t in eq] for eq in node.equations],
            "substeps": [_child_json(s) for s in (node.substeps or ())]}


def _finite_floats(value) -> bool:
    """A list of finite Python floats only (the answers of networks at scale): passed on in one
    sweep instead of number by number."""
    return (type(value) is list and bool(value) and all(type(v) is float for v in value)
            and all(map(math.isfinite, value)))


def to_jsonable(value):
    """Plain data (dict / list / str / int / float / bool / None) for any answer value."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if _finite_floats(value):
        return list(value)
    if isinstance(value, sympy.logic.boolalg.BooleanAtom):
        return bool(value)
    if is_numeric(value):
        return _number(value)
    if isinstance(value, sympy.MatrixBase):
        return [[to_jsonable(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
    if isinstance(value, dict):
        return {_key(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, sympy.Tuple)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    if is_step(value):
        return step_json(value)
    if is_solve_step(value):
        return solve_step_json(value)
    if isinstance(value, sympy.Basic):
        return expr_text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


# ---------------------------------------------------------------- walkthroughs

def item_json(item) -> dict:
    """One walkthrough item as ``{"type": "text"|"equation"|"table"|"step"|"solve_step"|"summary", ...}``.

    A summary (a vector or matrix too large to print) is ``{"type": "summary", "lhs", "via",
    "shape", "rows", "norm", "min", "max", "text"}``: ``rows`` holds only the first entries;
    the full values are in the answer."""
    kind = type(item).__name__
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if kind == "Text" and hasattr(item, "text"):
        return {"type": "text", "text": item.text}
    if is_summary(item):
        return {"type": "summary", "lhs": to_jsonable(item.lhs), "via": to_jsonable(item.via),
                "shape": list(item.shape), "rows": [[to_jsonable(v) for v in row] for row in item.rows],
                "norm": to_jsonable(item.norm), "min": to_jsonable(item.low), "max": to_jsonable(item.high),
                "text": summary_head(item)}
    if kind == "Equation" or (hasattr(item, "lhs") and hasattr(item, "rhs")):
        return {"type": "equation", "lhs": to_jsonable(item.lhs), "rhs": to_jsonable(item.rhs),
                "via": to_jsonable(getattr(item, "via", None)), "text": equation_text(item)}
    if hasattr(item, "headers") and hasattr(item, "rows"):
        return {"type": "table", "headers": [to_jsonable(h) for h in item.headers],
                "rows": [[to_jsonable(c) for c in row] for row in item.rows]}
    if is_step(item):
        return {"type": "step", **step_json(item)}
    if is_solve_step(item):
        return {"type": "solve_step", **solve_step_json(item)}
    if kind == "Section" and hasattr(item, "items"):
        return {"type": "section", **section_json(item)}
    return {"type": "value", "value": to_jsonable(item)}


def section_json(section) -> dict:
    return {"title": section.title, "items": [item_json(i) for i in section.items]}


def check_json(check) -> dict:
    """``{status, details: [{path, expected, computed, ok, message}]}``."""
    if check is None:
        return {"status": "none", "details": []}
    return {
        "status": check.status,
        "details": [{"path": i.path, "expected": to_jsonable(i.expected),
                     "computed": to_jsonable(i.computed), "ok": bool(i.ok),
                     "message": getattr(i, "message", "")} for i in getattr(check, "items", ())],
    }


def walkthrough_json(w) -> dict:
    """Any walkthrough: ``{title, steps, final}``."""
    return {"title": getattr(w, "title", ""),
            "steps": [section_json(s) for s in getattr(w, "sections", ()) or ()],
            "final": [item_json(i) for i in getattr(w, "final", ()) or ()]}


def solution_json(solution) -> dict:
    """A Solution: ``{file, id, kind, answer, steps, check}``."""
    problem = getattr(solution, "problem", None)
    return {
        "file": getattr(problem, "file", None),
        "id": getattr(problem, "id", None),
        "kind": getattr(problem, "kind", None),
        "answer": to_jsonable(getattr(solution, "answer", None)),
        "steps": [section_json(s) for s in getattr(solution, "sections", ()) or ()],
        "check": check_json(getattr(solution, "check", None)),
    }


__all__ = ["to_jsonable", "expr_text", "solution_json", "walkthrough_json", "step_json", "solve_step_json", "work_json",
           "item_json", "check_json", "ExprTextPrinter"]
