"""Optimisers on a compiled gradient: gradient descent, momentum, Adam, and linear regression.

The gradient is differentiated once and compiled once (calcai.numeric); iterations run on
exact Fractions when the objective and the inputs allow it, else on floats. A run whose
values overflow stops with a MathError that names the iteration.
"""

from __future__ import annotations

import math

import sympy

from ..errors import MathError
from ..numeric import (
    TABLE_HEAD, TABLE_TAIL, Compiled, compile_expr, count_within_limit, factor, fmt, is_exact,
    plain, point_values, pretty_name, problem_variables, show, shrink, sub, sup, table_rows, to_sympy,
)
from ..solution import Equation, Section, Solution, Table, Text
from ..inputs import as_sympy
from . import solver

SHOWN_ITERATIONS = 3        # iterations whose working is written out
DIVERGED = 1e300            # a float this large means the run has blown up


# ---------------------------------------------------------------- shared pieces

def check_growth(t: int, names, values, what: str = "") -> list:
    """Shrink big Fractions to floats; raise 'diverged' once a value overflows or passes 1e300."""
    if all(isinstance(v, float) and -DIVERGED < v < DIVERGED for v in values):
        return values                              # the common float case, kept cheap
    try:
        values, _ = shrink(values)
    except OverflowError:
        bad = next(i for i, v in enumerate(values) if abs(v) > 10 ** 300)
        raise _diverged(t, names[bad], values[bad], what) from None
    for name, v in zip(names, values):
        if isinstance(v, float) and not -DIVERGED < v < DIVERGED:
            raise _diverged(t, name, v, what)
    return values


def _diverged(t, name, value, what):
    shown = fmt(value, 3) if not isinstance(value, float) or math.isfinite(value) else "∞"
    return MathError(f"diverged at iteration {t}: {what}{pretty_name(name)} = {shown}; "
                     "try a smaller learning rate")


def _point(names, values) -> dict:
    return {n: to_sympy(v) for n, v in zip(names, values)}


# ---------------------------------------------------------------- gradient descent family

