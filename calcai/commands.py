"""What each ``calcai`` command does, once its arguments are read (see calcai.cli).

Every command turns its input into validated problems, solves them in worker processes
(calcai.runner) and prints what the workers rendered, in the order of the input.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from contextlib import nullcontext
from dataclasses import dataclass

from . import limits
from .errors import (EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERNAL, EXIT_LIMIT, EXIT_OK, CalcaiError,
                     LimitError, ParseError)

COMMAND_LINE = "<command line>"


@dataclass
class Rendered:
    """What a worker sends back: everything the parent prints, already laid out."""

    text: str
    data: dict
    check_status: str
    check_rows: list
    figure: bytes | None = None     # the figure asked for with --plot / --plot-dir (None: no picture)


def run(args) -> int:
    code = _plot_arguments(args)
    if code is not None:
        return code
    if getattr(args, "standalone", False) and (args.format != "latex" or args.command == "check"):
        raise CalcaiError("--standalone goes with --format latex, for calcai solve and the one-off commands")
    if args.command == "kinds":
        return _kinds(args)
    if args.command in ("solve", "check"):
        return _batch(args)
    return _one_off(args)


# ------------------------------------------------------------------ output format

def _format(args) -> str:
    if args.format != "auto":
        return args.format
    if getattr(args, "output", None) is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
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
    try:
        return _solve_and_render_unguarded(task)
    except ValueError as err:
        if "integer string conversion" not in str(err):
            raise
        # x^1000 at x = 1e100: Python refuses to turn an integer of over 4300 digits into text
        raise LimitError(f"the answer holds a number with more than {sys.get_int_max_str_digits()} "
                         "digits, too long to print") from None


def _solve_and_render_unguarded(task) -> Rendered:
    problem, fmt = task[:2]
    from .solvers import solve

    solution = solve(problem)
    data = {}
    if fmt == "json":
        from .render.jsonout import solution_json

        data = solution_json(solution)
    if fmt in _HTML_LEVELS:             # a fragment with its figure; the parent lays out the page
        from .figures import figure_for
        from .render.html import render_html

        data = {"title": solution.title}
        text = render_html(solution, figure=figure_for(solution), level=_HTML_LEVELS[fmt],
                           figure_id=f"fig-{problem.id}")
        if len(text) > _HTML_MARKUP * limits.current().max_output_chars:
            text = _html_as_text(solution, _HTML_LEVELS[fmt])
    else:
        text = "" if fmt in ("json", "none") else _limit_output(_render(solution, fmt))
    rows = [(item.path, _short(item.expected), _short(item.computed), item.ok, item.message)
            for item in solution.check.items]
    figure = None
    if len(task) > 2:                       # (problem, fmt, "svg" | "png"): --plot, --plot-dir
        from .plot import figure_bytes

        figure = figure_bytes(solution, task[2])
    return Rendered(text, data, solution.check.status, rows, figure)


# 'html': a one-off command's page (the walkthrough's title an h2); 'html-grouped': a batch,
# whose page groups the problems by file (their titles h3).
_HTML_LEVELS = {"html": 2, "html-grouped": 3}


# MathML takes about 8 times the characters of the same walkthrough as text: the output cap
# (max_output_chars, counted in text) allows HTML this many times larger.
_HTML_MARKUP = 10


def _html_as_text(solution, level: int) -> str:
    """A walkthrough too large for MathML: its text (cut at the output cap) in a <pre>."""
    from .render.html import esc

    return (f'<article class="calcai"><h{level}>{esc(solution.title)}</h{level}>'
            '<p class="error">This walkthrough is too large to typeset; here it is as text.</p>'
            f"<pre>{esc(_limit_output(_render(solution, 'text')))}</pre></article>\n")


def _html_page(entries, title: str) -> str:
    from .render.html import page_html

    return page_html(entries, title)


def _short(value) -> str:
    from .render.text import value_text

    text = value_text(value)
    return text if len(text) <= 60 else text[:57] + "…"


# ------------------------------------------------------------------ errors

def _one_line(text: str) -> str:
    """Untrusted text (file names, expressions) made safe for one terminal line: newlines,
    escape sequences, bidi overrides and zero-width characters are shown as escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c.isspace() and c not in "\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
                   else _escape(c) for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# ------------------------------------------------------------------ exit codes

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
        return _one_line(str(err))
    if isinstance(err, NotImplementedError):
        return _one_line(f"sympy cannot do this in closed form ({err})" if str(err)
                         else "sympy cannot do this in closed form")
    if isinstance(err, RecursionError):
        return "the expression is too deeply nested to work with (recursion limit)"
    text = _one_line(f"internal error: {outcome.message}. Please report it")
    if debug and getattr(outcome, "traceback_text", ""):
        text += "\n" + outcome.traceback_text.rstrip("\n")
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
        if name.strip() in point:
            raise CalcaiError(f"{option} {text}: {name.strip()} is given twice")
        point[name.strip()] = value.strip()
    return point


