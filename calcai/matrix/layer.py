"""One dense layer z = Wa + b, â = f(z) and its loss, in matrix notation: the names and
expressions that the layer_gradients solver and the answer checks share."""

from __future__ import annotations

import sympy as sp

from .parse import declare, parse_matrix

_ACTIVATION_TEXT = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "softplus": "softplus", "linear": None}


def layer_symbols(fields) -> dict:
    """The names of a layer_gradients problem: W (m×n), a (n), b (m), the target y or the
    upstream gradient g (m), z = Wa + b (m) and δ = ∂L/∂z (m)."""
    m, n = fields.get("outputs") or "m", fields.get("inputs") or "n"
    other = "g" if fields.get("loss") == "upstream" else "y"
    symbols = declare({"a": n, "b": m, other: m, "z": m}, {"W": [m, n]})
    symbols["δ"] = sp.MatrixSymbol("δ", symbols["b"].shape[0], 1)
    return symbols


def layer_setup(fields):
    """(symbols, L as a function of z, z = Wa + b, the activation's output â(z))."""
    symbols = layer_symbols(fields)
    act = _ACTIVATION_TEXT[fields.get("activation") or "sigmoid"]
    out = f"{act}(z)" if act else "z"
    loss = f"g^T {out}" if fields.get("loss") == "upstream" else f"norm({out} - y)^2"
    return symbols, parse_matrix(loss, symbols=symbols), parse_matrix("W a + b", symbols=symbols), \
        parse_matrix(out, symbols=symbols)


def layer_expand(e, symbols, delta, z_of):
    """``e`` with δ and z written out in W, a, b (for checks)."""
    return e.xreplace({symbols["δ"]: delta}).xreplace({symbols["z"]: z_of})


def layer_values(fields, symbols) -> dict:
    """The ``at`` values as matrices of the right shapes: {MatrixSymbol: ImmutableMatrix}.
    Raises FieldError naming the field at fault."""
    from .setup import FieldError, as_matrix

    needed = ["W", "a", "b", "g" if fields.get("loss") == "upstream" else "y"]
    values = {}
    for name, value in (fields.get("at") or {}).items():
        if name not in needed:
            raise FieldError("at", f"'at' gives '{name}'; a layer takes {', '.join(needed)}")
        values[symbols[name]] = as_matrix(symbols[name], value, name)
    missing = [n for n in needed if symbols[n] not in values]
    if values and missing:
        raise FieldError("at", f"field 'at' has no value for {', '.join(missing)}")
    return values


def check_layer(fields) -> None:
    """Raise FieldError for sizes that are not whole numbers ≥ 2 or names, and for bad ``at``."""
    from ..errors import ParseError
    from .setup import FieldError

    for key in ("inputs", "outputs"):
        text = str(fields.get(key) or "")
        if text.strip() == "1" and key == "outputs":
            raise FieldError(key, "field 'outputs' must be at least 2: a layer with one unit is a scalar "
                             "chain (the backprop kind)")
    try:
        symbols = layer_symbols(fields)
    except ParseError as err:
        key = "inputs" if "length of a" in err.message else "outputs"
        raise FieldError(key, f"field '{key}': {err.message}") from None
    layer_values(fields, symbols)
