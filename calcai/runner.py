"""Run a batch of problems in a pool of warm, killable worker processes.

A sympy computation can hang inside C-level big-number arithmetic where no
signal handler can interrupt it.  Every task therefore runs in a worker process
that the parent kills with SIGKILL when the task's time budget runs out.  A
problem that times out, runs out of memory, raises or crashes is reported as an
:class:`Outcome` and the batch goes on.

Workers are *warm*: the parent forks up to ``jobs`` of them (after the caller
has done its heavy imports, so each starts with sympy loaded) and feeds each one
task after another, so sympy's caches stay filled between problems.  The task
list exists before the fork, so a worker receives only a task's index over a
pipe: ``fn`` and the tasks need not be picklable, only ``fn``'s *return value*.

A one-off command uses the same pool with one task.  Measured on a 2-core
machine: forking a process that has sympy loaded, letting it exit and reaping
it takes about 2.4 ms, and the first solve in the child is a few milliseconds
slower than in the parent (copy-on-write page faults).  Forking *before* the
imports instead (the child imports, solves and prints, the parent only
supervises) was tried and measured no faster end to end, so there is one
mechanism.  Solving in the parent itself is not an option: a hang inside C code
could not be stopped there.

Contract
--------
* :func:`run_batch` yields exactly one :class:`Outcome` per task, in task
  order, running up to ``jobs`` tasks at once.  Results that finish early are
  buffered until their turn.
* Time: each task has its own budget of ``timeout`` seconds, measured from the
  moment its index is handed to an idle worker.  A worker still computing when
  the budget runs out is killed with SIGKILL (status ``"timeout"``) and a new
  worker is forked for the remaining tasks.  (Once a worker's report has
  started to arrive, the task is done and only its transfer remains; it is not
  cut off.)  As a second line of defence each
  worker arms a kernel timer (``SIGALRM`` with its default action, which needs
  no Python code to run) a little after the budget, so a worker whose parent
  died cannot compute for ever.
* Memory: the address space of every worker is capped with ``RLIMIT_AS`` at
  ``memory_mb`` MiB.  The cap covers the whole process, including what it
  inherited from the parent and what earlier tasks left behind (Python rarely
  gives memory back, and sympy's caches grow).  So that a task in a warm worker
  gets nearly the headroom it would have in a fresh one, a worker retires
  itself after a task that left its address space more than
  ``memory_mb / 8`` MiB (at least 32 MiB; 256 MiB when there is no cap) above
  its size at start, and after ``max_tasks`` tasks (default 200) in any case;
  the parent forks a fresh one when more tasks remain.  A task that raises
  ``MemoryError`` gets status ``"memory"`` and its worker is replaced too, as
  its heap may be left fragmented.
* A worker that dies (a signal, ``os._exit``, a result the parent cannot
  unpickle) gives status ``"crashed"`` for the task it was running, and is
  replaced.  A worker never runs the parent's code after the fork: it leaves
  only through ``os._exit``.
* ``init()``, if given, runs in every worker before its first task (the CLI
  uses it to give OpenBLAS one thread).
* Workers never print: their ``sys.stdout``/``sys.stderr`` and file
  descriptors 1 and 2 go to ``os.devnull``.  The parent flushes its own streams
  before forking.  Use :func:`run_inline` to debug a task in-process.
* State left by one task in a worker (sympy's caches, module globals) is seen
  by the later tasks of the same worker; tasks must not depend on it.
* Progress: ``progress(event)``, if given, is called in the parent with a
  :class:`BatchProgress` whenever tasks start or finish (in any order, before
  their outcomes are yielded in task order), and at least every
  ``progress_every`` seconds while the batch waits.  The runner itself never
  prints; showing progress is the caller's business.
* No zombies or orphans: every worker is killed (if still running) and reaped
  when the batch ends, also when the consumer stops iterating early or an
  exception propagates.  An idle worker whose parent died reads end-of-file
  and exits.
"""

from __future__ import annotations

import gc
import os
import pickle
import resource
import select
import signal
import struct
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

__all__ = ["BatchProgress", "Outcome", "run_batch", "run_inline"]

