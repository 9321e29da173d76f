"""A small thread-safe cache whose entries expire (admin lists, requests already handled)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TTLCache:
    SWEEP_AT = 10_000

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            hit = self._data.get(key)
            if hit is None or hit[0] <= self.clock():
                self._data.pop(key, None)
                return None
            return hit[1]

    def put(self, key: tuple, value: object) -> None:
        with self._lock:
            now = self.clock()
            if len(self._data) >= self.SWEEP_AT:  # forget what has expired, so it can't grow forever
                self._data = {k: v for k, v in self._data.items() if v[0] > now}
            self._data[key] = (now + self.ttl, value)

    def add_if_new(self, key: tuple) -> bool:
        """Remember `key`; True if it wasn't remembered already (atomically)."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] > self.clock():
                return False
        self.put(key, True)
        return True
