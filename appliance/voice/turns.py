"""Turn detection: when the caller starts, pauses, goes on and is done (pure, no audio engine).

Fed one 20 ms frame at a time with the VAD's decision and the frame's arrival time:
- `START`: the caller began a turn; `onset_audio()` holds the frames since the speech began
  (the VAD notices speech a little late, so the audio before it is kept too);
- `PAUSED`: `speculative_ms` of silence (`spelled_ms` in a turn that spells a word), a good
  moment to start recognising what was said;
- `RESUMED`: the caller went on after a pause, so that early recognition is stale;
- `END`: the endpoint: `end_ms` of silence, or the longest turn allowed.

What was said so far changes how long a pause may last (`judge`, once the pause's early
recognition and the end-of-turn model's score are in):
- a full answer to the question asked (a plain yes, a whole date of birth or phone number, a
  goodbye) ends the turn after `early_end_ms`, the model not waited for;
- a whole sentence the model hears as finished ends the turn after `early_end_ms`;
- a turn that sounds unfinished (a phone number short of its digits, a date without its year,
  "um", "and ..."), or that the model hears as clearly unfinished, waits up to the
  endpointer's `end_silence_ms` (the hold) before it ends;
- anything else ends after `end_ms`;
- until the pause is judged, the turn waits (up to the hold).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from appliance.config import VoiceConfig
from appliance.models.endpointer import Endpointer, EndpointEvent, EndpointOptions

PREROLL_MS = 300  # kept before the onset the endpointer reports
# once a turn has started, speech goes on while the VAD's probability stays above its threshold
# less this margin (Silero's own hysteresis): phone-band voices score 0.3-0.5 on many of their
# words, and a turn cut at each of those dips ends in the middle of a phone number
GOING_ON_MARGIN = 0.15
# ...unless the frame is quiet: Silero's recurrent state keeps scoring speech for about 100 ms after
# the last word (140 ms on a noisy line), and the caller's pause starts when the sound stops. Quiet
# is this far below the median of the turn's speech frames (a cough or a knock does not move it)...
QUIET_BELOW_SPEECH_DB = 20.0
# ...or, on a line whose speech stands this far above its background noise (the quietest tenth of
# the frames before the turn, `BACKGROUND_FRAMES` of them)...
CLEAR_ABOVE_BACKGROUND_DB = 15.0
BACKGROUND_FRAMES = 100
# ...no more than this above the background: the line's noise alone
QUIET_ABOVE_BACKGROUND_DB = 6.0


class TurnSignal(StrEnum):
    """What one frame changed in the caller's turn."""

    START = "start"
    PAUSED = "paused"
    RESUMED = "resumed"
    END = "end"


class Verdict(StrEnum):
    """What the words and the sound of a pause say about the turn."""

    DONE = "done"  # a full answer, or a finished sentence heard as finished: end after `early_end_ms`
    UNSURE = "unsure"  # end after `end_ms`
    UNFINISHED = "unfinished"  # wait up to the hold


@dataclass(frozen=True)
class TurnOptions:
    """Durations in ms; the endpoint's `end_silence_ms` is the longest pause (the hold)."""

    endpoint: EndpointOptions
    speculative_ms: int = 200
    spelled_ms: int = 200
    early_end_ms: int = 300
    end_ms: int = 450
    done_above: float = 0.5  # the end-of-turn model's score a finished sentence needs to end early
    hold_below: float = 0.0  # ...and below which the turn is held (0: the model never holds it)

    def verdict(self, finished_text: bool, unfinished_text: bool, score: float | None,
                answered: bool = False) -> Verdict:
        """Combine the transcript's reading (a whole sentence; clearly unfinished; a full answer
        to the question asked) with the end-of-turn model's score (None without the model)."""
        if unfinished_text or (score is not None and score < self.hold_below):
            return Verdict.UNFINISHED
        if answered or (finished_text and (score is None or score >= self.done_above)):
            return Verdict.DONE
        return Verdict.UNSURE

    def silence_for(self, verdict: Verdict | None) -> int:
        """The silence that ends a turn whose pause has `verdict`; not yet judged (None): the hold."""
        if verdict == Verdict.DONE:
            return self.early_end_ms
        if verdict == Verdict.UNSURE:
            return self.end_ms
        return self.endpoint.end_silence_ms


