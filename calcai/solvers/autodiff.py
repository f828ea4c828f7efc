"""Automatic differentiation written out: forward mode with dual numbers, reverse mode on a
computational graph, and evaluating an expression at a point. All values are exact sympy."""

from __future__ import annotations

import sympy

from ..errors import MathError
from ..evaluate import evaluate_at
from ..inputs import as_sympy
from ..numeric import name_of, pretty_name, problem_variables, symbols_for
from ..numeric import show as _show
from ..solution import Equation, Section, Solution, Text
from . import solver


def show(expr, values=None) -> str:
    return _show(expr, values=values, fractions=True)


# ---------------------------------------------------------------- the expression as a graph

# Node names: no e (Euler's number), f (the function itself), i, j, l, o, t, x, y, z.
_NAMES = "abcdghkmnpqrsuvw"
_OUTPUT_NAMES = ("f", "F", "L", "out", "output")


def _leaf(e) -> bool:
    return e.is_Atom or e.is_number


def output_name(taken=()) -> str:
    """The name of the function (the graph's output) in labels such as ∂f/∂x: f, unless a
    variable is called f."""
    names = {name_of(t) for t in taken}
    for name in _OUTPUT_NAMES:
        if name not in names:
            return name
    i = 1
    while f"f{i}" in names:
        i += 1
    return f"f{i}"


def _node_names(taken, reserved):
    """Names for the nodes: letters, then v1, v2, …; never a variable's name nor a reserved one."""
    used = {name_of(t) for t in taken} | {name_of(r) for r in reserved}
    for c in _NAMES:
        if c not in used:
            yield c
    i = 1
    while True:
        if f"v{i}" not in used:
            yield f"v{i}"
        i += 1


def build_graph(expr, taken=(), reserved=("f",)) -> tuple[list, object]:
    """The computational graph of ``expr``: a list of (name, local, sub) in evaluation order, where
    ``local`` is the operation on the names of its inputs and ``sub`` the subexpression it computes;
    and the name (or symbol) of the output. The plain symbols of a long sum or product form one
    node of their own, so (x + y)·(x·y) is a = x + y, b = x·y, c = a·b as written. No node takes
    the name of a symbol in ``taken`` (the variables) or in ``reserved`` (the function's name)."""
    names = _node_names(set(taken) | expr.free_symbols, reserved)
    nodes, memo = [], {}

    def visit(e):
        if _leaf(e):
            return e
        if e in memo:
            return memo[e]
        if not isinstance(e, sympy.Expr) or isinstance(e, sympy.Piecewise):
            raise MathError(f"automatic differentiation here does not support {type(e).__name__} "
                            f"expressions such as {e}")
        args = list(e.args)
        if (e.is_Add or e.is_Mul) and len(args) > 2:
            leaves = [a for a in args if _leaf(a)]
            if 2 <= len(leaves) < len(args):
                args = [a for a in args if not _leaf(a)] + [e.func(*leaves)]
        local = e.func(*(visit(a) for a in args))
        name = sympy.Symbol(next(names), real=True)
        memo[e] = name
        nodes.append((name, local, e))
        return name

    return nodes, visit(expr)


def _point(problem, expr) -> dict:
    """The ``at`` point keyed by the Symbols of ``expr``; every free symbol must have a value."""
    point = symbols_for(problem.fields["at"], expr)
    missing = sorted(s.name for s in expr.free_symbols if s not in point)
    if missing:
        raise MathError(f"the point gives no value for {', '.join(missing)}")
    return point


def _where(point) -> str:
    return ", ".join(f"{pretty_name(s.name)} = {show(v)}" for s, v in point.items())


def _defined(value, what: str, point) -> None:
    if value.has(sympy.nan):
        raise MathError(f"{what} is undefined at {_where(point)}: it takes the form 0/0 or ∞ − ∞ "
                        "(a limit may still exist)")
    if value.has(sympy.zoo) or value.has(sympy.oo) or value.has(-sympy.oo):
        raise MathError(f"{what} is undefined at {_where(point)}: it divides by zero or is infinite")


def _tidy(expr, variables):
    if expr.is_polynomial(*variables):
        return sympy.expand(expr)
    return expr


# ---------------------------------------------------------------- forward mode

