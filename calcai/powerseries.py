"""Truncated power series in one or several variables, with exact coefficients.

A series about the centre a, truncated at total degree n, is f = f₀ + f₁ + … + fₙ, where f_k is
the part of total degree k in h = x − a: for one variable the number f_k (the coefficient of
h^k), for several a homogeneous polynomial in h₁, …, h_m. Write ḟ for the parts k·f_k (the
derivative of f(a + t·h) by t at t = 1). Every elementary function g = φ(f) satisfies an ODE
g' = f'·w, with w built from g itself, so its parts follow one after the other in O(n²):

    k·g_k = Σ_{j=1}^{k} ḟ_j · w_{k−j}      (exp: w = g;  sin: w = cos f;  σ: w = g − g²; …)

Coefficients live in one exact domain: QQ when every constant is rational (the common case:
pure rational arithmetic); otherwise polynomials over QQ — or fractions of them, when a
division needs it — in the few constants that occur (e, sin 1, σ(1), log 2, √2, …), held as
generators whose values are sympy numbers, and converted back to sympy at the end.

The engine refuses — raises ``NotExpandable`` — where it cannot expand: an unknown or
non-smooth function (|x|, ReLU, ELU, SELU, softsign, max, …), or a point where the function is not analytic (log 0,
1/0, √0, asin ±1, …) or not real. Callers then fall back to differentiating.
"""

from __future__ import annotations

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.polyerrors import CoercionFailed, PolynomialError
from sympy.polys.polytools import parallel_poly_from_expr
from sympy.polys.rings import ring

from .functions import sigmoid, softplus


class NotExpandable(Exception):
    """The series engine cannot expand this expression at this point."""


class _Widen(Exception):
    """A constant is not in the coefficient domain: retry with more generators or fractions."""

    def __init__(self, gens=(), field=False):
        super().__init__()
        self.gens, self.field = tuple(gens), field


# ---------------------------------------------------------------- coefficients


class Coefficients:
    """The exact coefficient domain: QQ, QQ[g₁…g_r] or QQ(g₁…g_r) over constant generators."""

    def __init__(self, gens=(), field=False):
        self.gens, self.field = tuple(gens), field
        self.K = QQ if not gens else QQ.frac_field(*gens) if field else QQ.poly_ring(*gens)
        self.zero, self.one = self.K.zero, self.K.one

    def of(self, value):
        """The element of K equal to the sympy number ``value``."""
        if value.is_Rational:
            return self.K.convert_from(QQ(int(value.p), int(value.q)), QQ)
        if value.has(sp.zoo, sp.nan, sp.oo, sp.Float) or value.is_extended_real is False:
            raise NotExpandable(f"{value} is not an exact real number")
        try:
            return self.K.from_sympy(value)
        except (CoercionFailed, ValueError, PolynomialError):
            pass
        numer, denom = sp.fraction(sp.together(value))     # 1/√(1 − t²/4) = 2/√(4 − t²)
        try:
            top, bottom = self.K.from_sympy(numer), self.K.from_sympy(denom)
            return top * self.inverse(bottom)
        except (CoercionFailed, ValueError, PolynomialError):
            pass
        try:
            _, options = parallel_poly_from_expr([numer, denom], domain=QQ, expand=False)
        except (PolynomialError, CoercionFailed) as error:
            raise NotExpandable(str(error)) from None
        gens = options.gens
        if set(gens) <= set(self.gens):                  # 2^(2/3) is not read as (2^(1/3))²:
            gens = tuple(e for e in (numer, denom) if not e.is_Rational)    # take it whole
        raise _Widen(gens, field=not denom.is_Rational and not sp.Poly(denom, *options.gens).is_ground)

    def value(self, c):
        """The sympy number of ``c``."""
        return self.K.to_sympy(c)

    def tidy(self, c):
        """The sympy number of ``c`` with common factors pulled out: σ(1)·(1 − σ(1)), not σ(1) − σ(1)²."""
        if self.K is QQ:
            return self.K.to_sympy(c)
        if self.field:
            content, factors = c.denom.factor_list()       # (sin 1 + 2)³, not its expansion
            denom = sp.Mul(QQ.to_sympy(content), *(_tidy(f) ** k for f, k in factors))
            return _tidy(c.numer) / denom
        return _tidy(c)

    def sign(self, c):
        """−1, 0 or 1 when it is certain; None when it cannot be decided (free symbols, rounding)."""
        if self.K is QQ:
            return (c > 0) - (c < 0)
        if not c:
            return 0
        v = self.value(c)
        if v.is_Rational:
            return int(sp.sign(v))
        if v.free_symbols:
            return None
        approx = sp.N(v, 30)
        if not approx.is_Float or abs(approx) < 1e-20:
            return None
        return 1 if approx > 0 else -1

    def inverse(self, c):
        """1/c, for a constant known to be nonzero (a parameter counts as nonzero)."""
        sign = self.sign(c)
        if sign == 0 or (sign is None and not self.value(c).free_symbols):
            raise NotExpandable("division by zero at the centre")
        if self.K is QQ or self.field:
            return self.K.one / c
        if c.is_ground:
            return self.K.convert_from(QQ.one / c.LC, QQ)
        raise _Widen(field=True)

    def positive(self, c):
        """Refuse unless ``c`` is certainly > 0 (log, fractional powers)."""
        if self.sign(c) != 1:
            raise NotExpandable("the function is not analytic or not real at the centre")


