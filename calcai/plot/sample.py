"""Expressions as numeric functions for drawing: numpy arrays in, float arrays out (NaN where
the expression has no real value). Not used for answers — only to sample curves and grids."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp


def to_float(value) -> float | None:
    """A sympy number (or Python number) as a float, or None when it is not a finite real."""
    try:
        if isinstance(value, sp.Basic):
            if value.free_symbols:
                return None
            if value.is_Rational or value.is_Float:
                return _finite(float(value))         # correctly rounded: 0.00064, not 0.00063999…
            value = complex(value.evalf(17))
            if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
                return None
            value = value.real
        out = float(value)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return _finite(out)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class Sampler:
    """``expr`` as a function of ``symbols`` on numpy arrays (broadcast), NaN where undefined.

    numpy first (activations written out as exp / Piecewise); when that fails — ``Max`` of a
    number and an array, a function numpy lacks — point by point with calcai's float
    implementations (calcai.functions.numeric_namespace) and the math module."""

    def __init__(self, expr, symbols):
        from ..functions import numeric_namespace, rewrite_activations

        self.symbols = tuple(symbols)
        self.expr = expr
        try:
            self._vector = sp.lambdify(self.symbols, rewrite_activations(expr), modules="numpy")
        except Exception:          # a function numpy has no name for
            self._vector = None
        self._scalar = sp.lambdify(self.symbols, expr, modules=[numeric_namespace(), "math"])

    def __call__(self, *arrays) -> np.ndarray:
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
        shape = arrays[0].shape if arrays else ()
        if self._vector is not None:
            try:
                with np.errstate(all="ignore"):
                    out = np.asarray(self._vector(*arrays))
                if out.shape == () or out.shape == shape:
                    return _real(np.broadcast_to(out, shape))
            except Exception:
                pass
        flat = [a.ravel() for a in arrays]
        values = np.empty(int(np.prod(shape)) if shape else 1, dtype=float)
        for i in range(values.size):
            try:
                v = self._scalar(*(float(a[i]) for a in flat))
                values[i] = v.real if isinstance(v, complex) and v.imag == 0 else float(v)
            except (ValueError, TypeError, ZeroDivisionError, OverflowError):
                values[i] = np.nan
        return values.reshape(shape)


def _real(values) -> np.ndarray:
    if np.iscomplexobj(values):
        real = np.where(np.abs(values.imag) <= 1e-12 * np.maximum(1.0, np.abs(values.real)), values.real, np.nan)
    else:
        real = values
    with np.errstate(all="ignore"):
        out = np.array(real, dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def robust_limits(values, margin: float = 0.08) -> tuple[float, float] | None:
    """A y-range that shows ``values`` without letting a pole (1/x near 0) flatten the rest:
    the 2nd to 98th percentile when the extremes are far outside it, plus a margin."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    p_low, p_high = (float(v) for v in np.percentile(finite, [2, 98]))
    spread = max(p_high - p_low, 1e-12)
    if high - low > 6 * spread:
        low, high = max(low, p_low - spread), min(high, p_high + spread)
    if high - low < 1e-9 * max(1.0, abs(high)):
        pad = max(1.0, abs(high) * 0.5)
        return low - pad, high + pad
    pad = (high - low) * margin
    return low - pad, high + pad
