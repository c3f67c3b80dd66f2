"""A second recogniser for the utterances the first one fails on or hears nothing in."""

from __future__ import annotations

import logging

import numpy as np

from appliance.audio import FRAME_BYTES, FRAME_MS, to_float
from appliance.errors import EngineError
from appliance.models.protocols import SttEngine, SttResult, SttStream

log = logging.getLogger(__name__)

MIN_SPEECH_S = 0.4  # an empty answer for at least this much speech-like audio is a miss
SPEECH_RMS = 0.01  # a 20 ms frame this loud (-40 dBFS) counts as speech


class FallbackStt:
    """`primary` answers; `backup` decodes the same audio when `primary` raises `EngineError`
    or returns no words for audio with at least `MIN_SPEECH_S` of speech."""

    def __init__(self, primary: SttEngine, backup: SttEngine) -> None:
        self.primary = primary
        self.backup = backup
        self.name = primary.name

    def stream(self, hint: str = "") -> FallbackStream:
        """Start a new utterance on the primary; the audio is kept for the backup."""
        return FallbackStream(self, hint)

    def close(self) -> None:
        """Free both models."""
        self.primary.close()
        self.backup.close()


class FallbackStream:
    """One utterance: fed to the primary as it comes, to the backup only when needed."""

    def __init__(self, engine: FallbackStt, hint: str) -> None:
        self._engine = engine
        self._hint = hint
        self._primary: SttStream = engine.primary.stream(hint)
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
        try:
            result = self._primary.finish()
            if result.text.strip() or speech_s(pcm) < MIN_SPEECH_S:
                self.answered_by = primary.name
                log.debug("stt answered by %s", primary.name)
                return result
            why = "heard no words"
        except EngineError as exc:
            why = f"failed: {exc}"
        stream = backup.stream(self._hint)
        stream.feed(pcm)
        result = stream.finish()
        self.answered_by = backup.name
        log.info("stt answered by %s: %s %s", backup.name, primary.name, why)
        return result


def speech_s(pcm: bytes) -> float:
    """Seconds of 20 ms frames loud enough to be speech."""
    samples = to_float(pcm[:len(pcm) // FRAME_BYTES * FRAME_BYTES])
    if not len(samples):
        return 0.0
    rms = np.sqrt(np.mean(samples.reshape(-1, FRAME_BYTES // 2) ** 2, axis=1))
    return float(np.sum(rms >= SPEECH_RMS)) * FRAME_MS / 1000