def _tidy(p):
    """A polynomial in the generators as content · common monomial · primitive part."""
    if len(p) <= 1:
        return p.as_expr()
    common = tuple(map(min, zip(*p.monoms())))
    content, rest = p.quo_term((common, QQ.one)).primitive()
    if all(c < 0 for c in rest.coeffs()):
        content, rest = -content, -rest
    monomial = sp.Mul(*(g ** e for g, e in zip(p.ring.symbols, common)))
    return sp.Mul(QQ.to_sympy(content), monomial, rest.as_expr())


# ---------------------------------------------------------------- series


class Series:
    """f = Σ_{k ≤ n} f_k: ``parts[k]`` is the part of total degree k in h = x − a."""

    __slots__ = ("ctx", "parts")

    def __init__(self, ctx, parts):
        self.ctx, self.parts = ctx, parts

    @property
    def c0(self):
        """f(a), the constant term, in K."""
        return self.ctx.ground(self.parts[0])

    def _new(self, parts):
        return Series(self.ctx, parts)

    def __add__(self, other):
        """(f + g)_k = f_k + g_k."""
        return self._new([a + b for a, b in zip(self.parts, other.parts)])

    def __sub__(self, other):
        """(f − g)_k = f_k − g_k."""
        return self._new([a - b for a, b in zip(self.parts, other.parts)])

    def __neg__(self):
        return self._new([-a for a in self.parts])

    def shift(self, c):
        """f + c for a constant c in K."""
        return self._new([self.parts[0] + self.ctx.part(c)] + self.parts[1:])

    def __mul__(self, other):
        """(f·g)_k = Σ_{j=0}^{k} f_j·g_{k−j}."""
        f, g, zero = self.parts, other.parts, self.ctx.zero
        return self._new([_dot(f, g, k, zero, lo=0) for k in range(len(f))])

    def dot(self):
        """ḟ: the parts k·f_k (ḟ₀ = 0)."""
        return [a * k for k, a in enumerate(self.parts)]

    def reciprocal(self):
        """g = 1/f: g₀ = 1/f₀, g_k = −(1/f₀)·Σ_{j=1}^{k} f_j·g_{k−j}."""
        ctx, f = self.ctx, self.parts
        inv = ctx.coefficients.inverse(self.c0)
        g = [ctx.part(inv)]
        for k in range(1, len(f)):
            g.append(-_dot(f, g, k, ctx.zero) * inv)
        return self._new(g)

    def __truediv__(self, other):
        """f/g = f·(1/g), for g₀ ≠ 0."""
        return self * other.reciprocal()

    def __pow__(self, m):
        """fᵐ for a whole number m: by squaring for m ≥ 0, else (1/f)^|m|."""
        if m < 0:
            return self.reciprocal() ** -m
        result, base = self.ctx.constant(self.ctx.one), self
        while m:
            if m & 1:
                result = result * base
            m >>= 1
            if m:
                base = base * base
        return result

    def power(self, alpha):
        """g = f^α for rational α and f₀ > 0 (J.C.P. Miller): f·g' = α·f'·g, so
        k·f₀·g_k = Σ_{j=1}^{k} ((α + 1)·j − k)·f_j·g_{k−j}."""
        ctx, f = self.ctx, self.parts
        ctx.coefficients.positive(self.c0)
        g = [ctx.part(ctx.constant_value(self.c0, lambda v: v ** alpha))]
        a1, inv0 = ctx.rational(alpha + 1), ctx.coefficients.inverse(self.c0)
        fdot = self.dot()
        for k in range(1, len(f)):
            total = _dot(fdot, g, k, ctx.zero) * a1 - _dot(f, g, k, ctx.zero) * ctx.rational(k)
            g.append(total * (inv0 * ctx.inverse_int(k)))
        return self._new(g)

    def _solve(self, g0, w_of):
        """g = g₀ + ∫ f'·w, where w_k depends on g₀…g_k only: k·g_k = Σ_{j=1}^{k} ḟ_j·w_{k−j};
        ``w_of(g, w, k)`` appends w_k once g_k is known."""
        ctx, fdot = self.ctx, self.dot()
        g, w = [ctx.part(g0)], []
        w_of(g, w, 0)
        for k in range(1, len(fdot)):
            g.append(_dot(fdot, w, k, ctx.zero) * ctx.inverse_int(k))
            w_of(g, w, k)
        return self._new(g)

    def integral_of(self, g0, w):
        """g = g₀ + ∫ f'·w for a known series w: k·g_k = Σ_{j=1}^{k} ḟ_j·w_{k−j}."""
        return self._solve(g0, lambda g, ws, k: ws.append(w.parts[k]))

    def exp(self, g0=None):
        """g = e^f: g' = f'·g (g₀ = e^f₀ unless given)."""
        g0 = self.ctx.constant_value(self.c0, sp.exp) if g0 is None else g0
        return self._solve(g0, lambda g, w, k: w.append(g[k]))

    def log(self):
        """g = log f for f₀ > 0: f·g' = f', so k·f₀·g_k = k·f_k − Σ_{j=1}^{k−1} ġ_j·f_{k−j}."""
        ctx, f = self.ctx, self.parts
        ctx.coefficients.positive(self.c0)
        inv0 = ctx.coefficients.inverse(self.c0)
        g = [ctx.part(ctx.constant_value(self.c0, sp.log))]
        gdot = [ctx.zero]
        for k in range(1, len(f)):
            g.append((f[k] - _dot(gdot, f, k, ctx.zero, hi=k - 1) * ctx.inverse_int(k)) * inv0)
            gdot.append(g[k] * k)
        return self._new(g)

    def _pair(self, fn0, fn1, sign):
        """(u, v) with u' = f'·v and v' = sign·f'·u: sin/cos (sign −1), sinh/cosh (sign +1)."""
        ctx, fdot = self.ctx, self.dot()
        u = [ctx.part(ctx.constant_value(self.c0, fn0))]
        v = [ctx.part(ctx.constant_value(self.c0, fn1))]
        for k in range(1, len(fdot)):
            inv = ctx.inverse_int(k)
            uk = _dot(fdot, v, k, ctx.zero) * inv
            vk = _dot(fdot, u, k, ctx.zero) * inv
            u.append(uk)
            v.append(vk if sign > 0 else -vk)
        return self._new(u), self._new(v)

    def sin(self):
        """sin f: sin' = f'·cos, cos' = −f'·sin."""
        return self._pair(sp.sin, sp.cos, -1)[0]

    def cos(self):
        """cos f (the partner of sin f)."""
        return self._pair(sp.sin, sp.cos, -1)[1]

    def sinh(self):
        """sinh f: sinh' = f'·cosh, cosh' = f'·sinh."""
        return self._pair(sp.sinh, sp.cosh, 1)[0]

    def cosh(self):
        """cosh f (the partner of sinh f)."""
        return self._pair(sp.sinh, sp.cosh, 1)[1]

    def _riccati(self, fn, a, b, c):
        """g = fn(f) with g' = f'·(a + b·g + c·g²), w built part by part."""
        ctx = self.ctx
        ka, kb, kc = ctx.rational(a), ctx.rational(b), ctx.rational(c)

        def w_of(g, w, k):
            wk = g[k] * kb + _dot(g, g, k, ctx.zero, lo=0) * kc
            w.append(wk + ctx.part(ka) if k == 0 else wk)

        return self._solve(ctx.constant_value(self.c0, fn), w_of)

    def tan(self):
        """tan f: tan' = f'·(1 + tan²)."""
        return self._riccati(sp.tan, 1, 0, 1)

    def tanh(self):
        """tanh f: tanh' = f'·(1 − tanh²)."""
        return self._riccati(sp.tanh, 1, 0, -1)

    def sigmoid(self):
        """σ(f): σ' = f'·σ·(1 − σ) = f'·(σ − σ²)."""
        return self._riccati(sigmoid, 0, 1, -1)

    def softplus(self):
        """softplus(f) = log(1 + e^f): softplus' = f'·σ(f)."""
        return self.integral_of(self.ctx.constant_value(self.c0, softplus), self.sigmoid())

    def atan(self):
        """atan f: atan' = f'/(1 + f²)."""
        w = (self * self).shift(self.ctx.one).reciprocal()
        return self.integral_of(self.ctx.constant_value(self.c0, sp.atan), w)

    def _asin_w(self):
        """(1 − f²)^(−1/2), for |f₀| < 1."""
        return (-(self * self)).shift(self.ctx.one).power(sp.Rational(-1, 2))

    def asin(self):
        """asin f: asin' = f'/√(1 − f²), for |f₀| < 1."""
        return self.integral_of(self.ctx.constant_value(self.c0, sp.asin), self._asin_w())

    def acos(self):
        """acos f: acos' = −f'/√(1 − f²), for |f₀| < 1."""
        return self.integral_of(self.ctx.constant_value(self.c0, sp.acos), -self._asin_w())

    def sec(self):
        """sec f = 1/cos f, for cos f₀ ≠ 0."""
        return self.cos().reciprocal()

    def csc(self):
        """csc f = 1/sin f, for sin f₀ ≠ 0."""
        return self.sin().reciprocal()

    def cot(self):
        """cot f = cos f/sin f, for sin f₀ ≠ 0."""
        sin, cos = self._pair(sp.sin, sp.cos, -1)
        return cos / sin

    def asinh(self):
        """arsinh f: arsinh' = f'/√(f² + 1)."""
        w = (self * self).shift(self.ctx.one).power(sp.Rational(-1, 2))
        return self.integral_of(self.ctx.constant_value(self.c0, sp.asinh), w)

    def acosh(self):
        """arcosh f: arcosh' = f'/√(f² − 1), for f₀ > 1."""
        ctx = self.ctx
        ctx.coefficients.positive(self.c0 - ctx.one)
        w = (self * self).shift(-ctx.one).power(sp.Rational(-1, 2))
        return self.integral_of(ctx.constant_value(self.c0, sp.acosh), w)

    def atanh(self):
        """artanh f: artanh' = f'/(1 − f²), for |f₀| < 1."""
        ctx = self.ctx
        ctx.coefficients.positive(ctx.one - self.c0 * self.c0)
        w = (-(self * self)).shift(ctx.one).reciprocal()
        return self.integral_of(ctx.constant_value(self.c0, sp.atanh), w)

    def _erf_w(self):
        """2/√π·e^(−f²), the derivative of erf at f."""
        ctx = self.ctx
        scale = ctx.constant(ctx.coefficients.of(2 / sp.sqrt(sp.pi)))
        return scale * (-(self * self)).exp()

    def erf(self):
        """erf f: erf' = f'·2/√π·e^(−f²)."""
        return self.integral_of(self.ctx.constant_value(self.c0, sp.erf), self._erf_w())

    def erfc(self):
        """erfc f = 1 − erf f."""
        return self.integral_of(self.ctx.constant_value(self.c0, sp.erfc), -self._erf_w())


