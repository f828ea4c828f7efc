"""Grade a student's answer against a problem's computed answer, and name the mistake.

``grade(answer, problem) -> Grade``. The right answer is the problem's *computed* answer
(calcai's solver; the problem needs no ``expected``). The answer is untrusted text read by
calcai's safe parser, never run: a number, an expression, a list or a matrix (a YAML list
of lists, or the text ``[[1, 2], [3, 4]]``), or a mapping ``{x: …, y: …}``, in the shape of
the kind's answer (see ``calcai kinds``; a Hessian may be answered by its matrix alone).

Verdicts
--------
- ``correct``: equivalent to the computed answer, compared like ``calcai check`` compares
  (calcai.check: symbolic zero test, then seeded random spot checks; numbers within the
  problem's tolerance; antiderivatives up to a constant; lists in order, mappings by key).
- ``correct_unsimplified``: correct, but some entry with variables is longer than the
  computed answer in each of its usual forms: L(given) > max(L(c), L(expand(c)), L(factor(c)))
  where L is sympy's ``count_ops`` of the entry as read (like terms already combined by the
  reader), c the computed entry, and for an antiderivative the terms free of the variable
  (the constant) are left out of both. Numbers are never "unsimplified".
- ``incorrect``: with ``mistake`` naming what went wrong when a diagnosis matches, else None.
- ``unreadable``: the text does not parse; the message gives the parser's error and column.

Diagnoses (``mistake``) come from re-deriving. A matrix answer is first compared with the
transpose of the computed one (``transposed``, only when that differs). Then each wrong
entry (the whole answer, or one entry of a list, matrix or mapping) is diagnosed, the first
match winning, in this order:

1. ``rounding``: written as a decimal that is the exact answer rounded to its own number of
   decimals, yet outside the tolerance;
2. for a derivative (or an entry of a gradient, Jacobian or Hessian): the rule tree
   re-derived with one buggy rule at one node (calcai.exercises.mistakes:
   ``missing_chain_factor``, ``product_rule_term_missing``, ``quotient_rule_sign``,
   ``power_rule_exponent``, ``sign_error`` at a trigonometric rule), each variant compared
   with the answer, at the problem's point when it has one; then ``partial_wrong_variable``
   (the derivative with respect to another variable of the expression); then ``wrong_point``
   (the right derivative at another point: the coordinates swapped, one negated or moved by
   ±1, or one replaced by a whole number from −5 to 5; not when the answer is also −1 times
   the right one);
3. for an antiderivative: its derivative −1 or c times the integrand;
4. ``sign_error`` (−1 times the right answer), ``constant_factor`` (c times it, c ≠ ±1 a
   rational with denominator ≤ 1000; expressions only).

A list or matrix with some entries right and others wrong is ``component_error``, the
message naming each wrong entry (∂f/∂y, J[1][2], H[2][2]) with its own diagnosis; when every
entry is wrong by the same mistake, that mistake. An indefinite integral asks for + C: a
correct antiderivative without a constant of its own (a symbol that is not a variable of
the problem) is ``correct`` with mistake ``missing_constant`` as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import limits as _limits
from ..errors import CalcaiError, ParseError

__all__ = ["Grade", "grade", "read_answer", "VERDICTS", "MISTAKES", "RIGHT", "Unreadable"]

VERDICTS = ("correct", "correct_unsimplified", "incorrect", "unreadable")
MISTAKES = ("missing_chain_factor", "product_rule_term_missing", "quotient_rule_sign", "power_rule_exponent",
            "sign_error", "constant_factor", "missing_constant", "wrong_point", "rounding",
            "partial_wrong_variable", "transposed", "component_error")
RIGHT = ("correct", "correct_unsimplified")
_SIMPLEST_MAX_OPS = 60            # expand/factor the computed entry only when it is this small
_DERIVATIVE_KINDS = ("derivative", "partial")


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer. ``expected`` is the computed answer (sympy objects in the
    kind's shape), ``given`` the answer as read (or its text when unreadable);
    ``problem_error`` is set when the problem's own ``expected`` disagrees with the computed
    answer (the problem file is wrong; the answer is graded against the computed one)."""

    problem: str
    verdict: str
    mistake: str | None
    message: str
    expected: Any
    given: Any
    problem_error: str = ""

    @property
    def right(self) -> bool:
        return self.verdict in RIGHT


