"""Critical points classified by the second-derivative test, and Lagrange multipliers.

Solving ∇f = 0 (or the Lagrange system) never claims "no solution" without a proof:

- a linear system: sympy's solve is complete, so an empty answer proves there is none;
- polynomial (or rational) equations with rational coefficients: calcai's own exact solver
  (split on factors, then a lex Gröbner basis, its eliminants and a separating linear form)
  lists every real solution, with irrational coordinates as surds or CRootOf — sympy's
  ``solve`` silently drops CRootOf solutions of systems, so it is not used there;
- anything else: sympy's solveset (one variable) or solve; an empty answer must be backed by a
  proof (a component that is never 0, e.g. eˣ), otherwise a MathError says so.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.sympify import _sympify   # numbers only: strict, never reads text

from .equations import explain
from .errors import MathError
from .multivariable import definiteness, eigenvalue_list, gradient, hessian
from .solution import Equation, Section, Table, Text, Walkthrough

_VERDICT = {"positive definite": "minimum", "negative definite": "maximum", "indefinite": "saddle"}
_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
_MAX_BRANCHES = 64                 # cases from factoring before the Gröbner basis takes over
_MAX_GRID = 4096                   # rational candidate points tried directly


# ---------------------------------------------------------------- signs and ordering

def _sign(value):
    """1, -1 or 0 for a real number (exact zero tests, then chopped 30-digit decimals);
    None when the sign depends on symbols that sympy cannot decide."""
    value = _sympify(value)
    if value.free_symbols:
        for known, sign in ((value.is_zero, 0), (value.is_positive, 1), (value.is_negative, -1)):
            if known:
                return sign
        return None
    if value.is_zero:
        return 0
    approx = sp.re(sp.N(value, 30, chop=True))
    if not approx.is_comparable:
        return None
    return 0 if approx == 0 else (1 if approx > 0 else -1)


def _order_key(point: dict, symbols) -> tuple:
    """Sort points by their coordinates' decimals; coordinates with symbols go last, by text."""
    key = []
    for s in symbols:
        value = point[s]
        if not value.free_symbols:
            approx = sp.re(sp.N(value, 30, chop=True))
            if approx.is_comparable:
                key.append((0, float(approx), ""))
                continue
        key.append((1, 0.0, sp.srepr(value)))
    return tuple(key)


def _is_real_value(value) -> bool:
    """Whether a solution's coordinate is real (or may be: it has symbols and is not provably
    complex)."""
    value = _sympify(value)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return False
    if value.free_symbols:
        return value.is_real is not False
    if value.is_real:
        return True
    approx = sp.N(value, 30, chop=True)
    return approx.is_real is not False and sp.im(approx) == 0


def _is_real_number(value) -> bool:
    """Whether a value is a finite real number (or still symbolic); False for i, zoo, nan, ∞."""
    if not getattr(value, "is_number", False):
        return True
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return False
    approx = sp.N(value, 30, chop=True)
    return approx.is_real is not False and sp.im(approx) == 0


def _rational(expr):
    """Decimals as the fractions they spell (2.5 → 5/2), so the solving is exact."""
    return sp.nsimplify(expr, rational=True) if expr.has(sp.Float) else expr


def _continuum(free) -> MathError:
    return MathError(f"the solutions form a continuum (free: {', '.join(map(str, free))}), "
                     "not isolated points")


# ---------------------------------------------------------------- solving the system

@dataclass(frozen=True)
class _Found:
    """The real solutions, and how far the list is known to be complete."""

    points: list
    how: str = "complete"          # complete | period-all | period | generic | partial
    periods: dict = field(default_factory=dict)
    params: tuple = ()             # symbols in the equations besides the unknowns


def _periods(equations, symbols) -> dict | None:
    """{variable: period} for the variables inside trigonometric functions, when the equations
    are periodic in each of them (cos x + 1: 2π in x); {} without trigonometry; None when some
    trigonometric variable is not periodic (cos x + 2x)."""
    if not any(a.has(*symbols) for e in equations for a in e.atoms(*_TRIG)):
        return {}
    periods = {}
    for v in symbols:
        parts = [e for e in equations if e.has(v)]
        if not any(a.has(v) for e in parts for a in e.atoms(*_TRIG)):
            continue                       # polynomial-like in v: its values are isolated
        weighted = sp.Add(*(sp.Dummy() * e for e in parts))
        try:
            period = sp.periodicity(weighted, v)
        except Exception:                  # sympy raises assorted errors on odd input
            period = None
        if period is None or period == 0:
            return None
        periods[v] = period
    return periods


