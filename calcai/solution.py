"""What a solver hands to a renderer: a walkthrough of small, frozen pieces holding sympy objects.

Computation builds these; renderers (calcai.render) only lay them out. A walkthrough is a
title, sections of items, and the final answer lines. Items are:

- ``Text``: a sentence of explanation;
- ``Equation``: ``lhs = rhs`` (rhs a sympy object, number, matrix or text), optionally with a
  working line ``via`` shown between them (``= 0 − 0.1·(−4)``);
- ``Table``: headers and rows (cells are text or sympy objects), e.g. an optimiser's trace;
- ``Summary``: a vector or matrix too large to print, by its shape, norm, range and first
  entries (the full values are in the solution's answer);
- a derivation step tree (``calcai.differentiation.DiffRule``) or an integration step tree
  (``calcai.integrals.IntegralStep``): both have ``rule``, ``expr``, ``wrt``, ``result``
  and ``substeps``;
- an equation-solving step tree (``calcai.equations.SolveStep``): ``rule``, ``label``,
  ``shown`` (its working, built from ``Relation``, ``Join`` and ``PlusMinus``), ``solutions``
  and ``substeps``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Text:
    """A sentence of explanation."""

    text: str


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs``; ``via`` is optional working shown in between; ``approx`` adds ≈ decimals."""

    lhs: Any
    rhs: Any
    via: Any = None
    approx: bool = True
    digits: int | None = None     # significant digits of ≈ decimals, when 4 is too few


@dataclass(frozen=True)
class Table:
    """A grid of values, e.g. one row per iteration of an optimiser."""

    headers: tuple
    rows: tuple


@dataclass(frozen=True)
class Summary:
    """``lhs = via``: a vector or matrix too large to print in full, shown by what describes it.

    ``shape`` is ``(n,)`` for a vector and ``(rows, cols)`` for a matrix. ``rows`` holds the
    leading rows, each cut to its leading entries (a vector: one row of its first entries).
    ``norm`` is the Euclidean norm (the Frobenius norm of a matrix); ``low`` and ``high`` are
    the smallest and the largest entry. Renderers write an ellipsis where rows or entries
    are left out; they never compute these numbers.
    """

    lhs: Any
    via: Any
    shape: tuple
    rows: tuple
    norm: Any
    low: Any
    high: Any


@dataclass(frozen=True)
class Relation:
    """``terms[0] op terms[1] op …`` inside a solving step: ``x² − 2 = 0``, ``y = λ = 5``,
    ``2λ ≠ 0``. Terms are sympy objects, labels (text such as 'Δ' or 'b² − 4ac') or a
    ``PlusMinus``."""

    terms: tuple
    op: str = "="


@dataclass(frozen=True)
class PlusMinus:
    """``(center ± radius)/denominator``: the quadratic formula's (3 ± √5)/2, or ±√2
    (center 0, denominator 1)."""

    center: Any
    radius: Any
    denominator: Any = 1


@dataclass(frozen=True)
class Join:
    """Pieces of a solving step shown one after another, ``sep`` between them: ' ⇒ ', ' or ',
    ', ', '; ', ': ' or ' '. A piece is a ``Relation``, a ``Join``, a ``PlusMinus``, a sympy
    object, or text (words, printed as words)."""

    parts: tuple
    sep: str = " ⇒ "


@dataclass(frozen=True)
class Section:
    """A titled group of items: 'Forward pass', 'Backward pass', 'Rules'…"""

    title: str
    items: tuple


@dataclass(frozen=True)
class CheckItem:
    """One compared value: where it sits in the answer, what was expected, what came out."""

    path: str
    expected: Any
    computed: Any
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class Check:
    """The verdict on an answer against the author's ``expected``: pass, fail or none."""

    status: str                 # "pass" | "fail" | "none"
    items: tuple = ()

    @property
    def passed(self) -> bool:
        return self.status != "fail"


class Walkthrough:
    """Mixin for anything rendered as a walkthrough: needs ``title``, ``sections``, ``final``."""

    # Subclasses provide: title (str), sections (tuple of Section), final (tuple of Equation,
    # the highlighted answer).

    def __str__(self) -> str:
        from .render.text import render_text

        return render_text(self)

    def __rich__(self):
        from .render.rich_render import render_rich

        return render_rich(self)

    def to_latex(self) -> str:
        from .render.latex import render_latex

        return render_latex(self)

    def to_markdown(self) -> str:
        from .render.markdown import render_markdown

        return render_markdown(self)

    def to_html(self, standalone: bool = True, figure: bool = True) -> str:
        """A self-contained HTML page (MathML mathematics, inline CSS, no JavaScript) with its
        figure inline when plotting is installed; ``standalone=False`` gives the fragment."""
        from .figures import figure_for
        from .render.html import render_html, render_page

        svg = figure_for(self) if figure else None
        if not standalone:
            return render_html(self, figure=svg)
        return render_page([self], title=self.title or "calcai", figures={0: svg} if svg else None)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter display: plain text, Markdown, LaTeX and HTML (with the figure when
        plotting is installed); the front end picks the richest it renders."""
        return _mimebundle({
            "text/plain": lambda: str(self),
            "text/markdown": self.to_markdown,
            "text/latex": self.to_latex,
            "text/html": lambda: _display_html([self]),
        }, include, exclude)


def _display_html(items) -> str:
    """Walkthroughs as HTML for a notebook: the stylesheet (scoped to ``.calcai``), then one
    fragment each, figures inline."""
    from .figures import figure_for
    from .render.html import STYLE, render_html

    parts = [render_html(w, figure=figure_for(w), figure_id=f"fig{id(w):x}") for w in items]
    return f"<style>{STYLE}</style>\n<div class=\"calcai-output\">\n" + "".join(parts) + "</div>\n"


def _mimebundle(makers: dict, include=None, exclude=None) -> dict:
    """The mime types ``include`` asks for (all by default) but not ``exclude``, each made once."""
    wanted = [m for m in makers if (not include or m in include) and not (exclude and m in exclude)]
    return {m: makers[m]() for m in wanted}


class Solutions(list):
    """A list of solutions (``calcai.solve`` of a problem file) that notebooks display as one
    walkthrough after another; otherwise an ordinary list."""

    def __str__(self) -> str:
        return "\n\n".join(str(s) for s in self)

    def to_markdown(self) -> str:
        return "\n".join(s.to_markdown() for s in self)

    def to_latex(self) -> str:
        return "\n".join(s.to_latex() for s in self)

    def to_html(self, title: str = "calcai", figure: bool = True) -> str:
        """One self-contained HTML page with every solution (a table of contents by file)."""
        from .figures import figure_for
        from .render.html import render_page

        figures = {i: svg for i, s in enumerate(self) if figure and (svg := figure_for(s))}
        return render_page(list(self), title=title, figures=figures)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return _mimebundle({
            "text/plain": lambda: str(self),
            "text/markdown": self.to_markdown,
            "text/latex": self.to_latex,
            "text/html": lambda: _display_html(self),
        }, include, exclude)


@dataclass
class Solution(Walkthrough):
    """A solved problem: the walkthrough, the answer in the kind's shape, and the check."""

    problem: Any                       # calcai.problems.Problem
    title: str
    sections: tuple
    answer: Any
    final: tuple = ()
    check: Check = field(default_factory=lambda: Check("none"))
