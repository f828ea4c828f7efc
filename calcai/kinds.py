"""The problem kinds of calcai and the fields each one takes: a declarative table.

This table is the machine-readable form of the problem-file contract
(shared-notes/kinds.md). ``calcai.problems`` validates problem files against it and
converts every field by its type; ``calcai kinds KIND`` prints a kind's fields, answer
shape and ready example from it.

A field type is one of ``FIELD_TYPES``; each has a converter in ``calcai.problems``:

==================  =======================================================================
expr                an expression string -> sympy expression
exprs               list of expressions
equations           list of ``"lhs = rhs"`` -> expressions equal to zero (lhs − rhs)
var                 a variable name -> real Symbol
vars                list of variable names (no repeats)
point               mapping variable -> number  -> ``{Symbol: number}``
vector              list of numbers
matrix              list of rows of numbers (rectangular)
number              an exact number (0.1 -> 1/10) or a constant expression (pi, sqrt(2), 1/3)
integer             a whole number ≥ ``minimum``
choice              one of ``choices`` (case-insensitive), stored lower-case
substitutions       mapping variable -> expression -> ``{Symbol: expression}``
data                list of ``[x, y]`` pairs of numbers
layers              list of ``{weights, bias (optional), activation}``
bounds              two numbers ``[a, b]`` with a < b (−inf/inf when ``infinite``)
samples             list of numbers
distribution        list of probabilities (≥ 0, adding up to 1) or ``{mean, std}``
number_or_vector    a number or a list of numbers
text                any scalar text
texts               list of texts
tolerance           a number ≥ 0 (absolute) or ``{abs, rel}``
shapes              mapping name -> size (a whole number or a size name) or [rows, columns]
arrays              mapping name -> a number, a list of numbers or a list of rows
definitions         mapping new name -> expression text (read by the kind's solver)
answer              the expected answer: plain data in the kind's answer shape
domain              mapping variable -> "> 0" | ">= 0" | "< 0" | "<= 0" | [lo, hi] -> ``{Symbol: Interval}``
==================  =======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------- field types

FIELD_TYPES: dict[str, str] = {
    "expr": "an expression like x^2 + 3x",
    "exprs": "a list of expressions like [x^2 + y, x*y]",
    "equations": "a list of equations like ['x + y = 10']",
    "var": "a variable name like x or w1",
    "vars": "a list of variable names like [x, y]",
    "point": "a point like {x: 1, y: 2}",
    "vector": "a list of numbers like [1, 2, 3]",
    "matrix": "a matrix (a list of rows of numbers) like [[1, 2], [3, 4]]",
    "number": "a number",
    "integer": "a whole number",
    "choice": "one of the listed words",
    "substitutions": "a mapping of variables to expressions like {x: cos(t), y: sin(t)}",
    "data": "a list of [x, y] pairs like [[1, 3], [2, 5]]",
    "layers": "a list of layers like [{weights: 0.4, bias: 0.1, activation: sigmoid}]",
    "bounds": "two numbers [a, b] with a < b",
    "samples": "a list of numbers like [0.1, 0.5, 0.9]",
    "distribution": "a list of probabilities like [0.5, 0.5] or a gaussian like {mean: 0, std: 1}",
    "number_or_vector": "a number or a list of numbers",
    "text": "text",
    "texts": "a list of texts like [chain-rule, gradient]",
    "tolerance": "a number ≥ 0 (absolute) or {abs: .., rel: ..}",
    "answer": "the expected answer, in the kind's answer shape",
    "shapes": "a mapping of names to sizes like {x: 2, y: n} or shapes like {W: [2, n]}",
    "definitions": "a mapping of new names to expressions like {y: W x}",
    "arrays": "a mapping of names to numbers, lists or lists of rows like {W: [[1, 2], [3, 4]], x: [3, 4]}",
    "domain": 'a mapping of variables to "> 0", ">= 0", "< 0", "<= 0" or [lo, hi], like {w1: "> 0"}',
    "params": "a mapping of parameter names to {int: [lo, hi]}, {choice: [...]} or {decimal: [lo, hi, places]}",
    "conditions": "a list of conditions like [\"a != n\"]",
    "values": "a mapping of parameter names to values",
}

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear", "softmax")

# The functions an expression may use (calcai.parser reads exactly these names, in any case):
# (names, other spellings, what they are). `calcai kinds` prints this list.
FUNCTIONS: tuple = (
    (("exp", "ln", "log"), (), "eˣ; the natural logarithm; log(x, b) to the base b"),
    (("log2", "log10"), (), "logarithms to the base 2 and 10 (also written log₂, log₁₀)"),
    (("sqrt", "abs", "sign", "step"), (), "√x, |x|, the sign of x, the unit step (0 at 0)"),
    (("max", "min"), (), "the largest, the smallest of 2 to 8 arguments"),
    (("sin", "cos", "tan", "sec", "csc", "cot"), ("cosec", "cotan"), "trigonometric functions"),
    (("asin", "acos", "atan"), ("arcsin", "arccos", "arctan"), "inverse trigonometric functions"),
    (("sinh", "cosh", "tanh"), (), "hyperbolic functions"),
    (("asinh", "acosh", "atanh"), ("arsinh", "arcosh", "artanh", "arcsinh", "arccosh", "arctanh"),
     "inverse hyperbolic functions"),
    (("erf", "erfc"), (), "the error function and its complement 1 − erf"),
    (("normal_cdf", "normal_pdf"), (), "Φ(x) and φ(x): the standard normal distribution and density "
                                       "(type Φ(x) as is, too)"),
    (("sigmoid",), (), "σ(x) = 1/(1 + e^(−x)) (type σ(x) as is, too)"),
    (("relu", "leaky_relu"), ("leakyrelu",),
     "max(0, x); x if x > 0, else αx (α = 0.01 unless given: leaky_relu(x, 0.2))"),
    (("softplus",), (), "ln(1 + eˣ)"),
    (("gelu", "gelu_tanh"), (), "x·Φ(x); its tanh approximation x/2·(1 + tanh(√(2/π)·(x + 0.044715x³)))"),
    (("silu", "swish"), (), "x·σ(x); swish(x, β) = x·σ(βx), and swish(x) = silu(x)"),
    (("elu", "selu"), (),
     "x if x > 0, else α(eˣ − 1) (α = 1 unless given: elu(x, 0.5)); SELU(x) = λ₀₁·ELU(x, α₀₁)"),
    (("softsign", "mish"), (), "x/(1 + |x|); x·tanh(softplus(x))"),
)


def functions_text() -> str:
    """The functions expressions may use, one group a line (for `calcai kinds`)."""
    rows = [(", ".join(names), description + (f" (also {', '.join(aliases)})" if aliases else ""))
            for names, aliases, description in FUNCTIONS]
    width = max(len(names) for names, _ in rows)
    return "\n".join(f"{names.ljust(width)}  {description}" for names, description in rows)
LOSSES = ("squared_error", "mse", "binary_cross_entropy", "cross_entropy")


@dataclass(frozen=True)
class Field:
    """One field of a kind: its name, type (a key of FIELD_TYPES) and constraints."""

    name: str
    type: str
    required: bool = True
    description: str = ""
    default: Any = None          # text of the default (converted by problems.py); None = no default
    minimum: int | None = None   # integer: smallest allowed value
    choices: tuple = ()          # choice: the allowed words
    infinite: bool = False       # bounds: −inf / inf allowed
    limit: str | None = None     # integer / samples: the calcai.limits field that caps it
    only_with: str | None = None  # optional field that only makes sense next to another field

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r} for field {self.name!r}")

    @property
    def what(self) -> str:
        """What the field's value must be, for messages: 'a whole number ≥ 1'."""
        if self.type == "integer":
            return "a whole number" + (f" ≥ {self.minimum}" if self.minimum is not None else "")
        if self.type == "choice":
            return "one of: " + ", ".join(self.choices)
        if self.type == "bounds" and self.infinite:
            return "two numbers [a, b] with a < b (-inf and inf allowed)"
        if self.type == "bounds":
            return "two finite numbers [a, b] with a < b"
        return FIELD_TYPES[self.type]


