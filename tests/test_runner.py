"""Tests for calcai.runner: killable, ordered batch execution."""

import os
import signal
import time

import pytest

from calcai.runner import Outcome, run_batch, run_inline


# Task functions are module level for readability; fork does not need pickling.

def _sleep_then_return(task):
    delay, value = task
    time.sleep(delay)
    return value


def _dispatch(task):
    kind = task
    if kind == "ok":
        return 42
    if kind == "forever":
        while True:
            time.sleep(1)
    if kind == "pow":
        return pow(9, 9**9)  # C-level big-int work; signals cannot interrupt it
    if kind == "hog":
        return len(bytearray(10**10))
    if kind == "raise":
        raise ValueError("bad integrand")
    if kind == "exit3":
        os._exit(3)
    if kind == "selfkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "print":
        print("noise from child")
        return "printed"
    if kind == "big":
        return b"x" * (50 * 1024 * 1024)
    if kind == "unpicklable_exc":
        raise _UnpicklableError(object())
    if kind == "unpicklable_value":
        return lambda: None
    raise AssertionError(kind)


class _UnpicklableError(Exception):
    def __init__(self, payload):
        super().__init__("unpicklable")
        self.payload = payload

    def __reduce__(self):
        raise TypeError("nope")


def _one(kind, **kw):
    (outcome,) = list(run_batch(_dispatch, [kind], **kw))
    return outcome


def _no_children_left():
    """True if this process has no child processes, zombies included."""
    me = str(os.getpid())
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:  # fields: state, ppid, ...
            return False
    return True


def test_order_preserved_with_varied_durations():
    tasks = [(0.3, "a"), (0.0, "b"), (0.2, "c"), (0.0, "d"), (0.1, "e")]
    outs = list(run_batch(_sleep_then_return, tasks, jobs=2, timeout=5))
    assert [o.status for o in outs] == ["ok"] * 5
    assert [o.value for o in outs] == ["a", "b", "c", "d", "e"]
    assert all(isinstance(o, Outcome) and o.seconds >= 0 for o in outs)
    assert _no_children_left()


def test_parallelism_with_two_jobs():
    start = time.monotonic()
    outs = list(run_batch(_sleep_then_return, [(0.5, i) for i in range(4)], jobs=2))
    elapsed = time.monotonic() - start
    assert [o.value for o in outs] == [0, 1, 2, 3]
    assert elapsed < 1.7  # 2 rounds of 0.5 s, not 4


def test_sleep_forever_is_killed_and_others_succeed():
    start = time.monotonic()
    outs = list(run_batch(_dispatch, ["ok", "forever", "ok"], timeout=1.0, jobs=2))
    elapsed = time.monotonic() - start
    assert [o.status for o in outs] == ["ok", "timeout", "ok"]
    assert outs[1].message == "gave up after 1 s"
    assert 1.0 <= outs[1].seconds < 1.5
    assert elapsed < 1.5
    assert _no_children_left()


def test_c_level_hang_is_killed():
    start = time.monotonic()
    out = _one("pow", timeout=0.5)
    assert out.status == "timeout"
    assert out.message == "gave up after 0.5 s"
    assert time.monotonic() - start < 1.0


def test_memory_hog_reports_memory():
    out = _one("hog", memory_mb=2048)
    assert out.status == "memory"
    assert out.message == "ran out of memory (limit 2048 MiB)"


def test_exception_reports_error():
    out = _one("raise")
    assert out.status == "error"
    assert isinstance(out.error, ValueError)
    assert str(out.error) == "bad integrand"
    assert "bad integrand" in out.message
    assert "ValueError" in out.traceback_text and "_dispatch" in out.traceback_text


def test_unpicklable_exception_becomes_runtime_error():
    out = _one("unpicklable_exc")
    assert out.status == "error"
    assert isinstance(out.error, RuntimeError)
    assert "_UnpicklableError" in str(out.error)


def test_unpicklable_value_is_error():
    out = _one("unpicklable_value")
    assert out.status == "error"
    assert "pickle" in out.message


@pytest.mark.parametrize("kind, needle", [("exit3", "code 3"), ("selfkill", "signal 9")])
def test_dying_worker_reports_crashed(kind, needle):
    out = _one(kind)
    assert out.status == "crashed"
    assert needle in out.message


def test_large_result_does_not_deadlock():
    out = _one("big", timeout=5)
    assert out.status == "ok"
    assert len(out.value) == 50 * 1024 * 1024


def test_children_do_not_print(capfd):
    out = _one("print")
    assert out.value == "printed"
    assert "noise" not in capfd.readouterr().out


def test_jobs_1_and_no_timeout_no_memory_cap():
    outs = list(run_batch(_sleep_then_return, [(0, 1), (0, 2)], jobs=1,
                          timeout=None, memory_mb=None))
    assert [o.value for o in outs] == [1, 2]


def test_empty_batch():
    assert list(run_batch(_dispatch, [])) == []


