"""Endpointing: turn per-frame speech decisions into utterance start and end events.

A pure state machine over durations: no audio, no clock, so it is tested with lists of booleans.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class EndpointOptions:
    """Durations in milliseconds."""

    frame_ms: int = 20
    start_speech_ms: int = 100  # this much speech (within the window below) starts an utterance
    start_window_ms: int = 200
    end_silence_ms: int = 600  # this much silence ends it
    max_utterance_ms: int = 30000  # a caller who never pauses is cut here
    # a soft onset ("where is ...") can score as scattered speech frames before the start is
    # confirmed: the start reaches back over speech frames separated by at most this much silence
    onset_gap_ms: int = 400
    lookback_ms: int = 1000  # ...but never further back than this

    def __post_init__(self) -> None:
        if self.start_speech_ms > self.start_window_ms:
            raise ValueError("start_speech_ms cannot exceed start_window_ms")
        if self.lookback_ms < self.start_window_ms:
            raise ValueError("lookback_ms cannot be shorter than start_window_ms")
        if min(self.frame_ms, self.start_speech_ms, self.end_silence_ms, self.max_utterance_ms) <= 0:
            raise ValueError("endpoint durations must be positive")


class EndpointEvent(StrEnum):
    """What one frame changed."""

    SPEECH_START = "speech_start"
    SPEECH_END = "speech_end"


class Endpointer:
    """Feed one speech/non-speech decision per frame; get an event when an utterance starts or ends.

    `speech_start_offset_ms` (at SPEECH_START) tells how far back the speech began (including
    scattered speech frames just before it, see `onset_gap_ms`), so the caller of this class
    can include the audio it already buffered.
    """

    def __init__(self, options: EndpointOptions | None = None) -> None:
        self.options = options or EndpointOptions()
        self.reset()

    def feed(self, is_speech: bool) -> EndpointEvent | None:
        """Advance one frame."""
        o = self.options
        if not self.in_speech:
            self._window.append(is_speech)
            self._window = self._window[-(o.start_window_ms // o.frame_ms):]
            self._history.append(is_speech)
            if sum(self._window) * o.frame_ms >= o.start_speech_ms:
                self.speech_start_offset_ms = self._onset_frames_ago() * o.frame_ms
                self.in_speech = True
                self._utterance_ms = self.speech_start_offset_ms
                self._silence_ms = 0
                self._window = []
                self._history.clear()
                return EndpointEvent.SPEECH_START
            return None
        self._utterance_ms += o.frame_ms
        self._silence_ms = 0 if is_speech else self._silence_ms + o.frame_ms
        if self._silence_ms >= o.end_silence_ms or self._utterance_ms >= o.max_utterance_ms:
            self.in_speech = False
            self._silence_ms = 0
            return EndpointEvent.SPEECH_END
        return None

    def _onset_frames_ago(self) -> int:
        """Frames since the first speech frame of the window, or of the scattered speech
        frames before it that no gap longer than `onset_gap_ms` separates from it."""
        o = self.options
        history = list(self._history)
        first = len(history) - len(self._window) + self._window.index(True)
        gap = 0
        for index in range(first - 1, -1, -1):
            if history[index]:
                first, gap = index, 0
            else:
                gap += o.frame_ms
                if gap > o.onset_gap_ms:
                    break
        return len(history) - first

    def reset(self) -> None:
        """Forget any utterance in progress."""
        self.in_speech = False
        self._window: list[bool] = []
        self._history: deque[bool] = deque(maxlen=max(1, self.options.lookback_ms // self.options.frame_ms))
        self._silence_ms = 0
        self._utterance_ms = 0
        self.speech_start_offset_ms = 0