class Unreadable(Exception):
    """An answer (or one entry of it) that does not parse: where, and the parser's error."""

    def __init__(self, path: str, error: ParseError, text: str):
        super().__init__(error.message)
        self.path, self.error, self.text = path, error, text

    @property
    def column(self) -> int:
        return self.error.position + 1


# ------------------------------------------------------------------ reading the answer

def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _split_top(text: str, start: int) -> list:
    """``[a, b, [c, d]]`` (from ``start``, the index of '[') into (item text, offset) pairs."""
    depth, items, begin = 0, [], start + 1
    for i in range(start, len(text)):
        c = text[i]
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
            if depth == 0:
                if c != "]" or text[i + 1:].strip():
                    raise ParseError("unexpected text after the closing ']'", i + 1, text)
                piece = text[begin:i]
                if piece.strip() or items:
                    items.append((piece, begin))
                return items
        elif c == "," and depth == 1:
            items.append((text[begin:i], begin))
            begin = i + 1
    raise ParseError("'[' is never closed", start, text)


def read_answer(value, symbols, path: str = "", key=None, texts=None, _offset: int = 0, _whole=None):
    """The answer as sympy objects in its own shape; ``texts`` (path → text) collects what
    each entry was written as. Raises Unreadable with the entry's path and column."""
    import sympy as sp

    from ..problems import TEXT_ANSWERS, read_value

    texts = {} if texts is None else texts
    if isinstance(value, dict):
        return {str(k): read_answer(v, symbols, _join(path, k), str(k), texts) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [read_answer(v, symbols, f"{path}[{i}]", key, texts) for i, v in enumerate(value)]
    if isinstance(value, sp.MatrixBase):
        return [[value[i, j] for j in range(value.cols)] for i in range(value.rows)]
    if isinstance(value, bool) or value is None:
        raise Unreadable(path, ParseError(f"expected a number or an expression, not {value!r}", 0, ""), "")
    if isinstance(value, (int, float)):
        value = repr(value)
    if isinstance(value, sp.Basic):
        return value
    if not isinstance(value, str):
        raise Unreadable(path, ParseError(f"expected a number or an expression, not a {type(value).__name__}",
                                          0, ""), "")
    whole = value if _whole is None else _whole
    text = value
    if key in TEXT_ANSWERS:
        texts[path] = text
        return text
    stripped = text.lstrip()
    if stripped.startswith("["):
        start = len(text) - len(stripped)
        if path.count("[") >= 2 or stripped.startswith("[[["):
            raise Unreadable(path, ParseError("lists nest at most two deep (a matrix)", start + _offset, whole),
                             whole)
        limit = _limits.current().max_expression_chars
        if len(text) > limit:
            raise Unreadable(path, ParseError(f"the answer is {len(text)} characters long, more than the "
                                              f"limit {limit} (limit max_expression_chars)", 0, whole[:80]), "")
        try:
            items = _split_top(text, start)
        except ParseError as err:
            raise Unreadable(path, ParseError(err.message, err.position + _offset, whole), whole) from None
        return [read_answer(piece, symbols, f"{path}[{i}]", key, texts, _offset + at, whole)
                for i, (piece, at) in enumerate(items)]
    texts[path] = text.strip()
    if not text.strip():
        raise Unreadable(path, ParseError("the answer is empty", _offset, whole), whole)
    try:
        return read_value(text, symbols)
    except ParseError as err:
        raise Unreadable(path, ParseError(err.message, err.position + _offset, whole), whole) from None


# ------------------------------------------------------------------ comparing

def _checker(problem):
    from ..check import _Checker
    from ..problems import problem_symbols

    return _Checker(problem, problem_symbols(problem))


def _compare(problem, given, target) -> list:
    """The check items of ``given`` (in the place of an author's expected) against ``target``."""
    checker = _checker(problem)
    try:
        checker.walk(given, target, "")
    except Exception as err:  # noqa: BLE001 - a comparison never crashes grading
        from ..solution import CheckItem

        checker.items.append(CheckItem("answer", given, target, False, f"could not compare: {err}"))
    return checker.items


def _same(a, b, tolerance, seed: str) -> bool:
    """Is expression/number ``a`` the same as ``b``? One cheap spot check first, then calcai.check."""
    from ..check import _close, _numeric, _points, equivalent

    try:
        symbols = a.free_symbols | b.free_symbols
        if symbols:
            point = next(iter(_points(symbols, seed + ":screen")))
            sa, va = _numeric(a.xreplace(point))
            sb, vb = _numeric(b.xreplace(point))
            if sa == sb == "real" and not _close(va, vb, tolerance)[0]:
                return False
        else:
            sa, va = _numeric(a)
            sb, vb = _numeric(b)
            if sa != "real" or sb != "real":
                return False
            return _close(va, vb, tolerance)[0]
        return equivalent(b, a, tolerance, seed=seed)[0]
    except Exception:  # noqa: BLE001 - an undefined comparison is no match
        return False


def _t(value) -> str:
    from ..render.text import math_text, value_text

    import sympy as sp

    return math_text(value) if isinstance(value, sp.Expr) and not value.is_Number else value_text(value)


# ------------------------------------------------------------------ what each entry is

@dataclass(frozen=True)
class _Entry:
    """A derivative the entry at ``path`` stands for: d^order f/dx^order, at ``at`` or not."""

    f: Any
    x: Any
    order: int
    at: dict | None
    others: tuple = ()           # other variables, for partial_wrong_variable
    name: str = ""               # ∂f/∂y, H[1][2]… for messages


_INDEX = re.compile(r"\[(\d+)\]")


def _entry(problem, path: str):
    """The derivative at ``path`` of the answer, for the derivative-like kinds (else None)."""
    from ..differentiation import derivative
    from ..inputs import resolve_vars, sole_variable

    f = problem.fields
    kind = problem.kind
    indices = [int(i) for i in _INDEX.findall(path)]
    try:
        if kind in _DERIVATIVE_KINDS and path in ("", "answer"):
            x = f.get("wrt") or sole_variable(f["expr"])
            others = tuple(sorted((s for s in f["expr"].free_symbols if s != x), key=lambda s: s.name))
            return _Entry(f["expr"], x, f.get("order", 1), f.get("at"), others, "")
        if kind == "gradient":
            xs = resolve_vars([f["expr"]], f.get("vars"))
            names = [s.name for s in xs]
            last = path.rpartition(".")[2]
            i = indices[0] if len(indices) == 1 else names.index(last) if last in names else None
            if i is None or i >= len(xs):
                return None
            return _Entry(f["expr"], xs[i], 1, f.get("at"), (), f"∂f/∂{_t(xs[i])}")
        if kind == "jacobian" and len(indices) == 2:
            exprs = tuple(f["exprs"])
            xs = resolve_vars(exprs, f.get("vars"))
            i, j = indices
            if i < len(exprs) and j < len(xs):
                return _Entry(exprs[i], xs[j], 1, f.get("at"), (), f"J[{i + 1}][{j + 1}] = ∂f{i + 1}/∂{_t(xs[j])}")
        if kind == "hessian" and len(indices) == 2 and path.lstrip(".").startswith(("[", "matrix")):
            xs = resolve_vars([f["expr"]], f.get("vars"))
            i, j = indices
            if i < len(xs) and j < len(xs):
                second = f"∂{_t(xs[i])}²" if i == j else f"∂{_t(xs[i])}∂{_t(xs[j])}"
                return _Entry(derivative(f["expr"], xs[i]), xs[j], 1, f.get("at"), (),
                              f"H[{i + 1}][{j + 1}] = ∂²f/{second}")
    except (KeyError, ValueError, CalcaiError):
        return None
    return None


# ------------------------------------------------------------------ diagnoses

def _value_at(expr, at: dict):
    from ..check import _numeric

    status, value = _numeric(expr.xreplace(at))
    return value if status == "real" else None


def _derivative_of(entry: _Entry, x=None):
    from ..differentiation import derive

    return derive(entry.f, x if x is not None else entry.x, entry.order)


def _nearby_points(at: dict) -> list:
    """Other points a student may have used: the coordinates swapped, one negated, one moved by
    ±1, or one replaced by a whole number from −5 to 5 (in that order, each point once)."""
    import sympy as sp

    keys = list(at)
    out, seen = [], {tuple(at.values())}

    def add(p):
        t = tuple(p[k] for k in keys)
        if t not in seen:
            seen.add(t)
            out.append(p)

    if len(keys) >= 2:
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                p = dict(at)
                p[keys[a]], p[keys[b]] = at[keys[b]], at[keys[a]]
                add(p)
    for k in keys:
        for v in (-at[k], at[k] + 1, at[k] - 1):
            add({**at, k: v})
    for n in sorted(range(-5, 6), key=lambda n: (abs(n), n)):
        for k in keys:
            add({**at, k: sp.Integer(n)})
    return out


def _point_text(at: dict) -> str:
    return ", ".join(f"{_t(k)} = {_t(v)}" for k, v in at.items())


def _diagnose_entry(entry: _Entry, given, expected, tolerance, seed: str):
    """(mistake, message) for a wrong derivative entry, or None."""
    from .mistakes import variants

    derivation = _derivative_of(entry)
    at = entry.at
    if at is not None and given.free_symbols:
        return None
    for v in variants(derivation.trees[-1]):
        candidate = v.result if at is None else v.result.xreplace(at)
        if _same(candidate, given, tolerance, seed):
            where = f"; at {_point_text(at)} that gives {_t(candidate)}" if at is not None else ""
            return v.mistake, v.step + where
    label = entry.name or "the derivative"
    for y in entry.others:
        other = _derivative_of(entry, y).result
        candidate = other if at is None else other.xreplace(at)
        if _same(candidate, given, tolerance, seed):
            return "partial_wrong_variable", (f"this is the derivative with respect to {_t(y)}; the problem "
                                              f"asks for the derivative with respect to {_t(entry.x)}")
    if at is not None and expected != 0 and _same(-expected, given, tolerance, seed):
        return None                              # −f'(a): a sign error, not f' at another point
    if at is not None:
        for p in _nearby_points(at):
            value = _value_at(derivation.result, p)
            if value is not None and _same(value, given, tolerance, seed):
                return "wrong_point", (f"this is {label} at {_point_text(p)}, not at {_point_text(at)}"
                                       if entry.name else f"this is the right derivative evaluated at "
                                       f"{_point_text(p)}, not at {_point_text(at)}")
    return None


def _diagnose_scale(given, expected, tolerance, seed: str, expressions: bool):
    """sign_error / constant_factor from the ratio of the answer to the right one."""
    import sympy as sp

    from ..check import _numeric, _points

    if expected == 0:
        return None
    if _same(-expected, given, tolerance, seed):
        return "sign_error", f"the answer is off by a factor −1: it should be {_t(expected)}"
    if not expressions:
        return None
    symbols = given.free_symbols | expected.free_symbols
    for point in _points(symbols, seed + ":ratio"):
        try:
            status, r = _numeric((given / expected).xreplace(point))
        except Exception:  # noqa: BLE001
            continue
        if status != "real" or r == 0:
            continue
        c = sp.nsimplify(r, rational=True, tolerance=1e-12)
        if c in (1, -1) or abs(c.q) > 1000:
            return None
        if _same(c * expected, given, tolerance, seed):
            from ..render.text import math_text

            return "constant_factor", f"the answer is {math_text(c)} times the right one, {_t(expected)}"
        return None
    return None


_DECIMAL = re.compile(r"-?\d+(?:\.(\d+))?")


def _diagnose_rounding(text: str | None, expected, tolerance):
    """A decimal that is the exact answer rounded to its own number of decimals."""
    from fractions import Fraction

    import sympy as sp

    from ..check import _numeric

    if not text or not _DECIMAL.fullmatch(text.strip()):
        return None
    status, exact = _numeric(expected)
    if status != "real":
        return None
    places = len(_DECIMAL.fullmatch(text.strip()).group(1) or "")
    given = Fraction(text.strip())
    exact_f = Fraction(str(sp.Float(exact, 30)))
    if abs(given - exact_f) > Fraction(1, 2 * 10 ** places) + Fraction(1, 10 ** 25):
        return None
    bound = tolerance.abs + tolerance.rel * abs(float(exact))
    need = places + 1
    while need < 30 and abs(round(exact_f, need) - exact_f) > Fraction(bound):
        need += 1
    shown = f"{float(round(exact_f, need)):.{need}f}"
    return "rounding", (f"{text.strip()} is the answer rounded to {places} decimal{'s' if places != 1 else ''}; "
                        f"the tolerance {bound:.3g} asks for at least {need}: {shown}")


def _diagnose_leaf(problem, path: str, given, expected, texts: dict):
    """(mistake, message) for one wrong entry (a number or an expression), or None."""
    seed = f"{problem.id}:{path}:grade"
    tolerance = problem.tolerance
    if isinstance(given, str) or isinstance(expected, str) or not hasattr(given, "free_symbols"):
        return None
    key = path.strip(".")
    if given.free_symbols and not expected.free_symbols:
        entry = _entry(problem, key)
        at = f" at {_point_text(entry.at)}" if entry is not None and entry.at else ""
        return None, f"the answer should be a number: the value{at} is {_t(expected)}"
    found = _diagnose_rounding(texts.get(key), expected, tolerance) if not given.free_symbols else None
    if found:
        return found
    entry = _entry(problem, key)
    if entry is not None:
        try:
            found = _diagnose_entry(entry, given, expected, tolerance, seed)
        except CalcaiError:
            found = None
        if found:
            return found
    if problem.kind == "integral" and problem.fields.get("bounds") is None and given.free_symbols:
        return _diagnose_antiderivative(problem, given, tolerance, seed)
    return _diagnose_scale(given, expected, tolerance, seed, bool(given.free_symbols or expected.free_symbols))


def _diagnose_antiderivative(problem, given, tolerance, seed: str):
    """An antiderivative whose derivative is −f or c·f."""
    import sympy as sp

    from ..inputs import sole_variable

    f = problem.fields
    x = f.get("wrt") or sole_variable(f["expr"], "integrate")
    found = _diagnose_scale(sp.diff(given, x), f["expr"], tolerance, seed, True)
    if found is None:
        return None
    mistake, _ = found
    return mistake, (f"the derivative of the answer is {_t(sp.diff(given, x))}, "
                     f"{'−1' if mistake == 'sign_error' else 'a constant'} times the integrand {_t(f['expr'])}")


# ------------------------------------------------------------------ the verdict

def _ops(expr) -> int:
    import sympy as sp

    return sp.count_ops(expr)


def _unsimplified(problem, given, target) -> list:
    """Paths of the entries with variables longer than every usual form of the computed entry."""
    import sympy as sp

    out = []

    def walk(g, t, path):
        if isinstance(g, dict) and isinstance(t, dict):
            for k, v in g.items():
                if k in t:
                    walk(v, t[k], _join(path, k))
            return
        if isinstance(g, list) and isinstance(t, (list, tuple)) and len(g) == len(t):
            for i, (a, b) in enumerate(zip(g, t)):
                walk(a, b, f"{path}[{i}]")
            return
        if not isinstance(g, sp.Expr) or not isinstance(t, sp.Expr) or not g.free_symbols:
            return
        if problem.kind == "integral" and problem.fields.get("bounds") is None:
            x = problem.fields.get("wrt") or next(iter(problem.fields["expr"].free_symbols), None)
            g = sp.Add(*(a for a in sp.Add.make_args(g) if x is None or a.has(x)))
            t = sp.Add(*(a for a in sp.Add.make_args(t) if x is None or a.has(x)))
        forms = [_ops(t)]
        if forms[0] <= _SIMPLEST_MAX_OPS:
            try:
                forms += [_ops(sp.expand(t)), _ops(sp.factor(t))]
            except Exception:  # noqa: BLE001 - factor refuses some function trees
                pass
        if _ops(g) > max(forms):
            out.append(path)

    walk(given, target, "")
    return out


def _target(problem, computed, given):
    """The part of the computed answer the student answers: a Hessian's matrix when the
    answer is a list; else the whole answer."""
    if problem.kind == "hessian" and isinstance(computed, dict) and isinstance(given, list):
        return computed["matrix"]
    return computed


def _is_matrix(value) -> bool:
    return (isinstance(value, list) and len(value) >= 1 and all(isinstance(r, list) for r in value)
            and len({len(r) for r in value}) == 1)


def _transposed(value):
    return [list(col) for col in zip(*value)]


def _leaf_path(item_path: str) -> str:
    return "" if item_path == "answer" else item_path.removeprefix("answer")


def _describe(problem, path: str) -> str:
    entry = _entry(problem, path)
    if entry is not None and entry.name:
        return entry.name
    return f"answer{path}" if path.startswith("[") else path.strip(".") or "the answer"


def _get(value, path: str):
    """The entry of a structure at ``path`` ("[1][0]", "matrix[0][1]", "x")."""
    for part in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path):
        index, key = part
        if index:
            value = value[int(index)]
        else:
            value = value[key]
    return value


