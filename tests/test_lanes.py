"""The server's worker threads (``server/lanes.py``): a thread that could not start is not waited for."""

from __future__ import annotations

import asyncio
import threading
import time

import anyio
import pytest

from jupyter_prod_ext.server.lanes import _Workers


def test_a_thread_that_did_not_start_is_not_joined_at_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread was added to the running ones before ``start()``: when the OS refused a thread ("can't
    start new thread"), the stop hook's join raised RuntimeError and the lanes after it were never joined.
    It is kept only once started; the next job runs as before."""
    workers = _Workers()
    limiter = anyio.CapacityLimiter(1)
    start = threading.Thread.start

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        asyncio.run(workers.run(limiter, lambda: 1))
    workers.join(time.monotonic() + 1)  # raised "cannot join thread before it is started"
    monkeypatch.setattr(threading.Thread, "start", start)
    assert asyncio.run(workers.run(limiter, lambda: 2)) == 2
