"""Critical points and Lagrange multipliers: every answer compared with an independent computation
(nroots, numeric Newton searches, mpmath eigenvalues), and nothing but MathError escapes."""

from __future__ import annotations

import itertools

import mpmath
import pytest
import sympy as sp

import calcai
from calcai.errors import MathError
from calcai.multivariable import definiteness, eigenvalue_list
from calcai.solution import Table, Text

x, y, z, a = sp.symbols("x y z a", real=True)


def solve(**problem):
    return calcai.solve({"id": "p", **problem})


def texts(walkthrough) -> list[str]:
    return [item.text for section in walkthrough.sections for item in section.items if isinstance(item, Text)]


def tables(walkthrough) -> list:
    return [item for section in walkthrough.sections for item in section.items if isinstance(item, Table)]


def num(value) -> float:
    return float(sp.re(sp.N(value, 30, chop=True)))


def real_nroots(poly_expr, var) -> list[float]:
    """Real roots by sympy's numeric root finder: independent of real_roots / CRootOf."""
    return sorted(float(sp.re(r)) for r in sp.Poly(poly_expr, var).nroots(n=30) if abs(sp.im(r)) < 1e-20)


def newton_roots(equations, variables, box=3.0, step=0.5) -> list[tuple]:
    """Real solutions found by Newton's method from a grid of starts (an independent search)."""
    f = sp.lambdify(variables, equations, "mpmath")
    found = []
    ticks = [-box + k * step for k in range(int(2 * box / step) + 1)]
    with mpmath.workdps(30):
        for start in itertools.product(ticks, repeat=len(variables)):
            try:
                root = mpmath.findroot(lambda *v: f(*v), start, tol=1e-25, maxsteps=60)
            except (ValueError, ZeroDivisionError):
                continue
            root = tuple(float(c) for c in (root if len(variables) > 1 else [root]))
            if all(abs(c) < 1e6 for c in root) and not any(
                    max(abs(p - q) for p, q in zip(root, old)) < 1e-8 for old in found):
                found.append(root)
    return sorted(found)


def hessian_eigenvalues(expr, variables, point) -> list[float]:
    """The Hessian's eigenvalues at a point by mpmath's symmetric eigensolver, largest first."""
    h = sp.hessian(expr, variables).xreplace(point)
    with mpmath.workdps(30):
        m = mpmath.matrix([[mpmath.mpf(str(sp.N(h[i, j], 30))) for j in range(h.cols)] for i in range(h.rows)])
        values, _ = mpmath.eigsy(m)
    return sorted((float(v) for v in values), reverse=True)


def numeric_type(eigenvalues) -> str:
    if all(v > 1e-12 for v in eigenvalues):
        return "minimum"
    if all(v < -1e-12 for v in eigenvalues):
        return "maximum"
    if any(v > 1e-12 for v in eigenvalues) and any(v < -1e-12 for v in eigenvalues):
        return "saddle"
    return "inconclusive"


# ---------------------------------------------------------------- 1. real critical points exist

def test_quintic_derivative_has_three_real_critical_points():
    f = x**6 - 3 * x**4 - x
    c = calcai.critical_points("x^6 - 3x^4 - x")
    expected = real_nroots(sp.diff(f, x), x)
    assert len(expected) == 3
    assert [num(p.point[x]) for p in c.result] == pytest.approx(expected, abs=1e-12)
    assert [num(v) for v in expected] == pytest.approx([-1.392, -0.4528, 1.434], abs=1e-3)
    for p in c.result:                                   # exact: f'(r) = 0, not just approximately
        assert isinstance(p.point[x], sp.CRootOf)
        assert sp.N(sp.diff(f, x).xreplace(p.point), 50, chop=True) == 0
    types = [("minimum" if sp.diff(f, x, 2).subs(x, r) > 0 else "maximum") for r in expected]
    assert [p.type for p in c.result] == types == ["minimum", "maximum", "minimum"]
    s = solve(kind="critical_points", expr="x^6 - 3x^4 - x")
    assert [e["type"] for e in s.answer] == types
    assert any("CRootOf(p, k)" in t for t in texts(c))


