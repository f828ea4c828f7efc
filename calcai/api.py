"""The Python API: what ``import calcai`` offers, taking what people type.

Each function reads its input once (text through calcai.parse, names, Python numbers — see
calcai.inputs) and hands sympy objects to the engine (calcai.differentiation, multivariable,
series, optimize, integrals), which never converts anything itself.
"""

from __future__ import annotations

import sympy as sp

from .inputs import (point_map, resolve_vars, sole_variable, to_constraint, to_expr, to_number,
                     to_symbol)


def _point(at, expr):
    return None if at is None else point_map(at, expr)


def derive(expr, wrt=None, order: int = 1):
    """Differentiate step by step: ``derive("x^3 + 2x^2 + 5").result == 3x² + 4x``."""
    from .differentiation import derive as engine

    expr = to_expr(expr)
    x = to_symbol(wrt, expr) if wrt is not None else sole_variable(expr)
    return engine(expr, x, order)


def partial(expr, wrt):
    """∂f/∂wrt with its rule tree (the other variables held constant); ``.at(point)`` evaluates it."""
    return derive(expr, wrt)


def gradient(expr, vars=None, at=None):
    """∇f as a tuple of partial derivatives in ``vars`` order (default: every variable, w1 < w2 < w10)."""
    from .multivariable import gradient as engine

    expr = to_expr(expr)
    return engine(expr, resolve_vars([expr], vars), _point(at, expr))


def hessian(expr, vars=None, at=None, all_steps: bool = False):
    """The Hessian matrix with eigenvalues and definiteness; ``steps_for(i, j)`` gives any entry's tree."""
    from .multivariable import hessian as engine

    expr = to_expr(expr)
    return engine(expr, resolve_vars([expr], vars), _point(at, expr), all_steps)


def jacobian(exprs, vars=None, at=None, all_steps: bool = False):
    """The Jacobian of one or more expressions (rows = outputs, columns = ``vars``)."""
    from .multivariable import jacobian as engine

    if isinstance(exprs, (str, sp.Basic)):
        exprs = [exprs]
    exprs = tuple(to_expr(e) for e in exprs)
    return engine(exprs, resolve_vars(exprs, vars), _point(at, sp.Tuple(*exprs)), all_steps)


def directional_derivative(expr, at, direction, vars=None):
    """The rate of change of f at ``at`` in the direction of ``direction`` (normalised)."""
    from .multivariable import directional_derivative as engine

    expr = to_expr(expr)
    point = point_map(at, expr)
    symbols = resolve_vars([expr], vars if vars is not None else list(point))
    return engine(expr, symbols, point, tuple(to_number(d) for d in direction))


def total_derivative(expr, substitutions, wrt, at=None):
    """The multivariable chain rule for z = f(x, y, …) with x = g(t), y = h(t), …"""
    from .multivariable import total_derivative as engine

    expr = to_expr(expr)
    subs = {to_symbol(k, expr): to_expr(v) for k, v in dict(substitutions).items()}
    inner = sp.Tuple(*subs.values())
    return engine(expr, subs, to_symbol(wrt, inner), _point(at, inner))


def taylor(expr, about, order: int, vars=None, at=None):
    """Taylor polynomial to total degree ``order`` about ``about``; with ``at``: approximation,
    true value and error."""
    from .series import taylor_expansion as engine

    expr = to_expr(expr)
    centre = point_map(about, expr)
    return engine(expr, resolve_vars([expr], vars if vars is not None else list(centre)), centre, order,
                  _point(at, expr))


def critical_points(expr, vars=None):
    """Solve ∇f = 0 and classify each point (second-derivative test / Hessian eigenvalues)."""
    from .optimize import critical_points as engine

    expr = to_expr(expr)
    return engine(expr, resolve_vars([expr], vars))


def lagrange(objective, constraints, vars=None, goal: str = "max"):
    """Optimise ``objective`` subject to equality constraints ("x + y = 10", or g meaning g = 0)."""
    from .optimize import lagrange as engine

    objective = to_expr(objective)
    if isinstance(constraints, (str, sp.Basic)):
        constraints = [constraints]
    gs = tuple(to_constraint(c) for c in constraints)
    return engine(objective, gs, resolve_vars([objective, *gs], vars), goal)


def integrate(expr, wrt=None, bounds=None):
    """Integrate step by step; with ``bounds=(a, b)`` the definite integral via F(b) − F(a)."""
    from .integrals import integrate as engine

    expr = to_expr(expr)
    x = to_symbol(wrt, expr) if wrt is not None else sole_variable(expr, "integrate")
    return engine(expr, x, None if bounds is None else tuple(to_number(v) for v in bounds))


__all__ = ["derive", "partial", "gradient", "hessian", "jacobian", "directional_derivative",
           "total_derivative", "taylor", "critical_points", "lagrange", "integrate"]