def _polynomial_in(equations, symbols, degree=None) -> bool:
    """Whether every equation is a polynomial in ``symbols`` (of at most ``degree``), with
    coefficients that may hold parameters."""
    for e in equations:
        try:
            poly = sp.Poly(e, *symbols)
        except sp.PolynomialError:
            return False
        if degree is not None and poly.total_degree() > degree:
            return False
    return True


def _parametric_coefficients(equations, symbols) -> bool:
    """Whether a parameter multiplies an unknown (2a·x: a = 0 is a special case)."""
    for e in equations:
        poly = sp.Poly(e, *symbols)
        if any(c.free_symbols for m, c in poly.terms() if any(m)):
            return True
    return False


def _smooth(expr, symbols) -> bool:
    """Whether ``expr`` is differentiable wherever it is defined: built from polynomials, integer
    powers, exp, log and the trigonometric and hyperbolic functions (no |x|, √x, x^(1/3) …)."""
    allowed = (sp.Add, sp.Mul, sp.exp, sp.log, sp.sinh, sp.cosh, sp.tanh, sp.atan) + _TRIG
    for node in sp.preorder_traversal(expr):
        if node.is_Atom or not node.has(*symbols):
            continue
        if isinstance(node, sp.Pow):
            if node.exp.is_Integer or not node.base.has(*symbols):
                continue
            return False
        if not isinstance(node, allowed):
            return False
    return True


def _rational_parts(equations, symbols):
    """(numerators, denominators) as expressions when every equation is a ratio of polynomials in
    ``symbols`` with rational coefficients; None otherwise."""
    nums, dens = [], []
    for e in equations:
        num, den = sp.fraction(sp.cancel(sp.together(e)))
        try:
            pn, pd = sp.Poly(num, *symbols), sp.Poly(den, *symbols)
        except sp.PolynomialError:
            return None
        if not all(p.domain.is_ZZ or p.domain.is_QQ for p in (pn, pd)):
            return None
        nums.append(pn.as_expr())
        if pd.total_degree() > 0:
            dens.append(pd.as_expr())
    return nums, dens


def _from_solve(equations, symbols) -> list:
    """sympy's solve, real solutions only (a list that may be incomplete)."""
    try:
        if len(equations) == 1 and len(symbols) == 1:     # the list form drops CRootOf roots
            found = sp.solve(equations[0], symbols[0], dict=True)
        else:
            found = sp.solve(list(equations), list(symbols), dict=True)
    except NotImplementedError:
        raise MathError("sympy cannot solve these equations in closed form") from None
    real = []
    for sol in found:
        free = [s for s in symbols if s not in sol]
        if free:
            raise _continuum(free)
        values = {s: sp.nsimplify(sol[s]) if sol[s].is_Float else sol[s] for s in symbols}
        if all(_is_real_value(v) for v in values.values()):
            real.append(values)
    return real


def _never_zero(equations, symbols) -> bool:
    """A proof that the system has no real solution: one equation that is never 0."""
    for e in equations:
        if e.is_zero is False:
            return True
        inside = [s for s in symbols if e.has(s)]
        if len(inside) == 1:
            try:
                if sp.solveset(e, inside[0], sp.S.Reals) == sp.S.EmptySet:
                    return True
            except Exception:              # solveset gives up with assorted errors
                pass
    return False


def _one_variable(equation, x, periods):
    """solveset's complete answer for one equation in one variable, when it gives a finite set
    (over the reals, or over one period [0, P)); None otherwise."""
    try:
        if x in periods:
            found = sp.solveset(equation, x, sp.Interval.Ropen(0, periods[x]))
        else:
            found = sp.solveset(equation, x, sp.S.Reals)
    except Exception:                      # solveset gives up with assorted errors
        return None
    if found == sp.S.EmptySet:
        return _Found([], "period-all" if x in periods else "complete", dict(periods))
    if isinstance(found, sp.FiniteSet):
        points = [{x: v} for v in found if _is_real_value(v)]
        return _Found(points, "period-all" if x in periods else "complete", dict(periods))
    return None