def test_early_stop_kills_running_workers():
    gen = run_batch(_dispatch, ["ok", "forever", "forever"], jobs=3, timeout=None)
    first = next(gen)
    assert first.status == "ok"
    start = time.monotonic()
    gen.close()
    assert time.monotonic() - start < 1.0
    assert _no_children_left()


def test_run_inline():
    ok = run_inline(_dispatch, "ok")
    assert ok.status == "ok" and ok.value == 42
    out = run_inline(_dispatch, "raise")
    assert out.status == "error" and isinstance(out.error, ValueError)


# ------------------------------------------------------------------ the warm pool

_STATE = []      # a module global: what earlier tasks of the same worker left behind


def _remember(task):
    """Append to a module global and report it: a warm worker keeps it between tasks."""
    _STATE.append(task)
    return os.getpid(), list(_STATE)


def _pid_or(task):
    """Like _dispatch, but an ordinary task reports its worker's pid."""
    if task == "pid":
        return os.getpid()
    if isinstance(task, tuple) and task[0] == "keep":       # leave task[1] MiB behind in the worker
        _STATE.append(bytearray(task[1] * 1024 * 1024))
        return os.getpid()
    return _dispatch(task)


def test_warm_worker_runs_many_tasks_and_keeps_state():
    outs = list(run_batch(_remember, ["a", "b", "c", "d"], jobs=1, timeout=5))
    assert [o.status for o in outs] == ["ok"] * 4
    pids = {o.value[0] for o in outs}
    assert len(pids) == 1 and os.getpid() not in pids      # one worker, not this process
    assert [o.value[1] for o in outs] == [["a"], ["a", "b"], ["a", "b", "c"], ["a", "b", "c", "d"]]
    assert _STATE == []                                     # the parent's copy is untouched
    assert _no_children_left()


def test_two_workers_share_the_tasks_and_order_is_kept():
    tasks = [(0.2 if i % 3 == 0 else 0.0, i) for i in range(12)]
    outs = list(run_batch(_sleep_then_return, tasks, jobs=2, timeout=5))
    assert [o.value for o in outs] == list(range(12))


def test_more_jobs_than_tasks_forks_only_what_is_needed():
    outs = list(run_batch(_pid_or, ["pid", "pid"], jobs=8, timeout=5))
    assert [o.status for o in outs] == ["ok", "ok"]
    assert len({o.value for o in outs}) <= 2
    assert _no_children_left()


@pytest.mark.parametrize("bad, status, needle", [
    ("forever", "timeout", "gave up after 0.5 s"),
    ("exit3", "crashed", "code 3"),
    ("selfkill", "crashed", "signal 9"),
    ("hog", "memory", "ran out of memory (limit 2048 MiB)"),
])
def test_a_failing_task_mid_batch_replaces_its_worker_and_the_batch_goes_on(bad, status, needle):
    tasks = ["pid", "pid", bad, "pid", "pid"]
    outs = list(run_batch(_pid_or, tasks, jobs=1, timeout=0.5, memory_mb=2048))
    assert [o.status for o in outs] == ["ok", "ok", status, "ok", "ok"]
    assert needle in outs[2].message
    before, after = {outs[0].value, outs[1].value}, {outs[3].value, outs[4].value}
    assert len(before) == 1 and len(after) == 1 and before != after   # replaced once, then warm again
    assert _no_children_left()


def test_each_task_has_its_own_budget_from_when_it_starts():
    # five tasks of 0.4 s on one worker: 2 s in all, but each within its own 1.5 s budget
    outs = list(run_batch(_sleep_then_return, [(0.4, i) for i in range(5)], jobs=1, timeout=1.5))
    assert [o.status for o in outs] == ["ok"] * 5
    assert all(o.seconds >= 0.4 for o in outs)


def test_timeouts_in_the_middle_of_a_parallel_batch():
    tasks = ["ok", "forever", "ok", "pow", "ok", "ok"]
    start = time.monotonic()
    outs = list(run_batch(_dispatch, tasks, jobs=2, timeout=0.5))
    assert [o.status for o in outs] == ["ok", "timeout", "ok", "timeout", "ok", "ok"]
    assert time.monotonic() - start < 3.0        # killed at the budget, not run to the end
    assert _no_children_left()


def _set_state():
    _STATE.append("init")


def test_init_runs_once_in_every_worker_before_its_tasks():
    outs = list(run_batch(_remember, ["a", "b", "c"], jobs=1, timeout=5, init=_set_state, max_tasks=2))
    assert [o.value[1] for o in outs] == [["init", "a"], ["init", "a", "b"], ["init", "c"]]
    assert _STATE == []


def _exit5():
    os._exit(5)


def test_a_failing_init_reports_the_task_as_crashed():
    outs = list(run_batch(_dispatch, ["ok", "ok"], jobs=1, timeout=5, init=_exit5))
    assert [o.status for o in outs] == ["crashed", "crashed"]
    assert "code 5" in outs[0].message