class _Descent:
    """One run of gradient descent, momentum or Adam on ``objective``."""

    def __init__(self, problem, method: str):
        fields = problem.fields
        self.problem = problem
        self.method = method
        self.f = as_sympy(fields["objective"])
        self.vars = problem_variables(problem, self.f)
        self.names = [v.name for v in self.vars]
        unknown = sorted(s.name for s in self.f.free_symbols - set(self.vars))
        if unknown:
            raise MathError(f"the objective contains {', '.join(unknown)}, which "
                            f"{'is not a variable' if len(unknown) == 1 else 'are not variables'}; "
                            "list it in vars (with a start value) or write its value in")
        self.grads = [sympy.diff(self.f, v) for v in self.vars]
        self.grad = Compiled(self.grads, self.vars)
        self.iterations = count_within_limit(fields["iterations"], "iterations", "max_iterations")
        self.start = [as_sympy(v) for v in point_values(fields["start"], self.vars, "start")]
        params = {"alpha": fields["learning_rate"]}
        if method == "momentum":
            params["beta"] = fields["beta"] if "beta" in fields else fields["momentum"]
        if method == "adam":
            params["beta1"] = fields.get("beta1", sympy.Rational(9, 10))
            params["beta2"] = fields.get("beta2", sympy.Rational(999, 1000))
            params["eps"] = fields.get("eps", sympy.Rational(1, 10 ** 8))
        exact = self.grad.exact and method != "adam" and all(map(is_exact, [*self.start, *params.values()]))
        self.given = {k: as_sympy(v) for k, v in params.items()}   # as written, for the walkthrough
        numbers, self.exact = plain([*self.start, *params.values()], exact)
        self.theta = numbers[:len(self.vars)]
        self.params = dict(zip(params, numbers[len(self.vars):]))
        self.records = []             # per iteration: (theta before, gradient, extras, theta after)

    # -- the updates
    def gradient(self, t, theta):
        try:
            g = self.grad(theta)
        except (ZeroDivisionError, ValueError) as err:
            where = ", ".join(f"{pretty_name(n)} = {fmt(v)}" for n, v in zip(self.names, theta))
            why = ("it divides by zero" if isinstance(err, ZeroDivisionError)
                   else "a function is evaluated outside its domain, such as log or √ of a negative number")
            raise MathError(f"the gradient is undefined at iteration {t} ({where}): {why}") from None
        except OverflowError:
            where = ", ".join(f"{pretty_name(n)} = {fmt(v, 3)}" for n, v in zip(self.names, theta))
            raise MathError(f"diverged at iteration {t}: the gradient overflowed at {where}; "
                            "try a smaller learning rate") from None
        return check_growth(t, [f"∂f/∂{n}" for n in self.names], g, "the gradient ")

    def run(self) -> None:
        n = len(self.vars)
        theta = self.theta
        v = [0] * n if self.exact else [0.0] * n
        m = [0.0] * n
        p = self.params
        for t in range(1, self.iterations + 1):
            g = self.gradient(t, theta)
            if self.method == "gd":
                new = [x - p["alpha"] * gi for x, gi in zip(theta, g)]
                extras = ()
            elif self.method == "momentum":
                v = [p["beta"] * vi + gi for vi, gi in zip(v, g)]
                new = [x - p["alpha"] * vi for x, vi in zip(theta, v)]
                extras = (v,)
            else:
                b1, b2 = float(p["beta1"]), float(p["beta2"])
                m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
                v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
                m_hat = [mi / (1 - b1 ** t) for mi in m]
                v_hat = [vi / (1 - b2 ** t) for vi in v]
                new = [x - float(p["alpha"]) * mh / (math.sqrt(vh) + float(p["eps"]))
                       for x, mh, vh in zip(theta, m_hat, v_hat)]
                extras = (m, v, m_hat, v_hat)
            checked = check_growth(t, self.names + [f"v({x})" for x in self.names], new + v)
            new, v = checked[:n], checked[n:]
            self.records.append((theta, g, extras, new))
            theta = new
        self.theta = theta

    # -- the walkthrough
    def label(self, name: str, t: int) -> str:
        return f"{pretty_name(name)}{sub(t)}"

    def grad_label(self, i: int, t: int) -> str:
        if len(self.vars) == 1:
            return f"f'({self.label(self.names[0], t)})"
        return f"∂f/∂{pretty_name(self.names[i])}"

    def gradient_working(self, i: int, theta, g) -> str:
        """'2·0 − 4' for the gradient at theta, or nothing when it is just the number."""
        written = show(self.grads[i], values=dict(zip(self.vars, theta)))
        return "" if written == fmt(g[i]) else written

    def working(self, t: int) -> list:
        theta, g, extras, new = self.records[t - 1]
        a = fmt(self.given["alpha"])
        items = []
        for i, name in enumerate(self.names):
            x_old, x_new = self.label(name, t - 1), self.label(name, t)
            dg, written = self.grad_label(i, t - 1), self.gradient_working(i, theta, g)
            if self.method == "gd":
                steps = [f"{x_old} − α·{dg}"]
                if written:
                    steps.append(f"{fmt(theta[i])} − {a}·({written})")
                steps.append(f"{fmt(theta[i])} − {a}·{factor(g[i])}")
                items.append(Equation(x_new, to_sympy(new[i]), via=" = ".join(steps)))
            elif self.method == "momentum":
                vel = extras[0]
                vs = "v" if len(self.vars) == 1 else f"v({pretty_name(name)})"
                v_prev = self.records[t - 2][2][0][i] if t > 1 else 0
                inner = (f"({written})" if written.startswith("−") else written) if written else factor(g[i])
                items.append(Equation(f"{vs}{sub(t)}", to_sympy(vel[i]), via=" = ".join(
                    [f"β·{vs}{sub(t - 1)} + {dg}",
                     f"{fmt(self.given['beta'])}·{factor(v_prev)} + {inner}"])))
                items.append(Equation(x_new, to_sympy(new[i]), via=" = ".join(
                    [f"{x_old} − α·{vs}{sub(t)}", f"{fmt(theta[i])} − {a}·{factor(vel[i])}"])))
            else:
                m, v, m_hat, v_hat = (e[i] for e in extras)
                b1, b2 = fmt(self.given["beta1"]), fmt(self.given["beta2"])
                sfx = "" if len(self.vars) == 1 else f"({pretty_name(name)})"
                items += [
                    Equation(f"g{sub(t)}{sfx}", to_sympy(g[i]), via=f"{dg} = {written}" if written else dg),
                    Equation(f"m{sub(t)}{sfx}", to_sympy(m), via=f"β₁·m{sub(t - 1)} + (1 − β₁)·g{sub(t)}"),
                    Equation(f"v{sub(t)}{sfx}", to_sympy(v), via=f"β₂·v{sub(t - 1)} + (1 − β₂)·g{sub(t)}²"),
                    Equation(f"m̂{sub(t)}{sfx}", to_sympy(m_hat),
                             via=f"m{sub(t)}/(1 − β₁{sup(t)}) = {fmt(m)}/(1 − {b1}{sup(t)})"),
                    Equation(f"v̂{sub(t)}{sfx}", to_sympy(v_hat),
                             via=f"v{sub(t)}/(1 − β₂{sup(t)}) = {fmt(v)}/(1 − {b2}{sup(t)})"),
                    Equation(x_new, to_sympy(new[i]),
                             via=f"{x_old} − α·m̂{sub(t)}/(√v̂{sub(t)} + ε) = "
                                 f"{fmt(theta[i])} − {a}·{factor(m_hat)}/(√{fmt(v_hat)} + {fmt(self.given['eps'])})"),
                ]
        return items

    def table(self) -> Table:
        names = [pretty_name(n) for n in self.names]
        headers = ["t", *(f"{n}ₜ₋₁" for n in names), *(f"∂f/∂{n}" for n in names)]
        if self.method == "momentum":
            headers += [f"v({n})" if len(names) > 1 else "vₜ" for n in names]
        if self.method == "adam":
            for sym in ("m̂", "v̂"):
                headers += [f"{sym}({n})" if len(names) > 1 else f"{sym}ₜ" for n in names]
        headers += [f"{n}ₜ" for n in names]

        def row(t, record):
            theta, g, extras, new = record
            shown = extras[:1] if self.method == "momentum" else extras[2:]
            cells = [*theta, *g, *(x for e in shown for x in e), *new]
            return (t, *(to_sympy(c) for c in cells))

        return Table(tuple(headers), table_rows(self.records, row))

    def rule(self) -> list:
        if self.method == "gd":
            return [Text("Each iteration steps against the gradient: θ := θ − α·∇f(θ)."),
                    Equation("α", self.given["alpha"])]
        if self.method == "momentum":
            return [Text("Momentum keeps a running velocity: v := β·v + ∇f(θ), then θ := θ − α·v "
                         "(v starts at 0)."),
                    Equation("α", self.given["alpha"]),
                    Equation("β", self.given["beta"])]
        return [Text("Adam keeps moving averages of the gradient and of its square: "
                     "m := β₁·m + (1 − β₁)·g, v := β₂·v + (1 − β₂)·g², corrects their start-up bias "
                     "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), and steps θ := θ − α·m̂/(√v̂ + ε). "
                     "m and v start at 0, t at 1. (The tutorial writes √(v̂ + ε); with a small ε the "
                     "difference is negligible.)"),
                *(Equation(k, self.given[key]) for k, key in
                  (("α", "alpha"), ("β₁", "beta1"), ("β₂", "beta2"), ("ε", "eps")))]

    def solution(self) -> Solution:
        n = len(self.vars)
        args = ", ".join(pretty_name(x) for x in self.names)
        setup = [Equation(f"f({args})", self.f)]
        setup += [Equation(f"f'({args})" if n == 1 else f"∂f/∂{pretty_name(x)}", d)
                  for x, d in zip(self.names, self.grads)]
        setup += self.rule()
        setup += [Equation(self.label(x, 0), v) for x, v in zip(self.names, self.start)]
        if not self.exact:
            setup.append(Text("The arithmetic is done in floating point."))
        shown = min(SHOWN_ITERATIONS, self.iterations)
        sections = [Section("Setup", tuple(setup))]
        for t in range(1, shown + 1):
            sections.append(Section(f"Iteration {t}", tuple(self.working(t))))
        if self.records:
            items = [self.table()]
            if len(self.records) > len(items[0].rows):
                items.insert(0, Text(f"The table shows the first {TABLE_HEAD} and the last {TABLE_TAIL} "
                                     f"of the {self.iterations} iterations."))
            value = self.objective_value()
            if value is not None:
                items.append(Equation(f"f({', '.join(self.label(x, self.iterations) for x in self.names)})",
                                      to_sympy(value)))
            sections.append(Section("Trace", tuple(items)))
        final = tuple(Equation(pretty_name(x), to_sympy(v)) for x, v in zip(self.names, self.theta))
        trace = [dict(zip(self.names, self.start))] + [_point(self.names, r[3]) for r in self.records]
        method = {"gd": "Gradient descent", "momentum": "Gradient descent with momentum",
                  "adam": "Adam"}[self.method]
        return Solution(problem=self.problem,
                        title=self.problem.title or f"{method} on f({args}) = {show(self.f)}",
                        sections=tuple(sections),
                        answer={"final": _point(self.names, self.theta), "trace": trace},
                        final=final)

    def objective_value(self):
        try:
            return compile_expr(self.f, self.vars)(*self.theta)
        except (ZeroDivisionError, ValueError, OverflowError):
            return None