def _solve_system(equations, symbols, what: str) -> _Found:
    """Every real solution of ``equations = 0`` (see the module's docstring); ``what`` names the
    system in messages."""
    equations = [_rational(_sympify(e)) for e in equations]
    equations = [e for e in equations if e != 0]
    if not equations:
        if what == "∇f = 0":
            raise MathError("f is constant in these variables: ∇f = 0 everywhere, so every point is a "
                            "critical point and there is nothing to list")
        raise MathError(f"{what} holds everywhere: every point is a solution, not isolated points")
    params = tuple(sorted(set().union(*(e.free_symbols for e in equations)) - set(symbols), key=str))
    if _polynomial_in(equations, symbols, degree=1):
        special = params and _parametric_coefficients(equations, symbols)
        return _Found(_from_solve(equations, symbols), "generic" if special else "complete", params=params)
    parts = _rational_parts(equations, symbols)
    if parts is not None:
        return _Found(_poly_real_solutions(*parts, tuple(symbols)))
    periods = _periods(equations, symbols)
    if len(symbols) == 1 and len(equations) == 1 and not params:
        found = _one_variable(equations[0], symbols[0], periods or {})
        if found is not None:
            return found
    points = _from_solve(equations, symbols)
    if not points:
        if _never_zero(equations, symbols):
            return _Found([], params=params)
        raise MathError(f"sympy found no closed-form solution of {what}; "
                        f"{'critical points' if what == '∇f = 0' else 'candidates'} may still exist")
    if params and _polynomial_in(equations, symbols):
        return _Found(points, "generic", params=params)
    return _Found(points, "period" if periods else "partial", periods or {}, params)


# ---------------------------------------------------------------- polynomial systems

def _poly_real_solutions(nums, dens, gens) -> list:
    """Every real solution of nums = 0 where no denominator vanishes, exactly."""
    found = []
    for system in _branches(list(nums), gens, [_MAX_BRANCHES]):
        for point in _zero_dim_real(system, gens):
            if any(_sign(d.xreplace(point)) in (0, None) for d in dens):
                continue                   # an equation is undefined there
            if not any(_same_point(point, p, gens) for p in found):
                found.append(point)
    return found


def _same_point(a, b, gens) -> bool:
    for g in gens:
        if a[g] == b[g]:
            continue
        if _sign(a[g] - b[g]) != 0:
            return False
    return True


def _branches(system, gens, budget) -> list:
    """Split p·q = 0 into the cases p = 0 and q = 0, and a sum of even powers with one sign
    into each term = 0; [] when some case is impossible (a nonzero constant = 0)."""
    out = []
    for p in system:
        p = sp.expand(p)
        if p == 0:
            continue
        if not p.has(*gens):
            return []                      # c = 0 with c ≠ 0: no solution in this case
        poly = sp.Poly(p, *gens)
        terms = poly.terms()
        if len(terms) > 1 and all(all(k % 2 == 0 for k in m) for m, _ in terms) and (
                all(c > 0 for _, c in terms) or all(c < 0 for _, c in terms)):
            if any(not any(m) for m, _ in terms):
                return []                  # squares plus a positive constant are never 0
            out.extend(sp.Mul(*(g**k for g, k in zip(gens, m))) for m, _ in terms)
        else:
            out.append(p)
    for i, p in enumerate(out):
        factors = [f for f, _ in sp.factor_list(p, *gens)[1] if f.has(*gens)]
        if len(factors) > 1 and budget[0] > 0:
            budget[0] -= len(factors)
            cases = []
            for f in factors:
                cases.extend(_branches(out[:i] + [f] + out[i + 1:], gens, budget))
            return cases
        if len(factors) == 1:
            out[i] = factors[0]            # x³ = 0 has the same solutions as x = 0
    return [out]


def _zero_dim_real(system, gens) -> list:
    """The real points of a polynomial system with rational coefficients."""
    if not system:
        raise _continuum(gens)
    basis = sp.groebner(system, *gens, order="lex")
    exprs = list(basis.exprs)
    if any(e.is_number for e in exprs):
        return []                          # the basis is [1]: no solution, even complex
    if not basis.is_zero_dimensional:
        return _positive_dimensional(system, gens)
    roots, radical = {}, list(exprs)
    for v in gens:
        order = [g for g in gens if g != v] + [v]
        eliminant = exprs[-1] if order == list(gens) else sp.groebner(exprs, *order, order="lex").exprs[-1]
        poly = sp.Poly(eliminant, v)
        square_free = poly.sqf_part()
        if square_free.degree() < poly.degree():
            radical.append(square_free.as_expr())      # Seidenberg: the ideal becomes radical
        roots[v] = sp.real_roots(square_free)
        if not roots[v]:
            return []                      # no real value of v solves the system
    if len(gens) == 1:
        return [{gens[0]: r} for r in roots[gens[0]]]
    grid = 1
    for v in gens:
        grid *= len(roots[v])
    if all(r.is_Rational for v in gens for r in roots[v]) and grid <= _MAX_GRID:
        points = [dict(zip(gens, values)) for values in itertools.product(*(roots[v] for v in gens))]
        return [p for p in points if all(sp.expand(e.xreplace(p)) == 0 for e in system)]
    return _shape_solutions(radical, gens, roots)


