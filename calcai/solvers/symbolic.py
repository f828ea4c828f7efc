"""Solvers for the symbolic kinds: each calls the engine's API and shapes its answer."""

from __future__ import annotations

from functools import wraps

from ..inputs import resolve_vars, sole_variable
from ..solution import Equation, Section, Solution, Text
from . import solver

# Each solver imports its engine module when first called, so that solving a derivative
# does not import integration, optimisation and series code (start-up time of one-off
# commands). ENGINE_MODULES names them, so that a batch imports them before it forks its
# workers (calcai.solvers.load_kinds); tests check that it names all of them.
_MULTI = ("calcai.multivariable", "calcai.differentiability")
_DERIVE = ("calcai.differentiation", "calcai.evaluate", "calcai.differentiability")
ENGINE_MODULES = {
    "derivative": _DERIVE, "partial": _DERIVE,
    "gradient": _MULTI, "hessian": _MULTI, "jacobian": _MULTI, "directional_derivative": _MULTI,
    "total_derivative": _MULTI,
    "critical_points": ("calcai.optimize",), "lagrange": ("calcai.optimize",),
    "taylor": ("calcai.series",), "integral": ("calcai.integrals", "calcai.runner"),
}


def _named(point: dict) -> dict:
    """{Symbol: value} → {name: value}, the answer's shape for points."""
    return {s.name: v for s, v in point.items()}


def _rows(matrix) -> list:
    return [list(matrix.row(i)) for i in range(matrix.rows)]


def _solution(problem, result, answer, extra=()) -> Solution:
    title = problem.title or result.title
    sections = tuple(result.sections) + tuple(extra)
    return Solution(problem, title, sections, answer, tuple(result.final))


def _at_section(label, expr, point, value, notes=()) -> Section:
    from ..evaluate import describe_point

    via = expr.subs(point)
    return Section("At the point", (Text(f"At {describe_point(point)}:"),
                                    Equation(label, value, via=via if via != value else None))
                   + tuple(Text(note) for note in notes))


def _kinks(solve):
    """A problem whose ``expected`` is 'not differentiable' gets that as its answer when the
    derivative does not exist at its point (the walkthrough gives both one-sided derivatives),
    so that ``calcai check`` can expect it; for every other problem NotDifferentiable is an
    error, like 1/x at 0."""

    @wraps(solve)
    def solve_or_refuse(problem):
        from ..differentiability import NotDifferentiable

        try:
            return solve(problem)
        except NotDifferentiable as err:
            from ..problems import NOT_DIFFERENTIABLE, expects_not_differentiable

            if not expects_not_differentiable(problem.expected):
                raise
            return Solution(problem, problem.title or _kink_title(err), (_kink_section(err),),
                            NOT_DIFFERENTIABLE, (Text(str(err)),))

    return solve_or_refuse


def _kink_title(err) -> str:
    from ..evaluate import describe_point
    from ..render.text import math_text

    return f"Differentiability of {math_text(err.expr)} at {describe_point(err.point)}"


def _kink_section(err) -> Section:
    """The one-sided derivatives that show there is no derivative."""
    from ..evaluate import describe_point
    from ..render.text import math_text

    x, a = math_text(err.wrt), math_text(err.point[err.wrt])
    items = [Text(f"At {describe_point(err.point)}, along {x}:")]
    for side, slope, gap in (("left", err.left, f"{x} < {a}"), ("right", err.right, f"{x} > {a}")):
        items.append(Text(f"no real values for {gap}") if slope is None else
                     Equation(f"derivative from the {side}", slope))
    return Section("Differentiability", tuple(items))


@solver("derivative")
@_kinks
def solve_derivative(problem):
    """d^n f/dx^n, with its rule tree; evaluated exactly at ``at`` when given (after checking,
    where f has a kink piece there, that the derivative exists: calcai.differentiability)."""
    from ..differentiability import derivative_value
    from ..differentiation import derive, derivative_label
    from ..evaluate import evaluate_at

    f = problem.fields
    x = f.get("wrt") or sole_variable(f["expr"])
    result = derive(f["expr"], x, f.get("order", 1))
    if f.get("at") is None:
        return _solution(problem, result, result.result)
    evaluate_at(result.expr, f["at"])          # f must be defined there before f' can be
    value, notes = derivative_value(result, f["at"])
    label = derivative_label(result.expr, result.wrt, result.order)
    return Solution(problem, problem.title or result.title,
                    tuple(result.sections) + (_at_section(label, result.result, f["at"], value, notes),),
                    value, (Equation(label, value),))


