"""The matrix solvers. matrix_gradient: a gradient in matrix notation, a named rule per step,
checked entry by entry against the scalarised expression, and its value at given matrices.
matrix_convexity: the composition rules read in matrix notation, checked on random chords."""

from __future__ import annotations

import sympy as sp

from ..matrix.derive import matrix_gradient, mm, rename
from ..matrix.layer import layer_setup, layer_values
from ..matrix.rules import Partial, Start, as_written
from ..matrix.setup import prepare
from ..matrix.verify import make_explicit, verify_gradient
from ..matrix.parse import is_matrix
from ..render.text import math_text
from ..solution import Equation, Section, Solution, Text
from . import solver

ENGINE_MODULES = {"matrix_convexity": ("calcai.convexity", "calcai.matrix.convexity")}

LAYOUT = ("Layout: the gradient has the shape of the variable — entry (i, j) of ∂L/∂X is ∂L/∂Xᵢⱼ; "
          "G stands for the gradient arriving from above.")


def _declared(symbols: dict) -> str:
    parts = []
    for name, m in symbols.items():
        r, c = m.shape
        parts.append(f"{name} ∈ ℝ^{r}" if c == 1 else f"{name} ∈ ℝ^({r}×{c})")
    return "Declared: " + ", ".join(parts) + " (vectors are columns)."


def _definition(expr, name: str = "L") -> Equation:
    """L = ‖Wx − y‖² = (Wx − y)ᵀ(Wx − y): as written, then as the rules read it."""
    shown = as_written(expr)
    if shown != expr:
        return Equation(name, expr, via=shown, approx=False)
    return Equation(name, expr, approx=False)


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
        if isinstance(e, sp.MatMul):               # products right to left: Wx, then Wᵀ(Wx)
            ms = e.as_coeff_matrices()[1]
            c = e.as_coeff_matrices()[0]
            for i in range(len(ms) - 2, 0 if c == 1 else -1, -1):
                piece = mm(*ms[i:])
                if piece not in seen and not isinstance(piece, sp.Transpose):
                    seen.add(piece)
                    out.append((piece, make_explicit(piece, at)))
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
                                  _definition(setup.expr)))]
    sections.append(Section("Rules", _steps(d)))
    check = verify_gradient(setup.expr, setup.wrt, d.gradient, setup.symbols.values())
    sizes = ", ".join([f"{k} = {v}" for k, v in check.sizes.items()] +
                      [f"{v} in place of {k}" for k, v in (check.standins or {}).items()])
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
    if setup.let:
        named = d.gradient
        for name, value in setup.let.items():
            named = rename(named, name, value)
        if named != d.gradient:
            sections.append(Section("Named", (
                *(Equation(n, v, approx=False) for n, v in setup.let.items()),
                Equation(Partial(setup.wrt), named, via=d.gradient, approx=False))))
            final.append(Equation(Partial(setup.wrt), named, approx=False))
    if setup.at:
        items = [Equation(m, v, approx=False) for m, v in setup.at.items()]
        named = final[1].rhs if len(final) > 1 else None
        values = dict(setup.at)
        if named is not None:
            for n, v in setup.let.items():
                values[n] = make_explicit(v, setup.at)
                items.append(Equation(n, values[n], via=v))
        for piece, value in _inner_values(named if named is not None else d.gradient, values):
            items.append(Equation(piece, value))
        value = make_explicit(d.gradient, setup.at)
        if not isinstance(value, sp.MatrixBase):
            value = sp.ImmutableMatrix([[value]])
        items.append(Equation(d.gradient, value) if named is None else
                     Equation(d.gradient, value, via=named))
        sections.append(Section("At the given values", tuple(items)))
        answer["value"] = _as_list(value)
        final.append(Equation(Partial(setup.wrt), value))
    title = f"Matrix gradient with respect to {setup.wrt.name}"
    return Solution(problem, title, tuple(sections), answer, tuple(final))


def _sizes_text(sizes: dict, standins: dict | None) -> str:
    parts = [f"{k} = {v}" for k, v in sizes.items()] + [f"{v} in place of {k}" for k, v in (standins or {}).items()]
    return f" at sizes {', '.join(parts)}" if parts else ""


