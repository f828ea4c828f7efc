"""``calcai generate``: variants of parameterised problems, solved, as a problem file,
a worksheet or an answer key.

For each problem with ``params`` (see calcai.exercises.params) ``count`` variants are drawn
— ids ``ID-1 … ID-count`` — each validated like any problem, solved, and written with its
``expected`` filled from the computed answer (in the shape of the template's ``expected``
when it has one, else the whole answer) and the values drawn in ``params_used``. Problems
without ``params`` are copied once, unchanged.

Reproducible: the draws of a problem come from ``random.Random`` seeded with a SHA-256 of
the seed and the problem's id, so the same files and seed give a byte-identical output, in
any process. A variant that fails to validate or to solve is redrawn (at most
``MAX_REDRAWS`` times), then reported.

Numbers in ``expected`` are exact when rational (``0.25``, ``"1/3"``), else decimals with
17 significant digits; expressions are calcai text (``"6*x*(x^2 + 1)^2"``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EXIT_LIMIT, EXIT_OK, CalcaiError, LimitError, ParseError
from ..problems import ProblemError, ProblemFileError, _Builder, _load_text, _split_lines, _yaml_files, loads
from ..solution import Equation, Section, Text, Walkthrough
from ..yamlsafe import Mark, YMap, YScalar, YSeq, load_yaml
from .params import TEMPLATE_KEYS, ParamError, read_template

__all__ = ["generate", "Exercises", "Variant", "GenerateError", "write_problem_file", "worksheet", "answer_key",
           "answer_data", "MAX_REDRAWS"]

MAX_REDRAWS = 10          # attempts per variant when a draw does not validate or solve
MAX_COUNT = 1000
_NOWHERE = Mark(0, 0)


class GenerateError(ProblemFileError):
    """Templates that could not give their variants; ``errors`` holds every reason."""


class LimitFailure(str):
    """A draw that failed by a limit or the time budget: the template, not the draw, is at
    fault, so it is not drawn again (and the command exits 3)."""


# ---------------------------------------------------------------- answers as expected values

class Plain(str):
    """A scalar written without quotes (a number)."""


class ExprText(str):
    """An expression (or a number) as calcai text, written in quotes."""


def _number_data(value):
    import sympy as sp

    if value.is_Integer:
        return Plain(str(int(value)))
    if value.is_Rational:
        text = _terminating(int(value.p), int(value.q))
        return Plain(text) if text is not None else ExprText(f"{value.p}/{value.q}")
    if value in (sp.oo, -sp.oo):
        return ExprText("oo" if value > 0 else "-oo")
    n = sp.N(value, 17)
    if n.is_Float or n.is_Rational:
        return Plain(_float_text(float(n)))
    from ..render.jsonout import expr_text

    return ExprText(expr_text(value))


def _terminating(p: int, q: int) -> str | None:
    twos = fives = 0
    r = q
    while r % 2 == 0:
        r, twos = r // 2, twos + 1
    while r % 5 == 0:
        r, fives = r // 5, fives + 1
    digits = max(twos, fives)
    if r != 1 or digits > 30:
        return None
    whole, frac = divmod(abs(p) * 10 ** digits // q, 10 ** digits)
    return ("-" if p < 0 else "") + str(whole) + (f".{frac:0{digits}d}".rstrip("0") if digits else "")


def _float_text(f: float) -> str:
    text = repr(f)
    if "e" in text or "E" in text:
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def answer_data(value):
    """A computed answer as plain data for ``expected``: dicts, lists, ``Plain`` numbers and
    strings (expressions as calcai text, text answers as they are)."""
    import sympy as sp

    from ..render.jsonout import expr_text

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return Plain(str(value))
    if isinstance(value, float):
        return Plain(_float_text(value)) if math.isfinite(value) else ExprText(
            "nan" if value != value else "oo" if value > 0 else "-oo")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {(k.name if isinstance(k, sp.Symbol) else str(k)): answer_data(v) for k, v in value.items()}
    if isinstance(value, sp.MatrixBase) and not isinstance(value, sp.MatrixExpr):
        return [[answer_data(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
    if isinstance(value, (list, tuple, sp.Tuple)):
        return [answer_data(v) for v in value]
    if isinstance(value, sp.Basic):
        if getattr(value, "is_number", False) and not value.free_symbols:
            return _number_data(value)
        return ExprText(expr_text(value))
    return str(value)


def checkable(data, key=None):
    """``data`` without what ``expected`` cannot hold: empty values and free text (a
    convexity verdict's reason); text answers (definiteness, type, verdict, 'not
    differentiable') stay. None when nothing is left."""
    from ..problems import TEXT_ANSWERS, expects_not_differentiable

    if isinstance(data, dict):
        out = {k: checkable(v, k) for k, v in data.items()}
        out = {k: v for k, v in out.items() if v is not None}
        return out or None
    if isinstance(data, list):
        out = [checkable(v, key) for v in data]
        return None if not out or any(v is None for v in out) else out
    if data is None or isinstance(data, (Plain, ExprText)):
        return data
    if key in TEXT_ANSWERS or expects_not_differentiable(data):
        return data
    return None


def shaped(template, data):
    """``data`` cut to the shape of the template's ``expected`` node (its keys, recursively)."""
    if template is None:
        return data
    if isinstance(template, YMap) and isinstance(data, dict):
        out = {}
        for key, sub in template.items:
            if key.text in data:
                out[key.text] = shaped(sub, data[key.text])
        return out or data
    if isinstance(template, YSeq) and isinstance(data, list) and len(template.items) == len(data):
        return [shaped(t, d) for t, d in zip(template.items, data)]
    return data


def to_node(data):
    """Plain data (from ``answer_data``) as YAML nodes."""
    if isinstance(data, dict):
        return YMap(tuple((YScalar(k, False, _NOWHERE), to_node(v)) for k, v in data.items()), _NOWHERE)
    if isinstance(data, list):
        return YSeq(tuple(to_node(v) for v in data), _NOWHERE)
    return YScalar(str(data), not isinstance(data, Plain), _NOWHERE)


# ---------------------------------------------------------------- writing YAML

_NUMBER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE]-?[0-9]+)?")
_WORD_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(node: YScalar) -> str:
    text = node.text
    if _NUMBER_TEXT.fullmatch(text) or (_WORD_TEXT.fullmatch(text) and text.lower() not in _YAML_WORDS
                                        and not (node.quoted and _looks_like_number_word(text))):
        return text
    return json.dumps(text, ensure_ascii=False)