@dataclass(frozen=True)
class Kind:
    """A problem kind: its fields, what it computes, its answer's shape, and an example file."""

    name: str
    description: str
    fields: tuple
    answer: str                  # the answer's shape, as text
    example: str                 # a complete, valid and solvable problem file
    answer_form: str = "scalar"  # "scalar" | "list" | "map": the shape `expected` must have
    answer_keys: tuple = ()      # for "map": the keys an answer may hold
    one_of: tuple = ()           # alternative groups of fields: exactly one group is given

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def field_names(self) -> tuple:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple:
        return tuple(f for f in self.fields if f.required)

    @property
    def optional(self) -> tuple:
        return tuple(f for f in self.fields if not f.required)

    def describe(self) -> str:
        """Fields, answer shape and example as plain text (for `calcai kinds KIND`)."""
        return describe(self)


# ---------------------------------------------------------------- common keys

COMMON_FIELDS: tuple = (
    Field("id", "text", True, "unique name of the problem in its file: letters, digits, - and _"),
    Field("kind", "text", True, "the kind of problem (see `calcai kinds`)"),
    Field("title", "text", False, "a short title"),
    Field("statement", "text", False, "the exercise as the student reads it"),
    Field("note", "text", False, "a remark for teachers"),
    Field("tags", "texts", False, "labels for selecting problems"),
    Field("hints", "texts", False, "hints shown on request"),
    Field("expected", "answer", False, "the expected answer (only the parts to check); for a derivative "
          "at a point, `not differentiable` expects a kink there"),
    Field("tolerance", "tolerance", False,
          "how close numbers must be: a number (absolute) or {abs, rel}; default abs 1e-9 + rel 1e-6"),
    Field("params", "params", False, "parameters for `calcai generate`: name: {int: [lo, hi]}, "
          "{choice: [values]} or {decimal: [lo, hi, places]}; any scalar may then use {name}"),
    Field("where", "conditions", False, "conditions every draw of the parameters must meet, like "
          "[\"a != n\", \"a + n < 10\"]"),
    Field("params_used", "values", False, "the parameter values of a generated variant (informational)"),
    Field("plot", "choice", False, "true: `calcai solve --plot-dir DIR` draws this problem's figure "
          "to DIR/<id>.svg (default false)", choices=("true", "false")),
)
COMMON_NAMES = tuple(f.name for f in COMMON_FIELDS)
ID_PATTERN = r"[A-Za-z0-9_-]+"


