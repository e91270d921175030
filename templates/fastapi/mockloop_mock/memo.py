"""A bounded memo for answers that depend only on what a request carried.

Checking a request against its schemas is a pure function of the parts the
operation reads (its query string, path, declared headers and cookies, its
body), and clients, load tests above all, send the same requests again and
again. The memo keeps the last answers, up to a size, so a repeated request
costs one dictionary look-up.
"""

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
# Entries kept before the memo starts over.
MAX_ENTRIES = 4096


class Memo(Generic[T]):
    """Answers by key, forgetting them all once ``limit`` are kept."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self.limit = limit
        self.entries: dict[Hashable, T] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for ``key``, computed on a miss."""
        if key in self.entries:
            return self.entries[key]
        return self.put(key, compute())

    def put(self, key: Hashable, answer: T) -> T:
        """Remembers ``answer`` for ``key`` (computed elsewhere, say awaited)."""
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[key] = answer
        return answer

    def find(self, key: Hashable) -> T | None:
        """The answer remembered for ``key``, if any."""
        return self.entries.get(key)
