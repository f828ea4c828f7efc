"""Autodiff walkthrough labels: no node is named f (the function) nor after a variable, the
output is labelled consistently from the forward pass to the answer, and the values equal
sympy.diff."""

import re

import pytest
import sympy as sp

import calcai
from calcai.solution import Equation, Text


def solve(data):
    return calcai.solve({"id": "p", **data})


def section(solution, title):
    return next(s for s in solution.sections if s.title == title)


def node_names(solution):
    """The names the forward pass gives to operations (the lhs Symbols of its equations)."""
    return [e.lhs.name for e in section(solution, "Forward pass").items if isinstance(e, Equation)]


def labels(solution):
    return [e.lhs for s in solution.sections for e in s.items if isinstance(e, Equation) and isinstance(e.lhs, str)]


def point_of(at, expr):
    by_name = {s.name: s for s in expr.free_symbols}
    return {by_name[k]: sp.nsimplify(v) for k, v in at.items()}


CASES = [
    ("x*y*z + ln(x + y^2) - tanh(z)", {"x": 1, "y": 2, "z": 0.5}, "f"),
    ("f*g + h", {"f": 1, "g": 2, "h": 3}, "F"),
    ("a*b + sin(a)*c", {"a": 2, "b": 3, "c": -1}, "f"),
    ("f*F + L*a", {"f": 1, "F": 2, "L": 3, "a": 4}, "out"),
    ("d*g + h*k*m + exp(n*p)", {"d": 1, "g": 2, "h": 3, "k": 4, "m": 5, "n": 1, "p": 0}, "f"),
]


@pytest.mark.parametrize("expr, at, fname", CASES)
def test_reverse_mode_labels_and_values(expr, at, fname):
    s = solve({"kind": "reverse_mode", "expr": expr, "at": at})
    f = calcai.parse(expr)
    variables = {v.name for v in f.free_symbols}
    names = node_names(s)
    assert names and fname not in names and not set(names) & variables
    assert len(set(names)) == len(names)

    forward = section(s, "Forward pass").items
    output = [i.text for i in forward if isinstance(i, Text) and "output" in i.text]
    assert output and output[0].startswith(f"The last node is the output: {fname} = {names[-1]}.")

    # every adjoint is of the function, every local derivative of a node
    for lhs in labels(s):
        if lhs.startswith("∂"):
            top = re.match(r"∂([^/]+)/∂", lhs).group(1)
            assert top == fname or top in names, lhs
    backward = [e.lhs for e in section(s, "Backward pass").items if isinstance(e, Equation)]
    assert all(lhs.startswith(f"∂{fname}/∂") for lhs in backward)
    assert [e.lhs for e in section(s, "Local derivatives").items
            if not e.lhs.split("/")[0][1:] in names] == []

    point = point_of(at, f)
    final = {e.lhs: e.rhs for e in s.final}
    assert set(final) == {fname} | {f"∂{fname}/∂{v}" for v in variables}
    assert sp.N(final[fname] - f.subs(point)) == pytest.approx(0, abs=1e-12)
    for v in f.free_symbols:
        expected = sp.diff(f, v).subs(point)
        assert sp.N(final[f"∂{fname}/∂{v.name}"] - expected) == pytest.approx(0, abs=1e-12)
        assert sp.N(s.answer["gradient"][v.name] - expected) == pytest.approx(0, abs=1e-12)


def test_reverse_mode_symbolic_variables_named_like_nodes():
    expr = "a*b*c + sin(d)"
    s = solve({"kind": "reverse_mode", "expr": expr})
    f = calcai.parse(expr)
    assert not set(node_names(s)) & {"a", "b", "c", "d", "f"}
    for v in f.free_symbols:
        assert sp.simplify(s.answer["gradient"][v.name] - sp.diff(f, v)) == 0
    assert [e.lhs for e in s.final] == ["f", "∂f/∂a", "∂f/∂b", "∂f/∂c", "∂f/∂d"]


def test_reverse_mode_tutorial_names_unchanged():
    s = solve({"kind": "reverse_mode", "expr": "(x + y)*(x*y)"})
    assert node_names(s) == ["a", "b", "c"]
    assert "The last node is the output: f = c." in str(s)
    assert "∂f/∂x = ∂f/∂c·∂c/∂a·" not in str(s)                     # chains are written per node
    assert "Walk back from the output c = f (∂f/∂c = 1)" in str(s)


def test_reverse_mode_of_a_single_variable():
    s = solve({"kind": "reverse_mode", "expr": "x", "at": {"x": 2}})
    assert s.answer == {"value": 2, "gradient": {"x": 1}}
    assert [e.lhs for e in s.final] == ["f", "∂f/∂x"]


@pytest.mark.parametrize("expr, at, wrt, labels_", [
    ("f*sin(f) + f^2", {"f": 2}, "f", ["F(2)", "F'(2)"]),
    ("x*sin(x)", {"x": 2}, "x", ["f(2)", "f'(2)"]),
    ("a*b + sin(a)", {"a": 2, "b": 3}, "a", ["f(2, 3)", "∂f/∂a"]),
    ("f*g + g^2", {"f": 2, "g": 3}, "g", ["F(2, 3)", "∂F/∂g"]),
])
def test_forward_mode_labels_and_values(expr, at, wrt, labels_):
    s = solve({"kind": "forward_mode", "expr": expr, "at": at, "wrt": wrt})
    f = calcai.parse(expr)
    point = point_of(at, f)
    v = next(s_ for s_ in f.free_symbols if s_.name == wrt)
    assert [e.lhs for e in s.final] == labels_
    assert sp.simplify(s.answer["value"] - f.subs(point)) == 0
    assert sp.simplify(s.answer["derivative"] - sp.diff(f, v).subs(point)) == 0
    if labels_[0].startswith("F"):
        assert "The function is called F here, since f is one of its variables." in str(s)