def test_multivariate_polynomial_critical_points():
    f = x**6 - 3 * x**4 + x**2 * y**2 + y**4 - x
    c = calcai.critical_points("x^6 - 3x^4 + x^2*y^2 + y^4 - x")
    grad = [sp.diff(f, v) for v in (x, y)]
    expected = newton_roots(grad, (x, y))
    assert len(expected) == 3 and all(abs(q) < 1e-12 for _, q in expected)   # y = 0, 6x⁵ − 12x³ = 1
    got = [(num(p.point[x]), num(p.point[y])) for p in c.result]
    assert got == [pytest.approx(e, abs=1e-10) for e in expected]
    assert [p.point[y] for p in c.result] == [0, 0, 0]
    for p in c.result:
        assert all(sp.N(g.xreplace(p.point), 50, chop=True) == 0 for g in grad)
        assert p.type == numeric_type(hessian_eigenvalues(f, (x, y), p.point))
    assert [p.type for p in c.result] == ["minimum", "saddle", "minimum"]


def test_sympy_solve_would_drop_crootof_branches():
    """sympy.solve([(x − 1)(6x⁵ − 12x³ − 1), y]) returns only x = 1: calcai must list all four."""
    f = sp.integrate((x - 1) * (6 * x**5 - 12 * x**3 - 1), x) + y**2 / 2
    assert sp.solve([sp.diff(f, x), sp.diff(f, y)], [x, y], dict=True) == [{x: 1, y: 0}]
    c = calcai.critical_points(f)
    expected = sorted(real_nroots(6 * x**5 - 12 * x**3 - 1, x) + [1.0])
    assert [num(p.point[x]) for p in c.result] == pytest.approx(expected, abs=1e-12)
    assert all(p.point[y] == 0 for p in c.result)


def test_three_variables_with_irrational_points():
    f = x**5 / 5 - x + x * y + y**2 + y * z + z**2 + x * z
    c = calcai.critical_points(f)
    grad = [sp.diff(f, v) for v in (x, y, z)]
    # y = z from ∂f/∂y − ∂f/∂z = 0, then y = −x/3 and x⁴ − 1 − 2x/3 = 0: two real roots
    expected = real_nroots(x**4 - 1 - 2 * x / 3, x)
    assert [num(p.point[x]) for p in c.result] == pytest.approx(expected, abs=1e-12)
    for p in c.result:
        assert all(abs(num(g.xreplace(p.point))) < 1e-25 for g in grad)
        assert p.type == numeric_type(hessian_eigenvalues(f, (x, y, z), p.point))


def test_no_critical_points_needs_a_proof():
    linear = calcai.critical_points("x + 2y")              # a linear system: empty is a proof
    assert linear.result == ()
    assert "∇f is never 0: there are no critical points." in texts(linear)
    with pytest.raises(MathError, match="critical points may still exist"):
        calcai.critical_points("e^x - x^2")                # e^x = 2x has no closed form in sympy
    with pytest.raises(MathError):
        calcai.critical_points("x^2*e^x + cos(x)")
    proved = calcai.critical_points("e^x + x^3")           # solveset proves eˣ + 3x² ≠ 0
    assert proved.result == ()


# ---------------------------------------------------------------- 2. eigenvalues, crashes

def test_hessian_with_irreducible_cubic_characteristic_polynomial():
    h = calcai.hessian("x^2 + x*y + y^2 + y*z + 2.5z^2")
    expected = hessian_eigenvalues(x**2 + x * y + y**2 + y * z + sp.Rational(5, 2) * z**2, (x, y, z), {})
    assert [num(v) for v in h.eigenvalues] == pytest.approx(expected, abs=1e-12)
    assert all(sp.im(sp.N(v, 30, chop=True)) == 0 for v in h.eigenvalues)
    assert h.definiteness == "positive definite"
    s = solve(kind="hessian", expr="x^2 + x*y + y^2 + y*z + 2.5z^2")
    assert s.answer["definiteness"] == "positive definite"
    c = calcai.critical_points("x^2 + x*y + y^2 + y*z + 2.5z^2")
    assert [(p.point, p.type) for p in c.result] == [({x: 0, y: 0, z: 0}, "minimum")]