MAX_TASKS_PER_WORKER = 200
_INDEX = struct.Struct("<q")        # parent → worker: the index of the next task
_LENGTH = struct.Struct("<Q")       # worker → parent: length of the pickled report that follows
_ALARM_GRACE = 1.0                  # the worker's own SIGALRM fires this long after the budget
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Outcome:
    """Result of one task.

    ``status`` is one of:

    * ``"ok"``      -- ``value`` holds the return value of ``fn``;
    * ``"timeout"`` -- the task exceeded its time budget and was killed;
    * ``"memory"``  -- the task raised ``MemoryError`` (memory cap reached);
    * ``"error"``   -- ``fn`` raised; ``error`` holds the exception (or a
      ``RuntimeError`` with its repr if it could not be pickled) and
      ``traceback_text`` the formatted traceback from the worker.  A return
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


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands, as seen by ``run_batch``'s ``progress`` callback.

    ``done`` tasks of ``total`` have finished (in any order); ``running`` holds
    the indices of the tasks being computed now, in the order they started;
    ``finished`` the ``(index, Outcome)`` pairs that finished since the previous
    call (empty on a call that only marks time).
    """

    total: int
    done: int
    running: tuple = ()
    finished: tuple = ()


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


def _call(fn: Callable[[Any], Any], task: Any) -> tuple:
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


def run_inline(fn: Callable[[Any], Any], task: Any) -> Outcome:
    """Run ``fn(task)`` in the current process (no timeout, no memory cap).

    Meant for debugging: prints and breakpoints work.  Returns the same kind of
    :class:`Outcome` as :func:`run_batch` (never ``"timeout"``/``"crashed"``).
    """
    start = time.monotonic()
    report = _call(fn, task)
    return _to_outcome(report, None, time.monotonic() - start)


# ------------------------------------------------------------------ worker side

