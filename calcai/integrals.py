"""Integration with steps from a rule tree (textbook rules from calcai.integral_rules, sympy's
``integral_steps`` for the rest), and definite integrals by the fundamental theorem:
∫ₐᵇ f = F(b) − F(a).

The tree is shown with its working (``explain``): u = g(x) and du = g'(x) dx for a
substitution, u, dv, du, v and uv − ∫ v du for parts, the equation I = … + c·I solved for I for
cyclic parts, the decomposition for partial fractions and long division, the identity behind a
rewrite. F(b) and F(a) are shown term by term, limits as limits.

A definite integral always ends in a number when the integrand is finite and integrable: when
no closed form is found, or the exact route does not finish within its share of the time budget
(``SYMBOLIC_SHARE`` of calcai.limits' timeout; the route runs in a forked process that is
killed then), the value comes from quadrature with an error estimate (``_numeric_integral``).

Everything is over the real numbers:

- an antiderivative must be real wherever the integrand is: ln(x) from sympy's reciprocal rule
  becomes ln|x| (d/dx ln|x| = 1/x on both sides of 0), and an antiderivative that is only
  complex-valued (e^(x³) ↦ lower incomplete gamma with exp_polar) is refused;
- an odd root of a negative number is the real root, as on a calculator: (−8)^(1/3) = −2, not
  sympy's principal complex root;
- a definite integral of a function that is not real somewhere on the interval is refused;
- a singularity inside the interval (or a jump of F) splits it, with one-sided limits of F;
- every definite answer is compared with numerical integration before it is shown.
"""

from __future__ import annotations

import contextvars
import dataclasses
import math
import re
from dataclasses import dataclass, field

import sympy as sp

from . import integral_rules
from . import limits as _limits
from .errors import MathError
from .integral_rules import is_polynomial, is_rule, sub_rules
from .solution import Equation, Section, Text, Walkthrough


@dataclass(frozen=True)
class IntegralStep:
    """One rule of sympy's integration tree: ∫ expr d(wrt) = result.

    ``substeps`` are shown under it in order: the steps of its sub-integrals and, once the tree
    is explained (``explain``), the lines of working (``IntegralWork``) that lead to them."""

    rule: str
    expr: sp.Expr
    wrt: sp.Symbol
    result: sp.Expr
    substeps: tuple = ()
    u: sp.Expr | None = None          # a substitution's new variable …
    inner: sp.Expr | None = None      # … and what it stands for (u = cos(x))
    expanded: sp.Expr | None = None   # the integrand rewritten (before the tree is explained)
    detail: tuple = field(default=(), compare=False, repr=False)   # what ``explain`` needs


@dataclass(frozen=True)
class Differential:
    """``expr d(wrt)`` in a line of working: 'eˣ dx', '2x dx', 'dx' (expr 1), 'dv'."""

    expr: sp.Expr
    wrt: sp.Symbol


@dataclass(frozen=True)
class IntegralWork:
    """A line of working inside an integration step: one or more equations, each a chain of
    terms joined by '=' (sympy objects or ``Differential``), an optional label in words, and
    the steps that work out a sub-integral of the line (shown under it)."""

    equations: tuple
    label: str = ""
    substeps: tuple = ()


# ---------------------------------------------------------------- rule trees
#
# A tree mixes calcai's textbook rules (calcai.integral_rules) and sympy's manualintegrate rules
# for what those leave to sympy's search: both have the same class names and fields, so the
# functions below go by the class name (and never import manualintegrate themselves).

def _rule_name(rule) -> str:
    name = type(rule).__name__.removesuffix("Rule")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _kind(rule) -> str:
    return type(rule).__name__


def _sub_rules(rule):
    return sub_rules(rule)


def _usable(rule) -> bool:
    """Whether the rule tree integrates (some alternative of each AlternativeRule does)."""
    if _kind(rule) == "DontKnowRule":
        return False
    if _kind(rule) == "AlternativeRule":
        return any(_usable(a) for a in rule.alternatives)
    return all(_usable(r) for r in _sub_rules(rule))


def _size(rule) -> int:
    return 1 + sum(_size(r) for r in _sub_rules(rule))


def _prune(rule):
    """The rule tree with each AlternativeRule replaced by its shortest usable alternative, so a
    walkthrough shows one way to integrate (and every node's result comes from that way)."""
    if _kind(rule) == "AlternativeRule":
        usable = [a for a in rule.alternatives if _usable(a)] or list(rule.alternatives)
        return _prune(min(usable, key=_size))
    changes = {}
    for f in dataclasses.fields(rule):
        value = getattr(rule, f.name)
        if is_rule(value):
            changes[f.name] = _prune(value)
        elif isinstance(value, (list, tuple)) and any(is_rule(v) or isinstance(v, tuple) for v in value):
            changes[f.name] = type(value)(
                _prune(v) if is_rule(v)
                else tuple(_prune(w) if is_rule(w) else w for w in v) if isinstance(v, tuple)
                else v for v in value)
    return dataclasses.replace(rule, **changes) if changes else rule


def _convert(rule, integrand=None) -> IntegralStep:
    """Turn a (pruned) rule and its nested rules into IntegralStep nodes.
    ``integrand`` overrides the rule's own: sympy sometimes records the integrand of the parent
    in a ConstantTimesRule's substep (∫ x/(x² − 1) dx = ln(x² − 1)) where it integrates ``other``."""
    kind = _kind(rule)
    if kind == "ConstantTimesRule":
        subs = (_convert(rule.substep, rule.other),)
    elif kind == "CyclicPartsRule":      # its parts steps have no second integral: show ∫ dv = v
        subs = tuple(_convert(p.v_step, p.dv) for p in rule.parts_rules)
    else:
        subs = tuple(_convert(r) for r in _sub_rules(rule))
    u = inner = expanded = None
    detail = ()
    if kind == "URule":
        u, inner = rule.u_var, rule.u_func
    if kind in ("PartialFractionsRule", "LongDivisionRule"):
        expanded = rule.rewritten
    if kind == "PartsRule" and len(subs) == 2:
        detail = ("parts", rule.u, rule.dv)
    elif kind == "CyclicPartsRule":
        detail = ("cyclic", tuple((p.u, p.dv) for p in rule.parts_rules), rule.coefficient)
    elif kind == "RewriteRule":
        detail = ("rewrite", rule.rewritten)
    expr = rule.integrand if integrand is None else integrand
    return IntegralStep(_rule_name(rule), expr, rule.variable, rule.eval(), subs, u, inner, expanded, detail)


def _sympy_tree(expr, x) -> IntegralStep:
    _searching()
    result = sp.integrate(expr, x)
    if result.has(sp.Integral):
        raise MathError(f"no closed-form antiderivative of {_text(expr)} was found")
    return IntegralStep("sympy", expr, x, result)


def integral_tree(expr, x) -> IntegralStep:
    """The rule tree of ∫ expr dx: textbook rules first (calcai.integral_rules), sympy's rule
    search for the rest; rule 'sympy' where manualintegrate has no rule; a piecewise integrand
    is integrated piece by piece (rule 'piecewise')."""
    return _tree(expr, x, integral_rules.steps)


def searched_tree(expr, x) -> IntegralStep:
    """The rule tree from sympy's own search alone (the slow path: the fallback when the
    textbook tree fails its check, and the reference the tests compare it with)."""
    return _tree(expr, x, integral_rules.sympy_steps)


def _tree(expr, x, rules_of) -> IntegralStep:
    if isinstance(expr, sp.Piecewise):
        return _piecewise_tree(expr, x)
    if _fast.get() and rules_of is integral_rules.steps:       # textbook rules only, or the budgeted route
        rules = integral_rules.native_steps(expr, x)
        if rules is None:
            raise _Slow
        return _convert(_prune(rules))
    rules = rules_of(expr, x)
    if not _usable(rules):
        return _sympy_tree(expr, x)
    return _convert(_prune(rules))


def _piecewise_tree(expr, x) -> IntegralStep:
    """∫ of a Piecewise: each piece by its own rules; sympy joins the pieces continuously."""
    _searching()
    result = sp.integrate(expr, x)
    if result.has(sp.Integral):
        raise MathError(f"no closed-form antiderivative of {_text(expr)} was found")
    pieces = []
    for piece, _ in expr.args:
        try:
            pieces.append(integral_tree(piece, x))
        except MathError:
            pass
    return IntegralStep("piecewise", expr, x, result, tuple(pieces))


# ---------------------------------------------------------------- numbers at sample points

