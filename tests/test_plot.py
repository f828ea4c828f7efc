"""Figures (calcai.plot): what each one draws, checked on the matplotlib objects and in the SVG
(parsed as XML), byte-identical output run after run, and the command line with and without
matplotlib."""

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import calcai
import calcai.plot as plot

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def _lines(fig) -> dict:
    return {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}


def _texts(svg: str) -> list:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _group(svg: str, gid: str):
    root = ET.fromstring(svg)
    return next(g for g in root.iter(f"{SVG}g") if g.get("id") == gid)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def descent():
    return calcai.solve({"id": "gd", "kind": "gradient_descent", "objective": "x^2 + 4y^2", "vars": ["x", "y"],
                         "start": {"x": 4, "y": 2}, "learning_rate": 0.1, "iterations": 5})


def test_tangent_line_passes_through_the_point_with_the_slope_of_the_answer():
    solution = calcai.solve({"id": "t", "kind": "derivative", "expr": "σ(x)", "at": {"x": 1}})
    fig = plot.figure_for(solution)
    lines = _lines(fig)
    s = _sigmoid(1.0)
    x, y = lines["tangent"].get_data()
    assert np.interp(1.0, x, y) == pytest.approx(s, abs=1e-9)
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(s * (1 - s), rel=1e-9)
    assert [float(v) for v in lines["point"].get_xdata()] == [1.0]
    assert float(lines["point"].get_ydata()[0]) == pytest.approx(s, rel=1e-12)
    fx, fy = lines["f"].get_data()
    assert fy == pytest.approx([_sigmoid(v) for v in fx], rel=1e-9)
    assert x.min() < 1 < x.max()
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "f(x)")


def test_taylor_polynomial_against_f_with_the_error_shaded():
    fig = plot.figure_for(calcai.taylor("σ(x)", about={"x": 0}, order=3))
    lines = _lines(fig)
    x, t = lines["polynomial"].get_data()
    assert t == pytest.approx(-x ** 3 / 48 + x / 4 + 0.5, abs=1e-12)
    assert (x.min(), x.max()) == (-3.0, 3.0)                 # around the centre
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "f(x), T₃(x)")
    assert [c.get_gid() for c in ax.collections] == ["error"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "error f(x) − T₃(x)", "f(x) = σ(x)", "T₃(x) = −x³/48 + x/4 + 1/2", "centre x = 0"]


def test_two_variable_taylor_polynomial_along_each_axis_through_the_centre():
    # x·e^y about (1, 0), order 2: T₂ = 1 + (x − 1) + y + (x − 1)y + y²/2
    fig = plot.figure_for(calcai.taylor("x*e^y", about={"x": 1, "y": 0}, order=2))
    assert [ax.get_title() for ax in fig.axes] == ["along x (y = 0)", "along y (x = 1)"]
    lines = _lines(fig)
    x, t = lines["polynomial-x"].get_data()
    assert t == pytest.approx(x, abs=1e-12)                         # y = 0: T₂ = x, and f = x
    y, t = lines["polynomial-y"].get_data()
    assert t == pytest.approx(1 + y + y ** 2 / 2, abs=1e-12)        # x = 1
    y, f = lines["f-y"].get_data()
    assert f == pytest.approx(np.exp(y), rel=1e-12)


def test_descent_path_has_one_marker_per_iterate_and_the_loss_per_iteration(descent):
    trace = descent.answer["trace"]
    svg = plot.svg_for(descent)
    assert svg.startswith("<svg")
    markers = [u for u in _group(svg, "iterates").iter(f"{SVG}use")]
    assert len(markers) == len(trace) == 6
    texts = _texts(svg)
    for label in ("x", "y", "iteration t", "L = f(θₜ)", "loss per iteration", "θₜ, t = 0…5"):
        assert label in texts
    fig = plot.figure_for(descent)
    lines = _lines(fig)
    x, y = lines["iterates"].get_data()
    assert list(zip(x, y)) == [(float(p["x"]), float(p["y"])) for p in trace]
    t, loss = lines["loss"].get_data()
    assert list(t) == list(range(6))
    assert loss == pytest.approx([float(p["x"]) ** 2 + 4 * float(p["y"]) ** 2 for p in trace], rel=1e-12)


