"""A byte progress bar for long copies: a redrawn bar on a terminal, a few lines in a log."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Counts bytes towards `total` and draws `label [#####.....] 50% 10/20 MB`."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last_draw = 0.0
        self._last_quarter = -1

    def __call__(self, n: int) -> None:
        """Add `n` bytes."""
        self.done += n
        if self.tty:
            now = time.monotonic()
            complete = self.done >= self.total
            if complete or now - self._last_draw > 0.1:
                self._draw("\r", end="\n" if complete else "")
                self._last_draw = now
        elif int(self.fraction * 4) > self._last_quarter:
            self._last_quarter = int(self.fraction * 4)
            self._draw("", end="\n")

    @property
    def fraction(self) -> float:
        """Share of the total done, 0..1."""
        return min(self.done / self.total, 1.0)

    def _draw(self, start: str, end: str = "") -> None:
        width = 30
        filled = int(self.fraction * width)
        bar = "#" * filled + "." * (width - filled)
        mb = 1024 * 1024
        self.stream.write(f"{start}{self.label} [{bar}] {self.fraction:4.0%} "
                          f"{self.done / mb:.0f}/{self.total / mb:.0f} MB{end}")
        self.stream.flush()
