"""The figures: one builder per kind of result, drawing only what the result holds.

``build(obj)`` reads a result (API object or Solution) into plain numbers and expressions
and hands them to a drawing function. Figures are made with ``matplotlib.figure.Figure``
directly (never pyplot), so no backend is chosen and no global figure list grows.
"""

from __future__ import annotations

import contextlib
import io
import sys

import numpy as np

from .sample import Sampler, robust_limits, to_float

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],   # shipped with matplotlib: the same glyph metrics everywhere
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8.5,
    "axes.unicode_minus": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "svg.fonttype": "none",            # text stays text (searchable, small); no glyph paths
    "svg.hashsalt": "calcai",          # stable ids in the SVG
    "path.simplify": True,
}

GRID = 101                 # points per side of the grids sampled for contour lines
MAX_MARKERS = 200          # iterates drawn with a marker each; longer runs mark every k-th
MAX_FADED_LINES = 15       # regression lines drawn, evenly spaced over the iterations
TYPE_STYLE = {             # critical point type -> (marker, colour)
    "minimum": ("o", "tab:green"),
    "maximum": ("^", "tab:red"),
    "saddle": ("X", "tab:orange"),
    "inconclusive": ("s", "tab:gray"),
}


@contextlib.contextmanager
def style():
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def to_bytes(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", metadata={"Software": "calcai"})
    return buffer.getvalue()


def _figure(width: float = 6.4, height: float = 4.2):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


# ---------------------------------------------------------------- reading results

def build(obj):
    """The Figure of ``obj``, or None."""
    reader = _reader(obj)
    return None if reader is None else reader()


def _module(name):
    return sys.modules.get(f"calcai.{name}")


def _reader(obj):
    # classes are looked up among the modules already loaded (an object of a class exists only
    # once its module is): calcai.solution imports this module lazily, so no import back
    solution = _module("solution")
    if solution is not None and isinstance(obj, solution.Solution):
        return _solution_reader(obj)
    checks = (("differentiation", "Derivation", _from_derivation), ("series", "Taylor", _from_taylor),
              ("optimize", "CriticalPoints", _from_critical), ("optimize", "Lagrange", _from_lagrange),
              ("integrals", "Integral", _from_integral))
    for module, cls, reader in checks:
        mod = _module(module)
        if mod is not None and isinstance(obj, getattr(mod, cls)):
            return lambda: reader(obj)
    return None


def _solution_reader(solution):
    kind, fields, answer = solution.problem.kind, solution.problem.fields, solution.answer
    if kind == "derivative":
        return lambda: _derivative_solution(fields, answer)
    if kind == "taylor":
        return lambda: _taylor(fields["expr"], list(fields["about"].items()), fields["order"],
                               answer.get("polynomial"), fields.get("at"))
    if kind in ("gradient_descent", "momentum", "adam"):
        return lambda: _descent(fields["objective"], list(fields["vars"]), answer["trace"], kind, solution.title)
    if kind == "linear_regression":
        return lambda: _regression(fields["data"], answer["trace"])
    if kind == "critical_points":
        points = [(c["point"], c["type"]) for c in answer]
        return lambda: _critical(fields["expr"], list(fields["vars"]), points)
    if kind == "lagrange":
        candidates = [(c["point"], c["type"]) for c in answer["candidates"]]
        return lambda: _lagrange(fields["objective"], list(fields["constraints"]), list(fields["vars"]),
                                 candidates, answer["point"], answer["value"], fields.get("goal", "max"))
    if kind == "integral":
        x = fields.get("wrt") or _sole(fields["expr"])
        bounds = fields.get("bounds")
        if bounds is None:
            return lambda: _antiderivative(fields["expr"], x, answer)
        return lambda: _area(fields["expr"], x, bounds, answer)
    return None


def _sole(expr):
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    return symbols[0] if len(symbols) == 1 else None


def _derivative_solution(fields, answer):
    expr, order = fields["expr"], fields.get("order", 1)
    x = fields.get("wrt") or _sole(expr)
    if x is None or expr.free_symbols - {x}:
        return None
    at = fields.get("at")
    if at is None:
        return _with_derivative(expr, x, answer, order)
    if order != 1 or isinstance(answer, str):
        return None
    return _tangent(expr, x, at[x], answer)


def _from_derivation(d):
    if d.expr.free_symbols - {d.wrt}:
        return None
    return _with_derivative(d.expr, d.wrt, d.result, d.order)


def _from_taylor(t):
    return _taylor(t.expr, list(t.about.items()), t.order, t.result, t.point)


def _from_critical(c):
    if c.params:
        return None
    return _critical(c.expr, list(c.vars), [({s.name: v for s, v in p.point.items()}, p.type) for p in c.result])


def _from_lagrange(g):
    candidates = [({v.name: p[v] for v in g.vars}, kind) for (p, _value), kind in zip(g.candidates, g.types)]
    return _lagrange(g.objective, list(g.constraints), list(g.vars), candidates,
                     {s.name: v for s, v in g.point.items()}, g.result, g.goal)


def _from_integral(i):
    if i.bounds is None:
        return _antiderivative(i.expr, i.wrt, i.antiderivative)
    return _area(i.expr, i.wrt, i.bounds, i.result)


# ---------------------------------------------------------------- text

def _math(expr, limit: int = 48) -> str:
    from ..render.text import math_text

    text = math_text(expr)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _name(symbol) -> str:
    from ..numeric import pretty_name

    return pretty_name(symbol.name if hasattr(symbol, "name") else str(symbol))


def _num(value) -> str:
    return f"{value:.4g}".replace("-", "−")


def _sub(n) -> str:
    from ..numeric import sub

    return sub(n)


# ---------------------------------------------------------------- 1-variable curves

def _window(f, centre: float, half: float):
    """Sample points around ``centre``; where f is undefined at an end of the window (ln x
    left of 0), the part between its first and last values, resampled."""
    xs = np.linspace(centre - half, centre + half, 601)
    ys = f(xs)
    ok = np.isfinite(ys)
    if ok.any() and not (ok[0] and ok[-1]):
        lo, hi = xs[ok].min(), xs[ok].max()
        if hi > lo:
            xs = np.linspace(lo, hi, 601)
            ys = f(xs)
    return xs, ys


def _derivative_label(x, order: int) -> str:
    primes = {1: "′", 2: "″", 3: "‴"}
    mark = primes.get(order, f"⁽{''.join('⁰¹²³⁴⁵⁶⁷⁸⁹'[int(d)] for d in str(order))}⁾")
    return f"f{mark}({x})"


def _with_derivative(expr, x, derivative, order: int):
    f, df = Sampler(expr, [x]), Sampler(derivative, [x])
    xs, ys = _window(f, 0.0, 4.0)
    dys = df(xs)
    fig = _figure()
    ax = fig.add_subplot()
    name = _name(x)
    ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f({name}) = {_math(expr)}", gid="f")
    ax.plot(xs, dys, color="tab:orange", lw=1.6, ls="--",
            label=f"{_derivative_label(name, order)} = {_math(derivative)}", gid="derivative")
    ax.axhline(0, color="black", lw=0.6)
    _set_ylim(ax, np.concatenate([ys, dys]))
    ax.set_xlabel(name)
    ax.set_ylabel(f"f({name}), {_derivative_label(name, order)}")
    ax.set_title(f"f and its {'derivative' if order == 1 else f'derivative of order {order}'}")
    ax.legend(loc="best")
    return fig


def _set_ylim(ax, values) -> None:
    limits = robust_limits(values)
    if limits is not None:
        ax.set_ylim(*limits)


def _tangent(expr, x, at, slope):
    a, m = to_float(at), to_float(slope)
    if a is None or m is None:
        return None
    f = Sampler(expr, [x])
    fa = float(f(np.array([a]))[0])
    if not np.isfinite(fa):
        return None
    half = max(3.0, 0.5 * abs(a))
    lo, hi = a - half, a + half
    if abs(a) <= 10:                       # show x = 0 too (where ReLU and its kin bend)
        lo, hi = min(lo, -1.0), max(hi, 1.0)
    xs, ys = _window(f, (lo + hi) / 2, (hi - lo) / 2)
    name, a_text = _name(x), _math(at, 16)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f({name}) = {_math(expr)}", gid="f")
    tangent = fa + m * (xs - a)
    ax.plot(xs, tangent, color="tab:red", lw=1.5, ls="--",
            label=f"tangent, slope f′({a_text}) = {_num(m)}", gid="tangent")
    ax.plot([a], [fa], "o", color="tab:red", ms=7, zorder=3, gid="point",
            label=f"({a_text}, {_num(fa)})")
    _set_ylim(ax, ys)
    ax.set_xlabel(name)
    ax.set_ylabel(f"f({name})")
    ax.set_title(f"The tangent line at {name} = {a_text}")
    ax.legend(loc="best")
    return fig


def _taylor(expr, about, order, polynomial, at=None):
    if len(about) == 2 and polynomial is not None:
        return _taylor_slices(expr, about, order, polynomial, at)
    if len(about) != 1 or polynomial is None:
        return None
    x, c_value = about[0]
    if expr.free_symbols - {x}:
        return None
    c = to_float(c_value)
    if c is None:
        return None
    f, t = Sampler(expr, [x]), Sampler(polynomial, [x])
    at_x = to_float(at[x]) if at else None
    half = 3.0 if at_x is None else max(3.0, 1.3 * abs(at_x - c))
    xs, ys = _window(f, c, half)
    ts = t(xs)
    name, c_text = _name(x), _math(c_value, 16)
    n = _sub(order)
    fig = _figure()
    ax = fig.add_subplot()
    ax.fill_between(xs, ys, ts, where=np.isfinite(ys) & np.isfinite(ts), color="tab:red", alpha=0.18,
                    lw=0, label=f"error f({name}) − T{n}({name})", gid="error")
    ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f({name}) = {_math(expr)}", gid="f")
    ax.plot(xs, ts, color="tab:red", lw=1.6, ls="--", label=f"T{n}({name}) = {_math(polynomial)}",
            gid="polynomial")
    fc = float(f(np.array([c]))[0])
    ax.axvline(c, color="gray", lw=0.8, ls=":")
    ax.plot([c], [fc], "o", color="black", ms=5, zorder=3, label=f"centre {name} = {c_text}", gid="centre")
    if at_x is not None:
        pair = np.array([at_x])
        ax.plot([at_x, at_x], [float(f(pair)[0]), float(t(pair)[0])], color="black", lw=1.2,
                marker="_", ms=10, label=f"error at {name} = {_math(at[x], 12)}", gid="at")
    # the y-range follows f; the polynomial may leave it (that is where the error grows)
    limits = robust_limits(ys)
    if limits is not None:
        lo, hi = limits
        span = hi - lo
        finite = ts[np.isfinite(ts)]
        if finite.size:
            lo = min(lo, max(finite.min(), lo - 0.5 * span))
            hi = max(hi, min(finite.max(), hi + 0.5 * span))
        ax.set_ylim(lo, hi)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_xlabel(name)
    ax.set_ylabel(f"f({name}), T{n}({name})")
    ax.set_title(f"Taylor polynomial of order {order} about {name} = {c_text}")
    ax.legend(loc="best")
    return fig


def _taylor_slices(expr, about, order, polynomial, at=None):
    """Two variables: f and Tₙ along each axis through the centre (the other variable held at
    its centre value), the error shaded between them."""
    (x, a_value), (y, b_value) = about
    if expr.free_symbols - {x, y}:
        return None
    a, b = to_float(a_value), to_float(b_value)
    if a is None or b is None:
        return None
    n = _sub(order)
    fig = _figure(width=9.6, height=4.2)
    fig.suptitle(f"Taylor polynomial of order {order} about ({_math(a_value, 12)}, {_math(b_value, 12)}): "
                 "slices through the centre")
    for k, (v, centre, other, held) in enumerate(((x, a, y, b_value), (y, b, x, a_value))):
        along_f, along_t = expr.subs(other, held), polynomial.subs(other, held)
        f, t = Sampler(along_f, [v]), Sampler(along_t, [v])
        at_v = to_float(at[v]) if at else None
        half = 2.0 if at_v is None else max(2.0, 1.3 * abs(at_v - centre))
        xs, ys = _window(f, centre, half)
        ts = t(xs)
        ax = fig.add_subplot(1, 2, k + 1)
        name, held_text = _name(v), f"{_name(other)} = {_math(held, 12)}"
        ax.fill_between(xs, ys, ts, where=np.isfinite(ys) & np.isfinite(ts), color="tab:red", alpha=0.18,
                        lw=0, label="error f − T" + n, gid=f"error-{v.name}")
        ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f, {held_text}", gid=f"f-{v.name}")
        ax.plot(xs, ts, color="tab:red", lw=1.6, ls="--", label=f"T{n}, {held_text}", gid=f"polynomial-{v.name}")
        fc = float(f(np.array([centre]))[0])
        ax.axvline(centre, color="gray", lw=0.8, ls=":")
        ax.plot([centre], [fc], "o", color="black", ms=5, zorder=3, gid=f"centre-{v.name}")
        _set_ylim(ax, np.concatenate([ys[np.isfinite(ys)], ts[np.isfinite(ts)]]))
        ax.set_xlim(xs[0], xs[-1])
        ax.set_xlabel(name)
        ax.set_title(f"along {name} ({held_text})")
        ax.legend(loc="best", fontsize="small")
    return fig


# ---------------------------------------------------------------- 2-variable pictures

def _box(points, min_pad: float = 1.0, rel_pad: float = 0.35):
    """Limits around ``points`` (an n×2 array), padded, made square when the spans are within 3×."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = hi - lo
    pad = np.maximum(rel_pad * span, min_pad)
    lo, hi = lo - pad, hi + pad
    span = hi - lo
    square = span.max() / span.min() <= 3
    if square:
        mid = (lo + hi) / 2
        lo, hi = mid - span.max() / 2, mid + span.max() / 2
    return (lo[0], hi[0]), (lo[1], hi[1]), square


def _contours(ax, f, xlim, ylim, extra_levels=(), filled: bool = True):
    gx = np.linspace(*xlim, GRID)
    gy = np.linspace(*ylim, GRID)
    X, Y = np.meshgrid(gx, gy)
    Z = f(X, Y)
    finite = Z[np.isfinite(Z)]
    if finite.size < 10:
        return None
    levels = [_round(v) for v in np.quantile(finite, np.linspace(0, 1, 16)[1:-1])]
    extra = [v for v in extra_levels if v is not None and finite.min() < v < finite.max()]
    levels = np.unique(np.round(np.concatenate([levels, extra]), 12))
    if filled:
        shade = ax.contourf(X, Y, Z, levels=levels, cmap="Blues", alpha=0.3, extend="both")
        shade.set_rasterized(True)       # an image in the SVG: a tenth of the size of the polygons
    return ax.contour(X, Y, Z, levels=levels, colors="0.4", linewidths=0.7)


def _round(value: float) -> float:
    """Two significant digits: contour levels that read well (1.9, 10, 57 rather than 56.84)."""
    if value == 0 or not np.isfinite(value):
        return value
    return float(f"{value:.2g}")


def _coords(point: dict, names) -> tuple | None:
    values = tuple(to_float(point.get(n)) for n in names)
    return None if any(v is None for v in values) else values


# ---------------------------------------------------------------- optimisers

_METHOD = {"gradient_descent": "Gradient descent", "momentum": "Momentum", "adam": "Adam"}


def _descent(objective, variables, trace, kind, title):
    names = [v.name for v in variables]
    rows = [_coords(p, names) for p in trace]
    if not rows or any(r is None for r in rows):
        return None
    pts = np.array(rows, dtype=float)
    f = Sampler(objective, variables)
    loss = f(*pts.T)
    shown = [_name(v) for v in variables]
    theta = f"({', '.join(shown)})"
    every = max(1, -(-len(pts) // MAX_MARKERS))
    if len(variables) > 2:
        fig = _figure(6.4, 4.2)
        _loss_axes(fig.add_subplot(), loss, "L = f(θₜ)")
        fig.suptitle(f"{_METHOD[kind]} on f{theta} = {_math(objective, 60)}")
        return fig
    fig = _figure(9.5, 4.2)
    ax, ax_loss = fig.subplots(1, 2)
    # the view reaches as far past the last iterate as the path came: a short run shows where
    # it is heading, a converged one shows the bowl on both sides of where it stopped
    ahead = np.vstack([pts, 2 * pts[-1] - pts[0]])
    if len(variables) == 1:
        x = ahead[:, 0]
        span = x.max() - x.min()
        pad = max(0.3 * span, 0.5 + 0.1 * max(abs(x.max()), abs(x.min())))
        xs = np.linspace(x.min() - pad, x.max() + pad, 601)
        ys = f(xs)
        ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f({shown[0]}) = {_math(objective)}", gid="f")
        ax.plot(pts[:, 0], loss, "-o", color="tab:red", ms=4, lw=1, markevery=every, gid="iterates",
                label=f"θₜ, t = 0…{len(pts) - 1}")
        ax.plot(pts[:1, 0], loss[:1], "s", color="black", ms=6, gid="start", label="start θ₀")
        _set_ylim(ax, np.concatenate([ys, loss]))
        ax.set_xlabel(f"θ = {shown[0]}")
        ax.set_ylabel(f"f({shown[0]})")
        ax.set_title("the iterates on the curve")
    else:
        xlim, ylim, square = _box(ahead, min_pad=0.5, rel_pad=0.15)
        contour = _contours(ax, f, xlim, ylim)
        ax.plot(pts[:, 0], pts[:, 1], "-o", color="tab:red", ms=4, lw=1, markevery=every, gid="iterates",
                label=f"θₜ, t = 0…{len(pts) - 1}")
        ax.plot(pts[:1, 0], pts[:1, 1], "s", color="black", ms=6, gid="start", label="start θ₀")
        if contour is not None:
            ax.clabel(contour, contour.levels[::3], fontsize=7, fmt=_num)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        if square:
            ax.set_aspect("equal")
        ax.set_xlabel(shown[0])
        ax.set_ylabel(shown[1])
        ax.set_title("the path of θ over contour lines of f")
    ax.legend(loc="best")
    _loss_axes(ax_loss, loss, "L = f(θₜ)")
    fig.suptitle(f"{_METHOD[kind]} on f{theta} = {_math(objective, 60)}")
    return fig


def _loss_axes(ax, loss, label: str) -> None:
    t = np.arange(len(loss))
    ax.plot(t, loss, "-o" if len(loss) <= 60 else "-", color="tab:purple", ms=3.5, lw=1.4, gid="loss")
    finite = loss[np.isfinite(loss)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel("iteration t")
    ax.set_ylabel(label)
    ax.set_title("loss per iteration")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _regression(data, trace):
    pairs = [(to_float(x), to_float(y)) for x, y in data]
    params = [(to_float(p["w"]), to_float(p["b"])) for p in trace]
    if any(None in p for p in pairs + params):
        return None
    xy = np.array(pairs, dtype=float)
    wb = np.array(params, dtype=float)
    loss = np.array([np.mean((w * xy[:, 0] + b - xy[:, 1]) ** 2) for w, b in wb])
    fig = _figure(10.5, 4.2)
    ax, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    lo, hi = xy[:, 0].min(), xy[:, 0].max()
    pad = max(0.1 * (hi - lo), 0.5)
    xs = np.array([lo - pad, hi + pad])
    chosen = np.unique(np.round(np.linspace(0, len(wb) - 1, min(len(wb), MAX_FADED_LINES))).astype(int))
    for k, i in enumerate(chosen[:-1]):
        w, b = wb[i]
        ax.plot(xs, w * xs + b, color="tab:red", lw=1, alpha=0.12 + 0.45 * k / max(1, len(chosen) - 1),
                gid=f"fit-{i}", label="y = wₜx + bₜ (earlier iterations, faded)" if k == 0 else None)
    w, b = wb[-1]
    t_last = len(wb) - 1
    ax.plot(xs, w * xs + b, color="tab:red", lw=2.2, gid="fit-final",
            label=f"t = {t_last}: y = {_num(w)}x {'+' if b >= 0 else '−'} {_num(abs(b))}")
    ax.scatter(xy[:, 0], xy[:, 1], color="tab:blue", s=28, zorder=3, label="data (xᵢ, yᵢ)", gid="data")
    ax.set_xlim(*xs)
    _set_ylim(ax, np.concatenate([xy[:, 1], w * xs + b]))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("the data and the fitted line per iteration")
    ax.legend(loc="best")
    _loss_axes(ax_loss, loss, "L(wₜ, bₜ) (mean squared error)")
    fig.suptitle(f"Linear regression y = wx + b on {len(xy)} points")
    return fig


# ---------------------------------------------------------------- critical points, Lagrange

def _critical(expr, variables, points):
    if not 1 <= len(variables) <= 2 or expr.free_symbols - set(variables):
        return None
    names = [v.name for v in variables]
    shown = [_name(v) for v in variables]
    found = [(c, kind) for c, kind in ((_coords(p, names), kind) for p, kind in points) if c is not None]
    f = Sampler(expr, variables)
    fig = _figure()
    ax = fig.add_subplot()
    pts = np.array([c for c, _ in found], dtype=float).reshape(-1, len(variables))
    if len(variables) == 1:
        centre = float(pts.mean()) if len(pts) else 0.0
        half = max(2.0, 0.8 * float(np.ptp(pts)) if len(pts) else 0.0)
        xs, ys = _window(f, centre, half)
        ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f({shown[0]}) = {_math(expr)}", gid="f")
        values = f(pts[:, 0]) if len(pts) else np.array([])
        _set_ylim(ax, np.concatenate([ys, values]))
        ax.set_xlabel(shown[0])
        ax.set_ylabel(f"f({shown[0]})")
        marked = [(c[0], v) for (c, _), v in zip(found, values)]
    else:
        xlim, ylim, square = _box(pts if len(pts) else np.zeros((1, 2)), min_pad=1.0, rel_pad=0.5)
        levels = [float(v) for v in f(pts[:, 0], pts[:, 1])] if len(pts) else []
        contour = _contours(ax, f, xlim, ylim, levels)
        if contour is not None:
            ax.clabel(contour, contour.levels[::3], fontsize=7, fmt=_num)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        if square:
            ax.set_aspect("equal")
        ax.set_xlabel(shown[0])
        ax.set_ylabel(shown[1])
        marked = [c for c, _ in found]
    for kind, (marker, colour) in TYPE_STYLE.items():
        here = [m for m, (_, k) in zip(marked, found) if k == kind]
        if here:
            arr = np.array(here, dtype=float)
            ax.plot(arr[:, 0], arr[:, 1], marker, color=colour, ms=9, mec="black", mew=0.8, ls="none",
                    zorder=4, label=f"{kind} ({len(here)})", gid=f"critical-{kind}")
    title = f"Critical points of f({', '.join(shown)}) = {_math(expr)}"
    ax.set_title(title if found else title + ": none real")
    if found or len(variables) == 1:
        ax.legend(loc="best")
    return fig


def _lagrange(objective, constraints, variables, candidates, point, value, goal):
    if len(variables) != 2 or len(constraints) != 1:
        return None
    if (objective.free_symbols | constraints[0].free_symbols) - set(variables):
        return None
    names = [v.name for v in variables]
    shown = [_name(v) for v in variables]
    found = [(c, kind) for c, kind in ((_coords(p, names), kind) for p, kind in candidates) if c is not None]
    best = _coords(point, names)
    pts = np.array([c for c, _ in found] + ([best] if best else []), dtype=float).reshape(-1, 2)
    f, g = Sampler(objective, variables), Sampler(constraints[0], variables)
    xlim, ylim, square = _box(pts if len(pts) else np.zeros((1, 2)), min_pad=1.5, rel_pad=0.6)
    fig = _figure()
    ax = fig.add_subplot()
    best_value = to_float(value)
    contour = _contours(ax, f, xlim, ylim, [best_value])
    if contour is not None:
        ax.clabel(contour, contour.levels[::3], fontsize=7, fmt=_num)
    gx, gy = np.linspace(*xlim, 241), np.linspace(*ylim, 241)
    X, Y = np.meshgrid(gx, gy)
    G = g(X, Y)
    if np.isfinite(G).any() and np.nanmin(G) < 0 < np.nanmax(G):
        ax.contour(X, Y, G, levels=[0], colors="black", linewidths=2)
    ax.plot([], [], color="black", lw=2, label=f"constraint {_math(constraints[0])} = 0")
    if best_value is not None and contour is not None:
        F = f(X, Y)
        finite = F[np.isfinite(F)]
        if finite.size and finite.min() < best_value < finite.max():
            ax.contour(X, Y, F, levels=[best_value], colors="tab:red", linewidths=1.2, linestyles="--")
            ax.plot([], [], color="tab:red", lw=1.2, ls="--", label=f"level f = {_num(best_value)}")
    for kind in dict.fromkeys(k for c, k in found if c != best):
        arr = np.array([c for c, k in found if c != best and k == kind], dtype=float)
        marker, colour = TYPE_STYLE.get(kind, ("o", "tab:gray"))
        ax.plot(arr[:, 0], arr[:, 1], marker, color=colour, mec="black", ms=7, ls="none", zorder=4,
                label=f"other candidate{'s' if len(arr) > 1 else ''}: {kind}", gid=f"candidates-{kind}")
    if best:
        ax.plot([best[0]], [best[1]], "*", color="tab:red", mec="black", ms=16, zorder=5, gid="optimum",
                label=f"{'maximum' if goal == 'max' else 'minimum'}: f({_num(best[0])}, {_num(best[1])})"
                      + (f" = {_num(best_value)}" if best_value is not None else ""))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if square:
        ax.set_aspect("equal")
    ax.set_xlabel(shown[0])
    ax.set_ylabel(shown[1])
    ax.set_title(f"{'Maximise' if goal == 'max' else 'Minimise'} f({', '.join(shown)}) = {_math(objective)}")
    ax.legend(loc="best")
    return fig


# ---------------------------------------------------------------- integrals

def _area(expr, x, bounds, value):
    if x is None or expr.free_symbols - {x}:
        return None
    a, b = (to_float(v) for v in bounds)
    if a is None and b is None:
        a, b = -6.0, 6.0
        cut = "(−∞, ∞)"
    elif a is None:
        a, cut = b - 8.0, "(−∞"
    elif b is None:
        b, cut = a + 8.0, "∞)"
    else:
        cut = ""
    f = Sampler(expr, [x])
    width = b - a
    pad = 0.25 * width
    xs = np.linspace(a - (0 if "−∞" in cut else pad), b + (0 if "∞)" in cut else pad), 601)
    ys = f(xs)
    inside = np.linspace(a, b, 601)
    fy = f(inside)
    name = _name(x)
    fig = _figure()
    ax = fig.add_subplot()
    ok = np.isfinite(fy)
    number = to_float(value)
    label = f"∫ f({name}) d{name} = {_num(number)}" if number is not None else f"∫ f({name}) d{name}"
    ax.fill_between(inside, 0, fy, where=ok & (fy >= 0), color="tab:blue", alpha=0.3, lw=0, label=label,
                    gid="area")
    if (fy[ok] < 0).any():
        ax.fill_between(inside, 0, fy, where=ok & (fy < 0), color="tab:red", alpha=0.3, lw=0,
                        label="counted negative (below the axis)", gid="area-negative")
    ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f({name}) = {_math(expr)}", gid="f")
    ax.axhline(0, color="black", lw=0.6)
    for end, infinite in ((a, "−∞" in cut), (b, "∞)" in cut)):
        if not infinite:
            ax.axvline(end, color="gray", lw=0.8, ls=":")
    _set_ylim(ax, np.concatenate([ys, [0.0]]))
    ax.set_xlim(xs[0], xs[-1])
    ax.set_xlabel(name)
    ax.set_ylabel(f"f({name})")
    lo_text = "−∞" if "−∞" in cut else _math(bounds[0], 12)
    hi_text = "∞" if "∞)" in cut else _math(bounds[1], 12)
    note = " (drawn on a finite window)" if cut else ""
    ax.set_title(f"The area under f from {name} = {lo_text} to {name} = {hi_text}{note}")
    ax.legend(loc="best")
    return fig


def _antiderivative(expr, x, antiderivative):
    if x is None or expr.free_symbols - {x} or getattr(antiderivative, "free_symbols", {x}) - {x}:
        return None
    f, F = Sampler(expr, [x]), Sampler(antiderivative, [x])
    xs, ys = _window(f, 0.0, 4.0)
    Fs = F(xs)
    name = _name(x)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(xs, ys, color="tab:blue", lw=2, label=f"f({name}) = {_math(expr)}", gid="f")
    ax.plot(xs, Fs, color="tab:green", lw=1.6, ls="--", label=f"F({name}) = {_math(antiderivative)} (C = 0)",
            gid="antiderivative")
    ax.axhline(0, color="black", lw=0.6)
    _set_ylim(ax, np.concatenate([ys, Fs]))
    ax.set_xlabel(name)
    ax.set_ylabel(f"f({name}), F({name})")
    ax.set_title("f and an antiderivative F (F′ = f)")
    ax.legend(loc="best")
    return fig