def _solve(problem):
    from ..solvers import solve

    return solve(problem)


def grade(answer, problem, *, solution=None) -> Grade:
    """Grade ``answer`` (text, a number, a list/matrix, a mapping, or sympy values) for
    ``problem`` (a Problem, or a dict as for ``calcai.solve``). The right answer is the
    problem's computed answer (``solution`` when given, else solved here)."""
    from ..problems import load_problem, problem_symbols

    problem = load_problem(problem)
    if solution is None:
        solution = _solve(problem)
    computed = solution.answer
    problem_error = ""
    if solution.check.status == "fail":
        bad = next(item for item in solution.check.items if not item.ok)
        problem_error = (f"{problem.where('expected')}: problem {problem.id}: its expected answer disagrees "
                         f"with the computed one ({bad.path}: {bad.message}); graded against the computed answer")
    texts: dict = {}
    try:
        given = read_answer(answer, problem_symbols(problem), texts=texts)
    except Unreadable as err:
        where = f" in {err.path}" if err.path else ""
        return Grade(problem.id, "unreadable", None,
                     f"cannot read the answer{where}: {err.error.message} (at column {err.column})"
                     + (f"\n  {err.text}\n  {' ' * err.error.position}^" if err.text else ""),
                     computed, answer, problem_error)
    target = _target(problem, computed, given)
    items = _compare(problem, given, target)
    if items and all(item.ok for item in items):
        return _right(problem, given, target, items, problem_error)
    return _wrong(problem, given, target, items, texts, problem_error)


