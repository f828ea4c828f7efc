"""Checks of a matrix gradient against the scalarised expression.

At concrete sizes every declared vector and matrix becomes an explicit matrix of real
symbols (X → [[X₁₁, X₁₂], …]); the expression becomes one scalar expression in them, and
sympy ``diff`` by each entry gives the gradient entry by entry. The matrix-notation result,
made explicit the same way, must agree with it: exactly at random rational points, and
with central finite differences of the scalar function at random float points.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import sympy as sp

from .parse import SymmetricMatrix, is_matrix

DEFAULT_SIZES = (2, 3, 4, 5)

_FLOAT_FUNCTIONS = {
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "softplus": lambda z: math.log1p(math.exp(z)),
    "relu": lambda z: max(0.0, z),
    "Heaviside": lambda z, h=0.5: 1.0 if z > 0 else (0.0 if z < 0 else h),
    "step": lambda z: 1.0 if z > 0 else 0.0,
}


@dataclass(frozen=True)
class Verification:
    """What was compared: sizes used, points tried, the largest finite-difference error."""

    sizes: dict
    points: int
    fd_error: float
    ok: bool
    standins: dict = None        # big numeric sizes → the small sizes used in their place


def _zero(value) -> bool:
    """Whether a number built from rationals (and exp, log … of them) is 0: exactly for a
    rational, else to 45 of 60 significant digits."""
    value = sp.sympify(value)
    if value.is_Rational:
        return value == 0
    return abs(sp.N(value, 60)) < sp.Float("1e-45", 60)


def concrete_sizes(symbols) -> dict:
    """A concrete whole number for each symbolic size (2, 3, 4… by name, distinct)."""
    square = {m.shape[0] for m in symbols if m.shape[0] == m.shape[1] and m.shape[0].is_Symbol}
    # sizes of square matrices first (they get 2: determinants and inverses stay small),
    # the others distinct, so that a transposed shape cannot pass by accident
    names = sorted({s for m in symbols for d in m.shape for s in sp.sympify(d).free_symbols},
                   key=lambda s: (s not in square, s.name))
    return {s: DEFAULT_SIZES[i % len(DEFAULT_SIZES)] for i, s in enumerate(names)}


def explicit(symbols, sizes: dict) -> dict:
    """MatrixSymbol → explicit ImmutableMatrix of real entry symbols, at concrete sizes."""
    out = {}
    for m in symbols:
        r, c = (int(sp.sympify(d).xreplace(sizes)) for d in m.shape)
        if isinstance(m, SymmetricMatrix):            # Aᵢⱼ = Aⱼᵢ
            entries = [[sp.Symbol(f"{m.name}_{min(i, j) + 1}{max(i, j) + 1}", real=True) for j in range(c)]
                       for i in range(r)]
        elif c == 1:
            entries = [[sp.Symbol(f"{m.name}_{i + 1}", real=True)] for i in range(r)]
        else:
            entries = [[sp.Symbol(f"{m.name}_{i + 1}{j + 1}", real=True) for j in range(c)]
                       for i in range(r)]
        out[m] = sp.ImmutableMatrix(entries)
    return out


SMALL = 4          # numeric sizes above this are checked at small stand-ins (2, 3, 5 …)


def numeric_standins(symbols) -> dict:
    """Small distinct stand-ins for the numeric sizes above SMALL ({100: 2, 50: 3}): equal
    sizes stay equal and different ones different, so every product keeps its shape rules."""
    dims = {int(d) for m in symbols for d in m.shape if sp.sympify(d).is_Integer}
    big = sorted(d for d in dims if d > SMALL)
    free = [k for k in range(2, 2 + len(dims) + len(big)) if k not in dims]
    return dict(zip(big, free))


def _resize(e, sizes: dict, standins: dict | None = None):
    """``e`` with symbolic sizes replaced by numbers and big numeric sizes by their stand-ins
    (MatrixSymbols, identities and ones rebuilt)."""
    standins = standins or {}
    if not sizes and not standins:
        return e, {}

    def dim(d):
        d = sp.sympify(sp.sympify(d).xreplace(sizes))
        return sp.Integer(standins.get(int(d), int(d))) if d.is_Integer else d

    swap = {}
    for m in e.atoms(sp.MatrixSymbol):
        swap[m] = type(m)(m.name, *(dim(d) for d in m.shape))
    for m in e.atoms(sp.Identity):
        swap[m] = sp.Identity(dim(m.shape[0]))
    for m in e.atoms(sp.OneMatrix):
        swap[m] = sp.OneMatrix(*(dim(d) for d in m.shape))
    for m in e.atoms(sp.ZeroMatrix):
        swap[m] = sp.ZeroMatrix(*(dim(d) for d in m.shape))
    rebuilt = e.xreplace(swap)
    return (rebuilt.xreplace(sizes) if sizes else rebuilt), swap


def _evaluate(e, values: dict):
    """``e`` evaluated bottom-up on explicit matrices: products, sums, transposes… computed by
    matrix arithmetic, never through symbolic sums over indices."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.diagonal import DiagMatrix

    if isinstance(e, sp.MatrixBase):
        return e
    if isinstance(e, sp.MatrixSymbol):
        return values[e] if e in values else e
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
        return sp.ImmutableMatrix(e.as_explicit())
    if not e.args or not (is_matrix(e) or e.has(sp.MatrixSymbol)):
        return e
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for a in e.args:
            v = _evaluate(a, values)
            out = v * out if not isinstance(v, sp.MatrixBase) and isinstance(out, sp.MatrixBase) else out * v
        return out
    args = [_evaluate(a, values) for a in e.args]
    if isinstance(e, sp.MatAdd):
        out = args[0]
        for v in args[1:]:
            out = out + v
        return out
    if isinstance(e, sp.Transpose):
        return args[0].T
    if isinstance(e, sp.Inverse):
        return args[0].inv()
    if isinstance(e, sp.Determinant):
        return args[0].det()
    if isinstance(e, sp.Trace):                          # also AsNumber: the entry of a 1×1
        return args[0].trace() if isinstance(args[0], sp.MatrixBase) else args[0]
    if isinstance(e, sp.HadamardProduct):
        out = args[0]
        for v in args[1:]:
            out = out.multiply_elementwise(v)
        return out
    if isinstance(e, ElementwiseApplyFunction):
        return args[1].applyfunc(e.function)
    if isinstance(e, DiagMatrix):
        v = args[0]
        return sp.ImmutableMatrix(sp.diag(*[v[i] for i in range(v.shape[0])]))
    if isinstance(e, sp.MatPow):
        return args[0] ** args[1]
    scalars = [a[0, 0] if isinstance(a, sp.MatrixBase) and a.shape == (1, 1) else a for a in args]
    return e.func(*scalars)


