"""Endpointing: turn per-frame speech decisions into utterance start and end events.

A pure state machine over durations: no audio, no clock, so it is tested with lists of booleans.
"""

from __future__ import annotations

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

    def __post_init__(self) -> None:
        if self.start_speech_ms > self.start_window_ms:
            raise ValueError("start_speech_ms cannot exceed start_window_ms")
        if min(self.frame_ms, self.start_speech_ms, self.end_silence_ms, self.max_utterance_ms) <= 0:
            raise ValueError("endpoint durations must be positive")


class EndpointEvent(StrEnum):
    """What one frame changed."""

    SPEECH_START = "speech_start"
    SPEECH_END = "speech_end"


class Endpointer:
    """Feed one speech/non-speech decision per frame; get an event when an utterance starts or ends.

    `speech_start_offset_ms` (at SPEECH_START) tells how many frames back the speech began,
    so the caller of this class can include the audio it already buffered.
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
            if sum(self._window) * o.frame_ms >= o.start_speech_ms:
                first = self._window.index(True)
                self.speech_start_offset_ms = (len(self._window) - first) * o.frame_ms
                self.in_speech = True
                self._utterance_ms = self.speech_start_offset_ms
                self._silence_ms = 0
                self._window = []
                return EndpointEvent.SPEECH_START
            return None
        self._utterance_ms += o.frame_ms
        self._silence_ms = 0 if is_speech else self._silence_ms + o.frame_ms
        if self._silence_ms >= o.end_silence_ms or self._utterance_ms >= o.max_utterance_ms:
            self.in_speech = False
            self._silence_ms = 0
            return EndpointEvent.SPEECH_END
        return None

    def reset(self) -> None:
        """Forget any utterance in progress."""
        self.in_speech = False
        self._window: list[bool] = []
        self._silence_ms = 0
        self._utterance_ms = 0
        self.speech_start_offset_ms = 0
