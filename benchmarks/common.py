"""What every benchmark shares: fresh processes, medians, and figures against a baseline.

A figure is measured against a baseline taken in the same run, the two alternating so that a
machine busy with other work slows both alike. Benchmarks report; tests never time anything.
Every ``bench_*.py`` exposes ``figures(runs, quick)`` (what ``run.py`` collects into README's
table) and runs on its own with more detail.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CALCAI = [PYTHON, "-m", "calcai"]
IMPORT_BASELINE = [PYTHON, "-c", "import sympy, rich"]
IMPORT_NAME = 'python -c "import sympy, rich"'


@dataclass
class Figure:
    """One line of the table: what was measured, its baseline, and the target.

    ``value`` is seconds unless ``unit`` says otherwise (e.g. "columns"); a baseline that did
    not finish within its time-out has ``baseline_value`` None and says so in ``baseline``.
    """

    name: str
    value: float
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""              # e.g. "≤ 2×", "≤ 1 s", "≤ +50 ms"
    met: bool | None = None
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or self.unit != "s":
            return None
        return self.value / self.baseline_value if self.baseline_value else float("inf")


def bytecode_cache() -> str:
    """Let every process of the run read compiled bytecode from one temporary cache, as an
    installed package does (with PYTHONDONTWRITEBYTECODE set and no cache, an editable install
    compiles calcai's modules at every start: tens of milliseconds a user never pays twice)."""
    if "CALCAI_BENCH_PYCACHE" not in os.environ:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        folder = tempfile.mkdtemp(prefix="calcai-bench-pyc-")
        os.environ["PYTHONPYCACHEPREFIX"] = os.environ["CALCAI_BENCH_PYCACHE"] = folder
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "calcai")], check=True)
    return os.environ["CALCAI_BENCH_PYCACHE"]


def timed(cmd, cwd=None, stdout=None, timeout=None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the process and what it reaped) of a command in a
    fresh process; its output is discarded (or written to the open file ``stdout``). A command
    that fails stops the benchmark with its error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {done.returncode}: {done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall(cmd, **options) -> float:
    """Wall seconds of a command in a fresh process."""
    return timed(cmd, **options)[0]


def in_fresh_process(code: str, *args, timeout=None) -> float | None:
    """Run ``code`` in a fresh interpreter; it prints the seconds of the part it measures last.
    None when it ran past ``timeout`` seconds."""
    try:
        out = subprocess.run([PYTHON, "-c", code, *map(str, args)], capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise SystemExit(f"benchmark code failed: {out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def medians(timers: dict, runs: int) -> dict:
    """{name: median} of ``runs`` rounds; each round calls every zero-argument timer once, in
    turn, so that a change in the machine's load falls on all of them alike. A timer returning
    None (timed out) makes its median None."""
    seen: dict = {name: [] for name in timers}
    for _ in range(runs):
        for name, timer in timers.items():
            seen[name].append(timer())
    return {name: None if None in values else statistics.median(values) for name, values in seen.items()}


def paired(measure, baseline, runs: int) -> tuple:
    """Medians of ``runs`` alternating calls of two zero-argument timers (measure, baseline)."""
    got = medians({"baseline": baseline, "measure": measure}, runs)
    return got["measure"], got["baseline"]


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _value(f: Figure) -> str:
    return seconds(f.value) if f.unit == "s" else f"{f.value:g} {f.unit}"


def table(figures) -> str:
    """The figures as a Markdown table (what README's performance section shows)."""
    lines = ["| work | calcai | baseline (same run) | ratio | target | met |",
             "|---|---|---|---|---|---|"]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        base = f"{f.baseline} {seconds(f.baseline_value)}" if f.baseline_value is not None else f.baseline
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}×"
        lines.append(f"| {f.name} | {_value(f)} | {base} | {ratio} | {f.target} | {met} |")
    return "\n".join(lines)
