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
    TOML parse.
    """

    def __init__(self) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def get_or_compute(self, key: K, compute: Callable[[], V], maxsize: int) -> V:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
        value = compute()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > maxsize:
                self._data.popitem(last=False)
        return value