def _looks_like_number_word(text: str) -> bool:
    return text.lower() in ("inf", "nan", "oo")


def _flow(node, limit: int = 100) -> str | None:
    """A small mapping or list of scalars on one line, or None."""
    if isinstance(node, YScalar):
        return _scalar(node)
    if isinstance(node, YSeq):
        parts = [_flow(item, limit) for item in node.items]
        if any(p is None for p in parts) or any(isinstance(i, YMap) for i in node.items):
            return None
        text = "[" + ", ".join(parts) + "]"
    else:
        parts = []
        for key, value in node.items:
            if not isinstance(value, YScalar):
                return None
            parts.append(f"{_scalar(key)}: {_scalar(value)}")
        text = "{" + ", ".join(parts) + "}"
    return text if len(text) <= limit else None


def _block(node, indent: int) -> list:
    pad = " " * indent
    lines = []
    if isinstance(node, YMap):
        for key, value in node.items:
            flow = _flow(value, max(40, 100 - indent - len(key.text)))
            if flow is not None:
                lines.append(f"{pad}{_scalar(key)}: {flow}")
            else:
                lines.append(f"{pad}{_scalar(key)}:")
                lines += _block(value, indent + 2)
        return lines
    for item in node.items:
        flow = _flow(item, max(40, 100 - indent))
        if flow is not None:
            lines.append(f"{pad}- {flow}")
            continue
        inner = _block(item, indent + 2)
        if isinstance(item, YMap):
            inner[0] = f"{pad}- {inner[0][indent + 2:]}"
            lines += inner
        else:
            lines.append(f"{pad}-")
            lines += inner
    return lines