def _dot(f, g, k, zero, lo=1, hi=None):
    """Σ_{j=lo}^{hi} f_j·g_{k−j} (hi = k unless given), skipping zero parts."""
    total = zero
    for j in range(lo, (k if hi is None else hi) + 1):
        a, b = f[j], g[k - j]
        if a and b:
            total += a * b
    return total


# ---------------------------------------------------------------- from sympy


_UNARY = {
    sp.exp: Series.exp, sp.log: Series.log, sp.sin: Series.sin, sp.cos: Series.cos,
    sp.tan: Series.tan, sp.sinh: Series.sinh, sp.cosh: Series.cosh, sp.tanh: Series.tanh,
    sp.asin: Series.asin, sp.acos: Series.acos, sp.atan: Series.atan,
    sp.sec: Series.sec, sp.csc: Series.csc, sp.cot: Series.cot,
    sp.asinh: Series.asinh, sp.acosh: Series.acosh, sp.atanh: Series.atanh,
    sp.erf: Series.erf, sp.erfc: Series.erfc,
    sigmoid: Series.sigmoid, softplus: Series.softplus,
}
# calcai's other smooth functions (GELU, SiLU, swish, mish, Φ, φ, log₂, log₁₀) are expanded through
# their ``smooth_form``: the same function written with the functions above (GELU = x·Φ(x), …).


