"""Limits that keep untrusted input from hanging or exhausting calcai.

Each limit is checked before the work it protects. Raise one with
``calcai.limits.configure(max_order=50)`` or on the command line with
``--limit max_order=50``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    max_expression_chars: int = 2_000     # length of one expression string
    max_expression_nodes: int = 2_000     # size of a parsed expression tree
    max_nesting: int = 50                 # depth of brackets / operators
    max_integer_digits: int = 100         # digits of an integer literal
    max_decimal_exponent: int = 100       # |n| in 1e±n
    max_power_digits: int = 1_000         # digits of a number raised to a number
    max_exponent: int = 1_000             # |n| of an integer exponent on a symbolic base
    max_order: int = 20                   # derivative order
    max_series_order: int = 40            # Taylor order
    max_series_terms: int = 20_000        # terms of a Taylor polynomial (C(variables + order, order))
    max_variables: int = 100              # variables in one problem
    max_iterations: int = 100_000         # iterations of a numeric method
    max_samples: int = 1_000_000          # Monte Carlo samples
    max_output_chars: int = 200_000       # printed size of one result
    timeout: float = 10.0                 # seconds per problem (worker process)
    memory_mb: int = 2_048                # memory per worker process


_current = Limits()


def current() -> Limits:
    """The limits in force."""
    return _current


def configure(**changes) -> Limits:
    """Replace some limits (names as in ``Limits``) and return the new set."""
    global _current
    known = {f.name: f.type for f in fields(Limits)}
    for name in changes:
        if name not in known:
            raise ValueError(f"unknown limit {name!r}; known limits: {', '.join(known)}")
    _current = replace(_current, **changes)
    return _current


def reset() -> None:
    """Restore the documented defaults."""
    global _current
    _current = Limits()
