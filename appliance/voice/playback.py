"""What the agent has queued and what of it was actually heard (pure bookkeeping)."""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.audio import level_dbfs
from appliance.models.protocols import FRAME_BYTES


@dataclass
class Playback:
    """Sentences written to the call, in 20 ms frames, with the level of every frame."""

    sentences: list[tuple[str, int, int]] = field(default_factory=list)  # text, first frame, frames
    levels: list[float] = field(default_factory=list)

    @property
    def written(self) -> int:
        """Frames written so far."""
        return len(self.levels)

    def add(self, text: str, pcm: bytes) -> None:
        """Record a sentence about to be written."""
        frames = [pcm[i:i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
        self.sentences.append((text, self.written, len(frames)))
        self.levels += [level_dbfs(f) for f in frames]

    def level_near(self, pending: int, back_frames: int = 12) -> float | None:
        """Loudest agent frame among those just played (echo returns a little later)."""
        playing = self.written - pending
        window = self.levels[max(0, playing - back_frames):playing + 1]
        return max(window) if window else None

    def heard_text(self, pending: int) -> str:
        """The words the caller heard, when `pending` frames were never played."""
        played = self.written - pending
        words: list[str] = []
        for text, first, count in self.sentences:
            if played >= first + count:
                words += text.split()
            elif played > first:
                parts = text.split()
                words += parts[:int(len(parts) * (played - first) / count)]
        return " ".join(words)

    def full_text(self) -> str:
        """Everything written."""
        return " ".join(text for text, _, _ in self.sentences)
