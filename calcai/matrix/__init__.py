"""Matrix calculus: expressions in declared vectors and matrices, their gradients in matrix
notation with a named rule per step, and checks of every result against the scalarised
expression.

- ``calcai.matrix.parse``: a safe recursive-descent reader (``W x``, ``xᵀAx``, ``‖v‖²``,
  ``tr``, ``det``, ``log det``, ``inv``, ``σ(Wx + b)``, ``⊙``, ``sum``) producing sympy
  matrix expressions (MatrixSymbol, MatMul, Transpose, Trace, Determinant, Inverse…);
- ``calcai.matrix.rules``: one small frozen dataclass per rule;
- ``calcai.matrix.derive``: the gradient of a scalar expression by reverse accumulation of
  adjoints, built in textbook form;
- ``calcai.matrix.verify``: the gradient checked entry by entry against sympy ``diff`` of
  the scalarised expression at concrete sizes, and by finite differences.
"""
