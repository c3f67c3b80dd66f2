"""Retry delays for registration: exponential with a cap and jitter (pure, testable)."""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """delay(n) = min(max, min * 2**n) scaled by a random factor in [1 - jitter, 1]."""

    def __init__(self, minimum: float, maximum: float, jitter: float = 0.2,
                 rand: Callable[[], float] = random.random) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.jitter = jitter
        self._rand = rand
        self.failures = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; each call counts one more failure."""
        base = min(self.maximum, self.minimum * 2 ** self.failures)
        self.failures += 1
        return base * (1 - self.jitter * self._rand())

    def reset(self) -> None:
        """Success: start again from the minimum."""
        self.failures = 0
