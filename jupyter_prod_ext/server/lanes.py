"""Where our blocking work runs, so Jupyter's own routes stay responsive.

anyio's default thread limiter (40 tokens) is what jupyter_server's contents
manager uses for every file read and write; 45 slow type checks holding those
tokens made ``GET /api/contents`` wait 33 s. So none of our work takes them:

* fast work (the analysis checks, commits, status) runs under a limiter of its own;
* slow work (black, mypy, git checks, promotion) additionally waits in a lane per
  project: at most ``slow_per_project`` at once, at most ``slow_queue`` waiting in
  the whole server (more is a 503 "busy"), and a newer request for the same notebook
  replaces an older one, waiting or running: a running one's black and mypy are killed
  with their process groups (``procs.CancelScope``; the warm mypy daemon only after a
  grace, see ``typecheck.daemon._run_mypy``), and it is answered 409 with
  ``details: {"reason": "superseded", "stage": "waiting" | "running"}``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from ..errors import ConflictError, ToolError
from ..procs import CancelScope, cancellable
from ..wire import SupersededDetails, SupersededStage

T = TypeVar("T")

#: threads our fast work may hold at once (anyio's default limiter is Jupyter's, not ours)
FAST_THREADS = 8
#: threads slow work may hold at once, all projects together
SLOW_THREADS = 4


class BusyError(ToolError):
    """Too many slow requests are waiting: answer at once instead of queueing without bound."""


class SupersededError(ConflictError):
    """A newer request for the same notebook arrived while this one waited or ran."""

    def __init__(self, stage: SupersededStage) -> None:
        when = "before it ran" if stage == "waiting" else "while it ran (its tools were stopped or their answer dropped)"
        super().__init__(f"A newer check of this notebook replaced this one {when}; its answer is the current one.")
        self.details = SupersededDetails(reason="superseded", stage=stage)


def _in_scope(scope: CancelScope, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn`` in a worker thread, its processes stopped when ``scope`` is cancelled."""
    with cancellable(scope):
        return fn(*args, **kwargs)


class Lanes:
    """The limiters of one server (created lazily: anyio's limiters need the running loop)."""

    def __init__(self, slow_per_project: int = 1, slow_queue: int = 64) -> None:
        self.slow_per_project = slow_per_project
        self.slow_queue = slow_queue
        self._fast: anyio.CapacityLimiter | None = None
        self._slow: anyio.CapacityLimiter | None = None
        self._projects: dict[str, anyio.CapacityLimiter] = {}
        self._latest: dict[str, int] = {}
        #: the request of each notebook that runs now, to stop when a newer one arrives
        self._running: dict[str, CancelScope] = {}
        self._numbers = itertools.count(1)
        self.waiting = 0

    def _fast_limiter(self) -> anyio.CapacityLimiter:
        if self._fast is None:
            self._fast = anyio.CapacityLimiter(FAST_THREADS)
        return self._fast

    def _slow_limiter(self) -> anyio.CapacityLimiter:
        if self._slow is None:
            self._slow = anyio.CapacityLimiter(SLOW_THREADS)
        return self._slow

    async def fast(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking work in a thread under our own limiter, never Jupyter's."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=self._fast_limiter())

    async def slow(
        self, project: str, notebook: str | None, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """Run slow work in ``project``'s lane.

        ``notebook`` identifies requests that replace each other (checks, formatting);
        None for work that must not be dropped (a promotion).
        """
        if self.waiting >= self.slow_queue:
            raise BusyError(
                f"The server is busy with {self.waiting} slow checks (black, mypy); try again in a moment."
            )
        number = next(self._numbers)
        notebook = notebook if notebook is not None else f"#{number}"
        self._latest[notebook] = number
        running = self._running.pop(notebook, None)
        if running is not None:
            running.cancel()  # the older request stops its tools now and answers "superseded"
        limiter = self._projects.get(project)
        if limiter is None:
            limiter = self._projects[project] = anyio.CapacityLimiter(self.slow_per_project)
        self.waiting += 1
        try:
            async with limiter:
                if self._latest.get(notebook) != number:
                    raise SupersededError("waiting")
                scope = self._running[notebook] = CancelScope()
                self.waiting -= 1
                try:
                    result = await anyio.to_thread.run_sync(
                        functools.partial(_in_scope, scope, fn, *args, **kwargs), limiter=self._slow_limiter()
                    )
                except Exception:
                    if scope.cancelled:  # whatever the killed tools made the work raise
                        raise SupersededError("running") from None
                    raise
                finally:
                    self.waiting += 1
                    if self._running.get(notebook) is scope:
                        del self._running[notebook]
                if scope.cancelled:  # the work may have turned the killed tools into findings
                    raise SupersededError("running")
                return result
        finally:
            self.waiting -= 1
            if self._latest.get(notebook) == number:
                del self._latest[notebook]


LANES_KEY = "jupyter_prod_lanes"


def lanes_of(settings: dict[str, Any], slow_per_project: int = 1, slow_queue: int = 64) -> Lanes:
    """The server's :class:`Lanes` (kept in tornado's settings; made on first use)."""
    found = settings.get(LANES_KEY)
    if not isinstance(found, Lanes):
        found = settings[LANES_KEY] = Lanes(slow_per_project, slow_queue)
    return found
