"""One solver per problem kind: ``solve(problem) -> Solution``.

Each solver module registers its kinds with ``@solver("kind")``; a solver receives a
validated ``Problem`` and returns a ``Solution`` whose ``answer`` has the kind's shape.
"""

from __future__ import annotations

import importlib

SOLVERS: dict = {}
_MODULES = ("symbolic", "optimizers", "networks", "probability", "autodiff")


def solver(kind: str):
    """Register the decorated function as the solver of ``kind``."""

    def register(fn):
        SOLVERS[kind] = fn
        return fn

    return register


def _load_all() -> None:
    for name in _MODULES:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise


def solve(problem):
    """Solve a Problem (or a problem given as a dict) and check it against ``expected``."""
    from ..problems import load_problem
    from ..check import check_answer
    from ..solution import Check

    if isinstance(problem, dict):
        problem = load_problem(problem)
    if not SOLVERS:
        _load_all()
    solution = SOLVERS[problem.kind](problem)
    if problem.expected is not None:
        solution.check = check_answer(solution.answer, problem)
    else:
        solution.check = Check("none")
    return solution
