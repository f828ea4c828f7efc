"""Figures of walkthroughs (matplotlib, the optional ``plot`` extra: ``pip install 'calcai[plot]'``).

``figure_for(obj)`` draws the picture of a result — an API result (``calcai.derive``,
``taylor``, ``critical_points``, ``lagrange``, ``integrate``) or a ``Solution`` of a problem —
or returns None when no picture applies (a Hessian, a 3-variable objective …):

- a derivative at a point: f and the tangent line there (without a point: f and f');
- a Taylor polynomial (one variable): f against the polynomial, the error shaded;
- gradient descent, momentum, Adam: the path of the iterates over contour lines of the
  objective (2 variables) or over its curve (1 variable), and the loss per iteration;
- linear regression: the data, the fitted line of each iteration (faded), the loss curve;
- critical points: contour lines (or the curve) with the points marked by type;
- Lagrange multipliers (2 variables, 1 constraint): contour lines, the constraint curve,
  the candidates and the optimum;
- a definite integral: the area under the curve, shaded (an indefinite one: f and F).

Figures only draw what the result holds (iterates, points, polynomials); curves are sampled
numerically from its expressions. ``svg_for`` and ``save`` write deterministic files: a fixed
font (DejaVu Sans, shipped with matplotlib), a fixed hash salt, no dates; the rcParams are
set in a context, so the caller's matplotlib settings are untouched. matplotlib is imported
only when a figure is drawn; without it these functions raise ``PlotUnavailable``.
"""

from __future__ import annotations

from ..errors import CalcaiError

INSTALL_HINT = "plots need matplotlib: pip install 'calcai[plot]'"


class PlotUnavailable(CalcaiError):
    """matplotlib is not installed (the message names the extra to install)."""

    def __init__(self, message: str = INSTALL_HINT):
        super().__init__(message)


def available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _require() -> None:
    if not available():
        raise PlotUnavailable()


def figure_for(obj):
    """The matplotlib Figure of a result or a Solution, or None when no picture applies."""
    _require()
    from .figures import build, style

    with style():
        return build(obj)


def svg_for(obj) -> str | None:
    """The figure of ``obj`` as inline SVG text (from ``<svg``, no XML declaration), or None."""
    data = _render(obj, "svg")
    if data is None:
        return None
    text = data.decode("utf-8")
    return text[text.index("<svg"):]


def figure_bytes(obj, fmt: str) -> bytes | None:
    """The figure of ``obj`` as a complete SVG or PNG file (``fmt`` "svg" or "png"), or None."""
    return _render(obj, fmt)


def save(obj, path) -> bool:
    """Write the figure of ``obj`` to ``path`` (SVG or PNG by its suffix); False when no
    picture applies (nothing is written)."""
    import os

    fmt = format_of(path)
    data = _render(obj, fmt)
    if data is None:
        return False
    with open(os.fspath(path), "wb") as f:
        f.write(data)
    return True


def format_of(path) -> str:
    """'svg' or 'png' from a file name; a CalcaiError for anything else."""
    import os

    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in (".svg", ".png"):
        raise CalcaiError(f"--plot {os.fspath(path)}: the file name must end in .svg or .png")
    return suffix[1:]


def _render(obj, fmt: str) -> bytes | None:
    _require()
    from .figures import build, style, to_bytes

    with style():
        fig = build(obj)
        if fig is None:
            return None
        return to_bytes(fig, fmt)


__all__ = ["available", "figure_for", "svg_for", "figure_bytes", "save", "format_of", "PlotUnavailable",
           "INSTALL_HINT"]