# Points to test an antiderivative at: both signs, away from 0, ±1, ±π/2 and other usual poles.
_SAMPLES = tuple(sp.Rational(k, 7) for k in (-31, -20, -13, -8, -5, -3, -1, 2, 4, 9, 12, 17, 23, 33))


def _text(expr) -> str:
    from .render.text import math_text

    return math_text(expr)


def _complex(expr):
    """A closed number as a Python complex, or None when it is undefined or infinite."""
    try:
        if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.AccumBounds):
            return None
        value = complex(sp.N(expr, 15))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        return None
    return value


def _is_real(value: complex) -> bool:
    return abs(value.imag) <= 1e-10 * max(1.0, abs(value.real))


def _at(expr, x, t):
    try:
        value = expr.xreplace({x: t})
    except (TypeError, ValueError, ZeroDivisionError, NotImplementedError):   # e.g. d/dx floor(x)
        return None
    return _complex(value)


def _mp(t):
    """A sample point as an mpmath number at the working precision."""
    import mpmath

    if t.is_Rational:
        return mpmath.mpf(t.p) / t.q
    return mpmath.mpmathify(str(sp.N(t, mpmath.mp.dps + 5)))


def _values(expr, x, points) -> list:
    """``expr`` at each point as a Python complex (None where undefined or infinite).

    Evaluated by mpmath at 30 digits through one lambdify, which is some fifty times faster
    than substituting into sympy; exactly by substitution (``_at``) where lambdify cannot (a
    function mpmath does not know)."""
    import mpmath

    try:
        fn = sp.lambdify(x, expr, modules="mpmath")
    except Exception:       # noqa: BLE001 - an expression the printer cannot write: evaluate exactly
        fn = None
    out = []
    with mpmath.workdps(30):
        for t in points:
            if fn is not None:
                try:
                    value = complex(fn(_mp(t)))
                except (ZeroDivisionError, OverflowError, ValueError):      # a pole: undefined there
                    out.append(None)
                    continue
                except Exception:   # noqa: BLE001 - e.g. NameError for an unknown function
                    fn = None
                else:
                    finite = math.isfinite(value.real) and math.isfinite(value.imag)
                    out.append(value if finite else None)
                    continue
            out.append(_at(expr, x, t))
    return out


def _parameters(*exprs, x):
    """Values for symbols other than ``x`` (so a test at sample points is numeric)."""
    others = sorted(set().union(*(e.free_symbols for e in exprs)) - {x}, key=lambda s: s.name)
    return {s: sp.Rational(13, 10) + sp.Rational(i, 7) for i, s in enumerate(others)}


# ---------------------------------------------------------------- real forms

def _odd_root(e, x) -> bool:
    """u^(p/q) with q odd and u possibly negative: sympy reads it as a complex principal root."""
    return (e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer and e.exp.q % 2 == 1
            and e.base.has(x) and e.base.is_nonnegative is not True)


def _real_branch(expr, x):
    """``expr`` with every odd root read as the real root: u^(p/q) = sign(u)^p·|u|^(p/q)."""
    def real(e):
        u, r = e.base, e.exp
        return (sp.sign(u) if r.p % 2 else sp.Integer(1)) * sp.Abs(u) ** r

    return expr.replace(lambda e: _odd_root(e, x), real)


_REAL_FUNCTIONS = (sp.exp, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.atan, sp.Abs, sp.sign)


def _real_wherever_defined(e) -> bool:
    """Whether e (in real variables) is real at every point where it is defined: built from
    real numbers, +, ×, integer powers, powers of nonnegative bases and functions such as exp,
    sin and arctan. False only means "evaluate to find out"."""
    if e.is_Symbol or e.is_number:
        return e.is_real is True
    if e.is_Add or e.is_Mul:
        return all(_real_wherever_defined(a) for a in e.args)
    if e.is_Pow:
        return _real_wherever_defined(e.base) and _real_wherever_defined(e.exp) and \
            (e.exp.is_Integer or e.base.is_nonnegative is True)
    if isinstance(e, _REAL_FUNCTIONS):
        return all(_real_wherever_defined(a) for a in e.args)
    return False


def _real_points(f, x) -> tuple:
    """The sample points where f is real (all of them when f is real wherever it is defined:
    a pole only matters for ln|u| if u < 0 there alone, which a continuous u cannot do)."""
    if _real_wherever_defined(f):
        return _SAMPLES
    return tuple(t for t, v in zip(_SAMPLES, _values(f, x, _SAMPLES)) if v is not None and _is_real(v))


def _negative_real(u, x, points) -> bool:
    """u < 0 at one of the points, and u real at every one of them where it is defined (so
    d/dx ln|u| = u'/u = d/dx ln(u) there)."""
    try:
        poly = sp.Poly(u, x)
    except sp.PolynomialError:
        poly = None
    if poly is not None and (poly.domain.is_QQ or poly.domain.is_ZZ):
        return any(poly.eval(t) < 0 for t in points)             # exact, and real everywhere
    negative = False
    for v in _values(u, x, points):
        if v is None:
            continue
        if not _is_real(v):
            return False
        negative = negative or v.real < 0
    return negative


def _real_logs(F, f, x, memo=None):
    """ln(u) → ln|u| in the antiderivative F of f where u is real but can be negative while f
    is real: d/dx ln|u| = u'/u too, so F stays an antiderivative and is real there. ``memo``
    keeps the verdict on each ln argument across the nodes of one tree."""
    if not F.has(sp.log):
        return F
    memo = {} if memo is None else memo
    r = x if x.is_real else sp.Dummy(x.name, real=True)
    params = _parameters(F, f, x=x)

    def numeric(e):
        return e.xreplace(params).xreplace({x: r})

    points = None

    def negative_somewhere(u) -> bool:
        nonlocal points
        if u.is_nonnegative or isinstance(u, sp.Abs):
            return False
        if points is None:
            points = _real_points(_real_branch(numeric(f), r), r)
        key = (u, x, points)
        if key not in memo:
            memo[key] = _negative_real(_real_branch(numeric(u), r), r, points)
        return memo[key]

    return F.replace(lambda e: isinstance(e, sp.log) and negative_somewhere(e.args[0]),
                     lambda e: sp.log(sp.Abs(e.args[0])))


def _derivative_check(F, f, x, points, real: bool = True) -> str:
    """'ok' when F' = f (and, with ``real``, F is real) at the points where f is real, 'bad' when
    not, or 'unknown' when nothing could be tested."""
    try:
        dF = sp.diff(F, x)
    except (TypeError, ValueError, NotImplementedError):
        return "unknown"
    tested = 0
    for fv, Fv, dv in zip(_values(f, x, points), _values(F, x, points), _values(dF, x, points)):
        if fv is None or not _is_real(fv):
            continue
        if real and (Fv is None or not _is_real(Fv)):
            return "bad"
        if dv is None:
            continue
        if abs(dv - fv) > 1e-8 * max(1.0, abs(fv)):
            return "bad"
        tested += 1
    return "ok" if tested else "unknown"


def _check_antiderivative(F, f, x) -> str:
    """Whether F is a real antiderivative of f (read with real roots) wherever f is real."""
    if F.has(sp.I, sp.exp_polar, sp.polar_lift) or F.has(sp.Integral):
        return "bad"
    if sp.count_ops(F) > 400:
        return "unknown"
    r = x if x.is_real else sp.Dummy(x.name, real=True)
    Fr, fr = _real_branch(F.xreplace({x: r}), r), _real_branch(f.xreplace({x: r}), r)
    params = _parameters(Fr, fr, x=r)
    return _derivative_check(Fr.xreplace(params), fr.xreplace(params), r, _SAMPLES)


def _realify(node: IntegralStep, memo=None) -> IntegralStep:
    """Every node of the tree with ln|u| where sympy wrote ln(u)."""
    memo = {} if memo is None else memo
    subs = tuple(_realify(s, memo) for s in node.substeps)
    result = _real_logs(node.result, node.expr, node.wrt, memo) if node.result is not None else None
    return dataclasses.replace(node, result=result, substeps=subs)


def _awkward_log(log, x) -> bool:
    """ln of a sum or product with e^(−kx) in it: ln(2 + 2e^(−x)), ln(2e^(−x)), ln(1 + e^(−x))."""
    return any(e.args[0].has(x) and e.args[0].could_extract_minus_sign() for e in log.args[0].atoms(sp.exp))


