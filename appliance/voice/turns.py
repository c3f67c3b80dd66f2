"""Turn detection: when the caller starts, pauses, goes on and is done (pure, no audio engine).

Fed one 20 ms frame at a time with the VAD's decision and the frame's arrival time:
- `START`: the caller began a turn; `onset_audio()` holds the frames since the speech began
  (the VAD notices speech a little late, so the audio before it is kept too);
- `PAUSED`: `speculative_ms` of silence, a good moment to start recognising what was said;
- `RESUMED`: the caller went on after a pause, so that early recognition is stale;
- `END`: the endpoint (`end_silence_ms` of silence, or the longest turn allowed).
`finished_sentence(text)` ends the turn early, after `early_end_ms` of silence, when the
recognised text already reads as a finished sentence.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from appliance.models.endpointer import Endpointer, EndpointEvent, EndpointOptions

PREROLL_MS = 300  # kept before the onset the endpointer reports


class TurnSignal(StrEnum):
    """What one frame changed in the caller's turn."""

    START = "start"
    PAUSED = "paused"
    RESUMED = "resumed"
    END = "end"


@dataclass(frozen=True)
class TurnOptions:
    """Durations in ms."""

    endpoint: EndpointOptions
    speculative_ms: int = 200
    early_end_ms: int = 300


class TurnDetector:
    """The caller's turns from per-frame speech decisions."""

    def __init__(self, options: TurnOptions) -> None:
        self.options = options
        self.endpointer = Endpointer(options.endpoint)
        frame_ms = options.endpoint.frame_ms
        self._preroll: deque[bytes] = deque(maxlen=(options.endpoint.lookback_ms + PREROLL_MS) // frame_ms)
        self._onset: list[bytes] = []
        self.trailing_ms = 0  # silence since the caller's last speech frame in this turn
        self.speech_end = 0.0  # arrival time of that frame
        self.paused = False

    @property
    def in_turn(self) -> bool:
        """The caller is in the middle of a turn."""
        return self.endpointer.in_speech

    def feed(self, frame: bytes, speech: bool, arrived: float) -> TurnSignal | None:
        """Advance one frame."""
        self._preroll.append(frame)
        event = self.endpointer.feed(speech)
        if event == EndpointEvent.SPEECH_START:
            back = (self.endpointer.speech_start_offset_ms + PREROLL_MS) // self.options.endpoint.frame_ms
            self._onset = list(self._preroll)[-back:]
            self.trailing_ms, self.speech_end, self.paused = 0, arrived, False
            return TurnSignal.START
        if event == EndpointEvent.SPEECH_END:
            self.endpointer.reset()
            return TurnSignal.END
        if not self.in_turn:
            return None
        if speech:
            self.trailing_ms, self.speech_end = 0, arrived
            if self.paused:
                self.paused = False
                return TurnSignal.RESUMED
            return None
        self.trailing_ms += self.options.endpoint.frame_ms
        if not self.paused and self.trailing_ms >= self.options.speculative_ms:
            self.paused = True
            return TurnSignal.PAUSED
        return None

    def onset_audio(self) -> bytes:
        """The audio of the turn up to the frame that started it."""
        return b"".join(self._onset)

    def finished_sentence(self, text: str) -> bool:
        """End the turn now: the caller paused long enough after what reads as a whole sentence."""
        if not (self.in_turn and self.paused and self.trailing_ms >= self.options.early_end_ms):
            return False
        if not text.rstrip().endswith((".", "?", "!")):
            return False
        self.endpointer.reset()
        return True
