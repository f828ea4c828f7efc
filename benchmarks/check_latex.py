r"""Manual check: the LaTeX calcai writes compiles with pdflatex.

The tests must not need TeX (tests/test_latex_document.py checks balance, ASCII and the macro
allow-list without it); this script is the check by hand where pdflatex is installed
(Debian: apt-get install texlive-latex-base texlive-latex-recommended).

Run: python benchmarks/check_latex.py [--keep DIR]

1. The allow-list of tests/test_latex_document.py against TeX itself: every LATEX2E macro and
   environment is defined by the kernel (article class, no packages); every AMSMATH/AMSSYMB one
   and the amsmath environments are undefined there and defined with amsmath and amssymb.
2. ``calcai solve problems/ --format latex --standalone`` compiled with ``pdflatex
   -halt-on-error``: errors (none allowed), warnings, pages and overfull boxes are reported.

Exit status: 0 all good, 1 a check failed, 2 pdflatex is not installed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pdflatex(folder: Path, name: str, source: str) -> tuple[int, str]:
    (folder / f"{name}.tex").write_text(source, encoding="ascii")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                          cwd=folder, capture_output=True, encoding="latin-1", timeout=600)
    log = (folder / f"{name}.log").read_text(encoding="latin-1") if (folder / f"{name}.log").exists() else ""
    return done.returncode, log


def _probe(names, envs, packages: str) -> str:
    lines = [r"\documentclass{article}", packages, r"\begin{document}"]
    for name in sorted(names):
        lines.append(rf"\expandafter\ifx\csname {name}\endcsname\relax\typeout{{UNDEFINED {name}}}"
                     rf"\else\typeout{{DEFINED {name}}}\fi")
    for env in sorted(envs):
        # \end<name>: plain TeX's \matrix, \pmatrix and \cases are macros, not environments
        lines.append(rf"\expandafter\ifx\csname end{env}\endcsname\relax\typeout{{UNDEFINED env {env}}}"
                     rf"\else\typeout{{DEFINED env {env}}}\fi")
    lines += ["x", r"\end{document}", ""]
    return "\n".join(lines)


def check_allow_list(folder: Path) -> list:
    sys.path.insert(0, str(ROOT / "tests"))
    import test_latex_document as t

    kernel_envs = {"itemize", "tabular", "array"}
    ams_envs = t.ENVIRONMENTS - kernel_envs
    ams = t.AMSMATH | t.AMSSYMB
    faults = []
    _code, bare = _pdflatex(folder, "kernel", _probe(t.LATEX2E | ams, t.ENVIRONMENTS, ""))
    _code, full = _pdflatex(folder, "packages", _probe(ams, ams_envs, r"\usepackage{amsmath,amssymb}"))
    faults += [f"not in the LaTeX2e kernel: \\{m}" for m in re.findall(r"^UNDEFINED (?!env )(\S+)", bare, re.M)
               if m in t.LATEX2E]
    faults += [f"not in the LaTeX2e kernel: environment {e}" for e in re.findall(r"^UNDEFINED env (\S+)", bare, re.M)
               if e in kernel_envs]
    faults += [f"already in the kernel, not from amsmath/amssymb: {m}"
               for m in re.findall(r"^DEFINED (?:env )?(\S+)", bare, re.M) if m in ams | ams_envs]
    faults += [f"not defined by amsmath/amssymb: {m}" for m in re.findall(r"^UNDEFINED (?:env )?(\S+)", full, re.M)]
    print(f"allow-list: {len(t.LATEX2E)} kernel macros, {len(ams)} amsmath/amssymb macros, "
          f"{len(t.ENVIRONMENTS)} environments checked against TeX: {'ok' if not faults else 'FAULTS'}")
    return faults


def check_document(folder: Path) -> list:
    done = subprocess.run([sys.executable, "-m", "calcai", "solve", "problems/", "--format", "latex", "--standalone"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        return [f"calcai solve exited {done.returncode}: {done.stderr.strip()}"]
    source = done.stdout
    if not source.isascii():
        return ["the document is not ASCII"]
    code, log = _pdflatex(folder, "problems", source)
    errors = re.findall(r"^! .*", log, re.M)
    warnings = sorted(set(re.findall(r"^(?:LaTeX|Package \S+) Warning: .*", log, re.M)))
    pages = re.search(r"Output written on \S+ \((\d+) pages?", log)
    print(f"calcai solve problems/ --format latex --standalone: {len(source)} characters, "
          f"pdflatex exit {code}, {pages.group(1) if pages else 0} pages, {len(errors)} errors, "
          f"{len(warnings)} warnings, {log.count('Overfull')} overfull boxes (wide formulas)")
    for line in errors + warnings:
        print("  " + line)
    return errors + ([] if code == 0 else [f"pdflatex exited {code}"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="write the .tex, .log and .pdf files into DIR")
    args = parser.parse_args()
    if shutil.which("pdflatex") is None:
        print("pdflatex is not installed (Debian: apt-get install texlive-latex-base texlive-latex-recommended)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        faults = check_allow_list(folder) + check_document(folder)
    for fault in faults:
        print("FAULT: " + fault)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
