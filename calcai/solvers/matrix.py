"""The matrix_gradient solver: a gradient in matrix notation, a named rule per step,
checked entry by entry against the scalarised expression, and its value at given matrices."""

from __future__ import annotations

import sympy as sp

from ..matrix.derive import matrix_gradient
from ..matrix.rules import Partial, Start
from ..matrix.setup import prepare
from ..matrix.verify import make_explicit, verify_gradient
from ..matrix.parse import is_matrix
from ..solution import Equation, Section, Solution, Text
from . import solver

LAYOUT = ("Layout: the gradient has the shape of the variable — entry (i, j) of ∂L/∂X is ∂L/∂Xᵢⱼ; "
          "G stands for the gradient arriving from above.")


def _declared(symbols: dict) -> str:
    parts = []
    for name, m in symbols.items():
        r, c = m.shape
        parts.append(f"{name} ∈ ℝ^{r}" if c == 1 else f"{name} ∈ ℝ^({r}×{c})")
    return "Declared: " + ", ".join(parts) + " (vectors are columns)."


def _steps(derivation) -> tuple:
    items = []
    for step in derivation.steps:
        if isinstance(step, Start):
            continue
        items.append(Text(f"{step.name}: {step.formula}"))
        for operand, g in step.pushes:
            items.append(Equation(Partial(operand), g, approx=False))
    return tuple(items)


def _as_list(value):
    if not isinstance(value, sp.MatrixBase):
        return value
    if value.shape[1] == 1:
        return [value[i, 0] for i in range(value.shape[0])]
    return [[value[i, j] for j in range(value.shape[1])] for i in range(value.shape[0])]


def _inner_values(gradient, at: dict) -> list:
    """The compound pieces of the gradient, innermost first, with their values at ``at``."""
    out, seen = [], set()

    def walk(e):
        for a in e.args:
            if is_matrix(a) and not isinstance(a, sp.MatrixSymbol):
                walk(a)
        trivial = isinstance(e, (sp.MatrixSymbol, sp.Identity, sp.OneMatrix, sp.Transpose, sp.Inverse)) or (
            isinstance(e, sp.MatMul) and len(e.as_coeff_matrices()[1]) == 1)
        if is_matrix(e) and not trivial and e not in seen and e != gradient and e.atoms(sp.MatrixSymbol):
            seen.add(e)
            out.append((e, make_explicit(e, at)))

    walk(gradient)
    return out


@solver("matrix_gradient")
def solve_matrix_gradient(problem) -> Solution:
    setup = prepare(problem.fields)
    d = matrix_gradient(setup.expr, setup.wrt)
    sections = [Section("Setup", (Text(_declared(setup.symbols)), Text(LAYOUT),
                                  Equation("L", setup.expr, approx=False)))]
    sections.append(Section("Rules", _steps(d)))
    check = verify_gradient(setup.expr, setup.wrt, d.gradient, setup.symbols.values())
    sizes = ", ".join(f"{k} = {v}" for k, v in check.sizes.items())
    sections.append(Section("Verification", (Text(
        ("Checked" if check.ok else "NOT confirmed") + " entry by entry against sympy's derivative of "
        "the scalarised expression" + (f" at sizes {sizes}" if sizes else "") +
        f" ({check.points} random exact points) and by finite differences "
        f"(largest relative error {check.fd_error:.1e})."),)))
    if not check.ok:
        from ..errors import MathError

        raise MathError(f"the matrix gradient {d.gradient} failed its check against the scalarised expression")
    answer = {"gradient": d.gradient}
    final = [Equation(Partial(setup.wrt), d.gradient, approx=False)]
    if setup.at:
        items = [Equation(m, v, approx=False) for m, v in setup.at.items()]
        for piece, value in _inner_values(d.gradient, setup.at):
            items.append(Equation(piece, value))
        value = make_explicit(d.gradient, setup.at)
        if not isinstance(value, sp.MatrixBase):
            value = sp.ImmutableMatrix([[value]])
        items.append(Equation(d.gradient, value))
        sections.append(Section("At the given values", tuple(items)))
        answer["value"] = _as_list(value)
        final.append(Equation(Partial(setup.wrt), value))
    title = f"Matrix gradient with respect to {setup.wrt.name}"
    return Solution(problem, title, tuple(sections), answer, tuple(final))