# ---------------------------------------------------------------- helpers for the table

def _expr(name="expr", description="the function", required=True):
    return Field(name, "expr", required, description)


def _vars(required=False):
    return Field("vars", "vars", required,
                 "the variables, in order" + ("" if required else
                                              " (default: the point's variables, else all, by name)"))


def _at(required=False, description="the point to evaluate at"):
    return Field("at", "point", required, description)


def _steps():
    return Field("steps", "choice", False, "all: every entry's rule tree, also past 6 variables (default auto)",
                 default="auto", choices=("auto", "all"))


def _optimiser_fields(*extra):
    return (
        Field("objective", "expr", True, "the function to minimise"),
        _vars(required=True),
        Field("start", "point", True, "the starting point"),
        Field("learning_rate", "number", True, "the step size α"),
        *extra,
        Field("iterations", "integer", True, "how many steps", minimum=1, limit="max_iterations"),
    )


def _example(body: str) -> str:
    return "problems:\n" + body.strip("\n") + "\n"


_TRAJECTORY = "{final: point, trace: list of points (the start first, then one per iteration)}"

# ---------------------------------------------------------------- the kinds

_KIND_LIST = (
    Kind(
        "evaluate", "Evaluate an expression at a point.",
        (_expr(), _at(True, "the values of the variables")),
        "a number",
        _example("""
  - id: evaluate-example
    kind: evaluate
    expr: "x^2 + 3x"
    at: {x: 2}
    expected: 10
"""),
    ),
    Kind(
        "derivative", "Differentiate an expression of one variable, step by step.",
        (_expr(), Field("wrt", "var", False, "the variable (default: the only variable)"),
         Field("order", "integer", False, "which derivative", default="1", minimum=1, limit="max_order"),
         _at()),
        "an expression, or a number with `at`",
        _example("""
  - id: derivative-example
    kind: derivative
    expr: "x^3 + 2x^2 + 5"
    wrt: x
    expected: "3x^2 + 4x"
"""),
    ),
    Kind(
        "partial", "Partial derivative with respect to one variable, the others held constant.",
        (_expr(), Field("wrt", "var", True, "the variable to differentiate by"), _at()),
        "an expression, or a number with `at`",
        _example("""
  - id: partial-example
    kind: partial
    expr: "x^2 + 3x*y + y^2"
    wrt: x
    expected: "2x + 3y"
"""),
    ),
    Kind(
        "gradient", "The gradient: the vector of partial derivatives.",
        (_expr(), _vars(), _at()),
        "a list, in vars order",
        _example("""
  - id: gradient-example
    kind: gradient
    expr: "x^2 + y^2"
    vars: [x, y]
    at: {x: 3, y: 4}
    expected: [6, 8]
"""),
        answer_form="list",
    ),
    Kind(
        "hessian", "The Hessian matrix of second partial derivatives, its eigenvalues and definiteness.",
        (_expr(), _vars(), _at(), _steps()),
        "{matrix: list of rows, eigenvalues: list, definiteness: text}",
        _example("""
  - id: hessian-example
    kind: hessian
    expr: "x^2 + 3x*y + y^2"
    vars: [x, y]
    expected:
      matrix: [[2, 3], [3, 2]]
      eigenvalues: [5, -1]
      definiteness: indefinite
"""),
        answer_form="map", answer_keys=("matrix", "eigenvalues", "definiteness"),
    ),
    Kind(
        "jacobian", "The Jacobian matrix of a list of functions.",
        (Field("exprs", "exprs", True, "the functions, one per row"), _vars(), _at(), _steps()),
        "a list of rows",
        _example("""
  - id: jacobian-example
    kind: jacobian
    exprs: ["x^2 y", "5x + sin(y)"]
    vars: [x, y]
    expected: [["2x*y", "x^2"], [5, "cos(y)"]]
"""),
        answer_form="list",
    ),
    Kind(
        "directional_derivative", "The rate of change of a function at a point along a direction.",
        (_expr(), _at(True, "the point"), Field("direction", "vector", True, "the direction, in vars order"),
         _vars()),
        "a number",
        _example("""
  - id: directional-example
    kind: directional_derivative
    expr: "x^2 + y^2"
    at: {x: 1, y: 2}
    direction: [0.6, 0.8]
    expected: 4.4
"""),
    ),
    Kind(
        "total_derivative", "The multivariable chain rule: dz/dt after substituting x(t), y(t), ...",
        (_expr(), Field("substitutions", "substitutions", True, "each inner variable as an expression"),
         Field("wrt", "var", True, "the outer variable"), _at()),
        "an expression, or a number with `at`",
        _example("""
  - id: total-derivative-example
    kind: total_derivative
    expr: "x^2 y"
    substitutions: {x: "t^2", y: "3t"}
    wrt: t
    at: {t: 1}
    expected: 15
"""),
    ),
    Kind(
        "critical_points", "Find where the gradient vanishes and classify each point.",
        (_expr(), _vars()),
        "a list of {point, type: minimum/maximum/saddle/inconclusive} (compared in any order)",
        _example("""
  - id: critical-points-example
    kind: critical_points
    expr: "x^3 - 3x + y^2"
    vars: [x, y]
    expected:
      - {point: {x: 1, y: 0}, type: minimum}
      - {point: {x: -1, y: 0}, type: saddle}
"""),
        answer_form="list",
    ),
    Kind(
        "lagrange", "Optimise a function subject to equality constraints with Lagrange multipliers.",
        (Field("objective", "expr", True, "the function to optimise"),
         Field("constraints", "equations", True, "the constraints, each 'lhs = rhs'"),
         _vars(), Field("goal", "choice", True, "maximise or minimise", choices=("max", "min"))),
        "{point, value, candidates: list of {point, value, type}}",
        _example("""
  - id: lagrange-example
    kind: lagrange
    objective: "x*y"
    constraints: ["x + y = 10"]
    vars: [x, y]
    goal: max
    expected:
      point: {x: 5, y: 5}
      value: 25
"""),
        answer_form="map", answer_keys=("point", "value", "candidates"),
    ),
    Kind(
        "taylor", "The Taylor polynomial of a function about a point.",
        (_expr(), Field("about", "point", True, "the expansion point"),
         Field("order", "integer", True, "the highest power kept", minimum=0, limit="max_series_order"),
         _at(False, "a point to evaluate the polynomial at")),
        "{polynomial, value, exact, error} (the last three with `at`)",
        _example("""
  - id: taylor-example
    kind: taylor
    expr: "e^x"
    about: {x: 0}
    order: 3
    at: {x: 0.1}
    expected:
      polynomial: "1 + x + x^2/2 + x^3/6"
      value: "6631/6000"
      exact: "e^(1/10)"
"""),
        answer_form="map", answer_keys=("polynomial", "value", "exact", "error"),
    ),
    Kind(
        "integral", "An antiderivative, or a definite integral with bounds.",
        (_expr(), Field("wrt", "var", False, "the variable (default: the only variable)"),
         Field("bounds", "bounds", False, "the limits [a, b] of a definite integral", infinite=True)),
        "a number (definite), or an antiderivative (checked up to a constant)",
        _example("""
  - id: integral-example
    kind: integral
    expr: "x^2"
    wrt: x
    bounds: [0, 3]
    expected: 9
"""),
    ),
    Kind(
        "distribution", "Check a probability density and find its total, mean and variance.",
        (Field("density", "expr", True, "the probability density"),
         Field("var", "var", True, "the random variable"),
         Field("support", "bounds", True, "where the density lives, [a, b]", infinite=True),
         Field("positive", "vars", False, "parameters known to be positive")),
        "{total, mean, variance}",
        _example("""
  - id: distribution-example
    kind: distribution
    density: "lambda e^(-lambda x)"
    var: x
    support: [0, inf]
    positive: [lambda]
    expected:
      total: 1
      mean: "1/lambda"
      variance: "1/lambda^2"
"""),
        answer_form="map", answer_keys=("total", "mean", "variance"),
    ),
    Kind(
        "monte_carlo", "Estimate a definite integral by averaging the function at sample points.",
        (_expr(), Field("wrt", "var", True, "the variable"),
         Field("bounds", "bounds", True, "the interval [a, b]"),
         Field("samples", "samples", False, "the sample points", limit="max_samples"),
         Field("n", "integer", False, "how many random samples", minimum=1, limit="max_samples"),
         Field("seed", "integer", False, "the random seed for n samples", minimum=0)),
        "{estimate, exact, error}",
        _example("""
  - id: monte-carlo-example
    kind: monte_carlo
    expr: "x^2"
    wrt: x
    bounds: [0, 1]
    samples: [0.1, 0.5, 0.9]
    expected:
      estimate: "107/300"
      exact: "1/3"
"""),
        answer_form="map", answer_keys=("estimate", "exact", "error"),
        one_of=(("samples",), ("n", "seed")),
    ),
    Kind(
        "gradient_descent", "Minimise a function by gradient descent (optionally with momentum).",
        _optimiser_fields(Field("momentum", "number", False, "β: use momentum v := βv + ∇f")),
        _TRAJECTORY,
        _example("""
  - id: gradient-descent-example
    kind: gradient_descent
    objective: "x^2 + 4y^2"
    vars: [x, y]
    start: {x: 4, y: 2}
    learning_rate: 0.1
    iterations: 2
    expected: {final: {x: 2.56, y: 0.08}}
    tolerance: 0.001
"""),
        answer_form="map", answer_keys=("final", "trace"),
    ),
    Kind(
        "momentum", "Gradient descent with momentum: v := βv + ∇f, θ := θ − αv.",
        _optimiser_fields(Field("beta", "number", True, "the momentum factor β")),
        _TRAJECTORY,
        _example("""
  - id: momentum-example
    kind: momentum
    objective: "x^2"
    vars: [x]
    start: {x: 1}
    learning_rate: 0.1
    beta: 0.9
    iterations: 2
    expected:
      final: {x: 0.46}
      trace: [{x: 1}, {x: 0.8}, {x: 0.46}]
"""),
        answer_form="map", answer_keys=("final", "trace"),
    ),
    Kind(
        "adam", "The Adam optimiser (bias-corrected first and second moments).",
        _optimiser_fields(Field("beta1", "number", False, "first-moment decay β₁", default="0.9"),
                          Field("beta2", "number", False, "second-moment decay β₂", default="0.999"),
                          Field("eps", "number", False, "ε added to √v̂", default="1e-8")),
        _TRAJECTORY,
        _example("""
  - id: adam-example
    kind: adam
    objective: "x^2"
    vars: [x]
    start: {x: 1}
    learning_rate: 0.1
    iterations: 2
    expected:
      final: {x: 0.800412}
    tolerance: 0.000001
"""),
        answer_form="map", answer_keys=("final", "trace"),
    ),
    Kind(
        "linear_regression", "Fit y = wx + b to data by gradient descent on the mean squared error.",
        (Field("data", "data", True, "the (x, y) pairs"),
         Field("start", "point", True, "the starting parameters {w, b}"),
         Field("learning_rate", "number", True, "the step size α"),
         Field("iterations", "integer", True, "how many steps", minimum=1, limit="max_iterations")),
        "{final: {w, b}, loss (MSE at final), gradients: list, one {w, b} per iteration}",
        _example("""
  - id: linear-regression-example
    kind: linear_regression
    data: [[1, 3], [2, 5], [3, 7]]
    start: {w: 0, b: 0}
    learning_rate: 0.01
    iterations: 1
    expected:
      gradients: [{w: "-68/3", b: -10}]
      final: {w: "17/75", b: 0.1}
"""),
        answer_form="map", answer_keys=("final", "loss", "gradients", "trace"),
    ),
    Kind(
        "backprop", "Forward pass, backward pass and one update of a small neural network.",
        (Field("layers", "layers", True, "the layers, first to last"),
         Field("input", "number_or_vector", True, "the input x"),
         Field("target", "number_or_vector", True, "the target output"),
         Field("loss", "choice", True, "the loss function", choices=LOSSES),
         Field("learning_rate", "number", True, "the step size α")),
        "{forward: {z1, a1, z2, a2, ...}, output, loss, gradients: {W1, b1, ...}, updated: {W1, b1, ...}}",
        _example("""
  - id: backprop-example
    kind: backprop
    layers:
      - {weights: 0.5, bias: 0, activation: linear}
    input: 2
    target: 3
    loss: squared_error
    learning_rate: 0.1
    expected:
      forward: {z1: 1, a1: 1}
      output: 1
      loss: 4
      gradients: {W1: -8, b1: -4}
      updated: {W1: 1.3, b1: 0.4}
"""),
        answer_form="map", answer_keys=("forward", "output", "loss", "gradients", "updated"),
    ),
    Kind(
        "forward_mode", "Forward-mode automatic differentiation with dual numbers.",
        (_expr(), _at(True, "the point"), Field("wrt", "var", False, "the variable (default: the only variable)")),
        "{value, derivative}",
        _example("""
  - id: forward-mode-example
    kind: forward_mode
    expr: "x^2 + 3x"
    at: {x: 2}
    expected: {value: 10, derivative: 7}
"""),
        answer_form="map", answer_keys=("value", "derivative"),
    ),
    Kind(
        "reverse_mode", "Reverse-mode automatic differentiation (backpropagation on the expression graph).",
        (_expr(), _at()),
        "{value, gradient: {var: value}} (without `at`: the value is the expression and "
        "gradient entries are expressions)",
        _example("""
  - id: reverse-mode-example
    kind: reverse_mode
    expr: "x*y + sin(x)"
    at: {x: 0, y: 2}
    expected:
      value: 0
      gradient: {x: 3, y: 0}
"""),
        answer_form="map", answer_keys=("value", "gradient"),
    ),
    Kind(
        "softmax", "Softmax probabilities and their Jacobian J[i][j] = s_i(δij − s_j).",
        (Field("logits", "vector", True, "the scores z"),),
        "{probabilities, jacobian}",
        _example("""
  - id: softmax-example
    kind: softmax
    logits: [0, "ln(3)"]
    expected:
      probabilities: [0.25, 0.75]
      jacobian: [["3/16", "-3/16"], ["-3/16", "3/16"]]
"""),
        answer_form="map", answer_keys=("probabilities", "jacobian"),
    ),
    Kind(
        "cross_entropy", "Cross-entropy loss, its gradient with respect to the logits, and an update.",
        (Field("logits", "vector", False, "categorical: the scores z"),
         Field("z", "number", False, "binary: the single score z (ŷ = σ(z))"),
         Field("target", "number_or_vector", True,
               "the target: a number in [0, 1] (binary) or a list like the logits (categorical)"),
         Field("learning_rate", "number", False, "the step size α for `updated`")),
        "{loss, gradient, updated}",
        _example("""
  - id: cross-entropy-example
    kind: cross_entropy
    z: 0
    target: 1
    learning_rate: 0.1
    expected:
      loss: "ln(2)"
      gradient: -0.5
      updated: 0.05
"""),
        answer_form="map", answer_keys=("loss", "gradient", "updated"),
        one_of=(("logits",), ("z",)),
    ),
    Kind(
        "convolution", "A 1-D convolution layer: output, and gradients for kernel and input.",
        (Field("input", "vector", True, "the input signal x"),
         Field("kernel", "vector", True, "the kernel w"),
         Field("upstream", "vector", True, "the gradient ∂L/∂y arriving from above"),
         Field("mode", "choice", False, "cross_correlation (y[i] = Σ x[i+k]·w[k]) or convolution (flipped)",
               default="cross_correlation", choices=("cross_correlation", "convolution")),
         Field("padding", "choice", False, "valid (no padding) or same (zeros, output as long as input)",
               default="valid", choices=("valid", "same"))),
        "{output, kernel_gradient, input_gradient}",
        _example("""
  - id: convolution-example
    kind: convolution
    input: [1, 2, 3, 4]
    kernel: [1, 0]
    upstream: [1, 1, 1, 1]
    padding: same
    expected:
      output: [1, 2, 3, 4]
      kernel_gradient: [10, 9]
      input_gradient: [1, 1, 1, 1]
"""),
        answer_form="map", answer_keys=("output", "kernel_gradient", "input_gradient"),
    ),
    Kind(
        "bptt", "Backpropagation through time: the gradient factor after many steps (vanishing/exploding).",
        (Field("factor", "number", False, "the per-step factor (product = factor^steps)"),
         Field("w_h", "number", False, "the recurrent weight"),
         Field("activation", "choice", False, "the recurrent activation",
               choices=("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear")),
         Field("preactivation", "number", False, "the pre-activation where σ' is taken",
               default="0", only_with="w_h"),
         Field("steps", "integer", True, "how many time steps", minimum=1, limit="max_iterations")),
        "{product}",
        _example("""
  - id: bptt-example
    kind: bptt
    factor: 0.5
    steps: 10
    expected: {product: "1/1024"}
"""),
        answer_form="map", answer_keys=("product",),
        one_of=(("factor",), ("w_h", "activation")),
    ),
    Kind(
        "kl_divergence", "The Kullback–Leibler divergence KL(p ‖ q), discrete or between gaussians.",
        (Field("p", "distribution", True, "the first distribution"),
         Field("q", "distribution", True, "the second distribution (same form as p)")),
        "{value}",
        _example("""
  - id: kl-divergence-example
    kind: kl_divergence
    p: [0.5, 0.5]
    q: [0.25, 0.75]
    expected: {value: "ln(4/3)/2"}
"""),
        answer_form="map", answer_keys=("value",),
    ),
    Kind(
        "convexity", "Is a function convex, concave, affine or neither? By composition rules or the "
        "second-order condition, with a verified witness for 'neither'.",
        (_expr(), _vars(),
         Field("domain", "domain", False, "where each variable lives (default: all reals)")),
        "{verdict: convex/concave/affine/neither/unknown, reason: text, witness: for neither "
        "{not_convex: [p, q], not_concave: [p, q]}: chords whose midpoint lies above / below f}",
        _example("""
  - id: hinge-is-convex
    kind: convexity
    expr: "max(0, 1 - (3w1 + w2))"
    vars: [w1, w2]
    domain: {w1: "> 0"}
    expected: {verdict: convex}
"""),
        answer_form="map", answer_keys=("verdict", "reason", "witness"),
    ),
)

