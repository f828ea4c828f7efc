"""The activation functions of machine learning as first-class sympy functions.

Each one differentiates to the form a textbook uses, evaluates exactly where it can
(σ(0) = 1/2, GELU(0) = 0, log₁₀(100) = 2), prints as σ(x) / ReLU(x) / GELU(x) in pretty and
LaTeX output, and rewrites to exp / erf / Piecewise on request (``expr.rewrite(sympy.exp)``,
``expr.rewrite(sympy.Piecewise)``; ``rewrite_activations`` writes every one of them out).

Besides σ, ReLU, LeakyReLU and softplus: GELU (exact, x·Φ(x), and its tanh approximation),
SiLU / swish, ELU, SELU, softsign and mish; the standard normal density φ and distribution Φ
(GELU's derivative is Φ(x) + x·φ(x)); and the base-2 and base-10 logarithms log₂, log₁₀.
Secant, cosecant, cotangent, the inverse hyperbolic functions and erf are sympy's own.

Convention at the kink: ReLU'(0) = 0, LeakyReLU'(0) = α and ELU'(0) = α, as in the tutorial's
"1 if x > 0, else 0" and "α if x ≤ 0" (and as PyTorch computes them).
"""

from __future__ import annotations

from functools import lru_cache

from sympy import (
    Function, Piecewise, Rational, S, exp, log, Max, Abs, erf, erfc, pi, sqrt, tanh,
)
from sympy.core.evalf import prec_to_dps
from sympy.core.numbers import NumberSymbol
from sympy.core.singleton import Singleton


def step(x):
    """1 for x > 0, else 0: the slope of ReLU (0 at the kink, as the tutorial)."""
    return Piecewise((S.One, x > 0), (S.Zero, True))


class _Activation(Function):
    """Shared printing: a Greek letter or a short name in pretty and LaTeX output; arguments
    equal to their default (``defaults``: position → value) are not printed."""

    pretty_name = ""
    latex_name = ""
    defaults: dict = {}

    def shown_args(self) -> list:
        """The arguments as printed: trailing ones equal to their default are left out."""
        args = list(self.args)
        while len(args) > 1 and self.defaults.get(len(args) - 1) == args[-1]:
            args.pop()
        return args

    def _pretty(self, printer):
        return printer._print_Function(self, func_name=self.pretty_name)

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.shown_args())
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

    def smooth_form(self):
        """The same function written with functions the series engine expands (σ, tanh, erf,
        softplus, …), or None where it is not smooth (ReLU, ELU, softsign: kinks, |x|)."""
        return None


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
    defaults = {1: LEAKY_ALPHA}

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

# ---------------------------------------------------------------- the standard normal distribution

class normal_pdf(_Activation):
    """φ(x) = e^(−x²/2)/√(2π), the standard normal density; φ'(x) = −x·φ(x)."""

    nargs = 1
    pretty_name = "φ"
    latex_name = r"\phi"

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return 1 / sqrt(2 * pi)
        if x in (S.Infinity, S.NegativeInfinity):
            return S.Zero
        return None

    def fdiff(self, argindex=1):
        x = self.args[0]
        return -x * normal_pdf(x)

    def _closed_form(self):
        x = self.args[0]
        return exp(-x**2 / 2) / sqrt(2 * pi)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return exp(-x**2 / 2) / sqrt(2 * pi)

    def smooth_form(self):
        return self._closed_form()

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None


class normal_cdf(_Activation):
    """Φ(x) = (1 + erf(x/√2))/2, the standard normal distribution function; Φ'(x) = φ(x)."""

    nargs = 1
    pretty_name = "Φ"
    latex_name = r"\Phi"

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
        return normal_pdf(self.args[0])

    def _closed_form(self):
        return (1 + erf(self.args[0] / sqrt(2))) / 2

    def _eval_rewrite_as_erf(self, x, **kwargs):
        return (1 + erf(x / sqrt(2))) / 2

    def smooth_form(self):
        return self._closed_form()

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None


