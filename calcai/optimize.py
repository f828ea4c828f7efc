"""Critical points classified by the second-derivative test, and Lagrange multipliers."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .differentiation import to_expr
from .errors import MathError
from .multivariable import definiteness, eigenvalue_list, gradient, hessian, resolve_vars
from .solution import Equation, Section, Table, Text, Walkthrough

_VERDICT = {"positive definite": "minimum", "negative definite": "maximum", "indefinite": "saddle"}


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
        solve_items = tuple(Equation(f"∂f/∂{v.name}" if len(self.vars) > 1 else "f'", r)
                            for v, r in zip(self.vars, g.result)) + (
            Text("Set every component to 0 and solve: " + (
                "; ".join(describe_point(c.point) for c in self.result) or "no real solution") + "."),)
        one = len(self.vars) == 1
        test = Equation("f''" if one else "H", self.hessian.result[0, 0] if one else self.hessian.result)
        rows = tuple((describe_point(c.point), c.value,
                      c.second[0] if one else list(c.second), c.type) for c in self.result)
        head = ("point", "f", "f''" if one else "eigenvalues of H", "type")
        explain = Text("f'' > 0 → minimum, f'' < 0 → maximum, f'' = 0 → inconclusive" if one else
                       "all eigenvalues > 0 → minimum, all < 0 → maximum, mixed signs → saddle, a zero → inconclusive")
        return (Section("Gradient", g.steps), Section("Solve ∇f = 0", solve_items),
                Section("Second-derivative test", (test, explain, Table(head, rows))))

    @property
    def final(self):
        from .evaluate import describe_point

        return tuple(Text(f"{describe_point(c.point)}: {c.type}") for c in self.result) or (
            Text("no real critical points"),)


def _classify(second: tuple, one_variable: bool) -> str:
    if one_variable:
        s = sp.sign(sp.N(second[0], 30))
        return {1: "minimum", -1: "maximum"}.get(int(s) if s in (1, -1) else 0, "inconclusive")
    kind = definiteness(second)
    return _VERDICT.get(kind, "inconclusive")


def _real_solutions(equations, symbols):
    try:
        found = sp.solve(list(equations), list(symbols), dict=True)
    except NotImplementedError:
        raise MathError("sympy cannot solve these equations in closed form") from None
    real = []
    for sol in found:
        if len(sol) < len(symbols) and not all(s in sol for s in symbols):
            free = [s for s in symbols if s not in sol]
            raise MathError(f"the solutions form a continuum (free: {', '.join(map(str, free))}), "
                            "not isolated points")
        values = {s: sp.nsimplify(sol[s]) if sol[s].is_Float else sol[s] for s in symbols}
        if all(v.is_real is not False and sp.im(sp.N(v)) == 0 for v in values.values()):
            real.append(values)
    return real


def _is_real_number(value) -> bool:
    """Whether a value is a finite real number (or still symbolic); False for i, zoo, nan, ∞."""
    if not getattr(value, "is_number", False):
        return True
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return False
    approx = sp.N(value, 30)
    return approx.is_real is not False and sp.im(approx) == 0


def critical_points(expr, vars=None) -> CriticalPoints:
    """Solve ∇f = 0 and classify each point (second-derivative test / Hessian eigenvalues)."""
    expr = to_expr(expr)
    symbols = resolve_vars([expr], vars)
    g = gradient(expr, symbols)
    h = hessian(expr, symbols)
    points = []
    for sol in _real_solutions(g.result, symbols):
        if not _is_real_number(expr.subs(sol)):
            continue                        # f has no real value there (sqrt(−x² − 1) at 0)
        local = h.result.subs(sol)
        second = (local[0, 0],) if len(symbols) == 1 else tuple(eigenvalue_list(local))
        points.append(CriticalPoint(sol, expr.subs(sol), _classify(second, len(symbols) == 1), second))
    points.sort(key=lambda c: tuple(sp.N(c.point[s]) for s in symbols))
    return CriticalPoints(expr, symbols, g, h, tuple(points))


@dataclass(frozen=True)
class Lagrange(Walkthrough):
    """Optimise f subject to gᵢ = 0 by solving ∇f = Σ λᵢ∇gᵢ together with the constraints."""

    objective: sp.Expr
    constraints: tuple             # expressions equal to zero
    vars: tuple
    multipliers: tuple
    equations: tuple               # the system solved
    candidates: tuple              # (point incl. λ, f value)
    goal: str
    point: dict
    result: sp.Expr                # the optimal value

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

        system = tuple(Equation(e.lhs, e.rhs, approx=False) for e in self.equations)
        rows = tuple((describe_point(p), v) for p, v in self.candidates)
        pick = "largest" if self.goal == "max" else "smallest"
        return (Section("Lagrange condition ∇f = λ∇g, with the constraints", system),
                Section("Candidates", (Table(("point", "f"), rows),
                                       Text(f"The {pick} value of f among the candidates is the {self.goal}imum."))))

    @property
    def final(self):
        from .evaluate import describe_point

        return (Equation(f"{self.goal}imum at {describe_point(self.point)}: f", self.result),)


def lagrange(objective, constraints, vars=None, goal: str = "max") -> Lagrange:
    """Lagrange multipliers: candidates from ∇f = Σλᵢ∇gᵢ, gᵢ = 0; the best by ``goal``."""
    from .parser import parse_equation

    if goal not in ("max", "min"):
        raise ValueError("goal must be 'max' or 'min'")
    objective = to_expr(objective)
    if isinstance(constraints, (str, sp.Basic)):
        constraints = [constraints]
    gs = tuple(parse_equation(c) if isinstance(c, str) and "=" in c else to_expr(c) for c in constraints)
    symbols = resolve_vars([objective, *gs], vars)
    lams = tuple(sp.Symbol("lambda" if len(gs) == 1 else f"lambda{i + 1}", real=True) for i in range(len(gs)))
    grad_f = [sp.diff(objective, v) for v in symbols]
    equations = []
    for k, v in enumerate(symbols):
        rhs = sp.Add(*(lam * sp.diff(g, v) for lam, g in zip(lams, gs)))
        equations.append(sp.Eq(grad_f[k], rhs, evaluate=False))
    equations += [sp.Eq(g, 0, evaluate=False) for g in gs]
    solutions = _real_solutions([e.lhs - e.rhs for e in equations], symbols + lams)
    if not solutions:
        raise MathError("the Lagrange system has no real solution")
    candidates = tuple((s, objective.subs({v: s[v] for v in symbols})) for s in solutions)
    candidates = tuple(c for c in candidates if _is_real_number(c[1]))
    if not candidates:
        raise MathError("the objective has no real value at any solution of the Lagrange system")
    best = (max if goal == "max" else min)(candidates, key=lambda c: sp.N(c[1]))
    point = {v: best[0][v] for v in symbols}
    return Lagrange(objective, gs, symbols, lams, tuple(equations), candidates, goal, point, best[1])
