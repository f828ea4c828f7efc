"""Exercises for a class: randomised variants (generate) and grading with the mistake named (grade)."""
