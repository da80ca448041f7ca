"""`Reservoir`: a uniform sample of fixed size from a stream of unknown length, in one pass
and constant memory (Algorithm R), reproducible from its seed."""

from __future__ import annotations

import random
from typing import Generic, TypeVar

T = TypeVar("T")


class Reservoir(Generic[T]):
    """Holds `size` of the items offered so far, each offered item equally likely."""

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.seen = size, 0
        self._random = random.Random(seed)
        self._items: list[T] = []

    def offer(self, item: T) -> None:
        self.seen += 1
        if len(self._items) < self.size:
            self._items.append(item)
            return
        slot = self._random.randrange(self.seen)
        if slot < self.size:
            self._items[slot] = item

    @property
    def dropped(self) -> int:
        """Items offered and left out."""
        return self.seen - len(self._items)

    def items(self) -> list[T]:
        """The sample, in no particular order (sort it by what the items carry)."""
        return list(self._items)
