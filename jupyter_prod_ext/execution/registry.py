"""Who is running what: one run per notebook, a global cap on kernels, cancel handles.

Choices (documented for the API):

* a second run of a notebook that is already running (or queued) is refused
  at once with :class:`ConflictError` (HTTP 409) rather than queued behind
  the first: the user asked for the same thing twice, and the first answer
  will come;
* runs of different notebooks share ``max_concurrent`` slots (2 by default:
  each one is a kernel); the others wait in FIFO order with state
  ``queued`` and can be cancelled while they wait;
* the last state of each notebook stays readable (``done`` or ``cancelled``)
  for the progress route, bounded to the most recent ``keep_finished``.

Thread-safe: the server claims on its event loop and runs in worker threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConflictError
from ..notebook import Notebook
from ..wire import PublicProgress as PublicProgress
from .compare import DEFAULT_NORMALIZE
from .runner import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_TIMEOUT,
    RunProgress,
    RunReport,
    RunState,
    cancelled_report,
    run_notebook,
)


class RunHandle:
    """One claimed run: its cancel event and its latest progress."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.cancel_event = threading.Event()
        self._lock = threading.Lock()
        self._progress: RunProgress = {
            "state": "queued",
            "cell": None,
            "total": 0,
            "cells_run": 0,
            "worker_pid": None,
            "kernel_pid": None,
        }

    def update(self, progress: RunProgress) -> None:
        with self._lock:
            self._progress = progress

    def set_state(self, state: RunState) -> None:
        with self._lock:
            self._progress = {**self._progress, "state": state}

    def snapshot(self) -> RunProgress:
        with self._lock:
            return {**self._progress}

    def cancel(self) -> None:
        self.cancel_event.set()


class RunRegistry:
    def __init__(self, max_concurrent: int = 2, keep_finished: int = 200) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.max_concurrent = max_concurrent
        self._keep = keep_finished
        self._lock = threading.Lock()
        self._slots = threading.Condition(self._lock)
        self._running = 0
        self._waiting: list[RunHandle] = []
        self._active: dict[str, RunHandle] = {}
        self._finished: OrderedDict[str, PublicProgress] = OrderedDict()

    # -- claiming ------------------------------------------------------------

    def claim(self, key: str) -> RunHandle:
        """Reserve ``key`` (a notebook's resolved path) or refuse with 409."""
        with self._lock:
            if key in self._active:
                raise ConflictError(
                    "A run of this notebook is already in progress: wait for it or cancel it."
                )
            handle = RunHandle(key)
            self._active[key] = handle
            return handle

    def release(self, handle: RunHandle) -> None:
        """Forget an active run, keeping its last state for the progress route."""
        with self._lock:
            if self._active.get(handle.key) is handle:
                del self._active[handle.key]
            last = handle.snapshot()
            state: RunState = "cancelled" if handle.cancel_event.is_set() else "done"
            if last["state"] in ("done", "cancelled"):
                state = last["state"]
            self._finished[handle.key] = {
                "state": state,
                "cell": None,
                "total": last["total"],
                "cells_run": last["cells_run"],
            }
            self._finished.move_to_end(handle.key)
            while len(self._finished) > self._keep:
                self._finished.popitem(last=False)

    # -- slots ---------------------------------------------------------------

    def _acquire_slot(self, handle: RunHandle) -> bool:
        """Wait (FIFO) for a kernel slot; ``False`` when cancelled meanwhile."""
        with self._slots:
            self._waiting.append(handle)
            try:
                while True:
                    if handle.cancel_event.is_set():
                        return False
                    if self._running < self.max_concurrent and self._waiting[0] is handle:
                        self._running += 1
                        return True
                    self._slots.wait(timeout=0.2)
            finally:
                self._waiting.remove(handle)
                self._slots.notify_all()

    def _release_slot(self) -> None:
        with self._slots:
            self._running -= 1
            self._slots.notify_all()

    # -- the run -------------------------------------------------------------

    def run(
        self,
        handle: RunHandle,
        nb: Mapping[str, Any] | Notebook,
        *,
        cwd: Path | str,
        path: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        cell_timeout: float = DEFAULT_CELL_TIMEOUT,
        normalize: Iterable[str] = DEFAULT_NORMALIZE,
        exact_outputs: bool = False,
    ) -> RunReport:
        """Queue for a slot, run, release the claim: blocking, for a worker thread."""
        try:
            if not self._acquire_slot(handle):
                return cancelled_report(nb, path=path)
            try:
                return run_notebook(
                    nb,
                    cwd=cwd,
                    timeout=timeout,
                    cell_timeout=cell_timeout,
                    on_progress=handle.update,
                    cancel_event=handle.cancel_event,
                    path=path,
                    normalize=normalize,
                    exact_outputs=exact_outputs,
                )
            finally:
                self._release_slot()
        finally:
            self.release(handle)

    # -- queries -------------------------------------------------------------

    def handle(self, key: str) -> RunHandle | None:
        with self._lock:
            return self._active.get(key)

    def progress(self, key: str) -> PublicProgress:
        with self._lock:
            handle = self._active.get(key)
            if handle is None:
                return dict(
                    self._finished.get(key) or {"state": "idle", "cell": None, "total": 0, "cells_run": 0}
                )  # type: ignore[return-value]
        snap = handle.snapshot()
        return {
            "state": snap["state"],
            "cell": snap["cell"],
            "total": snap["total"],
            "cells_run": snap["cells_run"],
        }

    def cancel(self, key: str) -> bool:
        """Cancel the run of ``key``; ``False`` when there is none."""
        with self._slots:
            handle = self._active.get(key)
            if handle is None:
                return False
            handle.cancel()
            self._slots.notify_all()
            return True

    def cancel_all(self) -> None:
        """Cancel every run, waiting or running (the server stops: their kernels are stopped)."""
        with self._slots:
            for handle in self._active.values():
                handle.cancel()
            self._slots.notify_all()


#: The server's registry (one per process, like the kernels it limits).
REGISTRY = RunRegistry()