_MATRIX_KINDS = (
    Kind(
        "matrix_gradient", "The gradient of a scalar function of vectors and matrices, in matrix notation.",
        (Field("expr", "text", True, "the function, like norm(W x - y)^2, x^T A x, tr(A X), log det(X)"),
         Field("wrt", "text", True, "a declared vector or matrix to differentiate by"),
         Field("vectors", "shapes", False, "the column vectors and their lengths, like {x: 2, y: n}"),
         Field("matrices", "shapes", False, "the matrices and their shapes, like {W: [2, 2]}"),
         Field("symmetric", "texts", False, "matrices known to be symmetric, like [A]: Aᵀ = A, so "
               "∂(xᵀAx)/∂x = 2Ax"),
         Field("at", "arrays", False, "values for every vector and matrix of expr"),
         Field("let", "definitions", False, "names for pieces of the answer, like {y: W x}: 2WᵀWx is also "
               "written 2Wᵀy")),
        "{gradient: an expression in matrix notation, value: numbers in the shape of wrt (with at)}",
        _example("""
  - id: matrix-gradient-example
    kind: matrix_gradient
    expr: "norm(W x - y)^2"
    wrt: x
    vectors: {x: 2, y: 2}
    matrices: {W: [2, 2]}
    at: {W: [[1, 2], [3, 4]], x: [3, 4], y: [0, 0]}
    expected:
      gradient: "2 W^T (W x - y)"
      value: [172, 244]
"""),
        answer_form="map", answer_keys=("gradient", "value"),
    ),
    Kind(
        "layer_gradients", "Backpropagation through one dense layer z = Wa + b, â = σ(z), in matrix form: "
        "δ = ∂L/∂z, then ∂L/∂W = δaᵀ, ∂L/∂b = δ, ∂L/∂a = Wᵀδ.",
        (Field("activation", "choice", False, "the activation", default="sigmoid",
               choices=("sigmoid", "tanh", "relu", "softplus", "linear")),
         Field("inputs", "text", False, "the length n of the input a (a number or a name)", default="n"),
         Field("outputs", "text", False, "the length m of z, b and y (a number or a name)", default="m"),
         Field("loss", "choice", False, "squared_error: L = ‖â − y‖²; upstream: the gradient g = ∂L/∂â "
               "arrives from the layers above", default="squared_error", choices=("squared_error", "upstream")),
         Field("at", "arrays", False, "numbers for W, a, b and y (or g)")),
        "{delta, W, b, a: expressions in matrix notation (δ may be used), values: numbers with at}",
        _example("""
  - id: layer-gradients-example
    kind: layer_gradients
    activation: sigmoid
    inputs: 3
    outputs: 2
    expected:
      W: "δ a^T"
      b: "δ"
      a: "W^T δ"
"""),
        answer_form="map", answer_keys=("delta", "W", "b", "a", "values"),
    ),
    Kind(
        "matrix_convexity", "Is a function of vectors and matrices convex, concave, affine or neither in the "
        "variables? Composition rules read in matrix notation, for every size and all data.",
        (Field("expr", "text", True, "the function, like norm(X w - y)^2/n or sum(softplus(-(y ⊙ (X w))))"),
         Field("vars", "texts", True, "the declared vectors or matrices that are the variables, like [w]; "
               "the others are constants (data)"),
         Field("vectors", "shapes", False, "the column vectors and their lengths, like {w: d, y: n}"),
         Field("matrices", "shapes", False, "the matrices and their shapes, like {X: [n, d]}"),
         Field("symmetric", "texts", False, "matrices known to be symmetric, like [S]"),
         Field("at", "arrays", False, "values for the constants, used when the composition rules do not "
               "decide: the function is then analysed entry by entry at these values")),
        "{verdict: convex/concave/affine/neither/unknown, reason: text, witness: for neither}",
        _example("""
  - id: least-squares-is-convex
    kind: matrix_convexity
    expr: "norm(X w - y)^2 / n"
    vars: [w]
    vectors: {w: d, y: n}
    matrices: {X: [n, d]}
    expected: {verdict: convex}
"""),
        answer_form="map", answer_keys=("verdict", "reason", "witness"),
    ),
)

