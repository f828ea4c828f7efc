"""Exercises for a class: randomised variants (``calcai generate``) and grading with the mistake
named (``calcai grade``).

- ``calcai.exercises.params``: ``params`` / ``where`` / ``{name}`` in problem files;
- ``calcai.exercises.generate``: variants, solved, with their ``expected`` filled in, as a
  problem file, a worksheet or an answer key;
- ``calcai.exercises.mistakes``: buggy rules — one mistake at one node of a derivation's rule tree;
- ``calcai.exercises.grade``: a student's answer against the computed one, the mistake named;
- ``calcai.exercises.grade_command``: ``calcai grade`` on an answers file.

Imported lazily: the problem loader imports ``params`` only for files that use parameters.
"""

_EXPORTS = {"generate": "generate", "Variant": "generate", "GenerateError": "generate",
            "write_problem_file": "generate", "worksheet": "generate", "answer_key": "generate"}


def __getattr__(name):
    import importlib

    if name not in _EXPORTS:
        raise AttributeError(f"module 'calcai.exercises' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


__all__ = sorted(_EXPORTS)
