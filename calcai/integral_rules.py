"""Textbook rules for ∫ f dx, chosen directly rather than searched for.

sympy's ``integral_steps`` tries every rule that might apply at every level (substitution,
partial fractions, parts, expansion, trig rewrites, …) and keeps all that work, so a textbook
integral such as ∫ 1/(x(x + 1)) dx costs it half a second. This module picks the rule a
textbook would pick from the shape of the integrand, in this order:

1. a constant; a sum (add rule); a constant factor (constant times rule);
2. xⁿ, 1/x, eˣ, aˣ, sin, cos, sinh, cosh — of x, of x + b (the same rule: d(x + b) = dx), or of
   ax + b (u rule, u = ax + b);
3. a rational function with rational coefficients: k·q'/q (u = q, ln|q|); long division;
   partial fractions (apart) with one substep per term; p/(ax² + bx + c) with no real root
   (an ln part and an arctan part, completing the square);
4. a rational function of e^(kx): u = e^(kx) turns it into a rational function of u
   (σ(x) = 1/(1 + e^(−x)) ↦ ∫ 1/(u + 1) du), u = e^(−kx) as written when that answer has no ln;
5. sinᵐ·cosⁿ and sinhᵐ·coshⁿ of one argument (an odd power: u = cos or sin; both even: the
   double angle); tan and tanh (sin/cos, u = cos); sec² (tan) and sec (u = sec + tan);
6. integration by parts for polynomial × e^(ax+b), sin, cos, sinh, cosh (linear × a^(bx+c)), for
   polynomial (or xʳ) × lnᵏ(x), arctan(x), arcsin(x), arccos(x), and twice for
   e^(ax+b)·sin(cx+d) or cos, which brings the integral back (cyclic parts);
7. a substitution u = g(x) among sympy's own candidates (``find_substitutions``) when the new
   integrand is again one of these forms (the smallest tree wins).

Everything else — and every piece these rules cannot finish — goes to ``integral_steps``. The
nodes are sympy's own Rule classes plus ``PartialFractionsRule`` and ``LongDivisionRule``, so
every result reads as on the slow path and a tree may hold sympy's search below any node; ``sympy_steps`` is that slow
path, kept for the fallback and for tests that compare the two. Each rule only chooses the
steps: calcai.integrals checks the antiderivative (F' = f at sample points) and falls back to
sympy's search if it ever fails.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sympy as sp
from sympy.integrals.manualintegrate import (
    AddRule, ArctanRule, ConstantRule, ConstantTimesRule, CoshRule, CosRule, CyclicPartsRule, ExpRule,
    PartsRule, PowerRule, ReciprocalRule, RewriteRule, Rule, Sec2Rule, SinhRule, SinRule, URule,
)

# ---------------------------------------------------------------- the rules
#
# sympy's own rule classes (imported above), so that a tree may mix the rules chosen here with
# those of sympy's search and calcai.integrals reads both alike; two more are added here.


@dataclass
class PartialFractionsRule(Rule):
    """∫ p/q dx = Σ ∫ (one partial fraction) dx; ``rewritten`` is the decomposition (sympy's
    ``apart``) and ``substeps`` integrate its terms in order."""

    rewritten: sp.Expr
    substeps: list

    def eval(self) -> sp.Expr:
        return sp.Add(*(s.eval() for s in self.substeps))

    def contains_dont_know(self) -> bool:
        return any(s.contains_dont_know() for s in self.substeps)


@dataclass
class LongDivisionRule(PartialFractionsRule):
    """∫ p/q dx with deg p ≥ deg q = ∫ (quotient + remainder/q) dx, when remainder/q needs no
    further splitting (∫ x³/(x² − 1) dx = ∫ (x + x/(x² − 1)) dx = x²/2 + ln|x² − 1|/2)."""


def is_rule(value) -> bool:
    """A node of a rule tree (sympy's rules and the two added here)."""
    return isinstance(value, Rule)


def sub_rules(rule):
    """The rules nested in a rule (PiecewiseRule: the rules of its (rule, condition) pairs)."""
    for field in dataclasses.fields(rule):
        value = getattr(rule, field.name)
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if is_rule(v):
                yield v
            elif isinstance(v, tuple):
                yield from (w for w in v if is_rule(w))


def sympy_steps(f, x):
    """sympy's own rule search (the slow path). sympy counts integrations by parts per u in a
    module-level table that only ``manualintegrate`` resets; resetting it here keeps each
    answer independent of what the process integrated before."""
    from sympy.integrals.manualintegrate import _parts_u_cache, integral_steps

    try:
        return integral_steps(f, x)
    finally:
        _parts_u_cache.clear()


def steps(f, x) -> Rule:
    """The rule tree of ∫ f dx: textbook rules where they apply, sympy's search elsewhere."""
    return _Builder().rules(f, x)


def native_steps(f, x):
    """The rule tree of ∫ f dx by textbook rules alone, or None when some piece needs sympy's
    search (each rule here is bounded by the integrand's size: the fast path, no search)."""
    return _Builder().textbook(f, x, native=True)


def size(rule) -> int:
    """The number of rules in a tree (the one with fewer steps is the better walkthrough)."""
    return 1 + sum(size(r) for r in sub_rules(rule))


# ---------------------------------------------------------------- shapes

_LEAVES = {sp.exp: None, sp.sin: SinRule, sp.cos: CosRule, sp.sinh: SinhRule, sp.cosh: CoshRule}
_MAX_DEGREE = 12            # partial fractions beyond this degree are left to sympy
_MAX_SUBSTITUTIONS = 3      # nested substitutions tried natively


def _linear(e, x):
    """(a, b) when e = a·x + b with numbers a ≠ 0 and b, else None."""
    if not e.has(x):
        return None
    if e == x:
        return sp.Integer(1), sp.Integer(0)
    a = e.coeff(x)
    if a == 0 or not a.is_number:
        return None
    b = sp.expand(e - a * x)
    if b.has(x) or not b.is_number:
        return None
    return a, b


def is_polynomial(e, x) -> bool:
    """A polynomial in x with rational coefficients (and no other symbol)."""
    return e.is_polynomial(x) and e.free_symbols <= {x} and \
        all(c.is_Rational for c in sp.Poly(e, x).coeffs())


def _rational_poly(e, x):
    """e as a Poly over ℚ, or None."""
    try:
        p = sp.Poly(e, x)
    except sp.PolynomialError:
        return None
    return p if p.domain.is_QQ or p.domain.is_ZZ else None


def _primitive(p):
    """(c, q) with p = c·q, q having coprime integer coefficients and a positive leading one
    (2x² − 2x + 2 = 2·(x² − x + 1)), so that ln|q| is written without a constant inside."""
    den, integral = p.clear_denoms(convert=True)
    content, q = integral.primitive()
    if q.LC() < 0:
        content, q = -content, -q
    return sp.Rational(content) / den, q


def _next_name(x) -> str:
    """u for a substitution in x, v inside u, w inside v."""
    return {"u": "v", "v": "w"}.get(x.name, "u") if isinstance(x, sp.Dummy) else "u"


class _Builder:
    """One integration: a memo of the rules found, and how deep substitutions are nested."""

    def __init__(self):
        self.memo = {}
        self.substitutions = 0

    # ---- entry points

    def rules(self, f, x):
        """Textbook rules, or sympy's search for this integrand."""
        rule = self.textbook(f, x, native=False)
        return rule if rule is not None else sympy_steps(f, x)

    def sub(self, f, x, native: bool):
        """A sub-integral: in ``native`` mode only textbook rules (None when they fail), so that
        trying an alternative never starts sympy's search."""
        return self.textbook(f, x, native) if native else self.rules(f, x)

    def textbook(self, f, x, native: bool):
        key = (f, x, native)
        if key not in self.memo:
            self.memo[key] = None          # a cycle (∫ f needs ∫ f) fails instead of recursing
            self.memo[key] = self._textbook(f, x, native)
        return self.memo[key]

    def _textbook(self, f, x, native):
        if not f.has(x):
            return ConstantRule(f, x)
        if f.is_Add:
            subs = [self.sub(g, x, native) for g in f.as_ordered_terms()]
            return None if None in subs else AddRule(f, x, subs)
        coeff, g = f.as_independent(x, as_Add=False)
        if coeff != 1:
            sub = self.sub(g, x, native)
            return None if sub is None else ConstantTimesRule(f, x, coeff, g, sub)
        for shape in (self._leaf, self._rational, self._exp_rational, self._trig, self._parts,
                      self._substitution):
            rule = shape(f, x)
            if rule is not None:
                return rule
        return None

    # ---- 2. basic integrands, of x or of a linear argument

    def _leaf(self, f, x):
        if f == x:
            return PowerRule(f, x, x, sp.Integer(1))
        if f.is_Pow and not f.exp.has(x):                                  # (a·x + b)ⁿ
            n = f.exp
            if not n.is_number:
                return None

            def power(g, v, base):
                return ReciprocalRule(g, v, base) if n == -1 else PowerRule(g, v, base, n)
            return self._linear_substitution(f, x, f.base, lambda v: v ** n, power, shift=True)
        if f.is_Pow and not f.base.has(x) and f.base.is_positive:          # a^(b·x + c)
            a = f.base
            return self._linear_substitution(f, x, f.exp, lambda v: a ** v,
                                             lambda g, v, base: ExpRule(g, v, a, v))
        cls = type(f)
        if cls in _LEAVES and len(f.args) == 1:                             # e^(…), sin(…), …
            def rule(g, v, base):
                return ExpRule(g, v, sp.E, v) if cls is sp.exp else _LEAVES[cls](g, v)
            return self._linear_substitution(f, x, f.args[0], cls, rule)
        return None

    def _linear_substitution(self, f, x, inner, outer, atomic, shift: bool = False):
        """∫ outer(a·x + b) dx: the atomic rule itself for outer(x), and for a power of x + b
        when ``shift`` (d(x + b) = dx); otherwise u = a·x + b and ∫ outer(u)/a du."""
        ab = _linear(inner, x)
        if ab is None:
            return None
        a, b = ab
        if a == 1 and (b == 0 or shift):
            return atomic(f, x, inner)
        u = sp.Dummy(_next_name(x))
        g = outer(u)
        step = atomic(g, u, u)
        if a != 1:
            step = ConstantTimesRule(g / a, u, 1 / a, g, step)
        return URule(f, x, u, inner, step)

    # ---- 3. rational functions

    def _rational(self, f, x):
        if not f.is_rational_function(x) or not f.free_symbols <= {x}:
            return None
        n, d = f.as_numer_denom()
        pn, pd = _rational_poly(n, x), _rational_poly(d, x)
        if pn is None or pd is None:
            return None
        if pd.degree() == 0:                       # a polynomial written as a product or power
            expanded = sp.expand(f)
            if expanded == f:
                return None
            sub = self.sub(expanded, x, True)
            return None if sub is None else RewriteRule(f, x, expanded, sub)
        if pd.degree() > _MAX_DEGREE:
            return None
        scale, base = _primitive(pd)               # q = scale·base, base with coprime integers
        q, r = pn.div(base.diff(x))                # p = k·base': ∫ = (k/scale)·ln|base|
        if r.is_zero and q.degree() <= 0:
            k = q.as_expr() / scale
            u = sp.Dummy(_next_name(x))
            step = ReciprocalRule(1 / u, u, u)
            if k != 1:
                step = ConstantTimesRule(k / u, u, k, 1 / u, step)
            return URule(f, x, u, base.as_expr(), step)
        quotient, remainder = pn.div(pd)
        if remainder.is_zero:                      # a polynomial in disguise: (x² − 1)/(x − 1)
            sub = self.sub(quotient.as_expr(), x, True)
            return None if sub is None else RewriteRule(f, x, quotient.as_expr(), sub)
        proper = remainder.as_expr() / d
        if not quotient.is_zero:                   # long division, when the rest is k·q'/q
            k, r = remainder.div(pd.diff(x))
            if r.is_zero and k.degree() <= 0:
                return self._split(LongDivisionRule, f, x, sp.Add(quotient.as_expr(), proper))
        fractions = sp.apart(proper, x)
        if len(sp.Add.make_args(fractions)) > 1:
            return self._split(PartialFractionsRule, f, x, sp.Add(quotient.as_expr(), fractions))
        if not quotient.is_zero:
            return self._split(LongDivisionRule, f, x, sp.Add(quotient.as_expr(), fractions))
        if fractions != f:                         # a common factor cancelled
            sub = self.sub(fractions, x, True)
            return None if sub is None else RewriteRule(f, x, fractions, sub)
        if pd.degree() == 2 and pn.degree() <= 1:
            return self._quadratic(f, x, pn, pd)
        return None

    def _split(self, rule, f, x, rewritten):
        """∫ f = Σ ∫ (each term of ``rewritten``), one substep per term."""
        subs = [self.sub(t, x, True) for t in rewritten.as_ordered_terms()]
        return None if None in subs else rule(f, x, rewritten, subs)

    def _quadratic(self, f, x, pn, pd):
        """(A·x + B)/(a·x² + b·x + c) with b² < 4ac: an ln part and an arctan part."""
        a, b, c = pd.all_coeffs()
        if b * b - 4 * a * c >= 0:
            return None
        d = pd.as_expr()
        A, B = (pn.all_coeffs() if pn.degree() == 1 else [sp.Integer(0), pn.as_expr()])
        if A != 0:
            k = A / (2 * a)
            rewritten = sp.Add(k * (2 * a * x + b) / d, (B - k * b) / d)
            terms = rewritten.as_ordered_terms()
            if len(terms) < 2:
                return None
            subs = [self.sub(t, x, True) for t in terms]
            return None if None in subs else RewriteRule(f, x, rewritten, AddRule(rewritten, x, subs))
        if B != 1:
            return None                            # the constant factor was taken out before
        m = c - b * b / (4 * a)                    # a·x² + b·x + c = a·(x + b/(2a))² + m
        if b == 0:
            return ArctanRule(f, x, sp.Integer(1), a, m)
        u = sp.Dummy(_next_name(x))
        g = 1 / (a * u ** 2 + m)
        return URule(f, x, u, x + b / (2 * a), ArctanRule(g, u, sp.Integer(1), a, m))

    # ---- 4. rational functions of e^(kx)

    def _exp_rational(self, f, x):
        exps = [e for e in f.atoms(sp.exp) if e.has(x)]
        if not exps or f.free_symbols - {x}:
            return None
        lines = [_linear(e.args[0], x) for e in exps]
        if None in lines:
            return None
        if len(set(lines)) == 1:
            a, b = lines[0]
            g, c = abs(a), (b if a > 0 else -b)    # u = e^(g·x + c), g > 0
        else:
            g, c = sp.gcd_list([abs(a) for a, _ in lines]), sp.Integer(0)
        if all(a < 0 for a, _ in lines):
            # Written with e^(−kx): u = e^(−kx) as written keeps the integrand's own form
            # (∫ σ(x)(1 − σ(x)) dx = 1/(1 + e^(−x))) unless the answer has a logarithm, where
            # ln u = −kx would leave x + ln(1 + e^(−x)) for ln(eˣ + 1).
            written = self._exp_substitution(f, x, exps, lines, -g, -c)
            if written is not None and not written.eval().has(sp.log):
                return written
        return self._exp_substitution(f, x, exps, lines, g, c)

    def _exp_substitution(self, f, x, exps, lines, g, c):
        """u = e^(g·x + c): each e^(a·x + b) = e^(b − k·c)·uᵏ with k = a/g, and dx = du/(g·u)."""
        u = sp.Dummy(_next_name(x))
        mapping = {}
        for e, (a, b) in zip(exps, lines):
            k = a / g
            if not k.is_integer:
                return None
            mapping[e] = sp.exp(b - k * c) * u ** k
        h = f.xreplace(mapping)
        if h.has(x) or h == f:
            return None
        substituted = sp.cancel(h / (g * u))
        if substituted.has(x) or not substituted.is_rational_function(u):
            return None
        substituted = sp.factor(substituted)       # 1/(2u + 2) → 1/(2(u + 1)): ln|u + 1|, not ln|2u + 2|
        sub = self._in_substitution(substituted, u)
        return None if sub is None else URule(f, x, u, sp.exp(g * x + c), sub)

    def _in_substitution(self, g, u):
        """∫ g du natively, counting the nesting of substitutions."""
        if self.substitutions >= _MAX_SUBSTITUTIONS:
            return None
        self.substitutions += 1
        try:
            return self.sub(g, u, True)
        finally:
            self.substitutions -= 1

    # ---- 5. powers of sin and cos, tan, tanh

    def _trig(self, f, x):
        if f.is_Pow and f.exp == 2 and isinstance(f.base, sp.sec):          # sec² = (tan)'
            return self._linear_substitution(f, x, f.base.args[0], lambda v: sp.sec(v) ** 2,
                                             lambda g, v, base: Sec2Rule(g, v))
        if isinstance(f, sp.sec):                 # sec = (sec² + sec·tan)/(sec + tan), u = sec + tan
            (arg,) = f.args
            ab = _linear(arg, x)
            if ab is None:
                return None
            rewritten = (sp.sec(arg) ** 2 + sp.tan(arg) * sp.sec(arg)) / (sp.sec(arg) + sp.tan(arg))
            u = sp.Dummy(_next_name(x))
            step = ReciprocalRule(1 / u, u, u)
            if ab[0] != 1:
                step = ConstantTimesRule(1 / (ab[0] * u), u, 1 / ab[0], 1 / u, step)
            return RewriteRule(f, x, rewritten, URule(rewritten, x, u, sp.tan(arg) + sp.sec(arg), step))
        if isinstance(f, (sp.tan, sp.tanh)):
            (arg,) = f.args
            ab = _linear(arg, x)
            if ab is None:
                return None
            s, c = (sp.sin(arg), sp.cos(arg)) if isinstance(f, sp.tan) else (sp.sinh(arg), sp.cosh(arg))
            rewritten = s / c
            u = sp.Dummy(_next_name(x))
            k = (-1 if isinstance(f, sp.tan) else 1) / ab[0]       # d cos = −sin, d cosh = sinh
            step = ReciprocalRule(1 / u, u, u)
            if k != 1:
                step = ConstantTimesRule(k / u, u, k, 1 / u, step)
            return RewriteRule(f, x, rewritten, URule(rewritten, x, u, c, step))
        powers = f.as_powers_dict()
        families = {type(b) for b in powers}
        if families <= {sp.sin, sp.cos}:
            S, C, e = sp.sin, sp.cos, -1           # sin² = 1 − cos², d cos = −sin
        elif families <= {sp.sinh, sp.cosh}:
            S, C, e = sp.sinh, sp.cosh, 1          # sinh² = cosh² − 1, d cosh = sinh
        else:
            return None
        args = {b.args[0] for b in powers}
        if len(args) != 1:
            return None
        (arg,) = args
        ab = _linear(arg, x)
        if ab is None:
            return None
        s, c = S(arg), C(arg)
        m, n = powers.get(s, sp.Integer(0)), powers.get(c, sp.Integer(0))
        if not (m.is_Integer and n.is_Integer and m >= 0 and n >= 0) or m + n < 2:
            return None
        a = ab[0]
        u = sp.Dummy(_next_name(x))
        if n == 1 or m == 1:                      # sᵐ·c: u = s;  s·cⁿ: u = c
            inner, k, power = (s, 1 / a, m) if n == 1 else (c, e / a, n)
            g = u ** power
            step = self.sub(g, u, True)
            if step is None:
                return None
            if k != 1:
                step = ConstantTimesRule(k * g, u, k, g, step)
            return URule(f, x, u, inner, step)
        if m % 2 == 1 or n % 2 == 1:              # an odd power ≥ 3: keep one factor for du
            if m % 2 == 1:                        # s^(2k+1) = (e·(c² − 1))^k·s, u = c
                k = (m - 1) // 2
                rewritten = (e * (c ** 2 - 1)) ** k * s * c ** n
                inner, g = c, sp.expand((e * (u ** 2 - 1)) ** k * u ** n / (e * a))
            else:                                 # c^(2k+1) = (1 + e·s²)^k·c, u = s
                k = (n - 1) // 2
                rewritten = (1 + e * s ** 2) ** k * c * s ** m
                inner, g = s, sp.expand((1 + e * u ** 2) ** k * u ** m / a)
            step = self.sub(g, u, True)
            return None if step is None else RewriteRule(f, x, rewritten, URule(rewritten, x, u, inner, step))
        double = C(2 * arg)                       # both even: the double angle
        rewritten = ((1 - double) / 2 if e == -1 else (double - 1) / 2) ** (m // 2) * ((double + 1) / 2) ** (n // 2)
        if not rewritten.is_Add:
            rewritten = sp.expand(rewritten)
        step = self.sub(rewritten, x, True)
        return None if step is None else RewriteRule(f, x, rewritten, step)

    # ---- 6. integration by parts

    def _parts(self, f, x):
        factors = sp.Mul.make_args(f)
        special = [e for e in factors if not is_polynomial(e, x) and not (e.is_Pow and e.base == x)]
        if len(special) == 2 and len(factors) == 2:
            return self._cyclic_parts(f, x, *special)
        if len(special) != 1:
            return None
        (h,) = special
        p = sp.Mul(*(e for e in factors if e is not h))
        log_power = h.is_Pow and isinstance(h.base, sp.log) and h.exp.is_Integer and h.exp > 0
        if isinstance(h, (sp.log, sp.atan, sp.asin, sp.acos)) or log_power:     # u = lnᵏ(x), arctan(x), …
            function = h.base if log_power else h
            if function.args[0] != x:
                return None
            if isinstance(function, sp.log):
                if p.is_Pow and p.exp == -1:       # ln(x)ᵏ/x is a substitution, not parts
                    return None
            elif not is_polynomial(p, x):
                return None
            return self._by_parts(f, x, h, p)
        # aˣ only with a linear u: each step divides by ln(a), which sympy does not multiply out
        # (x²·2ˣ would read 2ˣx²/ln(2) − 2(2ˣx/ln(2) − 2ˣ/ln(2)²)/ln(2)); sympy factors those
        exponential = h.is_Pow and h.base.is_number and h.base.is_positive and _linear(h.exp, x) is not None \
            and _linear(p, x) is not None
        if (type(h) in _LEAVES and _linear(h.args[0], x) is not None or exponential) and \
                p.has(x) and is_polynomial(p, x):
            return self._by_parts(f, x, p, h)      # u = polynomial, dv = e^(ax+b), aˣ, sin, …
        return None

    def _cyclic_parts(self, f, x, g, h):
        """∫ e^(ax+b)·sin(cx+d) (or cos): parts twice (u = the trig factor, dv = the exponential)
        brings back −(c/a)²·∫ f, so ∫ f = (u₁v − u₂v)/(1 + (c/a)²) — sympy's CyclicPartsRule."""
        trig, exponential = (g, h) if isinstance(g, (sp.sin, sp.cos)) else (h, g)
        if not isinstance(trig, (sp.sin, sp.cos)) or not isinstance(exponential, sp.exp) or \
                _linear(trig.args[0], x) is None or _linear(exponential.args[0], x) is None:
            return None
        v_step = self.sub(exponential, x, True)
        if v_step is None:
            return None
        v = v_step.eval()
        k, rest = (v * sp.diff(trig, x)).as_coeff_Mul()
        other = sp.cancel(rest / exponential)
        if not isinstance(other, (sp.sin, sp.cos)):
            return None
        u2 = k * other
        coefficient = sp.cancel(v * sp.diff(u2, x) / f)
        if coefficient.has(x) or coefficient == 1:
            return None
        return CyclicPartsRule(f, x, [PartsRule(None, None, trig, exponential, v_step, None),
                                      PartsRule(None, None, u2, exponential, v_step, None)], coefficient)

    def _by_parts(self, f, x, u, dv):
        """∫ u dv = u·v − ∫ v du, each integral by textbook rules."""
        v_step = self.sub(dv, x, True)
        if v_step is None:
            return None
        v = v_step.eval()
        second = v * sp.diff(u, x)
        expanded = sp.expand_mul(second)                # (x³/3 + x)/x → x²/3 + 1
        if sp.count_ops(expanded) < sp.count_ops(second):
            second = expanded
        if second.has(sp.Piecewise):
            return None
        second_step = self.sub(second, x, True)
        return None if second_step is None else PartsRule(f, x, u, dv, v_step, second_step)

    # ---- 7. substitution

    def _substitution(self, f, x):
        if self.substitutions >= _MAX_SUBSTITUTIONS:
            return None
        u = sp.Dummy(_next_name(x))
        found = []
        from sympy.integrals.manualintegrate import find_substitutions

        try:
            candidates = find_substitutions(f, x, u)
        except (TypeError, ValueError, NotImplementedError, sp.PolynomialError):
            return None
        for u_func, c, substituted in candidates:
            if not c.is_number or c == 0:
                continue
            step = self._in_substitution(substituted, u)
            if step is None:
                continue
            if c != 1:
                step = ConstantTimesRule(c * substituted, u, c, substituted, step)
            # a substitution that leaves ∫ du only renames the integrand: the last resort
            found.append((not substituted.has(u), size(step), len(found), URule(f, x, u, u_func, step)))
        return min(found)[-1] if found else None


__all__ = ["Rule", "PartialFractionsRule", "LongDivisionRule", "is_rule", "sub_rules", "is_polynomial", "steps",
           "native_steps", "sympy_steps", "size"]
