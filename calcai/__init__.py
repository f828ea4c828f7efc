"""calcai: a symbolic calculus engine that explains every step.

The public API is imported lazily, so ``calcai --help`` starts without loading sympy.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "parse": "parser", "parse_equation": "parser",
    "ParseError": "errors", "CalcaiError": "errors", "LimitError": "errors", "MathError": "errors",
    "sigmoid": "functions", "relu": "functions", "leaky_relu": "functions", "softplus": "functions",
    "derive": "api", "Derivation": "differentiation",
    "partial": "api", "gradient": "api", "hessian": "api",
    "jacobian": "api", "directional_derivative": "api",
    "total_derivative": "api",
    "taylor": "api", "critical_points": "api", "lagrange": "api",
    "integrate": "api",
    "load": "problems", "solve": "solvers", "Problem": "problems", "Solution": "solution", "Solutions": "solution",
    "grade": "exercises.grade", "Grade": "exercises.grade",
    "generate": "exercises.generate",
    "limits": None,
}


def __getattr__(name):
    import importlib

    if name not in _EXPORTS:
        raise AttributeError(f"module 'calcai' has no attribute {name!r}")
    module = _EXPORTS[name]
    if module is None:
        return importlib.import_module(f"calcai.{name}")
    value = getattr(importlib.import_module(f"calcai.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