class _Context:
    """One expansion: the variables, the centre, the order and the coefficient domain."""

    def __init__(self, symbols, centre, order, coefficients):
        self.symbols, self.centre, self.order = symbols, centre, order
        self.coefficients = coefficients
        K = coefficients.K
        self.one = K.one
        if len(symbols) == 1:
            self.ring, self.h = None, None
            self.zero = K.zero
        else:
            self.ring, *gens = ring(_offsets(len(symbols)), K)
            self.h = gens
            self.zero = self.ring.zero
        self._inverse_ints = [None] + [K.convert(QQ(1, k)) for k in range(1, order + 1)]

    def part(self, c):
        """A constant c ∈ K as a part of degree 0."""
        return c if self.ring is None else self.ring.ground_new(c)

    def ground(self, part):
        """The constant c ∈ K of a part of degree 0."""
        return part if self.ring is None else part.get(self.ring.zero_monom, self.coefficients.zero)

    def constant(self, c):
        """The series of the constant c ∈ K."""
        return Series(self, [self.part(c)] + [self.zero] * self.order)

    def rational(self, q):
        return self.coefficients.of(sp.Rational(q))

    def inverse_int(self, k):
        return self._inverse_ints[k]

    def constant_value(self, c0, fn):
        """fn(c₀) in K: the constant term of fn(f), evaluated exactly by sympy."""
        return self.coefficients.of(fn(self.coefficients.value(c0)))

    def variable(self, i):
        """x_i = a_i + h_i."""
        a = self.coefficients.of(self.centre[self.symbols[i]])
        if self.order == 0:
            return self.constant(a)
        parts = [self.part(a)] + [self.zero] * self.order
        parts[1] = self.coefficients.one if self.ring is None else self.h[i]
        return Series(self, parts)

    def series(self, expr):
        """The truncated series of a sympy expression."""
        memo = {}
        variables = set(self.symbols)

        def build(e):
            if e in memo:
                return memo[e]
            if not (e.free_symbols & variables):
                result = self.constant(self.coefficients.of(e))
            elif e.is_Symbol:
                result = self.variable(self.symbols.index(e))
            elif e.is_Add:
                args = [build(a) for a in e.args]
                result = args[0]
                for a in args[1:]:
                    result = result + a
            elif e.is_Mul:
                args = [build(a) for a in e.args]
                result = args[0]
                for a in args[1:]:
                    result = result * a
            elif e.is_Pow:
                result = _pow(self, e, build)
            elif type(e) in _UNARY and len(e.args) == 1:
                result = _UNARY[type(e)](build(e.args[0]))
            elif (form := _smooth_form(e)) is not None:
                result = build(form)
            else:
                raise NotExpandable(f"no series rule for {type(e).__name__}")
            memo[e] = result
            return result

        return build(expr)


