"""Figures for HTML and Jupyter output, when plotting is installed.

Plots live in ``calcai.plot`` and need matplotlib (the optional extra ``calcai[plot]``).
Renderers never compute, so the layers that show results (the CLI, ``to_html``, Jupyter
display) ask here for a figure and pass the SVG text on; without ``calcai.plot`` or
matplotlib the answer is None and the page simply has no figure.
"""

from __future__ import annotations


def _plot_module():
    try:
        from . import plot
    except ImportError:
        return None
    return plot


def plotting_available() -> bool:
    """True when ``calcai.plot`` can draw (matplotlib is installed)."""
    plot = _plot_module()
    return bool(plot is not None and plot.available())


def figure_for(obj) -> str | None:
    """The SVG text of ``obj``'s figure (a Solution, a Taylor, …), or None: no plotting
    installed, or nothing to draw for it."""
    plot = _plot_module()
    if plot is None or not plot.available():
        return None
    return plot.svg_for(obj)


def preload() -> None:
    """Import the plotting modules now (before worker processes are forked), if installed."""
    if plotting_available():
        import importlib

        for name in ("calcai.plot.figures", "matplotlib.figure", "matplotlib.backends.backend_svg"):
            importlib.import_module(name)


__all__ = ["figure_for", "plotting_available", "preload"]
