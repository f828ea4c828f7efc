"""What every benchmark shares: fresh processes, medians, and figures as ratios.

A figure is measured against a baseline taken in the same run, the two alternating so that a
machine busy with other work slows both alike. Benchmarks report; tests never time anything.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class Figure:
    """One line of the table: what was measured, its baseline, and the target."""

    name: str
    seconds: float
    baseline: str
    baseline_seconds: float
    target: str = ""              # e.g. "≤ 2×", "≤ 1 s", "≤ +50 ms"
    met: bool | None = None

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds if self.baseline_seconds else float("inf")


def in_fresh_process(code: str) -> float:
    """Run ``code`` in a fresh interpreter; it prints the seconds of the part it measures."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def wall(cmd, stdin=None) -> float:
    """Wall time of a command in a fresh process (output discarded)."""
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, input=stdin, check=False)
    return time.perf_counter() - start


def paired(measure, baseline, runs: int) -> tuple[float, float]:
    """Medians of ``runs`` alternating calls of two zero-argument timers."""
    a, b = [], []
    for _ in range(runs):
        b.append(baseline())
        a.append(measure())
    return statistics.median(a), statistics.median(b)


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(figures) -> str:
    """The figures as a Markdown table (what README's performance section shows)."""
    lines = ["| work | calcai | baseline (same run) | ratio | target | met |",
             "|---|---|---|---|---|---|"]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(f"| {f.name} | {seconds(f.seconds)} | {f.baseline} {seconds(f.baseline_seconds)} | "
                     f"{f.ratio:.2f}× | {f.target} | {met} |")
    return "\n".join(lines)
