"""A second recogniser for the utterances the first one fails on or hears nothing in."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import numpy as np

from appliance.audio import FRAME_BYTES, FRAME_MS, to_float
from appliance.errors import EngineError
from appliance.models.protocols import Expected, Spelling, SttEngine, SttResult, SttStream

log = logging.getLogger(__name__)

MIN_SPEECH_S = 0.4  # an empty answer for at least this much speech-like audio is a miss
SPEECH_RMS = 0.01  # a 20 ms frame this loud (-40 dBFS) counts as speech
UNSURE = 0.35  # below this confidence the backup is asked for a second opinion
AGREED = 0.5  # the confidence of words both recognisers heard


class FallbackStt:
    """`primary` answers; `backup` decodes the same audio when `primary` raises `EngineError`,
    returns no words for audio with at least `MIN_SPEECH_S` of speech, or is unsure (a second
    opinion: two recognisers that agree are more likely right than either alone)."""

    def __init__(self, primary: SttEngine, backup: SttEngine) -> None:
        self.primary = primary
        self.backup = backup
        self.name = primary.name

    def stream(self, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> FallbackStream:
        """Start a new utterance on the primary; the audio is kept for the backup."""
        return FallbackStream(self, hint, letters, expected)

    def close(self) -> None:
        """Free both models."""
        self.primary.close()
        self.backup.close()


class FallbackStream:
    """One utterance: fed to the primary as it comes, to the backup only when needed."""

    def __init__(self, engine: FallbackStt, hint: str, letters: Spelling | None, expected: Expected | None) -> None:
        self._engine = engine
        self._hint, self._letters, self._expected = hint, letters, expected
        self._primary: SttStream = engine.primary.stream(hint, letters, expected)
        self._chunks: list[bytes] = []
        self.answered_by = ""

    def feed(self, pcm: bytes) -> list[SttResult]:
        """Feed the primary (its partials are returned); keep the audio."""
        self._chunks.append(pcm)
        return self._primary.feed(pcm)

    def finish(self) -> SttResult:
        """The primary's final result, or the backup's when the primary missed."""
        pcm = b"".join(self._chunks)
        primary, backup = self._engine.primary, self._engine.backup
        first = None
        try:
            first = self._primary.finish()
            if not first.text.strip() and speech_s(pcm) < MIN_SPEECH_S:
                why = ""  # nothing said: nothing to ask the backup
            elif first.text.strip() and first.confidence >= UNSURE:
                why = ""
            else:
                why = "was unsure" if first.text.strip() else "heard no words"
        except EngineError as exc:
            why = f"failed: {exc}"
        if not why:
            self.answered_by = primary.name
            return first
        try:
            stream = backup.stream(self._hint, self._letters, self._expected)
            stream.feed(pcm)
            second = stream.finish()
        except EngineError:
            if first is None:
                raise
            log.exception("stt: the backup %s failed too; %s's words are kept", backup.name, primary.name)
            self.answered_by = primary.name
            return first
        result = second_opinion(first, second) if first is not None and first.text.strip() else second
        self.answered_by = primary.name if result is first else backup.name
        log.info("stt: %s %s; answered by %s", primary.name, why, self.answered_by)
        return result


def second_opinion(first: SttResult, second: SttResult) -> SttResult:
    """The same words from both: taken as sure (at least `AGREED`); else the more confident one."""
    better = first if first.confidence >= second.confidence else second
    if words(first.text) == words(second.text):
        return replace(better, confidence=max(better.confidence, AGREED))
    return better


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def speech_s(pcm: bytes) -> float:
    """Seconds of 20 ms frames loud enough to be speech."""
    samples = to_float(pcm[:len(pcm) // FRAME_BYTES * FRAME_BYTES])
    if not len(samples):
        return 0.0
    rms = np.sqrt(np.mean(samples.reshape(-1, FRAME_BYTES // 2) ** 2, axis=1))
    return float(np.sum(rms >= SPEECH_RMS)) * FRAME_MS / 1000
