"""Per-turn latency: stamps of each stage, reported relative to the end of caller speech."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

STAGES = ("endpoint", "stt_final", "acknowledged", "first_sentence", "tts_first_audio",
          "first_frame_out")


@dataclass
class TurnTiming:
    """Stage times of one turn. `speech_end` is when the caller's last word ended."""

    speech_end: float
    clock: Callable[[], float] = time.monotonic
    stamps: dict[str, float] = field(default_factory=dict)

    def stamp(self, stage: str, at: float | None = None) -> None:
        """Record `stage` once (the first time wins)."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage}")
        self.stamps.setdefault(stage, self.clock() if at is None else at)

    def breakdown_ms(self) -> dict[str, float]:
        """Milliseconds from the end of caller speech to each stage reached."""
        return {s: round((self.stamps[s] - self.speech_end) * 1000, 1) for s in STAGES if s in self.stamps}
