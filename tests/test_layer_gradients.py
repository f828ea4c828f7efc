"""Backpropagation through a dense layer in matrix form (the layer_gradients kind): δ, δaᵀ, δ,
Wᵀδ; numbers cross-checked against the numeric backprop kind; answers that parse back."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from calcai.matrix.layer import layer_symbols
from calcai.matrix.parse import parse_matrix
from calcai.matrix.verify import equal_expressions
from calcai.problems import load_problem, loads
from calcai.render import render
from calcai.solvers import solve


def _layer(**fields):
    return solve(load_problem({"id": "layer", "kind": "layer_gradients", **fields}))


def test_symbolic_layer_golden():
    s = _layer(activation="sigmoid")
    text = str(s)
    assert "\n".join(text.splitlines()[:31]) == """\
Backpropagation through a dense layer, in matrix form
=====================================================

Forward pass
------------
Shapes: W ∈ ℝ^(m×n), a ∈ ℝ^n, b ∈ ℝ^m, z ∈ ℝ^m, y ∈ ℝ^m.
z = Wa + b
â = σ(z)
L = ‖σ(z) − y‖² = (σ(z) − y)ᵀ(σ(z) − y)

δ = ∂L/∂z, through the activation
---------------------------------
squared norm: ∂‖v‖²/∂v = 2v
∂L/∂(σ(z) − y) = 2(σ(z) − y)
sum rule: ∂(A + B) → G to A and to B
∂L/∂(σ(z)) = 2(σ(z) − y)
chain rule (elementwise): y = f(z) ⇒ ∂L/∂z = diag(f′(z)) G
∂L/∂z = 2·diag(σ′(z))(σ(z) − y)
δ = 2·diag(σ′(z))(σ(z) − y)
diag(u)·v = v ⊙ u: the same, entry by entry:
δ = 2((σ(z) − y) ⊙ σ′(z))

Gradients of the parameters and the input
-----------------------------------------
z = Wa + b is linear in W, b and a; δ arrives at z:
∂L/∂(Wa + b) = δ
linear map: Y = AXB ⇒ ∂L/∂X = Aᵀ G Bᵀ
∂L/∂W = δaᵀ
sum rule: ∂(A + B) → G to A and to B
∂L/∂b = δ
linear map: Y = AXB ⇒ ∂L/∂X = Aᵀ G Bᵀ"""
    assert "checked entry by entry against sympy's derivative of the scalarised L(W, a, b)" in text


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "softplus", "linear"])
def test_numbers_agree_with_the_backprop_kind(activation):
    rng = random.Random(activation)
    m, n = 2, 3
    W = [[round(rng.uniform(-1, 1), 2) for _ in range(n)] for _ in range(m)]
    a = [round(rng.uniform(-1, 1), 2) for _ in range(n)]
    b = [round(rng.uniform(-0.5, 0.5), 2) for _ in range(m)]
    y = [round(rng.uniform(0, 1), 2) for _ in range(m)]
    layer = _layer(activation=activation, inputs=n, outputs=m, at={"W": W, "a": a, "b": b, "y": y})
    net = solve(load_problem({"id": "net", "kind": "backprop", "loss": "squared_error", "learning_rate": 0.1,
                              "layers": [{"weights": W, "bias": b, "activation": activation}],
                              "input": a, "target": y}))
    values = layer.answer["values"]
    assert float(values["loss"]) == pytest.approx(float(net.answer["loss"]), abs=1e-12)
    for got_row, want_row in zip(values["W"], net.answer["gradients"]["W1"]):
        assert [float(v) for v in got_row] == pytest.approx([float(v) for v in want_row], abs=1e-12)
    assert [float(v) for v in values["b"]] == pytest.approx([float(v) for v in net.answer["gradients"]["b1"]],
                                                             abs=1e-12)
    # ∂L/∂a = Wᵀδ against central differences of the loss in a
    def loss(av):
        import math

        f = {"sigmoid": lambda t: 1 / (1 + math.exp(-t)), "tanh": math.tanh, "relu": lambda t: max(t, 0.0),
             "softplus": lambda t: math.log1p(math.exp(t)), "linear": lambda t: t}[activation]
        z = [sum(W[i][j] * av[j] for j in range(n)) + b[i] for i in range(m)]
        return sum((f(zi) - yi) ** 2 for zi, yi in zip(z, y))

    for j in range(n):
        up, dn = list(a), list(a)
        up[j] += 1e-6
        dn[j] -= 1e-6
        assert float(values["a"][j]) == pytest.approx((loss(up) - loss(dn)) / 2e-6, abs=1e-6)


def test_json_answers_parse_back():
    s = _layer(activation="tanh", loss="upstream", inputs=3, outputs=2)
    data = json.loads(render(s, "json"))["answer"]
    assert data == {"delta": "diag(tanh′(z)) g", "W": "δ a^T", "b": "δ", "a": "W^T δ"}
    symbols = layer_symbols({"inputs": 3, "outputs": 2, "loss": "upstream"})
    for key in ("delta", "W", "b", "a"):
        assert equal_expressions(parse_matrix(data[key], symbols=symbols), s.answer[key], symbols.values())


def test_expected_answers_are_compared_entry_by_entry():
    text = """
problems:
  - id: right
    kind: layer_gradients
    expected: {delta: "2 (σ(z) - y) ⊙ σ'(z)", W: "delta a^T", a: "W^T δ"}
  - id: transposed
    kind: layer_gradients
    inputs: 2
    outputs: 2
    expected: {W: "a δ^T"}
"""
    right, transposed = (solve(p) for p in loads(text, "l.yaml"))
    assert right.check.status == "pass"
    assert transposed.check.status == "fail"
    assert transposed.check.items[0].message == "not equal entry by entry at concrete sizes"


def test_bad_layers_get_one_line_each(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""problems:
  - id: a
    kind: layer_gradients
    outputs: 1
  - id: c
    kind: layer_gradients
    inputs: 2
    outputs: 2
    at: {W: [[1, 2]], a: [1, 2], b: [0, 0], y: [1, 0]}
  - id: d
    kind: layer_gradients
    expected: {W: "W δ"}
""")
    out = subprocess.run([sys.executable, "-m", "calcai", "check", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert lines == [
        f"{bad}:4:14: problem a: field 'outputs' must be at least 2: a layer with one unit is a scalar chain "
        "(the backprop kind)",
        f"{bad}:9:9: problem c: 'at' gives W as 1×2; W needs 2 rows of 2 numbers",
        f"{bad}:12:22: problem d: field 'expected.W' is not a valid matrix expression: cannot multiply a m×n by "
        "a m×1: the inner sizes differ",
    ]