def test_hessian_of_exponential_at_a_point():
    f = sp.exp(x * y * z) * sp.sin(x + y + z)
    h = calcai.hessian("e^(x*y*z)*sin(x+y+z)", at={"x": 1, "y": 2, "z": 3})
    expected = hessian_eigenvalues(f, (x, y, z), {x: 1, y: 2, z: 3})
    assert [num(v) for v in h.eigenvalues] == pytest.approx(expected, rel=1e-12)
    assert h.definiteness == "indefinite"


def test_eigenvalue_list_and_definiteness_directly():
    m = sp.Matrix([[2, 1, 0], [1, 2, 1], [0, 1, 5]])
    values = eigenvalue_list(m)
    assert [num(v) for v in values] == pytest.approx(sorted(
        (float(v) for v in mpmath.eigsy(mpmath.matrix([[2, 1, 0], [1, 2, 1], [0, 1, 5]]))[0]), reverse=True))
    assert eigenvalue_list(sp.Matrix([[2, 1], [1, 2]])) == [3, 1]
    assert definiteness([2, 2 * a]) == "depends on the point"
    assert definiteness([2, a**2 + 1]) == "positive definite"
    assert definiteness([0, 1]) == "positive semidefinite"
    assert definiteness([-1, a**2]) == "depends on the point"        # a² ≥ 0 may be 0 or > 0
    assert definiteness([1, -1, a**2]) == "indefinite"
    assert definiteness(eigenvalue_list(sp.Matrix([[2 * a, 0], [0, 2]]))) == "depends on the point"


def test_symbolic_eigenvalues_are_inconclusive_with_a_reason():
    c = calcai.critical_points("a*x^2 + y^2", ["x", "y"])
    assert [(p.point, p.type) for p in c.result] == [({x: 0, y: 0}, "inconclusive")]
    note = [t for t in texts(c) if "depends on a" in t]
    assert note and "a > 0 → minimum" in note[0] and "a < 0 → saddle" in note[0]
    s = solve(kind="critical_points", expr="a*x^2 + y^2", vars=["x", "y"])
    assert s.answer == [{"point": {"x": 0, "y": 0}, "type": "inconclusive"}]
    one = calcai.critical_points("a*x^2", ["x"])
    assert one.result[0].type == "inconclusive"


def test_points_with_symbolic_coordinates_sort_without_crashing():
    c = calcai.critical_points("x^3/3 - a*x", ["x"])
    assert {p.point[x] for p in c.result} == {sp.sqrt(a), -sp.sqrt(a)}
    assert all(p.type == "inconclusive" for p in c.result)
    assert any("make it real" in t for t in texts(c))


# ---------------------------------------------------------------- 3. Lagrange: local, not global

def test_lagrange_does_not_call_a_local_minimum_the_maximum():
    r = calcai.lagrange("x + y", ["x*y = 1"], goal="max")
    assert [(p[x], p[y], t) for (p, _), t in zip(r.candidates, r.types)] == [(-1, -1, "maximum"),
                                                                            (1, 1, "minimum")]
    assert r.point == {x: -1, y: -1} and r.result == -2
    said = " ".join(texts(r))
    assert "largest local maximum among the candidates" in said
    assert "global maximum only if f attains a maximum" in said
    assert tables(r)[0].headers == ("point", "f", "type")
    low = calcai.lagrange("x + y", ["x*y = 1"], goal="min")
    assert low.point == {x: 1, y: 1} and low.result == 2