def make_explicit(e, values: dict):
    """``e`` with each MatrixSymbol replaced by its explicit matrix, evaluated."""
    try:
        out = _evaluate(e, values)
    except (AttributeError, TypeError):                 # a form the evaluator does not know
        out = e.xreplace(values).doit()
    if is_matrix(out) or isinstance(out, sp.MatrixBase):
        out = sp.ImmutableMatrix(sp.Matrix(out))
        if out.shape == (1, 1):
            return out[0, 0]
    return out


def scalarised_gradient(expr, wrt, symbols, sizes: dict):
    """(scalar function, explicit values, gradient entries by sympy diff) at concrete sizes."""
    values = explicit(symbols, sizes)
    f = make_explicit(expr, values)
    X = values[wrt]
    grad = sp.ImmutableMatrix(X.shape[0], X.shape[1], lambda i, j: sp.diff(f, X[i, j]))
    return f, values, grad


def _random_point(values: dict, rng, exact: bool) -> dict:
    point = {}
    for m in values.values():
        for s in m:
            if exact:
                point[s] = sp.Rational(rng.randint(-9, 9), rng.randint(1, 4)) + sp.Rational(1, 7)
            else:
                point[s] = rng.uniform(-1.5, 1.5)
    return point


def _resized(a, b, symbols, sizes, standins):
    a, swap1 = _resize(a, sizes, standins)
    b, swap2 = _resize(b, sizes, standins)
    swap = {**swap1, **swap2}
    rebuilt = []
    for m in symbols:
        if m not in swap:
            swap.update(_resize(m, sizes, standins)[1])
        rebuilt.append(swap.get(m, m))
    return a, b, rebuilt


