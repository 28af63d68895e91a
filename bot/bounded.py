"""A dictionary with a size limit and an idle expiry, for what the bot keeps in memory about
a person (memory-only play, class links before consent, wrong-code counts).

Anyone can open the bot from any number of accounts, so nothing kept per person may grow
without bound. The entry used least recently goes first when the dictionary is full, and an
entry not used for `max_idle_s` seconds is dropped. Someone who is forgotten simply starts
over; the bot says so kindly where it matters.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

# How many people each memory keeps at most, and for how long someone idle is remembered.
MAX_PEOPLE = 10_000  # about 1 kB each in memory-only play
MAX_IDLE_S = 24 * 3600

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedDict(Generic[K, V]):
    def __init__(
        self, max_size: int, max_idle_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_size < 1 or max_idle_s <= 0:
            raise ValueError("a bounded dictionary needs room for one entry and some time")
        self.max_size = max_size
        self.max_idle_s = max_idle_s
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()  # oldest use first

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value, which counts as a use of it; `default` when absent or expired."""
        self._expire()
        entry = self._entries.get(key)
        if entry is None:
            return default
        self._entries[key] = (self._clock(), entry[1])
        self._entries.move_to_end(key)
        return entry[1]

    def __setitem__(self, key: K, value: V) -> None:
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        self._expire()
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def pop(self, key: K, default: V | None = None) -> V | None:
        entry = self._entries.pop(key, None)
        return default if entry is None else entry[1]

    def __contains__(self, key: object) -> bool:
        self._expire()
        return key in self._entries

    def __len__(self) -> int:
        self._expire()
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def _expire(self) -> None:
        # Uses only move entries to the end, so the idle ones are all at the front.
        oldest_kept = self._clock() - self.max_idle_s
        while self._entries and next(iter(self._entries.values()))[0] < oldest_kept:
            self._entries.popitem(last=False)
