"""The rules of matrix differentiation: one small frozen dataclass per rule.

Layout: the gradient of a scalar L with respect to a vector or matrix X has the shape of X
(entry (i, j) is ∂L/∂Xᵢⱼ). Each step carries the node it differentiates (``expr``), the
gradient arriving from above (``upstream``: ∂L/∂expr, the shape of expr; a number for a
scalar or 1×1 node) and what it passes down (``pushes``: pairs (operand, ∂L/∂operand)).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp


class Partial(sp.Basic):
    """∂L/∂(operand): the label of a gradient in a walkthrough (printed, never computed)."""

    @property
    def operand(self):
        return self.args[0]

    def _sympystr(self, printer):
        inner = printer._print(self.operand)
        simple = isinstance(self.operand, sp.MatrixSymbol)
        return f"∂L/∂{inner}" if simple else f"∂L/∂({inner})"

    def _latex(self, printer):
        inner = printer._print(self.operand)
        if not isinstance(self.operand, sp.MatrixSymbol):
            inner = r"\left(" + inner + r"\right)"
        return r"\frac{\partial L}{\partial " + inner + "}"

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(self._sympystr(printer))


class SquaredNormOf(sp.Basic):
    """‖v‖² as written, for display: the engine reads it as vᵀv (printed, never computed)."""

    @property
    def operand(self):
        return self.args[0]

    def _latex(self, printer):
        return r"\left\|" + printer._print(self.operand) + r"\right\|^{2}"


def as_written(e):
    """``e`` for display: vᵀv written ‖v‖² (the whole expression only)."""
    if isinstance(e, sp.Trace) and e.arg.shape == (1, 1):
        e = e.arg
    if isinstance(e, sp.MatMul):
        c, ms = e.as_coeff_matrices()
        if c == 1 and len(ms) == 2 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[1]:
            return SquaredNormOf(ms[1])
    return e


@dataclass(frozen=True)
class MatrixStep:
    """A step: ∂L/∂operand for each operand of ``expr``, from ∂L/∂expr = ``upstream``."""

    expr: object
    upstream: object
    pushes: tuple

    name = "step"
    formula = ""

    @property
    def rule(self) -> str:
        return self.name


@dataclass(frozen=True)
class Start(MatrixStep):
    """The start: ∂L/∂L = 1."""

    name = "start"
    formula = "∂L/∂L = 1"


@dataclass(frozen=True)
class SumRule(MatrixStep):
    """A sum passes its gradient to every term: ∂L/∂A = ∂L/∂B = G for L(A + B)."""

    name = "sum rule"
    formula = "∂(A + B) → G to A and to B"


@dataclass(frozen=True)
class ScalarMultiple(MatrixStep):
    """A constant factor scales the gradient: ∂L/∂A = c·G for cA."""

    name = "constant multiple"
    formula = "∂L/∂A = c·G for cA"


@dataclass(frozen=True)
class LinearMap(MatrixStep):
    """A linear map Y = AXB: ∂L/∂X = Aᵀ G Bᵀ (so ∂(aᵀx)/∂x = a, ∂(Wx)ᵀG/∂x = WᵀG)."""

    name = "linear map"
    formula = "Y = AXB ⇒ ∂L/∂X = Aᵀ G Bᵀ"


@dataclass(frozen=True)
class ProductRule(MatrixStep):
    """Product rule for matrix products: Y = AB gives ∂L/∂A = G Bᵀ and ∂L/∂B = Aᵀ G."""

    name = "product rule"
    formula = "Y = AB ⇒ ∂L/∂A = G Bᵀ, ∂L/∂B = Aᵀ G"


@dataclass(frozen=True)
class TransposeRule(MatrixStep):
    """A transpose transposes the gradient: ∂L/∂A = Gᵀ for Aᵀ."""

    name = "transpose"
    formula = "Y = Aᵀ ⇒ ∂L/∂A = Gᵀ"


@dataclass(frozen=True)
class SquaredNorm(MatrixStep):
    """Squared norm: ∂‖v‖²/∂v = ∂(vᵀv)/∂v = 2v."""

    name = "squared norm"
    formula = "∂‖v‖²/∂v = 2v"


@dataclass(frozen=True)
class QuadraticForm(MatrixStep):
    """Quadratic form: ∂(vᵀAv)/∂v = (A + Aᵀ)v."""

    name = "quadratic form"
    formula = "∂(vᵀAv)/∂v = (A + Aᵀ)v"


@dataclass(frozen=True)
class OneByOne(MatrixStep):
    """A 1×1 matrix used as a number (xᵀa + 3, σ(wᵀx)) passes its gradient on unchanged."""

    name = "1×1 as a number"
    formula = "∂L/∂(xᵀa) = G"


@dataclass(frozen=True)
class TraceRule(MatrixStep):
    """Trace of a product, by cyclicity: ∂tr(AXB)/∂X = AᵀBᵀ, ∂tr(X)/∂X = I."""

    name = "trace"
    formula = "∂tr(AXB)/∂X = Aᵀ Bᵀ"


@dataclass(frozen=True)
class Determinant(MatrixStep):
    """Jacobi's formula: ∂det(X)/∂X = det(X)·X⁻ᵀ."""

    name = "determinant"
    formula = "∂det(X)/∂X = det(X) X⁻ᵀ"


@dataclass(frozen=True)
class LogDet(MatrixStep):
    """Log-determinant: ∂log det(X)/∂X = X⁻ᵀ."""

    name = "log det"
    formula = "∂log det(X)/∂X = X⁻ᵀ"


@dataclass(frozen=True)
class InverseRule(MatrixStep):
    """Inverse: Y = X⁻¹ gives ∂L/∂X = −X⁻ᵀ G X⁻ᵀ."""

    name = "inverse"
    formula = "Y = X⁻¹ ⇒ ∂L/∂X = −X⁻ᵀ G X⁻ᵀ"


@dataclass(frozen=True)
class Hadamard(MatrixStep):
    """Elementwise product: Y = A ⊙ B gives ∂L/∂A = G ⊙ B, ∂L/∂B = G ⊙ A."""

    name = "elementwise product"
    formula = "Y = A ⊙ B ⇒ ∂L/∂A = G ⊙ B"


@dataclass(frozen=True)
class ElementwiseChain(MatrixStep):
    """Chain rule through an elementwise function: y = f(z) gives ∂L/∂z = diag(f'(z))·G."""

    name = "chain rule (elementwise)"
    formula = "y = f(z) ⇒ ∂L/∂z = diag(f′(z)) G"


@dataclass(frozen=True)
class ScalarChain(MatrixStep):
    """Chain rule through a scalar function: L = g(s) gives ∂L/∂s = g'(s)."""

    name = "chain rule (scalar)"
    formula = "L = g(s) ⇒ ∂L/∂s = g′(s)·G"


RULES = (Start, SumRule, ScalarMultiple, LinearMap, ProductRule, TransposeRule, SquaredNorm,
         QuadraticForm, OneByOne, TraceRule, Determinant, LogDet, InverseRule, Hadamard, ElementwiseChain,
         ScalarChain)