def write_problem_file(nodes: list, title: str | None = None, header: str = "") -> str:
    """A problem file with ``nodes`` (problem mappings) under ``problems``."""
    lines = [f"# {line}" for line in header.splitlines()]
    if title:
        lines.append(f"title: {_scalar(YScalar(title, True, _NOWHERE))}")
    lines.append("problems:")
    for i, node in enumerate(nodes):
        if i:
            lines.append("")
        block = _block(node, 4)
        block[0] = "  - " + block[0][4:]
        lines += block
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- variants

@dataclass
class Variant:
    """One problem of the output: a variant of a template, or a problem copied as it is."""

    node: YMap                      # the problem as written (without expected for variants)
    problem: object = None          # the validated calcai.problems.Problem
    values: dict | None = None      # name -> params.Value (None: copied)
    template: object = None         # params.Template
    expected_shape: object = None   # the template's expected node
    answer: object = None           # plain data (answer_data), once solved
    key: str = ""                   # the worked solution, rendered
    source: str = ""
    index: int = 0
    attempts: int = 0
    failure: str = ""
    k: int = 0                      # the variant's number (its id is ID-k)
    rng: object = field(default=None, repr=False)
    seen: set = field(default_factory=set, repr=False)   # the values of its template's variants

    @property
    def is_copy(self) -> bool:
        return self.values is None

    def output_node(self) -> YMap:
        if self.is_copy or self.answer is None:
            return self.node
        items = [(k, v) for k, v in self.node.items if k.text != "expected"]
        data = checkable(shaped(self.expected_shape, self.answer))
        if data is not None:
            items.append((YScalar("expected", False, _NOWHERE), to_node(data)))
        return YMap(tuple(items), self.node.mark)