def _tidy(F, f, x):
    """A shorter equal form of F when sympy's rules left ln of a sum with e^(−kx) in it
    (ln(2 + 2e^(−x)) − ln(2e^(−x)) → ln(eˣ + 1)). Only there, and only for a small F: every
    other antiderivative is built in textbook form already (ln|x| − ln|x + 1| stays two logs)."""
    if F.has(sp.Piecewise) or not any(_awkward_log(L, x) for L in F.atoms(sp.log)) or sp.count_ops(F) > 40:
        return F
    _searching()
    try:
        candidate = sp.simplify(sp.logcombine(F, force=True))
    except (TypeError, ValueError, NotImplementedError):
        return F
    def radicals(e):
        return {p for p in e.atoms(sp.Pow) if not p.exp.is_Integer}

    if sp.count_ops(candidate) >= sp.count_ops(F) or candidate.has(sp.I) or not radicals(candidate) <= radicals(F):
        return F                       # not shorter, or new roots (√(x − 3) where F had none)
    difference = [d for d in _values(candidate - F, x, _SAMPLES) if d is not None]
    if len(difference) < 3 or any(abs(d - difference[0]) > 1e-9 for d in difference):
        return F                       # not F + a constant wherever both are defined
    return candidate if _check_antiderivative(candidate, f, x) == "ok" else F


# ---------------------------------------------------------------- the working of each step
#
# A rule tree says which rule integrates each piece; a walkthrough a teacher would sign also
# shows the working in between. ``explain`` adds it as IntegralWork lines among the substeps,
# built from the (real, checked) results of the substeps, never simplified afterwards.

_U, _V = sp.Symbol("u"), sp.Symbol("v")     # the letters of ∫ u dv = uv − ∫ v du
_I = sp.Symbol("I")                         # the integral that cyclic parts brings back


def _d(expr, x) -> Differential:
    return Differential(expr, x)


def explain(node):
    """The tree with its lines of working (IntegralWork) among the substeps:

    - substitution: u = g(x), du = g'(x) dx; ∫ f dx = ∫ h(u) du (its steps under it); and
      back in x, H(u) = H(g(x));
    - parts: u = …, dv = … dx; du = … dx, v = ∫ dv = … (its steps); ∫ u dv = uv − ∫ v du = …
      (the remaining integral's steps);
    - cyclic parts: I = ∫ f dx, each parts step as above, the equation I = … + c·I and I
      solved from it;
    - partial fractions and long division: the factored denominator or the division, and the
      decomposition as an equation, before the steps of its terms;
    - a rewrite: the identity used (sin²θ = (1 − cos 2θ)/2, sin² = 1 − cos², …) and the
      integrand rewritten."""
    return _explain(node, False)


def _explain(node, in_parts: bool):
    """``explain``; ``in_parts``: the node is worked out inside a parts step (where u and v
    are taken)."""
    if not isinstance(node, IntegralStep):
        return node
    if node.rule == "u" and node.u is not None and node.u.name in ("u", "v") and \
            (in_parts or _has_parts(node.substeps)):
        node = _renamed(node)            # u = sin(u) would be ambiguous: the substitution gets another letter
    kind = node.detail[0] if node.detail else None
    in_parts = in_parts or kind in ("parts", "cyclic")
    node = dataclasses.replace(node, substeps=tuple(_explain(s, in_parts) for s in node.substeps))
    if node.rule == "u" and node.u is not None and node.inner is not None and len(node.substeps) == 1:
        node = _explain_substitution(node)
    elif kind == "parts":
        node = _explain_parts(node)
    elif kind == "cyclic":
        node = _explain_cyclic(node)
    elif node.rule == "partial_fractions" and node.expanded is not None:
        node = _explain_fractions(node)
    elif node.rule == "long_division" and node.expanded is not None:
        node = _explain_division(node)
    elif kind == "rewrite":
        node = _explain_rewrite(node)
    return dataclasses.replace(node, detail=()) if node.detail else node


def step_nodes(tree):
    """The IntegralStep nodes of an (explained) tree, through its lines of working, parents first."""
    return _steps((tree,))


def _steps(nodes):
    for n in nodes:
        if isinstance(n, IntegralStep):
            yield n
        yield from _steps(n.substeps)


def _has_parts(nodes) -> bool:
    return any(n.rule in ("parts", "cyclic_parts") for n in _steps(nodes))


def _renamed(node):
    """A substitution with a letter other than u and v (t, or s, r, w when t is taken)."""
    taken = {s.name for s in node.expr.free_symbols} | {"u", "v"}
    name = next(n for n in ("t", "s", "r", "w", "z") if n not in taken)
    new = sp.Dummy(name)
    mapping = {node.u: new}
    return dataclasses.replace(node, u=new, substeps=tuple(_replace_in(s, mapping) for s in node.substeps))


def _replace_in(node, mapping):
    """The unexplained tree with symbols replaced everywhere (expressions, results, details)."""
    def swap(v):
        if isinstance(v, sp.Basic):
            return v.xreplace(mapping)
        if isinstance(v, tuple):
            return tuple(swap(w) for w in v)
        return v

    return dataclasses.replace(node, expr=swap(node.expr), wrt=swap(node.wrt), result=swap(node.result),
                               u=swap(node.u), inner=swap(node.inner), expanded=swap(node.expanded),
                               detail=swap(node.detail),
                               substeps=tuple(_replace_in(s, mapping) for s in node.substeps))


def _explain_substitution(node):
    x, u, g = node.wrt, node.u, node.inner
    (sub,) = node.substeps
    lines = (IntegralWork(((u, g), (_d(1, u), _d(sp.diff(g, x), x)))),
             IntegralWork(((sp.Integral(node.expr, x), sp.Integral(sub.expr, u)),), substeps=(sub,)),
             IntegralWork(((sub.result, node.result),), label=f"back to {_text(x)}"))
    return dataclasses.replace(node, substeps=lines)


def _parts_lines(u, dv, v_step, x) -> tuple:
    """u = …, dv = … dx; du = … dx, v = ∫ dv = … (with the steps of v)."""
    return (IntegralWork(((_U, u), (_d(1, _V), _d(dv, x)))),
            IntegralWork(((_d(1, _U), _d(sp.diff(u, x), x)), (_V, sp.Integral(dv, x), v_step.result)),
                         substeps=(v_step,)))


def _explain_parts(node):
    _, u, dv = node.detail
    x = node.wrt
    v_step, second = node.substeps
    v = v_step.result
    lines = _parts_lines(u, dv, v_step, x) + (
        IntegralWork(((sp.Integral(_U, _V), _U * _V - sp.Integral(_V, _U), u * v - sp.Integral(second.expr, x)),),
                     substeps=(second,)),)
    return dataclasses.replace(node, substeps=lines)


def _explain_cyclic(node):
    """I = ∫ f dx; parts n times gives I = S + c·I, so I = S/(1 − c)."""
    _, pairs, coefficient = node.detail
    x, f = node.wrt, node.expr
    lines = [IntegralWork(((_I, sp.Integral(f, x)),), label="call the integral I")]
    current, total, sign = f, sp.Integer(0), 1
    for i, ((u, dv), v_step) in enumerate(zip(pairs, node.substeps)):
        v = v_step.result
        remaining = v * sp.diff(u, x)                     # ∫ v du, the next integral
        chain = [_I if i == 0 else sp.Integral(current, x), _U * _V - sp.Integral(_V, _U),
                 u * v - sp.Integral(remaining, x)]
        if i == len(pairs) - 1:                           # the last one is the integral again
            chain.append(u * v - sp.cancel(remaining / f) * _I)
        lines += [*_parts_lines(u, dv, v_step, x), IntegralWork((tuple(chain),))]
        total += sign * u * v
        sign, current = -sign, remaining
    lines.append(IntegralWork(((_I, total + coefficient * _I),), label="so"))
    solved = sp.Mul(1 / (1 - coefficient), total, evaluate=False)
    lines.append(IntegralWork((((1 - coefficient) * _I, total), (_I, solved, node.result)), label="solve for I"))
    return dataclasses.replace(node, substeps=tuple(lines))


def _explain_fractions(node):
    x, f = node.wrt, node.expr
    n, d = sp.fraction(f)
    lines = []
    factored = None
    if d.has(x) and integral_rules.is_polynomial(sp.expand(d), x):
        factored = sp.factor_list(d, x)
        c, factors = factored
        product = sp.Mul(c, *(q ** m for q, m in factors))
        if not d.is_Mul and not d.is_Pow and product != d:
            lines.append(IntegralWork(((d, product),), label="factor the denominator"))
    lines += _cover_up(f, n, d, x, factored)
    lines.append(IntegralWork(((f, node.expanded),), label="decompose"))
    return dataclasses.replace(node, expanded=None, substeps=tuple(lines) + node.substeps)