@solver("forward_mode")
def forward_mode(problem) -> Solution:
    """Dual numbers (v, v') through every operation: f(u, …) ↦ (f(v, …), Σᵢ ∂f/∂uᵢ·uᵢ')."""
    expr = as_sympy(problem.fields["expr"])
    point = _point(problem, expr)
    wrt = problem.fields.get("wrt")
    if wrt is None:
        candidates = sorted(expr.free_symbols, key=lambda s: s.name) or list(point)
        if len(candidates) != 1:
            raise MathError("forward mode needs wrt: the expression has the variables "
                            + ", ".join(s.name for s in candidates))
        wrt = candidates[0]
    wrt = next((s for s in point if s.name == name_of(wrt)), None)
    if wrt is None:
        raise MathError(f"the point gives no value for {name_of(problem.fields['wrt'])}")
    fname = output_name(set(point) | expr.free_symbols)
    items = [Text("Each quantity carries a pair (value, derivative). A variable starts as "
                  f"(its value, 1) if it is {pretty_name(wrt.name)}, else (its value, 0); "
                  "each operation applies its rule to both parts." + _renamed(fname))]
    value, slope = dict(point), {s: sympy.Integer(1 if s == wrt else 0) for s in point}
    for s in sorted(point, key=lambda s: s.name):
        items.append(Equation(s, sympy.Tuple(value[s], slope[s])))
    nodes, out = build_graph(expr, point, reserved=(fname,))
    for name, local, sub_expr in nodes:
        inputs = [h for h in local.free_symbols if h in value]
        d = {h: sympy.Dummy(f"d{h.name}") for h in inputs}
        derivative = sum((sympy.diff(local, h) * d[h] for h in inputs), sympy.Integer(0))
        known = {**value, **{d[h]: slope[h] for h in inputs}}
        value[name] = local.xreplace(value)
        slope[name] = derivative.xreplace(known)
        _defined(value[name], show(sub_expr), point)
        _defined(slope[name], f"the derivative of {show(sub_expr)}", point)
        items.append(Equation(sub_expr, sympy.Tuple(value[name], slope[name]),
                              via=f"({show(local, value)}, {show(derivative, known)})"))
    v = sympy.simplify(value[out] if out in value else out)
    dv = sympy.simplify(slope.get(out, sympy.Integer(0)))
    if len(point) == 1:
        at = show(point[wrt])
        final = (Equation(f"{fname}({at})", v), Equation(f"{fname}'({at})", dv))
    else:
        at = ", ".join(show(point[s]) for s in sorted(point, key=lambda s: s.name))
        final = (Equation(f"{fname}({at})", v), Equation(f"∂{fname}/∂{pretty_name(wrt.name)}", dv))
    return Solution(problem=problem, title=problem.title or f"Forward-mode derivative of {show(expr)}",
                    sections=(Section("Dual numbers", tuple(items)),),
                    answer={"value": v, "derivative": dv}, final=final)


# ---------------------------------------------------------------- reverse mode