def turn_options(v: VoiceConfig) -> TurnOptions:
    """The turn-taking of the configuration's `[voice]` section."""
    return TurnOptions(
        EndpointOptions(start_speech_ms=v.min_speech_ms, start_window_ms=max(200, v.min_speech_ms + 80),
                        end_silence_ms=v.hold_silence_ms, max_utterance_ms=int(v.max_utterance_s * 1000)),
        speculative_ms=v.speculative_stt_ms, spelled_ms=v.spelled_stt_ms, early_end_ms=v.early_endpoint_ms,
        end_ms=v.endpoint_silence_ms,
        done_above=v.turn_done_above, hold_below=v.turn_hold_below)


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
        self.verdict: Verdict | None = None  # of the current pause, once judged
        self.spelling = False  # the turn spells a word, letter by letter (set by whoever hears it)
        self._levels: list[float] = []  # dBFS of the turn's speech frames, sorted
        self._recent: deque[float] = deque(maxlen=BACKGROUND_FRAMES)  # dBFS of the latest frames
        self._background = -math.inf  # of the line before the current turn (set as it starts)

    @property
    def in_turn(self) -> bool:
        """The caller is in the middle of a turn."""
        return self.endpointer.in_speech

    def hears_speech(self, probability: float, threshold: float, level: float) -> bool:
        """Whether a frame the VAD scored `probability`, `level` dBFS loud, is speech: `threshold`
        to start a turn; a little less to go on with one, if the frame is not quiet."""
        heard = probability >= threshold
        self._recent.append(level)
        if heard:
            bisect.insort(self._levels, level)
        if not self.in_turn:
            if not heard:
                self._levels.clear()  # the turn's loudness counts from the frames that start it
            return heard
        return probability >= threshold - GOING_ON_MARGIN and not self._quiet(level)

    def _quiet(self, level: float) -> bool:
        """Whether a frame in a turn is silence by its sound (see `QUIET_BELOW_SPEECH_DB`)."""
        if not self._levels:
            return False
        speech = self._levels[len(self._levels) // 2]
        return level < speech - QUIET_BELOW_SPEECH_DB or (
            speech - self._background >= CLEAR_ABOVE_BACKGROUND_DB
            and level < self._background + QUIET_ABOVE_BACKGROUND_DB)

    def feed(self, frame: bytes, speech: bool, arrived: float) -> TurnSignal | None:
        """Advance one frame."""
        self._preroll.append(frame)
        event = self.endpointer.feed(speech)
        if event == EndpointEvent.SPEECH_START:
            if self._recent:  # the line before the turn, up to the frame that started it
                self._background = sorted(self._recent)[len(self._recent) // 10]
            back = (self.endpointer.speech_start_offset_ms + PREROLL_MS) // self.options.endpoint.frame_ms
            self._onset = list(self._preroll)[-back:]
            self.trailing_ms, self.speech_end, self.paused = 0, arrived, False
            return TurnSignal.START
        if event == EndpointEvent.SPEECH_END:
            return self._end()
        if not self.in_turn:
            return None
        if speech:
            self.trailing_ms, self.speech_end = 0, arrived
            if self.paused:
                self.paused, self.verdict = False, None
                return TurnSignal.RESUMED
            return None
        self.trailing_ms += self.options.endpoint.frame_ms
        read_after = self.options.spelled_ms if self.spelling else self.options.speculative_ms
        if not self.paused and self.trailing_ms >= read_after:
            self.paused = True
            return TurnSignal.PAUSED
        if self.trailing_ms >= self._end_after():
            return self._end()
        return None

    def judge(self, verdict: Verdict) -> bool:
        """Take the current pause's verdict; True when it ends the turn now."""
        if not (self.in_turn and self.paused):
            return False
        self.verdict = verdict
        if self.trailing_ms < self._end_after():
            return False
        self._end()
        return True

    def _end_after(self) -> int:
        """The silence that ends the turn, by the current pause's verdict; while the verdict is
        awaited (the early decode is late: two calls at once), up to the hold: the answer needs
        that decode anyway, and the caller may be in the middle of a number."""
        return self.options.silence_for(self.verdict)

    def _end(self) -> TurnSignal:
        self.endpointer.reset()
        self.verdict = None
        self._levels.clear()
        return TurnSignal.END

    def onset_audio(self) -> bytes:
        """The audio of the turn up to the frame that started it."""
        return b"".join(self._onset)