_UNKNOWNS = "ABCDEGH"          # not F (the antiderivative) nor I


def _cover_up(f, n, d, x, factored) -> list:
    """For f = n/d with d = c·q₁·q₂·… distinct linear factors over ℚ (at most seven) and
    deg n < deg d: f = A/q₁ + B/q₂ + …, each unknown found by the cover-up rule (multiply by
    its factor qᵢ, then set x to the root rᵢ of qᵢ): Aᵢ = n(rᵢ)/(c·∏ⱼ≠ᵢ qⱼ(rᵢ)).
    ``factored``: sympy's factor_list of d."""
    if factored is None:
        return []
    c, factors = factored
    pn = integral_rules._rational_poly(n, x)
    if pn is None or not 2 <= len(factors) <= len(_UNKNOWNS) or \
            any(m != 1 or sp.degree(q, x) != 1 for q, m in factors) or pn.degree() >= len(factors):
        return []
    qs = [q for q, _ in factors]
    roots = [-sp.Poly(q, x).nth(0) / sp.Poly(q, x).nth(1) for q in qs]
    unknowns = [sp.Symbol(name) for name in _UNKNOWNS[:len(qs)]]
    values = [pn.eval(r) / (c * sp.Mul(*(q.subs(x, r) for q in qs if q is not qi)))
              for qi, r in zip(qs, roots)]
    template = sp.Add(*(A / q for A, q in zip(unknowns, qs)))
    return [IntegralWork(((f, template),), label="write"),
            IntegralWork(tuple((A, v) for A, v in zip(unknowns, values)),
                         label="cover-up: multiply by each factor, then set x to its root")]


def _explain_division(node):
    x, f = node.wrt, node.expr
    n, d = sp.fraction(sp.together(f))
    q, r = sp.div(sp.expand(n), sp.expand(d), x)
    lines = (IntegralWork(((sp.expand(n), sp.Add(sp.Mul(q, d, evaluate=False), r, evaluate=False)),),
                          label="divide"),
             IntegralWork(((f, node.expanded),), label="so"))
    return dataclasses.replace(node, expanded=None, substeps=lines + node.substeps)


def _explain_rewrite(node):
    _, rewritten = node.detail
    x, f = node.wrt, node.expr
    name, identities = _identity(f, rewritten, x)
    if len(identities) == 1 and identities[0][0] == f:        # sin(x)² = (1 − cos(2x))/2 = 1/2 − cos(2x)/2
        lines = (IntegralWork((identities[0] + (rewritten,),), label=name),)
    elif identities:
        lines = (IntegralWork(tuple(identities), label=name), IntegralWork(((f, rewritten),), label="so"))
    else:
        lines = (IntegralWork(((f, rewritten),), label=name),)
    return dataclasses.replace(node, substeps=lines + node.substeps)


def _half(e):
    """e/2 written as (e)/2."""
    return sp.Mul(sp.Rational(1, 2), e, evaluate=False)


def _identity(f, rewritten, x) -> tuple:
    """(words, equations) naming the identity behind a rewrite, the equations in the integrand's
    own argument; no equations when the rewrite is itself the identity (tan = sin/cos) or is
    algebra (expand, cancel)."""
    families = ((sp.sin, sp.cos, -1), (sp.sinh, sp.cosh, 1))
    for S, C, e in families:
        powers = [(p.base, p.exp) for p in f.atoms(sp.Pow)
                  if isinstance(p.base, (S, C)) and p.exp.is_Integer and p.exp >= 2]
        if not powers:
            continue
        args = {b.args[0] for b, _ in powers}
        if any(rewritten.has(C(2 * a)) for a in args):        # both even: the double angle
            found = []
            for a in sorted(args, key=sp.default_sort_key):
                if any(b == S(a) and n % 2 == 0 for b, n in powers):
                    found.append((S(a) ** 2, _half(1 - C(2 * a)) if e == -1 else _half(C(2 * a) - 1)))
                if any(b == C(a) and n % 2 == 0 for b, n in powers):
                    found.append((C(a) ** 2, _half(1 + C(2 * a)) if e == -1 else _half(C(2 * a) + 1)))
            if found:
                return "double-angle identity", found
        found = []
        for a in sorted(args, key=sp.default_sort_key):   # an odd power: sin² = 1 − cos², cosh² = 1 + sinh²
            if any(b == S(a) and n % 2 == 1 for b, n in powers) and rewritten.has(e * (C(a) ** 2 - 1)):
                found.append((S(a) ** 2, e * (C(a) ** 2 - 1)))
            elif any(b == C(a) and n % 2 == 1 for b, n in powers) and rewritten.has(1 + e * S(a) ** 2):
                found.append((C(a) ** 2, 1 + e * S(a) ** 2))
        if found:
            return "Pythagorean identity", found
    if isinstance(f, sp.tan):
        return "tan = sin/cos", []
    if isinstance(f, sp.tanh):
        return "tanh = sinh/cosh", []
    if isinstance(f, sp.sec):
        return "multiply by (sec + tan)/(sec + tan)", []
    if f.is_rational_function(x) and rewritten.is_rational_function(x):
        _, d = sp.fraction(sp.together(f))
        if not d.has(x):
            return "expand", []
        if rewritten.is_polynomial(x) or sp.fraction(sp.together(rewritten))[1] != d:
            return "cancel the common factor", []
        return "split off the derivative of the denominator", []
    return "rewrite", []


# ---------------------------------------------------------------- the walkthrough

@dataclass(frozen=True)
class Piece:
    """∫ from ``left`` to ``right`` = F(right) − F(left), where F at an end is a one-sided limit
    (``side`` '⁺' or '⁻') at a point where the integrand or F is undefined, or a limit at ±∞."""

    left: sp.Expr
    right: sp.Expr
    left_value: sp.Expr
    right_value: sp.Expr
    left_side: str | None = None
    right_side: str | None = None

    @property
    def value(self):
        return self.right_value - self.left_value


def _infinite(v) -> bool:
    return v in (sp.oo, -sp.oo)


def _label(x, point, side: str | None = None) -> str:
    """'F(2)', 'lim_{x→∞} F(x)' or 'lim_{x→0⁻} F(x)'."""
    from .render.text import math_text

    if _infinite(point) or side:
        arrow = math_text(point) + (side or "")
        return f"lim_{{{math_text(x)}→{arrow}}} F({math_text(x)})"
    return f"F({math_text(point)})"


def _paren(value, negative: bool = True) -> str:
    """A value inside F(b) − F(a): bracketed when it is a sum (or negative, for F(a))."""
    from .render.text import math_text

    text = math_text(value)
    if value.is_Add or (negative and text.startswith(("−", "-"))):
        return f"({text})"
    return text


