"""Speech to text with faster-whisper (CTranslate2 Whisper models), per utterance.

Whisper has no native streaming: the stream keeps the utterance's audio, decodes it again
every `partial_interval_s` of new audio for a partial result, and once more at the end.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from appliance.audio import to_float
from appliance.errors import EngineError
from appliance.models.protocols import SAMPLE_RATE, SttResult


class WhisperStt:
    """A loaded faster-whisper model."""

    def __init__(self, path: Path, name: str = "whisper", device: str = "cpu", threads: int = 2,
                 language: str = "en", partial_interval_s: float = 0.0, beam_size: int = 1) -> None:
        from faster_whisper import WhisperModel

        self.name = name
        self.language = language
        self.partial_interval_s = partial_interval_s
        self.beam_size = beam_size
        try:
            self._model = WhisperModel(str(path), device=device, cpu_threads=threads,
                                       compute_type="float16" if device == "cuda" else "int8")
        except Exception as exc:  # noqa: BLE001 - engine load errors vary by build
            raise EngineError(f"faster-whisper could not load {path}: {exc}") from exc

    def stream(self) -> "WhisperStream":
        """Start a new utterance."""
        return WhisperStream(self)

    def decode(self, samples: np.ndarray, final: bool) -> SttResult:
        """Transcribe float samples at 16 kHz."""
        audio_s = len(samples) / SAMPLE_RATE
        if audio_s < 0.1:
            return SttResult("", 0.0, final, audio_s)
        try:
            segments, _ = self._model.transcribe(
                samples, language=self.language, beam_size=self.beam_size,
                without_timestamps=True, condition_on_previous_text=False, vad_filter=False,
            )
            segments = list(segments)
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"faster-whisper failed: {exc}") from exc
        text = " ".join(s.text.strip() for s in segments).strip()
        if not text:
            return SttResult("", 0.0, final, audio_s)
        weights = [max(len(s.text), 1) for s in segments]
        logprob = sum(s.avg_logprob * w for s, w in zip(segments, weights)) / sum(weights)
        speech = 1.0 - min(s.no_speech_prob for s in segments)
        confidence = max(0.0, min(1.0, math.exp(logprob) * (0.5 + 0.5 * speech)))
        return SttResult(text, confidence, final, audio_s)

    def close(self) -> None:
        """Drop the model."""
        self._model = None


class WhisperStream:
    """One utterance: audio accumulates, partials every `partial_interval_s` if enabled."""

    def __init__(self, engine: WhisperStt) -> None:
        self._engine = engine
        self._chunks: list[bytes] = []
        self._bytes = 0
        self._last_partial_bytes = 0

    def feed(self, pcm: bytes) -> list[SttResult]:
        """Add audio; decode a partial when enough new audio arrived."""
        self._chunks.append(pcm)
        self._bytes += len(pcm)
        interval = self._engine.partial_interval_s
        if interval <= 0 or (self._bytes - self._last_partial_bytes) < interval * SAMPLE_RATE * 2:
            return []
        self._last_partial_bytes = self._bytes
        return [self._engine.decode(self._samples(), final=False)]

    def finish(self) -> SttResult:
        """Decode the whole utterance."""
        return self._engine.decode(self._samples(), final=True)

    def _samples(self) -> np.ndarray:
        pcm = b"".join(self._chunks)
        self._chunks = [pcm]
        return to_float(pcm)