def _names(text: str | None) -> list | None:
    return None if text is None else [v.strip() for v in text.split(",") if v.strip()]


def _domain_text(options) -> dict | None:
    """``--domain w1=">0",x=[-1,2]`` → {"w1": ">0", "x": ["-1", "2"]} (read by the validator)."""
    if not options:
        return None
    domain = {}
    for option in options:
        parts, depth, start = [], 0, 0
        for i, ch in enumerate(option + ","):
            depth += ch == "["
            depth -= ch == "]"
            if ch == "," and depth == 0:
                parts.append(option[start:i])
                start = i + 1
        for part in filter(str.strip, parts):
            name, eq, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if not eq or not name or not value:
                raise CalcaiError(f'--domain {option}: expected VAR=SIGN like w1=">0" or VAR=[lo,hi] like x=[-1,2]')
            if name in domain:
                raise CalcaiError(f"--domain {option}: {name} is given twice")
            if value.startswith("[") and value.endswith("]"):
                value = [v.strip() for v in value[1:-1].split(",")]
            domain[name] = value
    return domain


def _one_off_problem(args) -> dict:
    c = args.command
    if c == "diff" and (getattr(args, "vectors", None) or getattr(args, "matrices", None)):
        data = _matrix_problem(args)
    elif c == "diff":
        data = {"kind": "derivative", "expr": args.expr, "order": args.order}
        if args.wrt:
            data["wrt"] = args.wrt
        data["at"] = _point_text(args.at, "--at")
    elif c == "grad":
        data = {"kind": "gradient", "expr": args.expr, "vars": _names(args.vars), "at": _point_text(args.at, "--at")}
    elif c == "hessian":
        data = {"kind": "hessian", "expr": args.expr, "vars": _names(args.vars), "at": _point_text(args.at, "--at"),
                "steps": args.steps}
    elif c == "jacobian":
        data = {"kind": "jacobian", "exprs": list(args.exprs), "vars": _names(args.vars), "steps": args.steps,
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
    elif c == "convex" and (args.vectors or args.matrices):
        if args.domain:
            raise CalcaiError("--domain is for scalar variables; with --vectors/--matrices the rules hold everywhere")
        data = {"kind": "matrix_convexity", "expr": args.expr, "vars": _names(args.vars),
                "vectors": _declarations(args.vectors, "--vectors", False),
                "matrices": _declarations(args.matrices, "--matrices", True), "at": _matrix_at(args.at),
                "symmetric": _names(args.symmetric)}
        data = {k: v for k, v in data.items() if v is not None}
        if not data.get("vars"):
            raise CalcaiError("give --vars: the declared vectors or matrices that are the variables, e.g. --vars w")
    elif c == "convex":
        data = {"kind": "convexity", "expr": args.expr, "vars": _names(args.vars),
                "domain": _domain_text(args.domain)}
    else:  # pragma: no cover - argparse knows the commands
        raise CalcaiError(f"unknown command {c!r}")
    data = {k: v for k, v in data.items() if v is not None}
    return {"id": c, **data}


def _declarations(text: str | None, option: str, matrix: bool) -> dict | None:
    """``x:2,y:n`` → {x: '2', y: 'n'}; ``W:2x3`` → {W: ['2', '3']}."""
    if not text:
        return None
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, size = part.partition(":")
        if not sep or not name.strip() or not size.strip():
            raise CalcaiError(f"{option} takes NAME:SIZE pairs like {'W:2x3' if matrix else 'x:2'}, not {part!r}")
        if matrix:
            rows, x, cols = size.strip().partition("x")
            if not x:
                raise CalcaiError(f"{option}: give a shape like {name.strip()}:2x3, not {part!r}")
            out[name.strip()] = [rows.strip(), cols.strip()]
        else:
            out[name.strip()] = size.strip()
    return out


def _matrix_at(text: str | None) -> dict | None:
    """``W=[[1,2],[3,4]],x=[3,4]`` → {W: [['1', '2'], ['3', '4']], x: ['3', '4']} (numbers stay
    text for the problem loader; nothing is evaluated)."""
    if not text:
        return None
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    out = {}
    for part in filter(None, (p.strip() for p in parts)):
        name, sep, value = part.partition("=")
        if not sep:
            raise CalcaiError(f"--at takes NAME=VALUE pairs like x=[3,4], not {part!r}")
        try:
            out[name.strip()] = json.loads(value, parse_float=str, parse_int=str,
                                           parse_constant=lambda c: c)
        except ValueError:
            raise CalcaiError(f"--at: {name.strip()} must be a number, a list [..] or a list of rows "
                              f"[[..], [..]], not {value.strip()!r}") from None
    return out


def _matrix_problem(args) -> dict:
    """``calcai diff EXPR --wrt X --vectors … --matrices …``: a matrix_gradient problem."""
    if not args.wrt:
        raise CalcaiError("give --wrt: the vector or matrix to differentiate by")
    data = {"kind": "matrix_gradient", "expr": args.expr, "wrt": args.wrt,
            "vectors": _declarations(args.vectors, "--vectors", False),
            "matrices": _declarations(args.matrices, "--matrices", True), "at": _matrix_at(args.at),
            "symmetric": _names(args.symmetric)}
    return {k: v for k, v in data.items() if v is not None}


def _check_expressions(args) -> None:
    """Parse the expression arguments first, so a mistake is shown with a caret under it."""
    from .parser import parse, parse_equation

    if getattr(args, "vectors", None) or getattr(args, "matrices", None):
        return                              # a matrix expression: the problem loader reads it

    texts = [getattr(args, "expr", None), getattr(args, "objective", None), *(getattr(args, "exprs", None) or [])]
    for text in filter(None, texts):
        _parse_or_report(parse, text)
    for text in getattr(args, "subject_to", None) or []:
        _parse_or_report(parse_equation, text)


def _parse_or_report(fn, text):
    try:
        fn(text)
    except ParseError as err:
        text, column = _caret_window(err.text, err.position)
        sys.stderr.write(f"calcai: error: {_one_line(err.message)} (column {err.position + 1})\n"
                         f"  {text}\n  {' ' * column}^\n")
        raise _Exit(err.exit_code) from None


def _caret_window(text: str, position: int, width: int = 76) -> tuple[str, int]:
    """The expression as one safe line (escapes for control characters, a window of ``width``
    characters around ``position`` for long ones) and the column of the caret in it."""
    pieces = [_one_line(c) if c != "\t" else " " for c in text]
    before, after = "".join(pieces[:position]), "".join(pieces[position:])
    if len(before) + len(after) > width:
        keep = width // 3
        if len(before) > keep:
            before = "…" + before[-keep:]
        after = after[:width - len(before)] + ("…" if len(after) > width - len(before) else "")
    return before + after, len(before)


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
            sys.stderr.write(f"calcai: error: {_one_line(line)}\n")
        return _error_code(err)
    fmt = _format(args)
    target = getattr(args, "plot", None)
    outcome = next(_workers([(problem, fmt, *_plot_task(target))], jobs=1))
    if not outcome.ok:
        sys.stderr.write(f"calcai: error: {_failure_message(outcome, args.debug)}\n")
        return _exit_code_of(outcome)
    rendered = outcome.value
    if fmt == "json":
        sys.stdout.write(json.dumps(rendered.data, ensure_ascii=False, indent=2) + "\n")
    elif getattr(args, "standalone", False):
        from .render.latex import latex_document

        sys.stdout.write(latex_document([rendered.text]))
    elif fmt == "html":
        from .render.html import PageEntry

        title = rendered.data.get("title", "") or "calcai"
        sys.stdout.write(_html_page([PageEntry("", "", title, rendered.text, rendered.check_status)], title))
    else:
        sys.stdout.write(rendered.text if rendered.text.endswith("\n") else rendered.text + "\n")
    if target is not None:
        return _write_figure(target, rendered.figure, f"calcai {args.command}")
    return EXIT_OK


# The modules each output format renders with (see _render and calcai.render).
_RENDER_MODULES = {"text": ("calcai.render.text",), "markdown": ("calcai.render.markdown",),
                   "latex": ("calcai.render.latex",), "json": ("calcai.render.jsonout",),
                   "rich": ("rich.console", "calcai.render.rich_render"), "none": (),
                   "html": ("calcai.render.html",), "html-grouped": ("calcai.render.html",)}


def _preload(tasks) -> None:
    """Import, before the workers are forked, what solving and rendering ``tasks`` needs, and
    only that: the solver modules of their kinds, the renderer of their format, the checker
    when a problem has expected values. Every worker then starts with them loaded."""
    import importlib

    from . import solvers

    solvers.load_kinds(dict.fromkeys(task[0].kind for task in tasks))
    for fmt in dict.fromkeys(task[1] for task in tasks):
        for name in _RENDER_MODULES.get(fmt, ()):
            importlib.import_module(name)
    if any(task[1] in _HTML_LEVELS for task in tasks):
        from .figures import preload

        preload()
    if any(task[0].expected is not None for task in tasks):
        importlib.import_module("calcai.check")
        importlib.import_module("calcai.render.text")     # _short lays out the check rows


def _workers(tasks, jobs=None, progress=None):
    from .runner import run_batch

    lim = limits.current()
    _preload(tasks)
    return run_batch(_solve_and_render, tasks, timeout=lim.timeout, memory_mb=lim.memory_mb, jobs=jobs,
                     init=_in_worker, progress=progress)


def _in_worker() -> None:
    """Set up a worker process: OpenBLAS (numpy, for networks at scale) gets one thread unless
    told otherwise — the products are small, and starting its threads costs about 0.1 s."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _error_lines(err) -> list:
    return [str(e) for e in getattr(err, "errors", [])] or [str(err)]


def _error_code(err) -> int:
    return EXIT_LIMIT if any(getattr(e, "is_limit", False) for e in getattr(err, "errors", [])) else EXIT_BAD_INPUT


# ------------------------------------------------------------------ problem files

def _batch(args) -> int:
    from .problems import load_many

    if args.jobs is not None and args.jobs < 1:
        raise CalcaiError(f"-j/--jobs must be at least 1, not {args.jobs}")
    output = getattr(args, "output", None)
    if output is not None:
        _check_output(output, args.paths, args.force)
    problems, errors = load_many(args.paths)
    code = EXIT_OK
    for err in errors:
        sys.stderr.write(f"{_one_line(str(err))}\n")
        code = max(code, EXIT_LIMIT if err.limit else EXIT_BAD_INPUT)
    if args.only:
        wanted = set(args.only)
        problems = [p for p in problems if p.id in wanted]
        missing = wanted - {p.id for p in problems}
        if missing:
            sys.stderr.write(f"calcai: error: no problem with id {_one_line(', '.join(sorted(missing)))}\n")
            code = max(code, EXIT_BAD_INPUT)
    targets = _figure_targets(problems, args)
    if targets is None:
        return EXIT_BAD_INPUT
    out = sys.stdout if output is None else io.StringIO()
    fmt = _format(args)
    if args.command == "check" and fmt in ("text", "rich", "markdown", "latex", "html"):
        worker_fmt = "none"
    else:
        worker_fmt = "html-grouped" if fmt == "html" else fmt
    results = []
    json_items = []
    html_entries = []
    tasks = [(p, worker_fmt, *_plot_task(t)) for p, t in zip(problems, targets)]
    standalone = getattr(args, "standalone", False)
    if standalone:
        from .render.latex import LATEX_END, latex_preamble

        out.write(latex_preamble())
    bar = _progress_bar(args, problems, fmt, to_stdout=output is None)
    for problem, target, outcome in zip(problems, targets, _solved(args, tasks, bar)):
        where = _one_line(f"{problem.where()}: problem {problem.id}")
        if not outcome.ok:
            message = _failure_message(outcome, args.debug)
            sys.stderr.write(f"{where}: {message}\n")
            code = max(code, _exit_code_of(outcome))
            results.append((problem, "error", [], message))
            if fmt == "json":
                json_items.append({"file": problem.file, "id": problem.id, "kind": problem.kind,
                                   "answer": None, "steps": [], "error": message,
                                   "check": {"status": "error", "details": []}})
            elif fmt == "html" and args.command == "solve":
                from .render.html import PageEntry, error_html

                html_entries.append(PageEntry(problem.file or "", problem.id, message,
                                              error_html(problem.id, message, level=3), "error"))
            continue
        rendered = outcome.value
        if target is not None:
            code = max(code, _write_figure(target, rendered.figure, where))
        results.append((problem, rendered.check_status, rendered.check_rows, ""))
        if fmt == "json":
            json_items.append(rendered.data)
        elif fmt == "html" and args.command == "solve":
            from .render.html import PageEntry

            html_entries.append(PageEntry(problem.file or "", problem.id, rendered.data.get("title", ""),
                                          rendered.text, rendered.check_status))
        elif args.command == "solve":
            with bar.paused() if bar is not None and out is sys.stdout and out.isatty() else nullcontext():
                out.write(rendered.text if rendered.text.endswith("\n") else rendered.text + "\n")
                out.write("\n")
        if rendered.check_status == "fail":
            code = max(code, EXIT_CHECK_FAILED) if args.command == "check" else code
    if fmt == "json":
        out.write(json.dumps(json_items, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "html" and args.command == "solve":
        out.write(_html_page(html_entries, "calcai: " + ", ".join(args.paths)))
    elif args.command == "check":
        _print_check_table(results, fmt, out)
    if standalone:
        out.write(LATEX_END)
    if output is not None:
        _write_atomically(output, out.getvalue(), args.force)
    return code


# ------------------------------------------------------------------ figures: --plot, --plot-dir

def _plot_arguments(args) -> int | None:
    """Before any work: without matplotlib, --plot and --plot-dir stop here (exit 2, the
    install hint, nothing written); a file name must end in .svg or .png in an existing
    folder, and --plot-dir must be a folder."""
    target, folder = getattr(args, "plot", None), getattr(args, "plot_dir", None)
    if target is None and folder is None:
        return None
    from .plot import INSTALL_HINT, available, format_of

    if not available():
        sys.stderr.write(f"calcai: error: {INSTALL_HINT}\n")
        return EXIT_BAD_INPUT
    if target is not None:
        format_of(target)
        shown = _one_line(target)
        if os.path.isdir(target):
            raise CalcaiError(f"--plot {shown} is a folder; give a file name ending in .svg or .png")
        if not os.path.isdir(os.path.dirname(os.path.abspath(target))):
            raise CalcaiError(f"--plot {shown}: the folder it would go in does not exist")
    if folder is not None and not os.path.isdir(folder):
        raise CalcaiError(f"--plot-dir {_one_line(folder)} is not a folder")
    _preload_plots()
    return None


def _preload_plots() -> None:
    """matplotlib and the figure code, imported before the workers are forked (about 0.3 s)."""
    import importlib

    for name in ("calcai.plot.figures", "matplotlib.figure", "matplotlib.backends.backend_svg",
                 "matplotlib.backends.backend_agg"):
        importlib.import_module(name)


def _plot_task(target) -> tuple:
    """The worker task's third item: the figure format to draw, or nothing."""
    if target is None:
        return ()
    from .plot import format_of

    return (format_of(target),)


def _figure_targets(problems, args) -> list | None:
    """Where each problem's figure goes (None: no figure): --plot FILE for the one problem
    solved; --plot-dir DIR/<id>.svg for each problem marked ``plot: true`` (an id met twice
    in the batch gets its file's name in front: DIR/<file>-<id>.svg)."""
    target, folder = getattr(args, "plot", None), getattr(args, "plot_dir", None)
    targets = [None] * len(problems)
    if target is not None:
        if len(problems) != 1:
            sys.stderr.write(f"calcai: error: --plot draws the figure of one problem, but {len(problems)} "
                             "are selected; choose one with --only ID, or use --plot-dir DIR\n")
            return None
        targets[0] = target
    if folder is not None:
        used = set()
        for i, problem in enumerate(problems):
            if not problem.plot or targets[i] is not None:
                continue
            name = f"{problem.id}.svg"
            if name in used:
                stem = os.path.splitext(os.path.basename(problem.file or "problem"))[0]
                name = f"{stem}-{problem.id}.svg"
            used.add(name)
            targets[i] = os.path.join(folder, name)
    return targets


def _write_figure(path: str, data: bytes | None, where: str) -> int:
    """Write a figure (replacing the file, through a temporary file and a rename); exit 2 with
    a message when the result has no picture."""
    import tempfile

    if data is None:
        sys.stderr.write(f"{_one_line(where)}: no figure for this result, {_one_line(path)} not written "
                         "(figures: diff --at, taylor and critical of 1-2 variables, lagrange with 2 variables "
                         "and 1 constraint, integrate, optimisers, linear regression)\n")
        return EXIT_BAD_INPUT
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
    except OSError as err:
        raise CalcaiError(f"cannot write the figure {_one_line(path)}: {err.strerror or err}") from None
    return EXIT_OK
def _progress_bar(args, problems, fmt: str, to_stdout: bool):
    """A progress bar on standard error for a batch on a terminal (see calcai.progress), or None."""
    from .progress import BatchBar, progress_wanted

    if not problems or not progress_wanted(sys.stderr.isatty(), os.environ, fmt, to_stdout):
        return None
    return BatchBar("checking" if args.command == "check" else "solving",
                    [_one_line(p.file or "") for p in problems],
                    lambda outcome: not outcome.ok or outcome.value.check_status == "fail")


def _solved(args, tasks, bar):
    """The outcomes in order, solved in workers; the progress bar, if any, is erased when the
    batch ends or stops (an exception, Ctrl-C)."""
    try:
        yield from _workers(tasks, jobs=args.jobs, progress=bar)
    finally:
        if bar is not None:
            bar.close()


# ------------------------------------------------------------------ --output

def _check_output(output: str, inputs, force: bool) -> None:
    """Refuse, before any work, an --output that is an input file (even with --force), a
    folder, or an existing file without --force."""
    from pathlib import Path

    from .problems import _yaml_files

    shown = _one_line(output)
    if not output:
        raise CalcaiError("--output needs a file name")
    target = os.path.realpath(output)
    for given in inputs:
        files = _yaml_files(Path(given)) if os.path.isdir(given) else [Path(given)]
        for f in [Path(given), *files]:
            if os.path.realpath(f) == target or _same_file(f, output):
                raise CalcaiError(f"--output {shown} is one of the problem files being read; "
                                  "calcai never writes to its input files (not even with --force)")
    if os.path.isdir(output):
        raise CalcaiError(f"--output {shown} is a folder; give a file name")
    if not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise CalcaiError(f"--output {shown}: the folder it would go in does not exist")
    if os.path.lexists(output) and not force:
        raise CalcaiError(f"--output {shown} already exists; use --force to overwrite it")


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)          # hard links, and paths spelled differently
    except OSError:
        return False


