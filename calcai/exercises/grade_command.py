"""``calcai grade ANSWERS.yaml --problems FILE…``: the command layer of grading.

The answers file is untrusted input, read like problem files (calcai.yamlsafe: no tags, no
anchors, limits; every error as ``file:line:col: message``)::

    student: "A. Student"          # optional
    answers:
      - problem: chain-1           # an id in the problem files given with --problems
        answer: "6x(x^2 + 1)^2"    # text, a number, a list/matrix, or a mapping {x: …}

Each answer is graded in a worker process under the usual time and memory budgets
(calcai.runner). Exit codes: 0 every answer right (correct or correct_unsimplified), 1 some
answer incorrect or unreadable, 2 bad input (the answers file, a problem file, an unknown
problem id, a problem whose own ``expected`` disagrees with its computed answer), 3 a limit
or the time budget.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass

from ..errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_LIMIT, EXIT_OK, CalcaiError

__all__ = ["run", "load_answers", "AnswersFileError", "Answer"]

ANSWER_KEYS = ("problem", "answer")
TOP_KEYS = ("student", "answers")
MAX_ANSWERS_BYTES = 1_000_000


@dataclass(frozen=True)
class Answer:
    """One answer of the file: the problem id, the answer as plain data (text, lists,
    mappings of text), and where it was written."""

    problem: str
    value: object
    line: int
    col: int


class AnswersFileError(CalcaiError):
    """Every error found in an answers file, one ``file:line:col: message`` per line."""

    def __init__(self, errors: list, limit: bool = False):
        super().__init__("\n".join(errors))
        self.errors = list(errors)
        self.limit = limit

    @property
    def exit_code(self) -> int:
        return EXIT_LIMIT if self.limit else EXIT_BAD_INPUT


def _suggest(word: str, options) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _plain(node):
    from ..yamlsafe import YMap, YSeq

    if isinstance(node, YMap):
        return {k.text: _plain(v) for k, v in node.items}
    if isinstance(node, YSeq):
        return [_plain(v) for v in node.items]
    return node.text


def load_answers(path: str, known_ids=None) -> tuple:
    """(student or None, [Answer]) from an answers file; raises AnswersFileError. With
    ``known_ids``, an id not among them is an error with a did-you-mean."""
    from ..yamlsafe import YamlError, YMap, YScalar, YSeq, load_yaml

    def err(node, message):
        errors.append(f"{path}:{node.mark.line}:{node.mark.col}: {message}")

    errors: list = []
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_ANSWERS_BYTES + 1)
    except OSError as e:
        raise AnswersFileError([f"{path}: cannot read the file: {e.strerror or e}"]) from None
    if len(data) > MAX_ANSWERS_BYTES:
        raise AnswersFileError([f"{path}:1:1: file is more than the limit of {MAX_ANSWERS_BYTES} bytes"], True)
    try:
        root = load_yaml(data, max_bytes=MAX_ANSWERS_BYTES)
    except YamlError as e:
        raise AnswersFileError([f"{path}:{e}"], e.limit) from None
    if not isinstance(root, YMap):
        raise AnswersFileError([f"{path}:{root.mark.line}:{root.mark.col}: an answers file is a mapping with "
                                "'answers' (a list of {problem, answer}) and optionally 'student'"])
    for key, _ in root.items:
        if key.text not in TOP_KEYS:
            err(key, f"unknown field '{key.text}'" + _suggest(key.text, TOP_KEYS) + " (fields: student, answers)")
    student = root.get("student")
    if student is not None and not isinstance(student, YScalar):
        err(student, "field 'student' must be a name (text)")
    items = root.get("answers")
    answers = []
    if items is None:
        errors.append(f"{path}:{root.mark.line}:{root.mark.col}: field 'answers' is missing")
    elif not isinstance(items, YSeq):
        err(items, "field 'answers' must be a list of {problem: ID, answer: …}")
    else:
        if not items.items:
            err(items, "field 'answers' is empty")
        for i, item in enumerate(items.items):
            label = f"answers[{i}]"
            if not isinstance(item, YMap):
                err(item, f"{label} must be a mapping {{problem: ID, answer: …}}")
                continue
            for key, _ in item.items:
                if key.text not in ANSWER_KEYS:
                    err(key, f"{label}: unknown field '{key.text}'" + _suggest(key.text, ANSWER_KEYS)
                        + " (fields: problem, answer)")
            pid, value = item.get("problem"), item.get("answer")
            if pid is None:
                err(item, f"{label}: field 'problem' is missing (the id of a problem)")
            elif not isinstance(pid, YScalar) or not pid.text.strip():
                err(pid, f"{label}: field 'problem' must be a problem id")
                pid = None
            elif known_ids is not None and pid.text not in known_ids:
                err(pid, f"{label}: no problem '{pid.text}' in the problem files" + _suggest(pid.text, known_ids))
            if value is None:
                err(item, f"{label}: field 'answer' is missing")
            if pid is not None and value is not None:
                answers.append(Answer(pid.text, _plain(value), value.mark.line, value.mark.col))
    if errors:
        raise AnswersFileError(errors)
    return (student.text if isinstance(student, YScalar) else None), answers


def _grade_task(task):
    from .grade import grade

    problem, value = task
    return grade(value, problem)


def run(args) -> int:
    from .. import limits
    from ..commands import _exit_code_of, _failure_message, _format, _in_worker, _one_line
    from ..problems import load_many
    from ..runner import run_batch

    problems, errors = load_many(args.problems)
    if errors:
        for e in errors:
            sys.stderr.write(f"{_one_line(str(e))}\n")
        return EXIT_LIMIT if all(e.limit for e in errors) else EXIT_BAD_INPUT
    by_id = {p.id: p for p in problems}
    try:
        student, answers = load_answers(args.answers, by_id)
    except AnswersFileError as e:
        for line in e.errors:
            sys.stderr.write(f"calcai: error: {_one_line(line)}\n")
        return e.exit_code
    fmt = _format(args)
    if fmt == "rich":
        fmt = "text"
    if fmt not in ("text", "markdown", "json"):
        raise CalcaiError(f"calcai grade writes text, markdown or json, not {fmt}")
    from .. import solvers

    solvers.load_kinds(dict.fromkeys(by_id[a.problem].kind for a in answers))
    import calcai.check  # noqa: F401 - loaded before the workers fork
    import calcai.exercises.grade  # noqa: F401
    import calcai.render.text  # noqa: F401

    lim = limits.current()
    tasks = [(by_id[a.problem], a.value) for a in answers]
    code, grades, reported = EXIT_OK, [], set()
    for answer, outcome in zip(answers, run_batch(_grade_task, tasks, timeout=lim.timeout,
                                                  memory_mb=lim.memory_mb, jobs=getattr(args, "jobs", None),
                                                  init=_in_worker)):
        where = f"{args.answers}:{answer.line}:{answer.col}: problem {answer.problem}"
        if not outcome.ok:
            sys.stderr.write(f"{_one_line(where)}: cannot grade: {_failure_message(outcome, args.debug)}\n")
            code = max(code, _exit_code_of(outcome))
            continue
        g = outcome.value
        if g.problem_error and g.problem not in reported:
            reported.add(g.problem)
            sys.stderr.write(f"calcai: error: {_one_line(g.problem_error)}\n")
            code = max(code, EXIT_BAD_INPUT)
        grades.append(g)
        if not g.right:
            code = max(code, EXIT_CHECK_FAILED)
    from ..render.grading import grades_json, grades_markdown, grades_text

    if fmt == "json":
        sys.stdout.write(grades_json(grades) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(grades_markdown(grades, student))
    else:
        sys.stdout.write(grades_text(grades, student))
    return code