def verify_gradient(expr, wrt, gradient, symbols, sizes: dict | None = None, points: int = 3,
                    seed: int = 0) -> Verification:
    """Check ``gradient`` = ∂expr/∂wrt entry by entry at concrete sizes (exact, at rational
    points, against sympy diff of the scalarised expression) and by finite differences."""
    symbols = list(symbols)
    sizes = dict(concrete_sizes(symbols)) if sizes is None else sizes
    standins = numeric_standins(symbols)
    if sizes or standins:
        expr, gradient, symbols = _resized(expr, gradient, symbols, sizes, standins)
        wrt = next(m for m in symbols if m.name == wrt.name)
    f, values, by_diff = scalarised_gradient(expr, wrt, symbols, sizes)

    def gradient_at(pt):                    # the matrix-notation result, with numbers put in first
        numeric = {m: v.xreplace(pt) for m, v in values.items()}
        g = make_explicit(gradient, numeric)
        return g if isinstance(g, sp.MatrixBase) else sp.ImmutableMatrix([[g]])

    if tuple(int(d) for d in gradient.shape) != by_diff.shape:
        return Verification({s.name: v for s, v in sizes.items()}, 0, float("inf"), False, standins)
    rng = random.Random(seed)
    ok, tried = True, 0
    for _ in range(points):
        pt = _random_point(values, rng, exact=True)
        try:
            want = by_diff.xreplace(pt)
            got = gradient_at(pt)
        except (ZeroDivisionError, ValueError):
            continue
        if any(w.has(sp.zoo, sp.nan, sp.I) for w in want) or any(g.has(sp.zoo, sp.nan) for g in got):
            continue
        tried += 1
        if not all(_zero(w - g) for w, g in zip(want, got)):
            ok = False
    # finite differences on random floats
    fd_err = 0.0
    X = values[wrt]
    order = list(dict.fromkeys(s for m in values.values() for s in m))     # Aᵢⱼ = Aⱼᵢ once
    fl = sp.lambdify(order, f, [_FLOAT_FUNCTIONS, "math"])
    for _ in range(2):
        pt = _random_point(values, rng, exact=False)
        h = 1e-6
        try:
            G = gradient_at(pt)
        except (ZeroDivisionError, ValueError, TypeError):
            continue
        for idx, s in enumerate(X):
            up = dict(pt); up[s] += h
            dn = dict(pt); dn[s] -= h
            try:
                fd = (fl(*[up[v] for v in order]) - fl(*[dn[v] for v in order])) / (2 * h)
                exact = complex(G[idx])
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                continue
            if exact.imag:
                continue
            fd_err = max(fd_err, abs(fd - exact.real) / max(1.0, abs(exact.real)))
    if fd_err > 1e-4:
        ok = False
    return Verification({s.name: v for s, v in sizes.items()}, tried, fd_err, ok and tried > 0, standins)


def equal_expressions(a, b, symbols, seed: int = 1, points: int = 3) -> bool:
    """Whether two matrix expressions are equal: explicit at concrete sizes, compared exactly
    at random rational points (and in shape)."""
    if is_matrix(a) != is_matrix(b) or (is_matrix(a) and a.shape != b.shape):
        return False
    symbols = list(symbols)
    sizes = concrete_sizes(symbols)
    a, b, symbols = _resized(a, b, symbols, sizes, numeric_standins(symbols))
    values = explicit(symbols, sizes)
    rng = random.Random(seed)
    for _ in range(points):
        pt = _random_point(values, rng, exact=True)
        numeric = {m: v.xreplace(pt) for m, v in values.items()}
        try:
            A, B = make_explicit(a, numeric), make_explicit(b, numeric)
        except (ZeroDivisionError, ValueError):
            continue
        d = (A - B) if isinstance(A, sp.MatrixBase) else sp.ImmutableMatrix([[A - B]])
        if not all(_zero(v) for v in d):
            return False
    return True