def _write_atomically(path: str, text: str, force: bool) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never
    a part: a temporary file in the same folder, fsync, then a rename. Without ``force`` an
    existing file is never replaced (a hard link fails if the name was taken meanwhile)."""
    import stat
    import tempfile

    shown = _one_line(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise CalcaiError(f"cannot write --output {shown}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)             # atomic, and fails if the name exists
            except FileExistsError:
                raise CalcaiError(f"--output {shown} already exists; use --force to overwrite it") from None
            except OSError:                    # a file system without hard links
                if os.path.lexists(path):
                    raise CalcaiError(f"--output {shown} already exists; use --force to overwrite it") from None
                os.replace(tmp, path)
        _fsync_folder(folder)
    except OSError as err:
        raise CalcaiError(f"cannot write --output {shown}: {err.strerror or err}") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _print_check_table(results, fmt: str, out=None) -> None:
    out = sys.stdout if out is None else out
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
    if fmt == "html":
        out.write(_check_page(headers, rows, summary))
        return
    if fmt == "rich":
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers, title="calcai check")
        for row in rows:
            style = "red" if row[4].startswith(("FAIL", "ERROR")) else None
            table.add_row(*row, style=style)
        console = Console() if out is sys.stdout else Console(file=out)
        console.print(table)
        console.print(summary)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    lines = [line.rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    out.write("\n".join(lines) + "\n" + summary + "\n")


def _check_page(headers, rows, summary: str) -> str:
    """The check report as an HTML page: one table, passes green, failures red."""
    from .render.html import PageEntry, esc

    def row(cells):
        status = "fail" if cells[4].startswith(("FAIL", "ERROR")) else "pass" if cells[4] == "pass" else "none"
        return f'<tr class="{status}">' + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"

    table = ('<article class="calcai"><h2>calcai check</h2><div class="table"><table class="report"><thead><tr>'
             + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr></thead><tbody>"
             + "".join(row(r) for r in rows) + "</tbody></table></div>"
             + f'<p class="check {"fail" if any(r[4].startswith(("FAIL", "ERROR")) for r in rows) else "pass"}">'
             + f"{esc(summary)}</p>"
             + "</article>\n")
    return _html_page([PageEntry("", "", "calcai check", table)], "calcai check")


# ------------------------------------------------------------------ kinds

def _kinds(args) -> int:
    from .kinds import KINDS, functions_text

    if args.kind is None:
        width = max(len(k) for k in KINDS)
        for name, kind in KINDS.items():
            sys.stdout.write(f"{name.ljust(width)}  {kind.description}\n")
        sys.stdout.write(f"\nFunctions in expressions:\n{functions_text()}\n")
        return EXIT_OK
    if args.kind not in KINDS:
        import difflib

        close = difflib.get_close_matches(args.kind, list(KINDS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; run 'calcai kinds' for the list"
        sys.stderr.write(f"calcai: error: unknown kind {args.kind!r}{hint}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(KINDS[args.kind].describe() + "\n")
    return EXIT_OK