def _shape_solutions(radical, gens, roots) -> list:
    """Real points through a separating linear form t: the lex basis is xᵢ = pᵢ(t), q(t) = 0, so
    each real root of q gives one real point (and every real point gives a real t)."""
    t = sp.Dummy("t")
    for k in (1, 2, 3, 5, -1, 7, 11, -3, 13, 17):
        form = sp.Add(*(k**i * g for i, g in enumerate(gens)))
        exprs = sp.groebner(radical + [t - form], *gens, t, order="lex").exprs
        shape = _shape(exprs, gens, t)
        if shape is not None:
            break
    else:
        raise MathError("calcai could not separate the solutions of these equations into points")
    params, q = shape
    points = []
    for r in sp.real_roots(sp.Poly(q, t).sqf_part()):
        points.append({v: _name_root(p.xreplace({t: r}), roots[v]) for v, p in zip(gens, params)})
    return points


def _shape(exprs, gens, t):
    if len(exprs) != len(gens) + 1 or exprs[-1].free_symbols - {t}:
        return None
    params = []
    for e, v in zip(exprs, gens):
        poly = sp.Poly(e, *gens, t)
        if poly.degree(v) != 1:
            return None
        c = poly.coeff_monomial(v)
        rest = sp.expand(e - c * v)
        if c == 0 or not c.is_number or rest.free_symbols - {t}:
            return None
        params.append(sp.expand(-rest / c))
    return params, exprs[-1]


def _name_root(value, candidates):
    """The exact value p(r) written as the one root of its coordinate's eliminant it equals
    (a rational, a surd or a CRootOf), found by 50-digit decimals; p(r) itself if unclear."""
    if value.is_Rational:
        return value
    approx = sp.N(value, 50, chop=True)
    distances = sorted((abs(sp.N(c, 50) - approx), i) for i, c in enumerate(candidates))
    if distances and distances[0][0] < sp.Float("1e-35") and (
            len(distances) == 1 or distances[1][0] > sp.Float("1e-20")):
        return candidates[distances[0][1]]
    return value


def _positive_dimensional(system, gens):
    """Infinitely many complex solutions: a real continuum when sympy can parametrise one with
    real values; otherwise an honest refusal."""
    try:
        found = sp.solve(system, list(gens), dict=True)
    except NotImplementedError:
        found = []
    for sol in found:
        free = [g for g in gens if g not in sol]
        if free and all(not v.has(sp.I) and v.is_real is not False for v in sol.values()):
            for trial in (0, sp.Rational(1, 3), sp.Rational(-1, 2), 2, -3):
                values = [v.xreplace({g: trial for g in free}) for v in sol.values()]
                if all(_is_real_number(v) for v in values):
                    raise _continuum(free)
    raise MathError("these equations have a whole curve or surface of complex solutions, so calcai "
                    "cannot list their real solutions as separate points")


# ---------------------------------------------------------------- critical points

@dataclass(frozen=True)
class CriticalPoint:
    """A point where ∇f = 0, with the evidence for its type."""

    point: dict                    # {Symbol: value}
    value: sp.Expr                 # f at the point
    type: str                      # minimum | maximum | saddle | inconclusive
    second: tuple                  # f'' (one variable) or the Hessian's eigenvalues


