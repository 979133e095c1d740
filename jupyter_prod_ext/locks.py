"""The one lock mechanism: a thread lock per key, then an advisory file lock.

Promotion (one module at a time) and the type check (one mypy per project cache) both
need exclusion across the threads of the server *and* across processes (the CLI beside
a server), so both take the same two steps here; each caller says what "busy" means to
its user by catching :class:`LockTimeout`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only
    fcntl = None  # type: ignore[assignment]

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
#: how often a waiter retries the file lock
POLL_SECONDS = 0.05


class LockTimeout(Exception):
    """The lock was still held by another thread or process when the timeout ran out."""


@contextmanager
def exclusive(key: str, lock_file: Path, timeout: float) -> Iterator[None]:
    """Hold ``key`` in this process and ``lock_file`` across processes, or raise LockTimeout."""
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    if not lock.acquire(timeout=timeout):
        raise LockTimeout
    try:
        if fcntl is None:  # pragma: no cover
            yield
            return
        with open(lock_file, "a+b") as fh:
            _flock_until(fh.fileno(), time.monotonic() + timeout)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        lock.release()


def _flock_until(fd: int, deadline: float) -> None:
    """Non-blocking attempts until the deadline, so a stuck holder never hangs a request."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout from None
            time.sleep(POLL_SECONDS)