@dataclass(frozen=True)
class Integral(Walkthrough):
    """∫ f dx (indefinite: ``result`` is F) or ∫ₐᵇ f dx (definite: ``result`` is F(b) − F(a))."""

    expr: sp.Expr
    wrt: sp.Symbol
    steps: IntegralStep
    antiderivative: sp.Expr
    bounds: tuple | None
    upper_value: sp.Expr | None
    lower_value: sp.Expr | None
    result: sp.Expr
    improper: bool = False        # the integrand (or F) is undefined somewhere in [a, b]
    rewritten: sp.Expr | None = None   # the integrand with activations written out
    notes: tuple = ()             # Text items about F (ln|u|, pieces, softplus)
    real_roots: tuple = ()        # Text items: odd roots read as real roots
    pieces: tuple = ()            # Piece items of an improper integral
    singular: tuple = ()          # the points of [a, b] where the integrand is undefined
    jumps: tuple = ()             # the points where only F is undefined
    direct: bool = False          # F jumps: the value is sympy's definite integral
    upper_working: str | None = None   # F(b) term by term ('e − e'), or the limit taken
    lower_working: str | None = None
    numeric: tuple | None = None  # (value, error estimate): no closed form, by quadrature
    why: str = ""                 # why there is no closed form (with ``numeric``)
    poles: tuple = ()             # where quadrature split the interval (with ``numeric``)

    @property
    def title(self):
        from .render.text import math_text

        span = f" from {math_text(self.bounds[0])} to {math_text(self.bounds[1])}" if self.bounds else ""
        return f"Integrate {math_text(self.expr)} d{math_text(self.wrt)}{span}"

    @property
    def sections(self):
        from .render.text import math_text

        items = []
        if self.rewritten is not None:
            items += [Text("Write the activation functions out in exp and pieces first:"),
                      Equation(self.expr, self.rewritten, approx=False)]
        if self.numeric is not None:
            items.append(Text(f"No closed form found: {self.why}."))
        else:
            items += [self.steps, Equation("F", self.antiderivative), *self.notes]
        sections = [Section("Antiderivative", tuple(items))]
        if self.bounds is None:
            sections.append(Section("Note", (Text("Add any constant C: every F + C has the same derivative."),)))
            return tuple(sections)
        a, b = self.bounds
        x = self.wrt
        span = _span(a, b)
        if self.numeric is not None:
            value, error = self.numeric
            at = "" if not self.poles else \
                f", split at {', '.join(f'{math_text(x)} = {math_text(p)}' for p in self.poles)} where it is undefined"
            sections.append(Section("Numerical integration", (
                Text(f"So the integral is computed numerically: mpmath's tanh-sinh quadrature at 20 significant "
                     f"digits on 16 equal parts of {span}{at}, checked against the same rule on the whole "
                     "interval."),
                Equation(sp.Integral(self.expr, (x, a, b)), value, digits=10),
                Equation("error estimate", error, digits=2))))
        elif self.direct:
            sections.append(Section("Definite integral", (
                *self.real_roots,
                Text(f"F is not continuous on {span}, so F(b) − F(a) would be wrong; sympy's definite "
                     "integration accounts for the jump (checked by numerical integration)."),
                Equation("∫", self.result))))
        elif self.improper:
            def at(points):
                return ", ".join(f"{math_text(x)} = {math_text(p)}" for p in points)

            items = list(self.real_roots)
            if self.singular:
                items.append(Text(f"The integrand is undefined at {at(self.singular)} in {span}, so F(b) − F(a) "
                                  "is not enough: split the interval there and take one-sided limits of F; the "
                                  "integral converges because every limit is finite."))
            if self.jumps:
                items.append(Text(f"F is undefined at {at(self.jumps)} although the integrand is continuous "
                                  "there, so split the interval there too and use the one-sided limits of F on "
                                  "each side."))
            for p in self.pieces:
                right, left = _label(x, p.right, p.right_side), _label(x, p.left, p.left_side)
                for point, side, value in ((p.right, p.right_side, p.right_value), (p.left, p.left_side, p.left_value)):
                    if side or _infinite(point):        # the limit taken, with F written out
                        items.append(Equation(_label(x, point, side), value,
                                              via=_limit_text(self.antiderivative, x, point, side)))
                items.append(Equation(f"∫ from {math_text(p.left)} to {math_text(p.right)}", p.value,
                                      via=f"{right} − {left} = {_paren(p.right_value, False)} − "
                                          f"{_paren(p.left_value)}"))
            if len(self.pieces) > 1:
                items.append(Equation("∫", self.result,
                                      via=" + ".join(_paren(p.value) for p in self.pieces)))
            title = "Improper integral" if self.singular or any(map(_infinite, self.bounds)) else \
                "F(b) − F(a), piece by piece"
            sections.append(Section(title, tuple(items)))
        else:
            items = list(self.real_roots)
            infinite = [("upper", b), ("lower", a)]
            for which, v in infinite:
                if _infinite(v):
                    items.append(Text(f"The {which} bound is {math_text(v)}, so F there means the limit of "
                                      f"F({math_text(x)}) as {math_text(x)} → {math_text(v)}."))
            items += [Equation(_label(x, b), self.upper_value, via=self.upper_working),
                      Equation(_label(x, a), self.lower_value, via=self.lower_working),
                      Equation("F(b) − F(a)", self.result,
                               via=f"{_paren(self.upper_value, False)} − {_paren(self.lower_value)}")]
            sections.append(Section("Fundamental theorem: F(b) − F(a)", tuple(items)))
        return tuple(sections)

    @property
    def final(self):
        span = (self.wrt,) if self.bounds is None else (self.wrt, *self.bounds)
        return (Equation(sp.Integral(self.expr, span), self.result, digits=10 if self.numeric else None),)


def _limit_text(F, x, point, side) -> str:
    """'lim_{x→∞} (−1/x)': the limit of F written out."""
    from .render.text import math_text

    text = math_text(F)
    if F.is_Add or text.startswith(("−", "-")):
        text = f"({text})"
    arrow = math_text(point) + (side or "")
    return f"lim_{{{math_text(x)}→{arrow}}} {text}"


def _working_at(F, F_real, x, bound, value) -> str | None:
    """F at a bound written out before it is added up: term by term ('e − e' for x·eˣ − eˣ
    at 1), or the limit taken at ±∞; None when that says no more than the value."""
    from .render.text import math_text

    if _infinite(bound):
        return _limit_text(F, x, bound, None)
    terms = sp.Add.make_args(F_real)
    if len(terms) < 2:
        return None
    values = [t.subs(x, bound) for t in terms]
    if any(_complex(v) is None for v in values):
        return None                     # a term has no value there: F at the bound is a limit
    text = math_text(sp.Add(*values, evaluate=False))
    return None if text == math_text(value) else text


# ---------------------------------------------------------------- integrate

def _integrand_form(expr):
    """The activations written out: σ(x) = 1/(1 + e^(−x)), ReLU as a Piecewise, …"""
    from .functions import ACTIVATIONS, rewrite_activations

    if not expr.has(*ACTIVATIONS):
        return expr
    out = rewrite_activations(expr)
    out = out.replace(lambda e: isinstance(e, (sp.Max, sp.Min)), lambda e: e.rewrite(sp.Piecewise))
    return sp.piecewise_fold(out) if out.has(sp.Piecewise) else out


def _antiderivative(expr, integrand, x):
    """The rule tree of a real antiderivative (MathError when sympy's is not real): the
    textbook tree, or sympy's searched tree when that one fails its check, or sympy's own
    integrate."""
    try:
        tree = _checked(integral_tree(integrand, x), integrand, x)
    except MathError:
        raise MathError(f"no closed-form antiderivative of {_text(expr)} was found") from None
    if _check_antiderivative(tree.result, integrand, x) != "bad":
        return tree
    _searching()
    for fallback in (searched_tree, _sympy_tree):
        if tree.rule == "sympy":
            break
        try:
            alternative = _checked(fallback(integrand, x), integrand, x)
        except MathError:
            continue
        if _check_antiderivative(alternative.result, integrand, x) != "bad":
            return alternative
    why = "complex-valued" if tree.result.has(sp.I, sp.exp_polar, sp.polar_lift) else \
        "not a real antiderivative wherever the function is real"
    raise MathError(f"no real closed-form antiderivative of {_text(expr)} was found: sympy's answer is {why}")


def _checked(tree, integrand, x):
    """The tree with ln|u| for ln(u), its lines of working, and a tidier F where there is one
    (shown as a last line: equal, or equal up to a constant)."""
    tree = explain(_realify(tree))
    F = _tidy(tree.result, integrand, x)
    if F == tree.result:
        return tree
    same = all(d is not None and abs(d) < 1e-9 for d in _values(F - tree.result, x, _SAMPLES[:4]))
    line = IntegralWork(((tree.result, F),), label="simplify" if same else "a simpler antiderivative (the two differ by a constant)")
    return dataclasses.replace(tree, result=F, substeps=tree.substeps + (line,))


def _notes(tree, integrand) -> tuple:
    """Sentences under F: why ln|u|, how pieces join, where softplus appears."""
    from .render.text import math_text

    notes = []
    F = tree.result
    if F.has(sp.Abs) and any(isinstance(a.args[0], sp.Abs) for a in F.atoms(sp.log)):
        notes.append(Text("ln|u| rather than ln(u): d/du ln|u| = 1/u for u < 0 as well as for u > 0, so F is "
                          "a real antiderivative on both sides of u = 0 (ln(u) is not real for u < 0)."))
    if isinstance(integrand, sp.Piecewise):
        notes.append(Text("Integrate each piece; the pieces of F are joined with constants that make F "
                          "continuous, as an antiderivative must be."))
    for L in F.atoms(sp.log):
        u = L.args[0]
        if u.is_Add and len(u.args) == 2 and sp.Integer(1) in u.args:
            e = next(a for a in u.args if a != 1)
            if isinstance(e, sp.exp):
                notes.append(Text(f"{math_text(L)} is softplus({math_text(e.args[0])})."))
    return tuple(notes)


def integrate(expr, x, bounds=None) -> Integral:
    """Integrate step by step; with ``bounds=(a, b)`` the definite integral via F(b) − F(a),
    or, when no closed form is found within ``SYMBOLIC_SHARE`` of the time budget
    (calcai.limits: ``timeout``), numerically with an error estimate."""
    if bounds is None:
        return _exact(expr, x, None)
    a, b = bounds
    integrand = _integrand_form(expr)
    _require_real(expr, _real_branch(integrand, x), x, a, b)
    seconds = SYMBOLIC_SHARE * _limits.current().timeout
    value, why = _closed_form(expr, x, bounds, seconds)
    if value is not None:
        return value
    return _numeric_integral(expr, integrand, x, a, b, why)


