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