def _address_space() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS limits); 0 if unknown."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _read_exactly(fd: int, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return b""
        data += chunk
    return data


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _worker_main(fn, tasks, task_fd: int, result_fd: int, memory_mb: int | None,
                 timeout: float | None, max_tasks: int, growth_bytes: int, init=None) -> None:
    """Body of a worker: read task indices until end-of-file, answer each with one report."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGALRM, signal.SIG_DFL)      # the kernel ends us, even inside C code
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(devnull, "w", closefd=False)
    gc.freeze()   # inherited objects: never traversed by our collections, so never copied by them
    payload = pickle.dumps((("memory",), True))     # prepared before memory gets tight
    memory_report = _LENGTH.pack(len(payload)) + payload
    if init is not None:
        init()
    if memory_mb is not None:
        limit = int(memory_mb) * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    start_size = _address_space()
    done = 0
    while True:
        raw = _read_exactly(task_fd, _INDEX.size)
        if not raw:
            return                                      # the parent closed the pipe or died
        (index,) = _INDEX.unpack(raw)
        if timeout is not None:
            signal.setitimer(signal.ITIMER_REAL, timeout + _ALARM_GRACE)
        try:
            report = _call(fn, tasks[index])
            done += 1
            try:
                retire = (report[0] == "memory" or done >= max_tasks
                          or _address_space() - start_size > growth_bytes)
            except MemoryError:
                retire = True
            try:
                data = pickle.dumps((report, retire), protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                data = None
            except BaseException as exc:  # noqa: BLE001 - an unpicklable return value
                err = RuntimeError(f"result could not be pickled: {_describe(exc)}")
                data = pickle.dumps((("error", err, "".join(traceback.format_exception(exc))), retire))
            if timeout is not None:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if data is None:
                _write_all(result_fd, memory_report)
                return
            _write_all(result_fd, _LENGTH.pack(len(data)))
            _write_all(result_fd, data)
        except MemoryError:
            _write_all(result_fd, memory_report)
            return
        del report, data
        if retire:
            return


# ------------------------------------------------------------------ parent side

class _Worker:
    """Bookkeeping for one live worker process (parent side)."""

    __slots__ = ("pid", "task_fd", "result_fd", "buffer", "index", "start", "deadline",
                 "sending", "retiring")

    def __init__(self, pid: int, task_fd: int, result_fd: int):
        self.pid, self.task_fd, self.result_fd = pid, task_fd, result_fd
        self.buffer = bytearray()
        self.index: int | None = None        # the task it is running, if any
        self.start = self.deadline = None
        self.sending = False                 # its report has started to arrive: no deadline now
        self.retiring = False

    def stop(self) -> int | None:
        """Kill (if alive), reap and close; return the wait status. Safe to call more than once."""
        status = None
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)      # a no-op on a worker that already exited
            except ProcessLookupError:
                pass
            while True:
                try:
                    _pid, status = os.waitpid(self.pid, 0)
                    break
                except ChildProcessError:
                    break
                except InterruptedError:  # pragma: no cover - retried by Python already
                    continue
            self.pid = None
        for fd in (self.task_fd, self.result_fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.task_fd = self.result_fd = None
        return status


def _crash_message(status: int | None) -> str:
    if status is not None and os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"worker process died (signal {number}, {signal.Signals(number).name})"
        except ValueError:
            return f"worker process died (signal {number})"
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
    return f"worker process exited with code {code} without a result"


def _killed_by_alarm(status: int | None) -> bool:
    return status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM


def _cores() -> int:
    """The cores this process may run on (fewer than ``os.cpu_count()`` under an affinity mask)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _growth_budget(memory_mb: int | None) -> int:
    if memory_mb is None:
        return 256 * 1024 * 1024
    return max(32, int(memory_mb) // 8) * 1024 * 1024


def run_batch(
    fn: Callable[[Any], Any],
    tasks: list,
    *,
    timeout: float | None = 10.0,
    memory_mb: int | None = 2048,
    jobs: int | None = None,
    max_tasks: int = MAX_TASKS_PER_WORKER,
    init: Callable[[], None] | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    progress_every: float = 0.25,
) -> Iterator[Outcome]:
    """Yield one :class:`Outcome` per task of ``tasks``, in task order.

    ``fn(task)`` runs in a pool of at most ``jobs`` warm worker processes
    (default: the cores this process may use), each forked from the caller and fed one task
    after another.  A task still running ``timeout`` seconds after it started
    is killed with SIGKILL and its worker replaced (``timeout=None``: no
    limit).  ``memory_mb`` caps each worker's address space (``None``: no cap).
    A worker serves at most ``max_tasks`` tasks.  ``init()``, if given, runs in
    each worker before its first task (an exception there ends the worker, and
    its task is reported as crashed).  ``progress(event)``, if given, gets a
    :class:`BatchProgress` when tasks start or finish and at least every
    ``progress_every`` seconds.  Stopping the iteration early kills and
    reaps all workers.  See the module docstring for the details.
    """
    tasks = list(tasks)
    jobs = max(1, jobs if jobs is not None else _cores())
    max_tasks = max(1, int(max_tasks))
    growth = _growth_budget(memory_mb)
    workers: dict[int, _Worker] = {}        # keyed by result_fd
    done: dict[int, Outcome] = {}
    poller = select.poll()
    next_start = next_yield = 0
    fresh: list = []                        # (index, Outcome) finished since the last progress call
    started = False                         # a task started since the last progress call
    finished_count = 0
    last_report = time.monotonic()

    def complete(index: int, outcome: Outcome) -> None:
        nonlocal finished_count
        done[index] = outcome
        finished_count += 1
        if progress is not None:
            fresh.append((index, outcome))

    def report() -> None:
        nonlocal started, last_report
        now = time.monotonic()
        if progress is None or not (fresh or started or now - last_report >= progress_every):
            return
        running = sorted((w.start, w.index) for w in workers.values() if w.index is not None)
        event = BatchProgress(len(tasks), finished_count, tuple(i for _s, i in running), tuple(fresh))
        fresh.clear()
        started, last_report = False, now
        progress(event)

    def spawn() -> _Worker:
        sys.stdout.flush()
        sys.stderr.flush()
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            for fd in (task_r, task_w, result_r, result_w):
                os.close(fd)
            raise
        if pid == 0:                                       # the worker: never returns
            code = 0
            try:
                for other in workers.values():             # so that EOF means "that worker died"
                    for fd in (other.task_fd, other.result_fd):
                        os.close(fd)
                os.close(task_w)
                os.close(result_r)
                _worker_main(fn, tasks, task_r, result_w, memory_mb, timeout, max_tasks, growth, init)
            except BaseException:  # noqa: BLE001 - nothing may escape into the parent's code
                code = 70
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(result_w)
        os.set_blocking(result_r, False)
        worker = _Worker(pid, task_w, result_r)
        workers[result_r] = worker
        poller.register(result_r, select.POLLIN)
        return worker

    def retire(worker: _Worker) -> int | None:
        del workers[worker.result_fd]
        poller.unregister(worker.result_fd)
        return worker.stop()

    def finish(worker: _Worker, outcome: Outcome) -> None:
        complete(worker.index, outcome)
        worker.index = worker.start = worker.deadline = None
        worker.sending = False

    def assign(worker: _Worker, index: int) -> bool:
        nonlocal started
        try:
            os.write(worker.task_fd, _INDEX.pack(index))
        except OSError:                                   # it died while idle
            retire(worker)
            return False
        worker.index, worker.start = index, time.monotonic()
        worker.deadline = None if timeout is None else worker.start + timeout
        started = True
        return True

    def collect(worker: _Worker) -> None:
        """Read what the worker has sent; finish its task when a whole report is in."""
        eof = False
        while True:
            try:
                chunk = os.read(worker.result_fd, _CHUNK)
            except BlockingIOError:
                break
            if not chunk:
                eof = True
                break
            worker.buffer += chunk
        if worker.index is not None and worker.buffer:
            worker.sending = True
        if len(worker.buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(worker.buffer)
            if len(worker.buffer) >= _LENGTH.size + length:
                data = bytes(worker.buffer[_LENGTH.size:_LENGTH.size + length])
                del worker.buffer[:_LENGTH.size + length]
                seconds = time.monotonic() - worker.start
                try:
                    report, worker.retiring = pickle.loads(data)
                    outcome = _to_outcome(report, memory_mb, seconds)
                except BaseException as exc:  # noqa: BLE001 - a bad payload
                    worker.retiring = True
                    outcome = Outcome("crashed", seconds=seconds,
                                      message=f"worker result could not be unpickled ({_describe(exc)})")
                finish(worker, outcome)
        if eof or worker.retiring and worker.index is None:
            index, start = worker.index, worker.start
            status = retire(worker)
            if index is not None:                         # it died during a task
                seconds = time.monotonic() - start
                if _killed_by_alarm(status):
                    outcome = Outcome("timeout", message=f"gave up after {_fmt_seconds(timeout)}",
                                      seconds=seconds)
                else:
                    outcome = Outcome("crashed", message=_crash_message(status), seconds=seconds)
                complete(index, outcome)

    try:
        while next_yield < len(tasks):
            # Hand out tasks to idle workers, forking new ones up to ``jobs``.
            while next_start < len(tasks):
                idle = next((w for w in workers.values() if w.index is None and not w.retiring), None)
                if idle is None:
                    if len(workers) >= jobs:
                        break
                    try:
                        idle = spawn()
                    except OSError as exc:
                        if workers:                       # wait for a running worker to be free
                            break
                        complete(next_start, Outcome("crashed", message=f"could not start worker ({exc})"))
                        next_start += 1
                        continue
                if assign(idle, next_start):
                    next_start += 1
            if next_start >= len(tasks):                  # nothing left to hand out: idle workers go
                for worker in [w for w in workers.values() if w.index is None]:
                    retire(worker)
            report()

            # Hand out everything that is ready, in order.
            if next_yield in done:
                yield done.pop(next_yield)
                next_yield += 1
                continue

            # Wait for a report, a dying worker or the nearest deadline.
            if not workers:  # pragma: no cover - every handed-out task is running or done
                raise RuntimeError("run_batch: no worker is running the next task")
            deadlines = [w.deadline for w in workers.values()
                         if w.deadline is not None and not w.sending]
            if progress is not None:
                deadlines.append(last_report + progress_every)
            wait_ms = None
            if deadlines:
                wait_ms = max(0, int((min(deadlines) - time.monotonic()) * 1000) + 1)
            for fd, _event in poller.poll(wait_ms):
                if fd in workers:
                    collect(workers[fd])

            now = time.monotonic()
            for worker in list(workers.values()):
                if (worker.index is not None and worker.deadline is not None
                        and not worker.sending and now >= worker.deadline):
                    index, start = worker.index, worker.start
                    retire(worker)
                    complete(index, Outcome("timeout", message=f"gave up after {_fmt_seconds(timeout)}",
                                            seconds=now - start))
            report()
    finally:
        for worker in list(workers.values()):
            worker.stop()
        workers.clear()
