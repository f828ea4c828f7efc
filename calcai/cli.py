"""The ``calcai`` command: one-off questions and problem files.

Only the standard library is imported at start-up so ``calcai --help`` answers at once;
sympy and rich load inside the commands that need them. Every problem is solved in a
worker process with a time and memory budget (calcai.runner), so one that hangs is
stopped while the rest of the batch goes on.

Exit codes: 0 all good; 1 a check failed; 2 bad input or usage; 3 a problem hit a limit
or the time budget; 4 an internal error (please report it; --debug shows the traceback).
"""

from __future__ import annotations

import argparse
import math
import os
import sys

from .errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERNAL, EXIT_LIMIT, EXIT_OK  # noqa: F401

FORMATS = ("auto", "text", "rich", "markdown", "latex", "html", "json")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line and exits 2."""

    def error(self, message):
        sys.stderr.write(f"calcai: error: {message} (see 'calcai {self.prog.split()[-1]} --help')\n"
                         if " " in self.prog else f"calcai: error: {message} (see 'calcai --help')\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _version() -> str:
    from . import __version__

    return f"calcai {__version__}"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--format", choices=FORMATS, default="auto",
                        help="output: auto (rich on a terminal, else text), text, rich, markdown, latex, "
                             "html (one self-contained page, figures inline when plotting is installed), json")
    common.add_argument("--standalone", action="store_true",
                        help="with --format latex: a complete document (\\documentclass, amsmath) "
                             "that pdflatex compiles, instead of a fragment")
    common.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="time budget per problem (default 10)")
    common.add_argument("--memory", type=int, default=None, metavar="MIB", help="memory cap per problem (default 2048)")
    common.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                        help="raise or lower a limit, e.g. --limit max_order=50 (see README)")
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    p = _Parser(prog="calcai", description="Symbolic calculus for machine learning, explained step by step.",
                epilog="Exit codes: 0 ok, 1 a check failed, 2 bad input, 3 limit or time-out, 4 internal error.")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name, help_text):
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common])

    c = command("diff", "differentiate an expression, rule by rule")
    c.add_argument("expr")
    c.add_argument("--wrt", help="the variable (needed when there are several)")
    c.add_argument("--order", type=int, default=1)
    c.add_argument("--at", help="evaluate at a point, e.g. x=0 (with --vectors/--matrices: W=[[1,2],[3,4]],x=[3,4])")
    c.add_argument("--vectors", metavar="NAME:SIZE,...",
                   help="matrix calculus: declare column vectors, e.g. x:2,y:n (then --wrt is a vector or matrix)")
    c.add_argument("--matrices", metavar="NAME:RxC,...", help="matrix calculus: declare matrices, e.g. W:2x2,A:mxn")
    c.add_argument("--symmetric", metavar="NAME,...", help="matrix calculus: matrices with Aᵀ = A, e.g. A")

    for name, help_text, operand in (("grad", "gradient of an expression", "expr"),
                                     ("hessian", "Hessian matrix with eigenvalues and definiteness", "expr"),
                                     ("jacobian", "Jacobian of one or more expressions", "exprs")):
        c = command(name, help_text)
        c.add_argument(operand, nargs="+" if operand == "exprs" else None)
        c.add_argument("--vars", help="variables in order, e.g. x,y")
        c.add_argument("--at", help="a point, e.g. x=3,y=4")
        if name != "grad":
            c.add_argument("--steps", choices=("auto", "all"), default="auto",
                           help="all: every entry's rule tree (auto: summarised past 6 variables)")

    c = command("taylor", "Taylor polynomial")
    c.add_argument("expr")
    c.add_argument("--about", required=True, help="the centre, e.g. x=0")
    c.add_argument("--order", type=int, required=True)
    c.add_argument("--at", help="evaluate the approximation and its error at a point")

    c = command("integrate", "integrate, showing the working; definite with --from/--to")
    c.add_argument("expr")
    c.add_argument("--wrt")
    c.add_argument("--from", dest="lower")
    c.add_argument("--to", dest="upper")

    c = command("critical", "critical points, classified")
    c.add_argument("expr")
    c.add_argument("--vars")

    c = command("lagrange", "optimise under equality constraints with Lagrange multipliers")
    c.add_argument("objective")
    c.add_argument("--subject-to", action="append", required=True, metavar="EQUATION",
                   help='a constraint such as "x + y = 10" (repeatable)')
    goal = c.add_mutually_exclusive_group()
    goal.add_argument("--max", dest="goal", action="store_const", const="max")
    goal.add_argument("--min", dest="goal", action="store_const", const="min")
    c.add_argument("--vars")

    c = command("convex", "convex, concave, affine or neither: composition rules, second-order condition, witnesses")
    c.add_argument("expr")
    c.add_argument("--vars", help="variables in order, e.g. w1,w2 (default: all, by name)")
    c.add_argument("--domain", action="append", metavar="VAR=SIGN",
                   help='where a variable lives: w1=">0" (also >=0, <0, <=0) or x=[-1,2] '
                        '(repeatable, or comma-separated)')
    c.add_argument("--vectors", metavar="NAME:SIZE,...",
                   help="matrix notation: declare column vectors, e.g. w:d,y:n (then --vars names the variables)")
    c.add_argument("--matrices", metavar="NAME:RxC,...", help="matrix notation: declare matrices, e.g. X:nxd")
    c.add_argument("--symmetric", metavar="NAME,...", help="matrix notation: matrices with Aᵀ = A")
    c.add_argument("--at", help="with --vectors/--matrices: values of the constants, e.g. A=[[2,1],[1,2]]")

    for name, help_text in (("solve", "solve problem files and print walkthroughs"),
                            ("check", "solve problem files and compare with their expected answers")):
        c = command(name, help_text)
        c.add_argument("paths", nargs="+", metavar="PATH", help="YAML files or folders")
        c.add_argument("--only", action="append", metavar="ID", help="solve only this problem id (repeatable)")
        c.add_argument("-j", "--jobs", type=int, default=None, help="parallel workers (default: all cores)")
        c.add_argument("-o", "--output", metavar="FILE",
                       help="write the " + ("walkthroughs" if name == "solve" else "report")
                       + " to FILE (atomically) instead of standard output")
        c.add_argument("--force", action="store_true", help="let --output replace an existing file")

    # -- calcai grade (calcai.exercises.grade_command) --
    c = command("grade", "grade a student's answers file: a verdict per answer and the mistake named")
    c.add_argument("answers", metavar="ANSWERS.yaml",
                   help="student: NAME (optional); answers: a list of {problem: ID, answer: ...}")
    c.add_argument("--problems", nargs="+", required=True, metavar="FILE",
                   help="problem files or folders holding the problems the answers name")
    c.add_argument("-j", "--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    c.epilog = ("Verdicts: correct, correct_unsimplified, incorrect (with the mistake when one is recognised), "
                "unreadable. Exit codes: 0 all right, 1 some answer wrong or unreadable, 2 bad input, "
                "3 limit or time-out.")

    # calcai generate (calcai.exercises.generate)
    c = command("generate", "variants of parameterised problems, solved: a problem file, a worksheet or a key")
    c.add_argument("paths", nargs="+", metavar="PATH", help="YAML files or folders; problems with 'params' "
                   "give COUNT variants each (ids ID-1 … ID-COUNT), the others are copied once")
    c.add_argument("--count", type=int, required=True, metavar="K", help="variants per parameterised problem")
    c.add_argument("--seed", type=int, required=True, metavar="S",
                   help="the random seed: the same files and seed give the same output, byte for byte")
    sheet = c.add_mutually_exclusive_group()
    sheet.add_argument("--sheet", action="store_true",
                       help="write the worksheet (numbered statements, a line for each answer) in --format")
    sheet.add_argument("--key", action="store_true", help="write the answer key (worked solutions) in --format")
    c.add_argument("-j", "--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    c.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    c.add_argument("--force", action="store_true", help="let --output replace an existing file")
    c.epilog = ("params: name: {int: [lo, hi]} | {choice: [values]} | {decimal: [lo, hi, places]}; "
                "where: [\"a != n\", ...] (relations < <= > >= == != with and/or); use {name} in any field. "
                "Each variant is solved and its expected filled in; params_used keeps the values drawn.")

    # Figures (calcai.plot; matplotlib comes with the optional extra: pip install 'calcai[plot]')
    for name in ("diff", "taylor", "integrate", "critical", "lagrange", "solve"):
        sub.choices[name].add_argument(
            "--plot", metavar="FILE", help="draw the figure to FILE (.svg or .png)" + (
                "; the one problem solved (choose it with --only ID)" if name == "solve" else ""))
    sub.choices["solve"].add_argument("--plot-dir", metavar="DIR",
                                      help="draw the figure of every problem marked 'plot: true' to DIR/<id>.svg")

    c = sub.add_parser("kinds", help="list the problem kinds, or show one with an example")
    c.add_argument("kind", nargs="?")
    return p


def main(argv=None) -> int:
    """Run the command ``argv`` (default: the process's arguments) and return its exit code.

    Called without ``argv`` (the ``calcai`` program, ``python -m calcai``), main ends the
    process itself once its output is flushed, with ``os._exit``: tearing down an
    interpreter that has loaded sympy takes longer than many a command (60–80 ms), and
    there is nothing to clean up — output files are written and fsynced before this
    point, and workers are reaped by the runner."""
    code = _main(argv)
    if argv is None:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass      # a reader that went away (calcai ... | head) is not an error
    os._exit(code)


def _main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        _configure_limits(args)
        if args.command == "grade":
            from .exercises.grade_command import run
        elif args.command == "generate":
            from .exercises.generate import command as run
        else:
            from .commands import run

        return run(args)
    except KeyboardInterrupt:
        sys.stderr.write("calcai: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # a user error reaching here has its own exit code
        from .errors import CalcaiError

        if isinstance(err, CalcaiError):
            sys.stderr.write(f"calcai: error: {err}\n")
            return err.exit_code
        message = " ".join(f"{type(err).__name__}: {err}".split())
        if getattr(args, "debug", False):
            import traceback

            traceback.print_exc()
            sys.stderr.write(f"calcai: internal error: {message}. Please report it.\n")
            return EXIT_INTERNAL
        sys.stderr.write(f"calcai: internal error: {message}. "
                         "Please report it; run again with --debug for the traceback.\n")
        return EXIT_INTERNAL


def _configure_limits(args) -> None:
    from . import limits
    from .errors import CalcaiError

    changes = {}
    for item in getattr(args, "limit", []) or []:
        name, _, value = item.partition("=")
        known = {f: type(getattr(limits.Limits(), f)) for f in limits.Limits.__dataclass_fields__}
        if name not in known or not value:
            raise CalcaiError(f"--limit {item}: expected NAME=VALUE with NAME one of {', '.join(known)}")
        kind = "a whole number" if known[name] is int else "a number"
        try:
            changes[name] = known[name](value)
        except ValueError:
            raise CalcaiError(f"--limit {item}: {value!r} is not {kind}") from None
        if not (math.isfinite(changes[name]) and changes[name] > 0):
            raise CalcaiError(f"--limit {item}: the value must be {kind} greater than 0")
    if getattr(args, "timeout", None) is not None:
        if not (math.isfinite(args.timeout) and args.timeout > 0):   # nan or inf would never time out
            raise CalcaiError("--timeout must be a positive number of seconds")
        changes["timeout"] = args.timeout
    if getattr(args, "memory", None) is not None:
        if args.memory <= 0:
            raise CalcaiError("--memory must be a positive number of MiB")
        changes["memory_mb"] = args.memory
    if changes:
        limits.configure(**changes)


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["main", "build_parser"]
