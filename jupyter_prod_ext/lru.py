"""A bounded, thread-safe memo: server threads share one cache per kind of work."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LockedLRU(Generic[K, V]):
    """Least-recently-used cache; the value is computed outside the lock.

    Two threads missing the same key may both compute it (the work is pure and
    the last one wins), which is cheaper than holding the lock during black or a
    TOML parse. Bounded by a count (per call) and, when ``sizeof`` is given, by
    ``max_bytes`` of estimated memory: a server on a shared hub must not grow
    with every notebook anyone opened.
    """

    def __init__(self, *, max_bytes: int | None = None, sizeof: Callable[[V], int] | None = None) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._sizeof = sizeof
        self.max_bytes = max_bytes
        self._sizes: dict[K, int] = {}
        #: estimated bytes held (0 without ``sizeof``)
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: K) -> bool:
        return key in self._data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.bytes = 0

    def pop(self, key: K) -> None:
        """Forget ``key`` (if cached)."""
        with self._lock:
            if self._data.pop(key, None) is not None:
                self.bytes -= self._sizes.pop(key, 0)

    def get(self, key: K) -> V | None:
        """The value if cached (and mark it recently used), else None."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def get_many(self, keys: list[K]) -> dict[K, V]:
        """The cached values of ``keys`` (marked recently used), under one lock: a request's hundreds of look-ups."""
        out: dict[K, V] = {}
        with self._lock:
            data = self._data
            for key in keys:
                hit = data.get(key)
                if hit is not None:
                    data.move_to_end(key)
                    out[key] = hit
        return out

    def put(self, key: K, value: V, maxsize: int) -> None:
        with self._lock:
            self._store(key, value, maxsize)

    def get_or_compute(self, key: K, compute: Callable[[], V], maxsize: int) -> V:
        hit = self.get(key)
        if hit is not None:
            return hit
        value = compute()
        with self._lock:
            self._store(key, value, maxsize)
        return value

    def _store(self, key: K, value: V, maxsize: int) -> None:
        if self._sizeof is not None:
            size = self._sizeof(value)
            self.bytes += size - self._sizes.get(key, 0)
            self._sizes[key] = size
        self._data[key] = value
        self._data.move_to_end(key)
        limit = self.max_bytes
        while len(self._data) > maxsize or (limit is not None and self.bytes > limit and len(self._data) > 1):
            old, _ = self._data.popitem(last=False)
            self.bytes -= self._sizes.pop(old, 0)
