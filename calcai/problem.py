"""A validated problem: what a solver receives, with every value already converted.

Field values by type (see calcai.kinds): expressions are sympy expressions; numbers are
exact sympy numbers (0.1 is Rational(1, 10)); variables are real sympy Symbols; points
are ``{Symbol: number}`` dicts in the order written; lists stay lists. ``expected`` is the
author's expected answer as plain data (str / int / Rational / list / dict) for the checker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Tolerance:
    """A value passes when |computed − expected| ≤ abs + rel·|expected|."""

    abs: float = 1e-9
    rel: float = 1e-6


@dataclass
class Problem:
    """One exercise of a problem file, ready for its solver."""

    id: str
    kind: str
    fields: dict                         # field name -> converted value
    variables: tuple = ()                # Symbols of the problem, in a stable order
    expected: Any = None
    tolerance: Tolerance = field(default_factory=Tolerance)
    title: str = ""
    statement: str = ""
    note: str = ""
    tags: tuple = ()
    hints: tuple = ()
    plot: bool = False                   # draw its figure with `calcai solve --plot-dir DIR`
    file: str | None = None
    line: int = 0
    col: int = 0
    positions: dict = field(default_factory=dict)   # field path ("start.x") -> (line, col)

    def where(self, path: str = "") -> str:
        """``file:line:col`` of a field (or of the problem) for messages."""
        line, col = self.positions.get(path, (self.line, self.col))
        return f"{self.file or '<problem>'}:{line}:{col}"