@dataclass(frozen=True)
class CriticalPoints(Walkthrough):
    """Every real solution of ∇f = 0, each classified."""

    expr: sp.Expr
    vars: tuple
    gradient: object
    hessian: object
    result: tuple                  # CriticalPoint, sorted
    excluded: tuple = ()           # solutions of ∇f = 0 where f has no real value
    how: str = "complete"          # complete | period-all | period | generic | partial (see _Found)
    periods: tuple = ()            # ((variable, period), ...) when ∇f is periodic
    params: tuple = ()             # symbols of f that are not variables
    smooth: bool = True            # ∇f exists wherever f is defined (no |x|, √x …)
    solving: object = None         # how ∇f = 0 is solved: a calcai.equations.SolveStep tree

    @property
    def steps(self):
        return self.gradient.steps

    @property
    def title(self):
        from .render.text import math_text

        return f"Critical points of {math_text(self.expr)}"

    @property
    def sections(self):
        from .evaluate import describe_point

        g = self.gradient
        found = [c.point for c in self.result] + list(self.excluded)
        solve_items = tuple(Equation(f"∂f/∂{v.name}" if len(self.vars) > 1 else "f'", r)
                            for v, r in zip(self.vars, g.result))
        if self.solving is not None:
            solve_items += (self.solving,)
        solve_items += (Text("The solutions of ∇f = 0: " + "; ".join(describe_point(p) for p in found) + "."
                             if found else "∇f = 0 has no real solution."),)
        solve_items += _solving_notes(found, self.how, self.periods, "∇f = 0", self.params)
        for p in self.excluded:
            solve_items += (Text(f"At {describe_point(p)} f has no real value, so it is not a "
                                 "critical point."),)
        if not self.smooth:
            solve_items += (Text("∇f can be undefined at points where f is defined (a corner, a cusp or a "
                                 "vertical tangent, as with |x| or √x at 0): such points are critical points "
                                 "too, but setting ∇f = 0 does not find them."),)
        if not self.result:
            if self.excluded:
                last = "∇f is never 0 where f has a real value: there are no real critical points with ∇f = 0."
            elif self.smooth:
                last = "∇f is never 0: there are no critical points."
            else:
                last = "∇f is never 0: there are no critical points with ∇f = 0."
            return (Section("Gradient", g.steps), Section("Solve ∇f = 0", solve_items),
                    Section("Result", (Text(last),)))
        one = len(self.vars) == 1
        test = Equation("f''" if one else "H", self.hessian.result[0, 0] if one else self.hessian.result)
        rows = tuple((describe_point(c.point), c.value,
                      c.second[0] if one else list(c.second), c.type) for c in self.result)
        head = ("point", "f", "f''" if one else "eigenvalues of H", "type")
        explain = Text("f'' > 0 → minimum, f'' < 0 → maximum, f'' = 0 → inconclusive" if one else
                       "all eigenvalues > 0 → minimum, all < 0 → maximum, mixed signs → saddle, a zero → inconclusive")
        items = [test, explain, Table(head, rows)]
        items += _parameter_notes(self.expr, self.vars, self.result, one)
        return (Section("Gradient", g.steps), Section("Solve ∇f = 0", solve_items),
                Section("Second-derivative test", tuple(items)))

    @property
    def final(self):
        from .evaluate import describe_point

        return tuple(Text(f"{describe_point(c.point)}: {c.type}") for c in self.result) or (
            Text("no real critical points" if self.smooth or self.excluded else "no real points where ∇f = 0"),)


def _names(symbols) -> str:
    names = sorted(s.name for s in symbols)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _solving_notes(points, how, periods, what, params=()) -> tuple:
    """Sentences on how complete the list is, and on CRootOf."""
    from .render.text import math_text

    notes = []
    if not points and how in ("period-all", "period"):
        how = "complete"                   # no solution in a period: none at all
    if any(v.has(sp.CRootOf) for p in points for v in p.values()):
        notes.append(Text("CRootOf(p, k) is an exact root of the polynomial p: the real roots are "
                          "numbered k = 0, 1, 2, … from the smallest. Polynomials of degree 5 or more "
                          "usually have no formula in radicals, so this is how their roots are named."))
    shifts = " and ".join(f"{math_text(p)} in {v.name}" for v, p in periods)
    if how == "period-all":
        window = ", ".join(f"0 ≤ {v.name} < {math_text(p)}" for v, p in periods)
        notes.append(Text(f"The trigonometric functions repeat, so {what} has infinitely many solutions: "
                          f"these are all of them with {window}; the others repeat every {shifts}, with "
                          "the same type."))
    elif how == "period":
        notes.append(Text(f"The trigonometric functions repeat, so {what} has infinitely many solutions: "
                          f"sympy lists those it finds in one period; they repeat every {shifts}, with "
                          "the same type."))
    elif how == "generic":
        names = _names(params)
        notes.append(Text(f"{what} involves {names}: sympy solves it for general values of {names}; special "
                          f"values (for example ones that make a coefficient 0) can give other solutions."))
    elif how == "partial":
        notes.append(Text(f"{what} is not a polynomial system, so this is the list of solutions sympy "
                          "finds; there may be others it cannot find."))
    return tuple(notes)


def _parameter_cases(second, param, one) -> str:
    """'a > 0 → minimum, a < 0 → saddle, a = 0 → inconclusive' for the cases sympy can decide."""
    positive = sp.Dummy(param.name, positive=True)
    cases = []
    for label, value in ((f"{param.name} > 0", positive), (f"{param.name} < 0", -positive),
                         (f"{param.name} = 0", sp.S.Zero)):
        local = tuple(_sympify(e).xreplace({param: value}) for e in second)
        if any(e.has(sp.zoo, sp.nan) or e.is_real is False for e in local):
            continue
        kind = ({1: "minimum", -1: "maximum", 0: "inconclusive"}.get(_sign(local[0])) if one else
                _VERDICT.get(definiteness(local), None if definiteness(local) == "depends on the point"
                             else "inconclusive"))
        if kind is not None:
            cases.append(f"{label} → {kind}")
    return ", ".join(cases)