@solver("matrix_convexity")
def solve_matrix_convexity(problem) -> Solution:
    """convex / concave / affine by the composition rules read in matrix notation (for every size
    and all data), checked on random chords; otherwise, with values for the constants, the
    scalar analysis entry by entry (calcai.convexity) with its witnesses."""
    from ..convexity import AFFINE, CONSTANT, UNKNOWN, convexity, witness_points
    from ..matrix.convexity import matrix_curvature
    from ..matrix.verify import explicit, verify_curvature

    setup = prepare(problem.fields)
    variables = setup.wrt
    names = ", ".join(v.name for v in variables)
    constants = [m.name for m in setup.symbols.values() if m not in variables and setup.expr.has(m)]
    intro = [Text(_declared(setup.symbols)),
             Text(f"Variables: {names}" + (f"; constants (data): {', '.join(constants)}." if constants else ".")),
             _definition(setup.expr, "f")]
    sections = [Section("Setup", tuple(intro))]
    step = matrix_curvature(setup.expr, variables)
    witness = None
    if step.curvature != UNKNOWN:
        verdict = AFFINE if step.curvature in (CONSTANT, AFFINE) else step.curvature
        reason = f"composition rules in matrix notation: {step.label}"
        sections.append(Section("Composition rules", (
            Text(f"Each rule holds entry by entry, for every size and all values of the constants; "
                 f"'affine' and 'convex' below are in {names}."), step)))
        check = verify_curvature(setup.expr, variables, setup.symbols.values(), verdict)
        if not check.ok:
            from ..errors import MathError

            raise MathError(f"the verdict {verdict} failed its check on random chords")
        sections.append(Section("Verification", (Text(
            f"Checked on {check.chords} random chords{_sizes_text(check.sizes, check.standins)}, "
            f"with random values of the constants: f at each midpoint lies "
            + {"convex": "on or below", "concave": "on or above", "affine": "on"}[verdict]
            + " the chord." if check.chords else
            "No random chord fell inside the function's domain; the verdict rests on the rules alone."),)))
    elif setup.at and all(d.is_Integer for v in variables for d in v.shape):
        values = {**explicit(variables, {}), **setup.at}
        f = make_explicit(setup.expr, values)
        entries = tuple(s for v in variables for s in values[v])
        result = convexity(f, entries, {})
        verdict, reason = result.verdict, f"entry by entry at the given constants: {result.reason}"
        sections.append(Section("Composition rules", (Text("The rules in matrix notation do not decide:"), step)))
        sections.append(Section("At the given constants", (
            *(Equation(m, v, approx=False) for m, v in setup.at.items()),
            Equation("f", f, approx=False))))
        for s in result.sections:
            title = "Entry by entry: composition rules" if s.title == "Composition rules" else s.title
            sections.append(Section(title, s.items))
        witness = witness_points(result.witnesses) or None
    else:
        verdict = "unknown"
        reason = ("the composition rules in matrix notation do not decide; give the constants' values "
                  "in 'at' to analyse the function entry by entry")
        sections.append(Section("Composition rules", (Text("The rules in matrix notation do not decide:"), step)))
    answer = {"verdict": verdict, "reason": reason, "witness": witness}
    title = problem.title or f"Convexity in {names}"
    return Solution(problem, title, tuple(sections), answer, (Text(f"{verdict} ({reason})"),))


# ---------------------------------------------------------------- a dense layer, backpropagated

def _hadamard_form(e):
    """c·diag(u)·v written c·(v ⊙ u), as textbooks write δ; None for any other shape."""
    from sympy.matrices.expressions.diagonal import DiagMatrix

    if not isinstance(e, sp.MatMul):
        return None
    c, ms = e.as_coeff_matrices()
    if len(ms) != 2 or not isinstance(ms[0], DiagMatrix):
        return None
    return mm(c, sp.HadamardProduct(ms[1], ms[0].args[0]))


