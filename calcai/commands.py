"""What each ``calcai`` command does, once its arguments are read (see calcai.cli).

Every command turns its input into validated problems, solves them in worker processes
(calcai.runner) and prints what the workers rendered, in the order of the input.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass

from . import limits
from .cli import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERNAL, EXIT_LIMIT, EXIT_OK
from .errors import CalcaiError, ParseError

COMMAND_LINE = "<command line>"


@dataclass
class Rendered:
    """What a worker sends back: everything the parent prints, already laid out."""

    text: str
    data: dict
    check_status: str
    check_rows: list


def run(args) -> int:
    if args.command == "kinds":
        return _kinds(args)
    if args.command in ("solve", "check"):
        return _batch(args)
    return _one_off(args)


# ------------------------------------------------------------------ output format

def _format(args) -> str:
    if args.format != "auto":
        return args.format
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return "rich"
    return "text"


def _render(obj, fmt: str) -> str:
    if fmt == "rich":
        import io

        from rich.console import Console

        buffer = io.StringIO()
        width = shutil.get_terminal_size((100, 24)).columns
        Console(file=buffer, force_terminal=True, width=width, color_system="256").print(obj)
        return buffer.getvalue()
    from .render import render

    return render(obj, fmt)


def _limit_output(text: str) -> str:
    cap = limits.current().max_output_chars
    if len(text) <= cap:
        return text
    return text[:cap] + f"\n… output cut at {cap} characters (raise it with --limit max_output_chars=N)\n"


def _solve_and_render(task) -> Rendered:
    """Worker side: solve one problem and lay it out in the requested format."""
    problem, fmt = task
    from .render.jsonout import solution_json
    from .solvers import solve

    solution = solve(problem)
    data = solution_json(solution) if fmt == "json" else {}
    text = "" if fmt in ("json", "none") else _limit_output(_render(solution, fmt))
    rows = [(item.path, _short(item.expected), _short(item.computed), item.ok, item.message)
            for item in solution.check.items]
    return Rendered(text, data, solution.check.status, rows)


def _short(value) -> str:
    from .render.text import value_text

    text = value_text(value)
    return text if len(text) <= 60 else text[:57] + "…"


# ------------------------------------------------------------------ errors

def _exit_code_of(outcome) -> int:
    if outcome.status in ("timeout", "memory"):
        return EXIT_LIMIT
    if outcome.status == "crashed":
        return EXIT_INTERNAL
    err = outcome.error
    if isinstance(err, CalcaiError):
        return err.exit_code
    if isinstance(err, (NotImplementedError, RecursionError)):
        return EXIT_LIMIT if isinstance(err, RecursionError) else EXIT_BAD_INPUT
    return EXIT_INTERNAL


def _failure_message(outcome, debug: bool) -> str:
    if outcome.status == "timeout":
        return outcome.message
    if outcome.status == "memory":
        return outcome.message
    err = outcome.error
    if isinstance(err, CalcaiError):
        return str(err)
    if isinstance(err, NotImplementedError):
        return f"sympy cannot do this in closed form ({err})" if str(err) else "sympy cannot do this in closed form"
    if isinstance(err, RecursionError):
        return "the expression is too deeply nested to work with (recursion limit)"
    text = f"internal error: {outcome.message}. Please report it"
    if debug and getattr(outcome, "traceback_text", ""):
        text += "\n" + outcome.traceback_text
    elif not debug:
        text += "; run again with --debug for the traceback"
    return text


# ------------------------------------------------------------------ one-off questions

def _point_text(text: str | None, option: str) -> dict | None:
    """``x=3,y=4`` → {"x": "3", "y": "4"} (values are read by the validator, exactly)."""
    if text is None:
        return None
    point = {}
    for part in text.split(","):
        name, eq, value = part.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise CalcaiError(f"{option} {text}: expected NAME=VALUE pairs separated by commas, like x=3,y=4")
        point[name.strip()] = value.strip()
    return point


def _names(text: str | None) -> list | None:
    return None if text is None else [v.strip() for v in text.split(",") if v.strip()]


def _one_off_problem(args) -> dict:
    c = args.command
    if c == "diff":
        data = {"kind": "derivative", "expr": args.expr, "order": args.order}
        if args.wrt:
            data["wrt"] = args.wrt
        data["at"] = _point_text(args.at, "--at")
    elif c == "grad":
        data = {"kind": "gradient", "expr": args.expr, "vars": _names(args.vars), "at": _point_text(args.at, "--at")}
    elif c == "hessian":
        data = {"kind": "hessian", "expr": args.expr, "vars": _names(args.vars), "at": _point_text(args.at, "--at")}
    elif c == "jacobian":
        data = {"kind": "jacobian", "exprs": list(args.exprs), "vars": _names(args.vars),
                "at": _point_text(args.at, "--at")}
    elif c == "taylor":
        data = {"kind": "taylor", "expr": args.expr, "about": _point_text(args.about, "--about"),
                "order": args.order, "at": _point_text(args.at, "--at")}
    elif c == "integrate":
        if (args.lower is None) != (args.upper is None):
            raise CalcaiError("give both --from and --to for a definite integral, or neither")
        data = {"kind": "integral", "expr": args.expr, "wrt": args.wrt,
                "bounds": None if args.lower is None else [args.lower, args.upper]}
    elif c == "critical":
        data = {"kind": "critical_points", "expr": args.expr, "vars": _names(args.vars)}
    elif c == "lagrange":
        data = {"kind": "lagrange", "objective": args.objective, "constraints": list(args.subject_to),
                "goal": args.goal or "max", "vars": _names(args.vars)}
    else:  # pragma: no cover - argparse knows the commands
        raise CalcaiError(f"unknown command {c!r}")
    data = {k: v for k, v in data.items() if v is not None}
    return {"id": c, **data}


def _check_expressions(args) -> None:
    """Parse the expression arguments first, so a mistake is shown with a caret under it."""
    from .parser import parse, parse_equation

    texts = [getattr(args, "expr", None), getattr(args, "objective", None), *(getattr(args, "exprs", None) or [])]
    for text in filter(None, texts):
        _parse_or_report(parse, text)
    for text in getattr(args, "subject_to", None) or []:
        _parse_or_report(parse_equation, text)


def _parse_or_report(fn, text):
    try:
        fn(text)
    except ParseError as err:
        sys.stderr.write(f"calcai: error: {err.message} (column {err.position + 1})\n"
                         f"  {err.text}\n  {' ' * err.position}^\n")
        raise _Exit(err.exit_code) from None


class _Exit(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _one_off(args) -> int:
    from .problems import ProblemFileError, load_problem

    try:
        _check_expressions(args)
        problem = load_problem(_one_off_problem(args), file=COMMAND_LINE)
    except _Exit as done:
        return done.code
    except ProblemFileError as err:
        for line in _error_lines(err):
            sys.stderr.write(f"calcai: error: {line}\n")
        return _error_code(err)
    fmt = _format(args)
    outcome = next(_workers([(problem, fmt)], jobs=1))
    if not outcome.ok:
        sys.stderr.write(f"calcai: error: {_failure_message(outcome, args.debug)}\n")
        return _exit_code_of(outcome)
    rendered = outcome.value
    if fmt == "json":
        sys.stdout.write(json.dumps(rendered.data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(rendered.text if rendered.text.endswith("\n") else rendered.text + "\n")
    return EXIT_OK


def _workers(tasks, jobs=None):
    from .runner import run_batch

    lim = limits.current()
    # heavy imports happen before forking, so every worker starts with them loaded
    import sympy  # noqa: F401

    from . import solvers, render  # noqa: F401
    from .render import jsonout, text  # noqa: F401
    solvers._load_all()
    if any(t[1] == "rich" for t in tasks):
        import rich.console  # noqa: F401
    return run_batch(_solve_and_render, tasks, timeout=lim.timeout, memory_mb=lim.memory_mb, jobs=jobs)


def _error_lines(err) -> list:
    return [str(e) for e in getattr(err, "errors", [])] or [str(err)]


def _error_code(err) -> int:
    return EXIT_LIMIT if any(getattr(e, "is_limit", False) for e in getattr(err, "errors", [])) else EXIT_BAD_INPUT


# ------------------------------------------------------------------ problem files

def _batch(args) -> int:
    from .problems import load_many

    problems, errors = load_many(args.paths)
    code = EXIT_OK
    for err in errors:
        sys.stderr.write(f"{err}\n")
        code = max(code, EXIT_LIMIT if err.limit else EXIT_BAD_INPUT)
    if args.only:
        wanted = set(args.only)
        problems = [p for p in problems if p.id in wanted]
        missing = wanted - {p.id for p in problems}
        if missing:
            sys.stderr.write(f"calcai: error: no problem with id {', '.join(sorted(missing))}\n")
            code = max(code, EXIT_BAD_INPUT)
    fmt = _format(args)
    if args.command == "check" and fmt in ("text", "rich", "markdown", "latex"):
        worker_fmt = "none"
    else:
        worker_fmt = fmt
    results = []
    json_items = []
    for problem, outcome in zip(problems, _workers([(p, worker_fmt) for p in problems], jobs=args.jobs)):
        where = f"{problem.where()}: problem {problem.id}"
        if not outcome.ok:
            message = _failure_message(outcome, args.debug)
            sys.stderr.write(f"{where}: {message}\n")
            code = max(code, _exit_code_of(outcome))
            results.append((problem, "error", [], message))
            if fmt == "json":
                json_items.append({"file": problem.file, "id": problem.id, "kind": problem.kind,
                                   "answer": None, "steps": [], "error": message,
                                   "check": {"status": "error", "details": []}})
            continue
        rendered = outcome.value
        results.append((problem, rendered.check_status, rendered.check_rows, ""))
        if fmt == "json":
            json_items.append(rendered.data)
        elif args.command == "solve":
            sys.stdout.write(rendered.text if rendered.text.endswith("\n") else rendered.text + "\n")
            sys.stdout.write("\n")
        if rendered.check_status == "fail":
            code = max(code, EXIT_CHECK_FAILED) if args.command == "check" else code
    if fmt == "json":
        sys.stdout.write(json.dumps(json_items, ensure_ascii=False, indent=2) + "\n")
    elif args.command == "check":
        _print_check_table(results, fmt)
    return code


def _print_check_table(results, fmt: str) -> None:
    rows = []
    for problem, status, items, message in results:
        if status == "error":
            rows.append((problem.id, problem.kind, "", message, "ERROR"))
            continue
        if not items:
            rows.append((problem.id, problem.kind, "", "", "no expected"))
            continue
        for k, (path, expected, computed, ok, note) in enumerate(items):
            rows.append((problem.id if k == 0 else "", problem.kind if k == 0 else "",
                         f"{path}: {expected}" if path else expected, computed,
                         "pass" if ok else f"FAIL {note}".strip()))
    passed = sum(1 for _, s, _, _ in results if s == "pass")
    failed = sum(1 for _, s, _, _ in results if s == "fail")
    errored = sum(1 for _, s, _, _ in results if s == "error")
    unchecked = len(results) - passed - failed - errored
    summary = f"{passed} passed, {failed} failed" + (f", {errored} errors" if errored else "") + (
        f", {unchecked} without expected values" if unchecked else "")
    headers = ("id", "kind", "expected", "computed", "result")
    if fmt == "rich":
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers, title="calcai check")
        for row in rows:
            style = "red" if row[4].startswith(("FAIL", "ERROR")) else None
            table.add_row(*row, style=style)
        console = Console()
        console.print(table)
        console.print(summary)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    sys.stdout.write("\n".join(out) + "\n" + summary + "\n")


# ------------------------------------------------------------------ kinds

def _kinds(args) -> int:
    from .kinds import KINDS

    if args.kind is None:
        width = max(len(k) for k in KINDS)
        for name, kind in KINDS.items():
            sys.stdout.write(f"{name.ljust(width)}  {kind.description}\n")
        return EXIT_OK
    if args.kind not in KINDS:
        import difflib

        close = difflib.get_close_matches(args.kind, list(KINDS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; run 'calcai kinds' for the list"
        sys.stderr.write(f"calcai: error: unknown kind {args.kind!r}{hint}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(KINDS[args.kind].describe() + "\n")
    return EXIT_OK
