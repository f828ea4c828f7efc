"""Compare a computed answer with the author's ``expected`` answer.

``check_answer(answer, problem)`` walks ``problem.expected`` (plain data: dicts, lists,
numbers and strings) against the computed ``answer`` and returns a ``Check`` with one
``CheckItem`` per compared value. Only what ``expected`` gives is checked.

- numbers pass when |computed − expected| ≤ abs + rel·|expected| (the problem's tolerance);
- expressions (expected strings with variables) pass when they are equivalent: the expanded
  or cancelled difference is 0, or they agree at 5 seeded random points;
- antiderivatives (``integral`` without bounds) pass when equal up to a constant;
- text answers (definiteness, type) compare case-insensitively; ``expected: not differentiable``
  (a derivative at a kink) passes only when the answer is that text;
- lists compare element by element (a length mismatch fails), mappings key by key;
  critical points, Lagrange candidates and eigenvalues compare in any order.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from .errors import ParseError
from .problems import (NOT_DIFFERENTIABLE, TEXT_ANSWERS, expects_not_differentiable, normalize_text,
                       problem_symbols, read_value)
from .solution import Check, CheckItem

__all__ = ["check_answer", "equivalent"]

SPOT_POINTS = 5
SPOT_ATTEMPTS = 60
_UNORDERED_KEYS = ("candidates", "eigenvalues")
# answers written in matrix notation (compared entry by entry at concrete sizes): kind, key
MATRIX_NOTATION = {("matrix_gradient", "gradient"), ("layer_gradients", "delta"), ("layer_gradients", "W"),
                   ("layer_gradients", "b"), ("layer_gradients", "a")}


class _Unreadable(Exception):
    pass


def _display(path: str) -> str:
    if not path:
        return "answer"
    return "answer" + path if path.startswith("[") else path


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _describe(value) -> str:
    import sympy as sp

    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, sp.Tuple)):
        return f"a list of {len(value)} items"
    if isinstance(value, sp.MatrixBase):
        return f"a {value.rows}×{value.cols} matrix"
    return _short(value)


def _decimal(r) -> str | None:
    """A rational with a terminating decimal expansion as that decimal (122/125 -> 0.976)."""
    q, twos, fives = int(r.q), 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    digits = max(twos, fives)
    if q != 1 or digits > 30:
        return None
    scaled = abs(int(r.p)) * 10**digits // int(r.q)
    whole, frac = divmod(scaled, 10**digits)
    text = f"{whole}" + (f".{frac:0{digits}d}" if digits else "")
    return ("-" if r < 0 else "") + text


def _short(value, limit: int = 80) -> str:
    import sympy as sp

    try:
        text = str(value)
        if isinstance(value, sp.Rational):
            text = _decimal(value) or text
        elif isinstance(value, sp.Basic) and value.is_number and len(text) > 24 and value.is_finite:
            text = str(sp.N(value, 12))
    except Exception:  # noqa: BLE001 - only for messages
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _fmt(x) -> str:
    try:
        return f"{float(x):.3g}"
    except (TypeError, ValueError, OverflowError):
        return str(x)


# ---------------------------------------------------------------- numbers

def _numeric(value):
    """(status, value): status is real / inf / nan / complex / unknown; value a Float for real."""
    import sympy as sp

    if value is sp.nan:
        return "nan", value
    if value in (sp.oo, -sp.oo):
        return "inf", value
    if value is sp.zoo:
        return "nan", value
    try:
        n = value.evalf(30)
    except Exception:  # noqa: BLE001 - an expression sympy cannot evaluate
        return "unknown", value
    if n.has(sp.nan, sp.zoo):
        return "nan", n
    if n in (sp.oo, -sp.oo):
        return "inf", n
    if n.is_Number:
        return "real", n
    if not n.is_number:
        return "unknown", n
    try:
        re, im = (part.evalf(30) for part in n.as_real_imag())
    except Exception:  # noqa: BLE001
        return "unknown", n
    if not (re.is_Number and im.is_Number):
        return "unknown", n
    if re.is_infinite or im.is_infinite:
        return "nan", n
    if im == 0 or abs(im) <= 1e-25 * (1 + abs(re)):
        return "real", re
    return "complex", n


def _close(g, e, tolerance) -> tuple[bool, float, float]:
    diff = abs(g - e)
    bound = tolerance.abs + tolerance.rel * abs(e)
    return bool(diff <= bound), diff, bound


def _is_zero(expr) -> bool:
    """A cheap symbolic zero test: as written, expanded, or cancelled."""
    import sympy as sp

    if expr == 0:
        return True
    try:
        if _too_big_to_expand(expr):
            return False
        if sp.expand(expr) == 0:
            return True
        return sp.cancel(sp.together(expr)) == 0
    except Exception:  # noqa: BLE001 - cancel refuses some function trees; the spot check decides
        return False


def _too_big_to_expand(expr) -> bool:
    import sympy as sp

    if sp.count_ops(expr) > 400:
        return True
    for p in expr.atoms(sp.Pow):
        base, exponent = p.args
        if exponent.is_Integer and abs(exponent) > 12 and isinstance(base, sp.Add) and base.free_symbols:
            return True
    return False


def _points(symbols, seed: str):
    """Seeded random substitutions for ``symbols``: values in [-2, 2], then (0, 2], then [-10, 10]."""
    import sympy as sp

    rng = random.Random(seed)
    by_name: dict = {}
    for s in symbols:                      # symbols of one name share a value
        by_name.setdefault(s.name, []).append(s)
    for attempt in range(SPOT_ATTEMPTS):
        point = {}
        for name in sorted(by_name):
            group = by_name[name]
            top = 2000 if attempt < 40 else 10000
            if any(s.is_positive or s.is_nonnegative for s in group) or (attempt >= 20 and attempt % 2 == 0):
                k = rng.randint(1, top)
            else:
                k = rng.choice((-1, 1)) * rng.randint(1, top)
            for s in group:
                point[s] = sp.Rational(k, 1000)
        yield point


def _agree(pairs, tolerance, seed: str, symbols) -> tuple[bool, str, int]:
    """Evaluate ``pairs(point) -> (expected, computed)`` at random points; skip undefined ones."""
    checked = 0
    for point in _points(symbols, seed):
        try:
            e_expr, g_expr = pairs(point)
            es, e = _numeric(e_expr)
            gs, g = _numeric(g_expr)
        except Exception:  # noqa: BLE001 - undefined at this point
            continue
        if es != "real" or gs != "real":
            continue
        checked += 1
        ok, diff, bound = _close(g, e, tolerance)
        if not ok:
            at = ", ".join(f"{s.name} = {v}" for s, v in sorted(point.items(), key=lambda kv: kv[0].name))
            return False, (f"differs at {at}: expected {_short(e)}, got {_short(g)} "
                           f"(off by {_fmt(diff)}, tolerance {_fmt(bound)})"), checked
        if checked >= SPOT_POINTS:
            break
    if not checked:
        return False, "could not compare: undefined at every test point", 0
    return True, "", checked


def _unify(expr, names: dict):
    """Replace symbols by the problem's symbols of the same name (assumptions may differ)."""
    swap = {s: names[s.name] for s in expr.free_symbols if s.name in names and names[s.name] != s}
    return expr.xreplace(swap) if swap else expr