@solver("layer_gradients")
def solve_layer_gradients(problem) -> Solution:
    """δ = ∂L/∂z through the activation, then ∂L/∂W = δaᵀ, ∂L/∂b = δ, ∂L/∂a = Wᵀδ by the
    linear-map rule; every gradient checked against the scalarised L(W, a, b)."""
    f = problem.fields
    symbols, L, z_of, out = layer_setup(f)
    W, a, b, z, delta_sym = symbols["W"], symbols["a"], symbols["b"], symbols["z"], symbols["δ"]
    upstream = f.get("loss") == "upstream"
    m, n = b.shape[0], a.shape[0]
    forward = [Text(f"Shapes: W ∈ ℝ^({m}×{n}), a ∈ ℝ^{n}, b ∈ ℝ^{m}, z ∈ ℝ^{m}"
                    + (f", g = ∂L/∂â ∈ ℝ^{m} (given)." if upstream else f", y ∈ ℝ^{m}.")),
               Equation(z, z_of, approx=False), Equation("â", out, approx=False)]
    if not upstream:
        forward.append(_definition(L, "L"))
    sections = [Section("Forward pass", tuple(forward))]
    d1 = matrix_gradient(L, z)
    delta = d1.gradient
    shown = (Equation(delta_sym, delta, via=None, approx=False),)
    elementwise = _hadamard_form(delta)
    if elementwise is not None:
        shown = (Equation(delta_sym, delta, approx=False), Text("diag(u)·v = v ⊙ u: the same, entry by entry:"),
                 Equation(delta_sym, elementwise, approx=False))
    sections.append(Section("δ = ∂L/∂z, through the activation", (
        *(() if not upstream else (Text(f"the gradient g arrives at â = {math_text(out)}:"),)), *_steps(d1), *shown)))
    ell = sp.MatMul(sp.Transpose(delta_sym), z_of)      # δᵀ(Wa + b): what reaches W, b, a through z
    grads = {}
    items = [Text("z = Wa + b is linear in W, b and a; δ arrives at z:"), Equation(Partial(z_of), delta_sym, approx=False)]
    for X in (W, b, a):
        d = matrix_gradient(ell, X)
        grads[X.name] = d.gradient
        steps = _steps(d)                     # the last rule is the one that reaches X
        items += [next(i for i in reversed(steps) if isinstance(i, Text)), steps[-1]]
    sections.append(Section("Gradients of the parameters and the input", tuple(items)))
    # checks: each gradient, δ and z written out, against the scalarised L(W, a, b)
    full = L.xreplace({z: z_of})
    delta_full = delta.xreplace({z: z_of})
    rest = [s for k, s in symbols.items() if k not in ("z", "δ")]
    lines = []
    for X in (W, b, a):
        g = grads[X.name].xreplace({delta_sym: delta_full})
        check = verify_gradient(full, X, g, rest)
        if not check.ok:
            from ..errors import MathError

            raise MathError(f"∂L/∂{X.name} = {grads[X.name]} failed its check against the scalarised loss")
        lines.append(f"∂L/∂{X.name}: {check.points} exact points, finite differences {check.fd_error:.1e}")
    sizes = ", ".join(f"{k} = {v}" for k, v in check.sizes.items())
    sections.append(Section("Verification", (Text(
        "With δ and z written out, each gradient was checked entry by entry against sympy's derivative "
        "of the scalarised L(W, a, b)" + (f" at sizes {sizes}" if sizes else "") + " — " + "; ".join(lines) + "."),)))
    answer = {"delta": delta, "W": grads["W"], "b": grads["b"], "a": grads["a"]}
    final = [Equation(delta_sym, delta, approx=False)] + [Equation(Partial(X), grads[X.name], approx=False)
                                                          for X in (W, b, a)]
    at = f.get("at")
    if at:
        def number(e):                         # a layer's numbers are decimals (0.62, as the tutorial)
            v = make_explicit(e, values)
            v = v if isinstance(v, sp.MatrixBase) else sp.ImmutableMatrix([[v]])
            return v.applyfunc(lambda x: sp.Float(sp.N(x, 17), 17) if not x.is_Integer else x)

        values = layer_values(f, symbols)
        values[z] = number(z_of)
        values[delta_sym] = number(delta)
        items = [*(Equation(s, number(s), approx=False) for s in list(values) if s not in (z, delta_sym)),
                 Equation(z, values[z], via=z_of),
                 Equation("â", number(out), via=out)]
        numbers = {"z": _as_list(values[z])}
        if not upstream:
            Lv = number(L)[0, 0]
            items.append(Equation("L", Lv))
            numbers["loss"] = Lv
        items.append(Equation(delta_sym, values[delta_sym]))
        numbers["delta"] = _as_list(values[delta_sym])
        for X in (W, b, a):
            v = number(grads[X.name])
            items.append(Equation(Partial(X), v, via=grads[X.name]))
            numbers[X.name] = _as_list(v)
            final.append(Equation(Partial(X), v))
        sections.append(Section("At the given values", tuple(items)))
        answer["values"] = numbers
    title = problem.title or "Backpropagation through a dense layer, in matrix form"
    return Solution(problem, title, tuple(sections), answer, tuple(final))