def _parameter_notes(expr, symbols, points, one) -> list:
    """Sentences for points whose type or existence depends on parameters."""
    from .evaluate import describe_point

    notes = []
    for c in points:
        params = set().union(*(_sympify(s).free_symbols for s in c.second)) - set(symbols)
        if c.type == "inconclusive" and params:
            what = "f''" if one else "the eigenvalues of H"
            cases = _parameter_cases(c.second, next(iter(params)), one) if len(params) == 1 else ""
            notes.append(Text(f"At {describe_point(c.point)} {what} involve{'s' if one else ''} the "
                              f"parameter{'s' if len(params) > 1 else ''} {_names(params)}, so the type "
                              f"there depends on {_names(params)}"
                              + (f" ({cases})" if cases else "") + ": calcai reports it as inconclusive."))
    coordinate_params = {s for c in points for v in c.point.values() for s in v.free_symbols}
    coordinate_params -= set(symbols)
    if any(not v.is_real for c in points for v in c.point.values() if v.free_symbols):
        notes.append(Text(f"A point whose coordinates involve {_names(coordinate_params)} exists only "
                          f"for the values of {_names(coordinate_params)} that make it real."))
    return notes


def _classify(second: tuple, one_variable: bool) -> str:
    if one_variable:
        return {1: "minimum", -1: "maximum"}.get(_sign(second[0]), "inconclusive")
    return _VERDICT.get(definiteness(second), "inconclusive")


def critical_points(expr, symbols) -> CriticalPoints:
    """Solve ∇f = 0 and classify each point (second-derivative test / Hessian eigenvalues)."""
    g = gradient(expr, symbols)
    h = hessian(expr, symbols)
    found = _solve_system(g.result, symbols, "∇f = 0")
    points, excluded = [], []
    for sol in sorted(found.points, key=lambda p: _order_key(p, symbols)):
        value = expr.xreplace(sol)
        if not _is_real_number(value):
            excluded.append(sol)            # f has no real value there (sqrt(−x² − 1) at 0)
            continue
        local = h.result.xreplace(sol)
        second = (local[0, 0],) if len(symbols) == 1 else tuple(eigenvalue_list(local))
        points.append(CriticalPoint(sol, value, _classify(second, len(symbols) == 1), second))
    smooth = all(_smooth(component, symbols) for component in g.result)
    solving = explain([(_rational(_sympify(c)), sp.S.Zero) for c in g.result], symbols, found.points)
    return CriticalPoints(expr, symbols, g, h, tuple(points), tuple(excluded), found.how,
                          tuple(found.periods.items()), found.params, smooth, solving)


# ---------------------------------------------------------------- Lagrange multipliers