# ---------------------------------------------------------------- smooth activations

def _zero_at_zero_and_minus_infinity(x):
    """x·g(x) for a g with g(0) finite, g(−∞) = 0 faster than 1/x and g(∞) = 1: GELU, SiLU, mish."""
    if x.is_zero or x is S.NegativeInfinity:
        return S.Zero
    if x is S.Infinity:
        return S.Infinity
    return None


class gelu(_Activation):
    """GELU(x) = x·Φ(x) = x/2·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016, the exact form:
    PyTorch's GELU with approximate='none'); GELU'(x) = Φ(x) + x·φ(x)."""

    nargs = 1
    pretty_name = "GELU"
    latex_name = r"\operatorname{GELU}"

    @classmethod
    def eval(cls, x):
        return _zero_at_zero_and_minus_infinity(x)

    def fdiff(self, argindex=1):
        x = self.args[0]
        return normal_cdf(x) + x * normal_pdf(x)

    def _closed_form(self):
        x = self.args[0]
        return x * (1 + erf(x / sqrt(2))) / 2

    def _eval_rewrite_as_erf(self, x, **kwargs):
        return x * (1 + erf(x / sqrt(2))) / 2

    def smooth_form(self):
        x = self.args[0]
        return x * normal_cdf(x)


GELU_TANH_CUBIC = Rational(44715, 1000000)      # the 0.044715 of the tanh approximation


def gelu_tanh_inner(x):
    """√(2/π)·(x + 0.044715x³): the argument of tanh in GELU's tanh approximation."""
    return sqrt(2 / pi) * (x + GELU_TANH_CUBIC * x**3)


class gelu_tanh(_Activation):
    """GELU's tanh approximation x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))) (Hendrycks & Gimpel
    2016; PyTorch's GELU with approximate='tanh'); with u = √(2/π)·(x + 0.044715x³),
    d/dx = (1 + tanh u)/2 + x·(1 − tanh² u)·u'/2."""

    nargs = 1
    pretty_name = "GELU_tanh"
    latex_name = r"\operatorname{GELU}_{\tanh}"

    @classmethod
    def eval(cls, x):
        return _zero_at_zero_and_minus_infinity(x)

    def fdiff(self, argindex=1):
        x = self.args[0]
        u = gelu_tanh_inner(x)
        slope = sqrt(2 / pi) * (1 + 3 * GELU_TANH_CUBIC * x**2)
        return (1 + tanh(u)) / 2 + x * (1 - tanh(u)**2) * slope / 2

    def _closed_form(self):
        x = self.args[0]
        return x * (1 + tanh(gelu_tanh_inner(x))) / 2

    def _eval_rewrite_as_tanh(self, x, **kwargs):
        return x * (1 + tanh(gelu_tanh_inner(x))) / 2

    def smooth_form(self):
        return self._closed_form()


class silu(_Activation):
    """SiLU(x) = x·σ(x), also called swish (Elfwing et al. 2017; Ramachandran et al. 2017 with
    β = 1); SiLU'(x) = σ(x)·(1 + x·(1 − σ(x)))."""

    nargs = 1
    pretty_name = "SiLU"
    latex_name = r"\operatorname{SiLU}"

    @classmethod
    def eval(cls, x):
        return _zero_at_zero_and_minus_infinity(x)

    def fdiff(self, argindex=1):
        x = self.args[0]
        s = sigmoid(x)
        return s * (1 + x * (1 - s))

    def _closed_form(self):
        x = self.args[0]
        return x / (1 + exp(-x))

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return x / (1 + exp(-x))

    def smooth_form(self):
        x = self.args[0]
        return x * sigmoid(x)


