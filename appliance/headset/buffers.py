"""The headset's audio between the device's blocks and the call loop's 20 ms frames at 16 kHz.

Both classes are used on the audio thread and touch only deques (atomic append/popleft in
CPython) and their own state: no locks, no logging, no blocking.
"""

from __future__ import annotations

from collections import deque

from appliance.audio import Resampler, drop_queued, frames
from appliance.models.protocols import FRAME_BYTES, SAMPLE_RATE

SILENCE = b"\0" * FRAME_BYTES


class Inbound:
    """Microphone blocks at the device's rate in, whole 16 kHz frames out."""

    def __init__(self, rate: int) -> None:
        self._resampler = Resampler(rate, SAMPLE_RATE)
        self._pending = bytearray()

    def push(self, block: bytes) -> list[bytes]:
        """Take one block from the device; return the complete frames it finished."""
        self._pending += self._resampler.process(block)
        count = len(self._pending) // FRAME_BYTES
        frames = [bytes(self._pending[i * FRAME_BYTES:(i + 1) * FRAME_BYTES]) for i in range(count)]
        del self._pending[:count * FRAME_BYTES]
        return frames


class Outbound:
    """The agent's audio waiting for the speaker: queued as 16 kHz frames, handed out as
    blocks at the device's rate, silence when nothing is queued."""

    def __init__(self, rate: int) -> None:
        self.queue: deque[tuple[bytes, str | None]] = deque()
        self._resampler = Resampler(SAMPLE_RATE, rate)
        self._ready = bytearray()  # device-rate audio already taken from the queue
        self._playing = False  # real audio went out since the queue last ran empty

    # --- any thread ----------------------------------------------------------------------
    def write(self, pcm: bytes, mark: str | None = None) -> int:
        """Queue audio (20 ms frames, the tail padded); `mark` goes with the first frame."""
        queued = [(frame, mark if index == 0 else None) for index, frame in enumerate(frames(pcm))]
        self.queue.extend(queued)
        return len(queued)

    def clear(self) -> int:
        """Drop the queued frames; return how many."""
        return drop_queued(self.queue)

    @property
    def pending(self) -> int:
        """Frames queued and not yet handed to the device."""
        return len(self.queue)

    # --- the audio thread ----------------------------------------------------------------
    def fill(self, size: int) -> tuple[bytes, list[str], bool]:
        """`size` bytes for the device; the marks whose first frame is in them; and whether
        the queue ran empty after real audio (reported once per run of audio)."""
        marks: list[str] = []
        drained = False
        while len(self._ready) < size:
            try:
                frame, mark = self.queue.popleft()
            except IndexError:
                frame, mark = SILENCE, None
                drained, self._playing = drained or self._playing, False
            else:
                self._playing = True
                if mark is not None:
                    marks.append(mark)
            self._ready += self._resampler.process(frame)
        block = bytes(self._ready[:size])
        del self._ready[:size]
        return block, marks, drained