def equivalent(expected, computed, tolerance=None, *, seed: str = "calcai") -> tuple[bool, str]:
    """Are two sympy expressions equal? Symbolically (expand/cancel), else numerically at
    seeded random points. Returns (ok, message)."""
    from .problem import Tolerance

    tolerance = tolerance or Tolerance()
    if _is_zero(computed - expected):
        return True, ""
    symbols = expected.free_symbols | computed.free_symbols
    if not symbols:
        es, e = _numeric(expected)
        gs, g = _numeric(computed)
        if es == gs == "inf":
            return (e == g), "" if e == g else f"expected {e}, got {g}"
        if es != "real" or gs != "real":
            return False, f"expected {_short(expected)}, got {_short(computed)}"
        ok, diff, bound = _close(g, e, tolerance)
        return ok, "" if ok else f"off by {_fmt(diff)}, more than the tolerance {_fmt(bound)}"
    ok, message, _ = _agree(lambda p: (expected.xreplace(p), computed.xreplace(p)), tolerance, seed, symbols)
    return ok, message


# ---------------------------------------------------------------- the walk

class _Checker:
    def __init__(self, problem, symbols: list):
        self.problem = problem
        self.tolerance = problem.tolerance
        self.symbols = symbols
        self.names = {s.name: s for s in symbols}
        self.items: list[CheckItem] = []

    def add(self, path, expected, computed, ok, message=""):
        self.items.append(CheckItem(_display(path), expected, computed, ok, message))

    # -- structure
    def walk(self, exp, got, path: str, key=None) -> None:
        if isinstance(exp, dict):
            mapping = self.as_mapping(got, exp)
            if mapping is None:
                self.add(path, exp, got, False,
                         f"expected a mapping with {', '.join(map(str, exp))}, got {_describe(got)}")
                return
            for k, v in exp.items():
                p = _join(path, k)
                found, value = _lookup(mapping, k)
                if not found:
                    self.add(p, v, None, False, f"'{k}' is missing from the answer")
                else:
                    self.walk(v, value, p, k)
        elif isinstance(exp, (list, tuple)):
            items = self.as_list(got, exp)
            if items is None:
                self.add(path, exp, got, False, f"expected a list of {len(exp)} items, got {_describe(got)}")
                return
            if self.unordered(path, key, exp):
                self.match_unordered(exp, items, path, key)
            elif len(items) != len(exp):
                self.add(path, exp, got, False, f"expected {len(exp)} items, got {len(items)}")
            else:
                for i, (e, g) in enumerate(zip(exp, items)):
                    self.walk(e, g, f"{path}[{i}]", key)
        else:
            try:
                self.leaf(exp, got, path, key)
            except Exception as err:  # noqa: BLE001 - a check never crashes the solve
                self.add(path, exp, got, False, f"could not compare: {type(err).__name__}: {err}")

    def unordered(self, path: str, key, exp) -> bool:
        if not path and self.problem.kind == "critical_points":
            return True
        return key in _UNORDERED_KEYS and path.endswith(key)

    def match_unordered(self, exp: list, got: list, path: str, key) -> None:
        if len(exp) != len(got):
            self.add(path, exp, got, False, f"expected {len(exp)} items, got {len(got)} (in any order)")
        used: set = set()
        for i, e in enumerate(exp):
            p = f"{path}[{i}]"
            best = None
            for j, g in enumerate(got):
                if j in used:
                    continue
                sub = _Checker(self.problem, self.symbols)
                sub.walk(e, g, p, key)
                failures = [it for it in sub.items if not it.ok]
                if not failures:
                    used.add(j)
                    self.items.extend(sub.items)
                    break
                if best is None or len(failures) < len(best):
                    best = failures
            else:
                detail = f"; closest: {best[0].path}: {best[0].message}" if best else ""
                self.add(p, e, None, False, "no item of the answer matches (compared in any order)" + detail)

    def as_mapping(self, got, exp: dict):
        if isinstance(got, dict):
            return got
        variables = [s.name for s in self.problem.variables]
        if isinstance(got, (list, tuple)) and len(got) == len(variables) and set(exp) <= set(variables):
            return dict(zip(variables, got))
        return None

    def as_list(self, got, exp):
        import sympy as sp

        if isinstance(got, sp.MatrixBase):
            rows = got.tolist()
            flat = not any(isinstance(e, (list, tuple)) for e in exp)
            if flat and (got.rows == 1 or got.cols == 1):
                return [x for row in rows for x in row]
            return rows
        if isinstance(got, (list, tuple, sp.Tuple)):
            return list(got)
        if isinstance(got, dict):
            variables = [s.name for s in self.problem.variables]
            if len(got) == len(variables) == len(exp):
                values = [_lookup(got, v) for v in variables]
                if all(found for found, _ in values):
                    return [v for _, v in values]
        return None

    # -- single values
    def leaf(self, exp, got, path: str, key) -> None:
        if (self.problem.kind, path) in MATRIX_NOTATION:
            from .matrix.verify import same_gradient

            ok, message = same_gradient(exp, got, self.problem.kind, self.problem.fields)
            self.add(path, exp, got, ok, message)
            return
        if expects_not_differentiable(exp) or expects_not_differentiable(got):
            ok = expects_not_differentiable(exp) and expects_not_differentiable(got)
            message = ("" if ok else f"expected '{NOT_DIFFERENTIABLE}', got {_describe(got)}: the derivative "
                       "exists there" if expects_not_differentiable(exp) else f"expected {_short(exp)}, "
                       f"got '{NOT_DIFFERENTIABLE}'")
            self.add(path, exp, got, ok, message)
            return
        if type(got) is float and getattr(exp, "is_Rational", False) and math.isfinite(got):
            self.float_leaf(exp, got, path)
            return
        if isinstance(got, str) or key in TEXT_ANSWERS:
            if isinstance(got, str) and isinstance(exp, str) and normalize_text(exp) == normalize_text(got):
                self.add(path, exp, got, True)
                return
            if key in TEXT_ANSWERS or not isinstance(got, str):
                self.add(path, exp, got, False, f"expected '{exp}', got {_describe(got)}")
                return
        try:
            expected = self.expected_value(exp)
        except _Unreadable as err:
            self.add(path, exp, got, False, f"cannot read the expected value: {err}")
            return
        try:
            computed = self.computed_value(got)
        except _Unreadable as err:
            self.add(path, exp, got, False, f"expected {_short(exp)}, got {err}")
            return
        if expected.free_symbols or computed.free_symbols:
            self.symbolic(exp, got, expected, computed, path)
        else:
            self.numeric(exp, got, expected, computed, path)

    def expected_value(self, exp):
        import sympy as sp

        if isinstance(exp, bool) or exp is None:
            raise _Unreadable(repr(exp))
        if isinstance(exp, str):
            try:
                return read_value(exp, self.symbols)
            except ParseError as err:
                raise _Unreadable(f"'{exp}': {err}") from None
        return _unify(self.to_sympy(exp, sp), self.names)

    def computed_value(self, got):
        import sympy as sp

        if isinstance(got, str):                  # text: only a written number can stand for one
            try:
                value = read_value(got)
            except ParseError:
                value = None
            if value is None or value.free_symbols:
                raise _Unreadable(_describe(got))
            return value
        if got is None or isinstance(got, (bool, list, tuple, dict, sp.MatrixBase, sp.Tuple)):
            raise _Unreadable(_describe(got))
        return _unify(self.to_sympy(got, sp), self.names)

    @staticmethod
    def to_sympy(value, sp):
        if isinstance(value, bool):
            raise _Unreadable(repr(value))
        if isinstance(value, int):
            return sp.Integer(value)
        if isinstance(value, float):
            if value != value:
                return sp.nan
            if value in (float("inf"), float("-inf")):
                return sp.oo if value > 0 else -sp.oo
            return sp.Rational(repr(value))
        if isinstance(value, Fraction):
            return sp.Rational(value.numerator, value.denominator)
        if isinstance(value, sp.Expr):
            return value
        if isinstance(value, sp.Basic):
            raise _Unreadable(f"{type(value).__name__} {_short(value)}")
        try:
            return sp.sympify(float(value))       # numpy scalars, Decimal
        except (TypeError, ValueError):
            raise _Unreadable(f"a value of type {type(value).__name__}") from None

    def numeric(self, exp, got, expected, computed, path: str) -> None:
        es, e = _numeric(expected)
        gs, g = _numeric(computed)
        if es == "inf" or gs == "inf":
            ok = es == gs and e == g
            self.add(path, exp, got, ok, "" if ok else f"expected {_short(expected)}, got {_short(computed)}")
            return
        if es != "real":
            self.add(path, exp, got, False, f"the expected value {_short(exp)} is not a real number")
            return
        if gs == "complex":
            self.add(path, exp, got, False, f"expected {_short(exp)}, got the complex number {_short(computed)}")
            return
        if gs != "real":
            self.add(path, exp, got, False, f"expected {_short(exp)}, got {_short(computed)}, "
                     "which is not a finite number")
            return
        ok, diff, bound = _close(g, e, self.tolerance)
        self.add(path, exp, got, ok, "" if ok else
                 f"expected {_short(exp)}, got {_short(got)} (off by {_fmt(diff)}, "
                 f"more than the tolerance {_fmt(bound)})")

    def float_leaf(self, exp, got: float, path: str) -> None:
        """A computed float against an expected rational (a network's answer holds thousands):
        the comparison of ``numeric`` done exactly with Fractions, the float read as its
        shortest decimal (as ``to_sympy`` reads it), instead of with 30-digit sympy Floats."""
        e = Fraction(int(exp.p), int(exp.q))
        g = Fraction(repr(got))
        diff = abs(g - e)
        bound = Fraction(self.tolerance.abs) + Fraction(self.tolerance.rel) * abs(e)
        ok = diff <= bound
        self.add(path, exp, got, ok, "" if ok else
                 f"expected {_short(exp)}, got {_short(got)} (off by {_fmt(diff)}, "
                 f"more than the tolerance {_fmt(bound)})")

    def symbolic(self, exp, got, expected, computed, path: str) -> None:
        import sympy as sp

        seed = f"{self.problem.id}:{path}"
        fields = self.problem.fields or {}
        if not path and self.problem.kind == "integral" and fields.get("bounds") is None:
            wrt = fields.get("wrt")
            difference = computed - expected
            if wrt is not None:
                wrt = self.names.get(wrt.name, wrt)
                if _is_zero(sp.diff(difference, wrt)):
                    self.add(path, exp, got, True, "equal up to a constant")
                    return
            symbols = difference.free_symbols
            if symbols:
                base = next(iter(_points(symbols, seed + ":base")))
                reference = difference.xreplace(base)
                ok, _, _ = _agree(lambda p: (reference, difference.xreplace(p)), self.tolerance, seed, symbols)
                if ok and _numeric(reference)[0] == "real":
                    self.add(path, exp, got, True, "equal up to a constant")
                    return
            if wrt is not None:
                ok, message = equivalent(sp.diff(expected, wrt), sp.diff(computed, wrt), self.tolerance, seed=seed)
                if ok:
                    self.add(path, exp, got, True, "equal up to a constant")
                    return
            self.add(path, exp, got, False, f"expected {_short(exp)} + C, got {_short(computed)}: "
                     "they differ by more than a constant")
            return
        ok, message = equivalent(expected, computed, self.tolerance, seed=seed)
        self.add(path, exp, got, ok, "" if ok else f"expected {_short(exp)}, got {_short(computed)}: {message}")


def _lookup(mapping: dict, key) -> tuple[bool, object]:
    if key in mapping:
        return True, mapping[key]
    for k, v in mapping.items():
        if getattr(k, "name", None) == key or str(k) == key:
            return True, v
    return False, None


def check_answer(answer, problem) -> Check:
    """Compare ``answer`` with ``problem.expected``; a Check with status pass, fail or none."""
    if problem.expected is None:
        return Check("none")
    checker = _Checker(problem, problem_symbols(problem))
    try:
        checker.walk(problem.expected, answer, "")
    except Exception as err:  # noqa: BLE001 - a check never crashes the solve
        checker.add("", problem.expected, answer, False, f"could not compare: {type(err).__name__}: {err}")
    if not checker.items:
        return Check("none")
    status = "pass" if all(item.ok for item in checker.items) else "fail"
    return Check(status, tuple(checker.items))
