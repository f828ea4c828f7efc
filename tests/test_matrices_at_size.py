"""Hessians and Jacobians at size: the fast matrix agrees with sympy's, summarised walkthroughs
past six variables, any entry's tree on request, exact inertia and decimal eigenvalues."""

import json
import random
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calcai
from calcai import limits
from calcai.differentiation import walk
from calcai.multivariable import inertia, numeric_spectrum
from calcai.render.text import render_text

from test_derive import assert_sound


def _lse(n):
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    return xs, sum(v**2 for v in xs) + sp.log(sum(sp.exp(v) for v in xs))


def _agree(a, b, symbols, rng, points=3):
    """a and b agree at random rational points (30 digits)."""
    for _ in range(points):
        p = {s: sp.Rational(rng.randint(-200, 200), 100) for s in symbols}
        assert abs(sp.N((a - b).xreplace(p), 30)) < 1e-25


@pytest.mark.parametrize("n", [3, 8])
def test_hessian_entries_equal_sympys(n):
    xs, f = _lse(n)
    h = calcai.hessian(f)
    reference = sp.hessian(f, xs)
    rng = random.Random(n)
    for i in range(n):
        for j in range(n):
            _agree(h.result[i, j], reference[i, j], xs, rng, points=1)
    assert h.result.is_symmetric()


def test_large_hessian_walkthrough_is_summarised_with_the_pattern():
    xs, f = _lse(8)
    h = calcai.hessian(f)
    assert not h.full
    assert len(h.steps) == 8 + 2                       # every gradient tree, then H₁₁ and H₁₂
    text = render_text(h)
    assert "f is symmetric in x₁, …, x₈" in text
    assert "every off-diagonal entry ∂²f/∂xᵢ∂xⱼ is H₁₂ with (x₁, x₂) replaced by (xᵢ, xⱼ)" in text
    assert "--steps all" in text and ".steps_for(i, j)" in text
    assert text.count("sum rule: ∂/∂x₁ (x₁² + x₂²") == 1   # one gradient derivation, not eight
    for tree in h.steps:
        assert_sound(tree)


def test_steps_for_gives_any_entry_and_all_steps_gives_every_one():
    xs, f = _lse(7)
    h = calcai.hessian(f)
    tree = h.steps_for(4, 2)
    assert tree.wrt == xs[2] and tree.expr == h.steps[4].result
    assert sp.simplify(tree.result - h.result[4, 2]) == 0
    assert_sound(tree)
    with pytest.raises(IndexError):
        h.steps_for(7, 0)
    full = calcai.hessian(f, all_steps=True)
    assert full.full and len(full.steps) == 7 + 7 * 8 // 2
    assert full.result == h.result


def test_non_symmetric_large_hessian_lists_its_nonzero_entries():
    xs = sp.symbols("x1:9", real=True)
    f = sum((xs[i + 1] - xs[i]**2)**2 for i in range(7)) + sum((1 - v)**2 for v in xs)
    h = calcai.hessian(f)
    reference = sp.hessian(f, xs)
    assert (h.result - reference).applyfunc(sp.expand) == sp.zeros(8, 8)
    text = render_text(h)
    zero = sum(1 for i in range(8) for j in range(i, 8) if reference[i, j] == 0)
    assert f"{zero} of the 36 entries on and above the diagonal are 0; the others:" in text
    assert f"H₂₃ = {calcai.render.text.math_text(reference[1, 2])}" in text


def test_large_hessian_at_a_point_has_decimal_eigenvalues_and_exact_definiteness():
    xs = sp.symbols("x1:8", real=True)
    f = sum(v**4 for v in xs) + sum(xs[i] * xs[i + 1] for i in range(6))
    point = {v: sp.Rational(k + 1, 2) for k, v in enumerate(xs)}
    h = calcai.hessian(f, at=point)
    exact = sp.hessian(f, xs).xreplace(point)
    assert h.matrix == exact
    reference = sorted(mpmath.eigsy(mpmath.matrix(exact.tolist()))[0], reverse=True)
    assert [float(v) for v in h.eigenvalues] == pytest.approx([float(v) for v in reference], rel=1e-12)
    assert h.definiteness == "positive definite"


