"""Grades (calcai.exercises.grade.Grade) laid out as text, Markdown or JSON.

Only layout: the verdicts, mistakes and messages were computed by the grader.

- ``grades_text(grades, student)``: one block per answer, then a summary line;
- ``grades_markdown(grades, student)``: a table, then the messages of the wrong answers;
- ``grades_json(grades)``: a list of ``{problem, verdict, mistake, message, expected, given}``
  with ``expected`` and ``given`` as calcai notation (strings ``calcai.parse`` reads back;
  lists and mappings keep their shape; an unreadable answer as it was written).
"""

from __future__ import annotations

__all__ = ["grades_text", "grades_markdown", "grades_json", "grade_data", "summary_line"]


def _value(value) -> str:
    from .text import math_text, value_text

    import sympy as sp

    if isinstance(value, sp.Expr) and not value.is_Number:
        return math_text(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    return value_text(value)


def _plain(value):
    """JSON data: calcai notation for sympy values, the shape kept."""
    import sympy as sp

    from .jsonout import expr_text

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, sp.MatrixBase):
        return [[_plain(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
    if isinstance(value, sp.Basic):
        return expr_text(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def grade_data(g) -> dict:
    return {"problem": g.problem, "verdict": g.verdict, "mistake": g.mistake, "message": g.message,
            "expected": _plain(g.expected), "given": _plain(g.given)}


def grades_json(grades) -> str:
    import json

    return json.dumps([grade_data(g) for g in grades], ensure_ascii=False, indent=2)


def summary_line(grades, student: str | None = None) -> str:
    right = sum(1 for g in grades if g.right)
    who = f"{student}: " if student else ""
    return f"{who}{right} of {len(grades)} answer{'s' if len(grades) != 1 else ''} right"


def _verdict(g) -> str:
    return g.verdict.replace("_", " ") + (f" ({g.mistake})" if g.mistake else "")


def grades_text(grades, student: str | None = None) -> str:
    lines = []
    width = max((len(g.problem) for g in grades), default=0)
    for g in grades:
        lines.append(f"{g.problem:<{width}}  {_verdict(g)}")
        lines.append(f"{'':<{width}}    given:    {_value(g.given)}")
        if g.verdict != "correct" or g.mistake:
            lines.append(f"{'':<{width}}    computed: {_value(g.expected)}")
            for k, line in enumerate(g.message.splitlines()):
                lines.append(f"{'':<{width}}    {'  ' if k else '→ '}{line}")
    lines.append("")
    lines.append(summary_line(grades, student))
    return "\n".join(lines) + "\n"


def grades_markdown(grades, student: str | None = None) -> str:
    from .markdown import md_escape

    out = [f"## Grades{' for ' + md_escape(student) if student else ''}", "",
           "| problem | verdict | mistake | given | computed |", "|---|---|---|---|---|"]
    for g in grades:
        out.append(f"| {md_escape(g.problem, True)} | {g.verdict} | {g.mistake or ''} | "
                   f"{md_escape(_value(g.given), True)} | {md_escape(_value(g.expected), True)} |")
    notes = [g for g in grades if g.verdict != "correct" or g.mistake]
    if notes:
        out.append("")
        for g in notes:
            out.append(f"- **{md_escape(g.problem)}**: {md_escape(g.message.splitlines()[0])}")
    out += ["", summary_line(grades, student), ""]
    return "\n".join(out)