def test_lagrange_unbounded_product_reports_the_local_maximum():
    r = calcai.lagrange("x*y*z", ["x + y + z = 3"], goal="max")
    assert r.point == {x: 1, y: 1, z: 1} and r.result == 1
    assert sorted(r.types) == ["maximum", "saddle", "saddle", "saddle"]
    # independent check: on the plane, f(1+s, 1+t, 1−s−t) has a negative definite Hessian at 0
    s_, t_ = sp.symbols("s t")
    g = (x * y * z).subs({x: 1 + s_, y: 1 + t_, z: 1 - s_ - t_})
    assert definiteness(eigenvalue_list(sp.hessian(g, (s_, t_)).subs({s_: 0, t_: 0}))) == "negative definite"


def test_lagrange_tutorial_example_is_a_local_maximum():
    r = calcai.lagrange("xy", ["x + y = 10"], goal="max")
    assert r.point == {x: 5, y: 5} and r.result == 25 and r.types == ("maximum",)
    s = solve(kind="lagrange", objective="x*y", constraints=["x + y = 10"], goal="max")
    assert s.answer == {"point": {"x": 5, "y": 5}, "value": 25,
                        "candidates": [{"point": {"x": 5, "y": 5}, "value": 25, "type": "maximum"}]}


def test_lagrange_ties_are_all_listed():
    r = calcai.lagrange("xy", ["x^2+y^2=2"], goal="min")
    assert r.tied == ({x: -1, y: 1}, {x: 1, y: -1})
    assert r.point == {x: -1, y: 1} and r.result == -1
    assert any("at x = −1, y = 1 and at x = 1, y = −1" in t for t in texts(r))
    high = calcai.lagrange("xy", ["x^2+y^2=2"], goal="max")
    assert high.tied == ({x: -1, y: -1}, {x: 1, y: 1}) and high.result == 1


def test_lagrange_without_a_local_maximum_says_so():
    with pytest.raises(MathError, match="no local maximum on the constraint set"):
        calcai.lagrange("x^2 + y^2", ["x*y = 1"], goal="max")


def test_lagrange_on_a_circle_with_irrational_candidates():
    r = calcai.lagrange("x + 2y + 3z", ["x^2+y^2+z^2=1"], goal="min")
    root = sp.sqrt(14)
    assert r.point == {x: -1 / root, y: -2 / root, z: -3 / root} or all(
        sp.simplify(r.point[v] - w) == 0 for v, w in zip((x, y, z), (-1 / root, -2 / root, -3 / root)))
    assert sp.simplify(r.result + root) == 0
    assert sorted(r.types) == ["maximum", "minimum"]


def test_lagrange_heading_with_several_constraints():
    r = calcai.lagrange("x^2 + y^2 + z^2", ["x + y + z = 1", "x - y = 0"], goal="min")
    assert r.point == {x: sp.Rational(1, 3), y: sp.Rational(1, 3), z: sp.Rational(1, 3)}
    assert r.sections[0].title == "Lagrange condition ∇f = Σλᵢ∇gᵢ, with the constraints"
    one = calcai.lagrange("xy", ["x + y = 10"], goal="max")
    assert "∇f = λ∇g" in one.sections[0].title


def test_lagrange_isolated_points_and_cusps():
    r = calcai.lagrange("log(x)", ["x^2 = 1"], goal="max")       # x = −1 has no real log
    assert r.point == {x: 1} and r.result == 0 and r.types == ("isolated",)
    with pytest.raises(MathError, match="gradient is 0 at x = 0, y = 0"):
        calcai.lagrange("x", ["y^2 = x^3"], goal="min")


# ---------------------------------------------------------------- 4, 5. periods and no points

def test_periodic_functions_say_the_list_is_one_period():
    c = calcai.critical_points("sin(x)")
    assert [(p.point[x], p.type) for p in c.result] == [(sp.pi / 2, "maximum"), (3 * sp.pi / 2, "minimum")]
    assert any("repeat every 2π" in t for t in texts(c))
    s = solve(kind="critical_points", expr="sin(x)")
    assert s.answer == [{"point": {"x": sp.pi / 2}, "type": "maximum"},
                        {"point": {"x": 3 * sp.pi / 2}, "type": "minimum"}]
    double = calcai.critical_points("sin(2x)")
    assert any("repeat every π" in t for t in texts(double))
    assert [p.point[x] for p in double.result] == [sp.pi / 4, 3 * sp.pi / 4]


