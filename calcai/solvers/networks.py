"""Neural-network calculus on plain numbers: backpropagation, softmax, cross-entropy,
1-D convolution and backpropagation through time.

Values are exact Fractions when every input is rational and every operation keeps them
rational (linear / ReLU layers, squared-error losses, convolutions); otherwise floats.
Vectors are plain lists, matrices lists of rows. Networks at scale (a layer of more than
``WIDE`` units or inputs) are computed with numpy float64 arrays instead, imported only then,
and their walkthrough summarises wide vectors and matrices (``Summary``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import sympy

from .. import limits
from ..errors import MathError
from ..functions import LEAKY_ALPHA, leaky_relu, numeric_namespace, relu, sigmoid, softplus
from ..kinds import LOSSES
from ..numeric import (
    count_within_limit, factor, fmt, is_exact, plain, show, sub, sup, table_rows, to_float, to_fraction,
    to_sympy, to_sympy_nested,
)
from ..solution import Equation, Section, Solution, Summary, Table, Text
from . import solver

DIGITS = 4                     # significant digits in working lines
_LEAK = to_fraction(LEAKY_ALPHA)


# ---------------------------------------------------------------- activations on plain numbers

_NUMERIC = numeric_namespace()
_sigmoid, _softplus = _NUMERIC["sigmoid"], _NUMERIC["softplus"]      # stable float versions


def _one(z):
    return z * 0 + 1               # 1 of the same kind as z (Fraction or float)


@dataclass(frozen=True)
class Activation:
    """An activation: its value, its slope (from z and a = f(z)), and how the slope is written."""

    name: str
    symbol: str                                  # σ, tanh, ReLU, …
    f: Callable
    slope: Callable                              # (z, a) -> f'(z)
    slope_text: str                              # f'(z) in terms of z and a
    slope_working: Callable                      # (z, a) -> the slope with numbers written in
    exact: bool                                  # keeps rational inputs rational


def _slope_words(z, a=None):
    return f"({'z > 0' if z > 0 else 'z ≤ 0'})"


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", "σ", _sigmoid, lambda z, a: a * (1 - a), "σ(z)·(1 − σ(z))",
                          lambda z, a: f"{fmt(a, DIGITS)}·(1 − {fmt(a, DIGITS)})", False),
    "tanh": Activation("tanh", "tanh", lambda z: math.tanh(float(z)), lambda z, a: 1 - a * a,
                       "1 − tanh²(z)", lambda z, a: f"1 − {factor(a, DIGITS)}²", False),
    "relu": Activation("relu", "ReLU", lambda z: z if z > 0 else z * 0,
                       lambda z, a: _one(z) if z > 0 else z * 0, "1 if z > 0, else 0",
                       _slope_words, True),
    "leaky_relu": Activation("leaky_relu", "LeakyReLU", lambda z: z if z > 0 else _LEAK * z,
                             lambda z, a: _one(z) if z > 0 else _LEAK * _one(z),
                             f"1 if z > 0, else {fmt(_LEAK)}", _slope_words, True),
    "softplus": Activation("softplus", "softplus", _softplus, lambda z, a: _sigmoid(z), "σ(z)",
                           lambda z, a: f"σ({fmt(z, DIGITS)})", False),
    "linear": Activation("linear", "", lambda z: z, lambda z, a: _one(z), "1", lambda z, a: "", True),
}


def activation(name, where: str = "") -> Activation | str:
    key = str(name).strip().lower()
    if key == "softmax":
        return "softmax"
    if key not in ACTIVATIONS:
        known = ", ".join([*ACTIVATIONS, "softmax"])
        raise MathError(f"unknown activation {name!r}{where}; known: {known}")
    return ACTIVATIONS[key]


def softmax(z: list) -> list:
    """Probabilities e^(zᵢ − max z)/Σⱼ e^(zⱼ − max z), stable for large logits."""
    zs = [float(v) for v in z]
    top = max(zs)
    e = [math.exp(v - top) for v in zs]
    total = sum(e)
    return [v / total for v in e]


# ---------------------------------------------------------------- small linear algebra

def matvec(W, x):
    return [sum((w * v for w, v in zip(row, x)), start=0 * x[0]) for row in W]


def outer(u, v):
    return [[a * b for b in v] for a in u]


def transpose_times(W, d):
    return [sum(W[i][j] * d[i] for i in range(len(W))) for j in range(len(W[0]))]


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _to_plain(value, exact):
    return to_fraction(value) if exact else to_float(value)


def _vec(values):
    return sympy.Matrix([to_sympy(v) for v in values])


def _mat(rows):
    return sympy.Matrix([[to_sympy(v) for v in row] for row in rows])


# ---------------------------------------------------------------- numpy (for networks at scale)

WIDE = 10                # a vector or matrix with more rows or columns than this is summarised
SUMMARY_ENTRIES = 8      # entries of a summarised vector shown
SUMMARY_ROWS, SUMMARY_COLS = 3, 6     # rows and columns of a summarised matrix shown


def _numpy():
    """numpy, imported on first use: only networks at scale need it. (The CLI's workers ask
    OpenBLAS for one thread before any task, calcai.commands: the products here are a few
    hundred wide at most, and starting its threads costs a short-lived process about 0.1 s.)"""
    import numpy

    return numpy


def _float_of(value) -> float:
    """A number of a problem field as a float: p/q of a sympy Rational without going through
    sympy's evalf (26 000 weights take milliseconds), anything else via ``to_float``."""
    if type(value) is float:
        return value
    try:
        return value.p / value.q
    except (AttributeError, OverflowError):
        return to_float(value)


def summarise(lhs, via, values) -> Summary:
    """A Summary of a vector or matrix: shape, norm, smallest and largest entry, first entries."""
    np = _numpy()
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        rows = (tuple(array[:SUMMARY_ENTRIES].tolist()),)
    else:
        rows = tuple(tuple(r) for r in array[:SUMMARY_ROWS, :SUMMARY_COLS].tolist())
    return Summary(lhs, via, tuple(array.shape), rows, float(np.linalg.norm(array)),
                   float(array.min()), float(array.max()))


def _np_sigmoid(z):
    np = _numpy()
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _np_activation(name):
    """(f(z), f'(z, a)) on float64 arrays, the same formulas as the plain-number versions."""
    np = _numpy()
    leak = float(_LEAK)
    return {
        "sigmoid": (_np_sigmoid, lambda z, a: a * (1 - a)),
        "tanh": (np.tanh, lambda z, a: 1 - a * a),
        "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z, a: np.where(z > 0, 1.0, 0.0)),
        "leaky_relu": (lambda z: np.where(z > 0, z, leak * z), lambda z, a: np.where(z > 0, 1.0, leak)),
        "softplus": (lambda z: np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))), lambda z, a: _np_sigmoid(z)),
        "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
    }[name]