def _exact(expr, x, bounds, real_checked: bool = False) -> Integral:
    """The integral by its antiderivative: the rule tree, and F(b) − F(a) with bounds (after
    checking that the integrand is real on [a, b], unless ``real_checked``)."""
    integrand = _integrand_form(expr)
    rewritten = integrand if integrand != expr else None
    if bounds is not None:
        a, b = bounds
        if not real_checked:
            _require_real(expr, _real_branch(integrand, x), x, a, b)
    tree = _antiderivative(expr, integrand, x)
    F = tree.result
    notes = _notes(tree, integrand)
    if bounds is None:
        return Integral(expr, x, tree, F, None, None, None, F, rewritten=rewritten, notes=notes)
    return _definite(expr, integrand, x, tree, a, b, rewritten, notes)


# ---------------------------------------------------------------- the time budget
#
# sympy's integrate can search for minutes (heurisch, meijerg), in pure Python or inside
# big-number arithmetic, with no hook to stop it. A definite integral has a number to fall
# back on, so its exact route runs in a forked process (calcai.runner, one task) that is
# killed with SIGKILL after its share of the problem's time budget; the quadrature then has
# the rest. The fork costs a few milliseconds; where forking is unsafe (a process with other
# threads) the exact route runs here, without the cut.

SYMBOLIC_SHARE = 0.6        # of calcai.limits' timeout, for the exact route of a definite integral

# Most definite integrals need no search at all: textbook rules (calcai.integral_rules, each
# bounded by the integrand's size), F read off at the bounds, singular points and limits read
# off (``_poles``, ``_limit_of_logs``). Those are worked out here, without the fork; a step that
# may search for long (sympy's rule search or integrate, continuous_domain, limit, simplify)
# calls ``_searching`` first, which in that fast attempt raises ``_Slow``: the whole exact route
# then runs again in the forked process, under the budget.
_fast = contextvars.ContextVar("calcai_integrals_fast", default=False)


class _Slow(Exception):
    """The fast attempt met a step that may search for long (see ``_searching``)."""


def _searching() -> None:
    """Called before a step that may search for long: in the fast attempt, stop it."""
    if _fast.get():
        raise _Slow


def _can_fork() -> bool:
    import os
    import threading

    return hasattr(os, "fork") and threading.active_count() == 1


def _closed_form(expr, x, bounds, seconds) -> tuple:
    """(the exact Integral, None), or (None, why there is none: a sentence) when the exact
    route finds no closed form or does not finish within ``seconds``; its other errors (the
    integral diverges, …) are raised."""
    token = _fast.set(True)
    try:
        return _exact(expr, x, bounds, True), None
    except _Slow:
        pass
    finally:
        _fast.reset(token)
    if not _can_fork():
        try:
            return _exact(expr, x, bounds, True), None
        except (MathError, NotImplementedError, RecursionError, MemoryError) as error:
            why = _why_not(error)
            if why is None:
                raise
            return None, why
    import contextlib

    from .runner import run_batch

    tasks = [(expr, x, bounds, True)]
    with contextlib.closing(run_batch(_exact_task, tasks, timeout=seconds, memory_mb=_limits.current().memory_mb,
                                      jobs=1)) as outcomes:
        outcome = next(outcomes)
    if outcome.ok:
        return outcome.value, None
    if outcome.status == "timeout":
        return None, f"the exact search did not finish within {seconds:g} s, its share of the time budget"
    if outcome.status == "memory":
        return None, "the exact search ran out of memory"
    if outcome.status == "crashed":
        return None, f"the exact search stopped ({outcome.message})"
    why = _why_not(outcome.error)
    if why is None:
        if outcome.traceback_text and not isinstance(outcome.error, MathError):
            outcome.error.add_note("in the forked exact route:\n" + outcome.traceback_text.rstrip())
        raise outcome.error
    return None, why


def _exact_task(task) -> Integral:
    return _exact(*task)


def _why_not(error) -> str | None:
    """Why an error of the exact route leaves the number to quadrature (None: it does not)."""
    if isinstance(error, MathError):
        return str(error) if "closed-form" in str(error) else None
    if isinstance(error, NotImplementedError):
        return "sympy cannot do this in closed form"
    if isinstance(error, RecursionError):
        return "the expression is too deeply nested for the exact search"
    if isinstance(error, MemoryError):
        return "the exact search ran out of memory"
    return None


def _numeric_integral(expr, integrand, x, a, b, why) -> Integral:
    """∫ₐᵇ f by quadrature, when there is no closed form: mpmath's tanh-sinh rule on 16 equal
    parts of each stretch between the poles read off f (``_poles``), cross-checked against the
    same rule on the whole stretches; the error estimate is the largest of mpmath's, their
    difference and the rounding to 15 significant digits. MathError when they do not settle (a divergent or wildly oscillating integral)."""
    f_real = _real_branch(integrand, x)
    others = sorted((integrand.free_symbols | a.free_symbols | b.free_symbols) - {x}, key=lambda s: s.name)
    if others:
        names = ", ".join(_text(s) for s in others)
        raise MathError(f"no closed form found ({why}), and with {names} in it the integral has no "
                        "numerical value either")
    poles = []
    polynomials = _poles(f_real, x)
    if polynomials is not None and a.is_number and b.is_number:
        poles = [p for p in _singular_points(f_real, x, a, b) if p not in (a, b)]
        poles.sort(key=float, reverse=_descending(a, b))
    points = [a, *poles, b]
    fine, coarse = _numeric(f_real, x, points, split=16), _numeric(f_real, x, points)
    if fine is not None and coarse is not None:
        value = fine[0]                     # the error of the number given: quadrature's, the two rules'
        error = max(fine[1], abs(fine[0] - coarse[0]), 1e-15 * abs(value))    # difference, 15 digits
        if error <= 1e-8 * max(1.0, abs(value)):
            return Integral(expr, x, None, None, (a, b), None, None, sp.Float(value, 15),
                            rewritten=integrand if integrand != expr else None,
                            numeric=(sp.Float(value, 15), sp.Float(error, 2)), why=why, poles=tuple(poles))
    raise MathError(f"{why}; numerical integration does not settle on a value either, so the integral of "
                    f"{_text(expr)} from {_plain(a)} to {_plain(b)} may diverge")


def _definite(expr, integrand, x, tree, a, b, rewritten, notes) -> Integral:
    F = tree.result
    f_real, F_real = _real_branch(integrand, x), _real_branch(F, x)
    roots = _real_root_note(integrand, F, x, a, b)
    common = dict(rewritten=rewritten, notes=notes, real_roots=roots)
    singular = _singular_points(integrand, x, a, b)
    jumps = [p for p in _singular_points(F, x, a, b, strict=False) if p not in singular]
    descending = _descending(a, b)
    breaks = sorted(set(singular) | set(jumps), key=float, reverse=descending)
    if not breaks:
        upper, lower = _value_at(F_real, x, b), _value_at(F_real, x, a)
        result = _gather_logs(upper - lower)
        _require_finite(expr, a, b, result, upper, lower)
        value = Integral(expr, x, tree, F, (a, b), upper, lower, result, **common,
                         upper_working=_working_at(F, F_real, x, b, upper),
                         lower_working=_working_at(F, F_real, x, a, lower))
    else:
        ends = [a, *breaks, b]
        inward, outward = ("⁻", "⁺") if descending else ("⁺", "⁻")   # approaching from inside a piece
        pieces = []
        for left, right in zip(ends, ends[1:]):
            if left == right:
                continue
            left_side = inward if left in breaks else None
            right_side = outward if right in breaks else None
            lv = _limit(F_real, x, left, "+" if left_side == "⁺" else "-") if left_side else \
                _value_at(F_real, x, left)
            rv = _limit(F_real, x, right, "+" if right_side == "⁺" else "-") if right_side else \
                _value_at(F_real, x, right)
            for v, p, side in ((lv, left, left_side), (rv, right, right_side)):
                if _complex(v) is None:
                    raise MathError(f"the integral of {_text(expr)} from {_plain(a)} to {_plain(b)} diverges: "
                                    f"F({_text(x)}) = {_text(F)} has no finite limit as {_text(x)} → "
                                    f"{_text(p)}{side or ''}")
            pieces.append(Piece(left, right, lv, rv, left_side, right_side))
        result = _gather_logs(sum((p.value for p in pieces), sp.Integer(0)))
        upper, lower = pieces[-1].right_value, pieces[0].left_value
        _require_finite(expr, a, b, result, upper, lower)
        value = Integral(expr, x, tree, F, (a, b), upper, lower, result, improper=True,
                         pieces=tuple(pieces), singular=tuple(singular), jumps=tuple(jumps), **common)
    return _verified(value, f_real, x, [a, *breaks, b])


