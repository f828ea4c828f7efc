"""The activation functions of machine learning as first-class sympy functions.

Each one differentiates to the form the tutorial uses, evaluates exactly where it can
(σ(0) = 1/2), prints as σ(x) / ReLU(x) in pretty and LaTeX output, and rewrites to
exp / Piecewise on request (``expr.rewrite(sympy.exp)``, ``expr.rewrite(sympy.Piecewise)``).

Convention at the kink: ReLU'(0) = 0 and LeakyReLU'(0) = α, as in the tutorial's
"1 if x > 0, else 0" and "α if x ≤ 0".
"""

from __future__ import annotations

from sympy import (
    Function, Piecewise, Rational, S, exp, log, Max, Abs,
)


def step(x):
    """1 for x > 0, else 0: the slope of ReLU (0 at the kink, as the tutorial)."""
    return Piecewise((S.One, x > 0), (S.Zero, True))


class _Activation(Function):
    """Shared printing: a Greek letter or a short name in pretty and LaTeX output."""

    pretty_name = ""
    latex_name = ""

    def _pretty(self, printer):
        return printer._print_Function(self, func_name=self.pretty_name)

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        tex = rf"{self.latex_name}\left({args}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _eval_evalf(self, prec):
        if all(a.is_number for a in self.args):
            return self._closed_form()._eval_evalf(prec)
        return None

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None

    def _closed_form(self):  # pragma: no cover - each subclass defines it
        raise NotImplementedError


class sigmoid(_Activation):
    """σ(x) = 1/(1 + e^(−x)); σ'(x) = σ(x)(1 − σ(x))."""

    nargs = 1
    pretty_name = "σ"
    latex_name = r"\sigma"

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return S.Half
        if x is S.Infinity:
            return S.One
        if x is S.NegativeInfinity:
            return S.Zero
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _closed_form(self):
        return 1 / (1 + exp(-self.args[0]))

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + exp(-x))

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None


class relu(_Activation):
    """ReLU(x) = max(0, x); ReLU'(x) = 1 if x > 0, else 0."""

    nargs = 1
    pretty_name = "ReLU"
    latex_name = r"\operatorname{ReLU}"

    @classmethod
    def eval(cls, x):
        if x.is_extended_nonpositive:
            return S.Zero
        if x.is_extended_positive:
            return x
        return None

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _closed_form(self):
        return Max(0, self.args[0])

    def _eval_rewrite_as_Piecewise(self, x, **kwargs):
        return Piecewise((x, x > 0), (S.Zero, True))

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return Max(0, x)

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_real else None


LEAKY_ALPHA = Rational(1, 100)


class leaky_relu(_Activation):
    """LeakyReLU(x, α) = x if x > 0 else αx; its slope is 1 if x > 0, else α (α = 0.01 by default)."""

    nargs = (1, 2)
    pretty_name = "LeakyReLU"
    latex_name = r"\operatorname{LeakyReLU}"

    @classmethod
    def eval(cls, x, alpha=None):
        if alpha is None:
            return cls(x, LEAKY_ALPHA)
        if x.is_extended_positive:
            return x
        if x.is_extended_nonpositive:
            return alpha * x
        return None

    def fdiff(self, argindex=1):
        x, alpha = self.args
        if argindex == 1:
            return Piecewise((S.One, x > 0), (alpha, True))
        return Piecewise((S.Zero, x > 0), (x, True))

    def _closed_form(self):
        x, alpha = self.args
        return Piecewise((x, x > 0), (alpha * x, True))

    def _eval_rewrite_as_Piecewise(self, x, alpha, **kwargs):
        return Piecewise((x, x > 0), (alpha * x, True))


class softplus(_Activation):
    """softplus(x) = ln(1 + e^x); softplus'(x) = σ(x)."""

    nargs = 1
    pretty_name = "softplus"
    latex_name = r"\operatorname{softplus}"

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return log(2)
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _closed_form(self):
        return log(1 + exp(self.args[0]))

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return log(1 + exp(x))

    def _eval_rewrite_as_log(self, x, **kwargs):
        return log(1 + exp(x))


ACTIVATIONS = (sigmoid, relu, leaky_relu, softplus)


def rewrite_activations(expr):
    """The same expression with every activation replaced by its closed form (exp, Max, Piecewise)."""
    return expr.replace(lambda e: isinstance(e, _Activation), lambda e: e._closed_form())


def numeric_namespace() -> dict:
    """Plain-float implementations for ``sympy.lambdify`` (modules=[numeric_namespace(), 'math'])."""
    import math

    def _sigmoid(x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        z = math.exp(x)
        return z / (1.0 + z)

    def _softplus(x):
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    return {
        "sigmoid": _sigmoid,
        "relu": lambda x: x if x > 0 else 0.0,
        "leaky_relu": lambda x, a=0.01: x if x > 0 else a * x,
        "softplus": _softplus,
        "Abs": abs,
    }


__all__ = ["sigmoid", "relu", "leaky_relu", "softplus", "step", "ACTIVATIONS",
           "rewrite_activations", "numeric_namespace", "Abs"]
