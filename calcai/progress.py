"""A progress bar on standard error for ``calcai solve`` / ``calcai check`` (the CLI layer).

The batch runner (calcai.runner) never prints: it reports where a batch stands through its
``progress`` callback (:class:`calcai.runner.BatchProgress`). :class:`BatchBar` is such a
callback: it counts problems done and failed and, once the batch has run for ``delay``
seconds (a quick batch shows nothing), draws a rich progress bar on standard error.
Whether to draw one at all is :func:`progress_wanted`'s decision. rich is imported only when
the bar first appears, and it refreshes from the runner's calls (no thread: the runner forks
workers, and forking a threaded process is unsafe).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Mapping, Sequence

__all__ = ["BatchBar", "progress_wanted"]

DELAY = 1.0          # seconds a batch runs before the bar appears


def progress_wanted(stderr_isatty: bool, environ: Mapping[str, str], fmt: str, to_stdout: bool) -> bool:
    """Whether a batch shows a progress bar on standard error.

    Only on a terminal (not when standard error is piped or redirected), not with ``NO_COLOR``
    set (https://no-color.org: present and not empty) or on a ``TERM=dumb`` terminal, and not
    when JSON goes to standard output (``fmt == "json"`` and no ``--output`` file), where a
    program reads the output."""
    if not stderr_isatty:
        return False
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return not (fmt == "json" and to_stdout)


class BatchBar:
    """A ``run_batch`` progress callback that draws ``verb``, a bar, problems done / total,
    failures so far and the file being worked on.

    ``labels[i]`` names task ``i`` (its file); ``is_failure(outcome)`` says whether a finished
    task counts as a failure. The bar appears once ``delay`` seconds have passed since the
    bar was made (``clock`` tells the time) and the batch is not finished; ``console()``
    makes the rich console it draws on (default: standard error). Call :meth:`close` when
    the batch ends, and write to a terminal's standard output inside :meth:`paused`."""

    def __init__(self, verb: str, labels: Sequence[str], is_failure: Callable[[object], bool], *,
                 delay: float = DELAY, clock: Callable[[], float] = time.monotonic,
                 console: Callable[[], object] | None = None):
        self.verb, self.labels, self.is_failure = verb, list(labels), is_failure
        self.delay, self.clock, self._console = delay, clock, console
        self.start = clock()
        self.total, self.done, self.failed, self.current = len(self.labels), 0, 0, ""
        self._bar = None                    # (rich Progress, task id) while it is shown
        self._closed = False

    # -- the runner's callback
    def __call__(self, event) -> None:
        self.total, self.done = event.total, event.done
        self.failed += sum(1 for _index, outcome in event.finished if self.is_failure(outcome))
        if event.running:
            self.current = self.labels[event.running[-1]]
        elif event.finished:
            self.current = self.labels[event.finished[-1][0]]
        if self._bar is None and not self._closed and self.done < self.total \
                and self.clock() - self.start >= self.delay:
            self._show()
        if self._bar is not None:
            progress, task = self._bar
            progress.update(task, completed=self.done, total=self.total, **self._fields())
            progress.refresh()

    @property
    def shown(self) -> bool:
        return self._bar is not None

    # -- drawing
    def _show(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.table import Column

        if self._console is not None:
            console = self._console()
        else:
            from rich.console import Console

            console = Console(stderr=True)
        # No refresh thread (auto_refresh=False); standard output is left alone, and standard
        # error written while the bar shows (a problem's error message) is printed above it.
        progress = Progress(TextColumn(self.verb), BarColumn(bar_width=16), MofNCompleteColumn(),
                            TextColumn("done, {task.fields[failed]} failed"), TextColumn("{task.fields[elapsed]}"),
                            TextColumn("{task.fields[current]}", markup=False,
                                       table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
                            console=console, auto_refresh=False, transient=True, expand=True,
                            redirect_stdout=False, redirect_stderr=True)
        task = progress.add_task(self.verb, total=self.total, completed=self.done, **self._fields())
        progress.start()
        self._bar = (progress, task)

    def _fields(self) -> dict:
        seconds = max(0, int(self.clock() - self.start))
        return {"failed": self.failed, "current": self.current,
                "elapsed": f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"}

    def _hide(self) -> None:
        if self._bar is not None:
            progress, _task = self._bar
            self._bar = None
            progress.stop()                 # transient: the bar is erased

    @contextmanager
    def paused(self):
        """Hide the bar while the block writes to a terminal's standard output, then draw it again."""
        was_shown = self._bar is not None
        self._hide()
        try:
            yield
        finally:
            if was_shown and not self._closed:
                self._show()
                progress, _task = self._bar
                progress.refresh()

    def close(self) -> None:
        """Erase the bar (if shown); it does not come back."""
        self._closed = True
        self._hide()