class swish(_Activation):
    """swish(x, β) = x·σ(βx) (Ramachandran et al. 2017); swish(x, 1) is SiLU(x).
    d/dx = σ(βx)·(1 + βx·(1 − σ(βx))), d/dβ = x²·σ(βx)·(1 − σ(βx))."""

    nargs = 2
    pretty_name = "swish"
    latex_name = r"\operatorname{swish}"

    @classmethod
    def eval(cls, x, beta):
        if beta == 1:
            return silu(x)
        if x.is_zero or beta.is_zero:
            return x / 2
        return None

    def fdiff(self, argindex=1):
        x, beta = self.args
        s = sigmoid(beta * x)
        if argindex == 1:
            return s * (1 + beta * x * (1 - s))
        return x**2 * s * (1 - s)

    def _closed_form(self):
        x, beta = self.args
        return x / (1 + exp(-beta * x))

    def _eval_rewrite_as_exp(self, x, beta, **kwargs):
        return x / (1 + exp(-beta * x))

    def smooth_form(self):
        x, beta = self.args
        return x * sigmoid(beta * x)


class mish(_Activation):
    """mish(x) = x·tanh(softplus(x)) (Misra 2019);
    mish'(x) = tanh(softplus(x)) + x·σ(x)·(1 − tanh²(softplus(x)))."""

    nargs = 1
    pretty_name = "mish"
    latex_name = r"\operatorname{mish}"

    @classmethod
    def eval(cls, x):
        return _zero_at_zero_and_minus_infinity(x)

    def fdiff(self, argindex=1):
        x = self.args[0]
        t = tanh(softplus(x))
        return t + x * sigmoid(x) * (1 - t**2)

    def _closed_form(self):
        x = self.args[0]
        return x * tanh(log(1 + exp(x)))

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return x * tanh(log(1 + exp(x)))

    def smooth_form(self):
        """x·(e^(2x) + 2eˣ)/(e^(2x) + 2eˣ + 2): tanh(ln(1 + eˣ)) without ln, so that the
        series has rational coefficients at 0 (tanh(ln 2) = 3/5)."""
        x = self.args[0]
        n = exp(2 * x) + 2 * exp(x)
        return x * n / (n + 2)


class softsign(_Activation):
    """softsign(x) = x/(1 + |x|); softsign'(x) = 1/(1 + |x|)²."""

    nargs = 1
    pretty_name = "softsign"
    latex_name = r"\operatorname{softsign}"

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_extended_real:
            if x is S.Infinity:
                return S.One
            if x is S.NegativeInfinity:
                return S.NegativeOne
            return x / (1 + Abs(x))
        return None

    def fdiff(self, argindex=1):
        return 1 / (1 + Abs(self.args[0]))**2

    def _closed_form(self):
        x = self.args[0]
        return x / (1 + Abs(x))

    def _eval_rewrite_as_Abs(self, x, **kwargs):
        return x / (1 + Abs(x))

    def _eval_rewrite_as_Piecewise(self, x, **kwargs):
        return Piecewise((x / (1 + x), x >= 0), (x / (1 - x), True))


# ---------------------------------------------------------------- exponential linear units

class elu(_Activation):
    """ELU(x, α) = x if x > 0 else α·(eˣ − 1) (Clevert et al. 2015; α = 1 by default);
    ELU'(x) = 1 if x > 0, else α·eˣ (α at the kink, as PyTorch)."""

    nargs = (1, 2)
    pretty_name = "ELU"
    latex_name = r"\operatorname{ELU}"
    defaults = {1: S.One}

    @classmethod
    def eval(cls, x, alpha=None):
        if alpha is None:
            return cls(x, S.One)
        if x.is_extended_positive:
            return x
        if x.is_extended_nonpositive:
            return alpha * (exp(x) - 1)
        return None

    def fdiff(self, argindex=1):
        x, alpha = self.args
        if argindex == 1:
            return Piecewise((S.One, x > 0), (alpha * exp(x), True))
        return Piecewise((S.Zero, x > 0), (exp(x) - 1, True))

    def _closed_form(self):
        x, alpha = self.args
        return Piecewise((x, x > 0), (alpha * (exp(x) - 1), True))

    def _eval_rewrite_as_Piecewise(self, x, alpha, **kwargs):
        return Piecewise((x, x > 0), (alpha * (exp(x) - 1), True))


