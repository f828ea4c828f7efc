"""A walkthrough as a rich renderable: a title rule, sections, step trees, tables, an answer panel.

The mathematics is the same one-line unicode as the text renderer (``math_text``,
``format_number``). Styles are rich styles, never hard-coded escape codes, so a console
writing to a file, a non-terminal, or under NO_COLOR prints plain text.
"""

from __future__ import annotations

from .text import (
    cell_text, check_lines, equation_lines, is_solve_step, is_step, is_step_work, item_lines, solve_step_parts,
    step_parts, value_text, walk_solve_steps, walk_steps,
)

RULE_STYLE = "bold cyan"
FORMULA_STYLE = "dim italic"
SECTION_STYLE = "bold"
ANSWER_STYLE = "bold green"


def _step_label(node, partial: bool, digits: int):
    from rich.text import Text

    label, note, body = step_parts(node, partial, digits)
    text = Text()
    if is_step_work(node):                  # a line of working: its label in plain words
        return Text(f"{label}: {body}" if label else body)
    text.append(label, style=RULE_STYLE)
    text.append(f"{note}: {body}")
    formula = getattr(node, "formula", None)
    if isinstance(formula, str) and formula:
        text.append(f"   [{formula}]", style=FORMULA_STYLE)
    return text


def rich_step_tree(node, digits: int = 4):
    """A step tree as a ``rich.tree.Tree`` with the rule names styled."""
    from rich.tree import Tree

    trees: dict[int, Tree] = {}
    root = None
    for depth, n, partial in walk_steps(node):
        label = _step_label(n, partial, digits)
        if depth == 0:
            root = trees[0] = Tree(label, guide_style="dim")
        else:
            trees[depth] = trees[depth - 1].add(label)
    return root


def rich_solve_tree(node, digits: int = 4):
    """A solving tree as a ``rich.tree.Tree``: the rule's label styled, then its working."""
    from rich.text import Text
    from rich.tree import Tree

    trees: dict[int, Tree] = {}
    root = None
    for depth, n in walk_solve_steps(node):
        label, math, note, body = solve_step_parts(n, digits)
        text = Text()
        text.append(label, style=RULE_STYLE)
        text.append((f" {math}" if math else "") + (f" ({note})" if note else "") + (f": {body}" if body else ""))
        formula = getattr(n, "formula", None)
        if isinstance(formula, str) and formula:
            text.append(f"   [{formula}]", style=FORMULA_STYLE)
        if depth == 0:
            root = trees[0] = Tree(text, guide_style="dim")
        else:
            trees[depth] = trees[depth - 1].add(text)
    return root


def rich_table(table, digits: int = 4):
    """A walkthrough Table as a ``rich.table.Table``."""
    from rich.table import Table
    from rich.text import Text

    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    headers = [value_text(h, digits) for h in table.headers]
    ncols = max([len(headers)] + [len(row) for row in table.rows])
    headers += [""] * (ncols - len(headers))
    for h in headers:
        t.add_column(Text(h))
    for row in table.rows:
        cells = [Text(cell_text(c, digits)) for c in row]
        t.add_row(*(cells + [Text("")] * (ncols - len(cells))))
    return t


def _item(item, digits: int):
    from rich.text import Text

    kind = type(item).__name__
    if is_step(item):
        return rich_step_tree(item, digits)
    if is_solve_step(item):
        return rich_solve_tree(item, digits)
    if kind == "Table" or (hasattr(item, "headers") and hasattr(item, "rows")):
        return rich_table(item, digits)
    if kind == "Equation" or (hasattr(item, "lhs") and hasattr(item, "rhs")):
        return Text("\n".join(equation_lines(item, digits)))
    return Text("\n".join(item_lines(item, digits)))      # text, and Summary (summary_lines)


def render_rich(w, digits: int = 4):
    """A ``rich.console.Group``: title rule, each section (bold title, its items), the final
    answer in a green panel, and the check verdict."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    parts = []
    title = getattr(w, "title", "") or ""
    if title:
        parts.append(Rule(Text(title, style="bold"), style="cyan"))
    for section in getattr(w, "sections", ()) or ():
        if parts:
            parts.append(Text(""))
        if getattr(section, "title", ""):
            parts.append(Text(section.title, style=SECTION_STYLE))
        for item in getattr(section, "items", ()) or ():
            parts.append(_item(item, digits))
    final = [line for item in (getattr(w, "final", ()) or ()) for line in item_lines(item, digits)]
    if final:
        parts.append(Text(""))
        parts.append(Panel(Text("\n".join(final), style=ANSWER_STYLE), title=Text("Answer"),
                           border_style="green", expand=False))
    check = getattr(w, "check", None)
    lines = check_lines(check, digits)
    if lines:
        style = "green" if getattr(check, "status", "") == "pass" else "bold red"
        parts.append(Text("\n".join(lines), style=style))
    return Group(*parts)


__all__ = ["render_rich", "rich_step_tree", "rich_table", "rich_solve_tree"]