def _right(problem, given, target, items, problem_error) -> Grade:
    import sympy as sp

    from ..problems import problem_symbols

    longer = _unsimplified(problem, given, target)
    if longer:
        where = f" ({', '.join(longer)})" if longer != [""] else ""
        verdict, message = "correct_unsimplified", (f"correct, but not in simplest form{where}: the computed "
                                                    f"answer is {_t(_get(target, longer[0]))}")
    else:
        verdict, message = "correct", "correct"
    if (problem.kind == "integral" and problem.fields.get("bounds") is None and isinstance(given, sp.Expr)):
        names = {s.name for s in problem_symbols(problem)}
        if not any(s.name not in names for s in given.free_symbols):
            return Grade(problem.id, verdict, "missing_constant",
                         message + "; the constant of integration is missing: write + C", target, given,
                         problem_error)
    if any(item.message == "equal up to a constant" for item in items) and verdict == "correct":
        message = "correct (up to a constant)"
    return Grade(problem.id, verdict, None, message, target, given, problem_error)


def _wrong(problem, given, target, items, texts, problem_error) -> Grade:
    def done(mistake, message):
        return Grade(problem.id, "incorrect", mistake, message, target, given, problem_error)

    if _is_matrix(target) and _is_matrix(given):
        flipped = _transposed(target)
        if flipped != target and _is_matrix(flipped):
            again = _compare(problem, given, flipped)
            if again and all(item.ok for item in again):
                return done("transposed", "the matrix is transposed: rows and columns are swapped "
                                          f"(row i should hold the derivatives of output i)" if problem.kind ==
                            "jacobian" else "the matrix is transposed: rows and columns are swapped")
    leaf_items = [it for it in items if _leaf_path(it.path) != "" or not isinstance(given, (list, dict))]
    bad = [it for it in leaf_items if not it.ok]
    shape = [it for it in items if not it.ok and it not in bad]
    if shape or not bad:
        reason = (shape or [it for it in items if not it.ok] or [None])[0]
        return done(None, _shape_message(reason))
    diagnosed = []
    for it in bad:
        path = _leaf_path(it.path)
        try:
            g, e = _get(given, path), _get(target, path)
        except (KeyError, IndexError, TypeError):
            g = e = None
        found = _diagnose_leaf(problem, path, g, e, texts) if g is not None else None
        diagnosed.append((path, e, found))
    if len(leaf_items) == 1 and not isinstance(given, (list, dict)):
        path, e, found = diagnosed[0]
        if found:
            return done(*found)
        return done(None, f"the answer should be {_t(e)}" if e is not None else "the answer is wrong")
    kinds = {found[0] if found else None for _, _, found in diagnosed}
    parts = []
    for path, e, found in diagnosed:
        what = _describe(problem, path)
        parts.append(f"{what}: " + (found[1] if found else f"should be {_t(e)}"))
    if len(bad) < len(leaf_items):
        return done("component_error", "wrong entries: " + "; ".join(parts))
    if len(kinds) == 1 and None not in kinds:
        return done(kinds.pop(), "every entry: " + "; ".join(parts))
    return done(None, "; ".join(parts))


def _shape_message(item) -> str:
    if item is None:
        return "the answer does not have the shape of the computed answer"
    message = item.message
    # calcai.check words its messages for an author's expected answer: here 'expected' is the
    # student's answer, so only shape messages (lengths, missing keys) are passed on, reworded.
    m = re.match(r"expected (\d+) items, got (\d+)", message)
    if m:
        return (f"the answer has {m.group(1)} entr{'y' if m.group(1) == '1' else 'ies'}; "
                f"the computed answer has {m.group(2)}")
    m = re.match(r"'(.+)' is missing from the answer", message)
    if m:
        return f"the computed answer has no entry '{m.group(1)}'"
    if message.startswith("expected a mapping") or message.startswith("expected a list"):
        return "the answer does not have the shape of the computed answer"
    return "the answer does not match the computed answer"