@solver("reverse_mode")
def reverse_mode(problem) -> Solution:
    """Name every operation, then accumulate adjoints backwards: ∂f/∂v = Σ over users u of ∂f/∂u·∂u/∂v."""
    expr = as_sympy(problem.fields["expr"])
    variables = problem_variables(problem, expr)
    point = _point(problem, expr) if problem.fields.get("at") is not None else None
    taken = set(variables) | expr.free_symbols
    fname = output_name(taken)                  # the function's name in ∂f/∂x; never a node's
    nodes, out = build_graph(expr, taken, reserved=(fname,))
    full = {name: sub_expr for name, _, sub_expr in nodes}      # name -> the subexpression it computes
    values = dict(point or {})
    forward = [Text("Name every operation in evaluation order:")]
    for name, local, sub_expr in nodes:
        if point is None:
            forward.append(Equation(name, local))
        else:
            values[name] = local.xreplace(values)
            _defined(values[name], show(sub_expr), point)
            forward.append(Equation(name, values[name], via=f"{show(local)} = {show(local, values)}"))
    o = show(out)
    if nodes:
        forward.append(Text(f"The last node is the output: {fname} = {o}.{_renamed(fname)}"))
    else:
        forward = [Text(f"{fname} = {o} has no operations to name.")]

    adjoint = {out: sympy.Integer(1)}
    users = {}                                              # input -> [(node name, ∂node/∂input)]
    partial_items = []
    for name, local, _ in reversed(nodes):
        for h in sorted(local.free_symbols, key=lambda s: s.name):
            d = sympy.diff(local, h)
            users.setdefault(h, []).append((name, d))
            adjoint[h] = adjoint.get(h, sympy.Integer(0)) + adjoint[name] * d
            partial_items.append(Equation(f"∂{show(name)}/∂{show(h)}", d))
    backward = [Text(f"Walk back from the output {o} = {fname} (∂{fname}/∂{o} = 1): the adjoint of a node, "
                     f"∂{fname}/∂(node), is the sum over the nodes that use it of their adjoint times "
                     "the local derivative.")]

    def chain(h) -> list:
        terms = users.get(h, [])
        if not terms:
            return []
        symbols = " + ".join(f"∂{fname}/∂{show(p)}·∂{show(p)}/∂{show(h)}" if p != out
                             else f"∂{o}/∂{show(h)}" for p, _ in terms)
        written = " + ".join(f"{_factor(adjoint[p])}·{_factor(d)}" if p != out else show(d)
                             for p, d in terms)
        return [symbols, written]

    def working(lhs, steps, result):
        """The distinct steps between ``lhs`` and ``result``, or None when there are none."""
        shown = [step for step in dict.fromkeys(steps) if step not in (lhs, show(result))]
        return " = ".join(shown) or None

    for name, _, _ in reversed(nodes[:-1]):
        lhs = f"∂{fname}/∂{show(name)}"
        backward.append(Equation(lhs, adjoint[name], via=working(lhs, chain(name), adjoint[name])))
    gradient = {}
    for v in variables:
        a = adjoint.get(v, sympy.Integer(0))
        symbolic = _tidy(a.xreplace(full), variables)
        steps = chain(v)
        if a.free_symbols & set(full):
            steps.append(show(a, full))
        if point is None:
            result = symbolic
        else:
            steps.append(show(a, values))
            result = sympy.simplify(symbolic.xreplace(point))
            _defined(result, f"∂{fname}/∂{pretty_name(v.name)}", point)
        lhs = f"∂{fname}/∂{pretty_name(v.name)}"
        backward.append(Equation(lhs, result, via=working(lhs, steps, result)))
        gradient[v.name] = result
    value = expr if point is None else sympy.simplify(expr.xreplace(point))
    sections = [Section("Forward pass", tuple(forward))]
    if partial_items:
        sections.append(Section("Local derivatives", tuple(partial_items)))
    sections.append(Section("Backward pass", tuple(backward)))
    final = (Equation(fname, value), *(Equation(f"∂{fname}/∂{pretty_name(k)}", g) for k, g in gradient.items()))
    return Solution(problem=problem, title=problem.title or f"Reverse-mode gradient of {show(expr)}",
                    sections=tuple(sections), answer={"value": value, "gradient": gradient}, final=final)


def _renamed(fname: str) -> str:
    """A sentence when the function cannot be called f (a variable is)."""
    if fname == "f":
        return ""
    clashes = _OUTPUT_NAMES[:_OUTPUT_NAMES.index(fname)] if fname in _OUTPUT_NAMES else _OUTPUT_NAMES
    names = clashes[0] if len(clashes) == 1 else ", ".join(clashes[:-1]) + " and " + clashes[-1]
    are = "is one of its variables" if len(clashes) == 1 else "are among its variables"
    return f" The function is called {fname} here, since {names} {are}."


def _factor(expr) -> str:
    text = show(expr)
    return f"({text})" if (expr.is_Add or text.startswith("−")) else text


# ---------------------------------------------------------------- evaluate

@solver("evaluate")
def evaluate(problem) -> Solution:
    """f(point): substitute and simplify exactly; undefined or complex values are errors."""
    expr = problem.fields["expr"]
    point = _point(problem, expr)
    value = evaluate_at(expr, point)
    if value.count_ops() < 40:
        value = sympy.simplify(value)
    args = ", ".join(pretty_name(s.name) for s in point)
    at = f"f({', '.join(show(v) for v in point.values())})"
    written = show(expr, point)
    steps = [Equation(f"f({args})", expr), Equation(at, value, via=written if written != show(value) else None)]
    if not value.is_Rational:
        steps.append(Equation(at, sympy.Float(value.evalf(15), 15), approx=False))
    return Solution(problem=problem, title=problem.title or f"Evaluate {show(expr)}",
                    sections=(Section("Substitute", tuple(steps)),),
                    answer=value, final=(Equation("value", value),))