def test_a_worker_retires_after_max_tasks():
    outs = list(run_batch(_pid_or, ["pid"] * 5, jobs=1, timeout=5, max_tasks=2))
    pids = [o.value for o in outs]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert len(set(pids)) == 3
    assert _no_children_left()


def test_a_worker_that_grew_retires_so_the_next_task_has_fresh_headroom():
    # the cap covers what a worker inherits from this process (which, late in a test run, has
    # loaded sympy, numpy, matplotlib …): cap = this process's size + 384 MiB; a worker may grow
    # by cap/8 before it is replaced, and "keep" leaves cap/8 + 16 MiB behind
    from calcai.runner import _address_space

    cap = max(512, _address_space() // (1024 * 1024) + 384)
    keep = ("keep", cap // 8 + 16)
    outs = list(run_batch(_pid_or, ["pid", keep, "pid", "pid"], jobs=1, timeout=5, memory_mb=cap))
    assert [o.status for o in outs] == ["ok"] * 4
    pids = [o.value for o in outs]
    assert pids[0] == pids[1] != pids[2] == pids[3]


def test_memory_cap_applies_in_every_worker_of_the_pool():
    outs = list(run_batch(_dispatch, ["hog", "ok", "hog", "ok"], jobs=2, memory_mb=1024))
    assert [o.status for o in outs] == ["memory", "ok", "memory", "ok"]
    assert outs[0].message == "ran out of memory (limit 1024 MiB)"


def test_early_stop_in_the_middle_kills_busy_and_idle_workers():
    gen = run_batch(_dispatch, ["ok", "ok", "forever", "forever", "ok"], jobs=2, timeout=None)
    assert next(gen).status == "ok"
    assert next(gen).status == "ok"
    gen.close()
    assert _no_children_left()


def test_stopping_on_an_exception_in_the_consumer_kills_workers():
    with pytest.raises(ZeroDivisionError):
        for outcome in run_batch(_dispatch, ["ok", "forever", "forever"], jobs=3, timeout=None):
            1 / 0
    assert _no_children_left()


def test_fork_failure_for_a_second_worker_leaves_the_first_to_do_the_work(monkeypatch):
    real_fork, calls = os.fork, []

    def fork_once():
        calls.append(1)
        if len(calls) > 1:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_once)
    outs = list(run_batch(_pid_or, ["pid"] * 4, jobs=2, timeout=5))
    assert [o.status for o in outs] == ["ok"] * 4 and len({o.value for o in outs}) == 1


def test_fork_failure_with_no_worker_reports_crashed(monkeypatch):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    outs = list(run_batch(_dispatch, ["ok", "ok"], jobs=2))
    assert [o.status for o in outs] == ["crashed", "crashed"]
    assert outs[0].message.startswith("could not start worker")


def _write_pid_then_hang(task):
    path = task
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    while True:
        time.sleep(1)


def _state_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_a_worker_ends_itself_when_its_budget_is_long_past_even_if_nobody_checks(tmp_path):
    # After the first outcome the consumer stays away for 2.5 s, so the parent checks no
    # deadline; the second task's worker ends itself by its own alarm (budget + 1 s).
    files = [tmp_path / "first", tmp_path / "second"]
    gen = run_batch(_write_pid_then_hang, [str(f) for f in files], jobs=1, timeout=0.5)
    try:
        assert next(gen).status == "timeout"
        time.sleep(2.5)
        pid = int(files[1].read_text())
        assert _state_of(pid) == "Z"            # ended, and not yet reaped by the parent
        second = next(gen)
        assert second.status == "timeout" and second.message == "gave up after 0.5 s"
    finally:
        gen.close()
    assert _state_of(pid) is None
    assert _no_children_left()


_ORPHAN_SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from calcai.runner import run_batch
from test_runner import _write_pid_then_hang
gen = run_batch(_write_pid_then_hang, [{path!r}], jobs=1, timeout=2.0)
next(gen)
"""


def test_workers_do_not_outlive_a_killed_parent(tmp_path):
    # A parent killed with SIGKILL cannot stop its workers: a busy one ends by its own alarm
    # (budget 2 s + 1 s). (An idle one would read end-of-file on its task pipe and exit.)
    import subprocess
    import sys

    pid_file = tmp_path / "pid"
    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN_SCRIPT.format(tests=os.path.dirname(__file__), path=str(pid_file)))
    parent = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.monotonic() + 20
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        assert parent.poll() is None                    # the parent had no time to kill it
        parent.kill()
        parent.wait()
        assert _state_of(worker) not in (None, "Z")     # the orphan is still running...
        deadline = time.monotonic() + 6
        while _state_of(worker) not in (None, "Z") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _state_of(worker) in (None, "Z")         # ...until its alarm ends it
    finally:
        parent.kill()
        parent.wait()
