"""The gradient of a scalar matrix expression, step by step, in matrix notation.

Reverse accumulation: starting from ∂L/∂L = 1 at the root, each node passes ∂L/∂operand
to its operands by one named rule (calcai.matrix.rules); the gradient with respect to X is
the sum of what reaches the occurrences of X. Results are built in the form a textbook
writes (2Wᵀ(Wx − y), 2(Wx − y)xᵀ, (A + Aᵀ)x): products are formed unevaluated, transposes
of transposes cancel, identity factors drop, equal terms are counted — nothing is simplified
afterwards. Layout: the gradient has the shape of the variable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from ..errors import MathError
from . import rules as R
from .parse import SymmetricMatrix, as_number, is_matrix


@dataclass(frozen=True)
class MatrixDerivation:
    """∂expr/∂wrt = gradient, with the steps that built it (root first)."""

    expr: object
    wrt: object
    gradient: object
    steps: tuple


# ---------------------------------------------------------------- building blocks

def T(e):
    """eᵀ, with (Aᵀ)ᵀ = A; a scalar is its own transpose."""
    if not is_matrix(e) or e.shape == (1, 1):      # a 1×1 matrix is its own transpose
        return e
    if isinstance(e, sp.Transpose):
        return e.arg
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, SymmetricMatrix)):
        return e
    if isinstance(e, sp.OneMatrix):
        return sp.OneMatrix(e.shape[1], e.shape[0])
    if isinstance(e, sp.MatMul):                # (c A B)ᵀ = c Bᵀ Aᵀ
        c, ms = e.as_coeff_matrices()
        return mm(c, *[T(f) for f in reversed(ms)])
    return sp.Transpose(e)


def mm(*factors):
    """The product of the factors, unevaluated: flattened, identities and 1s dropped."""
    coeff, mats, identity = sp.Integer(1), [], None
    for f in factors:
        if isinstance(f, sp.MatMul):
            c, ms = f.as_coeff_matrices()
            coeff *= c
            mats += list(ms)
        elif is_matrix(f):
            if isinstance(f, sp.OneMatrix) and mats and isinstance(mats[-1], DiagMatrix) \
                    and f.shape[1] == 1:
                mats[-1] = mats[-1].args[0]           # diag(v)·𝟙 = v
            elif isinstance(f, sp.Identity):
                identity = f
            else:
                mats.append(f)
        else:
            coeff *= f
    if not mats:
        return coeff if identity is None else (identity if coeff == 1 else sp.MatMul(coeff, identity))
    if len(mats) == 1 and coeff == 1:
        return mats[0]
    return sp.MatMul(*([coeff] if coeff != 1 else []), *mats)


def add(terms):
    """The sum of the terms, equal terms counted (v + v = 2v)."""
    counts = Counter()
    order = []
    for t in terms:
        c, rest = (t.as_coeff_matrices() if isinstance(t, sp.MatMul) else (1, (t,)))
        key = (mm(*rest) if isinstance(t, sp.MatMul) else t)
        if not is_matrix(t):
            c, key = sp.Integer(1), t
        if key not in counts:
            order.append(key)
        counts[key] += c
    out = [mm(counts[k], k) if counts[k] != 1 else k for k in order if counts[k] != 0]
    if not out:
        return None
    if len(out) == 1:
        return out[0]
    return sp.MatAdd(*out) if is_matrix(out[0]) else sp.Add(*out)


def _inv_T(X):
    return sp.Transpose(sp.Inverse(X))


# ---------------------------------------------------------------- the walk

class _Walk:
    def __init__(self, wrt):
        self.wrt = wrt
        self.steps: list = []
        self.reached: list = []

    def depends(self, e) -> bool:
        return e.has(self.wrt)

    def push(self, rule, expr, G, pushes):
        # a 1×1 gradient is a number (so that 2·(aᵀx)·x stays a scalar times a vector)
        pushes = tuple((c, as_number(g)) for c, g in pushes if self.depends(c))
        self.steps.append(rule(expr, G, pushes))
        for child, g in pushes:
            self.visit(child, g)

    def visit(self, e, G):
        if e == self.wrt:
            self.reached.append(G)
            return
        if not self.depends(e):
            return
        if isinstance(e, sp.MatAdd) or (isinstance(e, sp.Add)):
            return self.push(R.SumRule, e, G, [(t, G) for t in e.args])
        if isinstance(e, sp.MatMul):
            return self.product(e, G)
        if isinstance(e, sp.Transpose):
            return self.push(R.TransposeRule, e, G, [(e.arg, T(G))])
        if isinstance(e, sp.Trace):
            return self.trace(e, G)
        if isinstance(e, sp.Determinant):
            X = e.arg
            return self.push(R.Determinant, e, G, [(X, mm(G, e, _inv_T(X)))])
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant):
            X = e.args[0].arg
            return self.push(R.LogDet, e, G, [(X, mm(G, _inv_T(X)))])
        if isinstance(e, sp.Inverse):
            X = e.arg
            return self.push(R.InverseRule, e, G, [(X, mm(-1, _inv_T(X), G, _inv_T(X)))])
        if isinstance(e, sp.HadamardProduct):
            a, b = e.args[0], sp.HadamardProduct(*e.args[1:]) if len(e.args) > 2 else e.args[1]
            return self.push(R.Hadamard, e, G, [(a, self.had(G, b)), (b, self.had(G, a))])
        if isinstance(e, ElementwiseApplyFunction):
            return self.elementwise(e, G)
        if isinstance(e, sp.Mul):
            c, rest = e.as_independent(self.wrt, as_Add=False)
            if c != 1:
                return self.push(R.ScalarMultiple, e, G, [(rest, mm(c, G))])
            a = e.args[0]
            b = sp.Mul(*e.args[1:])
            return self.push(R.ProductRule, e, G, [(a, G * b), (b, G * a)])
        if isinstance(e, sp.Pow) and e.exp.is_number:
            s = e.base
            return self.push(R.ScalarChain, e, G, [(s, G * e.exp * s ** (e.exp - 1))])
        if isinstance(e, sp.Function) and len(e.args) == 1:
            s = e.args[0]
            z = sp.Dummy("z")
            d = sp.diff(e.func(z), z).subs(z, s)
            return self.push(R.ScalarChain, e, G, [(s, G * d)])
        raise MathError(f"no matrix differentiation rule for {e}")

    @staticmethod
    def had(G, b):
        if not is_matrix(G):
            return mm(G, b)
        if isinstance(G, sp.OneMatrix):                 # 𝟙 ⊙ b = b
            return b
        return sp.HadamardProduct(G, b)

    def product(self, e, G):
        c, ms = e.as_coeff_matrices()
        if c != 1:
            rest = mm(*ms)
            return self.push(R.ScalarMultiple, e, G, [(rest, mm(c, G))])
        ms = list(ms)
        # ‖v‖² = vᵀv and vᵀAv
        if len(ms) == 2 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[1]:
            v = ms[1]
            return self.push(R.SquaredNorm, e, G, [(v, mm(2, G, v))])
        if (len(ms) == 3 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[2]
                and not self.depends(ms[1])):
            v, A = ms[2], ms[1]
            return self.push(R.QuadraticForm, e, G, [(v, mm(G, add([A, T(A)]), v))])
        idx = [i for i, f in enumerate(ms) if self.depends(f)]
        if len(idx) == 1:
            i = idx[0]
            L, Rt = ms[:i], ms[i + 1:]
            g = mm(*(T(mm(*L)),) if L else (), G, *(T(mm(*Rt)),) if Rt else ())
            return self.push(R.LinearMap, e, G, [(ms[i], g)])
        # split into the first factor and the rest: Y = AB
        A, B = ms[0], mm(*ms[1:])
        return self.push(R.ProductRule, e, G, [(A, mm(G, T(B))), (B, mm(T(A), G))])

    def trace(self, e, G):
        X = e.arg
        if X.shape == (1, 1):                       # a 1×1 used as a number
            return self.push(R.OneByOne, e, G, [(X, G)])
        if isinstance(X, sp.MatMul):
            c, ms = X.as_coeff_matrices()
            idx = [i for i, f in enumerate(ms) if self.depends(f)]
            if c == 1 and len(idx) == 1:
                i = idx[0]
                L, Rt = ms[:i], ms[i + 1:]
                # tr(L F R) = tr(F R L) ⇒ ∂/∂F = (R L)ᵀ
                inner = list(Rt) + list(L)
                g = mm(G, T(mm(*inner))) if inner else mm(G, sp.Identity(ms[i].shape[0]))
                return self.push(R.TraceRule, e, G, [(ms[i], g)])
        n = X.shape[0]
        return self.push(R.TraceRule, e, G, [(X, mm(G, sp.Identity(n)) if G != 1 else sp.Identity(n))])

    def elementwise(self, e, G):
        z = e.expr
        x = e.function.variables[0]
        d = sp.diff(e.function.expr, x)
        fprime = ElementwiseApplyFunction(sp.Lambda(x, d), z)
        if not is_matrix(G) or z.shape == (1, 1):
            g = mm(G, fprime)
        elif z.shape[1] == 1:
            g = mm(DiagMatrix(fprime), G)
        else:
            g = sp.HadamardProduct(fprime, G)
        return self.push(R.ElementwiseChain, e, G, [(z, g)])


def matrix_gradient(expr, wrt) -> MatrixDerivation:
    """∂expr/∂wrt for a scalar (or 1×1) matrix expression and a declared MatrixSymbol."""
    if is_matrix(expr) and expr.shape != (1, 1):
        raise MathError(f"the expression is a {expr.shape[0]}×{expr.shape[1]} matrix; a gradient "
                        "needs a scalar (use sum(…), tr(…) or a norm)")
    if not isinstance(wrt, sp.MatrixSymbol):
        raise MathError("differentiate with respect to a declared vector or matrix")
    if isinstance(wrt, SymmetricMatrix):
        raise MathError(f"{wrt.name} is declared symmetric: a gradient with respect to a symmetric matrix "
                        "depends on a convention (G, or G + Gᵀ − diag G); declare it without symmetric")
    walk = _Walk(wrt)
    walk.steps.append(R.Start(expr, sp.Integer(1), ((expr, sp.Integer(1)),)))
    walk.visit(expr, sp.Integer(1))
    g = add(walk.reached)
    if g is None:
        g = sp.ZeroMatrix(*wrt.shape)
    elif not is_matrix(g):                      # a 1×1 wrt reached by scalars only
        g = mm(g, sp.Identity(1)) if wrt.shape == (1, 1) else g
    return MatrixDerivation(expr, wrt, g, tuple(walk.steps))


def rename(e, name, value):
    """``e`` with each occurrence of ``value`` written ``name`` (also as a run of factors of a
    product: 2WᵀWx with y = Wx is 2Wᵀy)."""
    if e == value:
        return name
    if not e.args or not is_matrix(e) and not e.has(value):
        return e
    if isinstance(e, sp.MatMul) and isinstance(value, sp.MatMul):
        c, ms = e.as_coeff_matrices()
        vc, vs = value.as_coeff_matrices()
        k = len(vs)
        if vc == 1:
            for i in range(len(ms) - k + 1):
                if tuple(ms[i:i + k]) == tuple(vs):
                    return mm(c, *ms[:i], name, *[rename(f, name, value) for f in ms[i + k:]])
    if isinstance(e, sp.MatrixSymbol):
        return e
    args = [rename(a, name, value) for a in e.args]
    if isinstance(e, sp.MatMul):
        return mm(*args)
    if isinstance(e, sp.MatAdd):
        return sp.MatAdd(*args)
    return e.func(*args)