def test_exponential_has_no_critical_points_and_no_empty_table():
    c = calcai.critical_points("e^x")
    assert c.result == ()
    assert "∇f is never 0: there are no critical points." in texts(c)
    assert tables(c) == []
    assert [t.text for t in c.final] == ["no real critical points"]


# ---------------------------------------------------------------- nothing but MathError escapes

CRITICAL = ["x^6 - 3x^4 - x", "x^6 - 3x^4 + x^2*y^2 + y^4 - x", "x^2 + x*y + y^2 + y*z + 2.5z^2",
            "sin(x)", "e^x", "(x^2+y^2-1)^2", "(x^2+y^2)^2", "(x-y)^2", "x^2*y^2", "tan(x)",
            "sin(x)+cos(y)", "sin(x)+x^2", "x*sin(x)", "x + 1/x", "x^(2/3)", "abs(x) + x^2",
            "sqrt(-x^2-1)", "x^4 + y^4 + z^4 - 4*x*y*z", "x^3 - sqrt(2)*x", "x*log(x) + x^3"]


def test_constant_function_is_refused_in_one_sentence():
    with pytest.raises(MathError, match="every point is a critical point"):
        calcai.critical_points("5", ["x"])


@pytest.mark.parametrize("expr", CRITICAL)
def test_critical_points_only_raise_math_error(expr):
    try:
        c = calcai.critical_points(expr)
    except MathError as error:
        assert "\n" not in str(error)
        return
    c.sections, c.final                                  # the walkthrough builds too
    for p in c.result:
        assert p.type in ("minimum", "maximum", "saddle", "inconclusive")


LAGRANGE = [("x + y", ["x*y = 1"], "max"), ("x*y*z", ["x + y + z = 3"], "max"),
            ("x^2 + y^2", ["x*y = 1"], "max"), ("x", ["y^2 = x^3"], "min"),
            ("x^5 + y", ["x^2 + y^2 = 1"], "max"), ("x*y*z", ["x^2 + y^2 + z^2 = 3"], "max"),
            ("x^2 - y^2", ["x = 1", "y = 2"], "max"), ("sin(x) + cos(y)", ["x + y = 1"], "max")]


@pytest.mark.parametrize("objective, constraints, goal", LAGRANGE)
def test_lagrange_only_raises_math_error(objective, constraints, goal):
    try:
        r = calcai.lagrange(objective, constraints, goal=goal)
    except MathError as error:
        assert "\n" not in str(error)
        return
    r.sections, r.final
    assert len(r.types) == len(r.candidates)
    assert r.types[[p for p, _ in r.candidates].index(
        next(p for p, _ in r.candidates if all(p[v] == r.point[v] for v in r.vars)))] in (
        "maximum" if goal == "max" else "minimum", "isolated")


def test_lagrange_crootof_candidates_satisfy_the_system():
    r = calcai.lagrange("x^5 + y", ["x^2 + y^2 = 1"], goal="max")
    lam = sp.Symbol("lambda", real=True)
    system = [5 * x**4 - 2 * lam * x, 1 - 2 * lam * y, x**2 + y**2 - 1]
    expected = newton_roots(system, (x, y, lam), box=2.0, step=0.5)
    got = [(num(p[x]), num(p[y]), num(p[lam])) for p, _ in r.candidates]
    assert len(got) == len(expected) == 6
    for e in expected:
        assert any(g == pytest.approx(e, abs=1e-10) for g in got)
    values = [num(v) for (_, v), t in zip(r.candidates, r.types) if t == "maximum"]
    assert num(r.result) == pytest.approx(max(values))