def _rng(seed, pid: str) -> random.Random:
    digest = hashlib.sha256(f"calcai-generate\0{seed}\0{pid}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _variant_node(template, values: dict, pid: str, k: int) -> YMap:
    node = template.instance(values)
    items = []
    for key, value in node.items:
        if key.text == "id":
            items.append((key, YScalar(f"{pid}-{k}", False, value.mark)))
        elif key.text == "params":
            items.append((YScalar("params_used", False, key.mark),
                          YMap(tuple((YScalar(name, False, _NOWHERE),
                                      YScalar(v.text, v.atom != "number" and not _NUMBER_TEXT.fullmatch(v.text),
                                              _NOWHERE))
                                     for name, v in values.items()), value.mark)))
        elif key.text in TEMPLATE_KEYS or key.text == "expected":
            continue
        else:
            items.append((key, value))
    return YMap(tuple(items), node.mark)


@dataclass
class _Source:
    path: str
    root: object
    lines: list
    title: str | None


def _read_sources(paths) -> tuple[list, list]:
    """Each file's YAML root (validated as a problem file first) and every error."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = []
    errors = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = _yaml_files(p)
            if not found:
                errors.append(ProblemError(str(p), 0, 0, "no .yaml or .yml files in this folder"))
            files += found
        else:
            files.append(p)
    sources = []
    for f in files:
        name = str(f)
        try:
            data = f.read_bytes()
        except OSError as err:
            errors.append(ProblemError(name, 0, 0, f"cannot read the file: {err.strerror or err}"))
            continue
        _, errs = _load_text(data, name)          # every problem valid (templates at their first values)
        if errs:
            errors += errs
            continue
        root = load_yaml(data)
        text = data.decode("utf-8", errors="replace")
        title = root.get("title")
        sources.append(_Source(name, root, _split_lines(text), title.text if isinstance(title, YScalar) else None))
    return sources, errors


def _plan(sources, count: int, seed) -> tuple[list, list]:
    """The variants (unsolved) of every template and the copies, in file order."""
    out, errors = [], []
    for source in sources:
        for index, node in enumerate(source.root.get("problems").items, 1):
            if "params" not in node:
                problem = _Builder(source.path, source.lines).problem(node, index, {})
                out.append(Variant(node=node, problem=problem, source=source.path, index=index))
                continue
            pid = node.get("id").text
            template = read_template(node)          # valid: the loader read it already
            rng, seen = _rng(seed, pid), set()
            for k in range(1, count + 1):
                out.append(Variant(node=node, values={}, template=template, expected_shape=node.get("expected"),
                                   source=source.path, index=index, k=k, rng=rng, seen=seen))
    return out, errors


def _draw(variant: Variant, lines) -> None:
    """Draw values for ``variant`` and build its problem; sets ``failure`` when the drawn
    problem is not valid."""
    template, seen, k = variant.template, variant.seen, variant.k
    pid = template.node.get("id").text
    values = None
    for _ in range(20):                             # prefer values no other variant has
        values = template.draw(variant.rng)
        key = tuple(v.text for v in values.values())
        if key not in seen:
            break
    seen.add(tuple(v.text for v in values.values()))
    variant.values = values
    variant.node = _variant_node(template, values, pid, k)
    builder = _Builder(variant.source, lines)
    try:
        variant.problem = builder.problem(variant.node, variant.index, {})
    except ParseError as err:
        variant.problem, builder.errors = None, [ProblemError(variant.source, 0, 0, str(err))]
    variant.failure = "; ".join(str(e) for e in builder.errors) if variant.problem is None else ""


# ---------------------------------------------------------------- solving

@dataclass(frozen=True)
class _Solved:
    answer: object
    key: str


def _key_title(problem, number: int) -> str:
    return f"{number}. " + (problem.title or problem.id)


@dataclass(frozen=True)
class KeyEntry(Walkthrough):
    """A worked solution numbered for the answer key."""

    title: str
    sections: tuple
    final: tuple = ()


def _solve_one(task) -> _Solved:
    """Solve one problem (in a worker for the command): its answer as data, and for the
    key its walkthrough rendered in ``fmt``."""
    problem, fmt, number = task
    from ..solvers import solve

    solution = solve(problem)
    key = ""
    if fmt:
        entry = KeyEntry(_key_title(problem, number), solution.sections, solution.final)
        key = _render(entry, fmt)
    return _Solved(answer_data(solution.answer), key)


def _render(obj, fmt: str) -> str:
    if fmt == "rich":
        from ..commands import _render as render_rich_text

        return render_rich_text(obj, fmt)
    from ..render import render

    return render(obj, fmt)


def _solve_in_process(tasks):
    for task in tasks:
        try:
            yield True, _solve_one(task)
        except (LimitError, RecursionError) as err:
            yield False, LimitFailure(str(err))
        except (CalcaiError, NotImplementedError, ValueError, ArithmeticError, TypeError) as err:
            yield False, f"{type(err).__name__}: {err}" if not isinstance(err, CalcaiError) else str(err)


@dataclass
class Exercises:
    """What ``generate`` made: the problems in output order, the file text, sheet and key."""

    variants: list
    title: str | None
    seed: object
    count: int
    key_format: str | None = None

    @property
    def problems(self) -> list:
        """The output as validated problems (read back from ``text``), ``expected`` filled."""
        return loads(self.text, "<generated>")

    @property
    def text(self) -> str:
        return write_problem_file([v.output_node() for v in self.variants], self.title,
                                  f"generated by calcai generate --count {self.count} --seed {self.seed}")

    def sheet(self, fmt: str = "text") -> str:
        text = _render(worksheet([v.problem for v in self.variants], self.title), fmt)
        return text if text.endswith("\n") else text + "\n"

    def key(self, fmt: str = "text") -> str:
        if self.key_format != fmt:
            raise CalcaiError(f"the key was rendered as {self.key_format}; call generate(..., key_format={fmt!r})")
        return answer_key([v.key for v in self.variants], self.title, fmt)


def generate(paths, count: int, seed, *, key_format: str | None = None, solve=None) -> Exercises:
    """``count`` variants of every parameterised problem of the problem files ``paths`` (a
    file, a folder or a list of them), drawn with ``seed``, each solved with its ``expected``
    filled in. Returns an ``Exercises``: ``.text`` the problem file, ``.problems`` the
    problems, ``.sheet(fmt)`` the worksheet, ``.key(fmt)`` the answer key (rendered while
    solving in ``key_format``). Raises ``GenerateError`` (every reason) when a file is not
    valid or a variant cannot be made."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise CalcaiError(f"count must be a whole number from 1 to {MAX_COUNT}, not {count!r}")
    sources, errors = _read_sources(paths)
    if errors:
        raise GenerateError(errors)
    variants, errors = _plan(sources, count, seed)
    lines = {s.path: s.lines for s in sources}
    try:
        for v in variants:
            if not v.is_copy:
                _draw(v, lines[v.source])
    except ParamError as err:
        raise GenerateError([_param_error(v, err)]) from None
    _check_ids(variants)
    solve = solve or _solve_in_process
    pending = list(range(len(variants)))
    while pending:
        ready = [i for i in pending if variants[i].problem is not None]
        outcomes = dict(zip(ready, solve([(variants[i].problem, key_format, i + 1) for i in ready])))
        retry = []
        for i in pending:
            v = variants[i]
            if i in outcomes:
                ok, result = outcomes[i]
                if ok:
                    v.answer, v.key, v.failure = result.answer, result.key, ""
                    continue
                v.failure = result
            v.attempts += 1
            if v.is_copy or v.attempts >= MAX_REDRAWS or isinstance(v.failure, LimitFailure):
                continue
            try:
                _draw(v, lines[v.source])
            except ParamError as err:
                raise GenerateError([_param_error(v, err)]) from None
            retry.append(i)
        pending = retry
    failed = [v for v in variants if v.answer is None]
    if failed:
        reported = {}                       # one line per template: the first variant that failed
        for v in failed:
            reported.setdefault(id(v.template) if v.template is not None else id(v), v)
        raise GenerateError([_failure(v) for v in reported.values()])
    titles = [s.title for s in sources if s.title]
    return Exercises(variants, titles[0] if titles else None, seed, count, key_format)


def _param_error(v: Variant, err: ParamError) -> ProblemError:
    mark = getattr(err.node, "mark", None) or v.node.mark
    pid = v.template.node.get("id").text if v.template else "?"
    return ProblemError(v.source, mark.line, mark.col, f"problem {pid}: {err.message}")


def _failure(v: Variant) -> ProblemError:
    node = v.template.node if v.template is not None else v.node
    pid = node.get("id").text
    limit = isinstance(v.failure, LimitFailure)
    if v.is_copy:
        return ProblemError(v.source, node.mark.line, node.mark.col, f"problem {pid}: {v.failure}", limit)
    if limit:
        return ProblemError(v.source, node.mark.line, node.mark.col,
                            f"problem {pid}: the variant {_values_text(v.values)} failed: {v.failure}", True)
    return ProblemError(v.source, node.mark.line, node.mark.col,
                        f"problem {pid}: no variant could be made in {MAX_REDRAWS} draws; the last one "
                        f"({_values_text(v.values)}) failed: {v.failure}")


def _values_text(values) -> str:
    return ", ".join(f"{k} = {v.text}" for k, v in (values or {}).items())


def _check_ids(variants) -> None:
    seen: dict = {}
    errors = []
    for v in variants:
        pid = v.node.get("id").text
        if pid in seen:
            mark = v.node.mark
            errors.append(ProblemError(v.source, mark.line, mark.col,
                                       f"problem {pid}: the id '{pid}' is also in {seen[pid]}; the ids of the "
                                       "output must be unique (rename one of the problems)"))
        else:
            seen[pid] = f"{v.source}:{v.node.mark.line}"
    if errors:
        raise GenerateError(errors)


# ---------------------------------------------------------------- sheet and key

ANSWER_LINE = "Answer: " + "_" * 40


def _field_item(name: str, value):
    import sympy as sp

    if isinstance(value, dict) and all(isinstance(k, sp.Symbol) for k in value):
        return Text(f"{name}: " + ", ".join(f"{k.name} = {_value_text(v)}" for k, v in value.items()))
    if isinstance(value, (sp.Basic, int)) and not isinstance(value, bool):
        return Equation(name, value, approx=False)
    if isinstance(value, list) and all(isinstance(v, sp.Basic) for v in value):
        return Text(f"{name}: " + ", ".join(_value_text(v) for v in value))
    if isinstance(value, str):
        return Text(f"{name}: {value}")
    return Text(f"{name}: {_value_text(value)}")


def _value_text(value) -> str:
    from ..render.text import value_text

    return value_text(value, approximate=False)


def statement_items(problem) -> tuple:
    """What a student reads: the statement, else the kind's task and the given fields."""
    if problem.statement:
        return (Text(problem.statement),)
    from ..kinds import KINDS

    kind = KINDS[problem.kind]
    items = [Text(kind.description)]
    for f in kind.fields:
        if f.name in problem.positions or any(p.startswith(f.name + ".") or p.startswith(f.name + "[")
                                              for p in problem.positions):
            value = problem.fields.get(f.name)
            if value is not None:
                items.append(_field_item(f.name, value))
    return tuple(items)


def worksheet(problems, title: str | None = None) -> Walkthrough:
    """The worksheet: each problem's statement, numbered, with a line for the answer."""
    sections = tuple(Section(f"Problem {i}" + (f": {p.title}" if p.title else ""),
                             statement_items(p) + (Text(ANSWER_LINE),))
                     for i, p in enumerate(problems, 1))
    return KeyEntry(f"Worksheet: {title}" if title else "Worksheet", sections)


def answer_key(rendered: list, title: str | None, fmt: str) -> str:
    """The answer key: the numbered worked solutions, one after another."""
    head = _render(KeyEntry(f"Answer key: {title}" if title else "Answer key", ()), fmt).rstrip("\n")
    return "\n\n".join([head] + [r.rstrip("\n") for r in rendered]) + "\n"


# ---------------------------------------------------------------- the command

def command(args) -> int:
    """``calcai generate FILE… --count K --seed S [--output OUT] [--sheet | --key]``."""
    from ..commands import (_check_output, _exit_code_of, _failure_message, _format, _in_worker, _one_line,
                            _write_atomically)

    if args.count < 1 or args.count > MAX_COUNT:
        raise CalcaiError(f"--count must be from 1 to {MAX_COUNT}, not {args.count}")
    if args.jobs is not None and args.jobs < 1:
        raise CalcaiError(f"-j/--jobs must be at least 1, not {args.jobs}")
    if args.output is not None:
        _check_output(args.output, args.paths, args.force)
    fmt = _format(args)
    key_format = fmt if args.key else None

    def solve(tasks):
        from .. import limits
        from ..commands import _preload
        from ..runner import run_batch

        tasks = list(tasks)
        lim = limits.current()
        _preload([(p, fmt if args.key else "none") for p, _f, _n in tasks])
        for outcome in run_batch(_solve_one, tasks, timeout=lim.timeout, memory_mb=lim.memory_mb,
                                 jobs=args.jobs, init=_in_worker):
            if outcome.ok:
                yield True, outcome.value
            elif _exit_code_of(outcome) == EXIT_LIMIT:
                yield False, LimitFailure(_failure_message(outcome, args.debug))
            else:
                yield False, _failure_message(outcome, args.debug)

    try:
        made = generate(args.paths, args.count, args.seed, key_format=key_format, solve=solve)
    except ProblemFileError as err:
        for e in err.errors:
            sys.stderr.write(f"{_one_line(str(e))}\n")
        return err.exit_code
    if args.sheet:
        text = made.sheet(fmt)
    elif args.key:
        text = made.key(fmt)
    else:
        text = made.text
    if not text.endswith("\n"):
        text += "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write_atomically(args.output, text, args.force)
    return EXIT_OK

