"""Run a batch of problems in killable worker processes.

A sympy computation can hang inside C-level big-number arithmetic where no
signal-based alarm can interrupt it.  This module therefore runs every task in
its own forked child process, which the parent kills with SIGKILL when the
task's time budget runs out.  A problem that times out, runs out of memory,
raises or crashes is reported as an :class:`Outcome` and the batch goes on.

Contract
--------
* :func:`run_batch` yields exactly one :class:`Outcome` per task, in task
  order, while running up to ``jobs`` tasks at once.  Results that finish
  early are buffered until their turn.
* Each task runs in a fresh process forked from the caller (start method
  ``"fork"``, so already-imported modules such as sympy are inherited for
  free).  ``fn`` and the tasks therefore need not be picklable, but the
  *return value* of ``fn`` must be.
* The child's address space is capped with ``RLIMIT_AS`` at ``memory_mb``
  MiB (the cap covers the whole process, including what was inherited from
  the parent).  A ``MemoryError`` in the child gives status ``"memory"``.
* Children never print: their ``sys.stdout``/``sys.stderr`` go to
  ``os.devnull``.  The parent flushes its own streams before forking so that
  buffered output is not duplicated.  Use :func:`run_inline` to debug a task
  in-process.
* No zombies or orphans: every child is killed (if still running) and joined,
  also when the consumer stops iterating early or an exception propagates.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

__all__ = ["Outcome", "run_batch", "run_inline"]

_CTX = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Outcome:
    """Result of one task.

    ``status`` is one of:

    * ``"ok"``      -- ``value`` holds the return value of ``fn``;
    * ``"timeout"`` -- the task exceeded its time budget and was killed;
    * ``"memory"``  -- the task raised ``MemoryError`` (memory cap reached);
    * ``"error"``   -- ``fn`` raised; ``error`` holds the exception (or a
      ``RuntimeError`` with its repr if it could not be pickled) and
      ``traceback_text`` the formatted traceback from the child.  A return
      value that cannot be pickled is also reported this way;
    * ``"crashed"`` -- the worker died without reporting (signal, os._exit,
      fork failure, a result the parent could not unpickle).

    ``message`` is one human sentence for every status except ``"ok"``.
    ``seconds`` is the wall-clock time the task took.
    """

    status: str
    value: Any = None
    message: str = ""
    error: BaseException | None = None
    traceback_text: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _fmt_seconds(t: float) -> str:
    return f"{t:g} s"


def _safe_repr(obj: object) -> str:
    try:
        return repr(obj)
    except BaseException:  # noqa: BLE001 - repr of arbitrary objects
        return f"<unrepresentable {type(obj).__name__}>"


def _describe(exc: BaseException) -> str:
    text = str(exc) if not isinstance(exc, KeyError) else _safe_repr(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _portable_exception(exc: BaseException) -> BaseException:
    """Return ``exc`` if it survives a pickle round trip, else a RuntimeError."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except BaseException:  # noqa: BLE001
        try:                  # "TypeError: cannot determine truth value ...", not a repr of a lazy message
            return RuntimeError(_describe(exc))
        except BaseException:  # noqa: BLE001 - str() of arbitrary exceptions
            return RuntimeError(_safe_repr(exc))


def _memory_message(memory_mb: int | None) -> str:
    if memory_mb is None:
        return "ran out of memory"
    return f"ran out of memory (limit {memory_mb} MiB)"


def _call(fn: Callable[[Any], Any], task: Any, memory_mb: int | None) -> tuple:
    """Run ``fn(task)`` and return a picklable report tuple.

    The report is ``("ok", value)``, ``("memory",)`` or
    ``("error", exception, traceback_text)``.
    """
    try:
        return ("ok", fn(task))
    except MemoryError:
        return ("memory",)
    except BaseException as exc:  # noqa: BLE001 - report everything
        tb = "".join(traceback.format_exception(exc))
        return ("error", _portable_exception(exc), tb)


def _to_outcome(report: tuple, memory_mb: int | None, seconds: float) -> Outcome:
    kind = report[0]
    if kind == "ok":
        return Outcome("ok", value=report[1], seconds=seconds)
    if kind == "memory":
        return Outcome("memory", message=_memory_message(memory_mb), seconds=seconds)
    exc, tb = report[1], report[2]
    return Outcome("error", message=_describe(exc), error=exc,
                   traceback_text=tb, seconds=seconds)


def _child_main(fn, task, conn, memory_mb: int | None) -> None:
    """Body of a worker process: run the task and send back one pickled report."""
    devnull = open(os.devnull, "w")
    sys.stdout = sys.stderr = devnull
    memory_report = pickle.dumps(("memory",))  # prepared before memory gets tight
    try:
        if memory_mb is not None:
            limit = int(memory_mb) * 1024 * 1024
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        report = _call(fn, task, memory_mb)
        try:
            data = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = memory_report
        except BaseException as exc:  # noqa: BLE001 - unpicklable return value
            err = RuntimeError(f"result could not be pickled: {_describe(exc)}")
            data = pickle.dumps(("error", err, "".join(traceback.format_exception(exc))))
        conn.send_bytes(data)
    except MemoryError:
        conn.send_bytes(memory_report)
    finally:
        conn.close()