@dataclass(frozen=True)
class Lagrange(Walkthrough):
    """Optimise f subject to gᵢ = 0 by solving ∇f = Σ λᵢ∇gᵢ together with the constraints; each
    candidate classified by the second-order test on the constraint set."""

    objective: sp.Expr
    constraints: tuple             # expressions equal to zero
    vars: tuple
    multipliers: tuple
    equations: tuple               # the system solved
    candidates: tuple              # (point incl. λ, f value), sorted by the point
    goal: str
    point: dict
    result: sp.Expr                # f at the answer: the largest local max (smallest local min)
    types: tuple = ()              # per candidate: minimum | maximum | saddle | isolated | inconclusive
    tied: tuple = ()               # the points (x only) sharing the best value, the answer first
    lagrangian: sp.Expr = None     # L = f − Σλᵢgᵢ
    how: str = "complete"          # how complete the candidate list is (see _Found)
    periods: tuple = ()
    params: tuple = ()
    singular: tuple = ()           # points of the constraint set where ∇g = 0 (one constraint)
    solving: object = None         # how the system is solved: a calcai.equations.SolveStep tree

    @property
    def steps(self):
        return self.equations

    @property
    def title(self):
        from .render.text import math_text

        return (f"{'Maximise' if self.goal == 'max' else 'Minimise'} {math_text(self.objective)} subject to "
                + ", ".join(f"{math_text(c)} = 0" for c in self.constraints))

    @property
    def sections(self):
        from .evaluate import describe_point
        from .render.text import value_text

        several = len(self.constraints) > 1
        heading = ("Lagrange condition ∇f = Σλᵢ∇gᵢ, with the constraints" if several else
                   "Lagrange condition ∇f = λ∇g, with the constraint")
        system = tuple(Equation(e.lhs, e.rhs, approx=False) for e in self.equations)
        if self.solving is not None:
            system += (Text("Solve the system:"), self.solving)
        system += _solving_notes([p for p, _ in self.candidates], self.how, self.periods, "the Lagrange system",
                                 self.params)
        for p in self.singular:
            system += (Text(f"At {describe_point(p)} the constraint's gradient ∇g is 0, so the Lagrange "
                            "condition need not hold there: that point of the constraint set is not a "
                            "candidate, and f must be checked there separately."),)
        names = ", ".join(v.name for v in self.vars)
        g = "Σλᵢgᵢ" if several else "λg"
        test = [Equation("L", self.lagrangian, approx=False),
                Text(f"At each candidate: H_L is the Hessian of L = f − {g} in {names}, and the columns of Z "
                     f"span the directions along the constraint set (the directions perpendicular to "
                     f"{'every ∇gᵢ' if several else '∇g'}). Zᵀ·H_L·Z positive definite → local minimum of f "
                     "on the constraint set, negative definite → local maximum, mixed signs → saddle, a "
                     "zero eigenvalue (or dependent constraint gradients) → inconclusive.")]
        if "isolated" in self.types:
            test.append(Text("An isolated candidate is the only point of the constraint set near it "
                             "(no direction along the constraints), so it counts as a local maximum and "
                             "a local minimum alike."))
        rows = tuple((describe_point(p), v, t) for (p, v), t in zip(self.candidates, self.types))
        word = "largest local maximum" if self.goal == "max" else "smallest local minimum"
        where = " and at ".join(describe_point(p) for p in self.tied)
        closing = [Table(("point", "f", "type"), rows),
                   Text(f"The {word} among the candidates is f = {value_text(self.result)}, at {where}"
                        + (" (a tie: the answer lists the first)." if len(self.tied) > 1 else ".")),
                   Text(f"This is the global {self.goal}imum only if f attains a {self.goal}imum on the "
                        f"constraint set, which is certain when that set is closed and bounded (a circle, "
                        f"a sphere); on an unbounded set (a line, a hyperbola) f may have no "
                        f"{self.goal}imum at all.")]
        return (Section(heading, system), Section("Second-order test on the constraint set", tuple(test)),
                Section("Candidates", tuple(closing)))

    @property
    def final(self):
        from .evaluate import describe_point

        kind = next((t for (p, _), t in zip(self.candidates, self.types)
                     if all(p[v] == self.point[v] for v in self.vars)), "")
        # a finite feasible set (isolated points) has a true optimum; otherwise it is local
        scope = "" if kind == "isolated" else "local "
        return (Equation(f"{scope}{self.goal}imum at {describe_point(self.point)}: f", self.result),)


def _constrained_type(hess, jac) -> str:
    """The second-order test on the constraint set: Zᵀ·H_L·Z with Z a basis of the null space of
    the constraint Jacobian (exact for rational or symbolic entries, else 50-digit decimals)."""
    entries = list(hess) + list(jac)
    if any(e.free_symbols for e in entries) or all(e.is_Rational for e in entries):
        if jac.rank() < jac.rows:
            return "inconclusive"           # dependent constraint gradients: the test does not apply
        basis = jac.nullspace()
        if not basis:
            return "isolated"
        z = sp.Matrix.hstack(*basis)
        reduced = (z.T * hess * z).applyfunc(sp.simplify)
        return _VERDICT.get(definiteness(eigenvalue_list(reduced)), "inconclusive")
    return _numeric_constrained_type(hess, jac)


def _numeric_constrained_type(hess, jac) -> str:
    import mpmath

    def number(e):
        return mpmath.mpf(str(sp.re(sp.N(e, 60, chop=True))))

    with mpmath.workdps(60):
        n, m = hess.rows, jac.rows
        j = mpmath.matrix([[number(jac[i, k]) for k in range(n)] for i in range(m)])
        h = mpmath.matrix([[number(hess[i, k]) for k in range(n)] for i in range(n)])
        _, s, v = mpmath.svd_r(j, full_matrices=True)
        scale = max([abs(x) for x in s] + [mpmath.mpf(1)])
        rank = sum(1 for x in s if abs(x) > scale * mpmath.mpf("1e-40"))
        if rank < m:
            return "inconclusive"
        if n == m:
            return "isolated"
        z = mpmath.matrix([[v[r, k] for r in range(m, n)] for k in range(n)])
        reduced = z.T * h * z
        values, _ = mpmath.eigsy((reduced + reduced.T) / 2)
        scale = max([abs(x) for x in values] + [mpmath.mpf(1)])
        signs = [0 if abs(x) < scale * mpmath.mpf("1e-40") else (1 if x > 0 else -1) for x in values]
    if 0 in signs:
        return "inconclusive"
    if all(s == 1 for s in signs):
        return "minimum"
    if all(s == -1 for s in signs):
        return "maximum"
    return "saddle"