def test_one_variable_descent_draws_the_iterates_on_the_curve():
    solution = calcai.solve(calcai.load(ROOT / "problems" / "gradients.yaml")[2])
    assert solution.problem.id == "gd-quadratic"
    lines = _lines(plot.figure_for(solution))
    x, y = lines["iterates"].get_data()
    assert list(x) == pytest.approx([0, 0.4, 0.72, 0.976])
    assert list(y) == pytest.approx([v * v - 4 * v + 5 for v in x])
    assert lines["f"].axes.get_xlabel() == "θ = x"


def test_linear_regression_data_fitted_lines_and_loss():
    data = [[1, 3], [2, 5], [3, 7]]
    solution = calcai.solve({"id": "lr", "kind": "linear_regression", "data": data, "start": {"w": 0, "b": 0},
                             "learning_rate": 0.05, "iterations": 4})
    fig = plot.figure_for(solution)
    lines = _lines(fig)
    final = solution.answer["final"]
    x, y = lines["fit-final"].get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(float(final["w"]), rel=1e-12)
    assert sorted(g for g in lines if g.startswith("fit-")) == ["fit-0", "fit-1", "fit-2", "fit-3", "fit-final"]
    t, loss = lines["loss"].get_data()
    assert len(loss) == 5
    assert loss[0] == pytest.approx((9 + 25 + 49) / 3)
    assert loss[-1] == pytest.approx(float(solution.answer["loss"]), rel=1e-12)
    scatter = next(c for c in fig.axes[0].collections if c.get_gid() == "data")
    assert scatter.get_offsets().tolist() == data