def _descend(problem, method: str) -> Solution:
    run = _Descent(problem, method)
    run.run()
    return run.solution()


@solver("gradient_descent")
def gradient_descent(problem) -> Solution:
    """θₜ = θₜ₋₁ − α·∇f(θₜ₋₁); with ``momentum: β`` the momentum update below."""
    beta = problem.fields.get("momentum")
    return _descend(problem, "momentum" if beta is not None and beta != 0 else "gd")


@solver("momentum")
def momentum(problem) -> Solution:
    """vₜ = β·vₜ₋₁ + ∇f(θₜ₋₁), θₜ = θₜ₋₁ − α·vₜ, v₀ = 0."""
    return _descend(problem, "momentum")


@solver("adam")
def adam(problem) -> Solution:
    """m, v = moving averages of g and g²; θ := θ − α·m̂/(√v̂ + ε) with bias-corrected m̂, v̂."""
    return _descend(problem, "adam")


# ---------------------------------------------------------------- linear regression

@solver("linear_regression")
def linear_regression(problem) -> Solution:
    """Gradient descent on L(w, b) = (1/n)Σ(wxᵢ + b − yᵢ)²: ∂L/∂w = (2/n)Σ(…)xᵢ, ∂L/∂b = (2/n)Σ(…)."""
    fields = problem.fields
    data = fields["data"]
    if not data:
        raise MathError("linear regression needs at least one data point")
    for i, pair in enumerate(data, 1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise MathError(f"data point {i} must be a pair [x, y], not {pair}")
    iterations = count_within_limit(fields["iterations"], "iterations", "max_iterations")
    start = point_values(fields["start"], ["w", "b"], "start")
    flat = [v for pair in data for v in pair] + start + [fields["learning_rate"]]
    numbers, exact = plain(flat)
    n = len(data)
    xs, ys = numbers[0:2 * n:2], numbers[1:2 * n:2]
    w, b, alpha = numbers[2 * n:]

    def loss(w, b):
        return sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / n

    records = []                 # (w, b, dw, db, loss before the step)
    for t in range(1, iterations + 1):
        errors = [w * x + b - y for x, y in zip(xs, ys)]
        dw = 2 * sum(e * x for e, x in zip(errors, xs)) / n
        db = 2 * sum(errors) / n
        try:
            before = loss(w, b)
        except OverflowError:
            before = math.inf
        records.append((w, b, dw, db, before))
        w, b = check_growth(t, ["w", "b"], [w - alpha * dw, b - alpha * db])
        check_growth(t, ["∂L/∂w", "∂L/∂b"], [dw, db])
    try:
        final_loss = loss(w, b)
    except OverflowError:
        raise _diverged(iterations, "L", math.inf, "the loss ") from None

    setup = [
        Equation("L(w, b)", f"(1/{n})·Σ(w·xᵢ + b − yᵢ)²"),
        Equation("∂L/∂w", f"(2/{n})·Σ(w·xᵢ + b − yᵢ)·xᵢ"),
        Equation("∂L/∂b", f"(2/{n})·Σ(w·xᵢ + b − yᵢ)"),
        Text("Each iteration steps against the gradient: w := w − α·∂L/∂w, b := b − α·∂L/∂b."),
        Equation("α", as_sympy(fields["learning_rate"])),
        Equation("w₀", as_sympy(start[0])), Equation("b₀", as_sympy(start[1])),
    ]
    if not exact:
        setup.append(Text("The arithmetic is done in floating point."))
    sections = [Section("Setup", tuple(setup))]
    for t, (w0, b0, dw, db, _) in enumerate(records[:SHOWN_ITERATIONS], 1):
        items = []
        errors = [w0 * x + b0 - y for x, y in zip(xs, ys)]
        if n <= 10:
            items.append(Equation("predictions", f"[{', '.join(fmt(w0 * x + b0) for x in xs)}]",
                                  via=f"w{sub(t - 1)}·xᵢ + b{sub(t - 1)}"))
            items.append(Equation("errors", f"[{', '.join(fmt(e) for e in errors)}]",
                                  via="predictionᵢ − yᵢ"))
            sum_w = " + ".join(f"{factor(e)}·{factor(x)}" for e, x in zip(errors, xs))
            sum_b = " + ".join(factor(e) for e in errors)
            via_w = f"(2/{n})·({sum_w}) = (2/{n})·{factor(sum(e * x for e, x in zip(errors, xs)))}"
            via_b = f"(2/{n})·({sum_b}) = (2/{n})·{factor(sum(errors))}"
        else:
            via_w, via_b = f"(2/{n})·Σ(errorᵢ·xᵢ)", f"(2/{n})·Σ errorᵢ"
        w1, b1 = records[t][0:2] if t < len(records) else (w, b)
        items += [
            Equation("∂L/∂w", to_sympy(dw), via=via_w),
            Equation("∂L/∂b", to_sympy(db), via=via_b),
            Equation(f"w{sub(t)}", to_sympy(w1), via=f"w{sub(t - 1)} − α·∂L/∂w = {fmt(w0)} − {fmt(alpha)}·{factor(dw)}"),
            Equation(f"b{sub(t)}", to_sympy(b1), via=f"b{sub(t - 1)} − α·∂L/∂b = {fmt(b0)} − {fmt(alpha)}·{factor(db)}"),
        ]
        sections.append(Section(f"Iteration {t}", tuple(items)))
    if records:
        table = Table(("t", "wₜ₋₁", "bₜ₋₁", "∂L/∂w", "∂L/∂b", "L(wₜ₋₁, bₜ₋₁)"),
                      table_rows(records, lambda t, r: (t, *(to_sympy(v) for v in r))))
        sections.append(Section("Trace", (table, Equation(f"L(w{sub(iterations)}, b{sub(iterations)})",
                                                             to_sympy(final_loss)))))
    answer = {"final": {"w": to_sympy(w), "b": to_sympy(b)}, "loss": to_sympy(final_loss),
              "gradients": [{"w": to_sympy(r[2]), "b": to_sympy(r[3])} for r in records],
              "trace": [{"w": to_sympy(r[0]), "b": to_sympy(r[1])} for r in records]
              + [{"w": to_sympy(w), "b": to_sympy(b)}]}
    final = (Equation("w", answer["final"]["w"]), Equation("b", answer["final"]["b"]),
             Equation("L", answer["loss"]))
    return Solution(problem=problem, title=problem.title or f"Linear regression y = wx + b on {n} points",
                    sections=tuple(sections), answer=answer, final=final)
