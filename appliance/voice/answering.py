"""Who answered an outbound call: a person or an answering machine (pure, per 20 ms frame).

Fed the call's audio from the moment it is answered, one frame at a time with the VAD's
decision, `AnsweringDetector` reports once:
- `PERSON`: a short answer ("Hello?", "Hi, this is Sam.") and then silence: they wait for us;
  or nobody said anything at all for a while;
- `MACHINE`: talk that goes on longer than a person's hello without a pause, or a beep;
and after `MACHINE`, once more:
- `RECORDING`: the beep has ended, or the greeting ended and no beep came: the message can be
  spoken now (or, at the latest, when a greeting has gone on for too long).

A beep is a steady pure tone (`BeepDetector`): most of a frame's phone-band energy in one
spectral peak, at the same frequency frame after frame. A tone is never counted as speech, even
when the VAD says so. The defaults come from `appliance bench answering`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from appliance.audio import FRAME_MS, SAMPLE_RATE, to_float

WINDOW = 3 * SAMPLE_RATE * FRAME_MS // 1000  # a frame's tonality is read over the last 60 ms (17 Hz bins)
LOBE_BINS = 2  # a pure tone's energy lies within this many bins of its peak (Hann window)
BAND_HZ = (250.0, 3500.0)  # the energy compared with the peak's: about a phone line's band
LOUD_MIN_DBFS = -55.0  # a frame quieter than this is never talk by its loudness alone
QUIET_FRAMES = 500  # the line's quiet level is read over the last 10 s...
QUIET_PERCENTILE = 5  # ...as the level this share of its frames is under (a lost packet's silence does not move it)
_HANN = np.hanning(WINDOW)
_FREQS = np.fft.rfftfreq(WINDOW, 1 / SAMPLE_RATE)
_IN_BAND = (_FREQS >= BAND_HZ[0]) & (_FREQS <= BAND_HZ[1])


class Answerer(StrEnum):
    """Who picked up."""

    PERSON = "person"
    MACHINE = "machine"


class Heard(StrEnum):
    """What `AnsweringDetector.feed` reports: each once, in this order."""

    PERSON = "person"  # a person answered: greet now
    MACHINE = "machine"  # a recorded greeting is playing: keep feeding, wait
    RECORDING = "recording"  # (after MACHINE) the beep ended, or the greeting ended without one: speak now


@dataclass(frozen=True)
class AnsweringOptions:
    """Seconds, milliseconds, Hz and dBFS; tuned with `appliance bench answering`."""

    person_max_speech_s: float = 2.0  # longer talk without a pause is a recorded greeting
    person_silence_s: float = 0.8  # this much silence after a short answer: a person waiting for us
    initial_silence_s: float = 3.0  # nobody said anything for this long: a person (we speak first)
    loud_db: float = 20.0  # a frame this far above the line's quiet level is talk, VAD or not (0: VAD only)
    min_speech_ms: int = 100  # less speech than this before a pause is a click or a breath, not an answer
    greeting_end_silence_s: float = 1.8  # after a greeting, this much silence and no beep: record now
    max_greeting_s: float = 30.0  # at the latest, record this long after the call was answered
    beep_min_ms: int = 160  # a steady tone this long is a beep
    beep_max_ms: int = 2000  # a beep still sounding this long counts as ended
    beep_low_hz: float = 400.0  # a phone voice's lowest harmonic (300-400 Hz) can ring like a tone
    beep_high_hz: float = 2100.0
    beep_purity: float = 0.85  # share of the frame's phone-band energy in its strongest peak
    beep_steady_hz: float = 5.0  # how far a beep's frequency may wander from its mean
    beep_min_dbfs: float = -45.0  # a fainter tone is line hum, not a beep
    beep_dropout_ms: int = 20  # a tone may drop out this long (a noisy frame) and go on
    tone_frames: int = 3  # this many steady tonal frames make a sound a tone, not speech


def tone_of(samples: np.ndarray) -> tuple[float, float]:
    """(share of the phone-band energy in the strongest spectral peak, that peak's frequency in Hz)
    of `WINDOW` float samples."""
    power = np.abs(np.fft.rfft(samples * _HANN)) ** 2
    band = np.where(_IN_BAND, power, 0.0)
    total = float(band.sum())
    if total <= 0.0:
        return 0.0, 0.0
    peak = int(np.argmax(band))
    share = float(band[max(0, peak - LOBE_BINS):peak + LOBE_BINS + 1].sum()) / total
    left, mid, right = np.log(power[peak - 1:peak + 2] + 1e-20)  # the band keeps the peak off the edges
    bend = left - 2 * mid + right
    offset = 0.5 * (left - right) / bend if bend < 0 else 0.0
    return share, float((peak + offset) * SAMPLE_RATE / WINDOW)


class BeepDetector:
    """A steady pure tone in the call's audio (a voicemail beep: typically 400-2000 Hz, 150 ms-1.5 s).

    `sounding` is True while a tone has been steady for `tone_frames` frames; `tone_start` is the
    frame it began on. `feed` is True on the frame a beep that lasted `beep_min_ms` has ended (or
    reached `beep_max_ms`); `frequency_hz` and `duration_ms` then describe it."""

    def __init__(self, options: AnsweringOptions = AnsweringOptions()) -> None:
        self.options = options
        self._window = np.zeros(WINDOW, dtype=np.float32)
        self.frames = 0  # fed so far
        self._run: list[float] = []  # the frequencies of the current run of tonal frames
        self.tone_start: int | None = None  # first frame of the current run
        self._reported = False  # the current run already counted as a beep (it reached the longest)
        self._missed = 0  # frames since the current run's last tonal frame
        self.frequency_hz = 0.0
        self.duration_ms = 0
        self.beeps = 0  # beeps heard so far

    @property
    def sounding(self) -> bool:
        """A steady tone is sounding now."""
        return len(self._run) >= self.options.tone_frames

    @property
    def tone_ms(self) -> int:
        """How long the current tone has lasted (0: none); the 60 ms window hears a tone about 40 ms longer."""
        return len(self._run) * FRAME_MS

    def feed(self, pcm: bytes) -> bool:
        """Take one 20 ms frame; True when a beep has just ended."""
        o = self.options
        samples = to_float(pcm)
        self._window = np.concatenate([self._window[len(samples):], samples])
        self.frames += 1
        frequency = self._tone()
        if frequency is not None and self._run and abs(frequency - float(np.mean(self._run))) <= o.beep_steady_hz:
            self._run.append(frequency)
            self._missed = 0
            if not self._reported and self.tone_ms >= o.beep_max_ms:
                self._reported = True
                return self._heard()
            return False
        if self.sounding and (self._missed + 1) * FRAME_MS <= o.beep_dropout_ms:
            self._missed += 1  # a frame lost in the line's noise does not end a tone
            return False
        ended = not self._reported and self.tone_ms >= o.beep_min_ms
        if ended:
            self._heard()
        self._run, self._reported, self._missed = ([frequency] if frequency is not None else []), False, 0
        self.tone_start = self.frames - 1 if frequency is not None else None
        return ended

    def _tone(self) -> float | None:
        """The frequency of the last 60 ms if they are a loud enough pure tone in the beep range."""
        o = self.options
        if 10 * math.log10(float(np.mean(self._window ** 2)) + 1e-20) < o.beep_min_dbfs:
            return None
        share, frequency = tone_of(self._window)
        return frequency if share >= o.beep_purity and o.beep_low_hz <= frequency <= o.beep_high_hz else None

    def _heard(self) -> bool:
        self.frequency_hz, self.duration_ms = float(np.mean(self._run)), self.tone_ms
        self.beeps += 1
        return True

    def sounding_now(self) -> str:
        """The tone sounding now, in plain words."""
        return f"a {float(np.mean(self._run)):.0f} Hz tone of {self.tone_ms} ms" if self._run else "no tone"

    def last_beep(self) -> str:
        """The last beep heard, in plain words."""
        return f"a {self.frequency_hz:.0f} Hz tone of {self.duration_ms} ms"


class AnsweringDetector:
    """A person or an answering machine, from the first seconds of an outbound call's audio."""

    def __init__(self, options: AnsweringOptions = AnsweringOptions()) -> None:
        self.options = options
        self.beeps = BeepDetector(options)
        self.answered_by: Answerer | None = None
        self.beep_heard = False
        self.decided_at_s: float | None = None  # seconds of audio fed when `answered_by` was decided
        self.recording_at_s: float | None = None  # ...and when RECORDING was reported
        self.reason = ""  # why the last report was made, in plain words
        self._frames = 0
        self._speech: list[int] = []  # the frames counted as speech
        self._first: int | None = None  # the first speech frame of the current stretch of talk
        self._count = 0  # speech frames in that stretch
        self._was_sounding = False
        self._levels: deque[float] = deque(maxlen=QUIET_FRAMES)  # of the last frames, dBFS
        self._pending: str | None = None  # why RECORDING is reported on the next frame (one report a frame)

    @property
    def elapsed_s(self) -> float:
        """Seconds of audio fed."""
        return self._frames * FRAME_MS / 1000

    @property
    def done(self) -> bool:
        """Nothing more to report: a person answered, or the machine is recording."""
        return self.answered_by == Answerer.PERSON or self.recording_at_s is not None

    def feed(self, pcm: bytes, speech: bool) -> Heard | None:
        """One 20 ms frame of 16 kHz mono s16 audio and whether the VAD calls it speech; the news,
        if any (each of PERSON or MACHINE, then RECORDING, is reported once)."""
        index = self._frames
        self._frames += 1
        if self.done:
            return None
        beep_ended = self.beeps.feed(pcm)
        if self.beeps.sounding and not self._was_sounding and self.beeps.tone_start is not None:
            self._forget_speech_since(self.beeps.tone_start - 1)  # those frames were a tone (and its onset)
        self._was_sounding = self.beeps.sounding
        if (speech or self._loud(pcm)) and not self.beeps.sounding:
            self._hear_speech(index)
        if beep_ended:
            self.beep_heard = True
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return self._recorded(pending)
        if self.answered_by is None:
            return self._decide(beep_ended)
        return self._record(beep_ended)

    def _decide(self, beep_ended: bool) -> Heard | None:
        o, frame_s = self.options, FRAME_MS / 1000
        if beep_ended:  # a beep that was too short to decide on while it sounded
            self._pending = f"the beep ended ({self.beeps.last_beep()})"
            return self._report(Answerer.MACHINE, self.beeps.last_beep())
        if self.beeps.sounding and self.beeps.tone_ms >= o.beep_min_ms:
            return self._report(Answerer.MACHINE, self.beeps.sounding_now())
        talk_s = (self._speech[-1] - self._first + 1) * frame_s if self._first is not None else 0.0
        if talk_s > o.person_max_speech_s:
            return self._report(Answerer.MACHINE, f"{talk_s:.1f} s of speech before any pause")
        silent_s = self._silence_s()
        if self.beeps.sounding:
            return None  # a tone that may yet be a beep
        if self._first is not None and self._count * FRAME_MS >= o.min_speech_ms and silent_s >= o.person_silence_s:
            return self._report(Answerer.PERSON, f"{talk_s:.1f} s of speech, then {silent_s:.1f} s of silence")
        if self._first is not None and silent_s >= o.person_silence_s:
            self._first, self._count = None, 0  # a click or a breath: not an answer
        if self._first is None and self.elapsed_s >= o.initial_silence_s:
            return self._report(Answerer.PERSON, f"nobody spoke for {self.elapsed_s:.1f} s")
        return None

    def _record(self, beep_ended: bool) -> Heard | None:
        o = self.options
        if beep_ended:
            return self._recorded(f"the beep ended ({self.beeps.last_beep()})")
        if self.beeps.sounding:
            return None
        silent_s = self._silence_s()
        if self._speech and silent_s >= o.greeting_end_silence_s:
            return self._recorded(f"{silent_s:.1f} s of silence after the greeting, and no beep")
        if self.elapsed_s >= o.max_greeting_s:
            return self._recorded(f"the greeting went on for {self.elapsed_s:.0f} s")
        return None

    def _loud(self, pcm: bytes) -> bool:
        """The frame stands well out of the line's quiet level (the VAD can miss a clean phone voice)."""
        level = 10 * math.log10(float(np.mean(to_float(pcm) ** 2)) + 1e-12)
        quiet = float(np.percentile(self._levels, QUIET_PERCENTILE)) if self._levels else math.inf
        self._levels.append(level)
        return self.options.loud_db > 0 and level >= max(quiet + self.options.loud_db, LOUD_MIN_DBFS)

    def _hear_speech(self, index: int) -> None:
        gap_s = (index - self._speech[-1]) * FRAME_MS / 1000 if self._speech else math.inf
        if self._first is None or gap_s >= self.options.person_silence_s:
            self._first, self._count = index, 0
        self._speech.append(index)
        self._count += 1

    def _forget_speech_since(self, start: int) -> None:
        """Frames from `start` on were a tone: take them back out of the talk."""
        while self._speech and self._speech[-1] >= start:
            self._speech.pop()
            self._count -= 1
        if self._first is not None and self._first >= start:
            self._first, self._count = None, 0

    def _silence_s(self) -> float:
        """Seconds since the last speech frame (since the start if there was none)."""
        last = self._speech[-1] if self._speech else -1
        return (self._frames - 1 - last) * FRAME_MS / 1000

    def _report(self, answerer: Answerer, reason: str) -> Heard:
        self.answered_by, self.decided_at_s, self.reason = answerer, self.elapsed_s, reason
        return Heard(answerer.value)

    def _recorded(self, reason: str) -> Heard:
        self.recording_at_s, self.reason = self.elapsed_s, reason
        return Heard.RECORDING