def run_inline(fn: Callable[[Any], Any], task: Any) -> Outcome:
    """Run ``fn(task)`` in the current process (no timeout, no memory cap).

    Meant for debugging: prints and breakpoints work.  Returns the same kind of
    :class:`Outcome` as :func:`run_batch` (never ``"timeout"``/``"crashed"``).
    """
    start = time.monotonic()
    report = _call(fn, task, None)
    return _to_outcome(report, None, time.monotonic() - start)


class _Running:
    """Bookkeeping for one live worker process."""

    __slots__ = ("index", "proc", "conn", "start", "deadline")

    def __init__(self, index, proc, conn, start, deadline):
        self.index, self.proc, self.conn = index, proc, conn
        self.start, self.deadline = start, deadline

    def stop(self) -> None:
        """Kill (if alive), reap and close.  Safe to call more than once."""
        if self.proc.exitcode is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        self.proc.join()
        self.proc.close()
        self.conn.close()


def _crash_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
            return f"worker process died (signal {-exitcode}, {name})"
        except ValueError:
            return f"worker process died (signal {-exitcode})"
    return f"worker process exited with code {exitcode} without a result"


def run_batch(
    fn: Callable[[Any], Any],
    tasks: list,
    *,
    timeout: float | None = 10.0,
    memory_mb: int | None = 2048,
    jobs: int | None = None,
) -> Iterator[Outcome]:
    """Yield one :class:`Outcome` per task of ``tasks``, in task order.

    Each ``fn(task)`` runs in its own forked process, at most ``jobs`` at a
    time (default ``os.cpu_count()``).  A task still running ``timeout``
    seconds after it started is killed with SIGKILL (``timeout=None``: no
    limit).  ``memory_mb`` caps each child's address space (``None``: no
    cap).  Stopping the iteration early kills and reaps all running workers.
    """
    tasks = list(tasks)
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    running: dict[Any, _Running] = {}   # keyed by the parent's connection
    done: dict[int, Outcome] = {}
    next_start = next_yield = 0

    def finish(run: _Running, outcome: Outcome) -> None:
        del running[run.conn]
        run.stop()
        done[run.index] = outcome

    try:
        while next_yield < len(tasks):
            # Fill free slots.
            while len(running) < jobs and next_start < len(tasks):
                index, next_start = next_start, next_start + 1
                sys.stdout.flush()
                sys.stderr.flush()
                reader, writer = _CTX.Pipe(duplex=False)
                proc = _CTX.Process(target=_child_main, daemon=True,
                                    args=(fn, tasks[index], writer, memory_mb))
                start = time.monotonic()
                try:
                    proc.start()
                except OSError as exc:
                    reader.close()
                    done[index] = Outcome("crashed", message=f"could not start worker ({exc})")
                    continue
                finally:
                    writer.close()  # the child holds its own copy
                deadline = None if timeout is None else start + timeout
                running[reader] = _Running(index, proc, reader, start, deadline)

            # Hand out everything that is ready, in order.
            if next_yield in done:
                yield done.pop(next_yield)
                next_yield += 1
                continue

            # Wait for a result, a dying worker or the nearest deadline.
            deadlines = [r.deadline for r in running.values() if r.deadline is not None]
            wait_for = None
            if deadlines:
                wait_for = max(0.0, min(deadlines) - time.monotonic())
            handles = list(running) + [r.proc.sentinel for r in running.values()]
            ready = set(multiprocessing.connection.wait(handles, wait_for))

            now = time.monotonic()
            for run in list(running.values()):
                if run.conn in ready or (run.proc.sentinel in ready and run.conn.poll()):
                    try:
                        data = run.conn.recv_bytes()
                    except (EOFError, OSError):
                        run.proc.join()
                        finish(run, Outcome("crashed", message=_crash_message(run.proc.exitcode),
                                            seconds=now - run.start))
                        continue
                    seconds = time.monotonic() - run.start
                    try:
                        outcome = _to_outcome(pickle.loads(data), memory_mb, seconds)
                    except BaseException as exc:  # noqa: BLE001 - bad payload
                        outcome = Outcome("crashed", seconds=seconds,
                                          message=f"worker result could not be unpickled ({_describe(exc)})")
                    finish(run, outcome)
                elif run.proc.sentinel in ready:
                    run.proc.join()
                    finish(run, Outcome("crashed", message=_crash_message(run.proc.exitcode),
                                        seconds=now - run.start))
                elif run.deadline is not None and now >= run.deadline:
                    finish(run, Outcome("timeout", message=f"gave up after {_fmt_seconds(timeout)}",
                                        seconds=now - run.start))
    finally:
        for run in list(running.values()):
            run.stop()
        running.clear()