class _SeluConstant(NumberSymbol):
    """A constant of SELU: exact (its closed form) and printed by name."""

    __slots__ = ()
    is_real = True
    is_positive = True
    is_number = True
    text_name = ""
    latex_name = ""
    input_name = ""

    def closed_form(self):  # pragma: no cover - each subclass defines it
        raise NotImplementedError

    def _as_mpf_val(self, prec):
        return self.closed_form().evalf(prec_to_dps(prec) + 10)._as_mpf_val(prec)

    def approximation_interval(self, number_cls):
        low = int(self.closed_form().evalf(15))
        return (S(low), S(low + 1))

    def _calcai_text(self, printer):
        return self.text_name

    def _latex(self, printer):
        return self.latex_name

    def _sympystr(self, printer):
        return self.input_name


# The constants of SELU, α₀₁ and λ₀₁: the values that make (mean, variance) = (0, 1) a fixed point
# for normalised weights (ω = 0, τ = 1), in the closed forms of Klambauer, Unterthiner, Mayr &
# Hochreiter, "Self-Normalizing Neural Networks", NeurIPS 2017 (arXiv:1706.02515). PyTorch's
# torch.nn.SELU documents them as alpha = 1.6732632423543772848170429916717 and
# scale = 1.0507009873554804934193349852946; tests/test_functions.py checks the closed forms
# against those 32 digits.

def _erfc_root_half():
    return erfc(1 / sqrt(2))


class SeluAlpha(_SeluConstant, metaclass=Singleton):
    """α₀₁ = −√(2/π) / (erfc(1/√2)·e^(1/2) − 1) ≈ 1.6733."""

    __slots__ = ()
    text_name = "α₀₁"
    latex_name = r"\alpha_{01}"
    input_name = "selu_alpha"

    def closed_form(self):
        return -sqrt(2 / pi) / (_erfc_root_half() * exp(S.Half) - 1)


class SeluLambda(_SeluConstant, metaclass=Singleton):
    """λ₀₁ = (1 − erfc(1/√2)·√e)·√(2π)
    · (2·erfc(√2)·e² + π·erfc(1/√2)²·e − 2(2 + π)·erfc(1/√2)·√e + π + 2)^(−1/2) ≈ 1.0507."""

    __slots__ = ()
    text_name = "λ₀₁"
    latex_name = r"\lambda_{01}"
    input_name = "selu_lambda"

    def closed_form(self):
        c, e = _erfc_root_half(), S.Exp1
        radicand = 2 * erfc(sqrt(2)) * e**2 + pi * c**2 * e - 2 * (2 + pi) * c * sqrt(e) + pi + 2
        return (1 - c * sqrt(e)) * sqrt(2 * pi) / sqrt(radicand)


SELU_ALPHA = SeluAlpha()
SELU_LAMBDA = SeluLambda()


class selu(_Activation):
    """SELU(x) = λ₀₁·x if x > 0 else λ₀₁·α₀₁·(eˣ − 1) (Klambauer et al. 2017);
    SELU'(x) = λ₀₁ if x > 0, else λ₀₁·α₀₁·eˣ."""

    nargs = 1
    pretty_name = "SELU"
    latex_name = r"\operatorname{SELU}"

    @classmethod
    def eval(cls, x):
        if x.is_extended_positive:
            return SELU_LAMBDA * x
        if x.is_extended_nonpositive:
            return SELU_LAMBDA * SELU_ALPHA * (exp(x) - 1)
        return None

    def fdiff(self, argindex=1):
        x = self.args[0]
        return Piecewise((SELU_LAMBDA, x > 0), (SELU_LAMBDA * SELU_ALPHA * exp(x), True))

    def _closed_form(self):
        x = self.args[0]
        return Piecewise((SELU_LAMBDA * x, x > 0), (SELU_LAMBDA * SELU_ALPHA * (exp(x) - 1), True))

    def _eval_rewrite_as_Piecewise(self, x, **kwargs):
        return self._closed_form()


