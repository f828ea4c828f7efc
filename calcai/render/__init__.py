"""Renderers: lay out a walkthrough (``calcai.solution``) as text, rich, Markdown, LaTeX, HTML or JSON.

Renderers never compute mathematics; they only print what the solvers built. Each format
lives in its own module, imported on first use so that importing ``calcai.render`` is cheap:

- ``text.render_text(w)``            plain text (``math_text`` one-line unicode mathematics);
- ``rich_render.render_rich(w)``     a rich renderable for terminals;
- ``markdown.render_markdown(w)``    Markdown with ``$…$`` LaTeX;
- ``latex.render_latex(w)``          a LaTeX fragment;
- ``html.render_html(w)``            an HTML fragment with MathML (``html.render_page``: a page);
- ``jsonout.solution_json(s)``       plain data for ``json.dumps``.
"""

from __future__ import annotations

FORMATS = ("text", "markdown", "latex", "html", "json", "rich")


def render(w, fmt: str = "text"):
    """Render a walkthrough in ``fmt``: 'text' | 'markdown' | 'latex' | 'html' | 'json' (strings)
    or 'rich' (a rich renderable). 'html' is a self-contained page (without figures: those
    are drawn by the caller, see ``calcai.figures``). JSON of a Solution is ``solution_json``; of any other
    walkthrough, ``walkthrough_json``."""
    key = (fmt or "text").lower()
    if key in ("text", "txt", "plain"):
        from .text import render_text

        return render_text(w)
    if key in ("markdown", "md"):
        from .markdown import render_markdown

        return render_markdown(w)
    if key in ("latex", "tex"):
        from .latex import render_latex

        return render_latex(w)
    if key in ("html", "htm"):
        from .html import render_page

        return render_page([w], title=getattr(w, "title", "") or "calcai")
    if key == "json":
        import json

        from .jsonout import solution_json, walkthrough_json

        data = solution_json(w) if hasattr(w, "problem") else walkthrough_json(w)
        return json.dumps(data, ensure_ascii=False, indent=2)
    if key == "rich":
        from .rich_render import render_rich

        return render_rich(w)
    raise ValueError(f"unknown output format {fmt!r}; choose one of: {', '.join(FORMATS)}")


__all__ = ["render", "FORMATS"]