def _smooth_form(e):
    """calcai's function ``e`` written with functions the engine expands, or None."""
    written = getattr(e, "smooth_form", None)
    return written() if callable(written) else None


_H = []


def _offsets(count):
    """The ring variables h₁…h_m = x − a (the same Dummies every time, so rings are reused)."""
    while len(_H) < count:
        _H.append(sp.Dummy(f"h{len(_H) + 1}"))
    return _H[:count]


def _pow(ctx, e, build):
    """base^exponent: whole and rational exponents directly, anything else as exp(exponent·log base)."""
    base, exponent = e.args
    if not (exponent.free_symbols & set(ctx.symbols)):
        if exponent.is_Integer:
            return build(base) ** int(exponent)
        if exponent.is_Rational:
            return build(base).power(exponent)
    b, x = build(base), build(exponent)
    value = ctx.coefficients.value
    return (x * b.log()).exp(ctx.coefficients.of(value(b.c0) ** value(x.c0)))     # b₀^x₀, not e^(x₀·log b₀)


def expand(expr, symbols, centre, order):
    """Taylor coefficients ``{α: a_α}`` (sympy numbers) with f = Σ_{|α| ≤ order} a_α·(x − a)^α + …;
    raises NotExpandable where the series engine cannot expand."""
    coefficients = Coefficients()
    for n in (0, order):                      # order 0 finds the constants cheaply, then the real run
        for _ in range(20):
            ctx = _Context(symbols, centre, n, coefficients)
            try:
                result = ctx.series(expr)
                break
            except _Widen as widen:
                gens = coefficients.gens + tuple(g for g in widen.gens if g not in coefficients.gens)
                field = coefficients.field or widen.field
                if gens == coefficients.gens and field == coefficients.field:
                    raise NotExpandable("a constant is not representable") from None
                coefficients = Coefficients(gens, field)
        else:
            raise NotExpandable("too many constants")
    return _coefficients(ctx, result)


def _coefficients(ctx, series):
    """``{α: a_α}`` in sympy, tidy, zero coefficients left out for several variables."""
    to_sympy = ctx.coefficients.tidy
    if ctx.ring is None:
        return {(k,): to_sympy(c) for k, c in enumerate(series.parts)}
    out = {}
    for part in series.parts:
        for monom, c in part.terms():
            out[monom] = to_sympy(c)
    return out

