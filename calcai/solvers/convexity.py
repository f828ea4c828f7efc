"""Solver for the ``convexity`` kind: the verdict, its reason and, for 'neither', the witnesses."""

from __future__ import annotations

from ..solution import Solution
from . import solver

ENGINE_MODULES = {"convexity": ("calcai.convexity",)}


@solver("convexity")
def solve_convexity(problem):
    """convex / concave / affine / neither / unknown by composition rules, the second-order
    condition or verified chords (calcai.convexity)."""
    from ..convexity import convexity, witness_points

    f = problem.fields
    result = convexity(f["expr"], tuple(f["vars"]), f.get("domain") or {})
    answer = {"verdict": result.verdict, "reason": result.reason,
              "witness": witness_points(result.witnesses) or None}
    return Solution(problem, problem.title or result.title, tuple(result.sections), answer, tuple(result.final))