def _span(a, b) -> str:
    """The interval between the bounds: '[−1, 1]', '[0, ∞)'."""
    lo, hi = (b, a) if _descending(a, b) else (a, b)
    return f"{'(' if _infinite(lo) else '['}{_text(lo)}, {_text(hi)}{')' if _infinite(hi) else ']'}"


def _descending(a, b) -> bool:
    """Whether the bounds run downwards (∫ from 2 to 1)."""
    try:
        return bool(a.is_number and b.is_number and (a > b) is sp.true)
    except TypeError:
        return False


def _gather_logs(value):
    """A definite value with its logarithms of positive numbers gathered into one:
    2ln(2) − ln(3) = ln(4/3), 3ln(18)/2 − 3ln(13)/2 = 3ln(18/13)/2, ln(1 + e) − ln(1 + e⁻¹) = 1,
    and −c·ln(r) written c·ln(1/r) for a fraction r < 1 (−ln(3/4)/2 = ln(4/3)/2).

    Not sympy's simplify: it is slow, its first call imports sympy.physics.units (~70 ms), and
    its forms are hard to predict (ln(6^(2/3)/2) for ln(9)/3 − ln(2)/3)."""
    if not value.has(sp.log):
        return value
    logs, rest = [], []
    for term in sp.Add.make_args(value):
        c, f = term.as_coeff_Mul()
        if isinstance(f, sp.log) and c.is_Rational and f.args[0].is_number and f.args[0].is_positive:
            logs.append((c, f.args[0]))
        else:
            rest.append(term)
    if not logs:
        return value
    if len(logs) == 1:
        (c, r), = logs
        if c < 0 and r.is_Rational and r < 1:
            return -c * sp.log(1 / r) + sp.Add(*rest)
        return value
    g = abs(sp.gcd_list([c for c, _ in logs]))
    product = sp.Mul(*(r ** (c / g) for c, r in logs))
    argument = sp.cancel(product)
    if argument.has(sp.Add):                # keep a quotient of sums only when one side is a number
        argument = product
        if sum(1 for factor in sp.Mul.make_args(argument) if factor.has(sp.Add)) > 1:
            return value               # ln(1 + e⁻¹) − ln(1 + e⁻³) stays: one ln of a quotient of sums is no clearer
    if argument.is_Rational and max(abs(argument.p), argument.q) > 10 ** 6:
        return value                   # ln(2) + 7ln(3) − 5ln(13) is clearer than one huge fraction
    return _gather_logs(g * sp.log(argument)) + sp.Add(*rest)


def _plain(v) -> str:
    """A bound in an error message: '-1' and '1/2' as typed, '∞', 'π'."""
    return sp.sstr(v) if v.is_Rational else _text(v)


def _decimal(v: float) -> str:
    from .render.text import value_text

    return value_text(sp.Float(v, 15), approximate=False).lstrip("≈ ")


def _require_finite(expr, a, b, result, upper, lower):
    """A divergent or complex value is an error, never an answer."""
    if result.has(sp.zoo, sp.nan, sp.AccumBounds) or _infinite(result) or \
            any(_infinite(v) or v.has(sp.zoo, sp.nan) for v in (upper, lower)):
        raise MathError(f"the integral of {_text(expr)} from {_plain(a)} to {_plain(b)} diverges")
    for v in (result, upper, lower):
        if v.has(sp.AccumBounds):
            raise MathError(f"the integral of {_text(expr)} from {_plain(a)} to {_plain(b)} diverges: "
                            "the antiderivative keeps oscillating")
        c = _complex(v)
        if v.has(sp.I, sp.exp_polar) or (c is not None and not _is_real(c)):
            raise MathError(f"the integral of {_text(expr)} from {_text(a)} to {_text(b)} came out complex "
                            f"({_text(v)}), which is not a real answer")


def _require_real(expr, f_real, x, a, b) -> None:
    """MathError when the integrand (odd roots read as real roots) is not real somewhere in [a, b]."""
    if not (a.is_number and b.is_number) or expr.free_symbols - {x}:
        return
    points = _interval_points(a, b)
    for t, v in zip(points, _values(f_real, x, points)):
        if v is not None and not _is_real(v):
            raise MathError(f"{_text(expr)} is not a real number at {_text(x)} = {_text(t)}, inside "
                            f"{_span(a, b)}, so the integral has no real value")


def _interval_points(a, b) -> list:
    if not _infinite(a) and not _infinite(b):
        return [a + (b - a) * sp.Rational(k, 16) for k in range(17)]
    steps = [sp.Rational(1, 100), sp.Rational(1, 10), sp.Rational(1, 2), 1, 2, 5, 10, 100]
    if _infinite(a) and _infinite(b):
        return [s for t in steps for s in (t, -t)] + [sp.Integer(0)]
    if _infinite(b):
        return [a] + [a + t for t in steps]
    return [b] + [b - t for t in steps]


def _real_root_note(integrand, F, x, a, b) -> tuple:
    """A sentence when an odd root of a negative number is met on [a, b]."""
    from .render.text import math_text

    powers = sorted({p for e in (integrand, F) for p in e.atoms(sp.Pow) if _odd_root(p, x)},
                    key=lambda p: (sp.default_sort_key(p.base), p.exp))
    if not powers or not (a.is_number and b.is_number):
        return ()
    points = _interval_points(a, b)
    bases = []
    for p in powers:
        if p.base not in bases and any(v is not None and _is_real(v) and v.real < 0
                                       for v in _values(p.base, x, points)):
            bases.append(p.base)
    if not bases:
        return ()
    forms = ", ".join(f"{math_text(p)} = {math_text(_real_branch(p, x).subs(sp.sign(p.base), -1))}"
                      for p in powers if p.base in bases)
    where = " and ".join(f"{math_text(u)} < 0" for u in bases)
    q = min(p.exp.q for p in powers if p.base in bases)
    return (Text(f"Where {where}, odd roots are taken as real numbers (the real root, as on a calculator: "
                 f"(−{2 ** q})^(1/{q}) = −2), not sympy's complex principal roots: {forms}; F is evaluated "
                 "the same way."),)


def _singular_points(expr, x, a, b, strict: bool = True) -> list:
    """The points of [a, b] where ``expr`` is undefined (a finite set); with ``strict`` a larger
    gap in its domain is an error (the real check has usually caught it first).

    Read off the expression when it is built from polynomials, exp, sin, cos, arctan, … with
    poles at the roots of polynomial denominators and of |p| in ln|p| (``_poles``); otherwise
    sympy's ``continuous_domain`` (``_singular_points_sympy``, the reference in tests)."""
    if not (a.is_number and b.is_number):
        return []
    polynomials = _poles(expr, x)
    if polynomials is None:
        return _singular_points_sympy(expr, x, a, b, strict)
    lo, hi = (b, a) if _descending(a, b) else (a, b)
    points = set()
    for p in polynomials:
        for root in sp.Poly(p, x).real_roots():
            if (lo <= root) == sp.true and (root <= hi) == sp.true:
                points.add(root)
    return sorted(points, key=float)


def _poles(expr, x):
    """The polynomials (rational coefficients) whose real roots are exactly where ``expr`` is
    undefined, or None when ``expr`` has any other shape (a root, tan, ln of a sign-changing p,
    a piece, …)."""
    polynomials = []

    def walk(e) -> bool:
        if not e.has(x) or e.is_Symbol:
            return True
        if e.is_Add or e.is_Mul:
            return all(walk(a) for a in e.args)
        if e.is_Pow:
            if not e.exp.is_Integer:
                return False
            if e.exp < 0 and not (e.base.is_positive or e.base.is_negative):
                if not is_polynomial(e.base, x):
                    return False
                polynomials.append(e.base)
            return walk(e.base)
        if isinstance(e, sp.log):
            u = e.args[0]
            if isinstance(u, sp.Abs) and is_polynomial(u.args[0], x):
                polynomials.append(u.args[0])
                return True
            return _positive(u, x) and walk(u)
        if isinstance(e, (sp.exp, sp.sin, sp.cos, sp.atan, sp.sinh, sp.cosh, sp.tanh)):
            return walk(e.args[0])
        return False

    return polynomials if walk(expr) else None