def same_gradient(expected_text, computed, kind: str, fields) -> tuple:
    """(ok, message): an expected answer in matrix notation (text) against the computed one. For
    layer_gradients, δ and z are written out in W, a, b on both sides first."""
    from .parse import declare, parse_matrix

    if kind == "layer_gradients":
        from .layer import layer_expand, layer_setup
        from .derive import matrix_gradient

        symbols, L, z_of, _ = layer_setup(fields)
        delta = matrix_gradient(L, symbols["z"]).gradient
        expected = parse_matrix(str(expected_text), symbols=symbols)
        expected, computed = (layer_expand(e, symbols, delta, z_of) for e in (expected, computed))
        symbols = {k: v for k, v in symbols.items() if k not in ("z", "δ")}
    else:
        symbols = declare(fields.get("vectors"), fields.get("matrices"), fields.get("symmetric"))
        expected = parse_matrix(str(expected_text), symbols=symbols)
    if equal_expressions(expected, computed, symbols.values()):
        return True, ""
    return False, "not equal entry by entry at concrete sizes"


@dataclass(frozen=True)
class ChordCheck:
    """Random chords of f at concrete sizes and random data: how many were tried, the largest
    violation of the verdict's inequality (≤ 0 when every chord agrees)."""

    sizes: dict
    chords: int
    worst: float
    ok: bool
    standins: dict = None


def _positive_definite(m, rng) -> sp.ImmutableMatrix:
    """A random symmetric positive definite matrix of ``m``'s shape: B Bᵀ + I."""
    n = int(m.shape[0])
    B = sp.Matrix(n, n, lambda i, j: sp.Rational(rng.randint(-4, 4), 2))
    return sp.ImmutableMatrix(B * B.T + sp.eye(n))


def verify_curvature(expr, variables, symbols, verdict: str, chords: int = 12, seed: int = 0) -> ChordCheck:
    """Check a verdict (convex / concave / affine) on random chords: at concrete sizes, with
    random rational values for the constants and random points p, q for the variables,
    f((p + q)/2) against (f(p) + f(q))/2, to 30 digits. Square variables inside det, log det or
    an inverse are drawn positive definite (their domain)."""
    symbols = list(symbols)
    sizes = dict(concrete_sizes(symbols))
    standins = numeric_standins(symbols)
    names = {v.name for v in variables}
    if sizes or standins:
        expr, _, symbols = _resized(expr, expr, symbols, sizes, standins)
    variables = [m for m in symbols if m.name in names]
    constants = [m for m in symbols if m.name not in names and expr.has(m)]
    guarded = {m for m in variables if m.shape[0] == m.shape[1] and m.shape[0] != 1
               and any(a.has(m) for a in expr.atoms(sp.Determinant, sp.Inverse))}
    rng = random.Random(seed)

    def draw(m):
        if m in guarded:
            return _positive_definite(m, rng)
        r, c = (int(d) for d in m.shape)
        return sp.ImmutableMatrix(r, c, lambda i, j: sp.Rational(rng.randint(-12, 12), rng.randint(1, 4)))

    worst, tried = -math.inf, 0
    for _ in range(chords):
        data = {m: draw(m) for m in constants}
        p = {m: draw(m) for m in variables}
        q = {m: draw(m) for m in variables}
        mid = {m: (p[m] + q[m]) / 2 for m in variables}
        try:
            fp, fq, fm = (sp.N(make_explicit(expr, {**data, **pt}), 30) for pt in (p, q, mid))
        except (ZeroDivisionError, ValueError, TypeError):
            continue
        if not all(v.is_real and v.is_finite for v in (fp, fq, fm)):
            continue
        tried += 1
        gap = float(fm - (fp + fq) / 2)            # ≤ 0 for convex, ≥ 0 for concave
        scale = max(1.0, abs(float(fp)), abs(float(fq)))
        worst = max(worst, {"convex": gap, "concave": -gap, "affine": abs(gap)}[verdict] / scale)
    return ChordCheck({s.name: v for s, v in sizes.items()}, tried, worst, worst <= 1e-20, standins)
