"""One solver per problem kind: ``solve(problem) -> Solution``.

Each solver module registers its kinds with ``@solver("kind")``; a solver receives a
validated ``Problem`` and returns a ``Solution`` whose ``answer`` has the kind's shape.

``MODULE_OF`` says which module solves each kind, so that solving a derivative imports
the symbolic solvers only, not the networks or the probability ones: ``solver_for(kind)``
imports the one module it needs on first use, ``load_kinds(kinds)`` imports ahead of
time the modules a batch will need (before worker processes are forked), and
``_load_all()`` imports every module (tests check the map against what they register).
"""

from __future__ import annotations

import importlib

SOLVERS: dict = {}

MODULE_OF = {
    "derivative": "symbolic", "partial": "symbolic", "gradient": "symbolic", "hessian": "symbolic",
    "jacobian": "symbolic", "directional_derivative": "symbolic", "total_derivative": "symbolic",
    "critical_points": "symbolic", "lagrange": "symbolic", "taylor": "symbolic", "integral": "symbolic",
    "gradient_descent": "optimizers", "momentum": "optimizers", "adam": "optimizers",
    "linear_regression": "optimizers",
    "backprop": "networks", "softmax": "networks", "cross_entropy": "networks",
    "convolution": "networks", "bptt": "networks",
    "distribution": "probability", "monte_carlo": "probability", "kl_divergence": "probability",
    "evaluate": "autodiff", "forward_mode": "autodiff", "reverse_mode": "autodiff",
    "convexity": "convexity",
}
MODULE_OF["matrix_gradient"] = "matrix"
MODULE_OF["matrix_convexity"] = "matrix"
MODULE_OF["layer_gradients"] = "matrix"
_MODULES = tuple(dict.fromkeys(MODULE_OF.values()))


def solver(kind: str):
    """Register the decorated function as the solver of ``kind``."""

    def register(fn):
        SOLVERS[kind] = fn
        return fn

    return register


def _import(name: str):
    return importlib.import_module(f"{__name__}.{name}")


def _load_all() -> None:
    """Import every solver module."""
    for name in _MODULES:
        _import(name)


def load_kinds(kinds) -> None:
    """Import the solver modules of ``kinds`` and the engine modules they import lazily
    (a module's ``ENGINE_MODULES``: kind → module names). Unknown kinds are left for
    ``solve`` to report."""
    for kind in dict.fromkeys(kinds):
        if kind in MODULE_OF:
            module = _import(MODULE_OF[kind])
            for name in getattr(module, "ENGINE_MODULES", {}).get(kind, ()):
                importlib.import_module(name)


def solver_for(kind: str):
    """The solver function of ``kind``, importing its module on first use."""
    if kind not in SOLVERS and kind in MODULE_OF:
        _import(MODULE_OF[kind])
    try:
        return SOLVERS[kind]
    except KeyError:
        raise KeyError(f"no solver for kind {kind!r}") from None


def solve(problem):
    """Solve a Problem (or a problem given as a dict) and check it against ``expected``.

    Given a problem file's path, solve each of its problems: a ``Solutions`` list (which
    notebooks display as one walkthrough after another)."""
    import os

    from ..solution import Check, Solutions

    if isinstance(problem, (str, os.PathLike)):
        from ..problems import load

        return Solutions(solve(p) for p in load(problem))
    if isinstance(problem, dict):
        from ..problems import load_problem

        problem = load_problem(problem)
    solution = solver_for(problem.kind)(problem)
    if problem.expected is not None:
        from ..check import check_answer

        solution.check = check_answer(solution.answer, problem)
    else:
        solution.check = Check("none")
    return solution