def _positive(u, x) -> bool:
    """u > 0 for every real x: sympy knows (eˣ + 1), or u is a polynomial with no real root that
    is positive at 0 (x² + 4x + 13)."""
    if u.is_positive:
        return True
    if not is_polynomial(u, x):
        return False
    return sp.Poly(u, x).count_roots() == 0 and u.subs(x, 0).is_positive is True


def _singular_points_sympy(expr, x, a, b, strict: bool = True) -> list:
    """``_singular_points`` by sympy's continuous_domain."""
    from sympy.calculus.util import continuous_domain

    _searching()
    interval = sp.Interval(b, a) if _descending(a, b) else sp.Interval(a, b)
    try:
        missing = sp.Complement(interval, continuous_domain(expr, x, interval))
    except (NotImplementedError, TypeError, ValueError, AttributeError, RecursionError):
        return []
    if missing.is_empty:
        return []
    if isinstance(missing, sp.FiniteSet):
        return sorted((p for p in missing if p.is_number and not _infinite(p)), key=float)
    if strict:
        raise MathError(f"{_text(expr)} is not defined everywhere on {_text(interval)} "
                        f"(it is undefined on {_text(missing)}), so the integral has no real value")
    return []


def _value_at(antiderivative, x, bound):
    """F at a bound; a one-sided limit at ±∞ or where F is undefined."""
    if _infinite(bound):
        return _limit(antiderivative, x, bound)
    value = antiderivative.subs(x, bound)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return _limit(antiderivative, x, bound)
    return _gather_logs(value)


def _limit(antiderivative, x, bound, side="+"):
    """The limit of F at ±∞, or one-sided at a point: read off F when it is a sum of c·ln|p|,
    arctan(q) and a rational function (``_limit_of_logs``), otherwise sympy's limit
    (``_limit_sympy``, the reference in tests)."""
    fast = _limit_of_logs(antiderivative, x, bound, side)
    return fast if fast is not None else _limit_sympy(antiderivative, x, bound, side)


def _limit_sympy(antiderivative, x, bound, side="+"):
    _searching()
    try:
        if _infinite(bound):
            return sp.limit(antiderivative, x, bound)
        return sp.limit(antiderivative, x, bound, side)
    except (TypeError, ValueError, NotImplementedError):   # sympy: "Invalid comparison of non-real zoo"
        where = {sp.oo: "∞", -sp.oo: "−∞"}.get(bound, bound)
        raise MathError(f"sympy cannot find the limit of the antiderivative as {x} → {where}; "
                        "the integral may diverge") from None


def _limit_of_logs(F, x, bound, side="+"):
    """lim F for F = Σ cᵢ·ln|pᵢ| + Σ kⱼ·arctan(qⱼ) + R with polynomials pᵢ, qⱼ and a rational
    function R (rational coefficients, real numbers cᵢ, kⱼ), or None for any other F.

    At ±∞: ln|p| = deg(p)·ln|x| + ln|lc(p)| + o(1), so the logs tend to ±∞ unless Σ cᵢ·deg(pᵢ)
    = 0, and then to Σ cᵢ·ln|lc(pᵢ)|; arctan(q) → ±π/2; R by the degrees of its numerator and
    denominator (a polynomial part outgrows any logarithm). At a point where some pᵢ vanishes
    and R is finite: ln|pᵢ| → −∞ with pᵢ's multiplicity mᵢ there, so F → −sign(Σ cᵢ·mᵢ)·∞
    (and anything else is left to sympy)."""
    logs, arctans, rational = [], [], []
    for term in sp.Add.make_args(F):
        c, t = term.as_independent(x, as_Add=False)
        if not t.has(x):
            rational.append(term)
            continue
        if not (c.is_number and c.is_real):
            return None
        if isinstance(t, sp.log):
            u = t.args[0]
            p = u.args[0] if isinstance(u, sp.Abs) else u
            if not is_polynomial(p, x) or not (isinstance(u, sp.Abs) or _positive(p, x)):
                return None
            logs.append((c, sp.Poly(p, x)))
        elif isinstance(t, sp.atan) and is_polynomial(t.args[0], x):
            arctans.append((c, sp.Poly(t.args[0], x)))
        elif t.is_rational_function(x) and t.free_symbols == {x}:
            rational.append(term)
        else:
            return None
    n, d = sp.Add(*rational).as_numer_denom()
    if not (is_polynomial(n, x) and is_polynomial(d, x)):
        return None
    N, D = sp.Poly(n, x), sp.Poly(d, x)
    if _infinite(bound):
        s = 1 if bound == sp.oo else -1                     # the sign of x far out
        growth = N.degree() - D.degree()
        if growth > 0:                                      # the polynomial part wins
            return sp.oo if (N.LC() / D.LC()) * s ** growth > 0 else -sp.oo
        weight = sum((c * p.degree() for c, p in logs), sp.Integer(0))
        if weight != 0:
            return sp.oo if weight > 0 else -sp.oo
        value = N.LC() / D.LC() if growth == 0 else sp.Integer(0)
        value += sum((c * sp.log(abs(p.LC())) for c, p in logs), sp.Integer(0))
        value += sum((k * (sp.sign(q.LC() * s ** q.degree()) * sp.pi / 2 if q.degree() > 0 else sp.atan(q.LC()))
                      for k, q in arctans), sp.Integer(0))
        return value
    if not bound.is_Rational or D.eval(bound) == 0:
        return None
    weight = sp.Integer(0)
    for c, p in logs:
        m = 0
        while p.eval(bound) == 0:
            p, m = p.quo(sp.Poly(x - bound, x)), m + 1
        weight += c * m
    if weight == 0:
        return None
    return -sp.oo if weight > 0 else sp.oo


# ---------------------------------------------------------------- numerical check

def _numeric(f, x, points, split: int = 1):
    """∫ f over the consecutive points by mpmath (value, error estimate), or None; ``split``
    cuts each finite stretch into that many parts (kinks of |x − 1| or ReLU are then at worst
    inside a short part)."""
    import mpmath

    if f.free_symbols - {x} or not all(p.is_number for p in points):
        return None
    try:
        fn = sp.lambdify(x, f, modules="mpmath")
        ends = [mpmath.inf if p == sp.oo else -mpmath.inf if p == -sp.oo else mpmath.mpf(float(p))
                for p in points]
        if split > 1:
            finer = [ends[0]]
            for lo, hi in zip(ends, ends[1:]):
                if mpmath.isinf(lo) or mpmath.isinf(hi):
                    finer.append(hi)
                else:
                    finer += [lo + (hi - lo) * k / split for k in range(1, split + 1)]
            ends = finer
        with mpmath.workdps(20):
            value, error = mpmath.quad(lambda t: fn(t), ends, error=True, maxdegree=8)
        value, error = complex(value), float(error)
    except Exception:       # noqa: BLE001 - any failure only means "no numerical check"
        return None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)) or not _is_real(value):
        return None
    return value.real, error


def _verified(value: Integral, f_real, x, points) -> Integral:
    """The definite integral, compared with numerical integration; when F(b) − F(a) disagrees
    (F jumps where sympy did not say), sympy's definite integral if that one agrees."""
    estimate = _numeric(f_real, x, points)
    exact = _complex(value.result)
    if estimate is None or exact is None:
        return value
    number, error = estimate
    scale = max(1.0, abs(number))
    if error > 1e-6 * scale or abs(exact.real - number) <= 1e-7 * scale + 10 * error:
        return value
    finer = _numeric(f_real, x, points, split=64)     # a kink the first estimate stepped over?
    if finer is None or finer[1] > 1e-6 * scale or abs(exact.real - finer[0]) <= 1e-7 * scale + 10 * finer[1]:
        return value
    number, error = finer
    a, b = value.bounds
    _searching()
    try:
        direct = _gather_logs(sp.integrate(f_real, (x, a, b)))
    except (TypeError, ValueError, NotImplementedError):
        direct = None
    c = _complex(direct) if direct is not None and not direct.has(sp.Integral) else None
    if c is not None and _is_real(c) and not direct.has(sp.I) and abs(c.real - number) <= 1e-7 * scale + 10 * error:
        return dataclasses.replace(value, result=direct, direct=True, improper=False)
    raise MathError(f"F(b) − F(a) = {_text(value.result)} for the integral of {_text(value.expr)} from "
                    f"{_text(a)} to {_text(b)} disagrees with numerical integration (≈ {_decimal(number)}), "
                    "so no exact value is given")