@solver("partial")
def solve_partial(problem):
    """∂f/∂x holding the other variables constant."""
    return solve_derivative(problem)


@solver("gradient")
@_kinks
def solve_gradient(problem):
    """∇f as a list in vars order; at a point when given."""
    from ..multivariable import gradient

    f = problem.fields
    result = gradient(f["expr"], resolve_vars([f["expr"]], f.get("vars")), f.get("at"))
    answer = list(result.value if result.value is not None else result.result)
    return _solution(problem, result, answer)


@solver("hessian")
@_kinks
def solve_hessian(problem):
    """H = [∂²f/∂xᵢ∂xⱼ] with eigenvalues and definiteness."""
    from ..multivariable import hessian

    f = problem.fields
    result = hessian(f["expr"], resolve_vars([f["expr"]], f.get("vars")), f.get("at"),
                     all_steps=f.get("steps") == "all")
    answer = {"matrix": _rows(result.matrix), "definiteness": result.definiteness}
    if result.eigenvalues is not None:
        answer["eigenvalues"] = list(result.eigenvalues)
    return _solution(problem, result, answer)


@solver("jacobian")
@_kinks
def solve_jacobian(problem):
    """J = [∂fᵢ/∂xⱼ], rows in the order of ``exprs``."""
    from ..multivariable import jacobian

    f = problem.fields
    exprs = tuple(f["exprs"])
    result = jacobian(exprs, resolve_vars(exprs, f.get("vars")), f.get("at"), all_steps=f.get("steps") == "all")
    return _solution(problem, result, _rows(result.matrix))


@solver("directional_derivative")
@_kinks
def solve_directional(problem):
    """D_v f = ∇f · v̂ at the point."""
    from ..multivariable import directional_derivative

    f = problem.fields
    symbols = resolve_vars([f["expr"]], f.get("vars") if f.get("vars") is not None else list(f["at"]))
    result = directional_derivative(f["expr"], symbols, f["at"], tuple(f["direction"]))
    return _solution(problem, result, result.result)


@solver("total_derivative")
@_kinks
def solve_total(problem):
    """dz/dt = Σ ∂f/∂xᵢ · dxᵢ/dt."""
    from ..multivariable import total_derivative

    f = problem.fields
    result = total_derivative(f["expr"], dict(f["substitutions"]), f["wrt"], f.get("at"))
    return _solution(problem, result, result.value if result.value is not None else result.result)


@solver("critical_points")
def solve_critical(problem):
    """Solve ∇f = 0 and classify each point."""
    from ..optimize import critical_points

    f = problem.fields
    result = critical_points(f["expr"], resolve_vars([f["expr"]], f.get("vars")))
    answer = [{"point": _named(c.point), "type": c.type} for c in result.result]
    return _solution(problem, result, answer)


@solver("lagrange")
def solve_lagrange(problem):
    """∇f = λ∇g with g = 0; the best candidate by ``goal``."""
    from ..optimize import lagrange

    f = problem.fields
    gs = tuple(f["constraints"])
    result = lagrange(f["objective"], gs, resolve_vars([f["objective"], *gs], f.get("vars")), f.get("goal", "max"))
    answer = {"point": _named(result.point), "value": result.result,
              "candidates": [{"point": _named({v: p[v] for v in result.vars}), "value": val, "type": kind}
                             for (p, val), kind in zip(result.candidates, result.types)]}
    return _solution(problem, result, answer)


@solver("taylor")
def solve_taylor(problem):
    """Taylor polynomial; with ``at``: approximation, true value and error."""
    from ..series import taylor_expansion

    f = problem.fields
    symbols = resolve_vars([f["expr"]], f.get("vars") if f.get("vars") is not None else list(f["about"]))
    result = taylor_expansion(f["expr"], symbols, f["about"], f["order"], f.get("at"))
    answer = {"polynomial": result.result}
    if result.point is not None:
        answer.update(value=result.approximation, exact=result.exact, error=result.error)
    return _solution(problem, result, answer)


@solver("integral")
def solve_integral(problem):
    """Antiderivative by textbook rules (sympy's search for the rest), with the working; definite
    via F(b) − F(a), or by quadrature (a number with an error estimate) when there is no closed form."""
    from ..integrals import integrate

    f = problem.fields
    x = f.get("wrt") or sole_variable(f["expr"], "integrate")
    result = integrate(f["expr"], x, f.get("bounds"))
    return _solution(problem, result, result.result)