def lagrange(objective, gs: tuple, symbols: tuple, goal: str = "max") -> Lagrange:
    """Lagrange multipliers for f subject to gᵢ = 0 (``gs`` the expressions gᵢ): candidates from
    ∇f = Σλᵢ∇gᵢ, gᵢ = 0, each classified by the second-order test; the answer is the largest
    local maximum (smallest local minimum)."""
    from .evaluate import describe_point

    if goal not in ("max", "min"):
        raise ValueError("goal must be 'max' or 'min'")
    gs = tuple(gs)
    lams = tuple(sp.Symbol("lambda" if len(gs) == 1 else f"lambda{i + 1}", real=True) for i in range(len(gs)))
    grad_f = [sp.diff(objective, v) for v in symbols]
    equations = []
    for k, v in enumerate(symbols):
        rhs = sp.Add(*(lam * sp.diff(g, v) for lam, g in zip(lams, gs)))
        equations.append(sp.Eq(grad_f[k], rhs, evaluate=False))
    equations += [sp.Eq(g, 0, evaluate=False) for g in gs]
    found = _solve_system([e.lhs - e.rhs for e in equations], symbols + lams, "the Lagrange system")
    singular = _singular_points(gs, symbols)
    elsewhere = ""
    if singular:
        elsewhere = ("; the constraint's gradient is 0 at " + " and ".join(describe_point(p) for p in singular)
                     + ", where the method does not apply, so check f there separately")
    if not found.points:
        raise MathError("the Lagrange system has no real solution" + elsewhere)
    solutions = sorted(found.points, key=lambda p: _order_key(p, symbols + lams))
    candidates = tuple((s, objective.xreplace({v: s[v] for v in symbols})) for s in solutions)
    candidates = tuple(c for c in candidates if _is_real_number(c[1]))
    if not candidates:
        raise MathError("the objective has no real value at any solution of the Lagrange system")

    lagrangian = objective - sp.Add(*(lam * g for lam, g in zip(lams, gs)))
    hess = sp.hessian(lagrangian, symbols)
    jac = sp.Matrix([[sp.diff(g, v) for v in symbols] for g in gs])
    types = tuple(_constrained_type(hess.xreplace(p), jac.xreplace(p)) for p, _ in candidates)

    wanted = ("maximum" if goal == "max" else "minimum", "isolated")
    eligible = [(p, v) for (p, v), t in zip(candidates, types) if t in wanted]
    if not eligible:
        unsure = [p for (p, _), t in zip(candidates, types) if t == "inconclusive"]
        if unsure:
            where = "; ".join(describe_point({v: p[v] for v in symbols}) for p in unsure)
            raise MathError(f"no Lagrange candidate is shown to be a local {goal}imum: the second-order "
                            f"test is inconclusive at {where}" + elsewhere)
        raise MathError(f"f has no local {goal}imum on the constraint set among the Lagrange candidates"
                        + elsewhere)
    better = 1 if goal == "max" else -1
    best = [eligible[0]]
    for p, v in eligible[1:]:
        sign = _sign(v - best[0][1])
        if sign is None:
            raise MathError(f"the candidates' values of f depend on the parameters, so calcai cannot tell "
                            f"which is the {'largest' if goal == 'max' else 'smallest'}")
        if sign == better:
            best = [(p, v)]
        elif sign == 0:
            best.append((p, v))
    tied = tuple({v: p[v] for v in symbols} for p, _ in best)
    solving = explain([(_rational(e.lhs), _rational(e.rhs)) for e in equations], symbols + lams, found.points)
    return Lagrange(objective, gs, symbols, lams, tuple(equations), candidates, goal, tied[0], best[0][1],
                    types, tied, lagrangian, found.how, tuple(found.periods.items()), found.params, singular,
                    solving)


def _singular_points(gs, symbols) -> tuple:
    """Points with g = 0 and ∇g = 0 for a single polynomial constraint (the cusp of y² = x³),
    where a minimum or maximum need not satisfy ∇f = λ∇g; () when there are none or calcai
    cannot tell (several or non-polynomial constraints)."""
    if len(gs) != 1:
        return ()
    g = _rational(gs[0])
    system = [g] + [sp.diff(g, v) for v in symbols]
    if _rational_parts(system, symbols) is None:
        return ()
    try:
        found = _solve_system(system, symbols, "∇g = 0")
    except MathError:
        return ()
    return tuple(sorted(found.points, key=lambda p: _order_key(p, symbols)))
