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

The threads are ours, and daemons: anyio's worker threads are not, and one stops only when the task
that started it ends; a request in flight when the server got SIGTERM never ends (the event loop
stops), so its idle worker kept the stopped server from exiting, for ever. Ours never hold the exit;
the extension's stop hook (:func:`stop_all`, at exit) cancels what still runs (black and mypy killed,
Clean Runs stopped) and gives it :data:`STOP_GRACE` seconds to end.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import functools
import itertools
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import anyio

from ..errors import ConflictError, ToolError
from ..procs import CancelScope, cancellable
from ..wire import SupersededDetails, SupersededStage

T = TypeVar("T")

#: threads our fast work may hold at once (anyio's default limiter is Jupyter's, not ours)
FAST_THREADS = 8
#: threads slow work may hold at once, all projects together
SLOW_THREADS = 4
#: seconds the stop hook waits for cancelled work to end (a Clean Run stops its kernel, a commit ends)
STOP_GRACE = 5.0


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


class _Workers:
    """Daemon threads of our own, one a job (started under the caller's limiter), and the running ones."""

    def __init__(self) -> None:
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    async def run(self, limiter: anyio.CapacityLimiter, fn: Callable[[], T]) -> T:
        """``fn`` in a thread of ours; the caller waits for its end even when cancelled, as anyio's
        ``to_thread.run_sync`` does (the limiter's token is held until the thread is done)."""
        async with limiter:
            loop = asyncio.get_running_loop()
            done: asyncio.Future[T] = loop.create_future()
            context = contextvars.copy_context()
            thread = threading.Thread(
                target=self._work, args=(loop, done, context, fn), name="jupyter-prod worker", daemon=True
            )
            with self._lock:
                self._threads.add(thread)  # before start: a thread that ends at once discards itself after this
            try:
                thread.start()
            except BaseException:  # no thread (the OS refused one): the stop hook must not join it
                with self._lock:
                    self._threads.discard(thread)
                raise
            with anyio.CancelScope(shield=True):
                result = await done
            return result

    def _work(
        self, loop: asyncio.AbstractEventLoop, done: asyncio.Future[T], context: contextvars.Context, fn: Callable[[], T]
    ) -> None:
        try:
            result = context.run(fn)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting request, as anyio does
            _report(loop, done, None, exc)
        else:
            _report(loop, done, result, None)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def join(self, deadline: float) -> None:
        """Wait for the running threads until ``deadline`` (``time.monotonic``)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def _report(loop: asyncio.AbstractEventLoop, done: asyncio.Future[T], result: T | None, exc: BaseException | None) -> None:
    """Hand a thread's outcome to the event loop; nobody waits any more once the loop is closed."""

    def settle() -> None:
        if done.done():
            return
        if exc is None:
            done.set_result(result)  # type: ignore[arg-type]
        else:
            done.set_exception(RuntimeError("StopIteration in a worker thread") if isinstance(exc, StopIteration) else exc)

    with contextlib.suppress(RuntimeError):  # the loop is closed: the server stopped
        loop.call_soon_threadsafe(settle)


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
        self._workers = _Workers()
        _ALL_LANES.add(self)

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
        return await self._workers.run(self._fast_limiter(), functools.partial(fn, *args, **kwargs))

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
                    result = await self._workers.run(
                        self._slow_limiter(), functools.partial(_in_scope, scope, fn, *args, **kwargs)
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

    def cancel_running(self) -> None:
        """Cancel the slow work that runs now: its black and mypy are killed (signals only)."""
        for scope in list(self._running.values()):
            scope.cancel()

    def join(self, deadline: float) -> None:
        """Wait for our running threads until ``deadline`` (``time.monotonic``)."""
        self._workers.join(deadline)


#: every server's lanes in this process (a test process starts many servers)
_ALL_LANES: weakref.WeakSet[Lanes] = weakref.WeakSet()


def stop_all(grace: float = STOP_GRACE) -> None:
    """The extension's stop hook: cancel what our threads still run, wait ``grace`` seconds at most.

    Run at exit (after the event loop stopped: no request is answered any more). Clean Runs stop their
    kernels, slow work its tools; fast work (a commit, the analysis) is given the grace to end.
    """
    from ..execution.registry import REGISTRY

    REGISTRY.cancel_all()
    lanes = list(_ALL_LANES)
    for each in lanes:
        each.cancel_running()
    deadline = time.monotonic() + grace
    for each in lanes:
        each.join(deadline)


atexit.register(stop_all)

LANES_KEY = "jupyter_prod_lanes"


def lanes_of(settings: dict[str, Any], slow_per_project: int = 1, slow_queue: int = 64) -> Lanes:
    """The server's :class:`Lanes` (kept in tornado's settings; made on first use)."""
    found = settings.get(LANES_KEY)
    if not isinstance(found, Lanes):
        found = settings[LANES_KEY] = Lanes(slow_per_project, slow_queue)
    return found
