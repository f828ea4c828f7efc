"""A matrix_gradient problem's fields made ready: declarations, the parsed expression, the
variable, the values of ``at`` as matrices. Raised errors name the field at fault."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..errors import ParseError
from .parse import SymmetricMatrix, declare, parse_matrix


class FieldError(ValueError):
    """A field of a matrix problem that does not fit: ``field`` names it."""

    def __init__(self, field: str, message: str, position: int | None = None):
        super().__init__(message)
        self.field, self.message, self.position = field, message, position


@dataclass(frozen=True)
class MatrixSetup:
    symbols: dict          # name -> MatrixSymbol
    expr: object
    wrt: object            # the variable (matrix_gradient) or a tuple of them (matrix_convexity)
    at: dict               # MatrixSymbol -> ImmutableMatrix (empty without `at`)
    let: dict = None       # MatrixSymbol (a new name) -> the expression it names


def as_matrix(symbol, value, name: str):
    """A value given for ``symbol`` (a number, a list or a list of rows) as an ImmutableMatrix
    of its shape."""
    r, c = symbol.shape
    if not (r.is_Integer and c.is_Integer):
        raise FieldError("at", f"'at' gives {name}, whose size is symbolic ({r}×{c}); give numbers as sizes")
    if isinstance(value, list) and value and isinstance(value[0], list):
        rows = [list(row) for row in value]
    elif isinstance(value, list):
        rows = [[v] for v in value] if c == 1 else [list(value)]
    else:
        rows = [[value]]
    m = sp.ImmutableMatrix(rows)
    if m.shape != (int(r), int(c)):
        want = f"{r} numbers" if c == 1 else f"{r} rows of {c} numbers"
        raise FieldError("at", f"'at' gives {name} as {m.shape[0]}×{m.shape[1]}; {name} needs {want}")
    return m


def prepare(fields: dict) -> MatrixSetup:
    try:
        symbols = declare(fields.get("vectors"), fields.get("matrices"), fields.get("symmetric"))
    except ParseError as err:
        field = "symmetric" if err.message.startswith("symmetric") else "vectors" if fields.get("vectors") else "matrices"
        raise FieldError(field, err.message) from None
    try:
        expr = parse_matrix(fields["expr"], symbols=symbols)
    except ParseError as err:
        raise FieldError("expr", f"field 'expr' is not a valid matrix expression: {err.message}",
                         err.position) from None
    if isinstance(expr, sp.MatrixExpr) and expr.shape != (1, 1):
        what = "a gradient" if "wrt" in fields else "convexity"
        raise FieldError("expr", f"field 'expr' is a {expr.shape[0]}×{expr.shape[1]} matrix; {what} "
                         "needs a scalar (use sum(…), tr(…) or a squared norm)")
    if "wrt" in fields:
        wrt = symbols.get(fields["wrt"])
        if wrt is None:
            raise FieldError("wrt", f"field 'wrt' must be a declared vector or matrix ({', '.join(symbols)}), "
                             f"not '{fields['wrt']}'")
        if isinstance(wrt, SymmetricMatrix):
            raise FieldError("wrt", f"field 'wrt': {wrt.name} is declared symmetric, and a gradient with respect "
                             "to a symmetric matrix depends on a convention; drop it from 'symmetric'")
    else:                                   # matrix_convexity: the variables
        wrt = tuple(symbols.get(name) for name in fields["vars"])
        unknown = [name for name, v in zip(fields["vars"], wrt) if v is None]
        if unknown:
            raise FieldError("vars", f"field 'vars' must list declared vectors or matrices ({', '.join(symbols)}), "
                             f"not '{unknown[0]}'")
    at = {}
    if fields.get("at"):
        for name, value in fields["at"].items():
            if name not in symbols:
                raise FieldError("at", f"'at' gives '{name}', which is not declared")
            at[symbols[name]] = as_matrix(symbols[name], value, name)
            if isinstance(symbols[name], SymmetricMatrix) and at[symbols[name]] != at[symbols[name]].T:
                raise FieldError("at", f"'at' gives {name}, declared symmetric, with {name} ≠ {name}ᵀ")
        needed = {m for m in expr.atoms(sp.MatrixSymbol)}
        if "wrt" not in fields:             # convexity: values for the constants only
            needed -= set(wrt)
            given_vars = sorted(m.name for m in at if m in wrt)
            if given_vars:
                raise FieldError("at", f"field 'at' gives {', '.join(given_vars)}, a variable; "
                                 "'at' gives the constants")
        missing = sorted(m.name for m in needed if m not in at)
        if missing:
            raise FieldError("at", f"field 'at' has no value for {', '.join(missing)}")
    let = {}
    for name, text in (fields.get("let") or {}).items():
        if name in symbols:
            raise FieldError("let", f"field 'let' names '{name}', which is already declared")
        try:
            value = parse_matrix(text, symbols=symbols)
        except ParseError as err:
            raise FieldError("let", f"field 'let.{name}' is not a valid matrix expression: {err.message}") from None
        if not isinstance(value, sp.MatrixExpr):
            raise FieldError("let", f"field 'let.{name}' must be a vector or matrix expression")
        let[sp.MatrixSymbol(name, *value.shape)] = value
    return MatrixSetup(symbols, expr, wrt, at, let)