def _np_softmax(z):
    np = _numpy()
    e = np.exp(z - z.max())
    return e / e.sum()


# ---------------------------------------------------------------- backprop

@dataclass
class Layer:
    k: int
    W: list                  # rows × columns, plain numbers (floats for the numpy engine)
    b: list | None
    act: Activation | str
    weight_shape: str        # "scalar", "row", "column" or "matrix": how the weights were written
    bias_scalar: bool

    @property
    def size(self):
        return len(self.W)

    @property
    def inputs(self):
        return len(self.W[0])

    @property
    def scalar(self):        # one input and one unit: written out like the tutorial
        return len(self.W) == 1 and len(self.W[0]) == 1

    @property
    def wide(self):
        return self.size > WIDE or self.inputs > WIDE


def _numbers_in(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _numbers_in(v)
    else:
        yield value


def _shape_weights(w, size_in, k):
    """The weights as a list of rows (values as given) and how they were written."""
    if not isinstance(w, (list, tuple)):
        if size_in != 1:
            raise MathError(f"layer {k}: a single weight needs one input, but the layer gets {size_in}")
        return [[w]], "scalar"
    if w and all(isinstance(r, (list, tuple)) for r in w):
        if any(len(r) != size_in for r in w):
            raise MathError(f"layer {k}: every row of weights needs {size_in} entries (one per input)")
        return [list(r) for r in w], "matrix"
    if any(isinstance(r, (list, tuple)) for r in w) or not w:
        raise MathError(f"layer {k}: weights must be a number, a list of rows, or one row")
    if len(w) == size_in:
        return [list(w)], "row"
    if size_in == 1:
        return [[v] for v in w], "column"
    raise MathError(f"layer {k}: {len(w)} weights do not fit {size_in} inputs; give a list of rows (out × in)")


def _layers(fields) -> list[Layer]:
    """The layers with their weights and biases in shape, values as given (not converted)."""
    specs = fields["layers"]
    if not specs:
        raise MathError("the network needs at least one layer")
    x = fields["input"]
    size = len(x) if isinstance(x, (list, tuple)) else 1
    layers = []
    for k, spec in enumerate(specs, 1):
        if not isinstance(spec, dict) or "weights" not in spec:
            raise MathError(f"layer {k} needs weights (and optionally bias and activation)")
        W, shape = _shape_weights(spec["weights"], size, k)
        b, bias_scalar = None, False
        if spec.get("bias") is not None:
            bias = spec["bias"]
            bias_scalar = not isinstance(bias, (list, tuple))
            b = [bias] if bias_scalar else list(bias)
            if len(b) != len(W):
                raise MathError(f"layer {k} has {len(W)} units but {len(b)} biases")
        act = activation(spec.get("activation", "linear"), f" in layer {k}")
        if act == "softmax" and k != len(specs):
            raise MathError("softmax is supported only on the last layer, with the cross_entropy loss")
        layers.append(Layer(k, W, b, act, shape, bias_scalar))
        size = len(W)
    return layers


def _loss_name(value) -> str:
    name = str(value).strip().lower()
    if name not in LOSSES:
        raise MathError(f"unknown loss {value!r}; known: {', '.join(LOSSES)}")
    return name


def _plain_list(values):
    """A numpy array as (nested) lists of Python floats; lists pass through."""
    return values.tolist() if hasattr(values, "tolist") else values


class Backprop:
    """One forward pass, one backward pass and one update of a fully connected network.

    Two engines do the arithmetic: ``"python"`` on plain numbers (exact Fractions when every
    input is rational and every operation keeps it so, floats otherwise) and ``"numpy"`` on
    float64 arrays. Networks with a layer of more than ``WIDE`` units or inputs use numpy,
    smaller ones the plain numbers; ``engine`` overrides the choice (tests compare the two).
    The walkthrough is built from the values alone, the same way for both engines: a vector
    or matrix with more than ``WIDE`` rows or columns becomes a ``Summary``.
    """

    def __init__(self, problem, engine: str | None = None):
        f = problem.fields
        self.problem = problem
        self.loss = _loss_name(f.get("loss", "squared_error"))
        acts = [activation(s.get("activation", "linear")) for s in f["layers"] if isinstance(s, dict)]
        self.layers = _layers(f)
        self.wide = any(layer.wide for layer in self.layers)
        self.engine = engine or ("numpy" if self.wide else "python")
        if self.engine not in ("python", "numpy"):
            raise ValueError(f"unknown engine {self.engine!r}")
        if self.engine == "python":
            numbers = [f["input"], f["target"], f.get("learning_rate", 0)]
            numbers += [[s.get("weights"), s.get("bias")] for s in f["layers"] if isinstance(s, dict)]
            self.exact = (self.loss in ("squared_error", "mse")
                          and all(a != "softmax" and a.exact for a in acts)
                          and all(v is None or is_exact(v) for v in _numbers_in(numbers)))

            def convert(v):
                return _to_plain(v, self.exact)
        else:
            self.exact = False
            convert = _float_of
        for layer in self.layers:
            layer.W = [[convert(v) for v in row] for row in layer.W]
            if layer.b is not None:
                layer.b = [convert(v) for v in layer.b]
        last = self.layers[-1]
        if last.act == "softmax" and self.loss != "cross_entropy":
            raise MathError("softmax is supported only on the last layer, with the cross_entropy loss")
        x = f["input"]
        self.x = [convert(v) for v in (x if isinstance(x, (list, tuple)) else [x])]
        t = f["target"]
        self.t = [convert(v) for v in (t if isinstance(t, (list, tuple)) else [t])]
        if len(self.t) != last.size:
            raise MathError(f"the target has {len(self.t)} values but the output layer has {last.size} units")
        self.alpha = f.get("learning_rate")

    # -- names in the walkthrough
    def wname(self, layer):
        return f"{'w' if layer.scalar else 'W'}{sub(layer.k)}"

    def aname(self, k):
        return "x" if k == 0 else f"a{sub(k)}"

    def show(self, values):
        return _vec(values) if len(values) > 1 else to_sympy(values[0])

    def num(self, value):
        """A plain number for a working line: a numpy scalar becomes a Python float."""
        return float(value) if self.engine == "numpy" else value

    def vector(self, lhs, values, via):
        """``lhs = via = values``: an Equation, or a Summary when the vector is wide."""
        if len(values) > WIDE:
            return summarise(lhs, via, values)
        return Equation(lhs, self.show(_plain_list(values)), via=via)

    def matrix(self, lhs, rows, via):
        """``lhs = via = rows``: an Equation with a matrix, or a Summary when it is wide."""
        if len(rows) > WIDE or len(rows[0]) > WIDE:
            return summarise(lhs, via, rows)
        return Equation(lhs, _mat(_plain_list(rows)), via=via)

    # -- the arithmetic
    def compute(self):
        """Forward pass, loss, backward pass and update: fills z, a, L, dL_da, slopes,
        delta_z, delta_a (∂L/∂aₖ by k), grads and updated."""
        if self.engine == "numpy":
            np = _numpy()
            with np.errstate(all="ignore"):
                self._compute_numpy(np)
        else:
            self._compute_python()

    def _compute_python(self):
        self.z, self.a = [None], [self.x]
        for layer in self.layers:
            prev = self.a[-1]
            z = matvec(layer.W, prev)
            if layer.b is not None:
                z = [zi + bi for zi, bi in zip(z, layer.b)]
            a = softmax(z) if layer.act == "softmax" else [layer.act.f(v) for v in z]
            if not all(_finite(v) for v in z + a):
                raise MathError(f"layer {layer.k} overflows: its values are too large for floating point")
            self.z.append(z)
            self.a.append(a)
        self.L, self.dL_da = self.loss_value(self.a[-1])
        self.grads, self.slopes, self.delta_z, self.delta_a = {}, {}, {}, {len(self.layers): self.dL_da}
        delta_a = self.dL_da
        for layer in reversed(self.layers):
            k = layer.k
            z, a, prev = self.z[k], self.a[k], self.a[k - 1]
            if layer.act == "softmax":
                total_t = sum(float(v) for v in self.t)
                delta_z = [ai * total_t - ti for ai, ti in zip(a, self.t)]
            else:
                slope = [layer.act.slope(zi, ai) for zi, ai in zip(z, a)]
                delta_z = [d * s for d, s in zip(delta_a, slope)]
                self.slopes[k] = slope
            self.delta_z[k] = delta_z
            self.grads[f"W{k}"] = outer(delta_z, prev)
            if layer.b is not None:
                self.grads[f"b{k}"] = list(delta_z)
            if k > 1:
                delta_a = transpose_times(layer.W, delta_z)
                self.delta_a[k - 1] = delta_a
        self.updated = {}
        if self.alpha is None:
            return
        alpha = self.alpha_value = _to_plain(self.alpha, self.exact)
        for layer in self.layers:
            k = layer.k
            self.updated[f"W{k}"] = [[o - alpha * g for o, g in zip(orow, grow)]
                                     for orow, grow in zip(layer.W, self.grads[f"W{k}"])]
            if layer.b is not None:
                self.updated[f"b{k}"] = [o - alpha * g for o, g in zip(layer.b, self.grads[f"b{k}"])]

    def _compute_numpy(self, np):
        x = np.array(self.x, dtype=float)
        self.z, self.a = [None], [x]
        weights = [np.array(layer.W, dtype=float) for layer in self.layers]
        biases = [None if layer.b is None else np.array(layer.b, dtype=float) for layer in self.layers]
        for layer, W, b in zip(self.layers, weights, biases):
            z = W @ self.a[-1]
            if b is not None:
                z = z + b
            a = _np_softmax(z) if layer.act == "softmax" else _np_activation(layer.act.name)[0](z)
            if not (np.isfinite(z).all() and np.isfinite(a).all()):
                raise MathError(f"layer {layer.k} overflows: its values are too large for floating point")
            self.z.append(z)
            self.a.append(a)
        self.L, self.dL_da = self.loss_value(self.a[-1])
        t = np.array(self.t, dtype=float)
        self.grads, self.slopes, self.delta_z, self.delta_a = {}, {}, {}, {len(self.layers): self.dL_da}
        delta_a = self.dL_da
        for layer, W in zip(reversed(self.layers), reversed(weights)):
            k = layer.k
            if layer.act == "softmax":
                delta_z = self.a[k] * float(t.sum()) - t
            else:
                slope = _np_activation(layer.act.name)[1](self.z[k], self.a[k])
                delta_z = delta_a * slope
                self.slopes[k] = slope
            self.delta_z[k] = delta_z
            self.grads[f"W{k}"] = np.outer(delta_z, self.a[k - 1])
            if layer.b is not None:
                self.grads[f"b{k}"] = delta_z
            if k > 1:
                delta_a = W.T @ delta_z
                self.delta_a[k - 1] = delta_a
        self.updated = {}
        if self.alpha is None:
            return
        alpha = self.alpha_value = _float_of(self.alpha)
        for layer, W, b in zip(self.layers, weights, biases):
            k = layer.k
            self.updated[f"W{k}"] = W - alpha * self.grads[f"W{k}"]
            if b is not None:
                self.updated[f"b{k}"] = b - alpha * self.grads[f"b{k}"]

    def loss_value(self, y):
        """L and ∂L/∂a at the output (plain numbers, or float64 arrays with numpy)."""
        t, n = self.t, len(self.t)
        if self.engine == "numpy":
            return self._loss_numpy(y)
        if self.loss in ("squared_error", "mse"):
            scale = 1 if self.loss == "squared_error" else Fraction(1, n) if self.exact else 1.0 / n
            L = scale * sum((yi - ti) ** 2 for yi, ti in zip(y, t))
            return L, [2 * scale * (yi - ti) for yi, ti in zip(y, t)]
        y = [float(v) for v in y]
        t = [float(v) for v in t]
        if self.loss == "binary_cross_entropy":
            self._check_bce(y)
            L = -sum(ti * math.log(yi) + (1 - ti) * math.log(1 - yi) for yi, ti in zip(y, t))
            return L, [-ti / yi + (1 - ti) / (1 - yi) for yi, ti in zip(y, t)]
        self._check_ce(y, t)
        L = -sum(ti * math.log(yi) for yi, ti in zip(y, t) if ti != 0)
        return L, [-ti / yi if ti != 0 else 0.0 for yi, ti in zip(y, t)]

    def _loss_numpy(self, y):
        np = _numpy()
        t = np.array(self.t, dtype=float)
        if self.loss in ("squared_error", "mse"):
            scale = 1.0 if self.loss == "squared_error" else 1.0 / len(t)
            return float(scale * np.sum((y - t) ** 2)), 2 * scale * (y - t)
        if self.loss == "binary_cross_entropy":
            self._check_bce(y)
            return float(-np.sum(t * np.log(y) + (1 - t) * np.log(1 - y))), -t / y + (1 - t) / (1 - y)
        self._check_ce(y, t)
        hit = t != 0
        return float(-np.sum(t[hit] * np.log(y[hit]))), np.where(hit, -t / np.where(hit, y, 1.0), 0.0)

    @staticmethod
    def _check_bce(y):
        for i, yi in enumerate(y, 1):
            if not 0 < yi < 1:
                raise MathError(f"binary cross-entropy needs outputs strictly between 0 and 1, but output {i} "
                                f"is {fmt(float(yi))} (use a sigmoid output layer)")

    @staticmethod
    def _check_ce(y, t):
        for i, (yi, ti) in enumerate(zip(y, t), 1):
            if ti != 0 and yi <= 0:
                raise MathError(f"cross-entropy is infinite: output {i} is {fmt(float(yi))} "
                                f"where the target is {fmt(float(ti))}")

    # -- the walkthrough
    def forward_items(self):
        items = []
        for layer in self.layers:
            items += self.forward_working(layer, self.a[layer.k - 1], self.z[layer.k], self.a[layer.k])
        loss_eq, self.dL_da_text = self.loss_working(_plain_list(self.a[-1]))
        return items + [loss_eq]

    def forward_working(self, layer, prev, z, a):
        k, w, an = layer.k, self.wname(layer), self.aname(layer.k - 1)
        bias = f" + b{sub(k)}" if layer.b is not None else ""
        if layer.scalar:
            bias_num = f" + {factor(layer.b[0], DIGITS)}" if layer.b is not None else ""
            zeq = Equation(f"z{sub(k)}", to_sympy(self.num(z[0])),
                           via=f"{w}·{an}{bias} = {factor(layer.W[0][0], DIGITS)}·{factor(self.num(prev[0]), DIGITS)}{bias_num}")
        else:
            zeq = self.vector(f"z{sub(k)}", z, f"{w}·{an}{bias}")
        if layer.act == "softmax":
            aeq = self.vector(f"a{sub(k)}", a, f"softmax(z{sub(k)})")
        elif layer.act.name == "linear":
            aeq = self.vector(f"a{sub(k)}", a, f"z{sub(k)} (linear activation)")
        else:
            arg = fmt(self.num(z[0]), DIGITS) if len(z) == 1 else f"z{sub(k)}"
            aeq = self.vector(f"a{sub(k)}", a, f"{layer.act.symbol}(z{sub(k)})"
                              + (f" = {layer.act.symbol}({arg})" if len(z) == 1 else " (element-wise)"))
        return [zeq, aeq]

    def loss_working(self, y):
        """The Equation of L (with working for one output) and the text of ∂L/∂a at the output."""
        t, n, K = self.t, len(self.t), len(self.layers)
        an = self.aname(K)
        one = len(y) == 1
        L = to_sympy(self.L)
        if self.loss in ("squared_error", "mse"):
            pre = "" if self.loss == "squared_error" else f"(1/{n})·"
            if one:
                via = f"({an} − target)² = ({fmt(y[0], DIGITS)} − {fmt(t[0], DIGITS)})²"
                gvia = f"2·({an} − target) = 2·({fmt(y[0], DIGITS)} − {fmt(t[0], DIGITS)})"
            else:
                via, gvia = f"{pre}Σ({an},ᵢ − targetᵢ)²", f"{'2' if not pre else f'(2/{n})'}·({an} − target)"
            return Equation("L", L, via=via), gvia
        y = [float(v) for v in y]
        t = [float(v) for v in t]
        if self.loss == "binary_cross_entropy":
            if one:
                via = (f"−[target·log({an}) + (1 − target)·log(1 − {an})] = "
                       f"−[{fmt(t[0], DIGITS)}·log({fmt(y[0], DIGITS)}) + {factor(1 - t[0], DIGITS)}·log({fmt(1 - y[0], DIGITS)})]")
            else:
                via = f"−Σ[targetᵢ·log({an},ᵢ) + (1 − targetᵢ)·log(1 − {an},ᵢ)]"
            return Equation("L", L, via=via), f"−target/{an} + (1 − target)/(1 − {an})"
        via = f"−target·log({an})" if one else f"−Σ targetᵢ·log({an},ᵢ)"
        return Equation("L", L, via=via), f"−target/{an}"

    def backward_items(self):
        K = len(self.layers)
        items = []
        for layer in reversed(self.layers):
            k = layer.k
            z, a, prev = self.z[k], self.a[k], self.a[k - 1]
            delta_a, delta_z = self.delta_a[k], self.delta_z[k]
            dz_name, da_name = f"∂L/∂z{sub(k)}", f"∂L/∂a{sub(k)}"
            if k == K:
                items.append(self.vector(da_name, delta_a, self.dL_da_text))
            if layer.act == "softmax":
                items.append(self.vector(dz_name, delta_z, f"a{sub(k)} − target (softmax with cross-entropy)"))
            elif layer.act.name != "linear":
                slope = self.slopes[k]
                one = len(z) == 1
                work = layer.act.slope_working(self.num(z[0]), self.num(a[0])) if one else ""
                text = layer.act.slope_text.replace("z", f"z{sub(k)}")
                items.append(self.vector(f"∂a{sub(k)}/∂z{sub(k)}", slope, text + (f" = {work}" if work else "")))
                if one:
                    items.append(Equation(dz_name, self.show(_plain_list(delta_z)),
                                          via=f"{da_name}·∂a{sub(k)}/∂z{sub(k)} = "
                                              f"{factor(self.num(delta_a[0]), DIGITS)}·{factor(self.num(slope[0]), DIGITS)}"))
                else:
                    items.append(self.vector(dz_name, delta_z, f"{da_name} ⊙ ∂a{sub(k)}/∂z{sub(k)}"))
            else:
                items.append(self.vector(dz_name, delta_z, f"{da_name} (linear activation: ∂a/∂z = 1)"))
            w, an = self.wname(layer), self.aname(k - 1)
            dW = self.grads[f"W{k}"]
            if layer.scalar:
                items.append(Equation(f"∂L/∂{w}", to_sympy(_plain_list(dW)[0][0]),
                                      via=f"{dz_name}·∂z{sub(k)}/∂{w} = {dz_name}·{an} = "
                                          f"{factor(self.num(delta_z[0]), DIGITS)}·{factor(self.num(prev[0]), DIGITS)}"))
            else:
                items.append(self.matrix(f"∂L/∂{w}", dW, f"{dz_name}·{an}ᵀ"))
            if layer.b is not None:
                items.append(self.vector(f"∂L/∂b{sub(k)}", delta_z, f"{dz_name}·∂z{sub(k)}/∂b{sub(k)} = {dz_name}·1"))
            if k > 1:
                if layer.scalar:
                    via = (f"{dz_name}·∂z{sub(k)}/∂a{sub(k - 1)} = {dz_name}·{w} = "
                           f"{factor(self.num(delta_z[0]), DIGITS)}·{factor(layer.W[0][0], DIGITS)}")
                else:
                    via = f"{w}ᵀ·{dz_name}"
                items.append(self.vector(f"∂L/∂a{sub(k - 1)}", self.delta_a[k - 1], via))
        return items

    def update_items(self):
        if self.alpha is None:
            return [Text("No learning rate is given, so no update step is taken.")]
        alpha = self.alpha_value
        items = []
        for layer in self.layers:
            k = layer.k
            params = [(self.wname(layer), f"W{k}", layer.W)]
            if layer.b is not None:
                params.append((f"b{sub(k)}", f"b{k}", layer.b))
            for label, key, old in params:
                new, via = self.updated[key], f"{label} − α·∂L/∂{label}"
                if layer.scalar:
                    old0 = old[0][0] if key.startswith("W") else old[0]
                    grad0 = _plain_list(self.grads[key])
                    grad0 = grad0[0][0] if key.startswith("W") else grad0[0]
                    new0 = _plain_list(new)
                    new0 = new0[0][0] if key.startswith("W") else new0[0]
                    items.append(Equation(f"new {label}", to_sympy(new0),
                                          via=f"{via} = {fmt(old0, DIGITS)} − {fmt(alpha, DIGITS)}·{factor(grad0, DIGITS)}"))
                elif key.startswith("W"):
                    items.append(self.matrix(f"new {label}", new, via))
                else:
                    items.append(self.vector(f"new {label}", new, via))
        return items

    # -- the answer in the written shapes
    def shaped_W(self, layer, M):
        if layer.weight_shape == "scalar":
            return M[0][0]
        if layer.weight_shape == "row":
            return list(M[0])
        if layer.weight_shape == "column":
            return [r[0] for r in M]
        return [list(r) for r in M]

    def shaped_b(self, layer, v):
        return v[0] if layer.bias_scalar else list(v)

    def unit(self, v):
        return v[0] if len(v) == 1 else list(v)

    def answer(self) -> dict:
        """The answer in the kind's shape: sympy numbers from plain numbers, Python floats
        (in lists) from numpy."""
        plain = _plain_list
        fwd = {}
        for layer in self.layers:
            fwd[f"z{layer.k}"] = self.unit(plain(self.z[layer.k]))
            fwd[f"a{layer.k}"] = self.unit(plain(self.a[layer.k]))
        grads, updated = {}, {}
        for layer in self.layers:
            k = layer.k
            grads[f"W{k}"] = self.shaped_W(layer, plain(self.grads[f"W{k}"]))
            if layer.b is not None:
                grads[f"b{k}"] = self.shaped_b(layer, plain(self.grads[f"b{k}"]))
            if self.updated:
                updated[f"W{k}"] = self.shaped_W(layer, plain(self.updated[f"W{k}"]))
                if layer.b is not None:
                    updated[f"b{k}"] = self.shaped_b(layer, plain(self.updated[f"b{k}"]))
        answer = {"forward": fwd, "output": self.unit(plain(self.a[-1])), "loss": self.L, "gradients": grads}
        if self.updated:
            answer["updated"] = updated
        return to_sympy_nested(answer) if self.engine == "python" else answer

    def intro(self) -> list:
        units = [f"{n.size} {'softmax' if n.act == 'softmax' else n.act.name} unit{'s' * (n.size > 1)}"
                 for n in self.layers]
        layers = " → ".join([f"x ({len(self.x)} input{'s' * (len(self.x) > 1)})", *units])
        intro = [Text(f"Network: {layers}; loss {self.loss.replace('_', ' ')}. Layer k computes "
                      "zₖ = Wₖ·aₖ₋₁ + bₖ and aₖ = f(zₖ), with a₀ = x.")]
        if not self.exact:
            intro.append(Text("The arithmetic is done in floating point; working lines show 4 significant digits."))
        if self.wide:
            shapes = ", ".join(f"{self.wname(n)} is {n.size}×{n.inputs}" for n in self.layers)
            intro += [Text(f"Shapes: x is {len(self.x)}×1, {shapes}; ∂L/∂Wₖ has the shape of Wₖ, "
                           "and zₖ, aₖ, bₖ, ∂L/∂zₖ and ∂L/∂aₖ have one entry per unit of layer k."),
                      Text(f"Vectors and matrices with more than {WIDE} rows or columns are summarised by "
                           "their shape, norm ‖·‖ (the square root of the sum of the squared entries), "
                           "smallest and largest entry, and first entries; the answer holds every value.")]
        return intro

    def solution(self) -> Solution:
        self.compute()
        forward = self.forward_items()
        backward = self.backward_items()
        update = self.update_items()
        answer = self.answer()
        sections = [Section("Network", tuple(self.intro())), Section("Forward pass", tuple(forward)),
                    Section("Backward pass", tuple(backward)), Section("Update", tuple(update))]
        final = [Equation("L", to_sympy(answer["loss"]))]
        for layer in self.layers:
            for key, label in ((f"W{layer.k}", self.wname(layer)), (f"b{layer.k}", f"b{sub(layer.k)}")):
                if key in answer["gradients"]:
                    value = answer["gradients"][key]
                    if not isinstance(value, list):
                        final.append(Equation(f"∂L/∂{label}", to_sympy(value)))
                    elif len(value) > WIDE or isinstance(value[0], list) and len(value[0]) > WIDE:
                        final.append(summarise(f"∂L/∂{label}", None, value))
                    else:
                        final.append(Equation(f"∂L/∂{label}", sympy.Matrix(value)))
        return Solution(problem=self.problem, title=self.problem.title or "Backpropagation",
                        sections=tuple(sections), answer=answer, final=tuple(final))


@solver("backprop")
def backprop(problem) -> Solution:
    """Forward zₖ = Wₖaₖ₋₁ + bₖ, aₖ = f(zₖ); backward ∂L/∂zₖ = ∂L/∂aₖ ⊙ f'(zₖ), ∂L/∂Wₖ = ∂L/∂zₖ·aₖ₋₁ᵀ."""
    return Backprop(problem).solution()


# ---------------------------------------------------------------- softmax and cross-entropy

def _numbers(values, what):
    if not isinstance(values, (list, tuple)) or not values:
        raise MathError(f"{what} must be a non-empty list of numbers")
    if len(values) > WIDE:                      # many numbers: p/q of each, not sympy's evalf
        return [_float_of(v) if getattr(v, "is_Rational", False) else to_float(v, what) for v in values]
    return [to_float(v, what) for v in values]


def vector_item(lhs, values, via=None):
    """``lhs = via = values`` as a column vector, or a Summary when it has more than WIDE entries."""
    if len(values) > WIDE:
        return summarise(lhs, via, values)
    return Equation(lhs, _vec(_plain_list(values)), via=via)


def _exponentials(z):
    """(e^zᵢ as shown, shifted): e^(zᵢ − max z) when e^z would overflow, else e^zᵢ."""
    if len(z) > WIDE:
        np = _numpy()
        array = np.asarray(z, dtype=float)
        top = float(array.max())
        return np.exp(array - top) if top > 700 else np.exp(array), top > 700
    top = max(z)
    shifted = top > 700
    return [math.exp(v - top) if shifted else math.exp(v) for v in z], shifted


def _softmax_values(z):
    """softmax(z) as a list, or as a float64 array when z is wide."""
    return _np_softmax(_numpy().asarray(z, dtype=float)) if len(z) > WIDE else softmax(z)


def softmax_section(z: list, s) -> list:
    """Working for softmax(z) = s: the exponentials, their sum, the probabilities."""
    e, shifted = _exponentials(z)
    sym = "zᵢ − max z" if shifted else "zᵢ"
    items = []
    if shifted:
        items.append(Text("The largest logit is subtracted first: softmax(z) = softmax(z − c) for any c, "
                          "and e^z would overflow."))
    total = float(e.sum()) if len(z) > WIDE else sum(e)
    items += [vector_item(f"e^({sym})", e),
              Equation("Σⱼ e^(zⱼ)" if not shifted else "Σⱼ e^(zⱼ − max z)", to_sympy(total)),
              vector_item("softmax(z)", s, via=f"e^({sym}) / Σⱼ e^({sym.replace('ᵢ', 'ⱼ')})")]
    return items


def _number_list(values):
    """The answer's numbers: sympy numbers for short lists, Python floats (from numpy) for wide ones."""
    if hasattr(values, "tolist"):
        return values.tolist()
    return [to_sympy(v) for v in values]


@solver("softmax")
def softmax_solver(problem) -> Solution:
    """sᵢ = e^(zᵢ)/Σⱼ e^(zⱼ); Jacobian ∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ − sⱼ)."""
    z = _numbers(problem.fields["logits"], "logits")
    s = _softmax_values(z)
    n = len(z)
    if n > WIDE:
        np = _numpy()
        J = s[:, None] * (np.eye(n) - s[None, :])
        entries = {(i, j): float(J[i, j]) for i, j in [(0, 0), (0, 1)]}
        answer = {"probabilities": s.tolist(), "jacobian": J.tolist()}
        jacobian = summarise("J", None, J)
    else:
        J = [[s[i] * ((1.0 if i == j else 0.0) - s[j]) for j in range(n)] for i in range(n)]
        entries = {(i, j): J[i][j] for i, j in [(0, 0), (0, 1)][: 1 if n == 1 else 2]}
        answer = {"probabilities": [to_sympy(v) for v in s], "jacobian": [[to_sympy(v) for v in r] for r in J]}
        jacobian = Equation("J", _mat(J))
    items = softmax_section(z, s)
    jac = [Text("The Jacobian is ∂sᵢ/∂zⱼ = sᵢ(1 − sⱼ) on the diagonal and −sᵢ·sⱼ off it; "
                "each row sums to 0 because the probabilities always sum to 1.")]
    for (i, j), value in entries.items():
        si, sj = float(s[i]), float(s[j])
        via = (f"s{sub(i + 1)}·(1 − s{sub(j + 1)}) = {fmt(si, DIGITS)}·(1 − {fmt(sj, DIGITS)})" if i == j
               else f"−s{sub(i + 1)}·s{sub(j + 1)} = −{fmt(si, DIGITS)}·{fmt(sj, DIGITS)}")
        jac.append(Equation(f"∂s{sub(i + 1)}/∂z{sub(j + 1)}", to_sympy(value), via=via))
    jac.append(jacobian)
    return Solution(problem=problem, title=problem.title or "Softmax and its Jacobian",
                    sections=(Section("Probabilities", tuple(items)), Section("Jacobian", tuple(jac))),
                    answer=answer, final=(vector_item("softmax(z)", s), jacobian))


_SHOWN_TERMS = 4        # terms of −Σ yᵢ·log(ŷᵢ) written out when the logits are wide


@solver("cross_entropy")
def cross_entropy(problem) -> Solution:
    """Binary ŷ = σ(z), L = −[y log ŷ + (1−y) log(1−ŷ)]; categorical ŷ = softmax(z), L = −Σ yᵢ log ŷᵢ; ∂L/∂z = ŷ − y."""
    f = problem.fields
    alpha = f.get("learning_rate")
    a = to_float(alpha, "learning_rate") if alpha is not None else None
    if "logits" in f and f["logits"] is not None:
        z = _numbers(f["logits"], "logits")
        y = _numbers(f["target"], "target")
        if len(y) != len(z):
            raise MathError(f"target has {len(y)} values but there are {len(z)} logits")
        if any(not 0 <= v <= 1 for v in y) or abs(sum(y) - 1) > 1e-9:
            raise MathError(f"target must be a probability distribution (values in [0, 1] summing to 1); "
                            f"its sum is {fmt(sum(y))}")
        p = _softmax_values(z)
        if len(z) > WIDE:
            np = _numpy()
            zs, ys = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
            top = float(zs.max())
            lse = top + math.log(float(np.exp(zs - top).sum()))
            hit = ys != 0
            L = float(-np.sum(ys[hit] * (zs[hit] - lse)))
            grad = p - ys
            terms = [(y[i], float(p[i])) for i in np.flatnonzero(hit)]
        else:
            top = max(z)
            lse = top + math.log(sum(math.exp(v - top) for v in z))
            L = -sum(yi * (zi - lse) for yi, zi in zip(y, z) if yi != 0)
            grad = [pi - yi for pi, yi in zip(p, y)]
            terms = [(yi, pi) for yi, pi in zip(y, p) if yi != 0]
        limit = _SHOWN_TERMS if len(z) > WIDE else len(terms)
        shown = " + ".join(f"−{fmt(yi, DIGITS)}·log({fmt(pi, DIGITS)})" for yi, pi in terms[:limit])
        if len(terms) > limit:
            shown += f" + … ({len(terms)} terms)"
        items = softmax_section(z, p)
        items += [Equation("L", to_sympy(L), via="−Σᵢ yᵢ·log(ŷᵢ) = " + shown),
                  vector_item("∂L/∂z", grad, via="ŷ − y")]
        answer = {"loss": to_sympy(L) if len(z) <= WIDE else L, "gradient": _number_list(grad)}
        if a is not None:
            new = [zi - a * gi for zi, gi in zip(z, grad)] if len(z) <= WIDE else zs - a * grad
            items.append(vector_item("new z", new, via="z − α·∂L/∂z"))
            answer["updated"] = _number_list(new)
        title = "Categorical cross-entropy"
    else:
        z = to_float(f["z"], "z")
        y = to_float(f["target"], "target")
        if not 0 <= y <= 1:
            raise MathError(f"a binary target must lie in [0, 1], not {fmt(y)}")
        p = _sigmoid(z)
        L = y * _softplus(-z) + (1 - y) * _softplus(z)       # = −[y log σ(z) + (1 − y) log(1 − σ(z))]
        grad = p - y
        items = [Equation("ŷ", to_sympy(p), via=f"σ(z) = σ({fmt(z, DIGITS)})"),
                 Equation("L", to_sympy(L), via=f"−[y·log(ŷ) + (1 − y)·log(1 − ŷ)] = −[{fmt(y, DIGITS)}·log({fmt(p, DIGITS)})"
                                                 f" + {factor(1 - y, DIGITS)}·log({fmt(1 - p, DIGITS)})]"),
                 Text("With ŷ = σ(z), ∂L/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ) and ∂ŷ/∂z = ŷ(1 − ŷ) multiply to ŷ − y."),
                 Equation("∂L/∂z", to_sympy(grad), via=f"ŷ − y = {fmt(p, DIGITS)} − {fmt(y, DIGITS)}")]
        answer = {"loss": to_sympy(L), "gradient": to_sympy(grad)}
        if a is not None:
            new = z - a * grad
            items.append(Equation("new z", to_sympy(new),
                                  via=f"z − α·∂L/∂z = {fmt(z, DIGITS)} − {fmt(a, DIGITS)}·{factor(grad, DIGITS)}"))
            answer["updated"] = to_sympy(new)
        title = "Binary cross-entropy"
    final = tuple(vector_item(k, v) if isinstance(v, list) else Equation(k, to_sympy(v)) for k, v in answer.items())
    return Solution(problem=problem, title=problem.title or title,
                    sections=(Section("Loss and gradient", tuple(items)),), answer=answer, final=final)


# ---------------------------------------------------------------- convolution

def _conv_terms(values, weights):
    return " + ".join(f"{factor(v, DIGITS)}·{factor(w, DIGITS)}" for v, w in zip(values, weights))


def _convolve_python(xp, kern, g):
    """y, ∂L/∂w̃ and ∂L/∂x̃ on plain numbers (exact Fractions stay exact)."""
    K, n_out, zero = len(kern), len(g), xp[0] * 0
    y = [sum((xp[i + k] * kern[k] for k in range(K)), start=zero) for i in range(n_out)]
    dkern = [sum((g[i] * xp[i + k] for i in range(n_out)), start=zero) for k in range(K)]
    dxp = [sum((g[i] * kern[j - i] for i in range(n_out) if 0 <= j - i < K), start=zero) for j in range(len(xp))]
    return y, dkern, dxp


def _convolve_numpy(xp, kern, g):
    """y, ∂L/∂w̃ and ∂L/∂x̃ of a valid cross-correlation of xp with kern, upstream g (float64)."""
    np = _numpy()
    xp, kern, g = (np.asarray(v, dtype=float) for v in (xp, kern, g))
    y = np.correlate(xp, kern, mode="valid")          # yᵢ = Σₖ x̃ᵢ₊ₖ·w̃ₖ
    dkern = np.correlate(xp, g, mode="valid")         # ∂L/∂w̃ₖ = Σᵢ gᵢ·x̃ᵢ₊ₖ
    dxp = np.convolve(g, kern, mode="full")           # ∂L/∂x̃ⱼ = Σᵢ gᵢ·w̃ⱼ₋ᵢ
    return y.tolist(), dkern.tolist(), dxp.tolist()


@solver("convolution")
def convolution(problem) -> Solution:
    """yᵢ = Σₖ x̃ᵢ₊ₖ·w̃ₖ (x̃ padded, w̃ = w or flipped w); ∂L/∂w̃ₖ = Σᵢ gᵢ·x̃ᵢ₊ₖ, ∂L/∂x̃ⱼ = Σᵢ gᵢ·w̃ⱼ₋ᵢ."""
    f = problem.fields
    mode = str(f.get("mode") or "cross_correlation").strip().lower().replace("-", "_")
    padding = str(f.get("padding") or "valid").strip().lower()
    if mode not in ("cross_correlation", "convolution"):
        raise MathError(f"mode must be cross_correlation or convolution, not {mode!r}")
    if padding not in ("valid", "same"):
        raise MathError(f"padding must be valid or same, not {padding!r}")
    for key in ("input", "kernel", "upstream"):
        if not isinstance(f.get(key), (list, tuple)) or not f[key]:
            raise MathError(f"{key} must be a non-empty list of numbers")
    x_in, w_in, g_in = list(f["input"]), list(f["kernel"]), list(f["upstream"])
    wide = max(len(x_in), len(w_in), len(g_in)) > WIDE
    if wide:                                     # numpy float64: p/q of each number, not evalf
        numbers, exact = [_float_of(v) for v in x_in + w_in + g_in], False
    else:
        numbers, exact = plain(x_in + w_in + g_in)
    x, w, g = numbers[:len(x_in)], numbers[len(x_in):len(x_in) + len(w_in)], numbers[len(x_in) + len(w_in):]
    K, zero = len(w), numbers[0] * 0
    left = (K - 1) // 2 if padding == "same" else 0
    right = K - 1 - left if padding == "same" else 0
    xp = [zero] * left + x + [zero] * right
    if K > len(xp):
        raise MathError(f"the kernel ({K} values) is longer than the input ({len(x)} values) with {padding} padding")
    kern = w if mode == "cross_correlation" else w[::-1]
    n_out = len(xp) - K + 1
    if len(g) != n_out:
        raise MathError(f"upstream has {len(g)} values but the output has {n_out}")
    y, dkern, dxp = (_convolve_numpy if wide else _convolve_python)(xp, kern, g)
    dw = dkern if mode == "cross_correlation" else dkern[::-1]
    dx = dxp[left:left + len(x)]

    show_all = n_out <= 12
    setup = [Text(f"{'Cross-correlation' if mode == 'cross_correlation' else 'Convolution'} with "
                  f"{padding} padding: yᵢ = Σₖ x̃ᵢ₊ₖ₋₁·w̃ₖ (1-based), where x̃ is the padded input"
                  + (" and w̃ = w." if mode == "cross_correlation" else " and w̃ is the flipped kernel.")),
             vector_item("x", x), vector_item("w", w)]
    if wide:
        setup.append(Text("The arithmetic is done in floating point (numpy); vectors with more than "
                          f"{WIDE} entries are summarised, and the answer holds every value."))
    if padding == "same":
        setup += [Text(f"Same padding adds k − 1 = {K - 1} zeros: {left} on the left and {right} on the right."),
                  vector_item("x̃", xp)]
    if mode == "convolution":
        setup.append(vector_item("w̃", kern, via="w reversed"))
    fwd = []
    if show_all:
        for i in range(n_out):
            fwd.append(Equation(f"y{sub(i + 1)}", to_sympy(y[i]), via=_conv_terms(xp[i:i + K], kern)))
    fwd.append(vector_item("y", y))
    back = [vector_item("∂L/∂y", g),
            Text("Each w̃ₖ multiplies x̃ᵢ₊ₖ₋₁ in every yᵢ, so ∂L/∂w̃ₖ = Σᵢ (∂L/∂yᵢ)·x̃ᵢ₊ₖ₋₁.")]
    if show_all:
        for k in range(K):
            back.append(Equation(f"∂L/∂w̃{sub(k + 1)}", to_sympy(dkern[k]),
                                 via=_conv_terms(g, xp[k:k + n_out])))
    if mode == "convolution":
        back.append(Text("The kernel was flipped, so ∂L/∂w is ∂L/∂w̃ reversed."))
    back += [vector_item("∂L/∂w", dw),
             Text("Each x̃ⱼ meets w̃ⱼ₋ᵢ₊₁ in yᵢ, so ∂L/∂x̃ⱼ = Σᵢ (∂L/∂yᵢ)·w̃ⱼ₋ᵢ₊₁: the upstream gradient "
                  "fully convolved with the kernel; the padding positions are then dropped."),
             vector_item("∂L/∂x", dx)]
    number_list = list if wide else (lambda values: [to_sympy(v) for v in values])
    answer = {"output": number_list(y), "kernel_gradient": number_list(dw), "input_gradient": number_list(dx)}
    return Solution(problem=problem, title=problem.title or "1-D convolution and its gradients",
                    sections=(Section("Setup", tuple(setup)), Section("Forward pass", tuple(fwd)),
                              Section("Backward pass", tuple(back))),
                    answer=answer,
                    final=(vector_item("y", y), vector_item("∂L/∂w", dw), vector_item("∂L/∂x", dx)))


# ---------------------------------------------------------------- backpropagation through time

@solver("bptt")
def bptt(problem) -> Solution:
    """∂hₜ/∂h₀ = ∏ₖ ∂hₖ/∂hₖ₋₁ = factorᵗ, with factor = w_h·f'(preactivation) when not given."""
    f = problem.fields
    steps = count_within_limit(f["steps"], "steps", "max_iterations", minimum=1)
    items = []
    if f.get("factor") is not None:
        factor_value = sympy.sympify(f["factor"])
        items.append(Equation("∂hₖ/∂hₖ₋₁", factor_value))
    else:
        act = activation(f.get("activation", "tanh"))
        if act == "softmax":
            raise MathError("bptt needs an element-wise activation, not softmax")
        p = sympy.sympify(f.get("preactivation", 0))
        u = sympy.Dummy("u", real=True)
        expr = {"sigmoid": sigmoid(u), "tanh": sympy.tanh(u), "relu": relu(u),
                "leaky_relu": leaky_relu(u), "softplus": softplus(u), "linear": u}[act.name]
        slope = sympy.diff(expr, u).subs(u, p)
        w_h = sympy.sympify(f["w_h"])
        factor_value = w_h * slope
        items += [Text(f"hₖ = {act.symbol or 'identity'}(w_h·hₖ₋₁ + …), so ∂hₖ/∂hₖ₋₁ = w_h·f'(preactivation)."),
                  Equation(f"f'({fmt(p)})", slope, via=act.slope_text.replace("z", fmt(p))),
                  Equation("∂hₖ/∂hₖ₋₁", factor_value,
                           via=f"{fmt(w_h)}·{factor(slope) if slope.is_Number else f'({show(slope)})'}")]
    if not factor_value.is_number or factor_value.is_real is False:
        raise MathError(f"the per-step factor must be a real number, not {factor_value}")
    if factor_value.is_Rational:
        size = max(abs(factor_value.p), factor_value.q, 2)
        digits = steps * math.log10(size)
        exact = digits <= limits.current().max_power_digits
    else:
        exact = False
    base = factor_value if exact else sympy.Float(factor_value.evalf(20), 15)
    product = base ** steps if steps else sympy.Integer(1)
    if not exact:
        product = sympy.Float(product, 15)
    rows = table_rows(range(1, steps + 1),
                      lambda k, _: (k, base ** k if exact else sympy.Float(base ** k, 15)))
    items += [Equation(f"∂h{sub(steps)}/∂h₀", product,
                       via=f"∏ₖ₌₁^{steps} ∂hₖ/∂hₖ₋₁ = {factor(base)}{sup(steps)}"),
              Table(("steps", "product"), rows)]
    mag = abs(float(factor_value.evalf(20)))
    if mag < 1:
        items.append(Text("|factor| < 1: the gradient shrinks geometrically with the number of steps "
                          "(vanishing gradient)."))
    elif mag > 1:
        items.append(Text("|factor| > 1: the gradient grows geometrically with the number of steps "
                          "(exploding gradient)."))
    return Solution(problem=problem, title=problem.title or "Backpropagation through time",
                    sections=(Section("Chain rule through time", tuple(items)),),
                    answer={"product": product}, final=(Equation(f"∂h{sub(steps)}/∂h₀", product),))
