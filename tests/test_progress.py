"""Progress on batches: the runner reports, the CLI draws a bar on a terminal's standard error only."""

import io
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from calcai.progress import BatchBar, progress_wanted
from calcai.runner import BatchProgress, Outcome, run_batch

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ when to show it

@pytest.mark.parametrize("isatty, env, fmt, to_stdout, shown", [
    (True, {}, "text", True, True),
    (True, {}, "rich", True, True),
    (True, {}, "latex", True, True),
    (False, {}, "text", True, False),                  # standard error piped or redirected
    (True, {"NO_COLOR": "1"}, "text", True, False),
    (True, {"NO_COLOR": ""}, "text", True, True),      # no-color.org: set and not empty
    (True, {"TERM": "dumb"}, "text", True, False),
    (True, {}, "json", True, False),                   # JSON on standard output: a program reads it
    (True, {}, "json", False, True),                   # JSON into an --output file
    (False, {}, "json", False, False),
])
def test_progress_is_wanted_only_on_a_terminal(isatty, env, fmt, to_stdout, shown):
    assert progress_wanted(isatty, env, fmt, to_stdout) is shown


# ------------------------------------------------------------------ what the runner reports

def _task(kind):
    if kind == "raise":
        raise ValueError("bad")
    if kind == "slow":
        time.sleep(0.5)
    return kind


def test_the_runner_reports_every_task_once_with_done_and_total():
    tasks = ["ok", "raise", "ok", "raise", "ok", "slow"]
    events = []
    outcomes = list(run_batch(_task, tasks, jobs=2, progress=events.append, progress_every=0.1))
    assert [o.status for o in outcomes] == ["ok", "error", "ok", "error", "ok", "ok"]
    assert {e.total for e in events} == {6}
    finished = [pair for e in events for pair in e.finished]
    assert sorted(i for i, _o in finished) == list(range(6))
    assert {i for i, o in finished if not o.ok} == {1, 3}
    seen = 0
    for e in events:                                  # done counts what has finished so far
        seen += len(e.finished)
        assert e.done == seen
        assert set(e.running) <= set(range(6)) and not set(e.running) & {i for i, _o in e.finished}
    assert events[-1].done == 6
    # While the slow task runs alone, the runner still calls back (so a bar can appear on time).
    assert sum(1 for e in events if e.running == (5,) and not e.finished) >= 2


def _bar(clock, buffer):
    return BatchBar("checking", ["a.yaml", "a.yaml", "b.yaml", "c.yaml"], lambda o: not o.ok, clock=clock,
                    console=lambda: Console(file=buffer, width=80, force_terminal=True, color_system=None))


def test_the_bar_counts_failures_and_appears_after_a_second():
    now, buffer = [100.0], io.StringIO()
    bar = _bar(lambda: now[0], buffer)
    bar(BatchProgress(4, 0, (0, 1)))
    bar(BatchProgress(4, 1, (1, 2), ((0, Outcome("error", message="bad")),)))
    assert (bar.done, bar.total, bar.failed, bar.current) == (1, 4, 1, "b.yaml")
    assert not bar.shown and buffer.getvalue() == ""      # a quick batch shows nothing
    now[0] += 1.0
    bar(BatchProgress(4, 2, (2,), ((1, Outcome("ok")),)))
    assert bar.shown
    assert "checking" in buffer.getvalue()
    assert "2/4 done, 1 failed 0:00:01 b.yaml" in buffer.getvalue()
    bar(BatchProgress(4, 4, (), ((2, Outcome("ok")), (3, Outcome("crashed")))))
    assert "4/4 done, 2 failed 0:00:01 c.yaml" in buffer.getvalue()
    bar.close()
    assert not bar.shown
    drawn = buffer.getvalue()
    bar(BatchProgress(4, 4))
    assert buffer.getvalue() == drawn                      # closed: never drawn again


def test_a_batch_that_ends_before_the_delay_never_shows_the_bar():
    now, buffer = [0.0], io.StringIO()
    bar = _bar(lambda: now[0], buffer)
    now[0] = 5.0
    bar(BatchProgress(4, 4, (), tuple((i, Outcome("ok")) for i in range(4))))
    assert not bar.shown and buffer.getvalue() == ""


# ------------------------------------------------------------------ the command on a terminal

def test_check_on_a_terminal_draws_on_stderr_and_leaves_stdout_alone(tmp_path):
    import fcntl
    import struct
    import termios

    def ids(files):
        return sum(1 for f in files for line in f.read_text().splitlines() if line.lstrip().startswith("- id:"))

    count = ids((ROOT / "problems").glob("*.yaml"))
    templates = ids((ROOT / "problems" / "exercises").glob("*.yaml"))     # read at their first values
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}
    env.update(TERM="xterm", COLUMNS="100")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with open(tmp_path / "stdout", "wb") as out:
        child = subprocess.Popen([sys.executable, "-m", "calcai", "check", "problems/"], cwd=ROOT, env=env,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
    os.close(slave)
    stderr = b""
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:                                    # EIO: the child closed the terminal
            break
        if not chunk:
            break
        stderr += chunk
    os.close(master)
    assert child.wait(timeout=120) == 0
    stdout = (tmp_path / "stdout").read_text(encoding="utf-8")
    text = re.sub(r"\x1b\[[0-9;]*m", "", stderr.decode("utf-8"))      # without colours
    assert "checking" in text and f"{count + templates}/{count + templates} done, 0 failed" in text
    assert "problems/" in text                             # the file being worked on
    # Standard output is the plain report, as when standard error is not a terminal.
    assert "\x1b" not in stdout and "done," not in stdout and "checking" not in stdout
    lines = stdout.splitlines()
    assert lines[0].split() == ["id", "kind", "expected", "computed", "result"]
    assert lines[-1] == f"{count} passed, 0 failed, {templates} without expected values"