# ---------------------------------------------------------------- logarithms to a base

class _LogBase(_Activation):
    """log_b(x) = ln(x)/ln(b); d/dx log_b(x) = 1/(x·ln b). Exact at powers of b (log₁₀(100) = 2)."""

    nargs = 1
    base = S.One

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return S.ComplexInfinity          # as sympy's log(0): no value
        if x.is_Rational and x.is_positive:
            value = log(x, cls.base)          # sympy finds exact powers: log(100, 10) = 2
            if value.is_Rational:
                return value
        if x is S.Infinity:
            return S.Infinity
        return None

    def fdiff(self, argindex=1):
        return 1 / (self.args[0] * log(self.base))

    def _closed_form(self):
        return log(self.args[0]) / log(self.base)

    def _eval_rewrite_as_log(self, x, **kwargs):
        return log(x) / log(self.base)

    def smooth_form(self):
        return self._closed_form()

    def _eval_is_real(self):
        return self.args[0].is_positive or None


class log2(_LogBase):
    """log₂(x) = ln(x)/ln(2)."""

    base = S(2)
    pretty_name = "log₂"
    latex_name = r"\log_{2}"


class log10(_LogBase):
    """log₁₀(x) = ln(x)/ln(10)."""

    base = S(10)
    pretty_name = "log₁₀"
    latex_name = r"\log_{10}"



# Every function class defined here. The integrator writes them out with rewrite_activations.
ACTIVATIONS = (sigmoid, relu, leaky_relu, softplus, gelu, gelu_tanh, silu, swish, mish, softsign,
               elu, selu, normal_pdf, normal_cdf, log2, log10)


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

    def _normal_cdf(x):
        return 0.5 * math.erfc(-x / math.sqrt(2.0))

    cubic = float(GELU_TANH_CUBIC)

    def _gelu_tanh(x):
        return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + cubic * x**3)))

    selu_lambda, selu_alpha = _selu_floats()
    return {
        "sigmoid": _sigmoid,
        "relu": lambda x: x if x > 0 else 0.0,
        "leaky_relu": lambda x, a=0.01: x if x > 0 else a * x,
        "softplus": _softplus,
        "normal_pdf": lambda x: math.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi),
        "normal_cdf": _normal_cdf,
        "gelu": lambda x: x * _normal_cdf(x),
        "gelu_tanh": _gelu_tanh,
        "silu": lambda x: x * _sigmoid(x),
        "swish": lambda x, b: x * _sigmoid(b * x),
        "mish": lambda x: x * math.tanh(_softplus(x)),
        "softsign": lambda x: x / (1.0 + abs(x)),
        "elu": lambda x, a=1.0: x if x > 0 else a * math.expm1(x),
        "selu": lambda x: selu_lambda * (x if x > 0 else selu_alpha * math.expm1(x)),
        "log2": math.log2,
        "log10": math.log10,
        "Abs": abs,
    }


@lru_cache(maxsize=1)
def _selu_floats() -> tuple:
    """λ₀₁ and α₀₁ as floats, from their closed forms (computed once)."""
    return float(SELU_LAMBDA), float(SELU_ALPHA)


__all__ = ["sigmoid", "relu", "leaky_relu", "softplus", "gelu", "gelu_tanh", "silu", "swish", "mish",
           "softsign", "elu", "selu", "normal_pdf", "normal_cdf", "log2", "log10", "SELU_ALPHA",
           "SELU_LAMBDA", "step", "ACTIVATIONS", "rewrite_activations", "numeric_namespace", "Abs"]