_KIND_LIST = _KIND_LIST + _MATRIX_KINDS
KINDS: dict[str, Kind] = {k.name: k for k in _KIND_LIST}


def get_kind(name: str) -> Kind | None:
    """The Kind called ``name``, or None."""
    return KINDS.get(name)


def kind_names() -> tuple:
    """All kind names, in the contract's order."""
    return tuple(KINDS)


def describe(kind: Kind) -> str:
    """A plain-text description of a kind: fields, answer and example (for `calcai kinds KIND`)."""
    lines = [f"{kind.name}: {kind.description}", "", "fields:"]
    for f in kind.fields:
        flag = "required" if f.required else "optional"
        if f.default is not None:
            flag += f", default {f.default}"
        lines.append(f"  {f.name} ({flag}): {f.what}" + (f" — {f.description}" if f.description else ""))
    if kind.one_of:
        lines.append("  give exactly one of: " + " | ".join(" + ".join(g) for g in kind.one_of))
    if any(f.type in ("expr", "exprs", "equations", "substitutions") for f in kind.fields):
        lines += ["", "expressions may use the functions that `calcai kinds` lists"]
    lines += ["", f"answer: {kind.answer}", "", "example:", kind.example.rstrip("\n")]
    lines += ["", "every kind also takes params (a: {int: [2, 9]}, n: {choice: [2, 3]}, c: {decimal: "
              "[0.1, 0.9, 1]}) and where ([\"a != n\"]): any scalar may then use {a}; `calcai generate` "
              "writes variants (solve and check use the first values: int lo, the first choice, decimal lo)"]
    return "\n".join(lines)