def test_critical_points_marked_by_type_over_contours():
    fig = plot.figure_for(calcai.critical_points("x^3 - 3x + y^2"))
    lines = _lines(fig)
    assert [list(v) for v in lines["critical-minimum"].get_data()] == [[1.0], [0.0]]
    assert [list(v) for v in lines["critical-saddle"].get_data()] == [[-1.0], [0.0]]
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["minimum (1)", "saddle (1)"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    x0, x1 = ax.get_xlim()
    assert x0 < -1 and x1 > 1


def test_lagrange_optimum_on_the_constraint():
    fig = plot.figure_for(calcai.lagrange("x*y", "x + y = 10"))
    lines = _lines(fig)
    assert [list(v) for v in lines["optimum"].get_data()] == [[5.0], [5.0]]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["constraint x + y − 10 = 0", "level f = 25", "maximum: f(5, 5) = 25"]


def test_integral_shades_the_area_between_the_bounds():
    fig = plot.figure_for(calcai.integrate("x^2", bounds=(0, 3)))
    ax = fig.axes[0]
    area = next(c for c in ax.collections if c.get_gid() == "area")
    xs = np.concatenate([p.vertices[:, 0] for p in area.get_paths()])
    assert (xs.min(), xs.max()) == (0.0, 3.0)
    assert "∫ f(x) dx = 9" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_no_picture_for_a_hessian():
    result = calcai.hessian("x*y")
    assert plot.figure_for(result) is None
    assert plot.svg_for(result) is None


def test_svg_and_png_are_byte_identical_run_after_run_and_leave_rcparams_alone():
    import matplotlib

    result = calcai.taylor("e^x", about={"x": 0}, order=2)
    before = dict(matplotlib.rcParams)
    assert plot.svg_for(result) == plot.svg_for(result)
    assert plot.figure_bytes(result, "png") == plot.figure_bytes(result, "png")
    svg = plot.figure_bytes(result, "svg").decode()
    assert "<dc:date>" not in svg and "font-family: 'DejaVu Sans', sans-serif" in svg
    assert dict(matplotlib.rcParams) == before


def _cli(*args):
    from calcai.cli import main

    return main(list(args))


def test_plot_option_writes_svg_and_png(tmp_path, capsys):
    svg = tmp_path / "taylor.svg"
    assert _cli("taylor", "σ(x)", "--about", "x=0", "--order", "3", "--plot", str(svg)) == 0
    assert "Answer: T = −x³/48 + x/4 + 1/2" in capsys.readouterr().out
    assert "T₃(x) = −x³/48 + x/4 + 1/2" in _texts(svg.read_text())
    png = tmp_path / "path.png"
    assert _cli("solve", str(ROOT / "problems" / "practice.yaml"), "--only", "gd-practice-1",
                "--plot", str(png), "--format", "json") == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_mistakes_exit_2_and_write_nothing(tmp_path, capsys):
    target = tmp_path / "h.svg"
    assert _cli("solve", str(ROOT / "problems" / "practice.yaml"), "--plot", str(target)) == 2
    assert "--plot draws the figure of one problem, but" in capsys.readouterr().err
    assert _cli("diff", "x*y", "--wrt", "x", "--plot", str(target)) == 2
    assert "no figure for this result" in capsys.readouterr().err
    assert not target.exists()
    assert _cli("taylor", "x", "--about", "x=0", "--order", "1", "--plot", str(tmp_path / "t.pdf")) == 2
    assert capsys.readouterr().err == (f"calcai: error: --plot {tmp_path / 't.pdf'}: "
                                       "the file name must end in .svg or .png\n")


PROBLEMS_WITH_PLOT = """\
problems:
  - id: drawn
    kind: taylor
    expr: "e^x"
    about: {x: 0}
    order: 2
    plot: true
  - id: not-drawn
    kind: taylor
    expr: "e^x"
    about: {x: 0}
    order: 2
"""


def test_plot_dir_draws_the_problems_marked_plot_true(tmp_path, capsys):
    source = tmp_path / "p.yaml"
    source.write_text(PROBLEMS_WITH_PLOT)
    out = tmp_path / "figures"
    out.mkdir()
    assert _cli("solve", str(source), "--plot-dir", str(out), "--format", "json") == 0
    assert sorted(os.listdir(out)) == ["drawn.svg"]
    assert "T₂(x) = x²/2 + x + 1" in _texts((out / "drawn.svg").read_text())
    assert [p.plot for p in calcai.load(source)] == [True, False]
    source.write_text(PROBLEMS_WITH_PLOT.replace("plot: true", "plot: maybe"))
    with pytest.raises(calcai.CalcaiError, match="field 'plot' must be one of: true, false"):
        calcai.load(source)


def test_without_matplotlib_plot_commands_exit_2_with_the_hint_and_write_nothing(tmp_path):
    """matplotlib hidden (sys.modules entry None makes every import of it fail)."""
    svg, folder = tmp_path / "t.svg", tmp_path / "figures"
    folder.mkdir()
    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "from calcai.cli import main\n"
              f"print(main(['taylor', 'σ(x)', '--about', 'x=0', '--order', '3', '--plot', {str(svg)!r}]))\n"
              f"print(main(['solve', {str(ROOT / 'problems' / 'practice.yaml')!r}, '--plot-dir', {str(folder)!r}]))\n"
              "import calcai.plot\n"
              "print(calcai.plot.available())\n"
              "try:\n    calcai.plot.svg_for(None)\nexcept calcai.plot.PlotUnavailable as err:\n    print(err)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    hint = "plots need matplotlib: pip install 'calcai[plot]'"
    assert done.stdout == f"2\n2\nFalse\n{hint}\n"
    assert done.stderr == f"calcai: error: {hint}\n" * 2
    assert not svg.exists() and os.listdir(folder) == []


def test_calcai_and_calcai_plot_import_without_loading_matplotlib():
    script = ("import sys, calcai, calcai.plot\n"
              "calcai.derive('x^2'); calcai.solve({'id': 't', 'kind': 'taylor', 'expr': 'e^x', 'about': {'x': 0}, "
              "'order': 2})\n"
              "print('matplotlib' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert (done.stdout, done.stderr) == ("False\n", "")
