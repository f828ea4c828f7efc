r"""A walkthrough as Markdown with ``$…$`` LaTeX mathematics.

Layout::

    # Title

    ## Section

    A sentence.

    $f'(x) = 3 x^{2} + 4 x$

    - **sum rule**: $\frac{d}{d x} \left(x^{3} + 2 x^{2} + 5\right) = 3 x^{2} + 4 x$
      - **power rule**: $\frac{d}{d x} x^{3} = 3 x^{2}$

    - **factor out** $3 x$: $3 x^{2} - 6 x = 3 x \left(x - 2\right) = 0 …$
      - **zero-product rule**: $3 x = 0 \text{ or } x - 2 = 0$

    | step | x |
    | --- | --- |
    | 0 | $1$ |

    **Answer:** $f'(x) = 3 x^{2} + 4 x$

    **Check:** pass
"""

from __future__ import annotations

from .latex import equation_tex, latex_value, solve_step_tex, step_tex, summary_tex
from .text import cell_text, is_solve_step, is_step, is_step_work, is_summary, walk_solve_steps, walk_steps

_MD_SPECIALS = "\\`*_"


def md_escape(text: str, table: bool = False) -> str:
    """Escape Markdown emphasis characters (and '|' inside table cells)."""
    out = []
    for ch in str(text):
        if ch in _MD_SPECIALS or (table and ch == "|"):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def md_math(tex: str, table: bool = False) -> str:
    """Inline ``$…$`` math; inside a table, '|' becomes ``\\vert``."""
    if table:
        tex = tex.replace("|", r"\vert ")
    return f"${tex}$"


def md_step_tree(node, digits: int = 4) -> str:
    """Nested bullet lists, two spaces of indent per level."""
    lines = []
    for depth, n, partial in walk_steps(node):
        label, note, body = step_tex(n, partial, digits)
        note_md = f" (${note}$)" if note else ""
        if is_step_work(n):                 # a line of working: its label in plain words
            head = f"{md_escape(label)}: " if label else ""
            lines.append("  " * depth + f"- {head}${body}$")
            continue
        lines.append("  " * depth + f"- **{md_escape(label)}**{note_md}: ${body}$")
    return "\n".join(lines)


def md_solve_tree(node, digits: int = 4) -> str:
    """A solving tree as nested bullet lists: '- **factor out** $3 x$: $…$'."""
    lines = []
    for depth, n in walk_solve_steps(node):
        label, math, note, body = solve_step_tex(n, digits)
        lines.append("  " * depth + f"- **{md_escape(label)}**" + (f" ${math}$" if math else "")
                     + (f" (${note}$)" if note else "") + (f": ${body}$" if body else ""))
    return "\n".join(lines)


def _cell(value, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return md_escape(value, table=True)
    from ..numbers import is_numeric

    if is_numeric(value):
        return md_escape(cell_text(value, digits), table=True)
    return md_math(latex_value(value, digits), table=True)


def md_table(table, digits: int = 4) -> str:
    """A pipe table (a table without headers gets empty header cells)."""
    rows = [list(r) for r in table.rows]
    ncols = max([len(table.headers)] + [len(r) for r in rows]) or 1
    headers = [_cell(h, digits) for h in table.headers] + [""] * (ncols - len(table.headers))
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(["---"] * ncols) + " |"]
    for r in rows:
        cells = [_cell(c, digits) for c in r] + [""] * (ncols - len(r))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def md_item(item, digits: int = 4) -> str:
    """One walkthrough item as a Markdown block."""
    kind = type(item).__name__
    if isinstance(item, str):
        return md_escape(item)
    if kind == "Text" and hasattr(item, "text"):
        return md_escape(item.text)
    if is_solve_step(item):
        return md_solve_tree(item, digits)
    if kind == "Equation" or (hasattr(item, "lhs") and hasattr(item, "rhs")):
        return md_math(equation_tex(item, digits))
    if is_summary(item):
        return md_math(summary_tex(item, digits))
    if is_step(item):
        return md_step_tree(item, digits)
    if hasattr(item, "headers") and hasattr(item, "rows"):
        return md_table(item, digits)
    if kind == "Section" and hasattr(item, "items"):
        return "\n\n".join([f"**{md_escape(item.title)}**"] + [md_item(i, digits) for i in item.items])
    return md_math(latex_value(item, digits))


def _check_value(value, digits: int) -> str:
    if isinstance(value, str):
        return f"`{value}`" if "`" not in value else md_escape(value)
    return md_math(latex_value(value, digits))


def md_check(check, digits: int = 4) -> str:
    status = getattr(check, "status", "none") if check is not None else "none"
    if status == "none":
        return ""
    if status != "fail":
        return f"**Check:** {md_escape(status)}"
    failed = [i for i in getattr(check, "items", ()) if not i.ok]
    if not failed:
        return "**Check:** FAIL"
    lines = ["**Check:** FAIL", ""]
    for i in failed:
        line = (f"- `{i.path}`: expected {_check_value(i.expected, digits)}, "
                f"computed {_check_value(i.computed, digits)}")
        if getattr(i, "message", ""):
            line += f" ({md_escape(i.message)})"
        lines.append(line)
    return "\n".join(lines)


def render_markdown(w, digits: int = 4) -> str:
    """A walkthrough as Markdown (see the module docstring for the layout)."""
    blocks = []
    title = getattr(w, "title", "") or ""
    if title:
        blocks.append(f"# {md_escape(title)}")
    for section in getattr(w, "sections", ()) or ():
        if getattr(section, "title", ""):
            blocks.append(f"## {md_escape(section.title)}")
        blocks += [md_item(item, digits) for item in getattr(section, "items", ()) or ()]
    final = [md_item(item, digits) for item in getattr(w, "final", ()) or ()]
    if len(final) == 1:
        blocks.append(f"**Answer:** {final[0]}")
    elif final:
        blocks.append("**Answer:**\n\n" + "\n".join(f"- {f}" for f in final))
    check = md_check(getattr(w, "check", None), digits)
    if check:
        blocks.append(check)
    return "\n\n".join(blocks) + "\n"


__all__ = ["render_markdown", "md_escape", "md_step_tree", "md_table", "md_item", "md_solve_tree"]