def test_constant_hessians_past_four_variables_get_a_verdict():
    # x₁² − x₂² + … alternating signs: indefinite; Σ(xᵢ − xᵢ₊₁)²: positive semidefinite (zero on x₁ = … = x₆)
    xs = sp.symbols("x1:7", real=True)
    h = calcai.hessian(sum((-1)**k * v**2 for k, v in enumerate(xs)))
    assert h.definiteness == "indefinite"
    semi = calcai.hessian(sum((xs[i] - xs[i + 1])**2 for i in range(5)))
    assert semi.definiteness == "positive semidefinite"
    assert min(abs(float(v)) for v in semi.eigenvalues) < 1e-12


def _random_symmetric(rng, n, rank=None):
    """A symmetric rational matrix, of the given rank when ``rank`` is set (B·D·Bᵀ)."""
    if rank is None:
        m = [[Fraction(rng.randint(-5, 5), rng.randint(1, 3)) for _ in range(n)] for _ in range(n)]
        return [[m[i][j] if i <= j else m[j][i] for j in range(n)] for i in range(n)]
    b = [[Fraction(rng.randint(-3, 3)) for _ in range(rank)] for _ in range(n)]
    d = [Fraction(rng.choice([-2, -1, 1, 2])) for _ in range(rank)]
    return [[sum(b[i][k] * d[k] * b[j][k] for k in range(rank)) for j in range(n)] for i in range(n)]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 7), st.booleans())
def test_inertia_matches_the_eigenvalues(seed, n, low_rank):
    rng = random.Random(seed)
    m = _random_symmetric(rng, n, rng.randint(0, n) if low_rank else None)
    pos, neg, zero = inertia(m)
    eigen = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in m]).eigenvals()
    signs = {1: 0, -1: 0, 0: 0}
    for value, mult in eigen.items():
        approx = sp.re(sp.N(value, 50, chop=True))
        signs[0 if value == 0 or abs(approx) < 1e-40 else (1 if approx > 0 else -1)] += mult
    assert (pos, neg, zero) == (signs[1], signs[-1], signs[0])


def test_inertia_of_a_matrix_with_zero_diagonal():
    assert inertia([[0, 1], [1, 0]]) == (1, 1, 0)
    assert inertia([[0, 0, 2], [0, 0, 0], [2, 0, 0]]) == (1, 1, 1)
    assert inertia([[0, 0], [0, 0]]) == (0, 0, 2)


def test_numeric_spectrum_of_an_irrational_matrix():
    m = sp.ImmutableMatrix(5, 5, lambda i, j: sp.exp(sp.Rational(-abs(i - j), 2)))
    values, verdict = numeric_spectrum(m)
    reference = sorted(mpmath.eigsy(mpmath.matrix([[mpmath.e ** (-abs(i - j) / 2) for j in range(5)]
                                                    for i in range(5)]))[0], reverse=True)
    assert [float(v) for v in values] == pytest.approx([float(v) for v in reference], rel=1e-12)
    assert verdict == "positive definite"


def test_hessian_limit_of_variables_is_raised():
    assert limits.current().max_variables >= 100


def test_large_jacobian_is_summarised_and_correct():
    xs = sp.symbols("x1:9", real=True)
    fs = [sp.sin(xs[i]) * xs[(i + 1) % 8] for i in range(8)]
    j = calcai.jacobian(fs, list(xs))
    assert not j.full
    assert j.result == sp.Matrix(fs).jacobian(xs)
    assert [t.wrt for t in j.steps] == list(xs)
    assert j.steps_for(3, 4).result == sp.diff(fs[3], xs[4])
    text = render_text(j)
    assert "48 of the 64 entries are 0." in text
    for node in walk(j.steps[0]):
        assert sp.simplify(node.result - sp.diff(node.expr, node.wrt)) == 0


def test_cli_hessian_steps_all_shows_every_entry():
    from test_cli import calcai as run

    f = " + ".join(f"x{i}^4" for i in range(1, 8)) + " + x1*x2"
    summarised = run("hessian", f, "--format", "json")
    full = run("hessian", f, "--steps", "all", "--format", "json")
    assert summarised.returncode == full.returncode == 0
    trees = lambda out: sum(1 for s in json.loads(out)["steps"] for i in s["items"] if i.get("type") == "step")  # noqa: E731
    assert trees(full.stdout) == 7 + 28
    assert trees(summarised.stdout) < trees(full.stdout)
    assert json.loads(full.stdout)["answer"] == json.loads(summarised.stdout)["answer"]
